# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the export_configs role's plan and conflict actions."""

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import exports
from ansible_collections.peernet.peergroup.plugins.action import __export_configs_conflicts as export_configs_conflicts
from ansible_collections.peernet.peergroup.plugins.action import __export_configs_plan as export_configs_plan
from ansible_collections.peernet.peergroup.tests.unit.plugins.action.controller_files import make_action

OWNER = "a" * 40 + ".owner"
FARM = "c" * 40 + ".farm"
LAB = "d" * 40 + ".lab"
STORE = {"memberships": [
    {"identity_peer_name": OWNER, "group_peer_name": FARM, "chain_verified": True, "chain_problem": None},
    {"identity_peer_name": OWNER, "group_peer_name": LAB, "chain_verified": True, "chain_problem": None},
]}
ARGS = {"store_path": None, "memberships": [], "include_identities": True, "include_group_key": False, "password_names": ["lab"],
        "remote_dir": "~/exports", "controller_dir": "/ctl", "rekey": False}


def found(*names):
    return {"files": [{"path": "/home/u/exports/" + name} for name in names]}


def test_plan_from_a_store_and_an_export_folder():
    stale = "gone-000000000000@owner-aaaaaaaaaaaa.peergroupconfig.xml"
    plan = export_configs_plan.plan_from(STORE, found(stale, exports.config_file_name(OWNER, FARM)), ARGS)
    assert plan["regenerate"] == "full_idempotence" and plan["changed"] is False
    assert [batch["password_key"] for batch in plan["configs"]] == ["", "lab"]
    # The source's own "~": the controller never expands it.
    assert plan["configs"][0]["configs"][0]["dest"] == "~/exports/" + exports.config_file_name(OWNER, FARM)
    assert plan["configs"][0]["configs"][0]["include_group_key"] is False
    assert plan["stale"] == [stale]


def test_a_rekey_run_also_reseals_what_the_password_does_not_open():
    assert export_configs_plan.plan_from(STORE, found(), dict(ARGS, rekey=True))["regenerate"] == "partial_idempotence"


def test_plan_refuses_problems_and_unreadable_inputs():
    wanted = dict(ARGS, memberships=[{"identity": "owner", "group": "nope", "include_group_key": None}])
    refused = export_configs_plan.plan_from(STORE, found(), wanted)
    assert refused["failed"] and refused["msg"].startswith("PEER_E_NOT_FOUND: identity owner is not a member of group nope")
    assert export_configs_plan.plan_from({"failed": True, "msg": "locked"}, found(), ARGS)["msg"] == "cannot read the store: locked"
    assert export_configs_plan.plan_from(STORE, {"failed": True, "msg": "denied"}, ARGS)["msg"] == "cannot list ~/exports: denied"


def test_plan_action_runs_store_info_and_find_on_the_source():
    action = make_action(export_configs_plan.ActionModule, dict(remote_dir="~/exports", controller_dir="/ctl"))
    action._execute_module.side_effect = [STORE, found()]
    result = action.run(task_vars={})
    modules = [call.kwargs["module_name"] for call in action._execute_module.call_args_list]
    assert modules == ["peernet.peergroup.store_info", "ansible.builtin.find"]
    assert action._execute_module.call_args_list[1].kwargs["module_args"]["patterns"] == ["*.peeridentity.xml", "*.peergroupconfig.xml"]
    assert not result.get("failed") and len(result["names"]) == 3


def test_conflicts_stop_the_play_naming_files_and_hosts():
    assert export_configs_conflicts.conflict_problem({"src1": ["a.xml"], "src2": ["b.xml"]}) is None
    problem = export_configs_conflicts.conflict_problem({"src1": ["a.xml"], "src2": ["a.xml"]})
    assert "a.xml (src1, src2)" in problem and "export_configs_memberships" in problem
    action = make_action(export_configs_conflicts.ActionModule, dict(names_by_host={"src1": ["a.xml"], "src2": ["a.xml"]}))
    assert action.run(task_vars={})["failed"] is True
