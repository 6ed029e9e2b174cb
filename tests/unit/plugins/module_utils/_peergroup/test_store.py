# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the SQLite host store: modes, refusals, CRUD, transactions,
concurrent writers and SIGKILL during a commit.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import store as store_module
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.digests import document_digest, holds_document
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import (
    IdentityRecord,
    MembershipRecord,
    Store,
    decode_chain,
    default_store_path,
    encode_chain,
    iso_seconds,
    iso_time,
)

CRASH_TRIALS = int(os.environ.get("PEERNET_CRASH_TRIALS", "5"))
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "store_worker.py")
SECRET = b"-----SECRET KEY MATERIAL-----"
ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give files to another uid")
NOBODY = 65534


def _identity(name="0.alice", classifier="alice", friendly_name="Alice", key=SECRET):
    return IdentityRecord(name, classifier, friendly_name, 2048, key, b"cert of " + name.encode())


def _membership(identity="0.alice", group="0.group", group_key=SECRET, chain=(b"root cert", b"leaf cert")):
    return MembershipRecord(identity, group, "Global_", "global", 0, chain, group_key, "group", "Group", None)


def _mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def _raw(path):
    """A plain SQLite connection, to damage a store behind its back."""
    return sqlite3.connect(os.path.join(str(path), "store.db"), isolation_level=None)


@pytest.fixture
def store_dir(tmp_path):
    return str(tmp_path / "peernet")


@pytest.fixture
def store(store_dir):
    with Store.open(store_dir) as opened:
        yield opened


def _expect_error(name, call, *args, **kwargs):
    with pytest.raises(PeerError) as caught:
        call(*args, **kwargs)
    assert caught.value.name == name, str(caught.value)
    return caught.value


# --- paths, modes and refusals --------------------------------------------------------


def test_default_store_path(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert default_store_path() == "/var/lib/peernet"
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("HOME", "/home/someone")
    monkeypatch.setenv("XDG_DATA_HOME", "/data/xdg")
    assert default_store_path() == "/data/xdg/peernet"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/is/ignored")
    assert default_store_path() == "/home/someone/.local/share/peernet"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_store_path() == "/home/someone/.local/share/peernet"


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_create_makes_private_directory_and_files(tmp_path, umask):
    store_dir = str(tmp_path / "deeper" / "peernet")
    old_umask = os.umask(umask)
    try:
        with Store.open(store_dir) as store:
            store.add_identity(_identity())
            assert _mode(store_dir) == 0o700
            assert not _mode(str(tmp_path / "deeper")) & 0o022
            for name in ("store.db", "store.db-wal", "store.db-shm"):
                assert _mode(os.path.join(store_dir, name)) == 0o600, name
    finally:
        os.umask(old_umask)


def test_settings_of_the_connection(store):
    connection = store._connection
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    assert connection.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION == 2


def test_reopen_keeps_data(store_dir):
    with Store.open(store_dir) as store:
        store.add_identity(_identity())
        store.put_membership(_membership())
    with Store.open(store_dir, create=False) as store:
        assert store.get_identity("0.alice") == _identity()
        assert store.get_membership("0.alice", "0.group") == _membership()


def test_opening_to_read_writes_nothing(store_dir):
    with Store.open(store_dir) as store:
        store.add_identity(_identity())
    db_path = os.path.join(store_dir, "store.db")
    with open(db_path, "rb") as handle:
        before = handle.read()
    with Store.open(store_dir, create=False) as store:
        assert store.list_identities() == [_identity()]
        assert store.check_integrity() == []
    with open(db_path, "rb") as handle:
        assert handle.read() == before


def test_missing_store_without_create(tmp_path):
    missing = str(tmp_path / "nothing")
    error = _expect_error("PEER_E_NOT_FOUND", Store.open, missing, create=False)
    assert missing in error.message
    assert not os.path.exists(missing)
    os.mkdir(missing, 0o700)
    _expect_error("PEER_E_NOT_FOUND", Store.open, missing, create=False)
    assert os.listdir(missing) == []


def _empty_database(store_dir):
    """The state a crash between creating store.db and writing its schema leaves."""
    os.mkdir(store_dir, 0o700)
    os.close(os.open(os.path.join(store_dir, "store.db"), os.O_WRONLY | os.O_CREAT, 0o600))


@pytest.mark.parametrize("options", [{"create": False}, {"read_only": True}, {"create": True, "read_only": True}])
def test_empty_database_is_no_store_yet_and_stays_empty(store_dir, options):
    _empty_database(store_dir)
    error = _expect_error("PEER_E_NOT_FOUND", Store.open, store_dir, **options)
    assert "no schema" in error.message
    assert os.listdir(store_dir) == ["store.db"]
    assert os.path.getsize(os.path.join(store_dir, "store.db")) == 0


def test_empty_database_gets_its_schema_when_creating(store_dir):
    _empty_database(store_dir)
    with Store.open(store_dir) as store:
        store.add_identity(_identity())
    with Store.open(store_dir, read_only=True) as store:
        assert store.list_identities() == [_identity()]


def test_read_only_store_refuses_writes(store_dir):
    with Store.open(store_dir) as store:
        store.add_identity(_identity())
    db_path = os.path.join(store_dir, "store.db")
    with open(db_path, "rb") as handle:
        before = handle.read()
    with Store.open(store_dir, read_only=True) as store:
        _expect_error("E_ACCESSDENIED", store.remove_identity, "0.alice")
        _expect_error("E_ACCESSDENIED", store.put_identity, _identity(key=b"other"))
        assert store.list_identities() == [_identity()]
    with open(db_path, "rb") as handle:
        assert handle.read() == before


@pytest.mark.parametrize("mode", [0o707, 0o777, 0o770, 0o720])
def test_refuses_directory_writable_by_others(store_dir, mode):
    os.mkdir(store_dir)
    os.chmod(store_dir, mode)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, store_dir)
    assert store_dir in error.message and "writable" in error.message
    assert os.listdir(store_dir) == []


