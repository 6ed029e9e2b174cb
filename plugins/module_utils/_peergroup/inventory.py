# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a store holds, with each membership's certificate facts and chain status.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import clock
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.plans import iso


def membership_summary(record, now=None):
    """Non-secret metadata of one membership (store_info, diffs, results)."""
    chain = [certs.certificate_from_der(der) for der in record.chain]
    leaf = chain[-1]
    now = now or clock.utcnow()
    not_after = certs.not_after_of(leaf)
    return dict(
        record.public_fields(),
        roles=certs.roles_of(leaf),
        chain_fingerprints=[certs.fingerprint(cert) for cert in chain],
        not_before=iso(certs.not_before_of(leaf)),
        not_after=iso(not_after),
        days_left=(not_after - now).days,
    )


def chain_status(record, now=None):
    """``(verified, problem)`` for a stored chain; the problem is a short text."""
    try:
        certs.verify_chain(
            [certs.certificate_from_der(der) for der in record.chain],
            record.group_peer_name,
            record.identity_peer_name,
            now=now,
        )
    except PeerError as exc:
        return False, "%s: %s" % (exc.name, exc.message)
    return True, None


def store_inventory(store, now=None):
    """The store's inventory with each membership's certificate facts and chain status, and what it issued."""

    def verified_fields(record):
        fields = membership_summary(record, now)
        fields["chain_verified"], fields["chain_problem"] = chain_status(record, now)
        return fields

    return store.recorded_inventory(verified_fields, now=now)
