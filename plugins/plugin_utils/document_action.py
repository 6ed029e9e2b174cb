# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.
"""Controller side of the import modules: read ``src`` (vault-encrypted or not) into the task."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.parsing.vault import is_encrypted
from ansible.plugins.action import ActionBase
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.documents import MAX_DOCUMENT_SIZE
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.fileio import os_error_as_peer_error, read_document

# Vault text is hex of hex (four bytes per plain byte) in lines of 80 plus a newline, after a header.
VAULT_LIMIT = 4 * MAX_DOCUMENT_SIZE * 81 // 80 + 4096


class DocumentImportAction(ActionBase):
    """Replace ``src`` by the document's text in ``content_option``, then run the module.

    With ``list_option`` set, each dict element of that option has its ``src`` replaced too.
    """

    TRANSFERS_FILES = False
    content_option = None
    list_option = None

    def run(self, tmp=None, task_vars=None):
        result = super(DocumentImportAction, self).run(tmp, task_vars)
        del tmp
        module_args = dict(self._task.args)
        try:
            self._inline_src(module_args, "src")
            items = module_args.get(self.list_option) if self.list_option else None
            if isinstance(items, list):
                module_args[self.list_option] = [
                    self._inline_src(dict(item), "%s[%d].src" % (self.list_option, index)) if isinstance(item, Mapping) else item
                    for index, item in enumerate(items)
                ]
        except PeerError as exc:
            result.update(failed=True, msg=str(exc), hresult=exc.as_dict())
            return result
        except AnsibleError as exc:
            result.update(failed=True, msg=to_text(exc.message))
            return result
        result.update(self._execute_module(module_args=module_args, task_vars=task_vars))
        return result

    def _inline_src(self, args, name):
        """Replace ``src`` in ``args`` by the document's text; ``name`` says where in the task it was."""
        src = args.pop("src", None)
        if src is not None:
            if args.get(self.content_option) is not None:
                raise AnsibleError("%s and %s are mutually exclusive" % (name, self.content_option))
            args[self.content_option] = read_controller_document(self, src)
        return args


def read_controller_document(action, src):
    """The text of ``src`` on the controller, found as ``copy`` finds its ``src``.

    The bytes come from fileio.read_document, which reads only a regular file and never more
    than the limit; a vault-encrypted file is then decrypted in memory: its plain text never
    reaches a file. A missing file raises AnsibleFileNotFound; one that is not a regular file, too
    large or not UTF-8, PeerError (E_INVALIDARG).
    """
    path = action._find_needle("files", src)
    try:
        data = read_document(path, VAULT_LIMIT)
    except OSError as exc:
        raise os_error_as_peer_error(exc)
    if is_encrypted(data):
        data = action._loader._vault.decrypt(data)
    if len(data) > MAX_DOCUMENT_SIZE:
        raise PeerError("E_INVALIDARG", "document %s is larger than %d bytes" % (src, MAX_DOCUMENT_SIZE))
    try:
        return data.decode("utf-8")
    except UnicodeError:
        raise PeerError("E_INVALIDARG", "document %s is not UTF-8 text" % src)