@ROOT
def test_refuses_directory_of_another_user(store_dir):
    os.mkdir(store_dir, 0o700)
    os.chown(store_dir, NOBODY, NOBODY)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, store_dir)
    assert "owned by uid %d" % NOBODY in error.message


def test_refuses_world_writable_parent_without_sticky_bit(tmp_path):
    parent = tmp_path / "shared"
    parent.mkdir()
    os.chmod(str(parent), 0o777)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, str(parent / "peernet"))
    assert str(parent) in error.message and "sticky" in error.message
    assert not (parent / "peernet").exists()
    os.chmod(str(parent), 0o1777)  # like /tmp
    Store.open(str(parent / "peernet")).close()


@pytest.mark.parametrize("mode", [0o770, 0o775, 0o757])
def test_refuses_ancestor_writable_by_others_without_sticky_bit(tmp_path, mode):
    parent = tmp_path / "shared"
    parent.mkdir()
    os.chmod(str(parent), mode)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, str(parent / "deeper" / "peernet"))
    assert str(parent) in error.message and "sticky" in error.message
    assert not (parent / "deeper").exists()
    os.chmod(str(parent), mode | stat.S_ISVTX)
    Store.open(str(parent / "deeper" / "peernet")).close()


@ROOT
def test_refuses_ancestor_of_another_user(tmp_path):
    parent = tmp_path / "theirs"
    parent.mkdir(mode=0o755)
    os.chown(str(parent), NOBODY, NOBODY)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, str(parent / "peernet"))
    assert str(parent) in error.message and "owned by uid %d" % NOBODY in error.message
    assert os.listdir(str(parent)) == []


def test_checks_the_ancestors_of_the_real_path(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(str(shared), 0o770)
    (tmp_path / "mine").mkdir(mode=0o700)
    os.symlink(str(shared), str(tmp_path / "mine" / "link"))
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, str(tmp_path / "mine" / "link" / "peernet"))
    assert str(shared) in error.message and "sticky" in error.message
    assert os.listdir(str(shared)) == []


def test_an_open_examines_each_directory_once_and_reads_descriptors_without_proc(tmp_path, monkeypatch):
    """Each module opens a store: the checks are as strict but take one system call per thing checked."""
    (tmp_path / "mine").mkdir(mode=0o700)
    os.symlink(str(tmp_path / "mine"), str(tmp_path / "link"))
    path = str(tmp_path / "link" / "peernet")
    Store.open(path).close()
    lstats, proc_stats = [], []
    real_lstat, real_stat = os.lstat, os.stat

    def counting_lstat(name, **kwargs):
        lstats.append(str(name))
        return real_lstat(name, **kwargs)

    def counting_stat(name, **kwargs):
        if str(name).startswith("/proc/"):
            proc_stats.append(str(name))
        return real_stat(name, **kwargs)

    monkeypatch.setattr(store_module.os, "lstat", counting_lstat)
    monkeypatch.setattr(store_module.os, "stat", counting_stat)
    Store.open(path, read_only=True).close()
    monkeypatch.undo()
    ancestors = [name for name in lstats if not name.startswith(str(tmp_path / "mine" / "peernet"))]
    assert sorted(set(ancestors)) == sorted(ancestors), ancestors
    assert str(tmp_path) in ancestors and str(tmp_path / "mine") in ancestors
    assert proc_stats == []


