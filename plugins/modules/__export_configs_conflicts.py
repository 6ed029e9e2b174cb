#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.export_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

DOCUMENTATION = r"""
module: __export_configs_conflicts
short_description: Refuse two sources of the export_configs role writing the same controller file
version_added: 0.2.0
description:
  - Runs once, on the controller, after every source planned its export.
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
    support: none
  platform:
    platforms: posix
options:
  names_by_host:
    description: The file names of each source's plan, by host name.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Refuse two sources writing the same controller file
  peernet.peergroup.__export_configs_conflicts:
    names_by_host:
      source1: [build-farm-0a1b2c3d4e5f@fleet-node-6f1d3a0e5b2c.peergroupconfig.xml]
  run_once: true
"""

RETURN = r"""
"""
