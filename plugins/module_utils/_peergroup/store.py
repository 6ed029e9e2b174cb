# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host store: identities and group memberships in one SQLite database (WAL).

See docs/store.md for the layout, the permission checks and crash behaviour.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sqlite3
import stat
import struct
import time
from typing import NamedTuple, Optional, Tuple

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import clock
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.digests import document_digest
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

STORE_FILE = "store.db"
SCHEMA_VERSION = 2
SCOPES = ("global", "site-local", "link-local")
BUSY_TIMEOUT_SECONDS = 30.0

_ISSUED_TABLE = """CREATE TABLE issued (
        group_peer_name TEXT NOT NULL,
        identity_peer_name TEXT NOT NULL,
        issuer_peer_name TEXT NOT NULL,
        identity_certificate BLOB NOT NULL,
        roles TEXT NOT NULL,
        not_before INTEGER NOT NULL,
        not_after INTEGER NOT NULL,
        invitation BLOB NOT NULL,
        revoked_at INTEGER,
        PRIMARY KEY (group_peer_name, identity_peer_name)
    )"""
_SCHEMA = (
    """CREATE TABLE identity (
        peer_name TEXT PRIMARY KEY NOT NULL,
        classifier TEXT NOT NULL,
        friendly_name TEXT NOT NULL,
        key_size INTEGER NOT NULL,
        private_key BLOB NOT NULL,
        certificate BLOB NOT NULL
    )""",
    "CREATE INDEX identity_by_classifier ON identity (classifier, friendly_name)",
    """CREATE TABLE membership (
        identity_peer_name TEXT NOT NULL REFERENCES identity (peer_name),
        group_peer_name TEXT NOT NULL,
        cloud TEXT NOT NULL,
        scope TEXT NOT NULL,
        cloud_flags INTEGER NOT NULL,
        chain BLOB NOT NULL,
        group_key BLOB,
        group_classifier TEXT NOT NULL,
        group_friendly_name TEXT NOT NULL,
        imported_digest TEXT,
        PRIMARY KEY (identity_peer_name, group_peer_name)
    )""",
    _ISSUED_TABLE,
)
# What a store of each older schema version lacks; a writable open adds it (docs/store.md, "Schema").
_UPGRADES = {1: (_ISSUED_TABLE,)}

_OPTIONAL = type(None)
# The Python type each column must read back as; anything else is a corrupted store.
_IDENTITY_TYPES = (
    ("peer_name", str),
    ("classifier", str),
    ("friendly_name", str),
    ("key_size", int),
    ("private_key", bytes),
    ("certificate", bytes),
)
_MEMBERSHIP_TYPES = (
    ("identity_peer_name", str),
    ("group_peer_name", str),
    ("cloud", str),
    ("scope", str),
    ("cloud_flags", int),
    ("chain", bytes),
    ("group_key", (bytes, _OPTIONAL)),
    ("group_classifier", str),
    ("group_friendly_name", str),
    ("imported_digest", (str, _OPTIONAL)),
)
_ISSUED_TYPES = (
    ("group_peer_name", str),
    ("identity_peer_name", str),
    ("issuer_peer_name", str),
    ("identity_certificate", bytes),
    ("roles", str),
    ("not_before", int),
    ("not_after", int),
    ("invitation", bytes),
    ("revoked_at", (int, _OPTIONAL)),
)
_ISSUED_COLUMNS = ", ".join(column for column, _type in _ISSUED_TYPES)
_PUT_ISSUED = "INSERT OR REPLACE INTO issued (%s) VALUES (%s)" % (_ISSUED_COLUMNS, ", ".join("?" * len(_ISSUED_TYPES)))
_IDENTITY_COLUMNS = ", ".join(column for column, _type in _IDENTITY_TYPES)
_MEMBERSHIP_COLUMNS = ", ".join(column for column, _type in _MEMBERSHIP_TYPES)
# Printed names of a damaged row: a peer name is at most 40 + 1 + 149 characters.
_NAME_LIMIT = 190
_INSERT_IDENTITY = "INSERT INTO identity (%s) VALUES (?, ?, ?, ?, ?, ?)" % _IDENTITY_COLUMNS
_PUT_MEMBERSHIP = "INSERT OR REPLACE INTO membership (%s) VALUES (%s)" % (_MEMBERSHIP_COLUMNS, ", ".join("?" * 10))
_LENGTH = struct.Struct(">I")
_MAX_SYMLINKS = 40
_DESCRIPTORS = "/proc/self/fd"


def default_store_path() -> str:
    """/var/lib/peernet for root, else the user's XDG data directory."""
    if os.geteuid() == 0:
        return "/var/lib/peernet"
    data_home = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    if not os.path.isabs(data_home):
        data_home = os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data_home, "peernet")


