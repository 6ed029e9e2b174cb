# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Group configuration decisions: PEERGROUPCONFIG export and import, received memberships, and
what a document says without the password.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.inventory import membership_summary
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.plans import (
    REGENERATE_POLICIES,
    Plan,
    decided_under_lock,
    dest_label,
    iso,
    opened_once,
    require_identity,
    regenerate_decision,
)
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.digests import holds_document
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import MembershipRecord

OVERWRITE_POLICIES = ("never", "if_newer", "always")


def received_membership(identity_peer_name, group_peer_name, cloud, scope, cloud_flags, chain, group_key, friendly_name, existing,
                        imported_digest=None):
    """The record of a membership that arrived in a document or an invitation, ``chain`` verified.

    Without a friendly name the stored one stays (a new membership: the group's classifier).
    """
    classifier = peername.parse(group_peer_name).classifier
    if friendly_name is None:
        friendly_name = existing.group_friendly_name if existing is not None else classifier
    return MembershipRecord(
        identity_peer_name=identity_peer_name,
        group_peer_name=group_peer_name,
        cloud=cloud,
        scope=scope,
        cloud_flags=cloud_flags,
        chain=tuple(certs.certificate_to_der(cert) for cert in chain.certs),
        group_key=group_key,
        group_classifier=classifier,
        group_friendly_name=friendly_name,
        imported_digest=imported_digest,
    )


def _config_from_record(record):
    return documents.GroupConfig(
        identity_peer_name=record.identity_peer_name,
        group_peer_name=record.group_peer_name,
        cloud=record.cloud,
        scope=record.scope,
        cloud_flags=record.cloud_flags,
        chain=tuple(record.chain),
        group_key=record.group_key,
        group_friendly_name=record.group_friendly_name,
    )


def config_summary(config):
    """Non-secret metadata of a ``GroupConfig``."""
    chain = [certs.certificate_from_der(der) for der in config.chain]
    return _document_summary(config, config.group_key is not None, chain)


def _sealed_summary(sealed):
    """Non-secret metadata of a PEERGROUPCONFIG read without the password, as config_summary."""
    return _document_summary(sealed, sealed.group_key_included, sealed.certificates)


def _document_summary(fields, group_key_included, chain):
    leaf = chain[-1]
    return {
        "identity_peer_name": fields.identity_peer_name,
        "group_peer_name": fields.group_peer_name,
        "cloud": fields.cloud,
        "scope": fields.scope,
        "cloud_flags": fields.cloud_flags,
        "group_friendly_name": fields.group_friendly_name,
        "group_key_included": group_key_included,
        "roles": certs.roles_of(leaf),
        "chain_subjects": [certs.subject_text(cert) for cert in chain],
        "chain_fingerprints": [certs.fingerprint(cert) for cert in chain],
        "not_before": iso(certs.not_before_of(leaf)),
        "not_after": iso(certs.not_after_of(leaf)),
    }


def _public_content(sealed):
    """What a target takes from a PEERGROUPCONFIG, read without the password.

    The group key is the only sealed field, and the group peer name commits to it: whether it
    is included is all that can differ.
    """
    return (sealed.identity_peer_name, sealed.group_peer_name, sealed.cloud, sealed.scope, sealed.cloud_flags,
            tuple(certs.certificate_to_der(cert) for cert in sealed.certificates), sealed.group_friendly_name,
            sealed.group_key_included)


def _config_content(config):
    return (config.identity_peer_name, config.group_peer_name, config.cloud, config.scope, config.cloud_flags,
            tuple(config.chain), config.group_friendly_name, config.group_key is not None)


def _read_sealed(existing):
    """The existing document read without the password, or None when there is none or it is unreadable."""
    if existing is None:
        return None
    try:
        return documents.parse_group_config(existing)
    except PeerError:
        return None


