# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the export plan: selection, file names, password choice, stale files, conflicts."""

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import exports

OWNER = "a" * 40 + ".owner"
OTHER_OWNER = "b" * 40 + ".owner"
FARM = "c" * 40 + ".build farm/1"
LAB = "d" * 40 + ".lab"
SECOND_FARM = "e" * 40 + ".build farm/1"


def membership(identity, group, verified=True):
    return {"identity_peer_name": identity, "group_peer_name": group, "chain_verified": verified,
            "chain_problem": None if verified else "PEER_E_INVALID_TIME_PERIOD: the GMC expired"}


def test_file_names_keep_safe_characters_and_twelve_authority_digits():
    assert exports.config_file_name(OWNER, FARM) == "build_farm_1-cccccccccccc@owner-aaaaaaaaaaaa.peergroupconfig.xml"
    assert exports.identity_file_name(OWNER) == "owner-aaaaaaaaaaaa.peeridentity.xml"


def test_file_stem_cuts_long_classifiers():
    assert exports.file_stem("0." + "x" * 149) == "x" * 64 + "-0"


def test_password_key_prefers_the_peer_name_then_the_classifier():
    assert exports.password_key(FARM, {FARM, "build farm/1"}) == FARM
    assert exports.password_key(FARM, {"build farm/1"}) == "build farm/1"
    assert exports.password_key(FARM, {"lab"}) == ""
    assert exports.password_key(None, {"lab"}) == ""


def test_empty_selection_takes_verified_memberships_and_skips_the_rest():
    picked, problems, skipped = exports.select_memberships(
        [membership(OWNER, FARM), membership(OWNER, LAB, verified=False)], [], False)
    assert picked == [(membership(OWNER, FARM), False)]
    assert problems == []
    assert skipped == ["lab for owner (PEER_E_INVALID_TIME_PERIOD: the GMC expired)"]


def test_selection_by_classifier_or_peer_name_with_own_group_key_choice():
    memberships = [membership(OWNER, FARM), membership(OWNER, LAB)]
    picked, problems, _skipped = exports.select_memberships(
        memberships, [{"identity": "owner", "group": LAB}, {"identity": OWNER, "group": "build farm/1", "include_group_key": True}], False)
    assert problems == []
    assert picked == [(membership(OWNER, LAB), False), (membership(OWNER, FARM), True)]


def test_selection_problems_name_their_hresult():
    memberships = [membership(OWNER, FARM), membership(OTHER_OWNER, FARM), membership(OWNER, LAB, verified=False)]
    picked, problems, _skipped = exports.select_memberships(
        memberships, [{"identity": "nobody", "group": "lab"}, {"identity": "owner", "group": FARM}, {"identity": "owner", "group": "lab"}], True)
    assert picked == []
    assert problems == [
        "PEER_E_NOT_FOUND: identity nobody is not a member of group lab in this store",
        "E_INVALIDARG: identity owner and group %s match 2 memberships; use peer names" % FARM,
        "the membership of owner in lab cannot be exported: PEER_E_INVALID_TIME_PERIOD: the GMC expired",
    ]


def test_use_peer_names_resolves_the_ambiguity():
    memberships = [membership(OWNER, FARM), membership(OTHER_OWNER, FARM)]
    picked, problems, _skipped = exports.select_memberships(memberships, [{"identity": OTHER_OWNER, "group": FARM}], True)
    assert problems == []
    assert picked == [(membership(OTHER_OWNER, FARM), True)]


def test_plan_batches_by_password_and_exports_each_identity_once():
    picked = [(membership(OWNER, FARM), True), (membership(OWNER, LAB), False), (membership(OWNER, SECOND_FARM), False)]
    plan = exports.plan_export(picked, True, {"lab"}, "/src", "/ctl", found_names=["old.peergroupconfig.xml", "notes.txt"])
    farm_name = exports.config_file_name(OWNER, FARM)
    second_name = exports.config_file_name(OWNER, SECOND_FARM)
    lab_name = exports.config_file_name(OWNER, LAB)
    identity_name = exports.identity_file_name(OWNER)
    assert [(batch["password_key"], batch["names"]) for batch in plan["configs"]] == [("", [farm_name, second_name]), ("lab", [lab_name])]
    assert plan["configs"][0]["configs"][0] == {
        "identity": OWNER, "group": FARM, "dest": "/src/" + farm_name, "controller_dest": "/ctl/" + farm_name, "include_group_key": True}
    assert plan["identities"] == [{"name": identity_name, "identity": OWNER, "dest": "/src/" + identity_name, "controller_dest": "/ctl/" + identity_name}]
    assert plan["names"] == [farm_name, identity_name, lab_name, second_name]
    # Only documents of ours are stale: another file in the folder is left alone.
    assert plan["stale"] == ["old.peergroupconfig.xml"]


def test_plan_without_identities_keeps_earlier_identity_documents_stale():
    identity_name = exports.identity_file_name(OWNER)
    plan = exports.plan_export([(membership(OWNER, FARM), True)], False, set(), "/src", "/ctl", found_names=[identity_name])
    assert plan["identities"] == []
    assert plan["stale"] == [identity_name]


def test_conflicts_name_each_file_and_its_writers():
    assert exports.find_conflicts({"src2": ["a.xml", "b.xml"], "src1": ["a.xml"], "src3": ["c.xml"]}) == ["a.xml (src1, src2)"]
    assert exports.find_conflicts({"src1": ["a.xml"], "src2": ["b.xml"]}) == []