class IdentityRecord(NamedTuple):
    peer_name: str
    classifier: str
    friendly_name: str
    key_size: int
    private_key: bytes
    certificate: bytes

    def public_fields(self) -> dict:
        """The non-secret fields, as results and diffs show them."""
        return {"peer_name": self.peer_name, "classifier": self.classifier, "friendly_name": self.friendly_name, "key_size": self.key_size}

    def __repr__(self) -> str:
        # Records end up in tracebacks and debug output: never show the key.
        return (
            "IdentityRecord(peer_name=%r, classifier=%r, friendly_name=%r, key_size=%r, "
            "private_key=<hidden>, certificate=<%d bytes>)"
            % (self.peer_name, self.classifier, self.friendly_name, self.key_size, len(self.certificate))
        )


class MembershipRecord(NamedTuple):
    identity_peer_name: str
    group_peer_name: str
    cloud: str
    scope: str
    cloud_flags: int
    chain: Tuple[bytes, ...]
    group_key: Optional[bytes]
    group_classifier: str
    group_friendly_name: str
    imported_digest: Optional[str]

    def public_fields(self) -> dict:
        """The non-secret fields the store records; what the certificates say needs ``certs``."""
        return {
            "identity_peer_name": self.identity_peer_name,
            "group_peer_name": self.group_peer_name,
            "group_friendly_name": self.group_friendly_name,
            "cloud": self.cloud,
            "scope": self.scope,
            "cloud_flags": self.cloud_flags,
            "owner": self.group_key is not None,
            "chain_length": len(self.chain),
        }

    def __repr__(self) -> str:
        return (
            "MembershipRecord(identity_peer_name=%r, group_peer_name=%r, cloud=%r, scope=%r, cloud_flags=%r, "
            "chain=<%d certificates>, group_key=%s, group_classifier=%r, group_friendly_name=%r, imported_digest=%r)"
            % (
                self.identity_peer_name,
                self.group_peer_name,
                self.cloud,
                self.scope,
                self.cloud_flags,
                len(self.chain),
                "None" if self.group_key is None else "<hidden>",
                self.group_classifier,
                self.group_friendly_name,
                self.imported_digest,
            )
        )


class IssuedRecord(NamedTuple):
    """A credential this store's identity issued: the invitee's GMC, as its invitation carries it."""

    group_peer_name: str
    identity_peer_name: str
    issuer_peer_name: str
    identity_certificate: bytes
    roles: Tuple[str, ...]
    not_before: int  # seconds since the epoch, UTC
    not_after: int
    invitation: bytes
    revoked_at: Optional[int]

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def public_fields(self, now: datetime.datetime) -> dict:
        """What store_info shows; ``now`` (aware) gives ``days_left``."""
        return {
            "issuer_peer_name": self.issuer_peer_name,
            "identity_peer_name": self.identity_peer_name,
            "group_peer_name": self.group_peer_name,
            "group_classifier": self.group_peer_name.partition(".")[2],
            "roles": list(self.roles),
            "not_before": iso_time(self.not_before),
            "not_after": iso_time(self.not_after),
            "days_left": (datetime.datetime.fromtimestamp(self.not_after, datetime.timezone.utc) - now).days,
            "revoked": self.revoked,
            "revoked_at": None if self.revoked_at is None else iso_time(self.revoked_at),
            # A member that joined this invitation holds it as its membership's imported_digest.
            "invitation_digest": document_digest(self.invitation),
        }

    def __repr__(self) -> str:
        return "IssuedRecord(group_peer_name=%r, identity_peer_name=%r, issuer_peer_name=%r, roles=%r, not_after=%r, revoked_at=%r)" % (
            self.group_peer_name, self.identity_peer_name, self.issuer_peer_name, self.roles, self.not_after, self.revoked_at)


ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso_time(seconds: int) -> str:
    """Seconds since the epoch as ISO 8601 UTC with a 'Z'."""
    return time.strftime(ISO_FORMAT, time.gmtime(seconds))


def iso_seconds(text: str) -> int:
    """The inverse of ``iso_time``."""
    return int(datetime.datetime.strptime(text, ISO_FORMAT).replace(tzinfo=datetime.timezone.utc).timestamp())


def encode_chain(chain) -> bytes:
    """DER certificates, root first, as one blob of 4-byte big-endian length + DER."""
    return b"".join(_LENGTH.pack(len(der)) + der for der in chain)


def decode_chain(blob: bytes) -> Tuple[bytes, ...]:
    """The inverse of ``encode_chain``; a damaged blob is a corrupted store."""
    if not isinstance(blob, bytes):
        raise PeerError("PEER_E_CERT_STORE_CORRUPTED", "a stored certificate chain is %s, not a blob" % _type_name(blob))
    certs = []
    offset = 0
    while offset < len(blob):
        if offset + _LENGTH.size > len(blob):
            raise PeerError("PEER_E_CERT_STORE_CORRUPTED", "a stored certificate chain is truncated")
        (length,) = _LENGTH.unpack_from(blob, offset)
        offset += _LENGTH.size
        end = offset + length
        if length == 0 or end > len(blob):
            raise PeerError("PEER_E_CERT_STORE_CORRUPTED", "a stored certificate chain has a bad length")
        certs.append(bytes(blob[offset:end]))
        offset = end
    if not certs:
        raise PeerError("PEER_E_CERT_STORE_CORRUPTED", "a stored certificate chain is empty")
    return tuple(certs)