@ROOT
@pytest.mark.parametrize("where", ["store", "ancestor", "link in a link"])
def test_refuses_symbolic_link_of_another_user(tmp_path, where):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    Store.open(str(real / "peernet")).close()
    if where == "store":
        link, path = tmp_path / "link", tmp_path / "link"
        os.symlink(str(real / "peernet"), str(link))
    elif where == "ancestor":
        link, path = tmp_path / "link", tmp_path / "link" / "peernet"
        os.symlink(str(real), str(link))
    else:
        link, path = tmp_path / "inner", tmp_path / "outer" / "peernet"
        os.symlink(str(real), str(link))
        os.symlink(str(link), str(tmp_path / "outer"))
    Store.open(str(path)).close()  # our own links are followed
    os.chown(str(link), NOBODY, NOBODY, follow_symlinks=False)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, str(path))
    assert str(link) in error.message and "symbolic link owned by uid %d" % NOBODY in error.message


def test_refuses_a_symbolic_link_loop(tmp_path):
    os.symlink(str(tmp_path / "b"), str(tmp_path / "a"))
    os.symlink(str(tmp_path / "a"), str(tmp_path / "b"))
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, str(tmp_path / "a" / "peernet"))
    assert "symbolic links" in error.message


def _foreign_database(path, source):
    """Another user's world-writable copy of a store at ``path``."""
    with open(os.path.join(source, "store.db"), "rb") as handle:
        content = handle.read()
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
        handle.write(content)
    os.chmod(path, 0o666)
    os.chown(path, NOBODY, NOBODY)


def _swap_directory(store_dir, source):
    os.rename(store_dir, store_dir + ".checked")
    os.mkdir(store_dir, 0o700)
    _foreign_database(os.path.join(store_dir, "store.db"), source)


def _swap_database(store_dir, source):
    _foreign_database(os.path.join(store_dir, "elsewhere.db"), source)
    os.rename(os.path.join(store_dir, "elsewhere.db"), os.path.join(store_dir, "store.db"))


def _swap_log(store_dir, source):
    # Not empty: SQLite replaces an empty log itself.
    path = os.path.join(store_dir, "elsewhere")
    with open(path, "wb") as handle:
        handle.write(b"not a log" * 20)
    os.chmod(path, 0o666)
    os.chown(path, NOBODY, NOBODY)
    os.rename(path, os.path.join(store_dir, "store.db-wal"))


@ROOT
@pytest.mark.parametrize("swap, reason", [(_swap_directory, "replaced"), (_swap_database, "replaced"), (_swap_log, "not a private file")])
def test_a_swap_between_the_checks_and_the_open_is_refused(store_dir, tmp_path, monkeypatch, swap, reason):
    """What the checks saw must be what SQLite opens, or no key goes anywhere."""
    source = str(tmp_path / "source")
    with Store.open(source) as store:
        store.add_identity(_identity("0.someone", "someone", "Someone", key=b"their key"))
    Store.open(store_dir).close()
    real_connect = sqlite3.connect

    def connect_after_a_swap(*args, **kwargs):
        swap(store_dir, source)
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(store_module.sqlite3, "connect", connect_after_a_swap)
    with pytest.raises(PeerError) as caught:
        with Store.open(store_dir) as store:
            store.add_identity(_identity())
    assert caught.value.name == "PEER_E_NO_KEY_ACCESS", str(caught.value)
    assert reason in caught.value.message, caught.value.message
    monkeypatch.undo()
    for name in os.listdir(store_dir):
        with open(os.path.join(store_dir, name), "rb") as handle:
            assert SECRET not in handle.read(), name
    if swap is not _swap_log:
        with contextlib.closing(_raw(store_dir)) as raw:
            assert raw.execute("SELECT peer_name FROM identity").fetchall() == [("0.someone",)]