def _config_decision(existing, sealed, config, cache, regenerate, dest_label):
    """``(reseal, content_changed)`` for one document under the ``regenerate`` policy."""
    if existing is None:
        return True, True
    content_changed = sealed is None or _public_content(sealed) != _config_content(config)
    # Failures other than the password (an altered or unreadable file) count as different, like openssl_pkcs12.
    holds_same = None if sealed is None else (lambda: not sealed.open(cache, check_key=False).diff_fields(config))
    return regenerate_decision(content_changed, regenerate, holds_same, dest_label)


class ExportRequest(object):
    """One ``(identity, group)`` to export, with the bytes at ``dest`` (and its path, for messages) if any."""

    def __init__(self, identity, group, include_group_key=True, existing=None, dest=None):
        self.identity = identity
        self.group = group
        self.include_group_key = include_group_key
        self.existing = existing
        self.dest = dest


def plan_group_config_export(store, requests, cache, regenerate="full_idempotence"):
    """Plan one export per request; a batch pays one KDF for all new documents.

    ``regenerate`` (REGENERATE_POLICIES) decides what happens to an existing document: kept
    (never), sealed anew when its content differs (full_idempotence, fail refuses instead), also
    when the password does not open it (partial_idempotence, a rotation that converges) or
    always sealed anew. A document the password does not open is refused under fail and
    full_idempotence. The result's ``configs`` list has, per request, its
    metadata, ``changed`` (sealed anew), ``content_changed`` (what a target imports differs) and
    ``config_xml`` (sealed, safe to return) once known.
    """
    if regenerate not in REGENERATE_POLICIES:
        raise PeerError("E_INVALIDARG", "regenerate must be one of %s" % ", ".join(REGENERATE_POLICIES))
    cache.check_sealing()
    items, before = [], []
    for request in requests:
        str(peername.parse(request.identity))
        str(peername.parse(request.group))
        record = store.get_membership(request.identity, request.group)
        if record is None:
            raise PeerError(
                "PEER_E_NOT_FOUND",
                "identity %s is not a member of group %s in this store" % (request.identity, request.group),
            )
        config = _config_from_record(record)
        if not request.include_group_key:
            config = config._replace(group_key=None)
        sealed = _read_sealed(request.existing)
        reseal, content_changed = _config_decision(request.existing, sealed, config, cache, regenerate, dest_label(request.dest))
        items.append((request, config, reseal, content_changed))
        before.append(_sealed_summary(sealed) if sealed is not None else {})

    def render_all(seal_key):
        configs = []
        for request, config, reseal, content_changed in items:
            entry = config_summary(config)
            entry.update(changed=reseal, content_changed=content_changed)
            if not reseal:
                entry["config_xml"] = request.existing.decode("utf-8")
            elif seal_key is not None:
                entry["config_xml"] = documents.render_group_config(config, seal_key).decode("utf-8")
            else:
                entry["config_xml"] = None
            configs.append(entry)
        return configs

    changed = any(reseal for _request, _config, reseal, _content in items)
    # Sealing needs a key: derive it only when something is new, never in check mode.
    result = {"configs": render_all(None)}
    # One entry per request in both lists; the diff shows the document at dest as read without the password.
    after = [config_summary(config) for request, config, reseal, _content in items]

    def apply():
        return {"configs": render_all(cache.new_key())}

    return Plan(changed, {"configs": before}, {"configs": after}, result, apply if changed else None)


def plan_group_config_import(store, data, cache, overwrite="never"):
    """Decide an import of one ``PEERGROUPCONFIG`` document (bytes)."""
    if overwrite not in OVERWRITE_POLICIES:
        raise PeerError("E_INVALIDARG", "overwrite must be one of %s" % ", ".join(OVERWRITE_POLICIES))
    sealed = documents.parse_group_config(data)
    open_document = opened_once(sealed, cache)
    return decided_under_lock(store, lambda current: _decide_group_import(current, sealed, open_document, overwrite))


