# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Enrolment: an issuer's invitations (PEERINVITATION) and an invitee's join and leave.

The issuer's store records every credential it issued (``store.IssuedRecord``), so issuing is
idempotent on content: the same invitee with the same roles gets the recorded invitation back
until it is inside the renewal window. Each ``plan_*`` returns a ``plans.Plan``: check
mode and real runs share the decision. ``now`` (an aware datetime) is injectable everywhere.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple, Optional

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import clock
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError, shown
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.configs import received_membership
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.plans import Plan
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.digests import holds_document
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import IssuedRecord, MembershipRecord, iso_time

STATES = ("present", "absent")
MAX_LIFETIME_DAYS = 36500
ISSUING_ROLES = frozenset(role for role, grants in certs.ISSUABLE.items() if grants)


class Invitee(NamedTuple):
    """One element of a batch: an invitee named by its PEERIDENTITYINFO (or, to revoke, its peer name)."""

    identity_info_xml: Optional[bytes] = None
    peer_name: Optional[str] = None
    roles: tuple = (certs.ROLE_MEMBER,)
    lifetime_days: int = 365
    state: str = "present"
    reinstate: bool = False


def _iso(moment) -> str:
    return iso_time(int(moment.timestamp()))


def _seconds(moment) -> int:
    return int(moment.timestamp())


# --- finding the membership a request means -----------------------------------------


def _names(text, what):
    """``(peer_name, classifier)`` of a peer name or a bare classifier given by the user."""
    if not isinstance(text, str) or not text:
        raise PeerError("E_INVALIDARG", "%s must be a peer name or a classifier" % what)
    try:
        return str(peername.parse(text)), None
    except PeerError:
        return None, peername.validate_classifier(text)


def _matches(name, wanted):
    peer_name, classifier = wanted
    return name == peer_name if peer_name is not None else peername.parse(name).classifier == classifier


def _memberships(store, group, identity=None):
    """The store's memberships of ``group`` (peer name or classifier), of ``identity`` when given."""
    wanted_group = _names(group, "group")
    wanted_identity = _names(identity, "identity") if identity is not None else None
    found = [
        record for record in store.list_memberships()
        if _matches(record.group_peer_name, wanted_group)
        and (wanted_identity is None or _matches(record.identity_peer_name, wanted_identity))
    ]
    if len(set(record.group_peer_name for record in found)) > 1:
        raise PeerError(
            "E_INVALIDARG",
            "classifier %s names several groups (%s); give the group peer name"
            % (shown(group), ", ".join(sorted(set(record.group_peer_name for record in found)))),
        )
    return found


def _leaf_roles(record):
    return certs.roles_of(certs.certificate_from_der(record.chain[-1]))


def _issuer(store, group, identity):
    """The membership that issues: the one in ``group`` whose leaf holds a role that may invite."""
    found = _memberships(store, group, identity)
    if not found:
        where = " of identity %s" % shown(identity) if identity is not None else ""
        raise PeerError("PEER_E_NOT_FOUND", "no membership%s in group %s in this store" % (where, shown(group)))
    issuing = [record for record in found if ISSUING_ROLES & set(_leaf_roles(record))]
    if not issuing:
        raise PeerError(
            "PEER_E_NOT_AUTHORIZED",
            "%s holds group %s as a member only; an administrator or inviting-member issues invitations"
            % (found[0].identity_peer_name, found[0].group_peer_name),
        )
    if len(issuing) > 1:
        raise PeerError(
            "E_INVALIDARG",
            "%d identities may issue for group %s (%s); name one with identity"
            % (len(issuing), issuing[0].group_peer_name, ", ".join(record.identity_peer_name for record in issuing)),
        )
    return issuing[0]


def _identity_key(store, peer_name):
    """The private key of ``peer_name`` held in the store; PEER_E_NO_KEY_ACCESS when unusable."""
    identity = store.get_identity(peer_name)
    if identity is None:
        raise PeerError("PEER_E_NOT_FOUND", "identity %s is not in the store" % peer_name)
    try:
        key = certs.private_key_from_der(identity.private_key, validate=False)
    except PeerError:
        raise PeerError("PEER_E_NO_KEY_ACCESS", "the store holds no usable private key for identity %s" % peer_name) from None
    if not certs.public_key_matches(key, certs.certificate_from_der(identity.certificate)):
        raise PeerError("PEER_E_NO_KEY_ACCESS", "the private key stored for identity %s is not the key of its certificate" % peer_name)
    return key


# --- issuing ---------------------------------------------------------------------------


class _Issuer(NamedTuple):
    membership: MembershipRecord
    chain: certs.ChainInfo
    key: object
    grants: frozenset


