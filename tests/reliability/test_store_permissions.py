# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A store others could read or tamper with is refused (issue item 6).

Each case spoils a copy of a real store, then opens it through the import path
(``configs.plan_group_config_import`` behind ``Store.open``) and through the
real module.  Both must fail with PEER_E_NO_KEY_ACCESS, and the refusal must
leave the files exactly as they were: no repair, no new file, no read of a key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

FOREIGN_UID = 65534  # nobody


def _chown(path, uid):
    if os.geteuid() != 0:
        pytest.skip("making a file foreign-owned needs root")
    os.chown(path, uid, -1, follow_symlinks=False)


def world_writable_dir(store, parent):
    os.chmod(store, 0o777)


def group_writable_dir(store, parent):
    os.chmod(store, 0o770)


def world_writable_database(store, parent):
    os.chmod(os.path.join(store, "store.db"), 0o666)


def group_readable_database(store, parent):
    os.chmod(os.path.join(store, "store.db"), 0o640)


def world_readable_wal(store, parent):
    wal = os.path.join(store, "store.db-wal")
    with open(wal, "wb"):
        pass
    os.chmod(wal, 0o644)


def foreign_owned_dir(store, parent):
    _chown(store, FOREIGN_UID)


def foreign_owned_database(store, parent):
    _chown(os.path.join(store, "store.db"), FOREIGN_UID)


def world_writable_parent(store, parent):
    # Without the sticky bit anyone could rename the store away and put theirs in its place.
    os.chmod(parent, 0o777)


def database_symlink(store, parent):
    real = os.path.join(parent, "elsewhere.db")
    os.rename(os.path.join(store, "store.db"), real)
    os.symlink(real, os.path.join(store, "store.db"))


def store_symlink_to_foreign_dir(store, parent):
    real = os.path.join(parent, "real-store")
    os.rename(store, real)
    os.symlink(real, store)
    _chown(real, FOREIGN_UID)


def group_writable_parent(store, parent):
    os.chmod(parent, 0o770)


def foreign_owned_parent(store, parent):
    _chown(parent, FOREIGN_UID)


def foreign_owned_store_symlink(store, parent):
    # The directory it points to is sound: the link's owner could repoint it at any time.
    real = os.path.join(parent, "real-store")
    os.rename(store, real)
    os.symlink(real, store)
    _chown(store, FOREIGN_UID)


SPOILERS = [
    world_writable_dir,
    group_writable_dir,
    world_writable_database,
    group_readable_database,
    world_readable_wal,
    foreign_owned_dir,
    foreign_owned_database,
    world_writable_parent,
    database_symlink,
    store_symlink_to_foreign_dir,
    group_writable_parent,
    foreign_owned_parent,
    foreign_owned_store_symlink,
]


# The module run (a Python start-up each) for the three kinds of refusal; the core for all.
THROUGH_THE_MODULE = {"world_writable_dir", "foreign_owned_database", "database_symlink", "foreign_owned_store_symlink"}


def spoiled_name(store):
    return os.path.basename(os.path.dirname(os.path.dirname(store)))


@pytest.fixture
def spoiled(world, tmp_path, request):
    parent = tmp_path / request.param.__name__ / "parent"
    parent.mkdir(mode=0o700, parents=True)
    store = str(parent / "store")
    world.fresh_target(store)
    request.param(store, str(parent))
    return store, str(parent)


def module_result(store, world):
    """Run the real group_config_import module on ``store``; return its JSON result."""
    args = {"ANSIBLE_MODULE_ARGS": {"store_path": store, "config_xml": world.owner_doc.decode("utf-8"),
                                    "password": world.password}}
    args_path = os.path.join(os.path.dirname(store), "args.json")
    with open(args_path, "w", encoding="utf-8") as handle:
        json.dump(args, handle)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "ansible_collections.peernet.peergroup.plugins.modules.group_config_import", args_path],
            capture_output=True, text=True, timeout=120, check=False,
        )
    finally:
        os.unlink(args_path)
    assert "Traceback" not in completed.stdout + completed.stderr, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("spoiled", SPOILERS, ids=[spoiler.__name__ for spoiler in SPOILERS], indirect=True)
def test_unsafe_store_is_refused(spoiled, world):
    store, parent = spoiled
    before = kit.snapshot(parent)
    with pytest.raises(PeerError) as caught:
        kit.import_document(store, "config", world.owner_doc, world.cache)
    assert caught.value.name == "PEER_E_NO_KEY_ACCESS", caught.value.message
    if spoiled_name(store) in THROUGH_THE_MODULE:
        result = module_result(store, world)
        assert result.get("failed") and result["hresult"]["name"] == "PEER_E_NO_KEY_ACCESS", result
        assert result["hresult"]["code"] == "0x80630203"
    assert kit.snapshot(parent) == before, "the refusal changed the files"
    kit.add_figure("permissions.refused_cases")


def test_healthy_store_is_accepted(world, tmp_path):
    """The control case: the same layout unspoiled imports fine, so the refusals above are not blanket."""
    parent = tmp_path / "parent"
    parent.mkdir(mode=0o700)
    store = world.fresh_target(parent / "store")
    assert kit.import_document(store, "config", world.member_doc, world.cache)["changed"] is True
    result = module_result(store, world)
    assert not result.get("failed") and result["changed"] is True, result
