# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the report playbook's private action: where the files go, and when they change."""

from __future__ import annotations

import datetime
import os
import stat

import pytest
import yaml

from ansible_collections.peernet.peergroup.plugins.action.__report import ARGUMENT_SPEC
from ansible_collections.peernet.peergroup.plugins.action.__report import ActionModule as ReportAction
from ansible_collections.peernet.peergroup.tests.unit.plugins.action.controller_files import make_action

MEMBERSHIP = {
    "identity_peer_name": "b" * 40 + ".member", "group_peer_name": "c" * 40 + ".crew", "roles": ["member"],
    "owner": False, "chain_length": 3, "not_after": "2027-06-01T00:00:00Z", "days_left": 180, "chain_verified": True,
}
STORES = [{"exists": True, "store_path": "/s", "memberships": [MEMBERSHIP], "integrity_problems": []},
          {"unreachable": True, "msg": "no route"}]
FILES = ("peergroup-report.html", "peergroup-report.csv")


def run(args, check_mode=False, task_vars=None, today=datetime.date(2026, 12, 3)):
    action = make_action(ReportAction, dict({"hosts": ["one", "two"], "stores": STORES}, **args), check_mode=check_mode)
    action._today = lambda: today
    return action.run(task_vars=task_vars or {})


def test_the_files_are_written_private_in_a_new_private_folder(tmp_path):
    folder = tmp_path / "reports"
    result = run({"report_dir": str(folder)})
    assert not result.get("failed"), result
    assert result["changed"] and result["html"] == str(folder / FILES[0]) and result["csv"] == str(folder / FILES[1])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(os.listdir(folder)) == sorted(FILES)
    assert all(stat.S_IMODE((folder / name).stat().st_mode) == 0o600 for name in FILES)
    assert result["summary"] == {"rows": 2, "hosts": 2, "expiring": 0, "with_problems": 1}
    assert "unreachable: no route" in (folder / FILES[1]).read_text(encoding="utf-8")


def test_a_rerun_with_the_same_data_changes_nothing_and_a_new_day_does(tmp_path):
    run({"report_dir": str(tmp_path)})
    before = {name: (tmp_path / name).stat().st_ino for name in FILES}
    again = run({"report_dir": str(tmp_path)})
    assert not again["changed"] and again["changed_files"] == []
    assert {name: (tmp_path / name).stat().st_ino for name in FILES} == before
    # The page carries the date of the data; the CSV does not.
    tomorrow = run({"report_dir": str(tmp_path)}, today=datetime.date(2026, 12, 4))
    assert tomorrow["changed_files"] == [str(tmp_path / FILES[0])]


def test_check_mode_writes_nothing_and_tells_what_would_change(tmp_path):
    folder = tmp_path / "reports"
    result = run({"report_dir": str(folder)}, check_mode=True)
    assert result["changed"] and not folder.exists()


def test_a_relative_folder_is_taken_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run({"report_dir": "out/reports"})
    assert result["html"] == str(tmp_path / "out" / "reports" / FILES[0])
    assert (tmp_path / "out" / "reports" / FILES[1]).is_file()


def test_the_default_folder_is_under_xdg_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = run({})
    assert result["csv"] == str(tmp_path / "data" / "peernet" / "reports" / FILES[1])


def test_a_folder_inside_an_inventory_source_is_refused(tmp_path):
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    result = run({"report_dir": str(inventory / "reports")}, task_vars={"ansible_inventory_sources": [str(inventory)]})
    assert result["failed"] and "peergroup_report_dir" in result["msg"] and "inventory source" in result["msg"]
    assert not (inventory / "reports").exists()


def test_a_symbolic_link_in_place_of_a_file_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("keep", encoding="utf-8")
    (tmp_path / FILES[1]).symlink_to(target)
    result = run({"report_dir": str(tmp_path)})
    assert result["failed"] and result["hresult"]["name"] == "E_INVALIDARG"
    assert target.read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize("args, message", [
    ({"hosts": ["one"]}, "hosts and stores differ in length (1 and 2)"),
    ({"expiring_days": -1}, "peergroup_report_expiring_days must be 0 or more, got -1"),
    ({"report_dir": ""}, "peergroup_report_dir is empty; give a controller folder, for example DATA/peernet/reports"),
])
def test_bad_arguments_are_refused_before_any_file(tmp_path, monkeypatch, args, message):
    monkeypatch.setenv("XDG_DATA_HOME", "DATA")
    result = run(dict({"report_dir": str(tmp_path / "reports")}, **args))
    assert result["failed"] and result["msg"] == message
    assert not (tmp_path / "reports").exists()


def test_the_documentation_states_the_argument_spec():
    # plugins/modules/__report.yml documents this action (ansible-test requires it); it must not drift.
    path = os.path.join(os.path.dirname(ReportAction.run.__code__.co_filename), os.pardir, "modules", "__report.yml")
    with open(path, encoding="utf-8") as handle:
        options = yaml.safe_load(handle)["DOCUMENTATION"]["options"]
    documented = {name: {key: value for key, value in option.items() if key != "description"} for name, option in options.items()}
    assert documented == ARGUMENT_SPEC
