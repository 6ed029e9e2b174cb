# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""group_config_import's batch form (configs), run through main() against a real store."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
from ansible_collections.peernet.peergroup.plugins.modules import group_config_import
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup.builders import group_config
from ansible_collections.peernet.peergroup.tests.unit.plugins.modules import module_runner
from ansible_collections.peernet.peergroup.tests.unit.plugins.modules.module_runner import store_with_identity

PASSWORD = "unit-batch-password-5e0b7c1d"
OTHER_PASSWORD = "unit-batch-other-password-93a4f2"
WRONG_PASSWORD = "unit-batch-wrong-password-0c6e1a"


@pytest.fixture(scope="module")
def keys():
    # keys[0] is the member identity; the others own one group each.
    return [certs.generate_key(2048) for _index in range(4)]


@pytest.fixture(scope="module")
def batch(keys):
    """Three documents for keys[0]: two sealed in one batch (one salt), one with another password."""
    one_batch = KeyCache(PASSWORD).new_key()
    other = KeyCache(OTHER_PASSWORD).new_key()
    return [
        documents.render_group_config(group_config(keys[0], keys[1]), one_batch).decode(),
        documents.render_group_config(group_config(keys[0], keys[2]), one_batch).decode(),
        documents.render_group_config(group_config(keys[0], keys[3]), other).decode(),
    ]


@pytest.fixture
def store_path(tmp_path, keys):
    return store_with_identity(str(tmp_path / "store"), keys[0])


def run_module(capsys, args, check_mode=False, diff=False):
    return module_runner.run_module(capsys, group_config_import, args, check_mode, diff,
                                    secrets=(PASSWORD, OTHER_PASSWORD, WRONG_PASSWORD))


def memberships(path):
    with Store.open(path, create=False) as store:
        return sorted(record.group_peer_name for record in store.list_memberships())


def group_of(text):
    return documents.parse_group_config(text.encode()).group_peer_name


def test_one_batch_derives_its_key_once(capsys, store_path, batch, derivations):
    configs = [dict(config_xml=batch[0]), dict(config_xml=batch[1]), dict(config_xml=batch[2], password=OTHER_PASSWORD)]
    result = run_module(capsys, dict(store_path=store_path, password=PASSWORD, configs=configs))
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert [(entry["changed"], entry["failed"], entry["group_peer_name"]) for entry in result["configs"]] == [
        (True, False, group_of(text)) for text in batch
    ]
    assert result["configs"][0]["changed_fields"] == ["membership"]
    # The two documents of one batch share a salt: one scrypt run for both, one for the third.
    assert len(derivations) == 2
    assert memberships(store_path) == sorted(group_of(text) for text in batch)


def test_a_refused_document_does_not_stop_the_others(capsys, store_path, batch):
    configs = [dict(config_xml=batch[0]), dict(config_xml=batch[2], password=WRONG_PASSWORD), dict(config_xml=batch[1])]
    result = run_module(capsys, dict(store_path=store_path, password=PASSWORD, configs=configs))
    assert result["failed"] is True
    assert result["changed"] is True
    refused = result["configs"][1]
    assert refused["failed"] is True and refused["changed"] is False
    assert refused["hresult"]["name"] == "ERROR_INVALID_PASSWORD"
    assert "1 of 3 documents refused: configs[1]: ERROR_INVALID_PASSWORD" in result["msg"]
    assert [entry["changed"] for entry in (result["configs"][0], result["configs"][2])] == [True, True]
    assert memberships(store_path) == sorted(group_of(text) for text in (batch[0], batch[1]))


def test_check_mode_predicts_and_writes_nothing(capsys, store_path, batch):
    configs = [dict(config_xml=batch[0]), dict(config_xml=batch[1])]
    check = run_module(capsys, dict(store_path=store_path, password=PASSWORD, configs=configs), check_mode=True, diff=True)
    assert check["changed"] is True
    assert [entry["changed_fields"] for entry in check["configs"]] == [["membership"], ["membership"]]
    assert [(entry["before_header"], entry["before"], entry["after"]["group_peer_name"]) for entry in check["diff"]] == [
        ("configs[0]", {}, group_of(batch[0])),
        ("configs[1]", {}, group_of(batch[1])),
    ]
    assert memberships(store_path) == []
    real = run_module(capsys, dict(store_path=store_path, password=PASSWORD, configs=configs))
    assert [entry["changed"] for entry in real["configs"]] == [True, True]


def test_a_second_run_is_unchanged_without_kdf(capsys, store_path, batch, derivations):
    configs = [dict(config_xml=text, password=OTHER_PASSWORD if index == 2 else None) for index, text in enumerate(batch)]
    run_module(capsys, dict(store_path=store_path, password=PASSWORD, configs=configs))
    del derivations[:]
    again = run_module(capsys, dict(store_path=store_path, password=PASSWORD, configs=configs))
    assert again["changed"] is False and not again.get("failed")
    assert [entry["changed_fields"] for entry in again["configs"]] == [[], [], []]
    assert derivations == []


def test_each_document_has_its_own_overwrite_policy(capsys, store_path, keys, batch):
    run_module(capsys, dict(store_path=store_path, password=PASSWORD, configs=[dict(config_xml=batch[0])]))
    other_scope = documents.render_group_config(
        group_config(keys[0], keys[1], scope="link-local"), KeyCache(PASSWORD).new_key()
    ).decode()
    configs = [dict(config_xml=other_scope), dict(config_xml=other_scope, overwrite="always")]
    result = run_module(capsys, dict(store_path=store_path, password=PASSWORD, overwrite="never", configs=configs))
    assert result["configs"][0]["hresult"]["name"] == "PEER_E_ALREADY_EXISTS"
    assert result["configs"][1]["changed"] is True and "scope" in result["configs"][1]["changed_fields"]


def test_if_newer_names_its_reasons_and_always_reports_what_it_gave_up(capsys, store_path, keys):
    seal_key = KeyCache(PASSWORD).new_key()
    yesterday = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    owned = documents.render_group_config(group_config(keys[0], keys[1], now=yesterday, group_key_included=True), seal_key).decode()
    run_module(capsys, dict(store_path=store_path, password=PASSWORD, configs=[dict(config_xml=owned)]))
    # Newer, but under a root made anew and without the group key.
    remade = documents.render_group_config(group_config(keys[0], keys[1]), seal_key).decode()
    configs = [dict(config_xml=remade, overwrite="if_newer"), dict(config_xml=remade, overwrite="always")]
    result = run_module(capsys, dict(store_path=store_path, password=PASSWORD, configs=configs))
    refused, replaced = result["configs"]
    assert refused["hresult"]["name"] == "PEER_E_ALREADY_EXISTS" and "group_root: " in refused["msg"]
    assert replaced["changed"] is True and replaced["downgrades"] == ["group_root", "group_key"]
    assert replaced["group_key_kept"] is False and replaced["owner"] is False


def test_a_document_without_any_password_is_an_argument_error(capsys, store_path, batch):
    result = run_module(capsys, dict(store_path=store_path, configs=[dict(config_xml=batch[0], password=PASSWORD), dict(config_xml=batch[1])]))
    assert result["failed"] is True and result["msg"] == "configs[1]: no password (set configs[].password or password)"
    assert memberships(store_path) == []


def test_configs_excludes_the_single_form(capsys, store_path, batch):
    result = run_module(capsys, dict(store_path=store_path, password=PASSWORD, config_xml=batch[0], configs=[dict(config_xml=batch[1])]))
    assert result["failed"] is True and "mutually exclusive" in result["msg"]
