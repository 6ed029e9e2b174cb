# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.import_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations


try:
    from ansible.plugins.action import VariableLayer
except ImportError:  # ansible-core < 2.21: only the result's ansible_facts, which it keeps as host facts
    VariableLayer = None
from ansible_collections.peernet.peergroup.plugins.plugin_utils.import_report import pending_documents, predicted_pending, summarize
from ansible_collections.peernet.peergroup.plugins.plugin_utils import role_variables
from ansible_collections.peernet.peergroup.plugins.plugin_utils.private_action import PrivateAction

ROLE = "import_configs"
ARGUMENT_SPEC = {
    "documents": {"type": "list", "elements": "dict", "required": True},
    "expected": {"type": "list", "elements": "dict", "default": []},
    "store_path": {"type": "path"},
}


class ActionModule(PrivateAction):
    """Check the host's role variables, read the target's store with store_info and plan the import of
    ``documents`` there: the role's first step on each target."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def decide(self, result, args, task_vars):
        role_variables.check(ROLE, task_vars, self._templar.template)
        documents = args["documents"]
        store_args = {"verify": False}
        if args["store_path"] is not None:
            store_args["store_path"] = args["store_path"]
        store = self._execute_module(module_name="peernet.peergroup.store_info", module_args=store_args, task_vars=task_vars)
        readable = not store.get("failed")
        check_mode = bool(self._task.check_mode)
        # An unreadable store leaves every document pending: each import then refuses with its HRESULT.
        if check_mode:
            pending, predicted = predicted_pending(documents, args["expected"], store if readable else {})
        else:
            pending, predicted = pending_documents(documents, store if readable else {}), []
        # A host that lacks only what the export would write reports that change here, as the real run's import would.
        result.update(changed=bool(predicted) and not pending, pending=pending, predicted=predicted)
        if not readable:
            result["store_problem"] = store.get("msg", "")
        if not pending:
            # A host that lacks nothing is reported here: the role then gives it no further task.
            summary = summarize(task_vars["inventory_hostname"], documents, pending, check_mode=check_mode, predicted=predicted)
            facts = {"import_configs_summary": summary, "import_configs_changed": bool(predicted)}
            # Set like ansible.builtin.set_fact sets them: for this play run, not cached as host facts.
            if VariableLayer is not None:
                self.register_host_variables({}, VariableLayer.CACHEABLE_FACT)
                self.register_host_variables(facts, VariableLayer.EPHEMERAL_FACT)
            result["ansible_facts"] = facts
        return result
