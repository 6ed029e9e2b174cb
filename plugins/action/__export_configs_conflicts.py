# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.export_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.
"""Refuse two sources of the play writing the same controller file, before either exports."""

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.exports import find_conflicts
from ansible_collections.peernet.peergroup.plugins.plugin_utils.private_action import PrivateAction

ARGUMENT_SPEC = {"names_by_host": {"type": "dict", "required": True}}


def conflict_problem(names_by_host):
    """The message that stops the play, or None."""
    conflicts = find_conflicts(names_by_host)
    if not conflicts:
        return None
    return ("These documents would be written by more than one source, each run overwriting the other: %s. "
            "Export each membership and identity from one source only (export_configs_memberships, "
            "export_configs_include_identities)." % "; ".join(conflicts))


class ActionModule(PrivateAction):
    """``names_by_host`` maps each source of the play to the file names of its plan."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    _requires_connection = False

    def decide(self, result, args, task_vars):
        problem = conflict_problem(args["names_by_host"])
        result["changed"] = False
        if problem:
            result.update(failed=True, msg=problem)
        return result
