#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.import_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

DOCUMENTATION = r"""
module: __import_configs_documents
short_description: Read the documents to import on the controller, once, and stop on unusable ones
description:
  - The first step of the P(peernet.peergroup.import_configs#role) role, run once for the play.
    Lists the documents to import and reads the public facts of each on the controller, the way
    P(peernet.peergroup.config_info#filter) reads them (no password is needed or taken).
  - Identities come first, then group configurations; for each kind the files of
    O(documents_dir) (in name order), then the listed documents.
  - Ansible Vault encrypted files are decrypted in memory; their text is not written anywhere.
  - A document is valid when it parses, its chain verifies now and it is of the kind it is listed
    as. Fails when no document is given (except in check mode) and, with O(fail_on_invalid), when
    any document is invalid, naming each with its HRESULT.
author:
  - peernet.peergroup contributors (@peernet)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - peernet.peergroup.common.action_plugin
  - peernet.peergroup.common.read_only
attributes:
  platform:
    platforms: posix
requirements:
  - cryptography >= 3.4.8 on the controller
  - lxml >= 4.6.5 on the controller
seealso:
  - module: peernet.peergroup.group_config_import
options:
  documents_dir:
    description:
      - A folder on the controller whose C(*.peeridentity.xml) and C(*.peergroupconfig.xml) files
        are read too. An empty string means no folder; a folder that does not exist holds none.
    type: path
    default: ""
  identity_documents:
    description:
      - "Identity documents (C(PEERIDENTITYEXPORT)). Each is a controller path (a string or
        C({path: ...})), plain or Ansible Vault encrypted, or C({content: ..., label: ...}) with
        the document's text. Relative paths are looked up like M(ansible.builtin.copy) looks up
        C(src)."
    type: list
    elements: raw
    default: []
  group_documents:
    description:
      - Group configuration documents (C(PEERGROUPCONFIG)), given like O(identity_documents).
    type: list
    elements: raw
    default: []
  password_names:
    description:
      - The keys of the per-group passwords, group peer names or classifiers. A group
        configuration whose group matches one gets it as RV(documents[].password_key) (the peer
        name wins over the classifier). Only the names, no password, are taken.
    type: list
    elements: str
    default: []
  fail_on_invalid:
    description:
      - Fail when a document is invalid. With V(false) it is returned with RV(documents[].valid=false)
        and its RV(documents[].reason).
    type: bool
    default: true
notes:
  - Set C(no_log) on the task when inline documents or decrypted Vault files must stay out of the
    output; RV(documents[].content) holds inline documents' text.
"""

EXAMPLES = r"""
- name: Read the exported documents once and stop on any that no target could import
  peernet.peergroup.__import_configs_documents:
    identity_documents:
      - /srv/peergroup-documents/member.identity.xml
    group_documents:
      - /srv/peergroup-documents/build-farm.xml
      - /srv/peergroup-documents/test-farm.xml
  run_once: true
  register: listing
"""

RETURN = r"""
documents:
  description: Every document, identities first, in the order described above.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(identity) or V(config), as it was listed.
      type: str
    label:
      description: The file name, the C(label) of an inline document, or its kind and place in its list.
      type: str
    path:
      description: The controller path as given, or null for an inline document.
      type: str
    content:
      description: The text of an inline document, or null.
      type: str
    valid:
      description: Whether some host could import it.
      type: bool
    reason:
      description: "C(label: HRESULT (problem)): why it is invalid."
      type: str
    identity:
      description: The identity peer name.
      type: str
    group:
      description: The group peer name (group configurations only).
      type: str
    password_key:
      description: The entry of O(password_names) that names its group, or an empty string.
      type: str
    digest:
      description: The SHA-256 of the document (hex), as P(peernet.peergroup.config_info#filter) returns it.
      type: str
    not_after:
      description: When its GMC expires (ISO 8601, UTC), for valid group configurations.
      type: str
"""
