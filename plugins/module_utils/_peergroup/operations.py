# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The decisions every module makes, shared by check mode and real runs.

Each ``plan_*`` function reads the store and returns a ``Plan``; the module
calls ``plan.apply()`` only when it is not in check mode.  Results and diffs
hold non-secret metadata only.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import datetime

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import (
    IdentityRecord,
    MembershipRecord,
)

SCOPES = ("global", "site-local", "link-local")
OVERWRITE_POLICIES = ("never", "if_newer", "always")
# What an export does with a document already at its dest (community.crypto's regenerate).
REGENERATE_POLICIES = ("never", "fail", "partial_idempotence", "full_idempotence", "always")
DEFAULT_CLOUD = "Global_"


class Plan(object):
    """What a module would do: ``changed``, diffs, a result, and ``apply()``.

    ``apply`` performs the change in one store transaction and returns values to
    merge into ``result`` (known only after the change, e.g. a new peer name).
    An unchanged plan may still carry bookkeeping that is not a change.
    """

    def __init__(self, changed, before=None, after=None, result=None, apply=None):
        self.changed = changed
        self.diff_before = before if before is not None else {}
        self.diff_after = after if after is not None else {}
        self.result = result if result is not None else {}
        self._apply = apply

    def apply(self):
        """Run the change; modules call it whenever they are not in check mode."""
        if self._apply is None:
            return {}
        return self._apply() or {}


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def _iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- identities -------------------------------------------------------------


def plan_identity_present(store, classifier, friendly_name=None, key_size=2048):
    """The identity named by ``classifier``; a new ``friendly_name`` renames it in place."""
    classifier = peername.validate_classifier(classifier)
    wanted_name = documents.validate_friendly_name(friendly_name) if friendly_name is not None else None
    if key_size not in certs.KEY_SIZES:
        raise PeerError("E_INVALIDARG", "key_size must be one of %s" % ", ".join(map(str, certs.KEY_SIZES)))
    found = [record for record in store.list_identities() if record.classifier == classifier]
    if len(found) > 1:
        # Several identities share the classifier (imported ones, say): the friendly name picks one.
        found = [record for record in found if record.friendly_name == (wanted_name or classifier)] or found
    _refuse_ambiguous(found, classifier)
    if found:
        record = found[0]
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


def _refuse_ambiguous(found, classifier):
    if len(found) > 1:
        raise PeerError(
            "E_INVALIDARG",
            "%d identities have classifier %s (%s); give the friendly name of one, or remove the others by peer_name"
            % (len(found), classifier, ", ".join(record.peer_name for record in found)),
        )


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
        _refuse_ambiguous(records, classifier)
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


# --- groups -----------------------------------------------------------------


def membership_summary(record, now=None):
    """Non-secret metadata of one membership (store_info, diffs, results)."""
    chain = [certs.certificate_from_der(der) for der in record.chain]
    leaf = chain[-1]
    now = now or _utcnow()
    not_after = certs.not_after_of(leaf)
    return dict(
        record.public_fields(),
        roles=certs.roles_of(leaf),
        chain_fingerprints=[certs.fingerprint(cert) for cert in chain],
        not_before=_iso(certs.not_before_of(leaf)),
        not_after=_iso(not_after),
        days_left=(not_after - now).days,
    )


def chain_status(record, now=None):
    """``(verified, problem)`` for a stored chain; the problem is a short text."""
    try:
        certs.verify_chain(
            [certs.certificate_from_der(der) for der in record.chain],
            record.group_peer_name,
            record.identity_peer_name,
            now=now,
        )
    except PeerError as exc:
        return False, "%s: %s" % (exc.name, exc.message)
    return True, None


def _owned_memberships(store, creator, classifier):
    return [
        record
        for record in store.list_memberships(creator)
        if record.group_key is not None and peername.parse(record.group_peer_name).classifier == classifier
    ]


def _require_identity(store, peer_name):
    str(peername.parse(peer_name))
    record = store.get_identity(peer_name)
    if record is None:
        raise PeerError("PEER_E_NOT_FOUND", "identity %s is not in the store" % peer_name)
    return record


