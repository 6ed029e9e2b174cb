# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the action of the enroll_members member step: the member's role variables are checked
before the member module runs on it."""

from __future__ import annotations

from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.peernet.peergroup.plugins.action.__enroll_members_member import ActionModule as MemberAction

MEMBER_RESULT = {"changed": False, "identity_peer_name": "a" * 40 + ".m1", "identity_certificate": "MIIB", "memberships": []}


def make_action():
    task = mock.MagicMock()
    task.args = {"store_path": "/srv/peernet", "classifier": "m1"}
    task.async_val = 0
    action = MemberAction(task, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
    action._execute_module = mock.MagicMock(return_value=dict(MEMBER_RESULT))
    action._templar.template = lambda value: value
    return action


def test_the_member_module_runs_with_the_tasks_arguments():
    action = make_action()
    result = action.run(task_vars={"inventory_hostname": "m1", "enroll_members_renew_days": 30})
    assert action._execute_module.call_args.kwargs["module_name"] == "peernet.peergroup.__enroll_members_member"
    assert "module_args" not in action._execute_module.call_args.kwargs  # the task's own
    assert result["identity_peer_name"] == MEMBER_RESULT["identity_peer_name"] and result["changed"] is False


def test_a_wrong_role_variable_fails_the_member_before_its_module_runs():
    action = make_action()
    with pytest.raises(AnsibleActionFail, match="enroll_members_lifetime_days"):
        action.run(task_vars={"inventory_hostname": "m1", "enroll_members_lifetime_days": "a year"})
    action._execute_module.assert_not_called()
