# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""group_invitation, group_join and store_info's issued list through main() on real stores."""

from __future__ import annotations

import os

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import groups
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
from ansible_collections.peernet.peergroup.plugins.modules import group_invitation, group_join, store_info
from ansible_collections.peernet.peergroup.tests.unit.plugins.modules.module_runner import run_module


def _apply(plan):
    result = dict(plan.result)
    result.update(plan.apply())
    return result


class Hosts(object):
    """An owner store with group ``farm`` and two member stores with an identity each."""

    def __init__(self, root):
        self.owner_path = os.path.join(root, "owner")
        self.member_paths = [os.path.join(root, "web1"), os.path.join(root, "web2")]
        with Store.open(self.owner_path) as store:
            owner = _apply(identities.plan_identity_present(store, "owner"))
            self.group = _apply(groups.plan_group_present(store, owner["identity_peer_name"], "farm"))["group_peer_name"]
        self.infos, self.names = [], []
        for path, classifier in zip(self.member_paths, ("web1", "web2")):
            with Store.open(path) as store:
                made = _apply(identities.plan_identity_present(store, classifier))
            self.infos.append(made["identity_info_xml"])
            self.names.append(made["identity_peer_name"])


@pytest.fixture
def hosts(tmp_path):
    return Hosts(str(tmp_path))


def _private_keys(path):
    with Store.open(path, read_only=True) as store:
        return [record.private_key.hex() for record in store.list_identities()]


def test_issue_one_then_rerun(capsys, hosts):
    secrets = _private_keys(hosts.owner_path) + _private_keys(hosts.member_paths[0])
    args = dict(store_path=hosts.owner_path, group="farm", identity_info_xml=hosts.infos[0])
    checked = run_module(capsys, group_invitation, args, check_mode=True, diff=True, secrets=secrets)
    assert checked["changed"] and checked["invitation_xml"] is None and checked["invitations"][0]["action"] == "issued"
    assert checked["diff"]["after"]["invitations"][0]["identity_peer_name"] == hosts.names[0]
    with Store.open(hosts.owner_path, read_only=True) as store:
        assert store.list_issued() == []
    first = run_module(capsys, group_invitation, args, secrets=secrets)
    assert first["changed"] and first["identity_peer_name"] == hosts.names[0] and first["roles"] == ["member"]
    assert first["group_peer_name"] == hosts.group and first["not_after"].endswith("Z")
    assert first["invitation_xml"].startswith('<?xml version="1.0" encoding="UTF-8"?>\n<PEERINVITATION VERSION="1.0">')
    again = run_module(capsys, group_invitation, args, secrets=secrets)
    assert not again["changed"] and again["invitation_xml"] == first["invitation_xml"]
    assert again["invitations"][0]["action"] == "unchanged"


def test_a_batch_takes_the_module_defaults(capsys, hosts):
    args = dict(
        store_path=hosts.owner_path, group=hosts.group, roles=["inviting-member"], lifetime_days=10,
        invitees=[dict(identity_info_xml=hosts.infos[0]), dict(identity_info_xml=hosts.infos[1], roles=["member"], lifetime_days=5)],
    )
    result = run_module(capsys, group_invitation, args)
    assert [entry["roles"] for entry in result["invitations"]] == [["inviting-member"], ["member"]]
    assert "invitation_xml" not in result
    ends = [entry["not_after"] for entry in result["invitations"]]
    assert ends[1] < ends[0]
    revoked = run_module(capsys, group_invitation, dict(store_path=hosts.owner_path, group="farm", state="absent",
                                                        invitees=[dict(peer_name=hosts.names[1])]))
    assert revoked["changed"] and revoked["invitations"][0]["action"] == "revoked"
    listed = run_module(capsys, store_info, dict(store_path=hosts.owner_path, verify=False))
    assert [(entry["identity_peer_name"], entry["revoked"], entry["roles"]) for entry in sorted(listed["issued"], key=lambda e: e["roles"])] == \
        [(hosts.names[0], False, ["inviting-member"]), (hosts.names[1], True, ["member"])]
    verified = run_module(capsys, store_info, dict(store_path=hosts.owner_path))
    assert sorted(entry["days_left"] for entry in verified["issued"]) == [4, 9]
    assert all(entry["group_classifier"] == "farm" for entry in verified["issued"])


def test_refusals_name_their_hresult(capsys, hosts):
    refused = run_module(capsys, group_invitation, dict(store_path=hosts.member_paths[0], group="farm", identity_info_xml=hosts.infos[1]))
    assert refused["failed"] and refused["hresult"]["name"] == "PEER_E_NOT_FOUND"
    malformed = run_module(capsys, group_invitation, dict(store_path=hosts.owner_path, group="farm", identity_info_xml="<x/>"))
    assert malformed["failed"] and malformed["hresult"]["name"] == "E_INVALIDARG"


def test_join_rerun_and_leave(capsys, hosts):
    issued = run_module(capsys, group_invitation, dict(store_path=hosts.owner_path, group="farm", identity_info_xml=hosts.infos[0]))
    member = hosts.member_paths[0]
    secrets = _private_keys(member)
    args = dict(store_path=member, invitation_xml=issued["invitation_xml"])
    checked = run_module(capsys, group_join, args, check_mode=True, diff=True, secrets=secrets)
    assert checked["changed"] and checked["action"] == "joined" and checked["diff"]["before"] == {}
    with Store.open(member, read_only=True) as store:
        assert store.list_memberships() == []
    joined = run_module(capsys, group_join, args, secrets=secrets)
    assert joined["changed"] and joined["roles"] == ["member"] and joined["group_peer_name"] == hosts.group
    assert joined["identity_peer_name"] == hosts.names[0] and joined["not_after"] == issued["not_after"]
    again = run_module(capsys, group_join, args, secrets=secrets)
    assert not again["changed"] and again["action"] == "unchanged"
    listed = run_module(capsys, store_info, dict(store_path=member))
    assert [(entry["owner"], entry["roles"], entry["chain_verified"]) for entry in listed["memberships"]] == [(False, ["member"], True)]
    elsewhere = run_module(capsys, group_join, dict(store_path=hosts.member_paths[1], invitation_xml=issued["invitation_xml"]))
    assert elsewhere["failed"] and elsewhere["hresult"]["name"] == "PEER_E_NOT_FOUND"
    left = run_module(capsys, group_join, dict(store_path=member, group="farm", state="absent"), diff=True)
    assert left["changed"] and left["action"] == "left" and left["diff"]["after"] == {}
    gone = run_module(capsys, group_join, dict(store_path=member, group="farm", state="absent"))
    assert not gone["changed"] and gone["action"] == "absent"


def test_join_needs_a_document(capsys, hosts):
    result = run_module(capsys, group_join, dict(store_path=hosts.member_paths[0]))
    assert result["failed"] and "invitation_xml" in result["msg"]
    owner_leaves = run_module(capsys, group_join, dict(store_path=hosts.owner_path, group="farm", state="absent"))
    assert owner_leaves["failed"] and owner_leaves["hresult"]["name"] == "PEER_E_NOT_AUTHORIZED"
