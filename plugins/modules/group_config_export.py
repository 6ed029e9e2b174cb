#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: group_config_export
short_description: Export group configurations (PEERGROUPCONFIG) sealed with a password
version_added: 0.1.0
description:
  - Writes the C(PEERGROUPCONFIG) document of an (identity, group) membership, as
    C(PeerGroupExportConfig) did, sealed with O(password) (see C(docs/format.md)).
  - For the group owner the document carries the group private key, sealed, unless
    O(include_group_key=false).
  - Idempotent when O(dest) exists and opens with O(password) to the same content; a fresh salt and
    nonce make every new document's bytes differ, so bytes are never compared. O(regenerate) decides
    what happens to an existing O(dest).
  - O(configs) exports many memberships in one call and derives the password key once for all of them.
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
    details: Check mode opens existing files to decide, but seals nothing, so RV(config_xml) is V(null) for documents that would change.
  diff_mode:
    support: full
    details:
      - The diff shows the exported metadata (names, cloud, scope, flags, roles, chain fingerprints, validity), before as
        read from the document at O(dest) without the password, after as exported.
  platform:
    platforms: posix
  safe_file_operations:
    support: full
    description: Files are written to a temporary file in the destination directory and moved into place.
seealso:
  - module: peernet.peergroup.group_config_import
  - module: peernet.peergroup.identity_export
  - module: peernet.peergroup.store_info
options:
  identity:
    description: Peer name of the member identity. Use with O(group), or use O(configs).
    type: str
  group:
    description:
      - Group peer name. It is not the written file's group as in M(ansible.builtin.file); the files keep
        the group of the user the module runs as.
    type: str
  dest:
    description:
      - File on the managed node to write the document to, mode O(mode) (C(0600) when unset), replaced atomically.
      - An existing file must be a regular file of the user the module runs as, at most 1 MiB; a symbolic
        link, a directory, a FIFO, a device or a file of another user is refused and left as it is.
      - Without it the document is only returned in RV(config_xml).
    type: path
  include_group_key:
    description: For the group owner, include the sealed group private key (the importer becomes an owner).
    type: bool
    default: true
  regenerate:
    description:
      - What to do with a document already at O(dest) (or O(configs[].dest)), in the style of
        community.crypto's C(regenerate).
      - V(never) keeps it as it is, whatever it holds, and returns it.
      - V(fail) keeps it when it opens with O(password) to the same content and fails with
        C(PEER_E_ALREADY_EXISTS) when it would be sealed anew.
      - V(full_idempotence) seals it anew only when its content differs (or it cannot be read). A document
        O(password) does not open is refused with C(ERROR_INVALID_PASSWORD) and nothing is changed, since a
        mistyped password must not silently re-seal every document.
      - V(partial_idempotence) is V(full_idempotence) that also seals anew a document O(password) does not
        open (a password rotation that converges, so a re-run changes nothing).
      - V(always) seals it anew every run.
      - With O(configs), one refused document fails the whole call before anything is written.
    type: str
    choices: [never, fail, partial_idempotence, full_idempotence, always]
    default: full_idempotence
    version_added: 0.2.0
  configs:
    description:
      - Several memberships to export in one call (one key derivation for all).
      - Not with O(controller_dest); each item has its own O(configs[].controller_dest).
    type: list
    elements: dict
    suboptions:
      identity:
        description: Peer name of the member identity.
        type: str
        required: true
      group:
        description: Group peer name.
        type: str
        required: true
      dest:
        description: File to write this document to, as O(dest).
        type: path
      controller_dest:
        version_added: 0.2.0
        description: As O(controller_dest), for this item. Every item needs its own file.
        type: path
      include_group_key:
        description: As O(include_group_key), for this item.
        type: bool
        default: true
  backup:
    description:
      - Copy the file at O(dest) (or O(configs[].dest)) to a timestamped backup beside it before it is replaced;
        RV(configs[].backup_file) names the copy.
    type: bool
    default: false
    version_added: 0.2.0
  return_content:
    description:
      - Return each document in RV(configs[].content) (and RV(content) for a single export). It is the sealed
        document (its secrets encrypted under O(password)), never a password or a plain key.
    type: bool
    default: false
    version_added: 0.2.0
  mode:
    description:
      - The permissions of each written file, as in M(ansible.builtin.file); V(0600) when not set.
      - An octal mode is the file's mode from its creation, before a byte is written; a symbolic one is applied
        to the new file, which is V(0600) until then.
    version_added: 0.2.0
  owner:
    description:
      - The owner of each written file. A file already owned by this user is replaced like one of the user the
        module runs as.
    version_added: 0.2.0
"""

EXAMPLES = r"""
- name: Export one group configuration to a file
  peernet.peergroup.group_config_export:
    identity: "{{ member_identity }}"
    group: "{{ group_peer_name }}"
    password: "{{ vault_peergroup_password }}"
    dest: /var/lib/peernet-export/build-farm.xml

- name: Export two memberships in one call (one key derivation)
  peernet.peergroup.group_config_export:
    password: "{{ vault_peergroup_password }}"
    configs:
      - identity: "{{ member_identity }}"
        group: "{{ group_peer_name }}"
        dest: /var/lib/peernet-export/build-farm.xml
      - identity: "{{ member_identity }}"
        group: "{{ other_group_peer_name }}"
        dest: /var/lib/peernet-export/test-farm.xml
        include_group_key: false

- name: Export two memberships and write the documents on the controller too
  peernet.peergroup.group_config_export:
    password: "{{ vault_peergroup_password }}"
    configs:
      - identity: "{{ member_identity }}"
        group: "{{ group_peer_name }}"
        controller_dest: /srv/peergroup-documents/build-farm.xml
      - identity: "{{ member_identity }}"
        group: "{{ other_group_peer_name }}"
        controller_dest: /srv/peergroup-documents/test-farm.xml