def _decide_group_import(store, sealed, open_document, overwrite):
    identity_name = sealed.identity_peer_name
    group_name = sealed.group_peer_name
    existing = store.get_membership(identity_name, group_name)
    result = {"identity_peer_name": identity_name, "group_peer_name": group_name}

    if existing is not None and holds_document(existing.imported_digest, sealed.digest):
        summary = membership_summary(existing)
        result.update(_import_result(summary, []))
        return Plan(False, summary, summary, result)

    identity = require_identity(store, identity_name)
    chain = certs.verify_chain(sealed.certificates, group_name, identity_name)
    if not certs.public_key_matches(certs.certificate_from_der(identity.certificate).public_key(), chain.leaf):
        raise PeerError(
            "PEER_E_INVALID_CREDENTIAL",
            "the GMC was issued to another key than identity %s holds" % identity_name,
        )
    config = open_document()
    new_record = received_membership(
        identity_name, group_name, config.cloud, config.scope, config.cloud_flags, chain, config.group_key,
        config.group_friendly_name, existing, imported_digest=sealed.digest,
    )
    # Compared as it would be stored: the chain as verified, the friendly name kept when absent.
    config = _config_from_record(new_record)

    if existing is None:
        changed_fields = ["membership"]
    else:
        changed_fields = _config_from_record(existing).diff_fields(config)
    before = membership_summary(existing) if existing is not None else {}

    if existing is not None and not changed_fields:
        result.update(_import_result(before, []))

        def remember_digest():
            # Bookkeeping only: the next import of these bytes skips the KDF.
            with store.transaction():
                store.put_membership(existing, imported_digest=sealed.digest)

        return Plan(False, before, before, result, remember_digest)

    # The friendly name is display only: it follows an accepted document under every policy.
    replaced_fields = [name for name in changed_fields if name != "group_friendly_name"]
    if existing is not None and replaced_fields and overwrite == "never":
        raise PeerError(
            "PEER_E_ALREADY_EXISTS",
            "a different configuration of identity %s in group %s is already present (differs in: %s); "
            "set overwrite to if_newer or always to replace it" % (identity_name, group_name, ", ".join(replaced_fields)),
        )
    stored = [certs.certificate_from_der(der) for der in existing.chain] if existing is not None else []
    downgrades = _downgrades(existing, stored, chain, new_record) if existing is not None else []
    group_key_kept = False
    if existing is not None and replaced_fields and overwrite == "if_newer":
        refusals = _renewal_refusals(stored, chain, downgrades)
        if refusals:
            raise PeerError(
                "PEER_E_ALREADY_EXISTS",
                "overwrite=if_newer keeps the stored configuration of identity %s in group %s: %s; "
                "set overwrite to always to replace it" % (identity_name, group_name, "; ".join(refusals)),
            )
        if "group_key" in downgrades:
            # A renewal exported without the group key must not take it from the owner.
            new_record = new_record._replace(group_key=existing.group_key)
            changed_fields = _config_from_record(existing).diff_fields(_config_from_record(new_record))
            downgrades, group_key_kept = [], True
    after = membership_summary(new_record)

    result.update(_import_result(after, changed_fields, downgrades, group_key_kept))

    def apply():
        with store.transaction():
            store.put_membership(new_record, imported_digest=sealed.digest)

    return Plan(True, before, after, result, apply)


def _import_result(summary, changed_fields, downgrades=(), group_key_kept=False):
    return {
        "changed_fields": changed_fields,
        "chain_fingerprints": summary["chain_fingerprints"],
        "not_after": summary["not_after"],
        "owner": summary["owner"],
        "downgrades": list(downgrades),
        "group_key_kept": group_key_kept,
    }


def _chain_end(chain):
    """When a chain stops verifying: the earliest not_after of its certificates."""
    return min(certs.not_after_of(cert) for cert in chain)


def _issuer_of(chain):
    """The leaf's issuer as a holder: its peer name and public key (a renewed issuer certificate keeps both)."""
    parent = chain[-2]
    return certs.peer_name_of(parent), peername.authority_for_key(parent.public_key())


