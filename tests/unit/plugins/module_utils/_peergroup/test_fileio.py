# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the bounded document reader and the private-file writer.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import fileio
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.fileio import (
    check_replaceable,
    os_error_as_peer_error,
    read_document,
    write_private_file,
)

FOREIGN_UID = 65534  # nobody
LIMIT = 1024


@contextlib.contextmanager
def umask(value):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


@contextlib.contextmanager
def no_hang(seconds=5):
    """Fail, instead of hanging, when the body blocks (an open or read of a FIFO)."""
    def expired(_signum, _frame):
        raise AssertionError("blocked for %d s" % seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def snapshot(folder):
    """Every entry of ``folder``: kind and mode, and the link target or content."""
    entries = {}
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        info = os.lstat(path)
        content = os.readlink(path) if stat.S_ISLNK(info.st_mode) else read(path) if stat.S_ISREG(info.st_mode) else None
        entries[name] = (info.st_mode, info.st_uid, content)
    return entries


def foreign(path):
    if os.geteuid() != 0:
        pytest.skip("making a file foreign-owned needs root")
    os.chown(path, FOREIGN_UID, -1, follow_symlinks=False)


# --- write_private_file ------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077], ids=["umask-000", "umask-022", "umask-077"])
@pytest.mark.parametrize("mode", [0o600, 0o640], ids=["0600", "0640"])
def test_every_byte_is_written_to_a_file_of_exactly_the_mode(tmp_path, monkeypatch, mask, mode):
    seen = []
    real_write = os.write

    def spying_write(fd, data):
        info = os.fstat(fd)
        seen.append((stat.S_IMODE(info.st_mode), info.st_uid))
        return real_write(fd, data)

    monkeypatch.setattr(fileio.os, "write", spying_write)
    path = str(tmp_path / "farm.xml")
    with umask(mask):
        write_private_file(path, b"sealed" * 1000, mode)
    monkeypatch.undo()
    assert seen and set(seen) == {(mode, os.geteuid())}
    assert mode_of(path) == mode and read(path) == b"sealed" * 1000


def test_the_file_is_synced_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    events = []
    real_fsync, real_rename = os.fsync, os.rename
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: events.append(("fsync", stat.S_ISDIR(os.fstat(fd).st_mode))) or real_fsync(fd))
    monkeypatch.setattr(fileio.os, "rename", lambda src, dst: events.append(("rename", dst)) or real_rename(src, dst))
    path = str(tmp_path / "farm.xml")
    write_private_file(path, b"sealed")
    monkeypatch.undo()
    assert events == [("fsync", False), ("rename", path), ("fsync", True)]


def test_an_own_file_is_replaced_by_a_new_one(tmp_path):
    path = str(tmp_path / "farm.xml")
    with open(path, "wb") as handle:
        handle.write(b"old, and longer than the new content")
    os.chmod(path, 0o644)
    before = os.stat(path).st_ino
    write_private_file(path, b"new")
    assert read(path) == b"new" and mode_of(path) == 0o600
    assert os.stat(path).st_ino != before
    assert os.listdir(str(tmp_path)) == ["farm.xml"]


def test_a_name_at_the_length_limit_gets_a_temp_file_too(tmp_path):
    path = str(tmp_path / ("n" * 255))
    write_private_file(path, b"sealed")
    assert read(path) == b"sealed" and os.listdir(str(tmp_path)) == ["n" * 255]


def symlink_to_own_file(path):
    with open(path + ".target", "wb") as handle:
        handle.write(b"the link's target")
    os.symlink(path + ".target", path)


def dangling_symlink(path):
    os.symlink(path + ".nowhere", path)


def fifo(path):
    os.mkfifo(path)


def directory(path):
    os.mkdir(path)


def foreign_file(path):
    with open(path, "wb") as handle:
        handle.write(b"planted")
    foreign(path)


UNREPLACEABLE = {
    symlink_to_own_file: ("E_INVALIDARG", "is a symbolic link"),
    dangling_symlink: ("E_INVALIDARG", "is a symbolic link"),
    fifo: ("E_INVALIDARG", "is a FIFO"),
    directory: ("E_INVALIDARG", "is a directory"),
    foreign_file: ("E_ACCESSDENIED", "is owned by uid %d" % FOREIGN_UID),
}


