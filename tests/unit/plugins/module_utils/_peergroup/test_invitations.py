# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Enrolment core: issuing, renewing and revoking invitations; joining and leaving; the issued table."""

from __future__ import annotations

import contextlib
import datetime
import os
import sqlite3

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import invitations
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import groups
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import inventory
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.invitations import Invitee
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store

DAY = datetime.timedelta(days=1)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _expect(name, call, *args, **kwargs):
    with pytest.raises(PeerError) as caught:
        call(*args, **kwargs)
    assert caught.value.name == name, str(caught.value)
    return caught.value


def _identity(store, classifier):
    plan = identities.plan_identity_present(store, classifier)
    result = dict(plan.result)
    result.update(plan.apply())
    return result


class World(object):
    """An owner store holding group ``farm`` and two member stores, each with its own identity."""

    def __init__(self, root, gmc_lifetime_days=365):
        self.owner = Store.open(os.path.join(root, "owner"))
        self.owner_name = _identity(self.owner, "owner")["identity_peer_name"]
        created = groups.plan_group_present(self.owner, self.owner_name, "farm", friendly_name="Farm", gmc_lifetime_days=gmc_lifetime_days).apply()
        self.group = created["group_peer_name"]
        self.members = []
        for classifier in ("web1", "web2"):
            store = Store.open(os.path.join(root, classifier))
            made = _identity(store, classifier)
            self.members.append((store, made["identity_peer_name"], made["identity_info_xml"].encode()))

    def close(self):
        for store in [self.owner] + [member[0] for member in self.members]:
            store.close()


@pytest.fixture
def world(tmp_path):
    made = World(str(tmp_path))
    yield made
    made.close()


def _issue(store, invitees, now=None, **kwargs):
    plan = invitations.plan_invitations(store, kwargs.pop("group", "farm"), invitees, now=now, **kwargs)
    result = dict(plan.result)
    result.update(plan.apply())
    return plan, result


def _issued_rows(store):
    return store.list_issued()


def test_issue_join_and_rerun_change_nothing(world):
    store, name, info = world.members[0]
    plan, result = _issue(world.owner, [Invitee(identity_info_xml=info)])
    entry = result["invitations"][0]
    assert plan.changed and entry["action"] == "issued" and entry["roles"] == ["member"]
    assert entry["identity_peer_name"] == name and entry["group_peer_name"] == world.group
    assert entry["not_after"].endswith("Z")
    again, second = _issue(world.owner, [Invitee(identity_info_xml=info)])
    assert not again.changed and second["invitations"][0]["action"] == "unchanged"
    # The recorded invitation comes back as it was: nothing is issued on a re-run.
    assert second["invitations"][0]["invitation_xml"] == entry["invitation_xml"]

    join = invitations.plan_join(store, entry["invitation_xml"].encode())
    assert join.changed and join.result["action"] == "joined"
    join.apply()
    membership = store.get_membership(name, world.group)
    assert membership.group_key is None and membership.group_friendly_name == "Farm"
    assert len(membership.chain) == 3
    rejoin = invitations.plan_join(store, entry["invitation_xml"].encode())
    assert not rejoin.changed and rejoin.result["roles"] == ["member"]


def test_a_batch_is_one_transaction(world):
    first, second = world.members[0][2], world.members[1][2]
    _issue(world.owner, [Invitee(identity_info_xml=second)])
    _issue(world.owner, [Invitee(identity_info_xml=second, state="absent")])
    # The second invitee is revoked: the whole batch is refused, the first gets nothing either.
    error = _expect("PEER_E_NOT_AUTHORIZED", _issue, world.owner, [Invitee(identity_info_xml=first), Invitee(identity_info_xml=second)])
    assert "invitees[1]" in error.message and "reinstate" in error.message
    assert [record.identity_peer_name for record in _issued_rows(world.owner)] == [world.members[1][1]]
    plan, result = _issue(world.owner, [Invitee(identity_info_xml=first), Invitee(identity_info_xml=second, reinstate=True)])
    assert [entry["action"] for entry in result["invitations"]] == ["issued", "issued"]
    assert not any(record.revoked for record in _issued_rows(world.owner))


