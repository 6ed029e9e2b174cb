#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.import_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

DOCUMENTATION = r"""
module: __import_configs_plan
short_description: Tell which import_configs documents a host store still lacks
description:
  - The first step of the P(peernet.peergroup.import_configs#role) role on each target, in one
    task so that an idempotent re-run costs one module per host.
  - Checks the host's role variables against the role's argument spec first, so that the role's
    playbook needs no validation task of Ansible's on every target.
  - Reads the store with M(peernet.peergroup.store_info) and
    O(peernet.peergroup.store_info#module:verify=false) (no certificate parsed, no password)
    and returns the valid documents it does not hold yet, by the import
    modules' own no-op rules. An identity whose peer name is in the store is held; a group
    configuration is held when its digest is its membership's C(imported_digest), i.e. it is the
    very document imported last time.
  - A store that cannot be read holds nothing, so every valid document is pending.
  - On a host that lacks nothing, sets the role's facts C(import_configs_summary) and
    C(import_configs_changed).
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
seealso:
  - module: peernet.peergroup.group_config_import
  - module: peernet.peergroup.store_info
options:
  documents:
    description:
      - The documents to import, as C(documents) of M(peernet.peergroup.__import_configs_documents) lists
        them with their public facts (those P(peernet.peergroup.config_info#filter) reads).
      - Each has C(kind) (C(identity) or C(config)), C(label), C(valid), C(reason) (why it is
        invalid), C(identity) and C(group) (peer names) and C(digest).
    type: list
    elements: dict
    required: true
  expected:
    description:
      - Check mode only. The documents the export before this role would write with new content (the
        export_configs role's C(export_configs_content_changes)), each with C(kind), C(label) (its file
        name), C(identity), C(group) and C(digest) (V(null) when it would be sealed anew).
      - Each stands in for the listed document of the same label; one the store lacks is counted in
        RV(predicted), so check mode predicts what the real run imports although the export wrote nothing.
    type: list
    elements: dict
    default: []
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Tell whether the store lacks a group configuration (public facts, no password)
  peernet.peergroup.__import_configs_plan:
    documents:
      - kind: config
        label: build-farm.xml
        valid: "{{ build_farm.valid }}"
        reason: "build-farm.xml: {{ build_farm.problem }}"
        identity: "{{ build_farm.identity_peer_name }}"
        group: "{{ build_farm.group_peer_name }}"
        digest: "{{ build_farm.digest }}"
  vars:
    # Unstripped: the digest is over the document's exact bytes.
    build_farm: "{{ lookup('ansible.builtin.file', 'configs/build-farm.xml', rstrip=false) | peernet.peergroup.config_info }}"
  register: plan
"""

RETURN = r"""
pending:
  description: The given documents the store does not hold yet, unchanged, in their order.
  returned: always
  type: list
  elements: dict
predicted:
  description:
    - Check mode only. The O(expected) documents the store lacks; they have no document to import yet. A
      host that lacks only these is reported as changed by this task.
  returned: always
  type: list
  elements: dict
  version_added: 0.2.0
store_problem:
  description: Why the store could not be read; every valid document is then pending.
  returned: when the store could not be read
  type: str
ansible_facts:
  description: The role's facts, set only on a host that lacks nothing.
  returned: when RV(pending) is empty
  type: dict
  contains:
    import_configs_changed:
      description: V(false) here, unless check mode predicts documents (RV(predicted)).
      type: bool
    import_configs_summary:
      description:
        - C(imported), C(unchanged) (document labels), C(refused), C(skipped) (reasons of the
          invalid documents) and the one-line C(line).
      type: dict
"""
