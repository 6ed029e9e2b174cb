# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to roles peernet.peergroup.export_configs and import_configs and to the playbook
# peernet.peergroup.distribute; do not use directly. The leading __ keeps it out of ansible-doc's lists.

"""The filter controller_folder over plugin_utils/controller_folder.py."""

from __future__ import annotations

from ansible.errors import AnsibleError, AnsibleFilterError
from ansible_collections.peernet.peergroup.plugins.plugin_utils import controller_folder as folders


def controller_folder(path, inventory_sources=(), variable="the documents folder", required=False):
    try:
        return folders.controller_folder(path, inventory_sources, variable, required)
    except AnsibleError as exc:
        raise AnsibleFilterError(exc.message) from None


class FilterModule(object):
    def filters(self):
        return {"controller_folder": controller_folder}