def test_check_mode_decides_without_writing(world):
    plan = invitations.plan_invitations(world.owner, world.group, [Invitee(identity_info_xml=world.members[0][2])])
    assert plan.changed and plan.result["invitations"][0]["invitation_xml"] is None
    assert plan.diff_after["invitations"][0]["roles"] == ["member"]
    assert _issued_rows(world.owner) == []


def test_renewal_window_and_join_of_the_renewal(world):
    store, name, info = world.members[0]
    start = _now()
    _plan, first = _issue(world.owner, [Invitee(identity_info_xml=info, lifetime_days=100)], now=start)
    invitations.plan_join(store, first["invitations"][0]["invitation_xml"].encode(), now=start).apply()
    later = start + 80 * DAY
    unchanged = _issue(world.owner, [Invitee(identity_info_xml=info, lifetime_days=100)], now=later, renew_days=10)[1]
    assert unchanged["invitations"][0]["action"] == "unchanged"
    renewed = _issue(world.owner, [Invitee(identity_info_xml=info, lifetime_days=100)], now=later, renew_days=30)[1]
    entry = renewed["invitations"][0]
    assert entry["action"] == "renewed" and entry["not_before"] > first["invitations"][0]["not_before"]
    join = invitations.plan_join(store, entry["invitation_xml"].encode(), now=later)
    assert join.changed and join.result["action"] == "renewed"
    join.apply()
    # The old invitation is no renewal of the new membership.
    _expect("PEER_E_ALREADY_EXISTS", invitations.plan_join, store, first["invitations"][0]["invitation_xml"].encode(), now=later)


def test_a_joined_membership_records_the_digest_the_issuer_shows(world):
    store, name, info = world.members[0]
    entry = _issue(world.owner, [Invitee(identity_info_xml=info)])[1]["invitations"][0]
    invitations.plan_join(store, entry["invitation_xml"].encode()).apply()
    [record] = world.owner.recorded_inventory()["issued"]
    assert store.get_membership(name, world.group).imported_digest == record["invitation_digest"]


@pytest.mark.parametrize("recorded_issuer, recorded_roles, start_days, end_days, roles, current", [
    ("owner", ("member",), -1, 31, ["member"], True),
    ("owner", ("member",), -1, 30, ["member"], False),  # renew_days (30) or fewer left: renewed
    ("owner", ("member",), 1, 300, ["member"], False),  # starts later than now
    ("other", ("member",), -1, 300, ["member"], False),
    ("owner", ("member",), -1, 300, ["inviting-member", "member"], False),
    ("owner", ("inviting-member", "member"), -1, 300, ["member", "inviting-member", "member"], True),
])
def test_a_recorded_credential_is_handed_back_while_current(recorded_issuer, recorded_roles, start_days, end_days, roles, current):
    now = _now()
    seconds = int(now.timestamp())
    assert invitations.credential_current(recorded_issuer, recorded_roles, seconds + start_days * 86400, seconds + end_days * 86400,
                                          "owner", roles, 30, now) is current


def test_lifetime_is_clipped_to_the_issuer(tmp_path):
    short = World(str(tmp_path), gmc_lifetime_days=20)
    try:
        issuer_end = inventory.store_inventory(short.owner)["memberships"][0]["not_after"]
        entry = _issue(short.owner, [Invitee(identity_info_xml=short.members[0][2], lifetime_days=365)])[1]["invitations"][0]
        assert entry["not_after"] == issuer_end
    finally:
        short.close()