@ROOT
def test_a_user_other_than_root_keeps_working_in_sticky_tmp():
    """The rules for an unprivileged user: its own and root's links and directories are fine, a sticky bit too."""
    top = tempfile.mkdtemp(prefix="peernet-test-")  # tmp_path's parents are closed to other users
    try:
        os.chmod(top, 0o755)
        shared = os.path.join(top, "tmp")
        os.mkdir(shared)
        os.chmod(shared, 0o1777)
        os.symlink(shared, os.path.join(top, "root-link"))
        pid = os.fork()
        if pid == 0:  # the child: effective uid nobody, reports through its exit status
            status = 1
            try:
                os.setegid(NOBODY)
                os.seteuid(NOBODY)
                home = os.path.join(top, "root-link", "home")
                os.mkdir(home, 0o700)
                os.symlink(home, os.path.join(shared, "link"))
                with Store.open(os.path.join(shared, "link", ".local", "share", "peernet")) as store:
                    store.add_identity(_identity())
                with Store.open(os.path.join(home, ".local", "share", "peernet"), read_only=True) as store:
                    status = 0 if store.list_identities() == [_identity()] else 2
            except BaseException as exc:  # the parent shows it
                sys.stderr.write("child: %r\n" % (exc,))
            finally:
                os._exit(status)
        _unused, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    finally:
        shutil.rmtree(top)


def test_refuses_symlinked_database(store, store_dir, tmp_path):
    store.close()
    db_path = os.path.join(store_dir, "store.db")
    target = str(tmp_path / "elsewhere.db")
    os.rename(db_path, target)
    os.symlink(target, db_path)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, store_dir)
    assert db_path in error.message and "symbolic link" in error.message


def test_refuses_database_that_is_not_a_file(store_dir):
    os.makedirs(os.path.join(store_dir, "store.db"))
    os.chmod(store_dir, 0o700)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, store_dir)
    assert "not a regular file" in error.message


@pytest.mark.parametrize("name", ["store.db", "store.db-wal", "store.db-shm"])
def test_refuses_files_readable_by_others(store, store_dir, name):
    store.close()
    path = os.path.join(store_dir, name)
    with open(path, "ab"):
        pass
    os.chmod(path, 0o640)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, store_dir)
    assert path in error.message and "0640" in error.message


@ROOT
def test_refuses_database_of_another_user(store, store_dir):
    store.close()
    os.chown(os.path.join(store_dir, "store.db"), NOBODY, NOBODY)
    error = _expect_error("PEER_E_NO_KEY_ACCESS", Store.open, store_dir)
    assert "owned by uid %d" % NOBODY in error.message


