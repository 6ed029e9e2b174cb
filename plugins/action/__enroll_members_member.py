# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.
"""The role's first step on each member: the member's role variables checked against the role's
argument spec, then the member module, in the same task."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.peernet.peergroup.plugins.plugin_utils import role_variables

ROLE = "enroll_members"


class ActionModule(ActionBase):
    """PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        role_variables.check(ROLE, task_vars, self._templar.template)
        result.update(self._execute_module(module_name="peernet.peergroup.__enroll_members_member", task_vars=task_vars))
        return result
