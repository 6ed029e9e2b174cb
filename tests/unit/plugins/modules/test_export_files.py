# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The export modules' dest on the managed node: read bounded, written only through fileio, never
changed in place; run through main() against a real store and through module_support."""

from __future__ import annotations

import os
import pwd
import signal
import stat
import types

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import fileio
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


def _identity_args(store_path, keys, dest, **extra):
    return dict(store_path=store_path, identity=identity_record(keys[0]).peer_name, password=PASSWORD, dest=dest, **extra)


def test_an_octal_mode_is_the_files_mode_from_its_first_byte(capsys, tmp_path, store_path, keys, monkeypatch):
    modes = []
    real_write = os.write

    def write(fd, data):
        modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_write(fd, data)

    dest = str(tmp_path / "me.identity.xml")
    monkeypatch.setattr(fileio.os, "write", write)
    assert run_module(capsys, identity_export, _identity_args(store_path, keys, dest, mode="0640"))["changed"] is True
    assert modes and set(modes) == {0o640} and mode_and_inode(dest)[0] == 0o640
    assert run_module(capsys, identity_export, _identity_args(store_path, keys, dest, mode="0640"))["changed"] is False


def test_a_symbolic_mode_is_applied_to_the_private_file_and_then_kept(capsys, tmp_path, store_path, keys):
    dest = str(tmp_path / "me.identity.xml")
    assert run_module(capsys, identity_export, _identity_args(store_path, keys, dest, mode="u=rw,g=r"))["changed"] is True
    assert mode_and_inode(dest)[0] == 0o640
    assert run_module(capsys, identity_export, _identity_args(store_path, keys, dest, mode="u=rw,g=r"))["changed"] is False
    assert run_module(capsys, identity_export, _identity_args(store_path, keys, dest))["changed"] is True
    assert mode_and_inode(dest)[0] == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_owner_and_group_are_set_and_a_file_of_that_owner_is_replaced(capsys, tmp_path, store_path, keys):
    dest = str(tmp_path / "me.identity.xml")
    args = _identity_args(store_path, keys, dest, owner="nobody", group="0")
    assert run_module(capsys, identity_export, args)["changed"] is True
    assert os.stat(dest).st_uid == pwd.getpwnam("nobody").pw_uid and os.stat(dest).st_gid == 0
    assert run_module(capsys, identity_export, args)["changed"] is False
    assert run_module(capsys, identity_export, dict(args, regenerate="always"))["changed"] is True
    assert os.stat(dest).st_uid == pwd.getpwnam("nobody").pw_uid and mode_and_inode(dest)[0] == 0o600
    refused = run_module(capsys, identity_export, _identity_args(store_path, keys, dest))
    assert refused["failed"] and refused["hresult"]["name"] == "E_ACCESSDENIED"


def test_backup_keeps_the_replaced_document(capsys, tmp_path, store_path, keys):
    dest = str(tmp_path / "me.identity.xml")
    first = run_module(capsys, identity_export, _identity_args(store_path, keys, dest, backup=True))
    assert "backup_file" not in first
    old = read(dest)
    assert "backup_file" not in run_module(capsys, identity_export, _identity_args(store_path, keys, dest, backup=True))
    again = run_module(capsys, identity_export, _identity_args(store_path, keys, dest, backup=True, regenerate="always"))
    assert again["changed"] and read(again["backup_file"]) == old and read(dest) != old
    assert os.path.dirname(again["backup_file"]) == str(tmp_path)


def test_return_content_gives_the_sealed_document_only_when_asked(capsys, tmp_path, store_path, keys):
    dest = str(tmp_path / "me.identity.xml")
    assert "content" not in run_module(capsys, identity_export, _identity_args(store_path, keys, dest))
    result = run_module(capsys, identity_export, _identity_args(store_path, keys, dest, return_content=True))
    assert result["content"] == read(dest).decode() == result["identity_xml"]


def test_group_config_export_has_one_entry_shape_for_single_and_batch_calls(capsys, tmp_path, store_path, keys):
    sealed = documents.render_group_config(group_config(keys[0], keys[1]), KeyCache(PASSWORD).new_key()).decode()
    assert run_module(capsys, group_config_import, dict(store_path=store_path, password=PASSWORD, config_xml=sealed))["changed"]
    identity, group = identity_record(keys[0]).peer_name, documents.parse_group_config(sealed.encode()).group_peer_name
    single_dest, batch_dest = str(tmp_path / "single.xml"), str(tmp_path / "batch.xml")
    common = dict(store_path=store_path, password=PASSWORD, return_content=True, backup=True, mode="0640")
    single = run_module(capsys, group_config_export, dict(common, identity=identity, group=group, dest=single_dest))
    batch = run_module(capsys, group_config_export, dict(common, configs=[dict(identity=identity, group=group, dest=batch_dest)]))
    assert not single.get("failed"), single.get("msg")
    assert set(single["configs"][0]) == set(batch["configs"][0])
    assert single["content"] == single["configs"][0]["content"] == read(single_dest).decode()
    assert batch["configs"][0]["content"] == read(batch_dest).decode()
    assert mode_and_inode(single_dest)[0] == mode_and_inode(batch_dest)[0] == 0o640
    rekeyed = run_module(capsys, group_config_export, dict(common, identity=identity, group=group, dest=single_dest, regenerate="always"))
    assert rekeyed["backup_file"] == rekeyed["configs"][0]["backup_file"] and read(rekeyed["backup_file"]) == single["content"].encode()