def test_roles_an_issuer_may_grant(world):
    store, name, info = world.members[0]
    entry = _issue(world.owner, [Invitee(identity_info_xml=info, roles=("inviting-member",))])[1]["invitations"][0]
    invitations.plan_join(store, entry["invitation_xml"].encode()).apply()
    invitee = world.members[1][2]
    # An inviting member invites members and inviting members, never administrators.
    _expect("PEER_E_NOT_AUTHORIZED", _issue, store, [Invitee(identity_info_xml=invitee, roles=("administrator",))])
    granted = _issue(store, [Invitee(identity_info_xml=invitee, roles=("member", "inviting-member"))])[1]["invitations"][0]
    assert granted["roles"] == ["inviting-member", "member"]
    chain = documents.verify_invitation(documents.parse_invitation(granted["invitation_xml"].encode()))
    assert len(chain.certs) == 4
    _expect("E_INVALIDARG", _issue, store, [Invitee(identity_info_xml=invitee, roles=("root",))])


def test_a_member_cannot_issue(world):
    store, _name, info = world.members[0]
    entry = _issue(world.owner, [Invitee(identity_info_xml=info)])[1]["invitations"][0]
    invitations.plan_join(store, entry["invitation_xml"].encode()).apply()
    _expect("PEER_E_NOT_AUTHORIZED", _issue, store, [Invitee(identity_info_xml=world.members[1][2])])
    _expect("PEER_E_NOT_FOUND", _issue, world.owner, [Invitee(identity_info_xml=info)], group="other")


def test_revoke_then_reinstate(world):
    _store, name, info = world.members[0]
    _issue(world.owner, [Invitee(identity_info_xml=info)])
    plan, result = _issue(world.owner, [Invitee(peer_name=name, state="absent")])
    assert plan.changed and result["invitations"][0]["action"] == "revoked"
    assert result["invitations"][0]["invitation_xml"] is None
    assert plan.diff_after["invitations"][0]["revoked"] is True
    again, result = _issue(world.owner, [Invitee(peer_name=name, state="absent")])
    assert not again.changed and result["invitations"][0]["action"] == "unchanged"
    _expect("PEER_E_NOT_AUTHORIZED", _issue, world.owner, [Invitee(identity_info_xml=info)])
    result = _issue(world.owner, [Invitee(identity_info_xml=info, reinstate=True)])[1]
    assert result["invitations"][0]["action"] == "issued"
    issued = inventory.store_inventory(world.owner)["issued"]
    assert [(entry["identity_peer_name"], entry["revoked"], entry["revoked_at"]) for entry in issued] == [(name, False, None)]
    never = _issue(world.owner, [Invitee(peer_name=world.members[1][1], state="absent")])
    assert not never[0].changed and never[1]["invitations"][0]["action"] == "absent"
    _expect("E_INVALIDARG", _issue, world.owner, [Invitee(peer_name=name)])


def test_join_refusals(world):
    store, name, info = world.members[0]
    admin = _issue(world.owner, [Invitee(identity_info_xml=info, roles=("administrator",))])[1]["invitations"][0]
    invitations.plan_join(store, admin["invitation_xml"].encode()).apply()
    later = _now() + DAY
    fewer = _issue(world.owner, [Invitee(identity_info_xml=info, roles=("member",))], now=later)[1]["invitations"][0]
    error = _expect("PEER_E_ALREADY_EXISTS", invitations.plan_join, store, fewer["invitation_xml"].encode(), now=later + DAY)
    assert "fewer roles" in error.message
    # The owner's own membership is never replaced by an invitation, nor left.
    owner_invite = _issue(world.owner, [Invitee(identity_info_xml=_identity(world.owner, "owner")["identity_info_xml"].encode())])
    _expect("PEER_E_ALREADY_EXISTS", invitations.plan_join, world.owner, owner_invite[1]["invitations"][0]["invitation_xml"].encode())
    _expect("PEER_E_NOT_AUTHORIZED", invitations.plan_leave, world.owner, "farm")
    # An invitation for an identity this store lacks.
    _expect("PEER_E_NOT_FOUND", invitations.plan_join, world.members[1][0], admin["invitation_xml"].encode())


