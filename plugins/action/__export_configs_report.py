# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.export_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.
"""Sum up a source's export: the role's facts, its summary line, its non-secret diff, and one
line per refusal naming the variable the user set."""

from __future__ import annotations

import re


try:
    from ansible.plugins.action import VariableLayer
except ImportError:  # ansible-core < 2.21: only the result's ansible_facts, which it keeps as host facts
    VariableLayer = None
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.digests import document_digest
from ansible_collections.peernet.peergroup.plugins.plugin_utils.import_report import diff_lines, without_hresult
from ansible_collections.peernet.peergroup.plugins.plugin_utils.private_action import PrivateAction

ARGUMENT_SPEC = {
    "plan": {"type": "dict", "required": True},
    "config_results": {"type": "list", "elements": "dict", "default": []},
    "identity_results": {"type": "list", "elements": "dict", "default": []},
    "folder": {"type": "path", "required": True},
    "names": {"type": "dict", "default": {}},
}

# The role's own variable names; the distribute playbook passes its peergroup_* names instead.
ROLE_NAMES = {
    "password": "export_configs_password",
    "identity_password": "export_configs_identity_password",
    "group_passwords": "export_configs_group_passwords",
    "rekey": "export_configs_rekey",
}

# A module message may name the module option: the line names the user's variable instead.
_OPTION_HINT = re.compile(r"\s*\(regenerate=[^)]*\)")


def _documents(plan, config_results, identity_results):
    """``(documents, refusals)``: each exported document with what happened to it, and each refused call."""
    documents, refusals = [], []
    calls = [("config", batch, result) for batch, result in zip(plan["configs"], config_results)]
    calls += [("identity", planned, result) for planned, result in zip(plan["identities"], identity_results)]
    for kind, planned, result in calls:
        entries = result.get("configs") if kind == "config" else [result]
        if result.get("failed") or entries is None:
            refusals.append((kind, planned, result))
            continue
        items = zip(planned["names"], planned["configs"], entries) if kind == "config" else [(planned["name"], planned, result)]
        for index, (name, item, entry) in enumerate(items):
            documents.append(_document(kind, name, item, entry, _entry_diff(result.get("diff"), kind, index)))
    return documents, refusals


def _entry_diff(diff, kind, index):
    if not diff:
        return None
    if kind == "identity":
        return diff
    return {"before": diff["before"]["configs"][index], "after": diff["after"]["configs"][index]}


def _document(kind, name, item, entry, diff):
    text = entry.get("config_xml" if kind == "config" else "identity_xml")
    return {
        "kind": kind,
        "name": name,
        "identity": item["identity"],
        "group": item.get("group"),
        "changed": bool(entry.get("changed")),
        "content_changed": bool(entry.get("content_changed", entry.get("changed"))),
        "controller_changed": bool(entry.get("controller_changed")),
        # Known when the document was not sealed anew: the digest the import rules compare.
        "digest": document_digest(text.encode("utf-8")) if text is not None and not entry.get("changed") else None,
        "diff": diff_lines(name, diff) if diff else [],
    }


def content_changes(documents):
    """What a target would find new in the folder: new content, or a known document written anew there.

    A new seal over the same content is left out: importing it changes nothing on a target.
    """
    return [
        {"kind": document["kind"], "label": document["name"], "identity": document["identity"], "group": document["group"],
         "digest": None if document["content_changed"] else document["digest"]}
        for document in documents
        if document["content_changed"] or (document["controller_changed"] and not document["changed"])
    ]


def _hint(kind, planned, hresult, names):
    if hresult != "ERROR_INVALID_PASSWORD":
        return ""
    if kind == "identity":
        check = "%s (%s when that is not set)" % (names["identity_password"], names["password"])
    elif planned["password_key"]:
        check = "%s[%s]" % (names["group_passwords"], planned["password_key"])
    else:
        check = names["password"]
    return " Check %s; to rotate the password on purpose, run once with %s=true." % (check, names["rekey"])


def failure_lines(host, refusals, names):
    """One line per refused call: host, HRESULT once, what happened, what to do."""
    lines = []
    for kind, planned, result in refusals:
        hresult = (result.get("hresult") or {}).get("name", "error")
        message = _OPTION_HINT.sub("", without_hresult(result.get("msg") or "the export failed")).rstrip(".")
        lines.append("%s: %s: %s.%s" % (host, hresult, message, _hint(kind, planned, hresult, names)))
    return lines


def summary_line(host, folder, plan, documents, check_mode):
    sealed = [document["name"] for document in documents if document["changed"]]
    parts = ["%s: %d document(s) for %s: %d %s anew%s" % (
        host, len(documents), folder, len(sealed), "would be sealed" if check_mode else "sealed", " (%s)" % ", ".join(sealed) if sealed else "")]
    parts.append("%d unchanged" % (len(documents) - len(sealed)))
    if plan["stale"]:
        parts.append("%d%s removed (%s)" % (len(plan["stale"]), " would be" if check_mode else "", ", ".join(plan["stale"])))
    line = ", ".join(parts)
    if plan.get("skipped"):
        line += "; skipped, chain does not verify: %s" % ", ".join(plan["skipped"])
    return line


def report(host, plan, config_results, identity_results, folder, names, check_mode):
    names = dict(ROLE_NAMES, **(names or {}))
    documents, refusals = _documents(plan, config_results, identity_results)
    return {
        "facts": {
            "export_configs_changed": any(document["changed"] or document["controller_changed"] for document in documents),
            "export_configs_documents": ["%s/%s" % (folder, document["name"]) for document in documents],
            "export_configs_content_changes": content_changes(documents),
        },
        "line": summary_line(host, folder, plan, documents, check_mode),
        "failures": failure_lines(host, refusals, names),
        "diff_lines": [line for document in documents for line in document["diff"]],
    }


class ActionModule(PrivateAction):
    """Runs on the controller; its result holds no document and no password."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    _requires_connection = False

    def decide(self, result, args, task_vars):
        summary = report(task_vars["inventory_hostname"], args["plan"], args["config_results"], args["identity_results"],
                         args["folder"], args["names"], bool(self._task.check_mode))
        facts = summary.pop("facts")
        # Set like ansible.builtin.set_fact sets them: for this play run, not cached as host facts.
        if VariableLayer is not None:
            self.register_host_variables({}, VariableLayer.CACHEABLE_FACT)
            self.register_host_variables(facts, VariableLayer.EPHEMERAL_FACT)
        result.update(summary, changed=False, ansible_facts=facts)
        if summary["failures"]:
            result.update(failed=True, msg="\n".join(summary["failures"]))
        return result
