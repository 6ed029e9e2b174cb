#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: group_config_import
short_description: Import a group configuration (PEERGROUPCONFIG) into the host store
version_added: 0.1.0
description:
  - Imports a C(PEERGROUPCONFIG) document, as C(PeerGroupImportConfig) did, after verifying the GMC
    chain against the group and the identity and opening the seal with O(password).
  - The identity named in the document must already be in the store (C(PEER_E_NOT_FOUND)), and the
    leaf GMC must certify its key (C(PEER_E_INVALID_CREDENTIAL)).
  - Decides C(changed) from the opened, canonical content. Importing the very bytes imported last time
    is recognised by their SHA-256 digest and costs no key derivation; the password is then not
    checked again.
  - A wrong password fails with C(ERROR_INVALID_PASSWORD) (0x80070056); a document altered after
    sealing fails with C(E_INVALIDARG) (0x80070057).
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - peernet.peergroup.common
  - peernet.peergroup.common.password
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Check mode parses, verifies the chain and opens the seal exactly like a real run, and writes nothing.
  diff_mode:
    support: full
    details: The diff shows membership metadata (names, cloud, scope, flags, roles, fingerprints, validity); never keys.
  platform:
    platforms: posix
options:
  config_xml:
    description: The document's text. Exactly one of O(config_xml) and O(src) is required.
    type: str
  src:
    description:
      - Path on the controller of the document, read by the action plugin like M(ansible.builtin.copy)
        does, so an Ansible Vault encrypted file is decrypted on the controller.
      - Relative paths are searched in the role's or playbook's C(files/) directory.
    type: path
  overwrite:
    description:
      - What to do when the store already holds a different configuration for this (identity, group).
      - V(never) fails with C(PEER_E_ALREADY_EXISTS), like C(fOverwrite=FALSE).
      - V(if_newer) replaces it only when the document's leaf GMC starts later than the stored one,
        and fails with C(PEER_E_ALREADY_EXISTS) otherwise.
      - V(always) replaces it. Identical content is never rewritten, whatever the policy.
    type: str
    choices: [never, if_newer, always]
    default: never
"""

EXAMPLES = r"""
- name: Import a vault-encrypted group configuration from the controller
  peernet.peergroup.group_config_import:
    src: configs/build-farm.xml
    password: "{{ vault_peergroup_password }}"
    overwrite: if_newer

- name: Import a document held in a variable
  peernet.peergroup.group_config_import:
    config_xml: "{{ build_farm_config }}"
    password: "{{ vault_peergroup_password }}"
"""

RETURN = r"""
identity_peer_name:
  description: The identity the configuration is for.
  returned: success
  type: str
group_peer_name:
  description: The group.
  returned: success
  type: str
changed_fields:
  description:
    - Fields that differ from the stored configuration (V(membership) when there was none).
      C(group_key) is named, never shown.
  returned: success
  type: list
  elements: str
  sample: [scope, chain]
chain_fingerprints:
  description: SHA-256 fingerprints of the chain, root first.
  returned: success
  type: list
  elements: str
not_after:
  description: End of the leaf GMC's validity (ISO 8601, UTC).
  returned: success
  type: str
owner:
  description: Whether the configuration carries the group key.
  returned: success
  type: bool
hresult:
  description: The Windows HRESULT of a failure.
  returned: failure
  type: dict
  contains:
    name:
      description: Symbolic name.
      type: str
      sample: ERROR_INVALID_PASSWORD
    code:
      description: Unsigned value in hex.
      type: str
      sample: "0x80070056"
    value:
      description: Signed 32-bit value.
      type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import operations
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_support.STORE_ARGUMENT_SPEC,
            config_xml=dict(type="str"),
            src=dict(type="path"),
            password=dict(type="str", required=True, no_log=True),
            overwrite=dict(type="str", choices=list(operations.OVERWRITE_POLICIES), default="never"),
        ),
        required_one_of=[("config_xml", "src")],
        mutually_exclusive=[("config_xml", "src")],
        supports_check_mode=True,
    )
    if module.params["config_xml"] is None:
        module.fail_json(msg="src is read on the controller by the action plugin; pass config_xml when calling the module directly")
    params = module.params
    module_support.run_plan(
        module,
        lambda store: operations.plan_group_config_import(
            store, params["config_xml"].encode("utf-8"), KeyCache(params["password"]), params["overwrite"]
        ),
    )


if __name__ == "__main__":
    main()
