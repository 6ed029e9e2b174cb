# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The import_configs role's document list, and store_info results, for the unit tests."""

from __future__ import annotations

MEMBER = "a" * 40 + ".member"
GROUP = "b" * 40 + ".build-farm"
OTHER_GROUP = "c" * 40 + ".test-lab"


def identity_document(label="member.peeridentity.xml", identity=MEMBER):
    return {"kind": "identity", "label": label, "valid": True, "reason": label + ": E_INVALIDARG (unreadable)",
            "identity": identity, "group": None, "digest": None, "path": "/docs/" + label, "content": None}


def config_document(label="build-farm.peergroupconfig.xml", group=GROUP, digest="d1" * 32):
    return {"kind": "config", "label": label, "valid": True, "reason": label + ": E_INVALIDARG (unreadable)",
            "identity": MEMBER, "group": group, "digest": digest, "path": "/docs/" + label, "content": None}


def invalid_document(label="expired.peergroupconfig.xml"):
    return dict(config_document(label), valid=False, reason=label + ": PEER_E_CERT_STORE_CORRUPTED (the chain expired)",
                identity=None, group=None, digest=None)


def store_holding(identities=(), imported=()):
    """A light store_info result: the identity peer names, and (group, digest) memberships of MEMBER."""
    return {
        "changed": False,
        "exists": True,
        "identities": [{"peer_name": name} for name in identities],
        "memberships": [{"identity_peer_name": MEMBER, "group_peer_name": group, "imported_digest": digest}
                        for group, digest in imported],
    }