def _renew_membership(record, identity, lifetime):
    """A new leaf GMC for ``identity`` issued with the group key (owner only)."""
    # From the store, which checked the key when it entered: OpenSSL's RSA check again costs 40 ms or more.
    group_key = certs.private_key_from_der(record.group_key, validate=False)
    root = certs.certificate_from_der(record.chain[0])
    identity_cert = certs.certificate_from_der(identity.certificate)
    gmc = certs.issue_gmc(
        root,
        group_key,
        identity_cert.public_key(),
        identity.peer_name,
        record.group_peer_name,
        [certs.ROLE_ADMIN],
        lifetime,
    )
    return record._replace(chain=(record.chain[0], certs.certificate_to_der(gmc)), imported_digest=None)


def plan_group_present(
    store,
    creator,
    classifier,
    friendly_name=None,
    cloud=DEFAULT_CLOUD,
    scope="global",
    cloud_flags=0,
    gmc_lifetime=365,
    renew_days=30,
    force_renew=False,
    key_size=2048,
    creator_pending=False,
):
    """The creator's group named by ``classifier``, created, updated or renewed.

    ``creator_pending`` (check mode only) stands for a creator an earlier task of the same run
    would create: the group would then be created with it. It is never applied.
    """
    identity = None if creator_pending else _require_identity(store, creator)
    classifier = peername.validate_classifier(classifier)
    # Omitted keeps a group's name; "" resets it to the classifier, as PeerIdentitySetFriendlyName does.
    friendly_name = None if friendly_name is None else documents.validate_friendly_name(friendly_name or classifier)
    cloud = documents.validate_cloud_name(cloud)
    if scope not in SCOPES:
        raise PeerError("E_INVALIDARG", "scope must be one of %s" % ", ".join(SCOPES))
    if cloud_flags not in (0, 1):
        raise PeerError("E_INVALIDARG", "cloud_flags must be 0 or 1")
    if not 1 <= gmc_lifetime <= 36500:
        raise PeerError("PEER_E_INVALID_TIME_PERIOD", "gmc_lifetime must be 1 to 36500 days")
    lifetime = datetime.timedelta(days=gmc_lifetime)
    wanted = {"cloud": cloud, "scope": scope, "cloud_flags": cloud_flags}
    if friendly_name is not None:
        wanted["group_friendly_name"] = friendly_name
    new_name = friendly_name or documents.validate_friendly_name(classifier)
    if creator_pending:
        after = dict(wanted, group_friendly_name=new_name, group_peer_name=None, identity_peer_name=None, owner=True, roles=[certs.ROLE_ADMIN])
        result = {"group_peer_name": None, "identity_peer_name": None, "renewed": False, "creator_pending": True,
                  "msg": "check mode: the creator does not exist yet (a real run creates it first); the group would be created for it"}
        return Plan(True, {}, after, result)

    existing = _owned_memberships(store, creator, classifier)
    if existing:
        record = existing[0]
        before = membership_summary(record)
        updated = record._replace(**wanted)
        renew = force_renew or before["days_left"] < renew_days
        changed = renew or updated != record
        after = dict(before, **wanted)
        if renew:
            after.update(not_before="(renewed)", not_after="(renewed)", chain_fingerprints=["(renewed)"])
        result = {"group_peer_name": record.group_peer_name, "identity_peer_name": creator, "renewed": renew}

        def apply_update():
            final = _renew_membership(updated, identity, lifetime) if renew else updated
            with store.transaction():
                store.put_membership(final)
            return {"membership": membership_summary(final)}

        result["membership"] = before if not changed else after
        return Plan(changed, before, after, result, apply_update if changed else None)

    after = dict(wanted, group_friendly_name=new_name, group_peer_name=None, identity_peer_name=creator, owner=True, roles=[certs.ROLE_ADMIN])

    def apply_create():
        group_key = certs.generate_key(key_size)
        group_name = str(peername.secure_name(group_key.public_key(), classifier))
        root = certs.make_group_root(group_key, group_name)
        record = MembershipRecord(
            identity_peer_name=creator,
            group_peer_name=group_name,
            cloud=cloud,
            scope=scope,
            cloud_flags=cloud_flags,
            chain=(certs.certificate_to_der(root),),
            group_key=certs.private_key_to_der(group_key),
            group_classifier=classifier,
            group_friendly_name=new_name,
            imported_digest=None,
        )
        record = _renew_membership(record, identity, lifetime)
        with store.transaction():
            store.put_membership(record)
        return {"group_peer_name": group_name, "membership": membership_summary(record)}

    return Plan(True, {}, after, {"group_peer_name": None, "identity_peer_name": creator, "renewed": False}, apply_create)