def test_join_needs_the_private_key(world):
    store, name, info = world.members[0]
    entry = _issue(world.owner, [Invitee(identity_info_xml=info)])[1]["invitations"][0]
    record = store.get_identity(name)
    store.put_identity(record._replace(private_key=b"\x30\x00"))
    _expect("PEER_E_NO_KEY_ACCESS", invitations.plan_join, store, entry["invitation_xml"].encode())
    other = certs.private_key_to_der(certs.generate_key(2048))
    store.put_identity(record._replace(private_key=other))
    _expect("PEER_E_NO_KEY_ACCESS", invitations.plan_join, store, entry["invitation_xml"].encode())


def test_leave(world):
    store, name, info = world.members[0]
    nothing = invitations.plan_leave(store, "farm")
    assert not nothing.changed and nothing.result["action"] == "absent"
    entry = _issue(world.owner, [Invitee(identity_info_xml=info)])[1]["invitations"][0]
    invitations.plan_join(store, entry["invitation_xml"].encode()).apply()
    plan = invitations.plan_leave(store, world.group, identity="web1")
    assert plan.changed and plan.result["action"] == "left" and plan.diff_before["roles"] == ["member"]
    plan.apply()
    assert store.get_membership(name, world.group) is None


def test_expired_issuer_issues_nothing(world):
    _expect("PEER_E_INVALID_TIME_PERIOD", _issue, world.owner, [Invitee(identity_info_xml=world.members[0][2])], now=_now() + 400 * DAY)


# --- the issued table --------------------------------------------------------------


def _downgrade_to_version_1(path):
    with contextlib.closing(sqlite3.connect(os.path.join(path, "store.db"), isolation_level=None)) as raw:
        raw.execute("DROP TABLE issued")
        raw.execute("PRAGMA user_version = 1")


def test_an_older_store_reads_as_empty_and_is_upgraded_on_a_writable_open(tmp_path):
    path = str(tmp_path / "old")
    with Store.open(path) as store:
        _identity(store, "old")
    _downgrade_to_version_1(path)
    with open(os.path.join(path, "store.db"), "rb") as handle:
        before = handle.read()
    with Store.open(path, read_only=True) as store:
        assert store.list_issued() == [] and store.get_issued("a.b", "c.d") is None
        assert store.check_integrity() == []
        assert store.recorded_inventory()["issued"] == []
    with open(os.path.join(path, "store.db"), "rb") as handle:
        assert handle.read() == before
    with Store.open(path) as store:
        assert store._query("PRAGMA user_version")[0][0] == 2
        assert store.list_issued() == []
        assert len(store.list_identities()) == 1


def test_damaged_issued_rows_are_corrupted(world):
    _issue(world.owner, [Invitee(identity_info_xml=world.members[0][2])])
    world.owner._run("UPDATE issued SET not_after = 'soon'")
    error = _expect("PEER_E_CERT_STORE_CORRUPTED", world.owner.list_issued)
    assert "not_after" in error.message
    assert any("not_after" in problem for problem in world.owner.check_integrity())
    world.owner._run("UPDATE issued SET not_after = 1, roles = 'member,administrator'")
    _expect("PEER_E_CERT_STORE_CORRUPTED", world.owner.list_issued)


def test_an_upgrade_decides_again_under_the_write_lock(tmp_path, monkeypatch):
    """Another run may upgrade the store between the version read and the write lock: nothing is created twice."""
    path = str(tmp_path / "raced")
    Store.open(path).close()
    real_query = Store._query
    reads = []

    def first_read_sees_version_1(self, sql, params=()):
        rows = real_query(self, sql, params)
        if sql == "PRAGMA user_version":
            reads.append(rows[0][0])
            if len(reads) == 1:
                return [(1,)]
        return rows

    monkeypatch.setattr(Store, "_query", first_read_sees_version_1)
    with Store.open(path) as store:
        assert store.list_issued() == []
    assert reads == [2, 2]
