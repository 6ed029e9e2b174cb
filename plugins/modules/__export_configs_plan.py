#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.export_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

DOCUMENTATION = r"""
module: __export_configs_plan
short_description: Plan the documents a source of the export_configs role writes
version_added: 0.2.0
description:
  - The planning step of the P(peernet.peergroup.export_configs#role) role on each source.
  - Reads the store with M(peernet.peergroup.store_info) and the export folder with M(ansible.builtin.find)
    on the source, then plans on the controller with the collection's export rules (selection, file
    names, per-group password entry, stale files). No password is taken.
  - Fails when a requested membership is missing, matches more than one membership or its chain does
    not verify.
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - peernet.peergroup.common
  - peernet.peergroup.common.action_plugin
  - peernet.peergroup.common.read_only
attributes:
  platform:
    platforms: posix
options:
  memberships:
    description: The memberships to export; empty exports every membership whose chain verifies.
    type: list
    elements: dict
    default: []
    suboptions:
      identity:
        description: The member identity, as peer name or classifier.
        type: str
        required: true
      group:
        description: The group, as peer name or classifier.
        type: str
        required: true
      include_group_key:
        description: Overrides O(include_group_key) for this membership.
        type: bool
  include_identities:
    description: Also export the identity of every exported membership.
    type: bool
    default: true
  include_group_key:
    description: Whether owners' documents carry the group key.
    type: bool
    default: false
  password_names:
    description: The keys of the per-group passwords (group peer names or classifiers); no password.
    type: list
    elements: str
    default: []
  remote_dir:
    description: The export folder on the source, as the source's user sees it (C(~) is not expanded here).
    type: str
    required: true
  controller_dir:
    description: The documents folder on the controller.
    type: path
    required: true
  rekey:
    description: Plan a password rotation (C(regenerate=partial_idempotence)) instead of C(full_idempotence).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Plan the documents to export
  peernet.peergroup.__export_configs_plan:
    remote_dir: ~/.local/share/peernet-exports
    controller_dir: /srv/peergroup-documents
  register: plan
"""

RETURN = r"""
configs:
  description: One batch per password, each with C(password_key), the file C(names) and the C(configs) items of M(peernet.peergroup.group_config_export).
  returned: success
  type: list
  elements: dict
identities:
  description: The M(peernet.peergroup.identity_export) calls, each with C(name), C(identity), C(dest) and C(controller_dest).
  returned: success
  type: list
  elements: dict
names:
  description: Every file name of the plan.
  returned: success
  type: list
  elements: str
stale:
  description: Files an earlier run left in the export folder that this plan no longer writes.
  returned: success
  type: list
  elements: str
skipped:
  description: Memberships left out because their chain does not verify, with the reason.
  returned: success
  type: list
  elements: str
regenerate:
  description: The export modules' C(regenerate) for this run.
  returned: success
  type: str
"""
