#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: group_join
short_description: Join a peer group with an invitation (PEERINVITATION), or leave one
version_added: 0.2.0
description:
  - With O(state=present), joins the group of a C(PEERINVITATION) issued by
    M(peernet.peergroup.group_invitation), as C(PeerGroupJoin) did. The identity the invitation's leaf GMC names
    must be in the store with its private key (C(PEER_E_NOT_FOUND), C(PEER_E_NO_KEY_ACCESS)), and the leaf must
    certify that key. The whole chain is verified now (C(PEER_E_INVITATION_NOT_TRUSTED),
    C(PEER_E_INVALID_TIME_PERIOD), C(PEER_E_CHAIN_TOO_LONG)), and so is the issuer's signature over every field
    of the invitation (C(PEER_E_INVITATION_NOT_TRUSTED)).
  - The membership joined holds no group key (RV(peernet.peergroup.store_info#module:memberships[].owner) is false).
  - Joining again with the same invitation changes nothing. An invitation whose leaf GMC starts later and carries
    every stored role (more are allowed) replaces the membership; that is how a renewal arrives. Any other
    invitation for a group the identity already holds is refused with C(PEER_E_ALREADY_EXISTS), naming the reason
    (not newer, fewer roles); so is one for a group whose key the store holds.
  - With O(state=absent), leaves O(group), that is removes the identity's membership (no change when not held). The
    membership of an owner, whose store holds the group key, is never removed here (C(PEER_E_NOT_AUTHORIZED));
    M(peernet.peergroup.group) with O(peernet.peergroup.group#module:state=absent) removes it.
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - peernet.peergroup.common
  - peernet.peergroup.common.action_plugin
attributes:
  check_mode:
    support: full
    details: Check mode verifies the invitation and decides exactly like a real run, and writes nothing.
  diff_mode:
    support: full
    details: The diff shows membership metadata (names, roles, validity, fingerprints, owner); never keys.
  platform:
    platforms: posix
seealso:
  - module: peernet.peergroup.group_invitation
  - module: peernet.peergroup.identity
  - module: peernet.peergroup.store_info
options:
  state:
    description: V(present) joins with O(invitation_xml) or O(src); V(absent) leaves O(group).
    type: str
    choices: [present, absent]
    default: present
  invitation_xml:
    description: The invitation's text. With O(state=present), exactly one of O(invitation_xml) and O(src) is required.
    type: str
  src:
    description:
      - Path on the controller of the invitation, read by the action plugin like M(ansible.builtin.copy) does, so an
        Ansible Vault encrypted file is decrypted on the controller.
      - Relative paths are searched in the role's or playbook's C(files/) directory.
    type: path
  group:
    description: With O(state=absent), the group to leave, by its peer name or its classifier.
    type: str
  identity:
    description:
      - With O(state=absent), the identity that leaves, by peer name or classifier; needed only when several
        identities of the store hold O(group).
    type: str
"""

EXAMPLES = r"""
- name: Join with the invitation the owner issued to this host
  peernet.peergroup.group_join:
    invitation_xml: "{{ web1_invitation }}"
  register: joined

- name: Join from a file on the controller (Ansible Vault encrypted or not)
  peernet.peergroup.group_join:
    src: invitations/web1.xml

- name: Leave the group
  peernet.peergroup.group_join:
    group: build-farm
    state: absent
"""

RETURN = r"""
identity_peer_name:
  description: The identity that joined or left (V(null) when O(state=absent) found no membership).
  returned: success
  type: str
group_peer_name:
  description: The group (V(null) when O(state=absent) found no membership).
  returned: success
  type: str
roles:
  description: The roles of the membership joined, or of the one left; sorted.
  returned: success
  type: list
  elements: str
not_after:
  description: End of the leaf GMC's validity (ISO 8601 UTC, C(Z)); V(null) when O(state=absent) found no membership.
  returned: success
  type: str
action:
  description:
    - V(joined), V(renewed) (a newer chain replaced the stored one), V(updated) (the same chain with other cloud
      settings or group name), V(unchanged), V(left), or V(absent) (nothing to leave).
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import invitations


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_support.STORE_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
            invitation_xml=dict(type="str"),
            src=dict(type="path"),
            group=dict(type="str"),
            identity=dict(type="str"),
        ),
        required_if=[("state", "present", ("invitation_xml", "src"), True), ("state", "absent", ["group"])],
        mutually_exclusive=[("invitation_xml", "src")],
        supports_check_mode=True,
    )
    params = module.params
    if params["state"] == "present" and params["invitation_xml"] is None:
        module.fail_json(msg="src is read on the controller by the action plugin; pass invitation_xml when calling the module directly")
    if params["state"] == "present":
        module_support.run_plan(module, lambda store: invitations.plan_join(store, params["invitation_xml"].encode("utf-8")))
    else:
        module_support.run_plan(module, lambda store: invitations.plan_leave(store, params["group"], identity=params["identity"]))


if __name__ == "__main__":
    main()
