# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The host store's security findings of issue 18, through the real modules and operations.

Read-only paths write nothing (finding 13), an imported digest never outlives a change made
by anything but that document's import (finding 8), a corrupt store is a PeerError and never a
traceback (finding 12), and the path checks hold against other users (finding 4).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pytest

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import operations
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
        plan = operations.plan_group_present(store, world.owner.name, "farm", **change)
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
