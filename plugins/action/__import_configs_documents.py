# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.import_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

import glob
import os

from ansible.errors import AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.deps import controller_problem
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.configs import describe_document
from ansible_collections.peernet.peergroup.plugins.plugin_utils.document_action import read_controller_document
from ansible_collections.peernet.peergroup.plugins.plugin_utils.document_list import (
    FOLDER_PATTERNS,
    describe_sources,
    list_sources,
    listing_problem,
)
from ansible_collections.peernet.peergroup.plugins.plugin_utils.private_action import PrivateAction

ARGUMENT_SPEC = {
    "documents_dir": {"type": "path", "default": ""},
    "identity_documents": {"type": "list", "elements": "raw", "default": []},
    "group_documents": {"type": "list", "elements": "raw", "default": []},
    "password_names": {"type": "list", "elements": "str", "default": [], "no_log": False},
    "fail_on_invalid": {"type": "bool", "default": True},
}


class ActionModule(PrivateAction):
    """List the documents to import, read their public facts on the controller, and fail on
    documents that no host could import."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    _requires_connection = False

    def decide(self, result, args, task_vars):
        problem = controller_problem("peernet.peergroup.__import_configs_documents")
        if problem:
            result.update(failed=True, msg=problem)
            return result

        folder = args["documents_dir"]
        sources = list_sources(self._folder_files(folder), args["identity_documents"], args["group_documents"])
        documents = describe_sources(sources, self._read_text, lambda text: describe_document(to_bytes(text)), set(args["password_names"]))
        result.update(changed=False, documents=documents)
        problem = listing_problem(documents, args["fail_on_invalid"], self._task.check_mode, folder)
        if problem:
            result.update(failed=True, msg=problem)
        return result

    def _folder_files(self, folder):
        """The documents folder's files by kind, in name order; a folder that is not there has none."""
        if not folder:
            return {}
        try:
            found = self._find_needle("files", folder)
        except AnsibleFileNotFound:
            return {}
        return {kind: sorted(path for path in glob.glob(os.path.join(glob.escape(found), pattern)) if os.path.isfile(path))
                for kind, pattern in FOLDER_PATTERNS.items()}

    def _read_text(self, path):
        try:
            return read_controller_document(self, path)
        except AnsibleFileNotFound:
            raise PeerError("PEER_E_NOT_FOUND", "no such file on the controller: %s" % path)
        except AnsibleError as exc:
            # A vault file that no vault secret opens, an unreadable file.
            raise PeerError("E_INVALIDARG", "cannot read %s on the controller: %s" % (path, to_text(exc.message)))
