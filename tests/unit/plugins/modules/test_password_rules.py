# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every module that takes a password refuses U+0000, and every export an empty one, before any derivation.

The modules run through main() against a real store; a password that escaped the
checks would reach scrypt or the PKCS#12 code (a NUL once ended in a Rust panic,
a BaseException no module catches).
"""

from __future__ import annotations


import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import seal
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
from ansible_collections.peernet.peergroup.plugins.modules import group_config_export
from ansible_collections.peernet.peergroup.plugins.modules import group_config_import
from ansible_collections.peernet.peergroup.plugins.modules import identity_export
from ansible_collections.peernet.peergroup.plugins.modules import identity_import
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup.builders import group_config
from ansible_collections.peernet.peergroup.tests.unit.plugins.modules.module_runner import run_module, store_with_identity

PASSWORD = "unit-password-rules-7d1c0e"
NUL_PASSWORDS = ["\x00", "abc\x00", "\x00" + PASSWORD]


@pytest.fixture(scope="module")
def keys():
    return [certs.generate_key(2048) for _index in range(2)]


@pytest.fixture(scope="module")
def config_xml(keys):
    return documents.render_group_config(group_config(keys[0], keys[1]), seal.KeyCache(PASSWORD).new_key()).decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory, keys, config_xml):
    """A store holding the identity and its membership, and the identity exported under PASSWORD.

    No test changes it: every call here is refused.
    """
    path = store_with_identity(str(tmp_path_factory.mktemp("world") / "store"), keys[0])
    cache = seal.KeyCache(PASSWORD)
    sealed = documents.parse_group_config(config_xml.encode())
    with Store.open(path, create=False) as store:
        with store.transaction():
            configs.plan_group_config_import(store, config_xml.encode(), cache).apply()
        identity_xml = identities.plan_identity_export(store, sealed.identity_peer_name, cache).apply()["identity_xml"]
    return dict(path=path, identity=sealed.identity_peer_name, group=sealed.group_peer_name, config_xml=config_xml, identity_xml=identity_xml)


ENTRIES = {
    "group_config_export": (group_config_export, lambda w, p: dict(identity=w["identity"], group=w["group"], password=p)),
    "group_config_export-configs": (
        group_config_export, lambda w, p: dict(configs=[dict(identity=w["identity"], group=w["group"])], password=p)
    ),
    "identity_export": (identity_export, lambda w, p: dict(identity=w["identity"], password=p)),
    "group_config_import": (group_config_import, lambda w, p: dict(config_xml=w["config_xml"], password=p)),
    "group_config_import-configs": (group_config_import, lambda w, p: dict(configs=[dict(config_xml=w["config_xml"], password=p)])),
    "identity_import": (identity_import, lambda w, p: dict(identity_xml=w["identity_xml"], password=p)),
}
EXPORTS = ["group_config_export", "group_config_export-configs", "identity_export"]
IMPORTS = ["group_config_import", "group_config_import-configs", "identity_import"]


def _refusal(result):
    """The one refusal of a module result, single form or configs form."""
    assert result["failed"] is True, result
    return result["configs"][0] if "configs" in result and "hresult" not in result else result


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
@pytest.mark.parametrize("password", NUL_PASSWORDS, ids=["nul", "trailing-nul", "leading-nul"])
@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_a_nul_in_the_password_is_refused_before_any_derivation(capsys, world, derivations, entry, password, check_mode):
    module, args = ENTRIES[entry]
    result = run_module(capsys, module, dict(args(world, password), store_path=world["path"]), check_mode)
    refusal = _refusal(result)
    assert refusal["hresult"]["name"] == "E_INVALIDARG"
    assert "U+0000" in refusal["msg"]
    assert derivations == []


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check"])
@pytest.mark.parametrize("entry", EXPORTS)
def test_an_export_refuses_an_empty_password_before_any_derivation(capsys, world, derivations, entry, check_mode):
    module, args = ENTRIES[entry]
    result = run_module(capsys, module, dict(args(world, ""), store_path=world["path"]), check_mode)
    assert result["failed"] is True
    assert result["hresult"]["name"] == "PEER_E_PASSWORD_DOES_NOT_MEET_POLICY"
    assert derivations == []


@pytest.mark.parametrize("entry", IMPORTS)
def test_an_import_with_an_empty_password_is_a_wrong_password(capsys, tmp_path, keys, world, entry):
    module, args = ENTRIES[entry]
    empty_store = store_with_identity(str(tmp_path / "store"), keys[0]) if entry != "identity_import" else str(tmp_path / "store")
    refusal = _refusal(run_module(capsys, module, dict(args(world, ""), store_path=empty_store)))
    assert refusal["hresult"]["name"] == "ERROR_INVALID_PASSWORD"