def _load_issuer(store, group, identity, now):
    membership = _issuer(store, group, identity)
    key = _identity_key(store, membership.identity_peer_name)
    chain = certs.verify_chain(
        [certs.certificate_from_der(der) for der in membership.chain], membership.group_peer_name,
        membership.identity_peer_name, now=now,
    )
    if not certs.public_key_matches(key, chain.leaf):
        raise PeerError("PEER_E_NO_KEY_ACCESS", "the GMC of %s certifies another key than the store holds" % membership.identity_peer_name)
    if len(chain.certs) + 1 > certs.MAX_CHAIN_CERTIFICATES:
        raise PeerError("PEER_E_CHAIN_TOO_LONG", "the issuer's chain already holds 24 GMCs; it cannot issue below it")
    grants = frozenset().union(*[certs.ISSUABLE[role] for role in chain.roles])
    return _Issuer(membership, chain, key, grants)


def _check_roles(roles, issuer):
    roles = tuple(sorted(set(roles)))
    if not roles:
        raise PeerError("E_INVALIDARG", "an invitation needs at least one role")
    for role in roles:
        if role not in certs.ROLES:
            raise PeerError("E_INVALIDARG", "unknown role %s (one of %s)" % (shown(role), ", ".join(sorted(certs.ROLES))))
    refused = [role for role in roles if role not in issuer.grants]
    if refused:
        # MS-PPSEC 2.2.5.3: a peer cannot invite someone into a role superior to its own.
        raise PeerError(
            "PEER_E_NOT_AUTHORIZED",
            "%s (%s) may not grant %s" % (issuer.membership.identity_peer_name, ", ".join(issuer.chain.roles), ", ".join(refused)),
        )
    return roles


def _invitee_name(invitee, now):
    """``(peer_name, identity certificate or None)`` of one batch element."""
    if invitee.identity_info_xml is not None:
        certificate = documents.parse_identity_info(invitee.identity_info_xml, now=now)
        return certs.peer_name_of(certificate), certificate
    if invitee.state != "absent":
        raise PeerError("E_INVALIDARG", "an invitee to issue for needs its identity_info_xml; peer_name alone only revokes")
    if invitee.peer_name is None:
        raise PeerError("E_INVALIDARG", "an invitee needs identity_info_xml or peer_name")
    return str(peername.parse(invitee.peer_name)), None


def _entry(group, name, roles, not_before, not_after, invitation, action, changed):
    return {
        "identity_peer_name": name,
        "group_peer_name": group,
        "roles": list(roles),
        "not_before": not_before,
        "not_after": not_after,
        "invitation_xml": invitation,
        "action": action,
        "changed": changed,
    }


def _diff_side(record):
    if record is None:
        return None
    return {
        "identity_peer_name": record.identity_peer_name,
        "group_peer_name": record.group_peer_name,
        "roles": list(record.roles),
        "not_after": iso_time(record.not_after),
        "revoked": record.revoked,
    }


def plan_invitations(store, group, invitees, identity=None, renew_days=30, now=None):
    """Issue, renew or revoke the credentials of a batch of ``Invitee``; one transaction for all.

    The result is ``{"invitations": [...]}`` in input order. A present invitee whose recorded
    credential has the same issuer and roles and more than ``renew_days`` left gets the recorded
    invitation back; a revoked one is refused (PEER_E_NOT_AUTHORIZED) unless ``reinstate``.
    """
    now = (now or clock.utcnow()).replace(microsecond=0)
    if not isinstance(renew_days, int) or renew_days < 0:
        raise PeerError("E_INVALIDARG", "renew_days must be 0 or more")
    issuer = _load_issuer(store, group, identity, now)
    group_name = issuer.membership.group_peer_name
    issuer_name = issuer.membership.identity_peer_name
    decisions = []
    seen = set()
    for index, invitee in enumerate(invitees):
        try:
            decisions.append(_decide(store, issuer, invitee, renew_days, now, seen))
        except PeerError as exc:
            raise PeerError(exc.name, "invitees[%d]: %s" % (index, exc.message)) from None

    entries = [decision[0] for decision in decisions]
    before = [_diff_side(decision[1]) for decision in decisions]
    after = [decision[2] for decision in decisions]
    changed = any(entry["changed"] for entry in entries)

    def apply():
        final = []
        with store.transaction():
            for entry, _existing, _after, write in decisions:
                final.append(write() if write is not None else entry)
        return {"invitations": final}

    result = {"invitations": entries, "group_peer_name": group_name, "issuer_peer_name": issuer_name}
    return Plan(changed, {"invitations": before}, {"invitations": after}, result, apply if changed else None)