class _UndecodableText(object):
    """A TEXT value that is not UTF-8; its bytes are not kept (they may be key material)."""

    __slots__ = ()


def _text_or_marker(data):
    # sqlite3's own decode error quotes the value, which a damaged record may take from a key.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _UndecodableText()


_TYPE_NAMES = {
    str: "text",
    bytes: "a blob",
    int: "an integer",
    float: "a real",
    _OPTIONAL: "null",
    _UndecodableText: "text that is not UTF-8",
}


def _type_name(value_or_type):
    wanted = value_or_type if isinstance(value_or_type, (type, tuple)) else type(value_or_type)
    if isinstance(wanted, tuple):
        return " or ".join(_TYPE_NAMES[one] for one in wanted)
    return _TYPE_NAMES.get(wanted, wanted.__name__)


def _row_label(kind, rowid, names):
    """``identity 0.alice`` or ``membership of 0.alice in group 0.g``; the row number when a name is damaged."""
    if all(isinstance(name, str) and len(name) <= _NAME_LIMIT and name.isprintable() for name in names):
        return kind % tuple(names)
    return kind.split(" ", 1)[0] + " in row %d" % rowid


def _typed(fields, row, label):
    """The values of ``row`` (rowid first) after checking each column's type."""
    values = row[1:]
    for (column, wanted), value in zip(fields, values):
        if not isinstance(value, wanted):
            raise PeerError(
                "PEER_E_CERT_STORE_CORRUPTED",
                "%s: column %s is %s, not %s" % (label, column, _type_name(value), _type_name(wanted)),
            )
    return values


def _identity_record(row) -> IdentityRecord:
    """An identity row as read (rowid first), or PEER_E_CERT_STORE_CORRUPTED naming the row."""
    return IdentityRecord(*_typed(_IDENTITY_TYPES, row, _row_label("identity %s", row[0], row[1:2])))


def _membership_record(row) -> MembershipRecord:
    """A membership row as read (rowid first), or PEER_E_CERT_STORE_CORRUPTED naming the row."""
    label = _row_label("membership of %s in group %s", row[0], row[1:3])
    values = list(_typed(_MEMBERSHIP_TYPES, row, label))
    if values[3] not in SCOPES:
        raise PeerError("PEER_E_CERT_STORE_CORRUPTED", "%s: the scope is none of %s" % (label, ", ".join(SCOPES)))
    try:
        values[5] = decode_chain(values[5])
    except PeerError as exc:
        raise PeerError(exc.name, "%s: %s" % (label, exc.message)) from None
    return MembershipRecord(*values)


def _issued_record(row) -> IssuedRecord:
    """An issued row as read (rowid first), or PEER_E_CERT_STORE_CORRUPTED naming the row."""
    label = _row_label("credential of %s in group %s", row[0], (row[2], row[1]))
    values = list(_typed(_ISSUED_TYPES, row, label))
    roles = tuple(values[4].split(","))
    if not all(roles) or list(roles) != sorted(set(roles)):
        raise PeerError("PEER_E_CERT_STORE_CORRUPTED", "%s: the roles are not a sorted list of names" % label)
    values[4] = roles
    return IssuedRecord(*values)


def _refuse(path, reason):
    return PeerError("PEER_E_NO_KEY_ACCESS", "refusing to use the store: %s %s" % (path, reason))


def _trusted_owner(info):
    return info.st_uid in (0, os.geteuid())


