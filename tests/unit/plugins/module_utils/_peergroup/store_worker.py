# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A separate process that writes to a store, for test_store.py.

``python store_worker.py MODE STORE_PATH ARG...`` waits for one line on stdin,
so that several workers start writing at the same moment, then runs MODE:

- ``distinct PREFIX COUNT``: adds COUNT identities ``PREFIX-<i>``, one transaction each.
- ``counter NAME COUNT``: COUNT read-modify-write increments of identity NAME's key_size.
- ``churn ROWS``: forever replaces generation g (key_size) by g + 1: ROWS identities,
  each with a membership, in one transaction; prints ``committed`` after the first.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import sys

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import (
    IdentityRecord,
    MembershipRecord,
    Store,
)

# Big enough that one churn transaction outgrows SQLite's page cache, so
# uncommitted pages reach the WAL before COMMIT and a kill can leave them there.
BLOB_SIZE = 16 * 1024


def identity(peer_name, key_size=0):
    return IdentityRecord(peer_name, "worker", "Worker", key_size, b"k" * BLOB_SIZE, b"c" * 64)


def membership(peer_name, generation):
    return MembershipRecord(
        peer_name, "0.group", "Global_", "global", 0, (b"r" * 64, b"l" * 64), None, "group", "Group", "%d" % generation
    )


def distinct(store, prefix, count):
    for index in range(int(count)):
        store.add_identity(identity("%s-%d" % (prefix, index)))


def counter(store, name, count):
    for _round in range(int(count)):
        with store.transaction():
            record = store.get_identity(name)
            store.put_identity(record._replace(key_size=record.key_size + 1))


def churn(store, rows):
    first = True
    while True:
        with store.transaction():
            current = store.list_identities()
            generation = current[0].key_size + 1 if current else 1
            for record in current:
                store.remove_identity(record.peer_name)
            for index in range(int(rows)):
                name = "0.gen%d-%d" % (generation, index)
                store.add_identity(identity(name, generation))
                store.put_membership(membership(name, generation), imported_digest="%d" % generation)
        if first:
            print("committed", flush=True)
            first = False


def main(argv):
    mode, path, args = argv[1], argv[2], argv[3:]
    sys.stdin.readline()
    with Store.open(path) as store:
        {"distinct": distinct, "counter": counter, "churn": churn}[mode](store, *args)


if __name__ == "__main__":
    main(sys.argv)