def _decide(store, issuer, invitee, renew_days, now, seen):
    """``(entry, recorded, diff after, write)`` for one invitee; ``write()`` returns the final entry."""
    if invitee.state not in STATES:
        raise PeerError("E_INVALIDARG", "state must be one of %s" % ", ".join(STATES))
    name, certificate = _invitee_name(invitee, now)
    if name in seen:
        raise PeerError("E_INVALIDARG", "invitee %s is listed more than once" % name)
    seen.add(name)
    group = issuer.membership.group_peer_name
    recorded = store.get_issued(group, name)
    if invitee.state == "absent":
        return _decide_revoke(store, recorded, group, name, now)

    roles = _check_roles(invitee.roles, issuer)
    if not isinstance(invitee.lifetime_days, int) or not 1 <= invitee.lifetime_days <= MAX_LIFETIME_DAYS:
        raise PeerError("PEER_E_INVALID_TIME_PERIOD", "lifetime_days must be 1 to %d" % MAX_LIFETIME_DAYS)
    if recorded is not None and recorded.revoked and not invitee.reinstate:
        raise PeerError(
            "PEER_E_NOT_AUTHORIZED",
            "the credential of %s in group %s was revoked at %s; set reinstate to issue it again"
            % (name, group, iso_time(recorded.revoked_at)),
        )
    if recorded is not None and not recorded.revoked and credential_current(
            recorded.issuer_peer_name, recorded.roles, recorded.not_before, recorded.not_after,
            issuer.membership.identity_peer_name, roles, renew_days, now):
        entry = _entry(group, name, roles, iso_time(recorded.not_before), iso_time(recorded.not_after),
                       recorded.invitation.decode("utf-8"), "unchanged", False)
        return entry, recorded, _diff_side(recorded), None

    action = "renewed" if recorded is not None and not recorded.revoked else "issued"
    lifetime = datetime.timedelta(days=invitee.lifetime_days)
    not_after = min(now + lifetime, issuer.chain.not_after)
    if not_after <= now:
        raise PeerError("PEER_E_INVALID_TIME_PERIOD", "the issuer's GMC ends before a new credential would start")
    entry = _entry(group, name, roles, _iso(now), _iso(not_after), None, action, True)
    after = {"identity_peer_name": name, "group_peer_name": group, "roles": list(roles), "not_after": _iso(not_after), "revoked": False}

    def write():
        gmc = certs.issue_gmc(issuer.chain.leaf, issuer.key, certificate.public_key(), name, group, list(roles), lifetime, now=now)
        membership = issuer.membership
        invitation = documents.render_invitation(
            membership.cloud, membership.scope, membership.cloud_flags, list(issuer.chain.certs) + [gmc],
            membership.group_friendly_name, issuer.key,
        )
        store.put_issued(IssuedRecord(
            group_peer_name=group,
            identity_peer_name=name,
            issuer_peer_name=membership.identity_peer_name,
            identity_certificate=certs.certificate_to_der(certificate),
            roles=roles,
            not_before=_seconds(certs.not_before_of(gmc)),
            not_after=_seconds(certs.not_after_of(gmc)),
            invitation=invitation,
            revoked_at=None,
        ))
        return dict(entry, invitation_xml=invitation.decode("utf-8"))

    return entry, recorded, after, write


def credential_current(recorded_issuer, recorded_roles, not_before, not_after, issuer, roles, renew_days, now):
    """Whether a recorded credential (``not_before``, ``not_after`` in epoch seconds) is what ``issuer``
    is asked to grant with ``roles`` and not due for renewal at ``now``: then it is not issued again.
    The owner decides with it, and the enrolment plan on the controller, to leave out the owner's call."""
    return (
        recorded_issuer == issuer
        and tuple(recorded_roles) == tuple(sorted(set(roles)))
        and not_before <= _seconds(now)
        and not_after - _seconds(now) > renew_days * 86400
    )


def _decide_revoke(store, recorded, group, name, now):
    if recorded is None or recorded.revoked:
        action = "absent" if recorded is None else "unchanged"
        roles = recorded.roles if recorded is not None else ()
        times = (iso_time(recorded.not_before), iso_time(recorded.not_after)) if recorded is not None else (None, None)
        entry = _entry(group, name, roles, times[0], times[1], None, action, False)
        return entry, recorded, _diff_side(recorded), None
    revoked = recorded._replace(revoked_at=_seconds(now))
    entry = _entry(group, name, recorded.roles, iso_time(recorded.not_before), iso_time(recorded.not_after), None, "revoked", True)

    def write():
        store.put_issued(revoked)
        return entry

    return entry, recorded, _diff_side(revoked), write


# --- joining and leaving -----------------------------------------------------------


def _membership_summary(record, chain):
    return {
        "identity_peer_name": record.identity_peer_name,
        "group_peer_name": record.group_peer_name,
        "roles": sorted(chain.roles),
        "not_before": _iso(chain.not_before),
        "not_after": _iso(chain.not_after),
        "owner": record.group_key is not None,
        "chain_fingerprints": list(chain.fingerprints),
    }