def _lstat(path):
    """``os.lstat``, or None when nothing is there; other failures refuse the store."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _refuse(path, "cannot be examined (%s)" % exc.strerror) from None


def _real_path(path, seen):
    """``path`` (absolute) with every symbolic link resolved, like OpenSSH StrictModes wants it.

    A link owned by another user than root or the effective user would let that
    user point the store anywhere, so it is refused. From the first missing
    component on, the path is kept as written: there is nothing to follow yet.
    ``seen`` (a dict) receives the ``lstat`` of each directory walked: the walk
    and the ancestor check reuse them instead of examining a directory twice.
    """
    pending = [part for part in path.split("/") if part]
    resolved = "/"
    followed = 0
    while pending:
        name = pending.pop(0)
        if name == ".":
            continue
        if name == "..":
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, name)
        # A link to an absolute path walks from / again: what was examined is not examined twice.
        info = seen[candidate] if candidate in seen else _lstat(candidate)
        if info is None:
            return os.path.normpath(os.path.join(candidate, *pending))
        if stat.S_ISLNK(info.st_mode):
            if not _trusted_owner(info):
                raise _refuse(candidate, "is a symbolic link owned by uid %d, neither root nor uid %d" % (info.st_uid, os.geteuid()))
            followed += 1
            if followed > _MAX_SYMLINKS:
                raise _refuse(path, "has more than %d symbolic links" % _MAX_SYMLINKS)
            try:
                target = os.readlink(candidate)
            except OSError as exc:
                raise _refuse(candidate, "cannot be examined (%s)" % exc.strerror) from None
            if target.startswith("/"):
                resolved = "/"
            pending[:0] = [part for part in target.split("/") if part]
            continue
        seen[candidate] = info
        resolved = candidate
    return resolved


def _check_ancestors(directory, seen):
    """Only root and the effective user may rename entries in any directory above ``directory`` (a real path).

    A directory others may write to without the sticky bit (``/tmp`` has it)
    lets them move the store away and put theirs in its place. ``seen``: the
    ``lstat`` results ``_real_path`` took of these directories while resolving.
    """
    current = os.path.dirname(directory)
    while True:
        info = seen[current] if current in seen else _lstat(current)
        if info is not None:
            if not stat.S_ISDIR(info.st_mode):
                raise _refuse(current, "is not a directory (it changed while being checked)")
            if not _trusted_owner(info):
                raise _refuse(current, "is owned by uid %d, neither root nor uid %d" % (info.st_uid, os.geteuid()))
            if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not info.st_mode & stat.S_ISVTX:
                raise _refuse(
                    current,
                    "is writable by group or others without the sticky bit (mode %04o), so others could replace the store"
                    % stat.S_IMODE(info.st_mode),
                )
        parent = os.path.dirname(current)
        if parent == current:
            return
        current = parent


def _checked_real_path(path):
    """``path`` resolved, with every directory above it checked."""
    seen = {}
    real = _real_path(path, seen)
    _check_ancestors(real, seen)
    return real


def _check_directory(directory):
    """The store directory (a real path): ours, 0700 at most; its stat, or None if absent."""
    info = _lstat(directory)
    if info is None:
        return None
    if not stat.S_ISDIR(info.st_mode):
        raise _refuse(directory, "is not a directory")
    if info.st_uid != os.geteuid():
        raise _refuse(directory, "is owned by uid %d, not by uid %d" % (info.st_uid, os.geteuid()))
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _refuse(directory, "is writable by group or others (mode %04o; want 0700)" % stat.S_IMODE(info.st_mode))
    return info


def _check_private_file(path):
    """A regular file of ours, not a symlink, with no group/other bits; its stat, or None if absent."""
    info = _lstat(path)
    if info is None:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise _refuse(path, "is a symbolic link")
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, "is not a regular file")
    if info.st_uid != os.geteuid():
        raise _refuse(path, "is owned by uid %d, not by uid %d" % (info.st_uid, os.geteuid()))
    if info.st_mode & 0o077:
        raise _refuse(path, "is accessible by group or others (mode %04o; want 0600)" % stat.S_IMODE(info.st_mode))
    return info


def _same_file(info, other):
    return (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)


def _make_directories(directory, mode):
    """``mkdir -p``; True if ``directory`` itself was made here.

    Missing parents get 0755 at most: os.makedirs would give them 0777 under
    umask 0, and the ancestor check would then refuse the store.
    """
    parent = os.path.dirname(directory)
    if not os.path.lexists(parent):
        _make_directories(parent, 0o755)
    try:
        os.mkdir(directory, mode)
    except FileExistsError:
        return False  # made by a concurrent run; checked like any existing directory
    return True


def _create_directory(directory):
    if _make_directories(directory, 0o700):
        # mkdir applied the umask; the owner still needs all of rwx.
        os.chmod(directory, 0o700)


def _create_database_file(directory, checked):
    """An empty 0600 store.db in ``directory``, the very directory ``checked`` describes."""
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if not _same_file(os.fstat(dir_fd), checked):
            raise _refuse(directory, "was replaced while the store was being opened")
        try:
            fd = os.open(STORE_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
        except FileExistsError:
            return  # made by a concurrent run; checked like any existing file
        try:
            # SQLite gives the -wal and -shm files the mode of this file.
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    finally:
        os.close(dir_fd)


def _open_files():
    """Descriptor number -> ``fstat`` of each file open in this process; None where /proc does not list them."""
    try:
        descriptors = os.listdir(_DESCRIPTORS)
    except OSError:
        return None
    files = {}
    for fd in descriptors:
        try:
            files[fd] = os.fstat(int(fd))
        except OSError:
            continue  # closed again (the listing's own descriptor)
    return files


def _opened_path(fd):
    """Where descriptor ``fd`` points, or None once it is closed."""
    try:
        return os.readlink(os.path.join(_DESCRIPTORS, fd))
    except OSError:
        return None


def _check_opened_files(before, directory, database, db_path):
    """The files SQLite opened since ``before`` are the checked database and private files beside it.

    The checks and SQLite's open are separate steps: this catches a swap in between.
    Descriptors are compared by device and inode; only a new one that is not the
    database is looked up by name.
    """
    found = False
    opened = {} if before is None else _open_files() or {}
    for fd, info in sorted(opened.items()):
        if fd in before and _same_file(before[fd], info) or not stat.S_ISREG(info.st_mode):
            continue
        if _same_file(info, database):
            found = True
            continue
        target = _opened_path(fd)
        if target == db_path:
            raise _refuse(db_path, "is not the file that was checked (it was replaced while the store was being opened)")
        if target is None or os.path.dirname(target) != directory or info.st_uid != os.geteuid() or info.st_mode & 0o077:
            raise _refuse(target or "descriptor %s" % fd, "was opened by SQLite but is not a private file of the checked store directory")
    # SQLite reuses a descriptor it keeps for the same file in this process; or /proc is missing.
    current = None if found else _lstat(db_path)
    if not found and (current is None or not _same_file(current, database)):
        raise _refuse(db_path, "is not the file that was checked (it was replaced while the store was being opened)")


class Store(object):
    """An open store; use ``Store.open`` and close it (or use ``with``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.db_path = os.path.join(path, STORE_FILE)
        self._connection: Optional[sqlite3.Connection] = None
        self._depth = 0
        # A committed write dropped key material whose old bytes the log still holds.
        self._key_dropped = False
        self._has_issued = False

    # --- opening and closing ---------------------------------------------------

    @classmethod
    def open(cls, path: str, create: bool = True, read_only: bool = False) -> "Store":
        """Open the store in directory ``path`` after checking ownership and modes.

        ``create`` makes a missing directory (0700) and database (0600) and gives
        an empty database its schema. Without it a store that does not exist yet
        (no directory, no database, or a database without schema such as the
        empty file of a crash during creation) is ``PEER_E_NOT_FOUND``, and
        nothing is written. ``read_only`` implies no ``create`` and makes the
        connection refuse every write.
        """
        create = create and not read_only
        path = os.path.abspath(path)
        # Before creating anything: nothing goes where others could swap it.
        real = _checked_real_path(path)
        if create and not os.path.lexists(real):
            _create_directory(real)
            # Checked again as it now is: a concurrent run, or someone else, may have made it.
            real = _checked_real_path(path)
        directory = _check_directory(real)
        if directory is None:
            raise PeerError("PEER_E_NOT_FOUND", "no store at %s" % path)
        db_path = os.path.join(real, STORE_FILE)
        database = _check_private_file(db_path)
        if database is None and create:
            _create_database_file(real, directory)
            database = _check_private_file(db_path)
        if database is None:
            raise PeerError("PEER_E_NOT_FOUND", "no store at %s (%s is missing)" % (path, db_path))
        for side_file in (db_path + "-wal", db_path + "-shm", db_path + "-journal"):
            _check_private_file(side_file)

        store = cls(path)
        try:
            before = _open_files()
            with store._translated():
                store._connection = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
                _check_opened_files(before, real, database, db_path)
                # A first read opens the log and its index (WAL): checked before anything is written.
                store._connection.execute("PRAGMA schema_version").fetchall()
                _check_opened_files(before, real, database, db_path)
                store._connection.text_factory = _text_or_marker
                if read_only:
                    store._connection.execute("PRAGMA query_only = ON")
                # FULL: a commit is on disk before COMMIT returns (power loss included).
                store._connection.execute("PRAGMA synchronous = FULL")
                store._connection.execute("PRAGMA foreign_keys = ON")
                store._erase_removed_content()
            store._ensure_schema(create, read_only)
        except BaseException:
            store.close()
            raise
        return store

    def _use_wal(self):
        """Switch to WAL; the mode is kept in the file, so only a new store switches.

        The switch needs an exclusive lock that SQLite does not wait for with the
        busy handler: two runs creating one store at the same time retry here.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        while True:
            try:
                self._connection.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(0.005)

    def _erase_removed_content(self):
        """Zero what SQLite frees, read back: builds differ in the default of secure_delete."""
        self._connection.execute("PRAGMA secure_delete = ON")
        if self._connection.execute("PRAGMA secure_delete").fetchone()[0] != 1:
            raise PeerError(
                "PEER_E_NO_KEY_ACCESS", "store %s: SQLite did not turn on secure_delete; removed keys would stay on disk" % self.db_path
            )

    def _truncate_log(self):
        """Checkpoint and empty the write-ahead log, which still holds the pages a removed key was on.

        The change is already committed: if a reader keeps the log busy, the next
        checkpoint or the last close (which deletes the log) erases those pages.
        """
        self._key_dropped = False
        with contextlib.suppress(sqlite3.Error):
            self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def _ensure_schema(self, create, read_only):
        # A plain read when the schema is current: opening for reading writes nothing.
        version = self._query("PRAGMA user_version")[0][0]
        if version == 0 and not create:
            raise PeerError("PEER_E_NOT_FOUND", "no store at %s (%s holds no schema yet)" % (self.path, self.db_path))
        self._check_version(version)
        if not read_only:
            with self._translated():
                self._use_wal()  # a no-op once the store is in WAL mode
            if version != SCHEMA_VERSION:
                with self.transaction():
                    # Read again under the write lock: a concurrent open may have just created or upgraded it.
                    version = self._query("PRAGMA user_version")[0][0]
                    self._check_version(version)
                    if version != SCHEMA_VERSION:
                        statements = _SCHEMA if version == 0 else sum((_UPGRADES[old] for old in range(version, SCHEMA_VERSION)), ())
                        for statement in statements:
                            self._run(statement)
                        self._run("PRAGMA user_version = %d" % SCHEMA_VERSION)
                        version = SCHEMA_VERSION
        # A read-only open of an older store reads the tables it lacks as empty.
        self._has_issued = version >= 2

    def _check_version(self, version):
        if not 0 <= version <= SCHEMA_VERSION:
            raise PeerError(
                "PEER_E_UNSUPPORTED_VERSION",
                "store %s has schema version %d; this collection understands versions up to %d only (is it newer?)"
                % (self.db_path, version, SCHEMA_VERSION),
            )

    def close(self) -> None:
        """Close the connection; an open transaction is rolled back. Idempotent."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- transactions and SQL ----------------------------------------------------

    @contextlib.contextmanager
    def _translated(self):
        """sqlite3 errors as PeerError; SQLite messages hold no bound values."""
        try:
            yield
        except sqlite3.Error as exc:
            text = str(exc)
            if "full" in text:
                name = "PEER_E_DISK_FULL"
            elif isinstance(exc, sqlite3.OperationalError):
                name = "E_ACCESSDENIED"  # locked past the busy timeout, read-only, cannot open, I/O
            else:
                name = "PEER_E_CERT_STORE_CORRUPTED"  # not a database, malformed, broken constraint
            raise PeerError(name, "store %s: %s" % (self.db_path, text)) from None

    def _run(self, sql, params=()) -> int:
        with self._translated():
            return self._connection.execute(sql, params).rowcount

    def _query(self, sql, params=()) -> list:
        with self._translated():
            return self._connection.execute(sql, params).fetchall()

    @contextlib.contextmanager
    def transaction(self):
        """All-or-nothing: commit when the block ends, roll back on any exception.

        ``BEGIN IMMEDIATE`` takes the write lock up front, so writers queue (up to
        the busy timeout) instead of failing later or losing an update. A nested
        call is a savepoint: its failure undoes only its own writes.
        """
        if self._depth:
            savepoint = "nested_%d" % self._depth
            self._run("SAVEPOINT " + savepoint)
            self._depth += 1
            try:
                yield self
            except BaseException:
                if self._connection.in_transaction:
                    self._run("ROLLBACK TO " + savepoint)
                    self._run("RELEASE " + savepoint)
                raise
            else:
                self._run("RELEASE " + savepoint)
            finally:
                self._depth -= 1
            return

        self._run("BEGIN IMMEDIATE")
        self._depth = 1
        self._key_dropped = False
        try:
            yield self
            self._run("COMMIT")
        except BaseException:
            # SQLite rolls back by itself after some errors (disk full, I/O); a
            # failing ROLLBACK must not hide the error that caused it.
            if self._connection is not None and self._connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._connection.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0
        if self._key_dropped:
            self._truncate_log()

    @contextlib.contextmanager
    def _writing(self):
        """Join the caller's transaction, or make this one write its own."""
        if self._depth:
            yield
        else:
            with self.transaction():
                yield

    def _note_key_dropped(self, select_key, params, new_key):
        """Remember to erase the log when the stored key (first column of ``select_key``) goes."""
        rows = self._query(select_key, params)
        if rows and rows[0][0] is not None and rows[0][0] != new_key:
            self._key_dropped = True

    # --- identities --------------------------------------------------------------

    def _decoded(self, decode, rows) -> list:
        try:
            return [decode(row) for row in rows]
        except PeerError as exc:
            raise PeerError(exc.name, "store %s: %s" % (self.db_path, exc.message)) from None

    def get_identity(self, peer_name: str) -> Optional[IdentityRecord]:
        rows = self._query("SELECT rowid, %s FROM identity WHERE peer_name = ?" % _IDENTITY_COLUMNS, (peer_name,))
        return self._decoded(_identity_record, rows)[0] if rows else None

    def list_identities(self) -> list:
        rows = self._query("SELECT rowid, %s FROM identity ORDER BY peer_name" % _IDENTITY_COLUMNS)
        return self._decoded(_identity_record, rows)

    def add_identity(self, record: IdentityRecord) -> None:
        """Insert a new identity; ``PEER_E_ALREADY_EXISTS`` if the peer name is taken."""
        _check_identity(record)
        with self._writing():
            if self._query("SELECT 1 FROM identity WHERE peer_name = ?", (record.peer_name,)):
                raise PeerError("PEER_E_ALREADY_EXISTS", "identity %s is already in the store" % record.peer_name)
            self._run(_INSERT_IDENTITY, tuple(record))

    def put_identity(self, record: IdentityRecord) -> None:
        """Insert or replace an identity, keeping its memberships."""
        _check_identity(record)
        with self._writing():
            stored = self._query("SELECT private_key, certificate FROM identity WHERE peer_name = ?", (record.peer_name,))
            if not stored:
                self._run(_INSERT_IDENTITY, tuple(record))
                return
            # UPDATE, not INSERT OR REPLACE: the row its memberships refer to is never deleted.
            self._run(
                "UPDATE identity SET classifier = ?, friendly_name = ?, key_size = ?, private_key = ?, certificate = ? "
                "WHERE peer_name = ?",
                tuple(record[1:]) + (record.peer_name,),
            )
            old_key, old_certificate = stored[0]
            if old_key != record.private_key:
                self._key_dropped = True
            if (old_key, old_certificate) != (record.private_key, record.certificate):
                # An import checked each document's GMC against the old key: those decisions are void.
                self._run("UPDATE membership SET imported_digest = NULL WHERE identity_peer_name = ?", (record.peer_name,))

    def remove_identity(self, peer_name: str) -> bool:
        """Remove an identity and its memberships; False if it was not there.

        Callers decide first whether memberships may go (``count_memberships``).
        """
        with self._writing():
            self._run("DELETE FROM membership WHERE identity_peer_name = ?", (peer_name,))
            removed = self._run("DELETE FROM identity WHERE peer_name = ?", (peer_name,)) > 0
            self._key_dropped |= removed
            return removed

    def count_memberships(self, identity_peer_name: str) -> int:
        return self._query("SELECT COUNT(*) FROM membership WHERE identity_peer_name = ?", (identity_peer_name,))[0][0]

    # --- memberships -------------------------------------------------------------

    def put_membership(self, record: MembershipRecord, imported_digest: Optional[str] = None) -> None:
        """Insert or replace one (identity, group) membership; the identity must exist.

        The digest stored is ``imported_digest``, never ``record.imported_digest``:
        only the import of a document passes that document's digest, so any other
        write makes the next import of the document decide again.
        """
        _check_membership(record)
        if imported_digest is not None and not isinstance(imported_digest, str):
            raise PeerError("E_INVALIDARG", "the imported digest must be text or None")
        row = tuple(record[:5]) + (encode_chain(record.chain),) + tuple(record[6:9]) + (imported_digest,)
        with self._writing():
            if not self._query("SELECT 1 FROM identity WHERE peer_name = ?", (record.identity_peer_name,)):
                raise PeerError("PEER_E_NOT_FOUND", "identity %s is not in the store" % record.identity_peer_name)
            self._note_key_dropped(
                "SELECT group_key FROM membership WHERE identity_peer_name = ? AND group_peer_name = ?",
                (record.identity_peer_name, record.group_peer_name),
                record.group_key,
            )
            self._run(_PUT_MEMBERSHIP, row)

    def get_membership(self, identity_peer_name: str, group_peer_name: str) -> Optional[MembershipRecord]:
        rows = self._query(
            "SELECT rowid, %s FROM membership WHERE identity_peer_name = ? AND group_peer_name = ?" % _MEMBERSHIP_COLUMNS,
            (identity_peer_name, group_peer_name),
        )
        return self._decoded(_membership_record, rows)[0] if rows else None

    def list_memberships(self, identity: Optional[str] = None) -> list:
        if identity is None:
            rows = self._query(
                "SELECT rowid, %s FROM membership ORDER BY identity_peer_name, group_peer_name" % _MEMBERSHIP_COLUMNS
            )
        else:
            rows = self._query(
                "SELECT rowid, %s FROM membership WHERE identity_peer_name = ? ORDER BY group_peer_name" % _MEMBERSHIP_COLUMNS,
                (identity,),
            )
        return self._decoded(_membership_record, rows)

    def remove_membership(self, identity_peer_name: str, group_peer_name: str) -> bool:
        """Remove one membership; False if it was not there."""
        where = (identity_peer_name, group_peer_name)
        with self._writing():
            self._note_key_dropped(
                "SELECT group_key FROM membership WHERE identity_peer_name = ? AND group_peer_name = ?", where, None
            )
            return self._run("DELETE FROM membership WHERE identity_peer_name = ? AND group_peer_name = ?", where) > 0

    # --- issued credentials ------------------------------------------------------

    def put_issued(self, record: IssuedRecord) -> None:
        """Insert or replace the credential recorded for (group, invitee)."""
        _check_issued(record)
        row = tuple(record[:4]) + (",".join(record.roles),) + tuple(record[5:])
        with self._writing():
            self._run(_PUT_ISSUED, row)

    def get_issued(self, group_peer_name: str, identity_peer_name: str) -> Optional[IssuedRecord]:
        if not self._has_issued:
            return None
        rows = self._query(
            "SELECT rowid, %s FROM issued WHERE group_peer_name = ? AND identity_peer_name = ?" % _ISSUED_COLUMNS,
            (group_peer_name, identity_peer_name),
        )
        return self._decoded(_issued_record, rows)[0] if rows else None

    def list_issued(self) -> list:
        if not self._has_issued:
            return []
        rows = self._query("SELECT rowid, %s FROM issued ORDER BY group_peer_name, identity_peer_name" % _ISSUED_COLUMNS)
        return self._decoded(_issued_record, rows)

    # --- health ------------------------------------------------------------------

    def recorded_inventory(self, describe_membership=None, now=None) -> dict:
        """Identities, memberships and issued credentials as recorded, read in one snapshot. The
        store parses no certificate (``store_info`` with ``verify=false`` needs neither cryptography
        nor lxml); ``describe_membership(record)`` may add what the certificates say to each
        membership. ``now`` (aware, default the current time) gives the credentials' ``days_left``."""
        now = now or clock.utcnow()
        with self._reading():
            identities = self.list_identities()
            memberships = self.list_memberships()
            issued = self.list_issued()
        entries = []
        for record in memberships:
            # imported_digest lets a play leave out a document whose import would be a no-op.
            entry = dict(record.public_fields(), imported_digest=record.imported_digest)
            if describe_membership is not None:
                entry.update(describe_membership(record))
            entries.append(entry)
        return {
            "identities": [record.public_fields() for record in identities],
            "memberships": entries,
            "issued": [record.public_fields(now) for record in issued],
        }

    def check_integrity(self) -> list:
        """Problems found (empty when healthy): SQLite pages, each record's columns and chain, orphans."""
        problems = []
        try:
            with self._reading():
                problems.extend(
                    "sqlite: %s" % row[0] for row in self._query("PRAGMA integrity_check") if row[0] != "ok"
                )
                tables = [(_identity_record, "identity", _IDENTITY_COLUMNS), (_membership_record, "membership", _MEMBERSHIP_COLUMNS)]
                if self._has_issued:
                    tables.append((_issued_record, "issued", _ISSUED_COLUMNS))
                for decode, table, columns in tables:
                    for row in self._query("SELECT rowid, %s FROM %s ORDER BY rowid" % (columns, table)):
                        try:
                            decode(row)
                        except PeerError as exc:
                            problems.append(exc.message)
                orphans = self._query(
                    "SELECT m.rowid, m.identity_peer_name, m.group_peer_name FROM membership AS m "
                    "LEFT JOIN identity AS i ON i.peer_name = m.identity_peer_name WHERE i.peer_name IS NULL"
                )
                problems.extend(
                    "%s: the identity is missing" % _row_label("membership of %s in group %s", row[0], row[1:])
                    for row in orphans
                )
        except PeerError as exc:
            problems.append(exc.message)
        return problems

    @contextlib.contextmanager
    def _reading(self):
        """One snapshot for several queries; a deferred BEGIN takes no write lock."""
        if self._depth:
            yield
            return
        self._run("BEGIN")
        try:
            yield
        finally:
            self._run("COMMIT")


def _check_identity(record):
    if not isinstance(record, IdentityRecord):
        raise PeerError("E_INVALIDARG", "expected an IdentityRecord")
    if not isinstance(record.key_size, int):
        raise PeerError("E_INVALIDARG", "identity %s: key_size must be an integer" % record.peer_name)
    if not isinstance(record.private_key, bytes) or not isinstance(record.certificate, bytes):
        raise PeerError("E_INVALIDARG", "identity %s: the key and certificate must be DER bytes" % record.peer_name)


def _check_membership(record):
    if not isinstance(record, MembershipRecord):
        raise PeerError("E_INVALIDARG", "expected a MembershipRecord")
    where = "membership of %s in group %s" % (record.identity_peer_name, record.group_peer_name)
    if record.scope not in SCOPES:
        raise PeerError("E_INVALIDARG", "%s: scope must be one of %s" % (where, ", ".join(SCOPES)))
    if not isinstance(record.cloud_flags, int):
        raise PeerError("E_INVALIDARG", "%s: cloud_flags must be an integer" % where)
    if not record.chain or not all(isinstance(der, bytes) and der for der in record.chain):
        raise PeerError("E_INVALIDARG", "%s: the chain must be one or more DER certificates" % where)
    if record.group_key is not None and not isinstance(record.group_key, bytes):
        raise PeerError("E_INVALIDARG", "%s: the group key must be DER bytes or None" % where)


def _check_issued(record):
    if not isinstance(record, IssuedRecord):
        raise PeerError("E_INVALIDARG", "expected an IssuedRecord")
    where = "credential of %s in group %s" % (record.identity_peer_name, record.group_peer_name)
    if not record.roles or list(record.roles) != sorted(set(record.roles)) or not all(record.roles):
        raise PeerError("E_INVALIDARG", "%s: the roles must be a sorted tuple of names" % where)
    if not all(isinstance(value, int) for value in (record.not_before, record.not_after)):
        raise PeerError("E_INVALIDARG", "%s: the validity must be whole seconds" % where)
    if record.revoked_at is not None and not isinstance(record.revoked_at, int):
        raise PeerError("E_INVALIDARG", "%s: revoked_at must be whole seconds or None" % where)
    if not isinstance(record.identity_certificate, bytes) or not isinstance(record.invitation, bytes):
        raise PeerError("E_INVALIDARG", "%s: the certificate and invitation must be bytes" % where)