def _downgrades(existing, stored, chain, new_record):
    """What replacing ``existing`` (its chain parsed: ``stored``) with ``new_record`` (``chain`` verified) would give up.

    Codes, in this order: ``group_root`` (another GRC), ``issuer`` (the leaf issued by
    another holder), ``roles`` (a stored role missing), ``expiry`` (the chain stops
    verifying earlier), ``group_key`` (the stored group key dropped).
    """
    lost = []
    if certs.fingerprint(stored[0]) != chain.fingerprints[0]:
        lost.append("group_root")
    if _issuer_of(stored) != _issuer_of(chain.certs):
        lost.append("issuer")
    if not set(certs.roles_of(stored[-1])) <= set(chain.roles):
        lost.append("roles")
    if _chain_end(chain.certs) < _chain_end(stored):
        lost.append("expiry")
    if existing.group_key is not None and new_record.group_key is None:
        lost.append("group_key")
    return lost


def _renewal_refusals(stored, chain, downgrades):
    """Why ``chain`` is not a renewal of the ``stored`` one, one text per reason (empty when it is).

    A renewal starts later and gives up nothing; only the group key may be missing,
    and then the stored one is kept.
    """
    stored_start = certs.not_before_of(stored[-1])
    reasons = []
    if not chain.not_before > stored_start:
        reasons.append(
            "not newer: the document's GMC (valid from %s) is not newer than the stored one (valid from %s)"
            % (iso(chain.not_before), iso(stored_start))
        )
    if "group_root" in downgrades:
        reasons.append("group_root: the chain has another group root certificate")
    if "issuer" in downgrades:
        reasons.append("issuer: the GMC was issued by %s, the stored one by %s" % (_issuer_of(chain.certs)[0], _issuer_of(stored)[0]))
    if "roles" in downgrades:
        missing = sorted(set(certs.roles_of(stored[-1])) - set(chain.roles))
        reasons.append("roles: the GMC lacks %s of the stored one" % ", ".join(missing))
    if "expiry" in downgrades:
        reasons.append("expiry: the chain stops verifying at %s, the stored one at %s" % (iso(_chain_end(chain.certs)), iso(_chain_end(stored))))
    return reasons


def describe_document(data, now=None):
    """Public facts of a document and whether it can be imported anywhere.

    ``valid`` is False when no target could import it (bad chain, expired GMC,
    ...); the password and the target's store are not needed to know that.
    """
    if b"<PEERIDENTITYEXPORT" in data[:1024]:
        parsed = documents.parse_identity_export(data)
        return {
            "valid": True,
            "problem": None,
            "hresult": None,
            "document_type": "PEERIDENTITYEXPORT",
            "identity_peer_name": parsed.peer_name,
            "digest": parsed.digest,
        }
    sealed = documents.parse_group_config(data)
    info = {
        "valid": True,
        "problem": None,
        "hresult": None,
        "document_type": "PEERGROUPCONFIG",
        "identity_peer_name": sealed.identity_peer_name,
        "group_peer_name": sealed.group_peer_name,
        "cloud": sealed.cloud,
        "scope": sealed.scope,
        "cloud_flags": sealed.cloud_flags,
        "group_friendly_name": sealed.group_friendly_name,
        "group_key_included": sealed.group_key_included,
        "kdf": dict(sealed.kdf._asdict()),
        "digest": sealed.digest,
        "chain": [certs.describe_certificate(cert) for cert in sealed.certificates],
    }
    try:
        chain = certs.verify_chain(sealed.certificates, sealed.group_peer_name, sealed.identity_peer_name, now=now)
    except PeerError as exc:
        info.update(valid=False, problem=exc.message, hresult=exc.as_dict())
    else:
        info.update(
            chain=[certs.describe_certificate(cert) for cert in chain.certs],
            roles=list(chain.roles),
            not_before=iso(chain.not_before),
            not_after=iso(chain.not_after),
        )
    return info
