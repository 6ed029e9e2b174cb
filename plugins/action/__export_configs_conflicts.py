# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.export_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.
"""Refuse two sources of the play writing the same controller file, before either exports."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.exports import find_conflicts

ARGUMENT_SPEC = {"names_by_host": {"type": "dict", "required": True}}


def conflict_problem(names_by_host):
    """The message that stops the play, or None."""
    conflicts = find_conflicts(names_by_host)
    if not conflicts:
        return None
    return ("These documents would be written by more than one source, each run overwriting the other: %s. "
            "Export each membership and identity from one source only (export_configs_memberships, "
            "export_configs_include_identities)." % "; ".join(conflicts))


class ActionModule(ActionBase):
    """``names_by_host`` maps each source of the play to the file names of its plan."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        problem = conflict_problem(args["names_by_host"])
        result["changed"] = False
        if problem:
            result.update(failed=True, msg=problem)
        return result
