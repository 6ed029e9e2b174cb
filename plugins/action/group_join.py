# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.plugin_utils.document_action import DocumentImportAction


class ActionModule(DocumentImportAction):
    content_option = "invitation_xml"
