# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Identity decisions: present/absent, export and import of PEERIDENTITYEXPORT documents.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import lookup
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.plans import (
    REGENERATE_POLICIES,
    Plan,
    decided_under_lock,
    dest_label,
    opened_once,
    require_identity,
    regenerate_decision,
)
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import IdentityRecord


def plan_identity_present(store, classifier, friendly_name=None, key_size=2048):
    """The identity named by ``classifier``; a new ``friendly_name`` renames it in place."""
    classifier = peername.validate_classifier(classifier)
    wanted_name = documents.validate_friendly_name(friendly_name) if friendly_name is not None else None
    if key_size not in certs.KEY_SIZES:
        raise PeerError("E_INVALIDARG", "key_size must be one of %s" % ", ".join(map(str, certs.KEY_SIZES)))
    record = lookup.identity_by_classifier(store, classifier, wanted_name)
    if record is not None:
        before = record.public_fields()
        result = _identity_result(record)
        if wanted_name is None or wanted_name == record.friendly_name:
            return Plan(False, before, before, result)
        renamed = record._replace(friendly_name=wanted_name)

        def rename():
            with store.transaction():
                store.put_identity(renamed)

        return Plan(True, before, renamed.public_fields(), result, rename)

    friendly_name = wanted_name or classifier
    after = {"peer_name": None, "classifier": classifier, "friendly_name": friendly_name, "key_size": key_size}

    def apply():
        key = certs.generate_key(key_size)
        name = str(peername.secure_name(key.public_key(), classifier))
        cert = certs.make_identity_certificate(key, name)
        record = IdentityRecord(
            peer_name=name,
            classifier=classifier,
            friendly_name=friendly_name,
            key_size=key_size,
            private_key=certs.private_key_to_der(key),
            certificate=certs.certificate_to_der(cert),
        )
        with store.transaction():
            store.add_identity(record)
        return _identity_result(record)

    return Plan(True, {}, after, {"identity_peer_name": None, "identity_info_xml": None}, apply)


def _identity_result(record):
    cert = certs.certificate_from_der(record.certificate)
    return {
        "identity_peer_name": record.peer_name,
        "identity_info_xml": documents.render_identity_info(cert).decode("utf-8"),
    }


def plan_identity_absent(store, peer_name=None, classifier=None, friendly_name=None, force=False):
    if peer_name:
        str(peername.parse(peer_name))
        record = store.get_identity(peer_name)
        records = [record] if record else []
    else:
        classifier = peername.validate_classifier(classifier)
        records = [
            record for record in store.list_identities()
            if record.classifier == classifier and friendly_name in (None, record.friendly_name)
        ]
        lookup.refuse_ambiguous(records, classifier)
    if not records:
        return Plan(False, {}, {}, {"identity_peer_name": peer_name})
    for record in records:
        groups = store.count_memberships(record.peer_name)
        if groups and not force:
            raise PeerError(
                "PEER_E_GROUPS_EXIST",
                "identity %s still belongs to %d group(s); remove them or set force" % (record.peer_name, groups),
            )

    def apply():
        with store.transaction():
            for record in records:
                store.remove_identity(record.peer_name)

    before = records[0].public_fields()
    return Plan(True, before, {}, {"identity_peer_name": records[0].peer_name}, apply)


def plan_identity_export(store, peer_name, cache, existing=None, regenerate="full_idempotence", dest=None):
    """Plan an identity export under ``regenerate``, as plan_group_config_export does.

    ``content_changed`` in the result: a target lacks what the document holds. The peer name
    commits to the key, so an existing document for the same peer name holds the same identity.
    """
    if regenerate not in REGENERATE_POLICIES:
        raise PeerError("E_INVALIDARG", "regenerate must be one of %s" % ", ".join(REGENERATE_POLICIES))
    cache.check_sealing()
    identity = require_identity(store, peer_name)
    summary = identity.public_fields()
    reseal, content_changed = _identity_decision(existing, identity, cache, regenerate, dest_label(dest))
    result = {"identity_peer_name": peer_name, "content_changed": content_changed}
    if not reseal:
        return Plan(False, summary, summary, dict(result, identity_xml=existing.decode("utf-8")))

    def apply():
        key = certs.private_key_from_der(identity.private_key, validate=False)  # from the store, checked on entry
        cert = certs.certificate_from_der(identity.certificate)
        document = documents.render_identity_export(identity.peer_name, key, cert, cache.new_key())
        return {"identity_xml": document.decode("utf-8")}

    before = summary if existing is not None else {}
    return Plan(True, before, summary, dict(result, identity_xml=None), apply)


def _identity_decision(existing, identity, cache, regenerate, dest_label):
    if existing is None:
        return True, True
    try:
        parsed = documents.parse_identity_export(existing)
    except PeerError:
        parsed = None
    content_changed = parsed is None or parsed.peer_name != identity.peer_name

    def holds_same():
        return parsed.open(cache) == (identity.peer_name, _normalised_key(identity.private_key), identity.certificate)

    return regenerate_decision(content_changed, regenerate, None if parsed is None else holds_same, dest_label)


def _normalised_key(private_key_der):
    """A stored key as PKCS#8 DER: the store checked it when it entered."""
    return certs.private_key_to_der(certs.private_key_from_der(private_key_der, validate=False))


def plan_identity_import(store, data, cache, friendly_name=None):
    parsed = documents.parse_identity_export(data)
    open_document = opened_once(parsed, cache)
    return decided_under_lock(store, lambda current: _decide_identity_import(current, parsed, open_document, friendly_name))


def _decide_identity_import(store, parsed, open_document, friendly_name):
    name = parsed.peer_name
    existing = store.get_identity(name)
    result = {"identity_peer_name": name}
    if existing is not None:
        # The peer name commits to the public key (SHA-1 of it): same name, same key.
        summary = existing.public_fields()
        return Plan(False, summary, summary, result)
    peer_name, key_der, cert_der = open_document()
    # open() checked this key a moment ago; this load only gives the key object back.
    key = certs.private_key_from_der(key_der, validate=False)
    # The store publishes this certificate as the identity's PEERIDENTITYINFO.
    certs.check_identity_certificate(certs.certificate_from_der(cert_der), peer_name, key)
    classifier = peername.parse(peer_name).classifier
    record = IdentityRecord(
        peer_name=peer_name,
        classifier=classifier,
        friendly_name=documents.validate_friendly_name(friendly_name or classifier),
        key_size=key.key_size,
        private_key=key_der,
        certificate=cert_der,
    )
    after = record.public_fields()

    def apply():
        with store.transaction():
            store.add_identity(record)

    return Plan(True, {}, after, result, apply)
