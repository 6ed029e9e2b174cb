# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The export modules' dest on the managed node: read bounded, written only through fileio, never
changed in place; run through main() against a real store and through module_support."""

from __future__ import annotations

import os
import signal
import stat
import types

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache
from ansible_collections.peernet.peergroup.plugins.modules import group_config_export, group_config_import, identity_export
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup.builders import group_config, identity_record
from ansible_collections.peernet.peergroup.tests.unit.plugins.modules import module_runner
from ansible_collections.peernet.peergroup.tests.unit.plugins.modules.module_runner import store_with_identity

PASSWORD = "unit-export-files-password-4d1e"


@pytest.fixture(scope="module")
def keys():
    return [certs.generate_key(2048) for _index in range(2)]


@pytest.fixture
def store_path(tmp_path, keys):
    return store_with_identity(str(tmp_path / "store"), keys[0])


def run_module(capsys, module, args, check_mode=False):
    return module_runner.run_module(capsys, module, args, check_mode, secrets=(PASSWORD,))


def mode_and_inode(path):
    info = os.stat(path)
    return stat.S_IMODE(info.st_mode), info.st_ino


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def test_identity_export_replaces_a_loose_mode_instead_of_changing_it_in_place(capsys, tmp_path, store_path, keys):
    dest = str(tmp_path / "me.identity.xml")
    args = dict(store_path=store_path, identity=identity_record(keys[0]).peer_name, password=PASSWORD, dest=dest)
    assert run_module(capsys, identity_export, args)["changed"] is True
    document = read(dest)
    assert run_module(capsys, identity_export, args)["changed"] is False
    os.chmod(dest, 0o644)
    _mode, inode = mode_and_inode(dest)
    assert run_module(capsys, identity_export, args, check_mode=True)["changed"] is True
    assert mode_and_inode(dest) == (0o644, inode)
    assert run_module(capsys, identity_export, args)["changed"] is True
    assert read(dest) == document
    mode, new_inode = mode_and_inode(dest)
    assert mode == 0o600 and new_inode != inode


def test_group_config_export_writes_each_dest_private_and_keeps_an_unchanged_one(capsys, tmp_path, store_path, keys):
    sealed = documents.render_group_config(group_config(keys[0], keys[1]), KeyCache(PASSWORD).new_key()).decode()
    assert run_module(capsys, group_config_import, dict(store_path=store_path, password=PASSWORD, config_xml=sealed))["changed"]
    group = documents.parse_group_config(sealed.encode()).group_peer_name
    dest = str(tmp_path / "farm.xml")
    args = dict(store_path=store_path, password=PASSWORD, configs=[dict(identity=identity_record(keys[0]).peer_name, group=group, dest=dest)])
    assert run_module(capsys, group_config_export, args)["changed"] is True
    first = mode_and_inode(dest)
    assert first[0] == 0o600
    assert run_module(capsys, group_config_export, args)["changed"] is False
    assert mode_and_inode(dest) == first


def test_regenerate_option_guards_and_rotates_an_existing_dest(capsys, tmp_path, store_path, keys):
    sealed = documents.render_group_config(group_config(keys[0], keys[1]), KeyCache(PASSWORD).new_key()).decode()
    run_module(capsys, group_config_import, dict(store_path=store_path, password=PASSWORD, config_xml=sealed))
    group = documents.parse_group_config(sealed.encode()).group_peer_name
    dest = str(tmp_path / "farm.xml")
    item = dict(identity=identity_record(keys[0]).peer_name, group=group, dest=dest)
    run_module(capsys, group_config_export, dict(store_path=store_path, password=PASSWORD, configs=[item]))
    document = read(dest)
    rotated_password = "unit-export-files-rotated-9c2b"

    def export(regenerate, check_mode=False):
        args = dict(store_path=store_path, password=rotated_password, regenerate=regenerate, configs=[item])
        return module_runner.run_module(capsys, group_config_export, args, check_mode, secrets=(PASSWORD, rotated_password))

    refused = export("full_idempotence")
    assert refused["failed"] and refused["hresult"]["name"] == "ERROR_INVALID_PASSWORD"
    assert read(dest) == document
    assert export("never")["changed"] is False
    predicted = export("always", check_mode=True)
    assert predicted["changed"] is True and predicted["configs"][0]["content_changed"] is False
    assert read(dest) == document
    rotated = export("always")
    assert rotated["changed"] is True and rotated["configs"][0]["content_changed"] is False
    assert read(dest) != document
    assert export("full_idempotence")["changed"] is False


def test_identity_export_regenerate_and_content_changed(capsys, tmp_path, store_path, keys):
    dest = str(tmp_path / "me.identity.xml")
    args = dict(store_path=store_path, identity=identity_record(keys[0]).peer_name, password=PASSWORD, dest=dest)
    assert run_module(capsys, identity_export, args)["content_changed"] is True
    document = read(dest)
    again = run_module(capsys, identity_export, dict(args, regenerate="always"))
    assert again["changed"] is True and again["content_changed"] is False
    assert read(dest) != document
    refused = run_module(capsys, identity_export, dict(args, password="unit-export-files-other-0000"))
    assert refused["failed"] and refused["hresult"]["name"] == "ERROR_INVALID_PASSWORD"


def expired(_signum, _frame):
    raise AssertionError("the module blocked on the FIFO")


def test_a_fifo_dest_fails_the_module_without_blocking(capsys, tmp_path, store_path, keys):
    dest = str(tmp_path / "fifo.xml")
    os.mkfifo(dest)
    args = dict(store_path=store_path, identity=identity_record(keys[0]).peer_name, password=PASSWORD, dest=dest)
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        result = run_module(capsys, identity_export, args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert result["failed"] is True and result["hresult"]["name"] == "E_INVALIDARG"
    assert stat.S_ISFIFO(os.lstat(dest).st_mode)


def module(check_mode=False):
    return types.SimpleNamespace(check_mode=check_mode)


def test_read_existing_is_none_without_a_file(tmp_path):
    assert module_support.read_existing(None, documents.MAX_DOCUMENT_SIZE) is None
    assert module_support.read_existing(str(tmp_path / "missing.xml"), documents.MAX_DOCUMENT_SIZE) is None


def test_read_existing_refuses_a_file_over_the_document_limit(tmp_path):
    path = str(tmp_path / "big.xml")
    with open(path, "wb") as handle:
        handle.truncate(documents.MAX_DOCUMENT_SIZE + 1)
    with pytest.raises(PeerError) as caught:
        module_support.read_existing(path, documents.MAX_DOCUMENT_SIZE)
    assert caught.value.name == "E_INVALIDARG"
    with open(path, "r+b") as handle:
        handle.truncate(documents.MAX_DOCUMENT_SIZE)
    assert len(module_support.read_existing(path, documents.MAX_DOCUMENT_SIZE)) == documents.MAX_DOCUMENT_SIZE


def test_read_existing_refuses_a_symlink_even_to_an_own_document(tmp_path):
    target = tmp_path / "real.xml"
    target.write_bytes(b"document")
    os.symlink(str(target), str(tmp_path / "link.xml"))
    with pytest.raises(PeerError, match="is a symbolic link"):
        module_support.read_existing(str(tmp_path / "link.xml"), documents.MAX_DOCUMENT_SIZE)


@pytest.mark.parametrize("check_mode", [False, True])
def test_put_private_file_writes_a_new_document_unless_in_check_mode(tmp_path, check_mode):
    path = str(tmp_path / "farm.xml")
    assert module_support.put_private_file(module(check_mode), path, None if check_mode else b"new", True) is True
    assert os.listdir(str(tmp_path)) == ([] if check_mode else ["farm.xml"])


def test_put_private_file_leaves_an_unchanged_private_document_alone(tmp_path):
    path = str(tmp_path / "farm.xml")
    module_support.put_private_file(module(), path, b"same", True)
    before = mode_and_inode(path)
    assert module_support.put_private_file(module(), path, b"same", False) is False
    assert mode_and_inode(path) == before
