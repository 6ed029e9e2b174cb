# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of the import modules: read ``src`` (vault-encrypted or not) into the task.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.documents import MAX_DOCUMENT_SIZE
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError


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

    A vault-encrypted file is decrypted in memory: its plain text never reaches a file. A missing
    file raises AnsibleFileNotFound; one too large or not UTF-8, PeerError (E_INVALIDARG).
    """
    path = action._find_needle("files", src)
    # A vault file is larger than its plain text, so this bound is safe.
    if os.path.getsize(path) > 4 * MAX_DOCUMENT_SIZE:
        raise PeerError("E_INVALIDARG", "document %s is larger than %d bytes" % (src, MAX_DOCUMENT_SIZE))
    try:
        # Decrypted in memory on every ansible-core (get_text_file_contents is 2.19+); bytes that are not UTF-8 fail the decoding.
        data = action._loader._get_file_contents(path)[0]
        data.decode("utf-8")
    except UnicodeError:
        raise PeerError("E_INVALIDARG", "document %s is not UTF-8 text" % src)
    if len(data) > MAX_DOCUMENT_SIZE:
        raise PeerError("E_INVALIDARG", "document %s is larger than %d bytes" % (src, MAX_DOCUMENT_SIZE))
    return data.decode("utf-8")
