# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.
"""What a target lacks of the import_configs documents, and what importing them did.

Documents are the role's list: ``kind`` (identity or config), ``label``, ``valid``, ``reason``,
``identity``, ``group`` and ``digest`` (document_list.py). The import_configs role's plan action and its
summary and batch filters share these functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.digests import holds_document

# The role's own variable names; the distribute playbook passes its peergroup_* names instead.
ROLE_NAMES = {
    "password": "import_configs_password",
    "identity_password": "import_configs_identity_password",
    "group_passwords": "import_configs_group_passwords",
    "overwrite": "import_configs_overwrite",
}

# A module message ends in "(NAME 0x8...)", and a refusal under the overwrite policy names the
# module option: the report names the HRESULT once and gives its own hint instead.
_HRESULT_SUFFIX = re.compile(r"\s*\([A-Z0-9_]+ 0x[0-9A-Fa-f]{8}\)$")
_MODULE_HINT = re.compile(r";\s*set overwrite\b.*$")

# What --diff shows of the modules' diffs: named fields only, so nothing else can leak.
DIFF_FIELDS = (
    "peer_name", "classifier", "friendly_name", "key_size",
    "group_peer_name", "group_friendly_name", "identity_peer_name", "cloud", "scope", "cloud_flags", "owner",
    "roles", "not_before", "not_after", "chain_fingerprints",
)


def diff_lines(label, diff):
    """One ``label: field: before -> after`` line per DIFF_FIELDS field that differs (``-``: none)."""
    before, after = (diff or {}).get("before") or {}, (diff or {}).get("after") or {}
    lines = []
    for field in DIFF_FIELDS:
        old, new = before.get(field), after.get(field)
        if old != new:
            lines.append("%s: %s: %s -> %s" % (label, field, _diff_value(old), _diff_value(new)))
    return lines


def _diff_value(value):
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(str(item) for item in value)
    return str(value)


def pending_documents(documents, store):
    """The valid ``documents`` that ``store`` (a store_info result) does not hold yet.

    By the modules' own no-op rules: an identity already present is accepted without being
    opened, and a configuration whose digest is its membership's ``imported_digest`` is the very
    document imported last time. A store that could not be read holds nothing.
    """
    identities = {identity["peer_name"] for identity in store.get("identities", [])}
    imported = dict(
        ((membership["identity_peer_name"], membership["group_peer_name"]), membership.get("imported_digest"))
        for membership in store.get("memberships", [])
    )
    pending = []
    for document in documents:
        if not document["valid"]:
            continue
        if document["kind"] == "identity":
            # The peer name commits to the key: an identity the store holds imports nothing (identities.py).
            held = document["identity"] in identities
        else:
            held = holds_document(imported.get((document["identity"], document["group"])), document["digest"])
        if not held:
            pending.append(document)
    return pending


def predicted_pending(documents, expected, store):
    """``(pending, predicted)`` in check mode, where the export before the import wrote nothing.

    ``expected`` are the documents the export would write with new content (the export_configs
    role's ``export_configs_content_changes``: ``kind``, ``label``, ``identity``, ``group``,
    ``digest`` or None). Each stands in for the listed document of the same label, whose content
    the real run replaces; the store holds one by the same rules as pending_documents (a
    configuration of unknown digest is never held). ``pending`` are the listed documents still
    to import, ``predicted`` the expected ones, without a document to import in check mode.
    """
    labels = set(entry["label"] for entry in expected)
    stand_ins = [dict(entry, valid=True, path=None, content=None, predicted=True) for entry in expected]
    listed = [document for document in documents if document["label"] not in labels]
    pending = pending_documents(listed + stand_ins, store)
    return ([document for document in pending if not document.get("predicted")],
            [document for document in pending if document.get("predicted")])


def batch_plans(plans):
    """Which hosts of a batch lack a document, which lack nothing, and the latter's lines.

    ``plans`` maps host names to their __import_configs_plan results; a host whose plan did not run (it
    failed or was unreachable) is in neither list. Hosts come in name order.
    """
    lacking, complete, lines = [], [], []
    for host in sorted(plans):
        plan = plans[host]
        if not isinstance(plan, Mapping) or "pending" not in plan:
            continue
        if plan["pending"]:
            lacking.append(host)
        else:
            complete.append(host)
            lines.append(plan["ansible_facts"]["import_configs_summary"]["line"])
    return {"lacking": lacking, "complete": complete, "lines": lines}


def without_hresult(message):
    """A module message without its closing "(NAME 0x8...)": report lines name the HRESULT once."""
    return _HRESULT_SUFFIX.sub("", message or "")


def _clean_message(message):
    return _MODULE_HINT.sub("", without_hresult(message)).strip()


def _hint(document, hresult, names, message=""):
    """What the user of the role (or of the playbook, by ``names``) can do about a refusal."""
    if hresult == "ERROR_INVALID_PASSWORD":
        if document.get("kind") == "identity":
            return "Check %s (%s when that is not set)." % (names["identity_password"], names["password"])
        if document.get("password_key"):
            return "Check %s[%s]." % (names["group_passwords"], document["password_key"])
        return "Check %s, or give this group its own in %s." % (names["password"], names["group_passwords"])
    if hresult == "PEER_E_ALREADY_EXISTS":
        if message.startswith("overwrite=if_newer"):
            # Already the renewal policy: only always would take this document.
            return "Set %s=always to replace what the target holds anyway." % names["overwrite"]
        return "Set %s=if_newer to roll out a renewed GMC, or %s=always to replace what the target holds." % (
            names["overwrite"], names["overwrite"])
    if hresult == "PEER_E_NOT_FOUND" and document.get("kind") == "config":
        return "Export the identity too (export_configs_include_identities: true, the default)."
    return ""


def _refusal(document, result, names):
    hresult = (result.get("hresult") or {}).get("name", "error")
    message = _clean_message(result.get("msg", ""))
    return {"document": document["label"], "hresult": hresult, "message": message, "hint": _hint(document, hresult, names, message)}


def failure_lines(host, refused):
    """One line per refusal: host, document, HRESULT (once), what happened and what to do."""
    lines = []
    for entry in refused:
        line = "%s: %s: %s: %s." % (host, entry["document"], entry["hresult"], entry["message"].rstrip("."))
        hint = entry.get("hint")
        lines.append("%s %s" % (line, hint) if hint else line)
    return lines


def summarize(host, documents, pending, identity_results=(), config_results=None, check_mode=False, refusal=None, names=None,
              predicted=()):
    """What happened to every document on ``host``, with a one-line summary.

    ``pending`` are the documents the store lacked; the others count as unchanged.
    ``identity_results`` are the identity_import results (one per pending identity, each with
    its ``item``), ``config_results`` the one group_config_import result. ``refusal`` (document,
    hresult, message) is a password the controller check refused: every document is refused.
    ``names`` maps password, identity_password, group_passwords and overwrite to the variable
    names the hints give (default: the role's). ``failures`` has one line per refusal.
    ``unreported_change`` is true in check mode when configurations would be imported after their
    identity while the import task reported no change: the role's summary task then reports it, so
    check mode counts as many changed tasks as the real run. ``diff`` has the lines of ``diff_lines``
    for every document imported (or that would be), from the modules' diffs in diff mode.
    ``predicted`` (check mode) are the documents the export would write that the store lacks
    (predicted_pending): they would be imported, and they stand in for the listed documents of
    the same label.
    """
    names = dict(ROLE_NAMES, **(names or {}))
    if refusal:
        entry = {"document": refusal["document"], "hresult": refusal["hresult"],
                 "message": _clean_message(refusal["message"]) + " (checked once, on the controller); nothing was changed",
                 "hint": _hint({"kind": "identity"}, refusal["hresult"], names)}
        line = "%s: refused all, %s: %s" % (host, entry["hresult"], entry["document"])
        return {"imported": [], "unchanged": [], "refused": [entry], "skipped": [], "line": line,
                "failures": failure_lines(host, [entry]), "unreported_change": False, "diff": []}

    imported, unchanged, refused, arriving, after_identity, diff = [], [], [], set(), 0, []
    skipped = [document["reason"] for document in documents if not document["valid"]]
    replaced = set(document["label"] for document in predicted)
    for document in predicted:
        imported.append(document["label"] + " (after the export)")
        if document["kind"] == "identity":
            arriving.add(document["identity"])
    for result in identity_results:
        label = result["item"]["label"]
        # Every successful identity import returns the peer name.
        if "identity_peer_name" not in result:
            refused.append(_refusal(result["item"], result, names))
        elif result.get("changed"):
            imported.append(label)
            arriving.add(result["identity_peer_name"])
            diff.extend(diff_lines(label, result.get("diff")))
        else:
            unchanged.append(label)
    unchanged.extend(document["label"] for document in documents
                     if document["valid"] and document not in pending and document["label"] not in replaced)

    pending_configs = [document for document in pending if document["kind"] == "config"]
    # Without per-document results the whole call failed (unreadable src, missing requirement...).
    per_document = (config_results or {}).get("configs")
    # The batch module heads each diff with its document's index; a refused one has none.
    config_diffs = {entry.get("after_header"): entry for entry in (config_results or {}).get("diff") or []}
    for index, document in enumerate(pending_configs):
        result = per_document[index] if per_document is not None else dict(config_results or {}, failed=True)
        if result.get("failed"):
            hresult = (result.get("hresult") or {}).get("name")
            if check_mode and hresult == "PEER_E_NOT_FOUND" and document["identity"] in arriving:
                # Check mode did not really import the identity, so this configuration cannot be opened yet.
                imported.append(document["label"] + " (after its identity)")
                after_identity += 1
            else:
                refused.append(_refusal(document, result, names))
        elif result.get("changed"):
            imported.append("%s (%s)" % (document["label"], ", ".join(result.get("changed_fields", []))))
            diff.extend(diff_lines(document["label"], config_diffs.get("configs[%d]" % index)))
        else:
            unchanged.append(document["label"])

    if not documents and not predicted:
        parts = ["no document to import yet (check mode: the export writes them in a real run)"]
    else:
        parts = [
            "%s %d%s" % ("would import" if check_mode else "imported", len(imported), " (%s)" % ", ".join(imported) if imported else ""),
            "unchanged %d" % len(unchanged),
            "refused %d%s" % (
                len(refused),
                " (%s)" % ", ".join("%s: %s" % (entry["document"], entry["hresult"]) for entry in refused) if refused else ""),
        ]
        if skipped:
            parts.append("skipped %d invalid (%s)" % (len(skipped), ", ".join(skipped)))
    # Configurations the export would write have no document to import in check mode either.
    predicted_configs = any(document["kind"] == "config" for document in predicted)
    unreported_change = bool(after_identity or predicted_configs) and not (config_results or {}).get("changed")
    return {"imported": imported, "unchanged": unchanged, "refused": refused, "skipped": skipped,
            "line": "%s: %s" % (host, ", ".join(parts)), "failures": failure_lines(host, refused),
            "unreported_change": unreported_change, "diff": diff}