def plan_group_absent(store, creator, peer_name=None, classifier=None):
    str(peername.parse(creator))
    if peer_name:
        str(peername.parse(peer_name))
        record = store.get_membership(creator, peer_name)
        records = [record] if record else []
    else:
        records = _owned_memberships(store, creator, peername.validate_classifier(classifier))
    if not records:
        return Plan(False, {}, {}, {"group_peer_name": peer_name, "identity_peer_name": creator})

    def apply():
        with store.transaction():
            for record in records:
                store.remove_membership(record.identity_peer_name, record.group_peer_name)

    result = {"group_peer_name": records[0].group_peer_name, "identity_peer_name": creator}
    return Plan(True, membership_summary(records[0]), {}, result, apply)


def store_inventory(store, now=None):
    """The store's inventory with each membership's certificate facts and chain status, and what it issued."""

    def verified_fields(record):
        fields = membership_summary(record, now)
        fields["chain_verified"], fields["chain_problem"] = chain_status(record, now)
        return fields

    return store.recorded_inventory(verified_fields, now=now)


# --- group configuration export / import ----------------------------------


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
        "not_before": _iso(certs.not_before_of(leaf)),
        "not_after": _iso(certs.not_after_of(leaf)),
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
    if regenerate == "never":
        return False, False
    if regenerate == "always":
        return True, content_changed
    same = False
    if sealed is not None:
        # Failures other than the password (an altered or unreadable file) count as different, like openssl_pkcs12.
        try:
            same = not sealed.open(cache, check_key=False).diff_fields(config)
        except PeerError as exc:
            _refuse_wrong_password(exc, dest_label, regenerate)
    return _reseal_or_refuse(same, content_changed, regenerate, dest_label)


def _dest_label(dest):
    return "dest %s" % dest if dest else "the existing document"


def _refuse_wrong_password(exc, dest_label, regenerate):
    """A document the password does not open is kept: a mistyped password must not re-seal everything.

    Only partial_idempotence, a password rotation, seals it anew.
    """
    if exc.name == "ERROR_INVALID_PASSWORD" and regenerate != "partial_idempotence":
        raise PeerError(
            "ERROR_INVALID_PASSWORD",
            "the password does not open %s; nothing was changed (regenerate=partial_idempotence re-seals it with this password)" % dest_label,
        ) from None


def _reseal_or_refuse(same, content_changed, regenerate, dest_label):
    if same:
        return False, False
    if regenerate == "fail":
        raise PeerError("PEER_E_ALREADY_EXISTS", "%s would be sealed anew and regenerate=fail; nothing was changed" % dest_label)
    return True, content_changed


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
        reseal, content_changed = _config_decision(request.existing, sealed, config, cache, regenerate, _dest_label(request.dest))
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


def _decided_under_lock(store, decide):
    """A plan from ``decide(store)`` whose ``apply`` decides again under the write lock.

    Another import may have committed between planning and applying; deciding
    again inside the transaction keeps ``overwrite`` and ``changed`` true to the
    store as it is written.  The KeyCache makes the second decision cost no KDF.
    """
    first = decide(store)

    def apply():
        with store.transaction():
            final = decide(store)
            plan.changed = final.changed
            return final.apply()

    plan = Plan(first.changed, first.diff_before, first.diff_after, first.result, apply)
    return plan


