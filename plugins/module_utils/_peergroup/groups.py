# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Group decisions: a creator's group present or absent, and its GMC renewals.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import datetime

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.inventory import membership_summary
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.plans import Plan, require_identity
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import MembershipRecord

SCOPES = ("global", "site-local", "link-local")
DEFAULT_CLOUD = "Global_"


def _owned_memberships(store, creator, classifier):
    return [
        record
        for record in store.list_memberships(creator)
        if record.group_key is not None and peername.parse(record.group_peer_name).classifier == classifier
    ]


def _renew_membership(record, identity, lifetime, now=None):
    """A new leaf GMC for ``identity`` issued with the group key (owner only), valid from ``now``."""
    # From the store, which checked the key when it entered: OpenSSL's RSA check again costs 40 ms or more.
    group_key = certs.private_key_from_der(record.group_key, validate=False)
    root = certs.certificate_from_der(record.chain[0])
    identity_cert = certs.certificate_from_der(identity.certificate)
    gmc = certs.issue_gmc(
        root,
        group_key,
        identity_cert.public_key(),
        identity.peer_name,
        record.group_peer_name,
        [certs.ROLE_ADMIN],
        lifetime,
        now=now,
    )
    return record._replace(chain=(record.chain[0], certs.certificate_to_der(gmc)), imported_digest=None)


def plan_group_present(
    store,
    creator,
    classifier,
    friendly_name=None,
    cloud=DEFAULT_CLOUD,
    scope="global",
    cloud_flags=0,
    gmc_lifetime_days=365,
    renew_days=30,
    force_renew=False,
    key_size=2048,
    creator_pending=False,
    now=None,
):
    """The creator's group named by ``classifier``, created, updated or renewed.

    ``creator_pending`` (check mode only) stands for a creator an earlier task of the same run
    would create: the group would then be created with it. It is never applied. ``now`` (aware,
    default the current time) decides ``renew_days`` and starts a new GMC.
    """
    identity = None if creator_pending else require_identity(store, creator)
    classifier = peername.validate_classifier(classifier)
    # Omitted keeps a group's name; "" resets it to the classifier, as PeerIdentitySetFriendlyName does.
    friendly_name = None if friendly_name is None else documents.validate_friendly_name(friendly_name or classifier)
    cloud = documents.validate_cloud_name(cloud)
    if scope not in SCOPES:
        raise PeerError("E_INVALIDARG", "scope must be one of %s" % ", ".join(SCOPES))
    if cloud_flags not in (0, 1):
        raise PeerError("E_INVALIDARG", "cloud_flags must be 0 or 1")
    if not 1 <= gmc_lifetime_days <= 36500:
        raise PeerError("PEER_E_INVALID_TIME_PERIOD", "gmc_lifetime_days must be 1 to 36500")
    lifetime = datetime.timedelta(days=gmc_lifetime_days)
    wanted = {"cloud": cloud, "scope": scope, "cloud_flags": cloud_flags}
    if friendly_name is not None:
        wanted["group_friendly_name"] = friendly_name
    new_name = friendly_name or documents.validate_friendly_name(classifier)
    if creator_pending:
        after = dict(wanted, group_friendly_name=new_name, group_peer_name=None, identity_peer_name=None, owner=True, roles=[certs.ROLE_ADMIN])
        result = {"group_peer_name": None, "identity_peer_name": None, "renewed": False, "creator_pending": True,
                  "msg": "check mode: the creator does not exist yet (a real run creates it first); the group would be created for it"}
        return Plan(True, {}, after, result)

    existing = _owned_memberships(store, creator, classifier)
    if existing:
        record = existing[0]
        before = membership_summary(record, now)
        updated = record._replace(**wanted)
        renew = force_renew or before["days_left"] < renew_days
        changed = renew or updated != record
        after = dict(before, **wanted)
        if renew:
            after.update(not_before="(renewed)", not_after="(renewed)", chain_fingerprints=["(renewed)"])
        result = {"group_peer_name": record.group_peer_name, "identity_peer_name": creator, "renewed": renew}

        def apply_update():
            final = _renew_membership(updated, identity, lifetime, now) if renew else updated
            with store.transaction():
                store.put_membership(final)
            return {"membership": membership_summary(final, now)}

        result["membership"] = before if not changed else after
        return Plan(changed, before, after, result, apply_update if changed else None)

    after = dict(wanted, group_friendly_name=new_name, group_peer_name=None, identity_peer_name=creator, owner=True, roles=[certs.ROLE_ADMIN])

    def apply_create():
        group_key = certs.generate_key(key_size)
        group_name = str(peername.secure_name(group_key.public_key(), classifier))
        root = certs.make_group_root(group_key, group_name, now=now)
        record = MembershipRecord(
            identity_peer_name=creator,
            group_peer_name=group_name,
            cloud=cloud,
            scope=scope,
            cloud_flags=cloud_flags,
            chain=(certs.certificate_to_der(root),),
            group_key=certs.private_key_to_der(group_key),
            group_classifier=classifier,
            group_friendly_name=new_name,
            imported_digest=None,
        )
        record = _renew_membership(record, identity, lifetime, now)
        with store.transaction():
            store.put_membership(record)
        return {"group_peer_name": group_name, "membership": membership_summary(record, now)}

    return Plan(True, {}, after, {"group_peer_name": None, "identity_peer_name": creator, "renewed": False}, apply_create)


def plan_group_absent(store, creator, peer_name=None, classifier=None):
    str(peername.parse(creator))
    if peer_name:
        str(peername.parse(peer_name))
        record = store.get_membership(creator, peer_name)
        records = [record] if record else []
    else:
        records = _owned_memberships(store, creator, peername.validate_classifier(classifier))
    if not records:
        return Plan(False, {}, {}, {"group_peer_name": peer_name, "identity_peer_name": creator})

    def apply():
        with store.transaction():
            for record in records:
                store.remove_membership(record.identity_peer_name, record.group_peer_name)

    result = {"group_peer_name": records[0].group_peer_name, "identity_peer_name": creator}
    return Plan(True, membership_summary(records[0]), {}, result, apply)
