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
  - When the identity exists it parses no certificate, so a re-run loads neither cryptography nor lxml.
  - Before the module runs, its action plugin checks the member's role variables against the role's argument spec,
    so that the role's playbook needs no validation task of Ansible's on every member.
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
identity_certificate:
  description:
    - The identity certificate (IDC), DER in base64, from which the controller writes the member's public
      C(PEERIDENTITYINFO); V(null) with the peer name. No secret.
  returned: always
  type: str
memberships:
  description:
    - The memberships the identity holds, each with C(group_peer_name) and C(imported_digest) (SHA-256 of the
      C(PEERINVITATION) it joined last, which the owner's store records of what it issued).
  returned: always
  type: list
  elements: dict
"""

import base64

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import lookup
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.plans import Plan


def member_facts(store, record):
    """What the enrolment plan needs of a member, read without parsing a certificate."""
    if record is None:
        return {"identity_peer_name": None, "identity_certificate": None, "memberships": []}
    return {
        "identity_peer_name": record.peer_name,
        "identity_certificate": base64.b64encode(record.certificate).decode("ascii"),
        "memberships": [{"group_peer_name": membership.group_peer_name, "imported_digest": membership.imported_digest}
                        for membership in store.list_memberships(record.peer_name)],
    }


def plan_member(store, classifier):
    """The identity plan of the identity module (state=present), with the member's facts as its result."""
    record = lookup.identity_by_classifier(store, classifier)
    if record is not None:
        # A re-run ends here: nothing below loads cryptography or lxml.
        summary = record.public_fields()
        return Plan(False, summary, summary, member_facts(store, record))
    # Imported here: only a new identity needs cryptography (its key is generated on the member).
    from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities

    created = identities.plan_identity_present(store, classifier)

    def apply():
        peer_name = created.apply()["identity_peer_name"]
        return member_facts(store, store.get_identity(peer_name))

    return Plan(created.changed, created.diff_before, created.diff_after, member_facts(store, None), apply)


def main():
    module = AnsibleModule(
        argument_spec=dict(module_support.STORE_ARGUMENT_SPEC, classifier=dict(type="str", required=True)),
        supports_check_mode=True,
    )
    module_support.run_plan(module, lambda store: plan_member(store, module.params["classifier"]))


if __name__ == "__main__":
    main()