"""

RETURN = r"""
config_xml:
  description: The sealed document (single export). Safe to return; V(null) in check mode when it would change.
  returned: when O(identity) is used
  type: str
content:
  description: The sealed document (single export), as RV(configs[].content).
  returned: when O(identity) is used and O(return_content=true)
  type: str
  version_added: 0.2.0
backup_file:
  description: The backup of the replaced O(dest) (single export).
  returned: when O(identity) is used and a backup was made
  type: str
  version_added: 0.2.0
identity_peer_name:
  description: The member identity (single export).
  returned: when O(identity) is used
  type: str
group_peer_name:
  description: The group (single export).
  returned: when O(identity) is used
  type: str
controller_dest:
  version_added: 0.2.0
  description: The controller file written (single export).
  returned: when O(controller_dest) is used
  type: str
controller_changed:
  version_added: 0.2.0
  description: Whether the controller file was (or would be) written or its mode corrected (single export).
  returned: when O(controller_dest) is used
  type: bool
configs:
  description: One entry per exported membership.
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
    dest:
      description: Where the document was written, if anywhere.
      type: str
    backup_file:
      description: The backup of the replaced document, when O(backup) made one.
      type: str
      returned: changed and a backup was made
      version_added: 0.2.0
    content:
      description: The sealed document, as RV(configs[].config_xml).
      type: str
      returned: when O(return_content=true)
      version_added: 0.2.0
    changed:
      description: Whether this document was (or would be) sealed anew.
      type: bool
    content_changed:
      description:
        - Whether what a target imports from this document differs from the document that was at O(dest) (or
          there was none). A new seal over the same content (O(regenerate=always)) is no change for targets.
      type: bool
      version_added: 0.2.0
    controller_dest:
      version_added: 0.2.0
      description: The controller file of this document, if any.
      type: str
      returned: when O(controller_dest) or O(configs[].controller_dest) is used
    controller_changed:
      version_added: 0.2.0
      description: Whether the controller file was (or would be) written or its mode corrected.
      type: bool
      returned: when O(controller_dest) or O(configs[].controller_dest) is used
    config_xml:
      description: The sealed document.
      type: str
    group_friendly_name:
      version_added: 0.2.0
      description: The group's display name, sealed into the document (C(pn:GROUPFRIENDLYNAME)).
      type: str
    group_key_included:
      description: Whether the document carries the group key.
      type: bool
    roles:
      description: The roles of the leaf GMC.
      type: list
      elements: str
      version_added: 0.2.0
    chain_fingerprints:
      description: SHA-256 fingerprints of the chain, root first.
      type: list
      elements: str
    not_after:
      description: End of the leaf GMC's validity (ISO 8601, UTC).
      type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.peernet.peergroup.plugins.module_utils import module_support
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import plans
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.documents import MAX_DOCUMENT_SIZE
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache


def main():
    module = AnsibleModule(
        argument_spec=dict(
            module_support.STORE_ARGUMENT_SPEC,
            **module_support.DEST_ARGUMENT_SPEC,
            identity=dict(type="str"),
            group=dict(type="str"),
            dest=dict(type="path"),
            controller_dest=dict(type="path"),
            include_group_key=dict(type="bool", default=True),
            regenerate=dict(type="str", default="full_idempotence", choices=list(plans.REGENERATE_POLICIES)),
            password=dict(type="str", required=True, no_log=True),
            configs=dict(
                type="list",
                elements="dict",
                options=dict(
                    identity=dict(type="str", required=True),
                    group=dict(type="str", required=True),
                    dest=dict(type="path"),
                    controller_dest=dict(type="path"),
                    include_group_key=dict(type="bool", default=True),
                ),
            ),
        ),
        required_one_of=[("identity", "configs")],
        mutually_exclusive=[("identity", "configs"), ("dest", "configs"), ("controller_dest", "configs")],
        required_together=[("identity", "group")],
        supports_check_mode=True,
        add_file_common_args=True,
    )
    params = module.params
    if params["controller_dest"] is not None or any(item["controller_dest"] is not None for item in params["configs"] or []):
        module.fail_json(msg="controller_dest is written on the controller by the action plugin; it cannot be used when calling the module directly")
    single = params["configs"] is None
    items = params["configs"] if not single else [
        dict(identity=params["identity"], group=params["group"], dest=params["dest"], include_group_key=params["include_group_key"])
    ]

    def make_plan(store):
        requests = [
            configs.ExportRequest(
                item["identity"], item["group"], item["include_group_key"], module_support.read_existing(item["dest"], MAX_DOCUMENT_SIZE, params), item["dest"]
            )
            for item in items
        ]
        return configs.plan_group_config_export(store, requests, KeyCache(params["password"]), params["regenerate"])

    def finish(result, changed):
        for item, entry in zip(items, result["configs"]):
            entry["dest"] = item["dest"]
            if params["return_content"]:
                entry["content"] = entry["config_xml"]
            if not item["dest"]:
                continue
            document = entry["config_xml"].encode("utf-8") if entry["config_xml"] is not None else None
            written, backup_file = module_support.write_dest(module, item["dest"], document, entry["changed"], group_option=False)
            changed = written or changed
            if backup_file:
                entry["backup_file"] = backup_file
        if single:
            # The single call's top level repeats its one entry's keys.
            entry = result["configs"][0]
            result.update((key, entry[key]) for key in ("config_xml", "identity_peer_name", "group_peer_name", "content", "backup_file") if key in entry)
        return changed

    module_support.run_plan(module, make_plan, finish)


if __name__ == "__main__":
    main()
