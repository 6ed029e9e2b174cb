#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: group_invitation
short_description: Issue, renew or revoke group membership credentials (PEERINVITATION) for other identities
version_added: 0.2.0
description:
  - Runs on a host whose store holds O(group) with the C(administrator) or C(inviting-member) role, as
    C(PeerGroupCreateInvitation) and C(PeerGroupIssueCredentials) did. For each invitee, named by its public
    C(PEERIDENTITYINFO) (the RV(peernet.peergroup.identity#module:identity_info_xml) of
    M(peernet.peergroup.identity) on the invitee's host), it issues a GMC for the invitee's key below the
    issuer's own chain and returns it as a C(PEERINVITATION) document, signed by the issuer. The invitee joins
    with M(peernet.peergroup.group_join). No private key and no password leaves any host.
  - The issuer's store records every credential it issued (Windows' C(PEER_GROUP_STORE_CREDENTIALS)). A present
    invitee whose recorded credential has the same issuer and roles and more than O(renew_days) days left gets
    the recorded invitation back, unchanged; otherwise a new credential is issued (RV(invitations[].action)
    V(issued) or V(renewed)) and recorded.
  - O(state=absent) revokes the recorded credential. A revoked invitee is issued nothing (C(PEER_E_NOT_AUTHORIZED))
    until O(reinstate=true).
  - Roles follow MS-PPSEC 2.2.5.3 (a peer cannot invite someone into a role superior to its own). An administrator
    grants any role, an inviting member C(inviting-member) and C(member), a member none (C(PEER_E_NOT_AUTHORIZED)).
  - O(invitees) handles a whole batch in one module process and one store transaction. A refused invitee fails the
    task and nothing of the batch is recorded.
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - peernet.peergroup.common
attributes:
  check_mode:
    support: full
    details:
      - Check mode decides exactly like a real run and records nothing; a credential it would issue has
        RV(invitations[].invitation_xml) V(null).
  diff_mode:
    support: full
    details: The diff shows each invitee's peer name, group, roles, expiry and revocation; an invitation holds no secret.
  platform:
    platforms: posix
seealso:
  - module: peernet.peergroup.identity
  - module: peernet.peergroup.group_join
  - module: peernet.peergroup.store_info
options:
  group:
    description: The group, by its peer name or its classifier, as held in the issuer's store.
    type: str
    required: true
  identity:
    description:
      - The issuer, by peer name or classifier.
      - Omitted, the one identity of the store that holds O(group) with the C(administrator) or C(inviting-member)
        role; none is C(PEER_E_NOT_FOUND), only members C(PEER_E_NOT_AUTHORIZED), several C(E_INVALIDARG).
    type: str
  identity_info_xml:
    description:
      - One invitee's C(PEERIDENTITYINFO) document. Mutually exclusive with O(invitees); one of them is required.
    type: str
  invitees:
    description: Several invitees, in order, decided and recorded together in one store transaction.
    type: list
    elements: dict
    suboptions:
      identity_info_xml:
        description: The invitee's C(PEERIDENTITYINFO). Exactly one of this and O(invitees[].peer_name) is required.
        type: str
      peer_name:
        description: The invitee's peer name; only with O(invitees[].state=absent) (revoking needs no document).
        type: str
      roles:
        description: The invitee's roles. Defaults to O(roles).
        type: list
        elements: str
        choices: [administrator, inviting-member, member]
      lifetime_days:
        description: Lifetime of a newly issued credential. Defaults to O(lifetime_days).
        type: int
      state:
        description: V(absent) revokes. Defaults to O(state).
        type: str
        choices: [present, absent]
      reinstate:
        description: Issue again to a revoked invitee, clearing the revocation. Defaults to O(reinstate).
        type: bool
  roles:
    description: Roles of the credentials issued.
    type: list
    elements: str
    choices: [administrator, inviting-member, member]
    default: [member]
  lifetime_days:
    description:
      - Lifetime in days of a newly issued credential (1 to 36500), clipped to the end of the issuer's own GMC.
      - Does not affect a recorded credential until it is re-issued.
    type: int
    default: 365
  renew_days:
    description: Re-issue a recorded credential when it has fewer days left than this. V(0) re-issues only expired ones.
    type: int
    default: 30
  state:
    description: V(present) issues (or returns the recorded credential); V(absent) revokes it.
    type: str
    choices: [present, absent]
    default: present
  reinstate:
    description:
      - Issue again to an invitee whose credential was revoked, clearing the revocation. Without it a revoked
        invitee is refused with C(PEER_E_NOT_AUTHORIZED).
    type: bool
    default: false
notes:
  - Revoking here records the decision on the issuer and stops re-issuing; the invitee keeps its GMC until it
    expires or it leaves the group (M(peernet.peergroup.group_join) with O(peernet.peergroup.group_join#module:state=absent)).
"""

EXAMPLES = r"""
# On the group's owner. Each invitee's PEERIDENTITYINFO is the identity_info_xml the identity module
# returned on that invitee's host (its key never leaves it).
- name: Issue credentials for a batch of invitees in one call
  peernet.peergroup.group_invitation:
    group: build-farm
    lifetime_days: 180
    invitees:
      - identity_info_xml: "{{ web1_identity_info }}"
      - identity_info_xml: "{{ web2_identity_info }}"
        roles: [inviting-member]
  register: issued

- name: Revoke a credential by the invitee's peer name
  peernet.peergroup.group_invitation:
    group: build-farm
    invitees:
      - peer_name: "{{ issued.invitations[1].identity_peer_name }}"
        state: absent
"""

RETURN = r"""
invitations:
  description: One entry per invitee, in input order (one entry for O(identity_info_xml)).
  returned: success
  type: list
  elements: dict
  contains:
    identity_peer_name:
      description: The invitee's peer name.
      type: str
    group_peer_name:
      description: The group's peer name.
      type: str
    roles:
      description: The credential's roles, sorted (empty for an invitee never issued).
      type: list
      elements: str
    not_before:
      description: Start of the credential's validity (ISO 8601 UTC, C(Z)); V(null) for an invitee never issued.
      type: str
    not_after:
      description: End of the credential's validity (ISO 8601 UTC, C(Z)); V(null) for an invitee never issued.
      type: str
    invitation_xml:
      description:
        - The C(PEERINVITATION) to give to the invitee's M(peernet.peergroup.group_join). Public, no secret.
        - V(null) when revoked or absent, and in check mode for a credential that would be issued.
      type: str
    action:
      description: V(issued), V(renewed), V(unchanged), V(revoked), or V(absent) (nothing recorded to revoke).
      type: str
    changed:
      description: Whether this invitee changed (or in check mode would change) the issuer's record.
      type: bool
group_peer_name:
  description: The group's peer name.
  returned: success
  type: str
issuer_peer_name:
  description: The issuing identity.
  returned: success
  type: str
invitation_xml:
  description: With O(identity_info_xml), RV(invitations[].invitation_xml) of the one invitee.
  returned: success with O(identity_info_xml)
  type: str
identity_peer_name:
  description: With O(identity_info_xml), the invitee's peer name.
  returned: success with O(identity_info_xml)
  type: str
roles:
  description: With O(identity_info_xml), the credential's roles, sorted.
  returned: success with O(identity_info_xml)
  type: list
  elements: str
not_after:
  description: With O(identity_info_xml), the end of the credential's validity (ISO 8601 UTC, C(Z)).
  returned: success with O(identity_info_xml)
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import invitations

ROLE_CHOICES = ["administrator", "inviting-member", "member"]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_support.STORE_ARGUMENT_SPEC,
            group=dict(type="str", required=True),
            identity=dict(type="str"),
            identity_info_xml=dict(type="str"),
            invitees=dict(
                type="list",
                elements="dict",
                options=dict(
                    identity_info_xml=dict(type="str"),
                    peer_name=dict(type="str"),
                    roles=dict(type="list", elements="str", choices=ROLE_CHOICES),
                    lifetime_days=dict(type="int"),
                    state=dict(type="str", choices=["present", "absent"]),
                    reinstate=dict(type="bool"),
                ),
                required_one_of=[("identity_info_xml", "peer_name")],
                mutually_exclusive=[("identity_info_xml", "peer_name")],
            ),
            roles=dict(type="list", elements="str", choices=ROLE_CHOICES, default=["member"]),
            lifetime_days=dict(type="int", default=365),
            renew_days=dict(type="int", default=30),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            reinstate=dict(type="bool", default=False),
        ),
        required_one_of=[("identity_info_xml", "invitees")],
        mutually_exclusive=[("identity_info_xml", "invitees")],
        supports_check_mode=True,
    )
    params = module.params
    single = params["identity_info_xml"] is not None
    items = [{"identity_info_xml": params["identity_info_xml"]}] if single else params["invitees"]

    def invitee(item):
        def pick(name):
            # An element's option left out takes the module's.
            return item[name] if item.get(name) is not None else params[name]

        document = item.get("identity_info_xml")
        return invitations.Invitee(
            identity_info_xml=document.encode("utf-8") if document is not None else None,
            peer_name=item.get("peer_name"),
            roles=tuple(pick("roles")),
            lifetime_days=pick("lifetime_days"),
            state=pick("state"),
            reinstate=pick("reinstate"),
        )

    def finish(result, changed):
        if single:
            entry = result["invitations"][0]
            result.update((key, entry[key]) for key in ("invitation_xml", "identity_peer_name", "roles", "not_after"))
        return changed

    module_support.run_plan(
        module,
        lambda store: invitations.plan_invitations(
            store, params["group"], [invitee(item) for item in items], identity=params["identity"], renew_days=params["renew_days"]
        ),
        finish,
    )


if __name__ == "__main__":
    main()
