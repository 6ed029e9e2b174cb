#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: store_info
short_description: List the identities and group memberships of a host store
version_added: 0.1.0
description:
  - Read-only inventory of a host store, with every membership's chain verified, and the credentials it issued.
  - Never returns key material. A store that does not exist yet reads as empty and is not created.
  - With O(verify=false), a light read of what the store records, for a play that only needs to
    know which identities, memberships and imported documents a host holds (the
    P(peernet.peergroup.import_configs#role) role reads every target this way).
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - peernet.peergroup.common
  - peernet.peergroup.common.read_only
attributes:
  platform:
    platforms: posix
seealso:
  - module: peernet.peergroup.identity
  - module: peernet.peergroup.group
options:
  verify:
    version_added: 0.2.0
    description:
      - Parse every membership's chain, verify it now, and run the store's integrity check.
      - With V(false), no certificate is parsed and the integrity check does not run, so the
        module loads neither cryptography nor lxml. The membership fields that come from the
        certificates (RV(memberships[].roles), RV(memberships[].chain_fingerprints),
        RV(memberships[].not_before), RV(memberships[].not_after), RV(memberships[].days_left),
        RV(memberships[].chain_verified), RV(memberships[].chain_problem)) and
        RV(integrity_problems) are then not returned.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Inventory the store
  peernet.peergroup.store_info:
  register: peer_store

- name: Fail when a membership expires within 30 days
  ansible.builtin.assert:
    that: peer_store.memberships | selectattr('days_left', 'lt', 30) | list | length == 0

- name: Only the groups a host is a member of (no certificate parsed)
  peernet.peergroup.store_info:
    verify: false
  register: peer_store_light
"""

RETURN = r"""
store_path:
  description: The store directory that was read.
  returned: always
  type: str
exists:
  description: Whether the store exists.
  returned: always
  type: bool
identities:
  description: The identities in the store.
  returned: always
  type: list
  elements: dict
  contains:
    peer_name:
      description: Peer name.
      type: str
    classifier:
      description: Classifier of the peer name.
      type: str
    friendly_name:
      description: Display name.
      type: str
    key_size:
      description: RSA key size in bits.
      type: int
memberships:
  description: The (identity, group) memberships in the store.
  returned: always
  type: list
  elements: dict
  contains:
    identity_peer_name:
      description: The member identity.
      type: str
    group_peer_name:
      description: The group.
      type: str
    group_friendly_name:
      description: Display name of the group.
      type: str
    cloud:
      description: PNRP cloud name.
      type: str
    scope:
      description: V(global), V(site-local) or V(link-local).
      type: str
    cloud_flags:
      description: PNRP cloud flags (0 or 1).
      type: int
    roles:
      description: Roles of the identity's GMC, e.g. V(administrator) or V(member).
      returned: when O(verify=true)
      type: list
      elements: str
    owner:
      description: Whether the store holds the group key (the identity can issue GMCs).
      type: bool
    chain_length:
      description: Certificates in the chain, the GRC included.
      type: int
    chain_fingerprints:
      description: SHA-256 fingerprints, root first.
      returned: when O(verify=true)
      type: list
      elements: str
    not_before:
      description: Start of the GMC's validity (ISO 8601, UTC).
      returned: when O(verify=true)
      type: str
    not_after:
      description: End of the GMC's validity (ISO 8601, UTC).
      returned: when O(verify=true)
      type: str
    days_left:
      description: Whole days until RV(memberships[].not_after).
      returned: when O(verify=true)
      type: int
    chain_verified:
      description: Whether the chain verifies now (root, signatures, names, roles, validity).
      returned: when O(verify=true)
      type: bool
    chain_problem:
      description: Why the chain does not verify, with the HRESULT name; V(null) when it does.
      returned: when O(verify=true)
      type: str
    imported_digest:
      version_added: 0.2.0
      description:
        - SHA-256 (hex) of the document last imported into this membership, the C(PEERGROUPCONFIG) of
          M(peernet.peergroup.group_config_import) or the C(PEERINVITATION) of M(peernet.peergroup.group_join);
          V(null) when it was not imported (created or renewed on this host).
        - M(peernet.peergroup.group_config_import) of a document with this digest (the
          P(peernet.peergroup.config_info#filter) filter returns it as C(digest)) changes nothing.
        - Not secret.
      type: str
issued:
  description:
    - Every credential an identity of this store issued with M(peernet.peergroup.group_invitation), one per
      (group, invitee), the last one issued, revoked or not. Empty on a host that issued none.
    - Read from the store's records, also with O(verify=false); no certificate is parsed.
  returned: always
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    issuer_peer_name:
      description: The identity of this store that issued it.
      type: str
    identity_peer_name:
      description: The invitee.
      type: str
    group_peer_name:
      description: The group.
      type: str
    group_classifier:
      description: Classifier of the group's peer name.
      type: str
    roles:
      description: The credential's roles, sorted.
      type: list
      elements: str
    not_before:
      description: Start of the credential's validity (ISO 8601 UTC, C(Z)).
      type: str
    not_after:
      description: End of the credential's validity (ISO 8601 UTC, C(Z)).
      type: str
    days_left:
      description: Whole days until RV(issued[].not_after) (negative once expired).
      type: int
    revoked:
      description: Whether the credential was revoked (O(peernet.peergroup.group_invitation#module:state=absent)).
      type: bool
    revoked_at:
      description: When it was revoked (ISO 8601 UTC, C(Z)); V(null) when not revoked.
      type: str
    invitation_digest:
      description:
        - SHA-256 (hex) of the recorded C(PEERINVITATION). A member that joined it holds it as the C(imported_digest) of
          its membership, which is how P(peernet.peergroup.enroll_members#role) leaves out the owner's call for a
          member that holds a credential not yet due for renewal.
      type: str
integrity_problems:
  description: Problems found by the store's integrity check; empty when the store is sound.
  returned: when O(verify=true)
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store, default_store_path


def main():
    argument_spec = dict(module_support.STORE_ARGUMENT_SPEC, verify={"type": "bool", "default": True})
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    verify = module.params["verify"]
    if verify:
        # A light read uses only sqlite3.
        module_support.check_requirements(module)
    path = module.params["store_path"] or default_store_path()
    result = {"changed": False, "store_path": path, "exists": False, "identities": [], "memberships": [], "issued": []}
    if verify:
        result["integrity_problems"] = []
    if os.path.exists(os.path.join(path, "store.db")):
        try:
            store = Store.open(path, read_only=True)
            try:
                result.update(_verified_inventory(store) if verify else store.recorded_inventory(), exists=True)
            finally:
                store.close()
        except PeerError as exc:
            if exc.name != "PEER_E_NOT_FOUND":  # an empty store.db: no store yet
                module_support.fail_peer_error(module, exc)
    module.exit_json(**result)


def _verified_inventory(store):
    # Imported here: a light read (verify=false) must not pay for cryptography and lxml.
    from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import inventory

    return dict(inventory.store_inventory(store), integrity_problems=store.check_integrity())


if __name__ == "__main__":
    main()