def _opened_once(document, cache):
    """``document.open(cache)`` for both decisions of ``_decided_under_lock``: the same bytes,
    so the seal is opened and the key in it checked (40 ms or more of RSA check) once."""
    opened = []

    def open_document():
        if not opened:
            opened.append(document.open(cache))
        return opened[0]

    return open_document


def plan_group_config_import(store, data, cache, overwrite="never"):
    """Decide an import of one ``PEERGROUPCONFIG`` document (bytes)."""
    if overwrite not in OVERWRITE_POLICIES:
        raise PeerError("E_INVALIDARG", "overwrite must be one of %s" % ", ".join(OVERWRITE_POLICIES))
    sealed = documents.parse_group_config(data)
    open_document = _opened_once(sealed, cache)
    return _decided_under_lock(store, lambda current: _decide_group_import(current, sealed, open_document, overwrite))


def _decide_group_import(store, sealed, open_document, overwrite):
    identity_name = sealed.identity_peer_name
    group_name = sealed.group_peer_name
    existing = store.get_membership(identity_name, group_name)
    result = {"identity_peer_name": identity_name, "group_peer_name": group_name}

    if existing is not None and existing.imported_digest == sealed.digest:
        # The very document already imported: nothing to decide, no KDF.
        summary = membership_summary(existing)
        result.update(_import_result(summary, []))
        return Plan(False, summary, summary, result)

    identity = _require_identity(store, identity_name)
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
            % (_iso(chain.not_before), _iso(stored_start))
        )
    if "group_root" in downgrades:
        reasons.append("group_root: the chain has another group root certificate")
    if "issuer" in downgrades:
        reasons.append("issuer: the GMC was issued by %s, the stored one by %s" % (_issuer_of(chain.certs)[0], _issuer_of(stored)[0]))
    if "roles" in downgrades:
        missing = sorted(set(certs.roles_of(stored[-1])) - set(chain.roles))
        reasons.append("roles: the GMC lacks %s of the stored one" % ", ".join(missing))
    if "expiry" in downgrades:
        reasons.append("expiry: the chain stops verifying at %s, the stored one at %s" % (_iso(_chain_end(chain.certs)), _iso(_chain_end(stored))))
    return reasons


# --- identity export / import -----------------------------------------------


def plan_identity_export(store, peer_name, cache, existing=None, regenerate="full_idempotence", dest=None):
    """Plan an identity export under ``regenerate``, as plan_group_config_export does.

    ``content_changed`` in the result: a target lacks what the document holds. The peer name
    commits to the key, so an existing document for the same peer name holds the same identity.
    """
    if regenerate not in REGENERATE_POLICIES:
        raise PeerError("E_INVALIDARG", "regenerate must be one of %s" % ", ".join(REGENERATE_POLICIES))
    cache.check_sealing()
    identity = _require_identity(store, peer_name)
    summary = identity.public_fields()
    reseal, content_changed = _identity_decision(existing, identity, cache, regenerate, _dest_label(dest))
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
    if regenerate == "never":
        return False, False
    if regenerate == "always":
        return True, content_changed
    same = False
    if parsed is not None:
        try:
            same = parsed.open(cache) == (identity.peer_name, _normalised_key(identity.private_key), identity.certificate)
        except PeerError as exc:
            _refuse_wrong_password(exc, dest_label, regenerate)
    return _reseal_or_refuse(same, content_changed, regenerate, dest_label)


def _normalised_key(private_key_der):
    """A stored key as PKCS#8 DER: the store checked it when it entered."""
    return certs.private_key_to_der(certs.private_key_from_der(private_key_der, validate=False))


def plan_identity_import(store, data, cache, friendly_name=None):
    parsed = documents.parse_identity_export(data)
    open_document = _opened_once(parsed, cache)
    return _decided_under_lock(store, lambda current: _decide_identity_import(current, parsed, open_document, friendly_name))


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


# --- reading documents without the password ----------------------------------


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
            not_before=_iso(chain.not_before),
            not_after=_iso(chain.not_after),
        )
    return info
