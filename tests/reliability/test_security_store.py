# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host store's findings of issue 18, through the real modules and decisions.

Read-only paths write nothing (finding 13), an imported digest never outlives a change made
by anything but that document's import (finding 8), and a corrupt store is a PeerError, never a
traceback and never a key in a message (finding 12). The path checks (finding 4) are tested in
test_store_permissions.py and the unit tests of the store.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import groups
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import inventory
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store


def run_module(name, tmp_path, **args):
    """The JSON result of running module ``name`` with ``args``."""
    args_path = str(tmp_path / ("%s-args.json" % name))
    with open(args_path, "w", encoding="utf-8") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    completed = subprocess.run(
        [sys.executable, "-m", "ansible_collections.peernet.peergroup.plugins.modules." + name, args_path],
        capture_output=True, text=True, timeout=120, check=False,
    )
    os.unlink(args_path)
    assert "Traceback" not in completed.stdout + completed.stderr, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def files_of(directory):
    """Name -> content of every file in ``directory``."""
    contents = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as handle:
            contents[name] = handle.read()
    return contents


# --- finding 13: read-only paths write nothing -------------------------------------------


@pytest.fixture
def empty_store(tmp_path):
    """A store directory whose store.db is the empty file a crash during creation leaves."""
    path = tmp_path / "store"
    path.mkdir(mode=0o700)
    os.close(os.open(str(path / "store.db"), os.O_WRONLY | os.O_CREAT, 0o600))
    return str(path)


@pytest.mark.parametrize("verify", [True, False])
def test_store_info_reads_an_empty_database_as_no_store(empty_store, tmp_path, verify):
    result = run_module("store_info", tmp_path, store_path=empty_store, verify=verify)
    assert not result.get("failed"), result
    assert result["exists"] is False and result["identities"] == [] and result["memberships"] == []
    assert files_of(empty_store) == {"store.db": b""}


def test_check_mode_writes_nothing_to_an_empty_database(empty_store, tmp_path):
    result = run_module("identity", tmp_path, store_path=empty_store, classifier="alice", _ansible_check_mode=True)
    assert not result.get("failed") and result["changed"] is True, result
    assert files_of(empty_store) == {"store.db": b""}


# --- finding 8: the imported digest never outlives another write ---------------------------


def _stored_membership(store_path, world):
    with contextlib.closing(Store.open(store_path, read_only=True)) as store:
        return store.get_membership(world.owner.name, world.group)


@pytest.mark.parametrize(
    "change",
    [{"cloud": "Elsewhere_"}, {"scope": "link-local"}, {"cloud_flags": 1}, {"friendly_name": "Renamed farm"}, {"force_renew": True}],
    ids=lambda change: next(iter(change)),
)
def test_group_module_change_clears_the_imported_digest(world, tmp_path, change):
    store_path = world.fresh_target(tmp_path / "target")
    assert kit.import_document(store_path, "config", world.owner_doc, world.cache)["changed"] is True
    imported = _stored_membership(store_path, world)
    assert imported.imported_digest is not None

    with contextlib.closing(Store.open(store_path, create=False)) as store:
        plan = groups.plan_group_present(store, world.owner.name, "farm", **change)
        assert plan.changed is True
        plan.apply()
    assert _stored_membership(store_path, world).imported_digest is None

    # Re-importing the original document restores what it says, as overwrite=always promises.
    result = kit.import_document(store_path, "config", world.owner_doc, world.cache, overwrite="always")
    restored = _stored_membership(store_path, world)
    config_changed = set(change) & {"cloud", "scope", "cloud_flags", "force_renew"}
    assert result["changed"] is bool(config_changed), result
    assert (restored.cloud, restored.scope, restored.cloud_flags) == (imported.cloud, imported.scope, imported.cloud_flags)
    assert restored.chain == imported.chain
    assert restored.imported_digest == imported.imported_digest


# --- finding 12: a corrupt store is a PeerError, never a traceback, never a key in a message ------------


@pytest.mark.parametrize("verify", [True, False])
def test_store_info_reports_a_chain_read_back_as_text(world, tmp_path, verify):
    """The reported case: one flipped bit in a record header turns the chain BLOB into TEXT."""
    store_path = world.fresh_target(tmp_path / "target")
    kit.import_document(store_path, "config", world.owner_doc, world.cache)
    with contextlib.closing(sqlite3.connect(os.path.join(store_path, "store.db"), isolation_level=None)) as raw:
        raw.execute("UPDATE membership SET chain = CAST(chain AS TEXT)")
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    result = run_module("store_info", tmp_path, store_path=store_path, verify=verify)
    assert result.get("failed") and result["hresult"]["name"] == "PEER_E_CERT_STORE_CORRUPTED", result
    assert "column chain" in result["msg"] and world.group in result["msg"], result


