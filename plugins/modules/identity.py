#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: identity
short_description: Create or remove a peer identity in the host store
version_added: 0.1.0
description:
  - Creates a peer identity (an RSA key pair and its self-signed identity certificate, IDC)
    whose peer name is C(<sha1 of the public key>.<classifier>), as C(PeerIdentityCreate) did.
  - Idempotent by O(classifier) within the store; a different O(friendly_name) renames the identity in place
    (same peer name and key). When several identities share the classifier (for example imported ones),
    O(friendly_name) picks one, and the module refuses with C(E_INVALIDARG) when it picks none.
  - Removes an identity with O(state=absent); refused with C(PEER_E_GROUPS_EXIST) while it still
    belongs to groups unless O(force=true).
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - peernet.peergroup.common
attributes:
  check_mode:
    support: full
    details:
      - In check mode a new identity's peer name is not known yet (its key is not generated) and returned as V(null).
      - M(peernet.peergroup.group) in check mode takes the empty O(peernet.peergroup.group#module:creator) this gives
        as that identity, so the identity then group pattern predicts the real run instead of failing.
  diff_mode:
    support: full
    details: The diff shows the peer name, classifier, friendly name and key size; never the key.
  platform:
    platforms: posix
seealso:
  - module: peernet.peergroup.group
  - module: peernet.peergroup.identity_export
  - module: peernet.peergroup.identity_import
  - module: peernet.peergroup.store_info
options:
  state:
    description: Whether the identity should exist.
    type: str
    choices: [present, absent]
    default: present
  classifier:
    description:
      - The classifier part of the peer name (1 to 149 characters, no NUL).
      - Required unless O(peer_name) is given with O(state=absent).
    type: str
  friendly_name:
    description:
      - Display name, 1 to 255 characters without NUL or another character XML 1.0 cannot carry
        (C(PEER_E_INVALID_FRIENDLY_NAME)). A new identity gets O(classifier) when it is not set;
        an existing one keeps its own.
      - With O(state=absent), removes only an identity with this friendly name.
    type: str
  peer_name:
    description: With O(state=absent), the exact peer name of the identity to remove.
    type: str
  key_size:
    description:
      - RSA key size for a new identity. Does not affect an existing identity.
    type: int
    choices: [2048, 3072, 4096]
    default: 2048
  force:
    description: With O(state=absent), also remove the identity's group memberships.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Create the identity used to join groups
  peernet.peergroup.identity:
    classifier: fleet-node
    friendly_name: Fleet node
  register: node_identity

- name: Show its peer name
  ansible.builtin.debug:
    msg: "{{ node_identity.identity_peer_name }}"

- name: Remove it with all its memberships
  peernet.peergroup.identity:
    classifier: fleet-node
    friendly_name: Fleet node
    state: absent
    force: true
"""

RETURN = r"""
identity_peer_name:
  description: Peer name of the identity (V(null) for an identity check mode would create).
  returned: always
  type: str
  sample: 6f1d3a0e5b2c4d7f8a9b0c1d2e3f405162738495.fleet-node
identity_info_xml:
  description: The public C(PEERIDENTITYINFO) document of the identity (no secret).
  returned: when O(state=present)
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_support.STORE_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
            classifier=dict(type="str"),
            friendly_name=dict(type="str"),
            peer_name=dict(type="str"),
            key_size=dict(type="int", choices=[2048, 3072, 4096], default=2048),
            force=dict(type="bool", default=False),
        ),
        required_if=[("state", "present", ["classifier"])],
        required_one_of=[("classifier", "peer_name")],
        mutually_exclusive=[("classifier", "peer_name")],
        supports_check_mode=True,
    )
    params = module.params
    if params["state"] == "present":
        module_support.run_plan(
            module,
            lambda store: identities.plan_identity_present(
                store, params["classifier"], params["friendly_name"], params["key_size"]
            ),
        )
    else:
        module_support.run_plan(
            module,
            lambda store: identities.plan_identity_absent(
                store, params["peer_name"], params["classifier"], params["friendly_name"], params["force"]
            ),
        )


if __name__ == "__main__":
    main()