def _stored_chain(record):
    return [certs.certificate_from_der(der) for der in record.chain]


def plan_join(store, data, now=None):
    """Decide joining the group of one PEERINVITATION (bytes) with the identity its leaf names."""
    now = now or clock.utcnow()
    invitation = documents.parse_invitation(data)
    chain = documents.verify_invitation(invitation, now=now)
    name = certs.peer_name_of(chain.leaf)
    group = certs.group_name_of(chain.leaf)
    key = _identity_key(store, name)
    # The leaf's name commits to its key, and _identity_key matched the key to the identity's certificate.
    if not certs.public_key_matches(key, chain.leaf):
        raise PeerError("PEER_E_INVITATION_NOT_TRUSTED", "the invitation's GMC certifies another key than identity %s holds" % name)
    existing = store.get_membership(name, group)
    record = received_membership(
        name, group, invitation.cloud, invitation.scope, invitation.cloud_flags, chain, None, invitation.group_friendly_name or None, existing,
    )
    after = _membership_summary(record, chain)

    def keep():
        store.put_membership(record, imported_digest=invitation.digest)

    result = {"identity_peer_name": name, "group_peer_name": group, "roles": after["roles"], "not_after": after["not_after"]}
    if existing is None:
        return Plan(True, {}, after, dict(result, action="joined"), keep)
    before = _existing_summary(existing)
    if existing.group_key is not None:
        raise PeerError(
            "PEER_E_ALREADY_EXISTS",
            "identity %s owns group %s (its store holds the group key); an invitation never replaces that membership" % (name, group),
        )
    if existing.chain == record.chain:
        if existing._replace(imported_digest=None) == record:
            if holds_document(existing.imported_digest, invitation.digest):
                return Plan(False, before, before, dict(result, action="unchanged"))
            # Bookkeeping only: the enrolment plan sees by the digest that the member holds this invitation.
            return Plan(False, before, before, dict(result, action="unchanged"), keep)
        # Same credential, new cloud settings or name from the issuer: taken as they come.
        return Plan(True, before, after, dict(result, action="updated"), keep)
    refusals = _renewal_refusals(existing, chain)
    if refusals:
        raise PeerError(
            "PEER_E_ALREADY_EXISTS",
            "identity %s already holds a membership of group %s that this invitation does not renew: %s" % (name, group, "; ".join(refusals)),
        )
    return Plan(True, before, after, dict(result, action="renewed"), keep)


def _existing_summary(record):
    chain = _stored_chain(record)
    leaf = chain[-1]
    return {
        "identity_peer_name": record.identity_peer_name,
        "group_peer_name": record.group_peer_name,
        "roles": sorted(certs.roles_of(leaf)),
        "not_before": _iso(certs.not_before_of(leaf)),
        "not_after": _iso(certs.not_after_of(leaf)),
        "owner": record.group_key is not None,
        "chain_fingerprints": [certs.fingerprint(cert) for cert in chain],
    }


def _renewal_refusals(existing, chain):
    """Why ``chain`` does not renew the stored membership: a renewal starts later and drops no role."""
    stored_leaf = _stored_chain(existing)[-1]
    reasons = []
    if not chain.not_before > certs.not_before_of(stored_leaf):
        reasons.append("not newer: its GMC starts %s, the stored one %s" % (_iso(chain.not_before), _iso(certs.not_before_of(stored_leaf))))
    missing = sorted(set(certs.roles_of(stored_leaf)) - set(chain.roles))
    if missing:
        reasons.append("fewer roles: it lacks %s" % ", ".join(missing))
    return reasons


def plan_leave(store, group, identity=None):
    """Decide leaving ``group`` (peer name or classifier); never an owner's membership with the group key."""
    found = _memberships(store, group, identity)
    if not found:
        return Plan(False, {}, {}, {"identity_peer_name": None, "group_peer_name": None, "roles": [], "not_after": None, "action": "absent"})
    if len(found) > 1:
        raise PeerError(
            "E_INVALIDARG",
            "%d identities hold group %s (%s); name one with identity"
            % (len(found), found[0].group_peer_name, ", ".join(record.identity_peer_name for record in found)),
        )
    record = found[0]
    if record.group_key is not None:
        raise PeerError(
            "PEER_E_NOT_AUTHORIZED",
            "identity %s owns group %s (its store holds the group key); remove it with the group module, not by leaving"
            % (record.identity_peer_name, record.group_peer_name),
        )
    before = _existing_summary(record)
    result = {
        "identity_peer_name": record.identity_peer_name,
        "group_peer_name": record.group_peer_name,
        "roles": before["roles"],
        "not_after": before["not_after"],
        "action": "left",
    }

    def apply():
        store.remove_membership(record.identity_peer_name, record.group_peer_name)

    return Plan(True, before, {}, result, apply)
