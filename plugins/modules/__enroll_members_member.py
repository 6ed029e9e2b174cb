#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

DOCUMENTATION = r"""
module: __enroll_members_member
short_description: "PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly"
version_added: 0.2.0
description:
  - "PRIVATE: internal to role P(peernet.peergroup.enroll_members#role); do not use directly. Its options and
    results change with the role."
  - Ensures the member's identity exactly as M(peernet.peergroup.identity) with O(peernet.peergroup.identity#module:state=present)
    does (the key is generated on the member and never leaves it), and returns, in the same process, the memberships
    that identity holds, so that the role joins only what the member lacks.
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - peernet.peergroup.common
attributes:
  check_mode:
    support: full
    details:
      - In check mode a new identity's peer name is not known yet and returned as V(null), with no memberships.
  diff_mode:
    support: full
    details: The diff shows the identity's peer name, classifier, friendly name and key size; never the key.
  platform:
    platforms: posix
options:
  classifier:
    description: The classifier of the member's identity.
    type: str
    required: true
"""

EXAMPLES = r"""
# PRIVATE: the role peernet.peergroup.enroll_members runs it; run the role instead.
- name: Ensure the member's identity and list what it holds (what the role does on each member)
  peernet.peergroup.__enroll_members_member:
    classifier: "{{ inventory_hostname }}"
  register: member
"""

RETURN = r"""
identity_peer_name:
  description: Peer name of the identity (V(null) for an identity check mode would create).
  returned: always
  type: str
identity_info_xml:
  description: The public C(PEERIDENTITYINFO) document of the identity (no secret).
  returned: always
  type: str
memberships:
  description:
    - The memberships the identity holds, each with C(group_peer_name), C(chain_fingerprints) (SHA-256 of each
      certificate of its chain, root first), C(cloud), C(scope), C(cloud_flags), C(group_friendly_name), C(owner).
    - Non-secret metadata only.
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs, identities

HELD_FIELDS = ("group_peer_name", "cloud", "scope", "cloud_flags", "group_friendly_name", "owner")


def held(record):
    """What the role compares with an invitation: the chain (by fingerprints) and the fields a join stores."""
    fields = record.public_fields()
    summary = dict((name, fields[name]) for name in HELD_FIELDS)
    summary["chain_fingerprints"] = [certs.fingerprint(certs.certificate_from_der(der)) for der in record.chain]
    return summary


def plan_member(store, classifier):
    """The identity plan of the identity module, its result extended with the memberships held."""
    plan = identities.plan_identity_present(store, classifier)
    peer_name = plan.result["identity_peer_name"]
    plan.result["memberships"] = [held(record) for record in store.list_memberships(peer_name)] if peer_name else []
    return plan


def main():
    module = AnsibleModule(
        argument_spec=dict(module_support.STORE_ARGUMENT_SPEC, classifier=dict(type="str", required=True)),
        supports_check_mode=True,
    )
    module_support.run_plan(module, lambda store: plan_member(store, module.params["classifier"]))


if __name__ == "__main__":
    main()
