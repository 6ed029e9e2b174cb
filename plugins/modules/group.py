#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: group
short_description: Create a peer group owned by an identity, or leave one
version_added: 0.1.0
description:
  - With O(state=present), creates a group as C(PeerGroupCreate) did, with a new group key pair, its
    self-signed group root certificate (GRC), and a group membership certificate (GMC) with the
    administrator role for O(creator), signed by the group key.
  - Idempotent by O(creator) and O(classifier) among the groups the creator owns. O(friendly_name),
    O(cloud), O(scope) and O(cloud_flags) of an existing group are updated in place.
  - The creator's GMC is re-issued with the group key when fewer than O(renew_days) days are left,
    or always with O(force_renew=true). This also works for an owner whose group configuration was
    imported with the group key.
  - With O(state=absent), removes the (O(creator), group) membership only; other identities'
    memberships of the same group stay.
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - peernet.peergroup.common
attributes:
  check_mode:
    support: full
    details:
      - In check mode a new group's peer name is not known yet and returned as V(null).
      - An empty O(creator) in check mode stands for the identity an earlier
        M(peernet.peergroup.identity) task would create (its peer name is V(null) in check mode). The
        module then reports the group as created (C(changed), RV(creator_pending)) instead of failing.
        Outside check mode an empty O(creator) is an error.
  diff_mode:
    support: full
    details: The diff shows group metadata (names, cloud, scope, flags, roles, validity); never keys.
  platform:
    platforms: posix
seealso:
  - module: peernet.peergroup.identity
  - module: peernet.peergroup.group_config_export
  - module: peernet.peergroup.group_config_import
  - module: peernet.peergroup.store_info
options:
  state:
    description: Whether the membership should exist.
    type: str
    choices: [present, absent]
    default: present
  creator:
    description: Peer name of the identity that creates (owns) the group. It must be in the store.
    type: str
    required: true
  classifier:
    description:
      - Classifier of the group peer name. Required unless O(peer_name) is given with O(state=absent).
    type: str
  peer_name:
    description: With O(state=absent), the group peer name of the membership to remove.
    type: str
  friendly_name:
    description:
      - Display name of the group, 1 to 255 characters without NUL or another character XML 1.0 cannot carry
        (C(PEER_E_INVALID_FRIENDLY_NAME)). A new group is named after O(classifier) when it is omitted;
        omitted keeps an existing group's name, and an empty one resets it to O(classifier).
      - M(peernet.peergroup.group_config_export) seals it into the documents and
        M(peernet.peergroup.group_config_import) stores it on the targets, so a rename reaches them.
    type: str
  cloud:
    description: PNRP cloud name (case-sensitive).
    type: str
    default: Global_
  scope:
    description: PNRP scope of the cloud.
    type: str
    choices: [global, site-local, link-local]
    default: global
  cloud_flags:
    description: V(0) the cloud name is public, V(1) it is local to this computer (C(PNRP_CLOUD_NAME_LOCAL)).
    type: int
    choices: [0, 1]
    default: 0
  gmc_lifetime_days:
    description:
      - Lifetime in days of a new or re-issued GMC, clipped to the GRC's validity.
      - Does not affect an existing GMC until it is re-issued.
      - The alias O(gmc_lifetime) is the name of release 0.1.0.
    type: int
    default: 365
    aliases: [gmc_lifetime]
    version_added: 0.2.0
  renew_days:
    description: Re-issue the creator's GMC when it has fewer days left than this. V(0) disables.
    type: int
    default: 30
  force_renew:
    description: Re-issue the creator's GMC now (not idempotent).
    type: bool
    default: false
  key_size:
    description: RSA key size of a new group key. Does not affect an existing group.
    type: int
    choices: [2048, 3072, 4096]
    default: 2048
"""

EXAMPLES = r"""
- name: Create the identity that owns the group
  peernet.peergroup.identity:
    classifier: owner
  register: owner

- name: Create the group
  peernet.peergroup.group:
    creator: "{{ owner.identity_peer_name }}"
    classifier: build-farm
    friendly_name: Build farm
    scope: site-local
  register: farm

- name: Renew the owner's GMC ahead of expiry
  peernet.peergroup.group:
    creator: "{{ owner.identity_peer_name }}"
    classifier: build-farm
    friendly_name: Build farm
    scope: site-local
    renew_days: 60
"""

RETURN = r"""
group_peer_name:
  description: Peer name of the group (V(null) for a group check mode would create).
  returned: always
  type: str
  sample: 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567.build-farm
identity_peer_name:
  description: Peer name of the creator.
  returned: always
  type: str
creator_pending:
  version_added: 0.2.0
  description: In check mode, true when O(creator) was empty, that is the creator would be created earlier in a real run.
  returned: when true
  type: bool
renewed:
  description: Whether the creator's GMC is (or in check mode would be) re-issued.
  returned: when O(state=present)
  type: bool
membership:
  description: Non-secret metadata of the membership, as M(peernet.peergroup.store_info) reports it.
  returned: when O(state=present) and the membership exists after the run
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import groups


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_support.STORE_ARGUMENT_SPEC,
            state=dict(type="str", choices=["present", "absent"], default="present"),
            creator=dict(type="str", required=True),
            classifier=dict(type="str"),
            peer_name=dict(type="str"),
            friendly_name=dict(type="str"),
            cloud=dict(type="str", default=groups.DEFAULT_CLOUD),
            scope=dict(type="str", choices=list(groups.SCOPES), default="global"),
            cloud_flags=dict(type="int", choices=[0, 1], default=0),
            gmc_lifetime_days=dict(type="int", default=365, aliases=["gmc_lifetime"]),
            renew_days=dict(type="int", default=30),
            force_renew=dict(type="bool", default=False),
            key_size=dict(type="int", choices=[2048, 3072, 4096], default=2048),
        ),
        required_if=[("state", "present", ["classifier"])],
        required_one_of=[("classifier", "peer_name")],
        mutually_exclusive=[("classifier", "peer_name")],
        supports_check_mode=True,
    )
    params = module.params
    # An identity task in check mode cannot know the peer name of an identity it would create.
    creator_pending = module.check_mode and not params["creator"]
    if creator_pending and params["state"] == "absent":
        module.exit_json(changed=False, group_peer_name=params["peer_name"], identity_peer_name=None, creator_pending=True)
    if params["state"] == "present":
        module_support.run_plan(
            module,
            lambda store: groups.plan_group_present(
                store,
                params["creator"],
                params["classifier"],
                friendly_name=params["friendly_name"],
                cloud=params["cloud"],
                scope=params["scope"],
                cloud_flags=params["cloud_flags"],
                gmc_lifetime_days=params["gmc_lifetime_days"],
                renew_days=params["renew_days"],
                force_renew=params["force_renew"],
                key_size=params["key_size"],
                creator_pending=creator_pending,
            ),
        )
    else:
        module_support.run_plan(
            module,
            lambda store: groups.plan_group_absent(
                store, params["creator"], params["peer_name"], params["classifier"]
            ),
        )


if __name__ == "__main__":
    main()
