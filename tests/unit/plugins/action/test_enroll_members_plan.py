# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the enroll_members role's plan: who issues what to whom, what is revoked and left,
decided from the inventory for the hosts of the run only; and the controller folder it keeps."""

from __future__ import annotations

import base64
import datetime
import os
import stat
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs, documents, peername
from ansible_collections.peernet.peergroup.plugins.action import __enroll_members_plan as plan_module
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

plan = plan_module.plan

OWNER_ID = "1" * 40 + ".owner"
LAB = "a" * 40 + ".lab"
FARM = "b" * 40 + ".farm"
OTHER_LAB = "c" * 40 + ".lab"
P1 = "d" * 40 + ".member1"
P2 = "e" * 40 + ".member2"
OLD = "f" * 40 + ".member1"


def membership(group, roles=("administrator",), identity=OWNER_ID, verified=True):
    return {"identity_peer_name": identity, "group_peer_name": group, "roles": list(roles), "chain_verified": verified}


def issued(peer_name, group, revoked=False, issuer=OWNER_ID):
    return {"issuer_peer_name": issuer, "identity_peer_name": peer_name, "group_peer_name": group, "roles": ["member"], "revoked": revoked}


def identity(peer_name):
    return {"identity_peer_name": peer_name, "identity_info_xml": "<PEERIDENTITYINFO of %s>" % peer_name}


NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.timezone.utc)


def run(members, stores, batch=None, identities=None, previous=None, whole_inventory=True, owners=("owner",), renew_days=30):
    batch = list(members) if batch is None else batch
    if identities is None:
        identities = dict((host, identity({"member1": P1, "member2": P2}[host])) for host in batch)
    return plan(members, list(owners), stores, batch, identities, previous or {}, ["member"], whole_inventory,
                owner_store_paths={"owner": "/srv/owner-store"}, renew_days=renew_days, now=NOW)


def recorded(peer_name, group, days_left=200, digest="d1", roles=("member",), issuer=OWNER_ID, revoked=False, started_days_ago=1):
    """store_info's entry of a credential the owner issued, as it records it."""
    def iso(days):
        return (NOW + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    return dict(issued(peer_name, group, revoked, issuer), roles=list(roles), not_before=iso(-started_days_ago), not_after=iso(days_left),
                invitation_digest=digest)


def holding(peer_name, group, digest="d1"):
    return dict(identity(peer_name), memberships=[{"group_peer_name": group, "imported_digest": digest}])


def test_a_member_that_holds_its_current_credential_costs_its_owner_no_call():
    stores = {"owner": {"memberships": [membership(LAB)], "issued": [recorded(P1, LAB)]}}
    decided = run({"member1": [{"group": "lab"}]}, stores, identities={"member1": holding(P1, LAB)})
    assert decided["problems"] == [] and decided["calls"] == []
    assert decided["leave"] == {"member1": []} and decided["write"] == {"member1": identity(P1)["identity_info_xml"]}


@pytest.mark.parametrize("record, entry, held_digest", [
    (recorded(P1, LAB, digest="d0"), {"group": "lab"}, "d1"),  # the member holds another invitation
    (recorded(P1, LAB), {"group": "lab"}, None),  # the member holds none (it left, or its store was lost)
    (recorded(P1, LAB, days_left=30), {"group": "lab"}, "d1"),  # inside renew_days: due for renewal
    (recorded(P1, LAB), {"group": "lab", "roles": ["inviting-member", "member"]}, "d1"),  # other roles asked for
    (recorded(P1, LAB, issuer="9" * 40 + ".other"), {"group": "lab"}, "d1"),  # another issuer recorded it
    (recorded(P1, LAB, revoked=True), {"group": "lab"}, "d1"),  # revoked: the owner refuses or reinstates
    (recorded(P1, LAB, started_days_ago=-1), {"group": "lab"}, "d1"),  # starts later (the owner's clock ran ahead)
    (recorded(P2, LAB), {"group": "lab"}, "d1"),  # recorded for another identity
])
def test_the_owner_is_called_for_a_credential_it_would_not_hand_back_as_held(record, entry, held_digest):
    stores = {"owner": {"memberships": [membership(LAB)], "issued": [record]}}
    member = dict(identity(P1), memberships=[] if held_digest is None else [{"group_peer_name": LAB, "imported_digest": held_digest}])
    decided = run({"member1": [entry]}, stores, identities={"member1": member})
    assert [invitee["identity_info_xml"] for invitee in decided["calls"][0]["invitees"]] == [identity(P1)["identity_info_xml"]]


def test_first_run_one_call_per_owner_and_group_with_every_member():
    stores = {"owner": {"memberships": [membership(LAB), membership(FARM)], "issued": []}}
    members = {"member1": [{"group": "lab"}, {"group": FARM, "roles": ["inviting-member", "member"]}], "member2": [{"group": "lab"}]}
    decided = run(members, stores)
    assert decided["problems"] == []
    assert [(c["owner"], c["store_path"], c["identity"], c["group"]) for c in decided["calls"]] == [
        ("owner", "/srv/owner-store", OWNER_ID, LAB),
        ("owner", "/srv/owner-store", OWNER_ID, FARM),
    ]
    lab, farm = decided["calls"]
    assert lab["invitees"] == [
        {"identity_info_xml": identity(P1)["identity_info_xml"], "roles": ["member"]},
        {"identity_info_xml": identity(P2)["identity_info_xml"], "roles": ["member"]},
    ]
    assert farm["invitees"] == [{"identity_info_xml": identity(P1)["identity_info_xml"], "roles": ["inviting-member", "member"]}]
    assert decided["leave"] == {"member1": [], "member2": []}
    assert decided["write"] == {"member1": identity(P1)["identity_info_xml"], "member2": identity(P2)["identity_info_xml"]}
    assert decided["forget"] == []


def test_lifetime_of_an_entry_reaches_its_invitee():
    stores = {"owner": {"memberships": [membership(LAB)]}}
    decided = run({"member1": [{"group": "lab", "lifetime_days": 7}]}, stores)
    assert decided["calls"][0]["invitees"][0]["lifetime_days"] == 7


def test_only_an_issuing_verified_membership_makes_an_owner():
    stores = {
        "owner": {"memberships": [membership(LAB, roles=["member"])]},
        "owner2": {"memberships": [membership(LAB, verified=False, identity="2" * 40 + ".x")]},
        "owner3": {"memberships": [membership(LAB, roles=["inviting-member"], identity="3" * 40 + ".y")]},
    }
    decided = run({"member1": [{"group": "lab"}]}, stores, owners=("owner", "owner2", "owner3"))
    assert decided["problems"] == []
    assert [(c["owner"], c["identity"]) for c in decided["calls"]] == [("owner3", "3" * 40 + ".y")]


def test_first_owner_of_the_inventory_issues_a_group_two_owners_hold():
    stores = {"owner": {"memberships": [membership(LAB)]}, "owner2": {"memberships": [membership(LAB, identity="2" * 40 + ".x")]}}
    decided = run({"member1": [{"group": "lab"}]}, stores, owners=("owner2", "owner"))
    assert [c["owner"] for c in decided["calls"]] == ["owner2"]


def test_a_group_no_owner_holds_or_an_ambiguous_classifier_is_refused():
    stores = {"owner": {"memberships": [membership(LAB), membership(OTHER_LAB)]}}
    decided = run({"member1": [{"group": "lab"}, {"group": "nowhere"}, {"group": OTHER_LAB}]}, stores)
    assert len(decided["problems"]) == 2
    assert "group lab names 2 groups" in decided["problems"][0] and "use the peer name" in decided["problems"][0]
    assert "no host of peergroup_owners holds group nowhere" in decided["problems"][1]
    # The peer name picks one of the two.
    assert [c["group"] for c in decided["calls"]] == [OTHER_LAB]


@pytest.mark.parametrize("value, text", [
    ("lab", "must be a list"),
    ([{"roles": ["member"]}], "needs group"),
    ([{"group": "lab", "role": ["member"]}], "unknown keys role"),
    ([{"group": "lab", "roles": ["owner"]}], "roles of group lab"),
    ([{"group": "lab", "roles": []}], "roles of group lab"),
    ([{"group": "lab", "lifetime_days": "7"}], "lifetime_days of group lab"),
    ([{"group": "lab"}, {"group": "lab"}], "listed twice"),
])
def test_a_wrong_memberships_variable_is_a_problem_naming_the_host(value, text):
    stores = {"owner": {"memberships": [membership(LAB)]}}
    decided = run({"member1": value}, stores)
    assert len(decided["problems"]) == 1
    assert decided["problems"][0].startswith("member1: ") and text in decided["problems"][0]


def test_a_play_host_outside_peergroup_members_is_refused():
    decided = plan({"member1": []}, [], {}, ["member1", "stranger"], {"member1": identity(P1)}, {}, ["member"], True)
    assert decided["problems"] == ["stranger is not in peergroup_members: the role enrols only those hosts"]


def test_a_group_taken_out_of_the_list_is_left_and_revoked():
    stores = {"owner": {"memberships": [membership(LAB), membership(FARM)],
                        "issued": [issued(P1, LAB), issued(P1, FARM), issued(P2, FARM, revoked=True)]}}
    decided = run({"member1": [{"group": "lab"}], "member2": []}, stores)
    assert decided["leave"] == {"member1": [{"group": FARM, "identity": P1}], "member2": []}
    calls = dict((c["group"], c["invitees"]) for c in decided["calls"])
    assert calls[FARM] == [{"peer_name": P1, "state": "absent"}]
    assert calls[LAB] == [{"identity_info_xml": identity(P1)["identity_info_xml"], "roles": ["member"]}]


def test_limit_and_serial_touch_only_the_hosts_of_the_run():
    stores = {"owner": {"memberships": [membership(LAB)], "issued": [issued(P1, LAB), issued(P2, LAB), issued(OLD, LAB)]}}
    members = {"member1": [{"group": "lab"}], "member2": []}
    previous = {"member1": P1, "member2": P2, "gone": OLD}
    decided = run(members, stores, batch=["member1"], previous=previous, whole_inventory=False)
    # member2 left the group in the inventory, gone left the inventory: neither is in this run.
    assert [c["invitees"] for c in decided["calls"]] == [[{"identity_info_xml": identity(P1)["identity_info_xml"], "roles": ["member"]}]]
    assert decided["leave"] == {"member1": []}
    assert decided["forget"] == []
    assert set(decided["write"]) == {"member1"}


def test_a_host_removed_from_the_inventory_is_revoked_and_forgotten_by_a_whole_run():
    stores = {"owner": {"memberships": [membership(LAB)], "issued": [issued(P1, LAB), issued(OLD, LAB), issued(OLD, FARM)]}}
    decided = run({"member1": [{"group": "lab"}]}, stores, previous={"member1": P1, "gone": OLD})
    calls = dict((c["group"], c["invitees"]) for c in decided["calls"])
    assert calls[LAB][1:] == [{"peer_name": OLD, "state": "absent"}]
    assert calls[FARM] == [{"peer_name": OLD, "state": "absent"}]
    assert decided["forget"] == ["gone.peeridentityinfo.xml"]


def test_a_member_with_a_new_identity_has_the_old_one_revoked():
    stores = {"owner": {"memberships": [membership(LAB)], "issued": [issued(OLD, LAB)]}}
    decided = run({"member1": [{"group": "lab"}]}, stores, previous={"member1": OLD})
    assert decided["calls"][0]["invitees"][1:] == [{"peer_name": OLD, "state": "absent"}]
    assert decided["leave"] == {"member1": []}
    assert decided["forget"] == []


def test_an_identity_a_member_still_uses_is_never_revoked():
    # member1 was renamed from "old-name" in the inventory: same store, same identity.
    stores = {"owner": {"memberships": [membership(LAB)], "issued": [issued(P1, LAB), issued(P2, LAB)]}}
    members = {"member1": [{"group": "lab"}], "member2": [{"group": "lab"}]}
    decided = run(members, stores, batch=["member1"], previous={"old-name": P1, "other": P2, "member2": P2})
    assert [invitee.get("state") for invitee in decided["calls"][0]["invitees"]] == [None]
    assert decided["forget"] == ["old-name.peeridentityinfo.xml", "other.peeridentityinfo.xml"]


def test_an_identity_is_revoked_once_per_call():
    stores = {"owner": {"memberships": [membership(LAB)], "issued": [issued(OLD, LAB)]}}
    decided = run({"member1": []}, stores, previous={"gone": OLD, "gone-too": OLD})
    assert decided["calls"][0]["invitees"] == [{"peer_name": OLD, "state": "absent"}]


def test_a_member_check_mode_would_give_an_identity_waits_for_the_real_run():
    stores = {"owner": {"memberships": [membership(LAB)]}}
    decided = run({"member1": [{"group": "lab"}]}, stores, identities={"member1": {"identity_peer_name": None}})
    assert decided["pending"] == ["member1"]
    assert decided["calls"] == [] and decided["write"] == {}


@pytest.fixture(scope="module")
def identity_info():
    key = certs.generate_key()
    name = str(peername.secure_name(key.public_key(), "member1"))
    return name, documents.render_identity_info(certs.make_identity_certificate(key, name))


@pytest.fixture(scope="module")
def member_result():
    """What the member module returns: the peer name, the identity certificate, the memberships held."""
    key = certs.generate_key()
    name = str(peername.secure_name(key.public_key(), "member1"))
    certificate = certs.make_identity_certificate(key, name)
    return {"identity_peer_name": name, "identity_certificate": base64.b64encode(certs.certificate_to_der(certificate)).decode(),
            "memberships": []}, documents.render_identity_info(certificate)


def test_the_peer_name_of_an_identity_file(identity_info):
    name, data = identity_info
    assert plan_module.identity_info_peer_name(data) == name


@pytest.mark.parametrize("data", [
    b'<!DOCTYPE x [<!ENTITY a "b">]><PEERIDENTITYINFO VERSION="1.0"><IDC>&a;</IDC></PEERIDENTITYINFO>',
    b'<PEERIDENTITYINFO VERSION="1.0"><IDC>not base64!</IDC></PEERIDENTITYINFO>',
    b'<PEERIDENTITYINFO VERSION="1.0"></PEERIDENTITYINFO>',
    b'<PEERGROUPCONFIG VERSION="1.0"/>',
])
def test_a_wrong_identity_file_is_refused(data):
    with pytest.raises(PeerError) as raised:
        plan_module.identity_info_peer_name(data)
    assert raised.value.name == "E_INVALIDARG"


# --- the action, on a real controller folder -------------------------------------------------


def make_action(args, check_mode=False):
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    return plan_module.ActionModule(task, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())


def task_vars(members, info, batch=None, inventory_sources=()):
    hostvars = dict((host, {"peergroup_memberships": [{"group": "lab"}], "__enroll_members_identity": info}) for host in members)
    hostvars["owner"] = {"enroll_members_store_path": "/srv/owner-store"}
    return {
        "groups": {"peergroup_members": list(members), "peergroup_owners": ["owner"]},
        "hostvars": hostvars,
        "ansible_play_batch": list(members) if batch is None else batch,
        "ansible_play_hosts_all": list(members) if batch is None else batch,
        "ansible_inventory_sources": list(inventory_sources),
    }


OWNER_STORES = [{"item": "owner", "memberships": [membership(LAB)], "issued": []}]


def test_the_action_writes_each_identity_once_and_public(tmp_path, member_result):
    info, data = member_result
    folder = tmp_path / "members"
    args = {"controller_dir": str(folder), "owner_stores": OWNER_STORES, "roles": ["member"], "renew_days": 30}
    first = make_action(args).run(task_vars=task_vars(["member1"], info))
    assert first["changed"] is True and first["written"] == ["member1.peeridentityinfo.xml"]
    assert first["calls"][0]["store_path"] == "/srv/owner-store"
    path = folder / "member1.peeridentityinfo.xml"
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o644 and stat.S_IMODE(folder.stat().st_mode) == 0o700
    second = make_action(args).run(task_vars=task_vars(["member1"], info))
    assert second["changed"] is False and second["written"] == []


def test_the_action_in_check_mode_writes_nothing(tmp_path, member_result):
    info, _data = member_result
    folder = tmp_path / "members"
    args = {"controller_dir": str(folder), "owner_stores": OWNER_STORES, "roles": ["member"], "renew_days": 30}
    result = make_action(args, check_mode=True).run(task_vars=task_vars(["member1"], info))
    assert result["changed"] is True and not folder.exists()


def test_the_action_forgets_a_removed_host_known_from_its_file(tmp_path, identity_info):
    name, data = identity_info
    folder = tmp_path / "members"
    folder.mkdir()
    (folder / "gone.peeridentityinfo.xml").write_bytes(data)
    stores = [{"item": "owner", "memberships": [membership(LAB)], "issued": [issued(name, LAB)]}]
    args = {"controller_dir": str(folder), "owner_stores": stores, "roles": ["member"], "renew_days": 30}
    result = make_action(args).run(task_vars=task_vars(["member2"], identity(P2)))
    assert result["forget"] == ["gone.peeridentityinfo.xml"]
    assert {"peer_name": name, "state": "absent"} in result["calls"][0]["invitees"]


@pytest.mark.parametrize("change, text", [
    ({"identity_peer_name": P1}, "is not that of " + P1),
    ({"identity_certificate": "not base64!"}, "is not base64"),
    ({"identity_certificate": base64.b64encode(b"0\x03\x02\x01\x00").decode()}, "PEER_E_INVALID_CREDENTIAL|E_INVALIDARG"),
])
def test_the_action_refuses_an_identity_certificate_that_is_not_the_members(tmp_path, member_result, change, text):
    info, _data = member_result
    folder = tmp_path / "members"
    args = {"controller_dir": str(folder), "owner_stores": OWNER_STORES, "roles": ["member"], "renew_days": 30}
    with pytest.raises(AnsibleActionFail, match="member1: its identity certificate is refused: .*(%s).*Nothing was issued" % text):
        make_action(args).run(task_vars=task_vars(["member1"], dict(info, **change)))
    assert not folder.exists()


def test_the_action_refuses_a_folder_inside_an_inventory_source(tmp_path):
    (tmp_path / "inventory").mkdir()
    args = {"controller_dir": str(tmp_path / "inventory" / "members"), "owner_stores": [], "roles": ["member"], "renew_days": 30}
    with pytest.raises(AnsibleActionFail, match="inside the inventory source"):
        make_action(args).run(task_vars=task_vars(["member1"], identity(P1), inventory_sources=[str(tmp_path / "inventory")]))


def test_the_action_fails_before_anything_on_a_problem(tmp_path):
    folder = tmp_path / "members"
    args = {"controller_dir": str(folder), "owner_stores": [], "roles": ["member"], "renew_days": 30}
    with pytest.raises(AnsibleActionFail, match="no host of peergroup_owners holds group lab.*Nothing was issued"):
        make_action(args).run(task_vars=task_vars(["member1"], identity(P1)))
    assert not folder.exists()


def test_the_default_folder_follows_xdg_data_home():
    assert plan_module.default_members_dir({"XDG_DATA_HOME": "/data"}) == os.path.join("/data", "peernet", "members")
