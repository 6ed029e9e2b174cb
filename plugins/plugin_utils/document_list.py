# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.
"""The documents of the import_configs role: listed, read on the controller, described.

A document is a dict: ``kind`` (identity or config), ``label``, ``path`` or ``content``,
``valid`` and ``reason``, the public facts ``identity``, ``group``, ``digest`` and
``not_after``, and ``password_key`` (the entry of the per-group passwords that opens it, or "").
The import_configs role's plan action and summary filter take this list (import_report.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.exports import DOCUMENT_SUFFIXES, password_key

# What a folder of exported documents holds, by kind (the export_configs role writes these names).
FOLDER_PATTERNS = {kind: "*" + suffix for kind, suffix in DOCUMENT_SUFFIXES.items()}
DOCUMENT_TYPES = {"identity": "PEERIDENTITYEXPORT", "config": "PEERGROUPCONFIG"}


def list_sources(folder_files, identity_documents, group_documents):
    """Every document to read, identities first (their group configurations need them).

    ``folder_files`` maps a kind to the sorted paths of its files in the documents folder; the
    listed documents are paths, ``{path: ...}`` or ``{content: ..., label: ...}``. A listed
    document of another shape is kept with its ``problem``.
    """
    sources = []
    for kind, listed in (("identity", identity_documents), ("config", group_documents)):
        sources.extend(_source(kind, path, index) for index, path in enumerate(folder_files.get(kind, []), 1))
        sources.extend(_source(kind, document, index) for index, document in enumerate(listed, 1))
    return sources


def _source(kind, document, index):
    if isinstance(document, str):
        return {"kind": kind, "label": os.path.basename(document), "path": document, "content": None}
    if isinstance(document, Mapping) and ("path" in document) != ("content" in document):
        if "path" in document:
            return {"kind": kind, "label": os.path.basename(document["path"]), "path": document["path"], "content": None}
        label = document.get("label") or "inline %s document #%d" % (kind, index)
        return {"kind": kind, "label": label, "path": None, "content": document["content"]}
    return {"kind": kind, "label": "%s document #%d" % (kind, index), "path": None, "content": None,
            "problem": "give a controller path, {path: ...} or {content: ...}"}


def describe_sources(sources, read_text, describe, password_names):
    """The documents of ``sources`` with their public facts.

    ``read_text(path)`` returns a controller file's text or raises PeerError; ``describe(text)``
    returns its public facts (configs.describe_document); ``password_names`` are the keys of
    the per-group passwords, group peer names or classifiers (the peer name wins).
    """
    return [_document(source, read_text, describe, password_names) for source in sources]


def _document(source, read_text, describe, password_names):
    try:
        info = _public_facts(source, read_text, describe)
    except PeerError as exc:
        info = {"valid": False, "problem": exc.message, "hresult": exc.as_dict()}
    group = info.get("group_peer_name")
    hresult_name = (info.get("hresult") or {}).get("name", "E_INVALIDARG")
    return {
        "kind": source["kind"],
        "label": source["label"],
        "path": source["path"],
        "content": source["content"],
        "valid": info["valid"],
        "reason": "%s: %s (%s)" % (source["label"], hresult_name, info.get("problem") or "unreadable"),
        "identity": info.get("identity_peer_name"),
        "group": group,
        "password_key": password_key(group, password_names),
        "digest": info.get("digest"),
        "not_after": info.get("not_after"),
    }


def _public_facts(source, read_text, describe):
    if "problem" in source:
        raise PeerError("E_INVALIDARG", source["problem"])
    text = source["content"] if source["path"] is None else read_text(source["path"])
    if not isinstance(text, str):
        raise PeerError("E_INVALIDARG", "the content of an inline document must be its text")
    info = describe(text)
    expected = DOCUMENT_TYPES[source["kind"]]
    if info["valid"] and info["document_type"] != expected:
        raise PeerError("E_INVALIDARG", "listed as %s but is %s" % (expected, info["document_type"]))
    return info


def listing_problem(documents, fail_on_invalid, check_mode, folder):
    """Why the play stops before touching any host, or None.

    No document at all stops it (except in check mode, where the export before the import has
    not written them yet); so does a document no host could import, unless ``fail_on_invalid``
    is off (it is then skipped and reported per host).
    """
    if not documents and not check_mode:
        where = " (%s holds no %s)" % (folder, " or ".join(FOLDER_PATTERNS.values())) if folder else ""
        return "No document to import: documents_dir, identity_documents and group_documents name none%s." % where
    invalid = [document["reason"] for document in documents if not document["valid"]]
    if fail_on_invalid and invalid:
        return "%d document(s) cannot be imported on any host, nothing was changed: %s" % (len(invalid), "; ".join(invalid))
    return None
