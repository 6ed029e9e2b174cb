# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile PEERINVITATION and PEERIDENTITYINFO documents against enrolment (issue 19).

Joining: each invitation is built here from real keys and fed to ``invitations.plan_join`` on a
real store holding the invitee (with its private key); the plan is applied if one comes back.
Issuing: hostile invitees and issuers go to ``plan_invitations`` on a real issuer store. Each
case must end in a PeerError with the expected HRESULT, leave every file of the store
byte-for-byte as it was, and name no secret.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import re

import pytest

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import invitations
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.invitations import Invitee
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import MembershipRecord, Store
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup import builders

DAY = datetime.timedelta(days=1)
INVALID = "E_INVALIDARG"
NOT_TRUSTED = "PEER_E_INVITATION_NOT_TRUSTED"
TIME = "PEER_E_INVALID_TIME_PERIOD"
NOT_AUTHORIZED = "PEER_E_NOT_AUTHORIZED"


class Party(object):
    def __init__(self, classifier):
        self.key = certs.generate_key(2048)
        self.record = builders.identity_record(self.key, classifier)
        self.name = self.record.peer_name


class World(object):
    """A group with its owner (administrator), an inviting member, a member and an invitee."""

    def __init__(self):
        self.group_key = certs.generate_key(2048)
        self.spare_key = certs.generate_key(2048)
        self.group = str(peername.secure_name(self.group_key.public_key(), "farm"))
        self.root = certs.make_group_root(self.group_key, self.group)
        self.owner, self.inviter, self.member, self.invitee, self.stranger = (
            Party(name) for name in ("owner", "inviter", "member", "web1", "stranger"))
        self.owner_gmc = certs.issue_gmc(self.root, self.group_key, self.owner.key.public_key(), self.owner.name, self.group,
                                         ["administrator"], 365 * DAY)
        self.inviter_gmc = self.issue(self.inviter, ["inviting-member"])
        self.member_gmc = self.issue(self.member, ["member"])
        self.invitee_gmc = self.issue(self.invitee, ["member"])
        self.secrets = [certs.private_key_to_der(party.key).hex() for party in (self.owner, self.inviter, self.member, self.invitee)]

    def issue(self, subject, roles, issuer=None, issuer_cert=None, now=None, lifetime=300 * DAY, public_key=None):
        return certs.issue_gmc(issuer_cert or self.owner_gmc, (issuer or self.owner).key, public_key or subject.key.public_key(),
                               subject.name, self.group, roles, lifetime, now=now)

    def invitation(self, chain=None, signing_key=None, cloud="Global_", scope="global", flags=0, name="Farm"):
        chain = chain or [self.root, self.owner_gmc, self.invitee_gmc]
        return documents.render_invitation(cloud, scope, flags, chain, name, signing_key or self.owner.key)

    def membership(self, party, chain):
        return MembershipRecord(party.name, self.group, "Global_", "global", 0, tuple(certs.certificate_to_der(cert) for cert in chain),
                                None, "farm", "Farm", None)


@pytest.fixture(scope="module")
def world():
    return World()


def _store(path, *records):
    with contextlib.closing(Store.open(str(path))) as store:
        for record in records:
            if isinstance(record, MembershipRecord):
                store.put_membership(record)
            else:
                store.put_identity(record)
    return str(path)


def _refused(store_path, expected, decide, secrets):
    """Run ``decide(store)`` and apply its plan; it must fail with ``expected``, change nothing, show no secret."""
    before = kit.snapshot(store_path)
    with pytest.raises(PeerError) as caught:
        with contextlib.closing(Store.open(store_path)) as store:
            with store.transaction():
                decide(store).apply()
    assert caught.value.name == expected, str(caught.value)
    for secret in secrets:
        assert secret not in str(caught.value) and secret not in repr(caught.value)
    assert kit.snapshot(store_path) == before
    return caught.value


def _join(data):
    return lambda store: invitations.plan_join(store, data)


def _swap(data, old, new):
    assert old in data
    return data.replace(old, new, 1)


def _signature_by(world, key):
    return lambda: world.invitation(signing_key=key)