FUZZ_EXAMPLES = 2000 if kit.stress_mode() else 150
COLUMNS = {
    "identity": ["peer_name", "classifier", "friendly_name", "key_size", "private_key", "certificate"],
    "membership": [
        "identity_peer_name", "group_peer_name", "cloud", "scope", "cloud_flags", "chain", "group_key",
        "group_classifier", "group_friendly_name", "imported_digest",
    ],
}
# What a flipped bit or a foreign writer can leave in a column: SQL expressions over the old value or one parameter.
REPLACEMENTS = [
    ("CAST(%s AS TEXT)", None), ("CAST(%s AS BLOB)", None), ("NULL", None), ("?", 7), ("?", -1), ("?", 2.5),
    ("?", ""), ("?", "galactic"), ("?", "0.x"), ("?", b""), ("?", b"\x00\x00\x00\x05abc"),
    ("CAST(? AS TEXT)", b"\xff\xfe not UTF-8"), ("substr(%s, 1, 7)", None), ("%s || %s", None),
]


@pytest.fixture(scope="module")
def fuzz_source(world, tmp_path_factory):
    """A store holding the owner's identity and its owned membership (keys and all), checkpointed into store.db."""
    path = world.fresh_target(tmp_path_factory.mktemp("fuzz") / "store")
    kit.import_document(path, "config", world.owner_doc, world.cache)
    with open(os.path.join(path, "store.db"), "rb") as handle:
        return handle.read()


def key_windows(world):
    """Every 12-byte run of each private key's DER: none may reach a message."""
    windows = set()
    for key in (world.owner.record.private_key, world.owner_config.group_key):
        windows.update(key[i:i + 12] for i in range(len(key) - 11))
    return windows


def leaks(text, windows):
    data = text.encode("utf-8", "surrogateescape")
    return any(data[i:i + 12] in windows for i in range(len(data) - 11))


def read_everything(store_path, world):
    """Every read the modules make of a store; the texts they would show (messages, problems, inventories)."""
    texts = []
    try:
        store = Store.open(store_path, read_only=True)
    except PeerError as exc:
        return [str(exc)], False
    with contextlib.closing(store):
        problems = store.check_integrity()
        texts.extend(problems)
        reads = [
            (store.recorded_inventory, True),
            (lambda: inventory.store_inventory(store), True),
            (store.list_identities, False),
            (store.list_memberships, False),
            (lambda: store.get_identity(world.owner.name), False),
            (lambda: store.get_membership(world.owner.name, world.group), False),
        ]
        for read, shown in reads:
            try:
                value = read()
            except PeerError as exc:
                texts.append(str(exc))
                # What a reader refuses as corrupted, the integrity check reports.
                assert problems or exc.name != "PEER_E_CERT_STORE_CORRUPTED", exc
            else:
                if shown:
                    texts.append(json.dumps(value))
    return texts, True


def test_fuzz_corrupted_columns_and_bits(world, fuzz_source, tmp_path_factory):
    windows = key_windows(world)
    workdir = tmp_path_factory.mktemp("fuzzed")
    seen = {"examples": 0, "opened": 0, "changes": 0}
    page = 4096

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=not kit.stress_mode(),
              suppress_health_check=[HealthCheck.too_slow])
    @given(
        changes=st.lists(
            st.tuples(st.sampled_from(sorted(COLUMNS)), st.integers(0, 9), st.sampled_from(REPLACEMENTS)), max_size=3
        ),
        # Bits of the record pages, where a flipped bit changes a record header or a value, not the file header.
        flips=st.lists(st.tuples(st.integers(page, len(fuzz_source) - 1), st.integers(0, 7)), max_size=2),
    )
    def run(changes, flips):
        seen["examples"] += 1
        store_path = str(workdir / ("s%d" % seen["examples"]))
        os.mkdir(store_path, 0o700)
        db_path = os.path.join(store_path, "store.db")
        with open(os.open(db_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
            handle.write(fuzz_source)
        with contextlib.closing(sqlite3.connect(db_path, isolation_level=None)) as raw:
            for table, index, (expression, value) in changes:
                column = COLUMNS[table][index % len(COLUMNS[table])]
                sql = "UPDATE %s SET %s = %s" % (table, column, expression.replace("%s", column))
                try:
                    raw.execute(sql, () if value is None else (value,))
                    seen["changes"] += 1
                except sqlite3.IntegrityError:
                    pass  # NOT NULL or a duplicate peer name: SQLite keeps the row as it was
        with open(db_path, "r+b") as handle:
            damaged = bytearray(handle.read())
            for offset, bit in flips:
                damaged[offset % len(damaged)] ^= 1 << bit
            handle.seek(0)
            handle.write(bytes(damaged))
        texts, opened = read_everything(store_path, world)
        seen["opened"] += opened
        for text in texts:
            assert not leaks(text, windows), text
        shutil.rmtree(store_path)

    run()
    kit.figure("security_store.fuzz_examples", seen["examples"])
    kit.figure("security_store.fuzz_column_changes", seen["changes"])
    assert seen["opened"] > seen["examples"] // 2 and seen["changes"] > seen["examples"] // 2, seen
