# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading documents and writing private files, the same on the controller and the hosts.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import errno
import os
import stat

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

PRIVATE_MODE = 0o600

_OS_ERRORS = {
    errno.ENOSPC: "PEER_E_DISK_FULL",
    errno.EDQUOT: "PEER_E_DISK_FULL",
    errno.EACCES: "E_ACCESSDENIED",
    errno.EPERM: "E_ACCESSDENIED",
}

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)

_READ_CHUNK = 64 * 1024
# A temp name adds at most 22 characters; keep it under NAME_MAX (255).
_TEMP_STEM_LENGTH = 200
_TEMP_ATTEMPTS = 100


def os_error_as_peer_error(exc: OSError) -> PeerError:
    """A PeerError for an OSError: the errno text and file name, nothing else."""
    name = _OS_ERRORS.get(exc.errno, "E_INVALIDARG")
    where = " (%s)" % exc.filename if exc.filename else ""
    return PeerError(name, "%s%s" % (exc.strerror or "operating system error", where))


def _kind(mode: int) -> str:
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def read_document(path: str, limit: int) -> bytes:
    """The bytes of the regular file at ``path``; ``E_INVALIDARG`` for anything else or more than ``limit`` bytes.

    Non-blocking open, so a FIFO cannot hang the read; the check is ``fstat`` on the open
    descriptor, so the file checked is the file read. At most ``limit + 1`` bytes are read: a
    device or a growing file cannot exhaust memory. OSError (missing, unreadable) propagates.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise PeerError("E_INVALIDARG", "%s is %s, not a regular file" % (path, _kind(mode)))
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, _READ_CHUNK))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    if remaining <= 0:
        raise PeerError("E_INVALIDARG", "%s is larger than %d bytes" % (path, limit))
    return b"".join(chunks)


def check_replaceable(path: str, owner_uid=None):
    """``os.lstat`` of ``path``, or None when nothing is there; refuse what write_private_file must not replace.

    Only a regular file owned by the effective user (or by ``owner_uid``, the owner the caller
    gives its files) is replaced: a symbolic link, a device, a FIFO or a directory is
    ``E_INVALIDARG``, a file planted by another user ``E_ACCESSDENIED``.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise PeerError("E_INVALIDARG", "%s is %s; only a regular file is replaced" % (path, _kind(info.st_mode)))
    if info.st_uid not in (os.geteuid(), owner_uid):
        raise PeerError("E_ACCESSDENIED", "%s is owned by uid %d, not by uid %d; it is not replaced" % (path, info.st_uid, os.geteuid()))
    return info


def write_private_file(path: str, data: bytes, mode: int = PRIVATE_MODE, owner_uid=None) -> None:
    """Replace ``path`` by a new file holding ``data`` with exactly ``mode``.

    The temp file beside ``path`` is created with ``mode`` (exclusive, no symlink followed) and
    set to it whatever the umask before any byte is written, synced, then renamed over ``path``;
    the folder is synced so the rename survives a crash. A reader sees the old or the new file,
    never a part; on any failure the temp file is removed. ``path`` is checked by
    check_replaceable first; the rename replaces the directory entry itself, never a link's target.
    """
    check_replaceable(path, owner_uid)
    directory, name = os.path.split(os.path.abspath(path))
    fd, temp_path = _create_temp(directory, name, mode)
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp_path, path)
    except BaseException:
        try:
            os.unlink(temp_path)
        except FileNotFoundError:
            pass
        raise
    _sync_directory(directory)


def _create_temp(directory: str, name: str, mode: int):
    """``(fd, path)`` of a new, empty file in ``directory``, like ``tempfile.mkstemp`` but with ``mode``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for _attempt in range(_TEMP_ATTEMPTS):
        temp_path = os.path.join(directory, ".%s.%s.tmp" % (name[:_TEMP_STEM_LENGTH], os.urandom(8).hex()))
        try:
            return os.open(temp_path, flags, mode), temp_path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", directory)


def _sync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
