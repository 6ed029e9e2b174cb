# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the export_configs role's report: facts, summary, diff, refusals with the user's variables."""

from __future__ import annotations

import hashlib
from unittest import mock

from ansible_collections.peernet.peergroup.plugins.action import __export_configs_report as export_configs_report
from ansible_collections.peernet.peergroup.tests.unit.plugins.action.controller_files import make_action

OWNER = "a" * 40 + ".owner"
FARM = "c" * 40 + ".farm"
LAB = "d" * 40 + ".lab"
PLAN = {
    "configs": [
        {"password_key": "", "names": ["farm.peergroupconfig.xml"], "configs": [{"identity": OWNER, "group": FARM}]},
        {"password_key": "lab", "names": ["lab.peergroupconfig.xml"], "configs": [{"identity": OWNER, "group": LAB}]},
    ],
    "identities": [{"name": "owner.peeridentity.xml", "identity": OWNER}],
    "stale": ["old.peergroupconfig.xml"],
    "skipped": [],
}
FARM_DIFF = {"before": {"configs": [{}]}, "after": {"configs": [{"group_peer_name": FARM, "roles": ["member"]}]}}
WRONG_PASSWORD = {"failed": True, "hresult": {"name": "ERROR_INVALID_PASSWORD"},
                  "msg": "the password does not open dest ~/x/lab.xml; nothing was changed "
                         "(regenerate=always re-seals it with this password) (ERROR_INVALID_PASSWORD 0x80070056)"}


def config_result(changed, content_changed, controller_changed, text, diff=None):
    entry = {"changed": changed, "content_changed": content_changed, "controller_changed": controller_changed, "config_xml": text}
    return dict({"configs": [entry]}, **({"diff": diff} if diff else {}))


def identity_result(changed, content_changed, controller_changed=False):
    return {"changed": changed, "content_changed": content_changed, "controller_changed": controller_changed,
            "identity_xml": None if changed else "<PEERIDENTITYEXPORT/>"}


def run(config_results, identity_results, check_mode=False, names=None):
    return export_configs_report.report("src", PLAN, config_results, identity_results, "/ctl", names, check_mode)


def test_a_new_document_is_a_content_change_and_shows_its_diff():
    summary = run([config_result(True, True, True, None, FARM_DIFF), config_result(False, False, False, "<lab/>")],
                  [identity_result(False, False)], check_mode=True)
    assert summary["facts"]["export_configs_changed"] is True
    assert summary["facts"]["export_configs_documents"] == [
        "/ctl/farm.peergroupconfig.xml", "/ctl/lab.peergroupconfig.xml", "/ctl/owner.peeridentity.xml"]
    assert summary["facts"]["export_configs_content_changes"] == [
        {"kind": "config", "label": "farm.peergroupconfig.xml", "identity": OWNER, "group": FARM, "digest": None}]
    assert summary["diff_lines"] == ["farm.peergroupconfig.xml: group_peer_name: - -> %s" % FARM, "farm.peergroupconfig.xml: roles: - -> [member]"]
    assert summary["line"] == ("src: 3 document(s) for /ctl: 1 would be sealed anew (farm.peergroupconfig.xml), 2 unchanged, "
                               "1 would be removed (old.peergroupconfig.xml)")
    assert summary["failures"] == []


def test_a_new_seal_over_the_same_content_is_no_change_for_targets():
    summary = run([config_result(True, False, True, None), config_result(True, False, True, None)], [identity_result(True, False, True)])
    assert summary["facts"]["export_configs_changed"] is True
    assert summary["facts"]["export_configs_content_changes"] == []
    assert summary["line"].startswith("src: 3 document(s) for /ctl: 3 sealed anew (")


def test_a_known_document_written_anew_on_the_controller_carries_its_digest():
    summary = run([config_result(False, False, True, "<farm/>"), config_result(False, False, False, "<lab/>")], [identity_result(False, False)])
    assert summary["facts"]["export_configs_content_changes"] == [
        {"kind": "config", "label": "farm.peergroupconfig.xml", "identity": OWNER, "group": FARM,
         "digest": hashlib.sha256(b"<farm/>").hexdigest()}]
    assert summary["facts"]["export_configs_changed"] is True


def test_refusals_name_the_variable_the_user_set_and_the_hresult_once():
    summary = run([config_result(False, False, False, "<farm/>"), WRONG_PASSWORD], [dict(WRONG_PASSWORD)],
                  names={"password": "peergroup_password", "identity_password": "peergroup_identity_password",
                         "group_passwords": "peergroup_group_passwords", "rekey": "peergroup_rekey"})
    assert summary["failures"] == [
        "src: ERROR_INVALID_PASSWORD: the password does not open dest ~/x/lab.xml; nothing was changed. "
        "Check peergroup_group_passwords[lab]; to rotate the password on purpose, run once with peergroup_rekey=true.",
        "src: ERROR_INVALID_PASSWORD: the password does not open dest ~/x/lab.xml; nothing was changed. "
        "Check peergroup_identity_password (peergroup_password when that is not set); "
        "to rotate the password on purpose, run once with peergroup_rekey=true.",
    ]
    assert summary["facts"]["export_configs_documents"] == ["/ctl/farm.peergroupconfig.xml"]


def test_refusal_hints_default_to_the_role_variables():
    plan_default_password = {"password_key": "", "names": ["farm.peergroupconfig.xml"], "configs": []}
    refusals = [("config", plan_default_password, WRONG_PASSWORD), ("config", plan_default_password, {"failed": True, "msg": "boom"})]
    lines = export_configs_report.failure_lines("src", refusals, export_configs_report.ROLE_NAMES)
    assert lines[0].endswith("Check export_configs_password; to rotate the password on purpose, run once with export_configs_rekey=true.")
    assert lines[1] == "src: error: boom."


def test_skipped_memberships_are_reported():
    plan = dict(PLAN, configs=[], identities=[], stale=[], skipped=["lab for owner (PEER_E_INVALID_TIME_PERIOD: expired)"])
    line = export_configs_report.summary_line("src", "/ctl", plan, [], False)
    assert line == ("src: 0 document(s) for /ctl: 0 sealed anew, 0 unchanged; "
                    "skipped, chain does not verify: lab for owner (PEER_E_INVALID_TIME_PERIOD: expired)")


def test_the_action_sets_the_facts_shows_the_diff_and_fails_on_refusals():
    args = dict(plan=PLAN, config_results=[config_result(True, True, True, None, FARM_DIFF), WRONG_PASSWORD],
                identity_results=[identity_result(False, False)], folder="/ctl")
    action = make_action(export_configs_report.ActionModule, args)
    action.register_host_variables = mock.MagicMock()
    result = action.run(task_vars={"inventory_hostname": "src"})
    assert result["failed"] is True and result["msg"].startswith("src: ERROR_INVALID_PASSWORD: ")
    assert result["ansible_facts"]["export_configs_changed"] is True
    assert "farm.peergroupconfig.xml: roles: - -> [member]" in result["diff_lines"]
    # No document text reaches the result.
    assert "<" not in repr(result)