@pytest.mark.parametrize("make", list(UNREPLACEABLE), ids=[make.__name__ for make in UNREPLACEABLE])
def test_a_dest_that_is_not_an_own_regular_file_is_refused_and_left_alone(tmp_path, make):
    path = str(tmp_path / "farm.xml")
    make(path)
    before = snapshot(str(tmp_path))
    with no_hang(), pytest.raises(PeerError) as caught:
        write_private_file(path, b"sealed")
    name, message = UNREPLACEABLE[make]
    assert caught.value.name == name and message in caught.value.message and path in caught.value.message
    assert snapshot(str(tmp_path)) == before


def test_a_device_is_refused(tmp_path):
    with pytest.raises(PeerError, match="is a character device"):
        check_replaceable("/dev/null")


def test_check_replaceable_reads_a_missing_file_as_none_and_an_own_file_as_its_stat(tmp_path):
    path = str(tmp_path / "farm.xml")
    assert check_replaceable(path) is None
    with open(path, "wb"):
        pass
    assert check_replaceable(path).st_ino == os.stat(path).st_ino


@pytest.mark.parametrize("failing", ["write", "fsync", "rename"])
def test_a_failed_write_removes_the_temp_file_and_keeps_the_old_file(tmp_path, monkeypatch, failing):
    path = str(tmp_path / "farm.xml")
    with open(path, "wb") as handle:
        handle.write(b"old")
    os.chmod(path, 0o600)

    def fail(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, failing, fail)
    with pytest.raises(OSError) as caught:
        write_private_file(path, b"new")
    monkeypatch.undo()
    assert os_error_as_peer_error(caught.value).name == "PEER_E_DISK_FULL"
    assert os.listdir(str(tmp_path)) == ["farm.xml"] and read(path) == b"old"


def test_os_errors_map_to_hresults_with_the_file_name_only():
    error = os_error_as_peer_error(PermissionError(errno.EACCES, "Permission denied", "/srv/farm.xml"))
    assert (error.name, error.message) == ("E_ACCESSDENIED", "Permission denied (/srv/farm.xml)")
    assert os_error_as_peer_error(OSError(errno.EIO, "Input/output error")).name == "E_INVALIDARG"


# --- read_document -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, LIMIT - 1, LIMIT])
def test_a_regular_file_within_the_limit_is_read_whole(tmp_path, size):
    path = tmp_path / "doc.xml"
    path.write_bytes(b"x" * size)
    assert read_document(str(path), LIMIT) == b"x" * size


def test_a_file_over_the_limit_is_refused_after_reading_one_byte_more(tmp_path, monkeypatch):
    path = str(tmp_path / "big.xml")
    with open(path, "wb") as handle:
        handle.truncate(1024 * 1024 * 1024)
    read_sizes = []
    real_read = os.read
    monkeypatch.setattr(fileio.os, "read", lambda fd, size: read_sizes.append(size) or real_read(fd, size))
    with pytest.raises(PeerError) as caught:
        read_document(path, LIMIT)
    monkeypatch.undo()
    assert caught.value.name == "E_INVALIDARG" and "larger than %d bytes" % LIMIT in caught.value.message
    assert sum(read_sizes) == LIMIT + 1


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    (tmp_path / "doc.xml").write_bytes(b"document")
    os.symlink(str(tmp_path / "doc.xml"), str(tmp_path / "link.xml"))
    assert read_document(str(tmp_path / "link.xml"), LIMIT) == b"document"


def fifo_with_a_writer(path):
    os.mkfifo(path)
    # A writer that never writes: a blocking read would wait for it for ever.
    return os.open(path, os.O_RDWR)


NOT_REGULAR = {
    "dev_zero": lambda path: "/dev/zero",
    "fifo": lambda path: fifo(path) or path,
    "fifo_with_a_writer": lambda path: path,
    "directory": lambda path: directory(path) or path,
}


@pytest.mark.parametrize("kind", list(NOT_REGULAR))
def test_anything_but_a_regular_file_is_refused_unread_and_without_blocking(tmp_path, monkeypatch, kind):
    path = str(tmp_path / "doc.xml")
    writer = fifo_with_a_writer(path) if kind == "fifo_with_a_writer" else None
    path = NOT_REGULAR[kind](path)
    monkeypatch.setattr(fileio.os, "read", lambda fd, size: pytest.fail("read %d bytes of a file that is not regular" % size))
    try:
        with no_hang(), pytest.raises(PeerError) as caught:
            read_document(path, LIMIT)
    finally:
        if writer is not None:
            os.close(writer)
    assert caught.value.name == "E_INVALIDARG" and "not a regular file" in caught.value.message


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_document(str(tmp_path / "missing.xml"), LIMIT)
