#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.export_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

DOCUMENTATION = r"""
module: __export_configs_report
short_description: Sum up a source's export for the export_configs role
version_added: 0.2.0
description:
  - Sets the role's facts C(export_configs_changed), C(export_configs_documents) and
    C(export_configs_content_changes) from the export modules' results, returns the summary line and,
    in diff mode, the non-secret diff lines of each document whose content changes (the callback shows a
    diff only for a changed task, and this task changes nothing).
  - Fails with one line per refused export, naming the variable to check (O(names)).
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - peernet.peergroup.common.action_plugin
attributes:
  check_mode:
    support: full
  diff_mode:
    support: partial
    details: Returns the diff as RV(diff_lines) for the role to print.
  platform:
    platforms: posix
options:
  plan:
    description: The result of M(peernet.peergroup.__export_configs_plan).
    type: dict
    required: true
  config_results:
    description: The M(peernet.peergroup.group_config_export) results, one per batch of the plan.
    type: list
    elements: dict
    default: []
  identity_results:
    description: The M(peernet.peergroup.identity_export) results, one per identity of the plan.
    type: list
    elements: dict
    default: []
  folder:
    description: The documents folder on the controller.
    type: path
    required: true
  names:
    description: The variable names the hints give for C(password), C(identity_password), C(group_passwords) and C(rekey).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Sum up the export
  peernet.peergroup.__export_configs_report:
    plan:
      configs: []
      identities:
        - name: fleet-node-6f1d3a0e5b2c.peeridentity.xml
          identity: 6f1d3a0e5b2c0a1b2c3d4e5f60718293a4b5c6d7.fleet-node
      stale: []
      skipped: []
    identity_results:
      - changed: true
        content_changed: true
        controller_changed: true
        identity_xml: null
    folder: /srv/peergroup-documents
"""

RETURN = r"""
line:
  description: The summary line of the host.
  returned: always
  type: str
failures:
  description: One line per refused export.
  returned: always
  type: list
  elements: str
diff_lines:
  description: In diff mode, the non-secret diff lines of the documents whose content changes.
  returned: always
  type: list
  elements: str
"""
