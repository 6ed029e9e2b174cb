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
  - O(configs) imports many documents in one call (one module process). Each document is decided and
    written on its own, in its own store transaction, exactly like a call with that one document; a
    refused document does not stop the others. Documents sealed in one export batch (same password,
    KDF parameters and salt) cost one key derivation together.
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
    details: Check mode parses, verifies the chain and opens the seal exactly like a real run, and writes nothing.
  diff_mode:
    support: full
    details:
      - The diff shows membership metadata (names, cloud, scope, flags, roles, fingerprints, validity); never keys.
      - With O(configs), one diff per imported or unchanged document, headed C(configs[N]).
  platform:
    platforms: posix
seealso:
  - module: peernet.peergroup.group_config_export
  - module: peernet.peergroup.identity_import
options:
  config_xml:
    description: The document's text. Exactly one of O(config_xml), O(src) and O(configs) is required.
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
      - V(if_newer) replaces it only with a renewal, and fails with C(PEER_E_ALREADY_EXISTS) otherwise, naming
        each reason. A renewal's leaf GMC starts later than the stored one, under the same group root
        certificate, from the same issuer (peer name and key), with every stored role, and its chain does not
        expire earlier. If the store holds the group key and the document does not, the stored key is kept
        (RV(group_key_kept)). So V(if_newer) never reduces the roles of a membership or drops a group key.
      - V(always) replaces it, also when that reduces the roles, drops the stored group key or shortens the
        chain's life; RV(downgrades) lists what was given up. Identical content is never rewritten, whatever the policy.
      - The group's friendly name is display only and not part of this decision. A document that carries one
        (C(pn:GROUPFRIENDLYNAME)) sets the stored name whenever it is imported, also under V(never) when the
        name is all that differs (RV(changed_fields) is then V(group_friendly_name)). A document without one
        keeps the stored name (a new membership takes the group's classifier).
    type: str
    choices: [never, if_newer, always]
    default: never
  password:
    description:
      - Password that opens the document. Never logged or returned. Keep it in Ansible Vault.
      - Required with O(src) or O(config_xml). With O(configs), the password of every element that has
        no O(configs[].password), so it may be left out when every element has its own.
    type: str
  configs:
    version_added: 0.2.0
    description:
      - Several documents to import in one call, in order. Mutually exclusive with O(src) and O(config_xml).
      - The task fails when any document is refused, and its message names each refused one
        (C(configs[N])) with its HRESULT; RV(configs) still holds the result of every document.
      - An element's O(configs[].src) that cannot be read on the controller fails the task before any
        document is imported.
    type: list
    elements: dict
    suboptions:
      config_xml:
        description: The document's text. Exactly one of O(configs[].config_xml) and O(configs[].src) is required.
        type: str
      src:
        description:
          - Path on the controller of the document, read (and Vault-decrypted) by the action plugin like O(src).
        type: path
      password:
        description:
          - Password that opens this document. Defaults to O(password).
          - Never logged or returned.
        type: str
      overwrite:
        description:
          - The O(overwrite) policy for this document. Defaults to O(overwrite).
        type: str
        choices: [never, if_newer, always]
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

- name: Import several documents in one call (one module process, one transaction each)
  peernet.peergroup.group_config_import:
    password: "{{ vault_peergroup_password }}"
    overwrite: if_newer
    configs:
      - src: configs/build-farm.xml
      # Each element may have its own password and overwrite policy.
      - src: configs/test-farm.xml
        password: "{{ vault_peergroup_password }}"
        overwrite: never
  register: imported

- name: Name the documents that changed the store
  ansible.builtin.debug:
    msg: "{{ imported.configs | selectattr('changed') | map(attribute='group_peer_name') }}"
"""

RETURN = r"""
identity_peer_name:
  description: The identity the configuration is for.
  returned: success of O(src) or O(config_xml)
  type: str
group_peer_name:
  description: The group.
  returned: success of O(src) or O(config_xml)
  type: str
changed_fields:
  description:
    - Fields that differ from the stored configuration (V(membership) when there was none).
      C(group_key) is named, never shown.
  returned: success of O(src) or O(config_xml)
  type: list
  elements: str
  sample: [scope, chain, group_friendly_name]
chain_fingerprints:
  description: SHA-256 fingerprints of the chain, root first.
  returned: success of O(src) or O(config_xml)
  type: list
  elements: str
not_after:
  description: End of the leaf GMC's validity (ISO 8601, UTC).
  returned: success of O(src) or O(config_xml)
  type: str
owner:
  description: Whether the configuration carries the group key.
  returned: success of O(src) or O(config_xml)
  type: bool
downgrades:
  version_added: 0.2.0
  description:
    - What replacing the stored configuration gave up (or, in check mode, would give up), in this order
      V(group_root) (another group root certificate), V(issuer) (the GMC issued by another holder),
      V(roles) (a stored role missing), V(expiry) (the chain expires earlier), V(group_key) (the stored
      group key dropped). Only O(overwrite=always) gives anything up; empty otherwise.
  returned: success of O(src) or O(config_xml)
  type: list
  elements: str
  sample: [roles, group_key]
group_key_kept:
  version_added: 0.2.0
  description:
    - Whether the document had no group key and the stored one was kept, as O(overwrite=if_newer) does for a renewal.
  returned: success of O(src) or O(config_xml)
  type: bool
configs:
  version_added: 0.2.0
  description:
    - One result per element of O(configs), in the same order, also when the task fails.
    - An imported or unchanged document has the keys of the single-document result; a refused one has
      RV(configs[].msg) and RV(configs[].hresult) instead.
  returned: when O(configs) is given
  type: list
  elements: dict
  contains:
    changed:
      description: Whether this document changed (or, in check mode, would change) the store.
      type: bool
    failed:
      description: Whether this document was refused.
      type: bool
    msg:
      description: Why it was refused, with the HRESULT name; only for a refused document.
      type: str
    hresult:
      description: HRESULT C(name), C(code) and C(value) of the refusal; only for a refused document.
      type: dict
    identity_peer_name:
      description: The identity the configuration is for.
      type: str
    group_peer_name:
      description: The group.
      type: str
    changed_fields:
      description: Fields that differ from the stored configuration, like RV(changed_fields).
      type: list
      elements: str
    chain_fingerprints:
      description: SHA-256 fingerprints of the chain, root first.
      type: list
      elements: str
    not_after:
      description: End of the leaf GMC's validity (ISO 8601, UTC).
      type: str
    owner:
      description: Whether the configuration carries the group key.
      type: bool
    downgrades:
      description: What replacing the stored configuration gave up, like RV(downgrades).
      type: list
      elements: str
    group_key_kept:
      description: Whether the stored group key was kept, like RV(group_key_kept).
      type: bool
hresult:
  description: The Windows HRESULT of a failure of O(src) or O(config_xml), or of opening the store.
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
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_support.STORE_ARGUMENT_SPEC,
            config_xml=dict(type="str"),
            src=dict(type="path"),
            password=dict(type="str", no_log=True),
            overwrite=dict(type="str", choices=list(configs.OVERWRITE_POLICIES), default="never"),
            configs=dict(
                type="list",
                elements="dict",
                options=dict(
                    config_xml=dict(type="str"),
                    src=dict(type="path"),
                    password=dict(type="str", no_log=True),
                    overwrite=dict(type="str", choices=list(configs.OVERWRITE_POLICIES)),
                ),
                required_one_of=[("config_xml", "src")],
                mutually_exclusive=[("config_xml", "src")],
            ),
        ),
        required_one_of=[("config_xml", "src", "configs")],
        mutually_exclusive=[("config_xml", "src", "configs")],
        supports_check_mode=True,
    )
    params = module.params
    if params["configs"] is None:
        _import_one(module, params)
    else:
        _import_many(module, params)


