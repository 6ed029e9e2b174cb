# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.
"""The controller folders of the roles and playbooks: where they default to and what is refused."""

from __future__ import annotations

import os

from ansible.errors import AnsibleError

# plugins/plugin_utils/ -> the collection's root, which an upgrade replaces.
_COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def default_documents_dir(environ=None):
    """The per-user controller folder of the documents: $XDG_DATA_HOME/peernet/documents."""
    environ = os.environ if environ is None else environ
    data_home = environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data_home, "peernet", "documents")


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def controller_folder(path, inventory_sources=(), variable="the documents folder", required=False):
    """``path`` as an absolute controller folder, refused inside an inventory source or this collection.

    ``~`` is expanded and a relative path is taken from the working directory of the controller
    (where ansible-playbook runs), once, so every task uses the same folder. An empty ``path``
    stays empty (no folder) unless ``required``.
    """
    if path is None or path == "":
        if required:
            raise AnsibleError("%s is empty; give the controller folder of the documents, for example %s" % (variable, default_documents_dir()))
        return ""
    if not isinstance(path, str):
        raise AnsibleError("%s must be a path, not %s" % (variable, type(path).__name__))
    folder = os.path.normpath(os.path.abspath(os.path.expanduser(path)))
    real = os.path.realpath(folder)
    if isinstance(inventory_sources, str):
        inventory_sources = [inventory_sources]
    for source in inventory_sources or ():
        # Only a folder source is read file by file; a host list or a single file is not.
        if not isinstance(source, str) or not os.path.isdir(os.path.expanduser(source)):
            continue
        if _inside(real, os.path.realpath(os.path.expanduser(source))):
            raise AnsibleError(
                "%s %s is inside the inventory source %s: Ansible would read the documents there as inventory. "
                "Choose a folder outside every inventory source, for example %s" % (variable, folder, source, default_documents_dir())
            )
    if _inside(real, os.path.realpath(_COLLECTION_ROOT)):
        raise AnsibleError(
            "%s %s is inside the collection peernet.peergroup (%s), which an upgrade replaces. "
            "Choose a folder of your own, for example %s" % (variable, folder, _COLLECTION_ROOT, default_documents_dir())
        )
    return folder
