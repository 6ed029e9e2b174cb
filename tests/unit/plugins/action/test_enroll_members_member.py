# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The enroll_members member module through main(), and the role's pick of joins over what it returns."""

from __future__ import annotations

import datetime
import os

from ansible_collections.peernet.peergroup.plugins.action.__enroll_members_joins import joins
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import groups, identities, invitations
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
from ansible_collections.peernet.peergroup.plugins.modules import __enroll_members_member as member_module
from ansible_collections.peernet.peergroup.tests.unit.plugins.modules.module_runner import run_module


def _apply(plan):
    result = dict(plan.result)
    result.update(plan.apply())
    return result


def _owner(path):
    with Store.open(path) as store:
        owner = _apply(identities.plan_identity_present(store, "owner"))
        return _apply(groups.plan_group_present(store, owner["identity_peer_name"], "farm"))["group_peer_name"]


def _issue(owner_path, info, now=None, renew_days=30):
    with Store.open(owner_path) as store:
        with store.transaction():
            plan = invitations.plan_invitations(store, "farm", [invitations.Invitee(identity_info_xml=info.encode("utf-8"))],
                                                renew_days=renew_days, now=now)
            issued = _apply(plan)
    return [issued]


def _join(member_path, issued):
    for invitation in issued[0]["invitations"]:
        with Store.open(member_path) as store:
            with store.transaction():
                invitations.plan_join(store, invitation["invitation_xml"].encode("utf-8")).apply()


def _private_keys(path):
    with Store.open(path, read_only=True) as store:
        return [record.private_key.hex() for record in store.list_identities()]


def test_check_mode_names_no_identity_and_creates_no_store(capsys, tmp_path):
    path = str(tmp_path / "member")
    checked = run_module(capsys, member_module, dict(store_path=path, classifier="web1"), check_mode=True, diff=True)
    assert checked["changed"] and checked["identity_peer_name"] is None and checked["memberships"] == []
    assert checked["diff"]["after"]["classifier"] == "web1"
    assert not os.path.exists(path)


def test_one_process_gives_the_identity_and_the_memberships_held(capsys, tmp_path):
    owner_path, member_path = str(tmp_path / "owner"), str(tmp_path / "member")
    group = _owner(owner_path)
    first = run_module(capsys, member_module, dict(store_path=member_path, classifier="web1"))
    secrets = _private_keys(member_path)
    assert first["changed"] and first["identity_peer_name"].endswith(".web1") and first["memberships"] == []
    assert first["identity_info_xml"].startswith("<?xml")
    issued = _issue(owner_path, first["identity_info_xml"])
    assert [join["group"] for join in joins(issued, first["identity_peer_name"], first["memberships"])] == [group]
    _join(member_path, issued)

    again = run_module(capsys, member_module, dict(store_path=member_path, classifier="web1"), secrets=secrets)
    assert not again["changed"] and again["identity_peer_name"] == first["identity_peer_name"]
    assert again["identity_info_xml"] == first["identity_info_xml"]
    [held] = again["memberships"]
    assert held["group_peer_name"] == group and not held["owner"] and len(held["chain_fingerprints"]) >= 2
    assert sorted(held) == ["chain_fingerprints", "cloud", "cloud_flags", "group_friendly_name", "group_peer_name", "owner", "scope"]
    # The re-run: the owner hands back the recorded invitation, which the member holds: nothing to join.
    assert joins(_issue(owner_path, first["identity_info_xml"]), first["identity_peer_name"], again["memberships"]) == []


def test_a_renewed_or_altered_invitation_is_joined(capsys, tmp_path):
    owner_path, member_path = str(tmp_path / "owner"), str(tmp_path / "member")
    group = _owner(owner_path)
    first = run_module(capsys, member_module, dict(store_path=member_path, classifier="web1"))
    _join(member_path, _issue(owner_path, first["identity_info_xml"]))
    held = run_module(capsys, member_module, dict(store_path=member_path, classifier="web1"))["memberships"]
    later = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(seconds=5)
    renewed = _issue(owner_path, first["identity_info_xml"], now=later, renew_days=400)
    assert renewed[0]["invitations"][0]["action"] == "renewed"
    assert [join["group"] for join in joins(renewed, first["identity_peer_name"], held)] == [group]
    # Other cloud settings with the same chain: still a join (group_join updates them).
    assert [join["group"] for join in joins(renewed, first["identity_peer_name"], [dict(held[0], cloud="Other_")])] == [group]
    # An invitation that does not read goes to group_join, which refuses it with its HRESULT.
    broken = [{"invitations": [dict(renewed[0]["invitations"][0], invitation_xml="<nope/>")]}]
    assert [join["invitation_xml"] for join in joins(broken, first["identity_peer_name"], held)] == ["<nope/>"]
