#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: identity_export
short_description: Export an identity (PEERIDENTITYEXPORT) sealed with a password
version_added: 0.1.0
description:
  - Writes the C(PEERIDENTITYEXPORT) document of an identity, as C(PeerIdentityExport) did. It holds the
    identity certificate and private key as a password-encrypted PKCS#12 (PBES2, AES-256-CBC,
    HMAC-SHA256) plus our integrity seal (see C(docs/format.md)).
  - A target needs the identity before it can import that identity's group configurations.
  - Idempotent when O(dest) exists and opens with O(password) to the same identity and key.
    O(regenerate) decides what happens to an existing O(dest).
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - peernet.peergroup.common
  - peernet.peergroup.common.password
  - peernet.peergroup.common.controller_dest
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    details: Check mode seals nothing, so RV(identity_xml) is V(null) when the document would change.
  diff_mode:
    support: full
    details: The diff shows the identity's peer name, classifier, friendly name and key size.
  platform:
    platforms: posix
  safe_file_operations:
    support: full
    description: The file is written to a temporary file in the destination directory and moved into place.
seealso:
  - module: peernet.peergroup.identity_import
  - module: peernet.peergroup.group_config_export
options:
  identity:
    description: Peer name of the identity to export.
    type: str
    required: true
  dest:
    description:
      - File on the managed node to write the document to (mode O(mode), C(0600) when unset, replaced atomically).
      - An existing file must be a regular file of the user the module runs as, at most 1 MiB; a symbolic
        link, a directory, a FIFO, a device or a file of another user is refused and left as it is.
    type: path
  regenerate:
    description:
      - What to do with a document already at O(dest), in the style of community.crypto's C(regenerate).
      - V(never) keeps it as it is, whatever it holds, and returns it.
      - V(fail) keeps it when it opens with O(password) to the same identity and fails with
        C(PEER_E_ALREADY_EXISTS) when it would be sealed anew.
      - V(full_idempotence) seals it anew only when it holds another identity (or cannot be read). A document
        O(password) does not open is refused with C(ERROR_INVALID_PASSWORD) and nothing is changed.
      - V(partial_idempotence) is V(full_idempotence) that also seals anew a document O(password) does not
        open (a password rotation that converges, so a re-run changes nothing).
      - V(always) seals it anew every run.
    type: str
    choices: [never, fail, partial_idempotence, full_idempotence, always]
    default: full_idempotence
    version_added: 0.2.0
  backup:
    description:
      - Copy the file at O(dest) to a timestamped backup beside it before it is replaced; RV(backup_file) names the copy.
    type: bool
    default: false
    version_added: 0.2.0
  return_content:
    description:
      - Return the document in RV(content). It is the sealed document (its secrets encrypted under O(password)),
        never a password or a plain key.
    type: bool
    default: false
    version_added: 0.2.0
  mode:
    description:
      - The permissions of O(dest), as in M(ansible.builtin.file); V(0600) when not set.
      - An octal mode is the file's mode from its creation, before a byte is written; a symbolic one is applied
        to the new file, which is V(0600) until then.
    version_added: 0.2.0
  owner:
    description:
      - The owner of O(dest). A file already owned by this user is replaced like one of the user the module runs as.
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Export the member identity for the targets
  peernet.peergroup.identity_export:
    identity: "{{ member_identity }}"
    password: "{{ vault_peergroup_password }}"
    dest: /var/lib/peernet-export/member.identity.xml
    controller_dest: /srv/peergroup-documents/member.identity.xml
"""

RETURN = r"""
identity_peer_name:
  description: The exported identity.
  returned: success
  type: str
content_changed:
  description:
    - Whether a target would lack what the document holds, because there was no document at O(dest) or it
      held another identity. A new seal over the same identity (O(regenerate=always)) is no change for targets.
  returned: success
  type: bool
  version_added: 0.2.0
identity_xml:
  description:
    - The sealed document; it holds the private key encrypted under the password.
    - V(null) in check mode when it would change.
  returned: success
  type: str
backup_file:
  description: The backup of the replaced O(dest), when O(backup) made one.
  returned: changed and a backup was made
  type: str
  version_added: 0.2.0
content:
  description: The sealed document, as RV(identity_xml).
  returned: when O(return_content=true)
  type: str
  version_added: 0.2.0
controller_dest:
  version_added: 0.2.0
  description: The controller file written.
  returned: when O(controller_dest) is used
  type: str
controller_changed:
  version_added: 0.2.0
  description: Whether the controller file was (or would be) written or its mode corrected.
  returned: when O(controller_dest) is used
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import plans
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.documents import MAX_DOCUMENT_SIZE
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_support.STORE_ARGUMENT_SPEC,
            **module_support.DEST_ARGUMENT_SPEC,
            identity=dict(type="str", required=True),
            dest=dict(type="path"),
            controller_dest=dict(type="path"),
            regenerate=dict(type="str", default="full_idempotence", choices=list(plans.REGENERATE_POLICIES)),
            password=dict(type="str", required=True, no_log=True),
        ),
        supports_check_mode=True,
        add_file_common_args=True,
    )
    params = module.params
    if params["controller_dest"] is not None:
        module.fail_json(msg="controller_dest is written on the controller by the action plugin; it cannot be used when calling the module directly")
    dest = params["dest"]

    def finish(result, changed):
        if params["return_content"]:
            result["content"] = result["identity_xml"]
        if not dest:
            return changed
        document = result["identity_xml"].encode("utf-8") if result["identity_xml"] is not None else None
        changed, backup_file = module_support.write_dest(module, dest, document, changed)
        if backup_file:
            result["backup_file"] = backup_file
        return changed

    module_support.run_plan(
        module,
        lambda store: identities.plan_identity_export(
            store, params["identity"], KeyCache(params["password"]), module_support.read_existing(dest, MAX_DOCUMENT_SIZE, params),
            params["regenerate"], dest,
        ),
        finish,
    )


if __name__ == "__main__":
    main()
