# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the enroll_members role's pick of one member's invitations, and of the files it forgets."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.peernet.peergroup.plugins.action.__enroll_members_joins import busy, forget, joins, steps


def invitation(peer_name, group, xml):
    return {"identity_peer_name": peer_name, "group_peer_name": group, "invitation_xml": xml}


def test_only_the_members_issued_invitations_are_joined():
    issued = [
        {"invitations": [invitation("p1", "lab", "<lab p1>"), invitation("p2", "lab", "<lab p2>")]},
        {"invitations": [invitation("p1", "farm", None), invitation("p1", "test", "<test p1>")]},
        {"skipped": True},
    ]
    assert joins(issued, "p1") == [{"group": "lab", "invitation_xml": "<lab p1>"}, {"group": "test", "invitation_xml": "<test p1>"}]
    assert joins(issued, "p3") == []


def test_steps_leave_first_then_join_for_every_member_of_the_batch():
    issued = [{"invitations": [invitation("p1", "lab", "<lab p1>"), invitation("p2", "lab", "<lab p2>")]}]
    members = {"member1": {"identity_peer_name": "p1", "memberships": []}, "member2": {"identity_peer_name": "p2", "memberships": []},
               "member3": None}
    leave = {"member1": [{"group": "farm", "identity": "p1"}], "member2": []}
    assert steps(issued, leave, members) == {
        "member1": [
            {"state": "absent", "group": "farm", "identity": "p1", "invitation_xml": None},
            {"state": "present", "group": "lab", "identity": None, "invitation_xml": "<lab p1>"},
        ],
        "member2": [{"state": "present", "group": "lab", "identity": None, "invitation_xml": "<lab p2>"}],
        # check mode: a member whose identity is not made yet has nothing to join
        "member3": [],
    }


def test_busy_names_only_the_hosts_with_a_call_to_make():
    assert busy({"member2": [{"state": "absent"}], "member1": [], "member3": [{"state": "present"}, {"state": "absent"}]}) == ["member2", "member3"]
    assert busy({"member1": []}) == []


def test_forget_removes_the_files_named_and_says_which(tmp_path):
    (tmp_path / "gone.peeridentityinfo.xml").write_text("<info/>")
    (tmp_path / "kept.peeridentityinfo.xml").write_text("<info/>")
    names = ["gone.peeridentityinfo.xml", "never-there.peeridentityinfo.xml"]
    assert forget(str(tmp_path), names, check_mode=True) == ["gone.peeridentityinfo.xml"]
    assert (tmp_path / "gone.peeridentityinfo.xml").exists()
    assert forget(str(tmp_path), names, check_mode=False) == ["gone.peeridentityinfo.xml"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kept.peeridentityinfo.xml"]
    assert forget(str(tmp_path), names, check_mode=False) == []


@pytest.mark.parametrize("name", ["../outside.peeridentityinfo.xml", "sub/x.peeridentityinfo.xml", "..", ""])
def test_forget_removes_nothing_outside_the_folder(tmp_path, name):
    folder = tmp_path / "members"
    folder.mkdir()
    (tmp_path / "outside.peeridentityinfo.xml").write_text("<info/>")
    with pytest.raises(AnsibleActionFail, match="is not a file name"):
        forget(str(folder), [name], check_mode=False)
    assert (tmp_path / "outside.peeridentityinfo.xml").exists()


def test_forget_refuses_a_folder_in_place_of_a_file(tmp_path):
    (tmp_path / "odd.peeridentityinfo.xml").mkdir()
    with pytest.raises(AnsibleActionFail, match="cannot remove"):
        forget(str(tmp_path), ["odd.peeridentityinfo.xml"], check_mode=False)
