#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: identity_import
short_description: Import an identity (PEERIDENTITYEXPORT) into the host store
version_added: 0.1.0
description:
  - Imports a C(PEERIDENTITYEXPORT) document, as C(PeerIdentityImport) did, after opening its seal
    and its PKCS#12 with O(password) and checking that the key matches the certificate and the peer name.
  - The certificate must be the identity's own identity certificate (IDC), since the store publishes it as the
    identity's C(PEERIDENTITYINFO). It must be self-signed by the identity key, with subject and peer-name extension
    equal to the peer name, certificate type IDC, identity flags 0, and be valid now. Otherwise the import fails with
    C(PEER_E_INVALID_CREDENTIAL), or C(PEER_E_INVALID_TIME_PERIOD) for an expired or not yet valid certificate,
    and the store is left as it was.
  - Idempotent by peer name. The peer name is the hash of the public key, so an identity already in the
    store with that name holds that key, and nothing is derived or checked again.
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - peernet.peergroup.common
  - peernet.peergroup.common.password
  - peernet.peergroup.common.action_plugin
attributes:
  check_mode:
    support: full
    details: Check mode opens and checks the document like a real run, and writes nothing.
  diff_mode:
    support: full
    details: The diff shows the identity's peer name, classifier, friendly name and key size.
  platform:
    platforms: posix
seealso:
  - module: peernet.peergroup.identity_export
  - module: peernet.peergroup.group_config_import
options:
  identity_xml:
    description: The document's text. Exactly one of O(identity_xml) and O(src) is required.
    type: str
  src:
    description:
      - Path on the controller of the document, read by the action plugin (Ansible Vault encrypted files
        are decrypted on the controller).
    type: path
  friendly_name:
    description: Display name for a newly imported identity. Defaults to its classifier.
    type: str
"""

EXAMPLES = r"""
- name: Import the member identity before its group configurations
  peernet.peergroup.identity_import:
    src: configs/member.identity.xml
    password: "{{ vault_peergroup_password }}"
"""

RETURN = r"""
identity_peer_name:
  description: The identity in the document.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_support.STORE_ARGUMENT_SPEC,
            identity_xml=dict(type="str"),
            src=dict(type="path"),
            password=dict(type="str", required=True, no_log=True),
            friendly_name=dict(type="str"),
        ),
        required_one_of=[("identity_xml", "src")],
        mutually_exclusive=[("identity_xml", "src")],
        supports_check_mode=True,
    )
    if module.params["identity_xml"] is None:
        module.fail_json(msg="src is read on the controller by the action plugin; pass identity_xml when calling the module directly")
    params = module.params
    module_support.run_plan(
        module,
        lambda store: identities.plan_identity_import(
            store, params["identity_xml"].encode("utf-8"), KeyCache(params["password"]), params["friendly_name"]
        ),
    )


if __name__ == "__main__":
    main()
