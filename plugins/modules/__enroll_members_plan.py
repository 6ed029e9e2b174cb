#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

DOCUMENTATION = r"""
module: __enroll_members_plan
short_description: "PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly"
version_added: 0.2.0
description:
  - "PRIVATE: internal to role P(peernet.peergroup.enroll_members#role); do not use directly. Its options and
    results change with the role."
  - Plans one enrolment run on the controller from the inventory, the owners' stores and the members'
    identities, and keeps each member's public C(PEERIDENTITYINFO) in the controller folder, written from the
    identity certificate the member returned.
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
  controller_dir:
    description: The role's C(enroll_members_controller_dir).
    type: path
  owner_stores:
    description: The M(peernet.peergroup.store_info) results of the owners, each with its C(item) (the owner).
    type: list
    elements: dict
    required: true
  roles:
    description: Roles of a membership that names none.
    type: list
    elements: str
    required: true
  renew_days:
    description:
      - The role's C(enroll_members_renew_days). A member that holds a credential its owner would hand back unchanged
        (more days left, same issuer and roles) is left out of the owner's call.
    type: int
    required: true
"""

EXAMPLES = r"""
# PRIVATE: the role peernet.peergroup.enroll_members runs it; run the role instead.
- name: Plan the enrolment of the play's members (what the role does once per batch)
  peernet.peergroup.__enroll_members_plan:
    controller_dir: /srv/peergroup-members
    # store_info results of the owners, each with its item (the owner's inventory name).
    owner_stores:
      - item: owner1.example.net
        memberships: []
        issued: []
    roles: [member]
    renew_days: 30
  run_once: true
  register: enrolment
"""

RETURN = r"""
calls:
  description:
    - One M(peernet.peergroup.group_invitation) call per owner, issuer and group with something to issue, renew or
      revoke; none on a run that changes nothing.
  returned: always
  type: list
  elements: dict
leave:
  description: Per member of the batch, the groups it leaves.
  returned: always
  type: dict
forget:
  description: Identity files of the hosts removed from the inventory.
  returned: always
  type: list
  elements: str
pending:
  description: Members check mode would give an identity first; the real run enrols them.
  returned: always
  type: list
  elements: str
written:
  description: Identity files written (or, in check mode, to be written) to the controller folder.
  returned: always
  type: list
  elements: str
folder:
  description: The controller folder.
  returned: always
  type: str
"""
