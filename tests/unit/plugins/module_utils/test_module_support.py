# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_support on its own: a batch that partly fails, check mode and the store, file modes while writing."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import fileio
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.plans import Plan
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup.builders import identity_record


class Exited(Exception):
    def __init__(self, failed, result):
        super().__init__(result.get("msg"))
        self.failed = failed
        self.result = result


class FakeModule(object):
    """What module_support uses of AnsibleModule: params, check mode, diff and the two exits."""

    def __init__(self, store_path, check_mode=False):
        self.params = {"store_path": store_path}
        self.check_mode = check_mode
        self._diff = False

    def exit_json(self, **result):
        raise Exited(False, result)

    def fail_json(self, **result):
        raise Exited(True, result)


@pytest.fixture(scope="module")
def records():
    return [identity_record(certs.generate_key(2048), "node%d" % index) for index in range(2)]


def _adding(record, then_raise=None):
    """A plan that adds ``record`` to the store and, if given, raises ``then_raise`` after the write."""

    def make_plan(store):
        def apply():
            store.add_identity(record)
            if then_raise is not None:
                raise then_raise

        return Plan(True, {}, {"peer_name": record.peer_name}, {"peer_name": record.peer_name}, apply)

    return make_plan


def _refused(exc):
    def make_plan(store):
        raise exc

    return make_plan


def test_a_batch_keeps_what_succeeded_and_names_each_refusal(tmp_path, records):
    path = str(tmp_path / "store")
    plans = [
        _adding(records[0]),
        _adding(records[1], then_raise=PeerError("PEER_E_ALREADY_EXISTS", "refused after writing")),
        _refused(OSError(errno.EACCES, "Permission denied", "/x/doc.xml")),
    ]
    with pytest.raises(Exited) as exited:
        module_support.run_plans(FakeModule(path), plans)
    assert exited.value.failed
    result = exited.value.result
    assert [(entry["changed"], entry["failed"]) for entry in result["configs"]] == [(True, False), (False, True), (False, True)]
    assert result["configs"][1]["hresult"]["name"] == "PEER_E_ALREADY_EXISTS"
    assert result["configs"][2]["hresult"]["name"] == "E_ACCESSDENIED"
    assert result["msg"].startswith("2 of 3 documents refused: configs[1]: PEER_E_ALREADY_EXISTS")
    assert result["changed"] is True
    # The first plan's write is kept; the second one's, refused after it wrote, is rolled back.
    with Store.open(path, create=False) as store:
        assert [record.peer_name for record in store.list_identities()] == [records[0].peer_name]


@pytest.mark.parametrize("runner", ["run_plan", "run_plans"])
def test_check_mode_never_creates_the_store(tmp_path, records, runner):
    path = str(tmp_path / "missing" / "store")
    module = FakeModule(path, check_mode=True)
    with pytest.raises(Exited) as exited:
        if runner == "run_plan":
            module_support.run_plan(module, _adding(records[0]))
        else:
            module_support.run_plans(module, [_adding(records[0])])
    assert not exited.value.failed and exited.value.result["changed"] is True
    assert not os.path.exists(str(tmp_path / "missing"))


def test_check_mode_opens_an_existing_store_read_only(tmp_path, records):
    path = str(tmp_path / "store")
    Store.open(path, create=True).close()
    before = sorted(os.listdir(path))
    with module_support.open_store(FakeModule(path, check_mode=True)) as store:
        with pytest.raises(PeerError):
            with store.transaction():
                store.add_identity(records[0])
    with Store.open(path, create=False) as store:
        assert store.list_identities() == []
    assert sorted(name for name in os.listdir(path) if not name.endswith("-shm")) == [name for name in before if not name.endswith("-shm")]


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_a_written_file_never_has_a_wider_mode_than_0600(tmp_path, monkeypatch, umask):
    """Every byte goes to a file that is already 0600, and only such a file is renamed into place."""
    seen = []
    real_write, real_rename = os.write, os.rename

    def write(fd, data):
        seen.append(("write", stat.S_IMODE(os.fstat(fd).st_mode)))
        return real_write(fd, data)

    def rename(source, target):
        seen.append(("rename", stat.S_IMODE(os.lstat(source).st_mode)))
        return real_rename(source, target)

    path = str(tmp_path / "farm.xml")
    with open(path, "wb") as loose:
        loose.write(b"old")
    os.chmod(path, 0o644)
    monkeypatch.setattr(fileio.os, "write", write)
    monkeypatch.setattr(fileio.os, "rename", rename)
    old_umask = os.umask(umask)
    try:
        assert module_support.put_private_file(FakeModule(None), path, b"x" * 200000, False) is True
    finally:
        os.umask(old_umask)
    assert seen and seen[-1][0] == "rename"
    assert set(mode for _call, mode in seen) == {0o600}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, "rb") as handle:
        assert handle.read() == b"x" * 200000