def _import_one(module, params):
    if params["config_xml"] is None:
        module.fail_json(msg="src is read on the controller by the action plugin; pass config_xml when calling the module directly")
    if params["password"] is None:
        module.fail_json(msg="missing required arguments: password")
    module_support.run_plan(
        module,
        lambda store: configs.plan_group_config_import(
            store, params["config_xml"].encode("utf-8"), KeyCache(params["password"]), params["overwrite"]
        ),
    )


def _import_many(module, params):
    for index, item in enumerate(params["configs"]):
        if item["config_xml"] is None:
            module.fail_json(msg="configs[%d]: src is read on the controller by the action plugin; pass config_xml when calling the module directly" % index)
        if item["password"] is None and params["password"] is None:
            module.fail_json(msg="configs[%d]: no password (set configs[].password or password)" % index)
    # One cache per password: the documents of one export batch derive their key once.
    caches = {}

    def make_plan(item):
        password = item["password"] if item["password"] is not None else params["password"]
        overwrite = item["overwrite"] or params["overwrite"]

        def plan(store):
            if password not in caches:
                caches[password] = KeyCache(password)
            return configs.plan_group_config_import(store, item["config_xml"].encode("utf-8"), caches[password], overwrite)

        return plan

    module_support.run_plans(module, [make_plan(item) for item in params["configs"]])


if __name__ == "__main__":
    main()
