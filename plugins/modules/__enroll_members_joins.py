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
  - Picks, on the controller, once for the play batch, what each member leaves (the plan's decision) and the
    invitations the owners issued to it in this run that it does not hold yet (same chain, cloud settings and group
    name), so that a member with nothing to do starts no join process.
  - Removes from the controller folder the files of the hosts the plan forgets (removed from the inventory and
    revoked by the owners' calls before this task).
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
  leave:
    description: The groups each member leaves, by inventory host, as P(peernet.peergroup.__enroll_members_plan#module) returns them.
    type: dict
    required: true
  folder:
    description: The controller folder of the members' files, as P(peernet.peergroup.__enroll_members_plan#module) returns it.
    type: path
    required: true
  forget:
    description: The files of O(folder) to remove, as P(peernet.peergroup.__enroll_members_plan#module) returns them.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
# PRIVATE: the role peernet.peergroup.enroll_members runs it; run the role instead.
- name: Pick what each member leaves and joins (what the role does once for the batch)
  peernet.peergroup.__enroll_members_joins:
    # group_invitation results of the run.
    issued:
      - invitations: []
    # The plan's leave, by inventory host.
    leave:
      web1: []
    folder: ~/.local/share/peernet/members
    forget: []
  run_once: true
  register: member_steps
"""

RETURN = r"""
steps:
  description:
    - By inventory host of the batch, the M(peernet.peergroup.group_join) calls to make, leaves first, each with
      C(state), C(group), C(identity) and C(invitation_xml) (V(null) where the state does not use it).
  returned: always
  type: dict
busy:
  description:
    - The inventory hosts of the batch with a call in RV(steps), sorted.
  returned: always
  type: list
  elements: str
forgotten:
  description:
    - The files of O(folder) removed (in check mode, that would be removed); a change.
  returned: always
  type: list
  elements: str
"""
