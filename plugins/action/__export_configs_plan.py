# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.export_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.
"""Plan a source's export: read its store and its export folder, pick the documents (exports.py)."""

from __future__ import annotations

import posixpath

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import exports
from ansible_collections.peernet.peergroup.plugins.plugin_utils.private_action import PrivateAction

ARGUMENT_SPEC = {
    "store_path": {"type": "path"},
    "memberships": {
        "type": "list", "elements": "dict", "default": [],
        "options": {"identity": {"type": "str", "required": True}, "group": {"type": "str", "required": True},
                    "include_group_key": {"type": "bool"}},
    },
    "include_identities": {"type": "bool", "default": True},
    "include_group_key": {"type": "bool", "default": False},
    "password_names": {"type": "list", "elements": "str", "default": [], "no_log": False},
    # A path on the source: "~" is the source user's, so it is not expanded here.
    "remote_dir": {"type": "str", "required": True},
    "controller_dir": {"type": "path", "required": True},
    "rekey": {"type": "bool", "default": False},
}


def regenerate_policy(rekey):
    """The export modules' regenerate: a rekey run also re-seals what the password does not open.

    Not always: a run that keeps rekey set must still change nothing once the rotation is done.
    """
    return "partial_idempotence" if rekey else "full_idempotence"


def plan_from(store, found, args):
    """The plan result from a store_info result, a find result and the task's arguments."""
    if store.get("failed"):
        return {"failed": True, "msg": "cannot read the store: %s" % store.get("msg", "")}
    if found.get("failed"):
        return {"failed": True, "msg": "cannot list %s: %s" % (args["remote_dir"], found.get("msg", ""))}
    picked, problems, skipped = exports.select_memberships(store.get("memberships", []), args["memberships"], args["include_group_key"])
    if problems:
        return {"failed": True, "msg": "; ".join(problems), "problems": problems}
    found_names = [posixpath.basename(entry["path"]) for entry in found.get("files", [])]
    plan = exports.plan_export(picked, args["include_identities"], set(args["password_names"]),
                               args["remote_dir"], args["controller_dir"], found_names)
    plan.update(changed=False, skipped=skipped, regenerate=regenerate_policy(args["rekey"]))
    return plan


class ActionModule(PrivateAction):
    """Run store_info and find on the source, then plan on the controller: two modules, no password."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def decide(self, result, args, task_vars):
        store_args = {} if args["store_path"] is None else {"store_path": args["store_path"]}
        store = self._execute_module(module_name="peernet.peergroup.store_info", module_args=store_args, task_vars=task_vars)
        found = self._execute_module(
            module_name="ansible.builtin.find",
            module_args={"paths": [args["remote_dir"]], "patterns": ["*" + suffix for suffix in exports.DOCUMENT_SUFFIXES.values()]},
            task_vars=task_vars,
        )
        result.update(plan_from(store, found, args))
        return result
