#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

DOCUMENTATION = r"""
module: __enroll_members_joins
short_description: "PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly"
version_added: 0.2.0
description:
  - "PRIVATE: internal to role P(peernet.peergroup.enroll_members#role); do not use directly. Its options and
    results change with the role."
  - Picks, on the controller, the invitations the owners issued to one member in this run that the member does not
    hold yet (same chain, cloud settings and group name), so that a re-run starts no join process.
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
  issued:
    description: The M(peernet.peergroup.group_invitation) results of the run.
    type: list
    elements: dict
    required: true
  identity_peer_name:
    description: The member's peer name.
    type: str
  held:
    description: The memberships the member holds, as P(peernet.peergroup.__enroll_members_member#module) returns them.
    type: list
    elements: dict
    default: []
"""

EXAMPLES = r"""
# PRIVATE: the role peernet.peergroup.enroll_members runs it; run the role instead.
- name: Pick this member's invitations from the owners' results (what the role does on each member)
  peernet.peergroup.__enroll_members_joins:
    # group_invitation results of the run.
    issued:
      - invitations: []
    identity_peer_name: "{{ member_identity.identity_peer_name }}"
    # The memberships the member module returned (member_identity.memberships).
    held: []
  register: member_invitations
"""

RETURN = r"""
joins:
  description: The member's invitations it does not hold yet, each with C(group) and C(invitation_xml).
  returned: always
  type: list
  elements: dict
"""