def test_garbage_database_is_corrupted(store_dir):
    os.mkdir(store_dir, 0o700)
    db_path = os.path.join(store_dir, "store.db")
    with open(os.open(db_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
        handle.write(b"this is not SQLite" * 100)
    error = _expect_error("PEER_E_CERT_STORE_CORRUPTED", Store.open, store_dir)
    assert db_path in error.message


def test_newer_schema_is_refused(store, store_dir):
    store.close()
    with contextlib.closing(_raw(store_dir)) as raw:
        raw.execute("PRAGMA user_version = 3")
    error = _expect_error("PEER_E_UNSUPPORTED_VERSION", Store.open, store_dir)
    assert "version 3" in error.message


# --- records -------------------------------------------------------------------------


def test_records_never_show_keys():
    identity = _identity()
    membership = _membership()
    for text in (repr(identity), str(identity), "%s" % (identity,), repr([membership]), str(membership)):
        assert "SECRET" not in text
        assert "hidden" in text
    assert "group_key=None" in repr(_membership(group_key=None))
    assert "0.alice" in repr(identity)


def test_chain_framing():
    chain = (b"\x30\x01a", b"b" * 70000, b"c")
    blob = encode_chain(chain)
    assert blob[:4] == b"\x00\x00\x00\x03"
    assert decode_chain(blob) == chain
    for damaged in (b"", b"\x00\x00", b"\x00\x00\x00\x05abc", b"\x00\x00\x00\x00", blob + b"\x00"):
        _expect_error("PEER_E_CERT_STORE_CORRUPTED", decode_chain, damaged)


# --- identities ----------------------------------------------------------------------


def test_identity_crud(store):
    alice = _identity()
    bob = _identity("0.bob", "bob", "Bob")
    bob_too = _identity("0.bob2", "bob", "Bob")
    other_bob = _identity("0.bob3", "bob", "Robert")
    for record in (other_bob, bob_too, alice, bob):
        store.add_identity(record)
    assert store.get_identity("0.alice") == alice
    assert store.get_identity("0.nobody") is None
    assert store.list_identities() == [alice, bob, bob_too, other_bob]
    assert store.remove_identity("0.bob2") is True
    assert store.remove_identity("0.bob2") is False
    assert [record.peer_name for record in store.list_identities()] == ["0.alice", "0.bob", "0.bob3"]


def test_duplicate_identity(store):
    store.add_identity(_identity())
    error = _expect_error("PEER_E_ALREADY_EXISTS", store.add_identity, _identity(friendly_name="Other"))
    assert "0.alice" in error.message and "SECRET" not in str(error)
    assert store.get_identity("0.alice").friendly_name == "Alice"


def test_put_identity_inserts_or_replaces_and_keeps_memberships(store):
    store.put_identity(_identity())
    store.put_membership(_membership())
    store.put_identity(_identity(friendly_name="Alice 2", key=b"new key"))
    assert store.get_identity("0.alice") == _identity(friendly_name="Alice 2", key=b"new key")
    assert store.count_memberships("0.alice") == 1


def test_recorded_inventory_shows_no_secret_and_takes_what_the_caller_adds(store):
    store.put_identity(_identity())
    store.put_membership(_membership(), imported_digest="ab" * 32)
    seen = []

    def describe(record):
        seen.append(record)
        return {"chain_length": "from the caller", "extra": record.group_peer_name}

    light = store.recorded_inventory()
    described = store.recorded_inventory(describe)
    assert seen == [_membership()._replace(imported_digest="ab" * 32)]
    assert light["identities"] == described["identities"] == [_identity().public_fields()]
    assert light["memberships"] == [dict(_membership().public_fields(), imported_digest="ab" * 32)]
    assert described["memberships"] == [dict(light["memberships"][0], chain_length="from the caller", extra="0.group")]
    assert SECRET.decode() not in repr(described)


def test_bad_records_are_refused(store):
    _expect_error("E_INVALIDARG", store.add_identity, _identity(key="text, not DER"))
    _expect_error("E_INVALIDARG", store.add_identity, ("0.alice", "alice", "Alice", 2048, b"k", b"c"))
    store.add_identity(_identity())
    _expect_error("E_INVALIDARG", store.put_membership, _membership()._replace(scope="galactic"))
    _expect_error("E_INVALIDARG", store.put_membership, _membership(chain=()))
    _expect_error("E_INVALIDARG", store.put_membership, _membership(chain=(b"root", b"")))
    _expect_error("E_INVALIDARG", store.put_membership, _membership(group_key="text"))
    assert store.list_memberships() == []


# --- memberships ---------------------------------------------------------------------


def test_membership_crud(store):
    store.add_identity(_identity())
    store.add_identity(_identity("0.bob", "bob", "Bob"))
    owner = _membership()
    member = _membership("0.bob", group_key=None)
    other_group = _membership(group="0.another", group_key=None)
    for record in (member, other_group, owner):
        store.put_membership(record)
    assert store.get_membership("0.alice", "0.group") == owner
    assert store.get_membership("0.bob", "0.group") == member
    assert store.get_membership("0.bob", "0.another") is None
    assert store.list_memberships() == [other_group, owner, member]
    assert store.list_memberships("0.alice") == [other_group, owner]
    assert store.count_memberships("0.alice") == 2

    changed = owner._replace(scope="link-local", cloud_flags=1, chain=(b"root cert",), imported_digest="ab" * 32)
    store.put_membership(changed, imported_digest="ab" * 32)
    assert store.get_membership("0.alice", "0.group") == changed
    assert store.count_memberships("0.alice") == 2

    assert store.remove_membership("0.alice", "0.another") is True
    assert store.remove_membership("0.alice", "0.another") is False
    assert store.list_memberships("0.alice") == [changed]


def test_only_the_import_of_a_document_keeps_its_digest(store):
    """Any write but the import of that document clears imported_digest, whatever the record says."""
    digest = "ab" * 32
    store.add_identity(_identity())
    store.add_identity(_identity("0.bob", "bob", "Bob"))
    store.put_membership(_membership(), imported_digest=digest)
    store.put_membership(_membership("0.bob"), imported_digest=digest)
    assert store.get_membership("0.alice", "0.group").imported_digest == digest

    # A caller that read the record and changed a field passes the old digest along unknowingly.
    stale = store.get_membership("0.alice", "0.group")._replace(cloud="Elsewhere_")
    store.put_membership(stale)
    assert store.get_membership("0.alice", "0.group").imported_digest is None
    _expect_error("E_INVALIDARG", store.put_membership, _membership(), imported_digest=b"bytes")

    store.put_membership(_membership(), imported_digest=digest)
    store.put_identity(_identity(friendly_name="Alice renamed"))  # key and certificate as before
    assert store.get_membership("0.alice", "0.group").imported_digest == digest
    store.put_identity(_identity()._replace(certificate=b"a new certificate"))
    assert store.get_membership("0.alice", "0.group").imported_digest is None
    store.put_membership(_membership(), imported_digest=digest)
    store.put_identity(_identity(key=b"a new key"))
    assert store.get_membership("0.alice", "0.group").imported_digest is None
    assert store.get_membership("0.bob", "0.group").imported_digest == digest


def test_membership_needs_its_identity(store):
    error = _expect_error("PEER_E_NOT_FOUND", store.put_membership, _membership())
    assert "0.alice" in error.message
    assert store.list_memberships() == []


def test_remove_identity_removes_its_memberships(store):
    store.add_identity(_identity())
    store.add_identity(_identity("0.bob", "bob", "Bob"))
    store.put_membership(_membership())
    store.put_membership(_membership("0.bob"))
    assert store.remove_identity("0.alice") is True
    assert store.count_memberships("0.alice") == 0
    assert [record.identity_peer_name for record in store.list_memberships()] == ["0.bob"]


# --- integrity -----------------------------------------------------------------------


def test_check_integrity_finds_damaged_chains_and_orphans(store, store_dir):
    store.add_identity(_identity())
    store.put_membership(_membership())
    assert store.check_integrity() == []
    with contextlib.closing(_raw(store_dir)) as raw:
        raw.execute("UPDATE membership SET chain = ?", (b"\x00\x00\x00\x09short",))
        raw.execute(
            "INSERT INTO membership VALUES ('0.ghost', '0.group', 'Global_', 'global', 0, ?, NULL, 'g', 'G', NULL)",
            (encode_chain([b"cert"]),),
        )
    problems = store.check_integrity()
    assert len(problems) == 2, problems
    assert any("0.alice" in problem and "bad length" in problem for problem in problems)
    assert any("0.ghost" in problem and "identity is missing" in problem for problem in problems)
    error = _expect_error("PEER_E_CERT_STORE_CORRUPTED", store.get_membership, "0.alice", "0.group")
    assert "0.alice" in error.message and store_dir in error.message
    _expect_error("PEER_E_CERT_STORE_CORRUPTED", store.list_memberships)


@pytest.mark.parametrize(
    "table, column, expression",
    [
        ("membership", "chain", "CAST(chain AS TEXT)"),  # the finding: one flipped bit in the record header
        ("membership", "chain", "CAST(? AS TEXT)"),
        ("membership", "group_key", "CAST(group_key AS TEXT)"),
        ("membership", "cloud_flags", "0.5"),
        ("membership", "cloud", "?"),
        ("membership", "scope", "'galactic'"),
        ("membership", "imported_digest", "?"),
        ("identity", "private_key", "CAST(private_key AS TEXT)"),
        ("identity", "private_key", "CAST(? AS TEXT)"),
        ("identity", "certificate", "42"),
        ("identity", "key_size", "?"),
        ("identity", "friendly_name", "CAST(? AS TEXT)"),
        ("identity", "peer_name", "CAST(? AS TEXT)"),
    ],
)
def test_a_column_of_the_wrong_type_is_a_corrupted_store(store, store_dir, table, column, expression):
    store.add_identity(_identity())
    store.put_membership(_membership())
    # Undecodable text that holds key material, or a blob where text belongs.
    value = (b"\xff" + SECRET,) if "?" in expression else ()
    with contextlib.closing(_raw(store_dir)) as raw:
        raw.execute("UPDATE %s SET %s = %s" % (table, column, expression), value)
    readers = [store.list_memberships, store.recorded_inventory, lambda: store.get_membership("0.alice", "0.group")]
    if table == "identity":
        readers = [store.list_identities, store.recorded_inventory]
        if column != "peer_name":
            readers.append(lambda: store.get_identity("0.alice"))
    for read in readers:
        error = _expect_error("PEER_E_CERT_STORE_CORRUPTED", read)
        assert column in error.message and store_dir in error.message, error.message
        assert "SECRET" not in str(error)
    problems = store.check_integrity()
    assert column in problems[0], problems
    # A damaged peer name also leaves the membership without its identity.
    assert len(problems) == (2 if column == "peer_name" else 1), problems
    assert "SECRET" not in " ".join(problems)
    if column in ("peer_name", "friendly_name") or table == "membership":
        # The damaged record stays named when its names are intact.
        assert ("0.alice" in problems[0]) is (column != "peer_name"), problems


# --- transactions --------------------------------------------------------------------


def test_exception_rolls_back_every_write(store):
    store.add_identity(_identity())
    with pytest.raises(RuntimeError, match="boom"):
        with store.transaction():
            store.add_identity(_identity("0.bob", "bob", "Bob"))
            store.put_membership(_membership())
            store.remove_identity("0.alice")
            raise RuntimeError("boom")
    assert store.list_identities() == [_identity()]
    assert store.list_memberships() == []


def test_failing_write_rolls_back_the_earlier_writes_of_its_transaction(store):
    store.add_identity(_identity())
    with pytest.raises(PeerError):
        with store.transaction():
            store.add_identity(_identity("0.bob", "bob", "Bob"))
            store.add_identity(_identity())
    assert store.get_identity("0.bob") is None


def test_writes_outside_a_transaction_commit_one_by_one(store, store_dir):
    store.add_identity(_identity())
    _expect_error("PEER_E_NOT_FOUND", store.put_membership, _membership("0.bob"))
    assert not store._connection.in_transaction
    with Store.open(store_dir, create=False) as other:
        assert other.get_identity("0.alice") == _identity()


def test_readers_see_the_last_commit_only(store, store_dir):
    with Store.open(store_dir, create=False) as reader:
        with store.transaction():
            store.add_identity(_identity())
            # WAL: reading goes on while the writer holds the write lock.
            assert reader.list_identities() == []
        assert reader.list_identities() == [_identity()]


def test_nested_transaction_is_a_savepoint(store):
    with store.transaction():
        store.add_identity(_identity())
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.add_identity(_identity("0.bob", "bob", "Bob"))
                raise RuntimeError("inner")
        with store.transaction():
            store.add_identity(_identity("0.carol", "carol", "Carol"))
    assert [record.peer_name for record in store.list_identities()] == ["0.alice", "0.carol"]


def test_close_rolls_back_and_is_idempotent(store_dir):
    store = Store.open(store_dir)
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add_identity(_identity())
            store.close()
            raise RuntimeError("closed mid-transaction")
    store.close()
    with Store.open(store_dir) as reopened:
        assert reopened.list_identities() == []


# --- other processes -----------------------------------------------------------------


def _collections_root():
    """The directory holding ``ansible_collections``, for the workers' PYTHONPATH."""
    path = os.path.abspath(store_module.__file__)
    while os.path.basename(path) != "ansible_collections":
        path = os.path.dirname(path)
    return os.path.dirname(path)


def _start(*args):
    python_path = [_collections_root()] + [part for part in os.environ.get("PYTHONPATH", "").split(os.pathsep) if part]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(python_path))
    return subprocess.Popen(
        [sys.executable, WORKER] + [str(arg) for arg in args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def _go(workers):
    for worker in workers:
        worker.stdin.write(b"go\n")
        worker.stdin.flush()


def _reap(workers):
    """Kill whatever still runs and collect every worker's stderr."""
    errors = []
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
        errors.append(worker.communicate()[1].decode("utf-8", "replace"))
    return errors


def _run_together(workers):
    try:
        _go(workers)
        for worker in workers:
            worker.wait(timeout=60)
    finally:
        errors = _reap(workers)
    assert [worker.returncode for worker in workers] == [0] * len(workers), errors


def test_two_processes_create_and_fill_one_store(store_dir):
    count = 60
    _run_together([_start("distinct", store_dir, prefix, count) for prefix in ("0.one", "0.two")])
    with Store.open(store_dir, create=False) as store:
        names = {record.peer_name for record in store.list_identities()}
        assert store.check_integrity() == []
    assert names == {"%s-%d" % (prefix, index) for prefix in ("0.one", "0.two") for index in range(count)}


def test_read_modify_write_from_two_processes_loses_no_update(store_dir):
    count = 100
    with Store.open(store_dir) as store:
        store.add_identity(_identity("0.counter")._replace(key_size=0))
    _run_together([_start("counter", store_dir, "0.counter", count) for _worker in range(2)])
    with Store.open(store_dir, create=False) as store:
        assert store.get_identity("0.counter").key_size == 2 * count


def test_sigkill_during_commits_leaves_old_or_new_state(store_dir):
    rows = 120
    generations = []
    delays = []
    rng = random.Random()
    for _trial in range(CRASH_TRIALS):
        worker = _start("churn", store_dir, rows)
        try:
            _go([worker])
            ready, _unused, _unused = select.select([worker.stdout], [], [], 60)
            committed = ready and worker.stdout.readline() == b"committed\n"
            if committed:
                delays.append(rng.uniform(0.0, 0.15))
                time.sleep(delays[-1])
        finally:
            # SIGKILL: no cleanup handler runs, like a crash.
            errors = _reap([worker])
        assert committed, errors
        assert worker.returncode == -signal.SIGKILL, errors

        with Store.open(store_dir, create=False) as store:
            assert store.check_integrity() == [], delays
            identities = store.list_identities()
            memberships = store.list_memberships()
        generation = identities[0].key_size
        assert len(identities) == rows, delays
        assert {record.key_size for record in identities} == {generation}, delays
        assert {record.peer_name for record in identities} == {"0.gen%d-%d" % (generation, i) for i in range(rows)}
        assert [record.identity_peer_name for record in memberships] == [record.peer_name for record in identities]
        assert {record.imported_digest for record in memberships} == {"%d" % generation}, delays
        assert all(record.chain == (b"r" * 64, b"l" * 64) for record in memberships)
        generations.append(generation)
    # Each trial starts from the state the last one left and commits at least once.
    assert generations == sorted(set(generations))


# --- erasing removed keys ------------------------------------------------------------


def _files_hold(store_dir, needle):
    """The store files (database, log) that still contain ``needle``."""
    found = []
    for name in ("store.db", "store.db-wal", "store.db-journal"):
        path = os.path.join(store_dir, name)
        if os.path.exists(path):
            with open(path, "rb") as handle:
                if needle in handle.read():
                    found.append(name)
    return found


@pytest.fixture
def build_without_secure_delete(monkeypatch):
    """Connections start with secure_delete off, as in SQLite's own default build."""
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        connection = real_connect(*args, **kwargs)
        connection.execute("PRAGMA secure_delete = OFF")
        return connection

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)


def test_secure_delete_is_set_whatever_the_build_default(build_without_secure_delete, store_dir):
    with Store.open(store_dir) as store:
        assert store._connection.execute("PRAGMA secure_delete").fetchone()[0] == 1


def _drop_identity_key(store):
    store.remove_identity("0.alice")


def _replace_identity_key(store):
    store.put_identity(_identity(key=b"replacement key " * 8))


def _drop_group_key(store):
    store.remove_membership("0.alice", "0.group")


def _replace_group_key(store):
    store.put_membership(_membership(group_key=b"replacement group key " * 8))


def _forget_group_key(store):
    store.put_membership(_membership(group_key=None))


@pytest.mark.parametrize(
    "drop", [_drop_identity_key, _replace_identity_key, _drop_group_key, _replace_group_key, _forget_group_key]
)
def test_a_dropped_key_leaves_no_bytes_in_the_files(build_without_secure_delete, store_dir, drop):
    identity_key = os.urandom(48)
    group_key = os.urandom(48)
    with Store.open(store_dir) as store:
        store.add_identity(_identity(key=identity_key))
        store.add_identity(_identity("0.bob", "bob", "Bob"))  # the pages stay in use
        store.put_membership(_membership(group_key=group_key))
        store.put_membership(_membership("0.bob", group_key=None))
        dropped = identity_key if drop.__name__.endswith("identity_key") else group_key
        assert _files_hold(store_dir, dropped)
        drop(store)
        assert _files_hold(store_dir, dropped) == [], "while the store is open"
    assert _files_hold(store_dir, dropped) == [], "after it is closed"
    with Store.open(store_dir) as store:
        assert store.check_integrity() == []


@pytest.mark.parametrize("seconds", [0, 951782400, 4102444799])
def test_iso_times_read_back(seconds):
    assert iso_seconds(iso_time(seconds)) == seconds


def test_a_document_digest_is_its_sha256():
    assert document_digest(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_membership_holds_only_the_document_it_was_imported_from():
    assert holds_document("d1", "d1")
    assert not holds_document("d1", "d2")
    assert not holds_document(None, None)  # created or renewed here: no document holds it