def _deep_chain(world, gmcs):
    """GRC, then ``gmcs`` GMCs: administrators on the spare key, the invitee's last."""
    chain, issuer, issuer_key = [world.root], world.root, world.group_key
    for level in range(gmcs - 1):
        hop = str(peername.secure_name(world.spare_key.public_key(), "hop-%d" % level))
        cert = certs.issue_gmc(issuer, issuer_key, world.spare_key.public_key(), hop, world.group, ["administrator"], 300 * DAY)
        chain.append(cert)
        issuer, issuer_key = cert, world.spare_key
    chain.append(certs.issue_gmc(issuer, issuer_key, world.invitee.key.public_key(), world.invitee.name, world.group, ["member"], 200 * DAY))
    return chain, issuer_key


def _join_cases(world):
    """``(case, invitation bytes, HRESULT)`` for the invitee's store."""
    good = world.invitation()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    escalated = world.issue(world.invitee, ["administrator"], issuer=world.inviter, issuer_cert=world.inviter_gmc)
    by_member = world.issue(world.invitee, ["member"], issuer=world.member, issuer_cert=world.member_gmc)
    other_gmc = world.issue(world.invitee, ["inviting-member"])
    foreign_key = world.issue(world.invitee, ["member"], public_key=world.spare_key.public_key())
    deep, deep_key = _deep_chain(world, 25)
    gmc_text = re.search(rb'dt:dt="bin.base64">([^<]*)</GMC>', good).group(1)
    other_text = base64.b64encode(certs.chain_to_pkcs7([world.root, world.owner_gmc, other_gmc]))
    return [
        ("expired", world.invitation([world.root, world.owner_gmc, world.issue(world.invitee, ["member"], now=now - 10 * DAY, lifetime=DAY)]), TIME),
        ("not-yet-valid", world.invitation([world.root, world.owner_gmc, world.issue(world.invitee, ["member"], now=now + 10 * DAY)]), TIME),
        ("escalation-by-inviting-member", world.invitation([world.root, world.owner_gmc, world.inviter_gmc, escalated], world.inviter.key), NOT_TRUSTED),
        ("member-issued", world.invitation([world.root, world.owner_gmc, world.member_gmc, by_member], world.member.key), NOT_TRUSTED),
        ("leaf-key-not-the-identity-key", world.invitation([world.root, world.owner_gmc, foreign_key]), NOT_TRUSTED),
        ("altered-cloud", _swap(good, b"<CLOUDNAME>Global_<", b"<CLOUDNAME>Evil_<"), NOT_TRUSTED),
        ("altered-scope", _swap(good, b"<SCOPE>GLOBAL<", b"<SCOPE>LINKLOCAL<"), NOT_TRUSTED),
        ("altered-flags", _swap(good, b"<CLOUDFLAGS>0<", b"<CLOUDFLAGS>1<"), NOT_TRUSTED),
        ("altered-friendly-name", _swap(good, b">Farm</pn:GROUPFRIENDLYNAME>", b">Evil</pn:GROUPFRIENDLYNAME>"), NOT_TRUSTED),
        ("friendly-name-removed", re.sub(rb"  <pn:GROUPFRIENDLYNAME[^\n]*\n", b"", good), NOT_TRUSTED),
        ("altered-chain", _swap(good, gmc_text, other_text), NOT_TRUSTED),
        ("chain-without-the-issuer", world.invitation([world.root, world.invitee_gmc]), NOT_TRUSTED),
        ("signed-by-the-invitee", world.invitation(signing_key=world.invitee.key), NOT_TRUSTED),
        ("signed-by-the-group-key", world.invitation(signing_key=world.group_key), NOT_TRUSTED),
        ("signed-by-a-stranger", world.invitation(signing_key=world.stranger.key), NOT_TRUSTED),
        ("chain-of-25-gmcs", world.invitation(deep, deep_key), "PEER_E_CHAIN_TOO_LONG"),
        ("doctype", good.replace(b"<PEERINVITATION", b'<!DOCTYPE x [<!ENTITY e "x">]>\n<PEERINVITATION', 1), INVALID),
        ("entity-reference", _swap(good, b">Farm<", b">&e;<"), INVALID),
        ("external-entity", good.replace(b"<PEERINVITATION", b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x">\n<PEERINVITATION', 1), INVALID),
        ("comment", _swap(good, b"  <SCOPE>", b"  <!-- x -->\n  <SCOPE>"), INVALID),
        ("processing-instruction", _swap(good, b"  <SCOPE>", b"  <?x y?>\n  <SCOPE>"), INVALID),
        ("unknown-element", _swap(good, b"  <SCOPE>", b"  <GROUPPEERNAME>%s</GROUPPEERNAME>\n  <SCOPE>" % world.group.encode()), INVALID),
        ("unknown-pn-element", _swap(good, b"  <pn:SIGNATURE", b'  <pn:ROLES xmlns:pn="urn:peernet:peergroup:1">x</pn:ROLES>\n  <pn:SIGNATURE'), INVALID),
        ("unknown-attribute", _swap(good, b"<SCOPE>", b'<SCOPE role="administrator">'), INVALID),
        ("signature-twice", re.sub(rb"(  <pn:SIGNATURE[^\n]*\n)", rb"\1\1", good), INVALID),
        ("no-signature", re.sub(rb"  <pn:SIGNATURE[^\n]*\n", b"", good), INVALID),
        ("oversize", _swap(good, b"<CLOUDNAME>", b"<CLOUDNAME>" + b" " * documents.MAX_DOCUMENT_SIZE), INVALID),
        ("utf-16", good.decode("utf-8").encode("utf-16"), INVALID),
        ("version-1.1", _swap(good, b'VERSION="1.0"', b'VERSION="1.1"'), "PEER_E_UNSUPPORTED_VERSION"),
        ("not-an-invitation", _info(world), INVALID),
    ]


@pytest.fixture(scope="module")
def join_cases(world):
    return {case: (data, expected) for case, data, expected in _join_cases(world)}


JOIN_CASES = [
    "expired", "not-yet-valid", "escalation-by-inviting-member", "member-issued", "leaf-key-not-the-identity-key", "altered-cloud",
    "altered-scope", "altered-flags", "altered-friendly-name", "friendly-name-removed", "altered-chain", "chain-without-the-issuer",
    "signed-by-the-invitee", "signed-by-the-group-key", "signed-by-a-stranger", "chain-of-25-gmcs", "doctype", "entity-reference",
    "external-entity", "comment", "processing-instruction", "unknown-element", "unknown-pn-element", "unknown-attribute",
    "signature-twice", "no-signature", "oversize", "utf-16", "version-1.1", "not-an-invitation",
]


def test_every_join_case_is_listed(join_cases):
    assert sorted(join_cases) == sorted(JOIN_CASES)


@pytest.mark.parametrize("case", JOIN_CASES)
def test_hostile_invitation_is_refused_on_join(case, world, join_cases, tmp_path):
    data, expected = join_cases[case]
    store_path = _store(tmp_path / "web1", world.invitee.record)
    _refused(store_path, expected, _join(data), world.secrets)
    kit.add_figure("hostile invitations refused")


def test_the_good_invitation_joins(world, tmp_path):
    """The control case: the same world's untouched invitation is taken, so the refusals above are the alterations'."""
    store_path = _store(tmp_path / "web1", world.invitee.record)
    with contextlib.closing(Store.open(store_path)) as store:
        plan = invitations.plan_join(store, world.invitation())
        assert plan.changed
        plan.apply()
        assert store.get_membership(world.invitee.name, world.group).group_key is None


def test_wrong_identity_is_not_found(world, tmp_path):
    store_path = _store(tmp_path / "stranger", world.stranger.record)
    _refused(store_path, "PEER_E_NOT_FOUND", _join(world.invitation()), world.secrets)


def test_identity_without_its_private_key(world, tmp_path):
    for index, key_der in enumerate((b"", b"\x30\x03\x02\x01\x00", certs.private_key_to_der(world.stranger.key))):
        store_path = _store(tmp_path / ("web1-%d" % index), world.invitee.record._replace(private_key=key_der))
        _refused(store_path, "PEER_E_NO_KEY_ACCESS", _join(world.invitation()), world.secrets)


def test_an_owner_membership_is_never_replaced(world, tmp_path):
    owner_membership = world.membership(world.owner, [world.root, world.owner_gmc])._replace(group_key=certs.private_key_to_der(world.group_key))
    store_path = _store(tmp_path / "owner", world.owner.record, owner_membership)
    renewal = world.issue(world.owner, ["administrator"], issuer=world.owner, issuer_cert=world.owner_gmc)
    data = world.invitation([world.root, world.owner_gmc, renewal])
    _refused(store_path, "PEER_E_ALREADY_EXISTS", _join(data), world.secrets + [certs.private_key_to_der(world.group_key).hex()])
    _refused(store_path, NOT_AUTHORIZED, lambda store: invitations.plan_leave(store, "farm"), world.secrets)


# --- the issuer's side ----------------------------------------------------------------------


def _issuer_store(world, path, party, chain):
    return _store(path, party.record, world.membership(party, chain))


def _issue(invitees, **kwargs):
    return lambda store: invitations.plan_invitations(store, "farm", invitees, **kwargs)


def _info(world, party=None):
    party = party or world.invitee
    return documents.render_identity_info(certs.certificate_from_der(party.record.certificate))


def test_role_escalation_by_an_inviting_member(world, tmp_path):
    store_path = _issuer_store(world, tmp_path / "inviter", world.inviter, [world.root, world.owner_gmc, world.inviter_gmc])
    error = _refused(store_path, NOT_AUTHORIZED, _issue([Invitee(identity_info_xml=_info(world), roles=("administrator",))]), world.secrets)
    assert "administrator" in error.message


def test_a_member_cannot_issue(world, tmp_path):
    store_path = _issuer_store(world, tmp_path / "member", world.member, [world.root, world.owner_gmc, world.member_gmc])
    _refused(store_path, NOT_AUTHORIZED, _issue([Invitee(identity_info_xml=_info(world))]), world.secrets)


def test_an_issuer_without_its_private_key(world, tmp_path):
    path = tmp_path / "owner"
    _store(path, world.owner.record._replace(private_key=b""), world.membership(world.owner, [world.root, world.owner_gmc]))
    _refused(str(path), "PEER_E_NO_KEY_ACCESS", _issue([Invitee(identity_info_xml=_info(world))]), world.secrets)


def test_a_revoked_invitee_is_not_issued_again(world, tmp_path):
    store_path = _issuer_store(world, tmp_path / "owner", world.owner, [world.root, world.owner_gmc])
    with contextlib.closing(Store.open(store_path)) as store:
        invitations.plan_invitations(store, "farm", [Invitee(identity_info_xml=_info(world))]).apply()
        invitations.plan_invitations(store, "farm", [Invitee(identity_info_xml=_info(world), state="absent")]).apply()
    for roles in (("member",), ("inviting-member",)):
        error = _refused(store_path, NOT_AUTHORIZED, _issue([Invitee(identity_info_xml=_info(world), roles=roles)]), world.secrets)
        assert "revoked" in error.message


def test_a_chain_of_24_gmcs_issues_no_further(world, tmp_path):
    chain, _key = _deep_chain(world, 24)
    holder = Party("deep")
    holder_gmc = certs.issue_gmc(chain[-2], world.spare_key, holder.key.public_key(), holder.name, world.group, ["administrator"], 100 * DAY)
    store_path = _issuer_store(world, tmp_path / "deep", holder, chain[:-1] + [holder_gmc])
    _refused(store_path, "PEER_E_CHAIN_TOO_LONG", _issue([Invitee(identity_info_xml=_info(world))]), world.secrets)


def test_hostile_identity_info_issues_nothing(world, tmp_path):
    """Every IDC the identity import refuses (builders.hostile_identity_certificates) is refused as an invitee too."""
    store_path = _issuer_store(world, tmp_path / "owner", world.owner, [world.root, world.owner_gmc])
    cases = builders.hostile_identity_certificates(world.invitee.key, world.invitee.name, world.stranger.key)
    for _case, cert, hresult in cases:
        info = documents.render_identity_info(cert)
        _refused(store_path, hresult, _issue([Invitee(identity_info_xml=info)]), world.secrets)
    kit.add_figure("hostile identity infos refused", len(cases))


def test_identity_info_with_a_dtd_issues_nothing(world, tmp_path):
    info = _info(world).replace(b"<PEERIDENTITYINFO", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<PEERIDENTITYINFO', 1)
    store_path = _issuer_store(world, tmp_path / "owner", world.owner, [world.root, world.owner_gmc])
    _refused(store_path, INVALID, _issue([Invitee(identity_info_xml=info)]), world.secrets)
