# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Untimed setup of the benchmarks: a source store, its documents, inventories, a long chain.

Everything here calls the domain core directly (the ``plan_*().apply()`` of ``identities``, ``groups``, ``configs``), the code
the modules run, so the stores and documents are exactly what the modules would make; the
1,000 group keys of the export benchmark are made by parallel processes. None of it is timed.
"""

from __future__ import annotations

import contextlib
import datetime
import multiprocessing
import os
import secrets

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import groups
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store

SOURCE_CLASSIFIER = "bench-source"
GROUP_PREFIX = "bench-group-"
CONFIG_SUFFIX = ".peergroupconfig.xml"
IDENTITY_SUFFIX = ".peeridentity.xml"


def new_password() -> str:
    """A throw-away password for one bench run (never a real secret)."""
    return "bench-" + secrets.token_urlsafe(24)


def make_private_dir(path: str) -> str:
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def group_classifier(index: int) -> str:
    return "%s%04d" % (GROUP_PREFIX, index)


def create_source(store_path: str) -> str:
    """A store holding one identity; returns its peer name."""
    with contextlib.closing(Store.open(store_path, create=True)) as store:
        plan = identities.plan_identity_present(store, SOURCE_CLASSIFIER)
        result = dict(plan.result)
        result.update(plan.apply())
    return result["identity_peer_name"]


def _create_groups(job):
    """Worker: create the groups of ``indices`` in the store, each in its own transaction."""
    store_path, creator, indices = job
    with contextlib.closing(Store.open(store_path, create=False)) as store:
        for index in indices:
            groups.plan_group_present(store, creator, group_classifier(index)).apply()
    return len(indices)


def create_groups(store_path: str, creator: str, count: int, start: int = 1, processes: int | None = None) -> None:
    """``count`` groups owned by ``creator``; RSA key generation dominates, so it runs in parallel."""
    indices = list(range(start, start + count))
    processes = max(1, min(processes or os.cpu_count() or 1, count))
    jobs = [(store_path, creator, indices[worker::processes]) for worker in range(processes)]
    if processes == 1:
        _create_groups(jobs[0])
        return
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(_create_groups, jobs)


def memberships(store_path: str) -> list:
    """``(identity, group, group classifier)`` of every membership, in group-classifier order."""
    with contextlib.closing(Store.open(store_path, create=False)) as store:
        records = store.list_memberships()
    return sorted(((r.identity_peer_name, r.group_peer_name, r.group_classifier) for r in records), key=lambda m: m[2])


def write_documents(store_path: str, creator: str, password: str, documents_dir: str, groups: int) -> dict:
    """Export the identity and the first ``groups`` memberships into ``documents_dir`` (mode 0600)."""
    make_private_dir(documents_dir)
    written = {"identity": None, "configs": []}
    cache = KeyCache(password)
    with contextlib.closing(Store.open(store_path, create=False)) as store:
        identity_xml = identities.plan_identity_export(store, creator, cache).apply()["identity_xml"]
        picked = memberships(store_path)[:groups]
        requests = [configs.ExportRequest(identity, group) for identity, group, _classifier in picked]
        exported = configs.plan_group_config_export(store, requests, cache).apply()["configs"]
    path = os.path.join(documents_dir, SOURCE_CLASSIFIER + IDENTITY_SUFFIX)
    _write_private(path, identity_xml)
    written["identity"] = path
    for (_identity, _group, classifier), entry in zip(picked, exported):
        path = os.path.join(documents_dir, classifier + CONFIG_SUFFIX)
        _write_private(path, entry["config_xml"])
        written["configs"].append(path)
    return written


def _write_private(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def target_store_with_identity(store_path: str, identity_document: bytes, password: str) -> None:
    """A target store that already holds the source identity (the state before a group import)."""
    with contextlib.closing(Store.open(store_path, create=True)) as store:
        plan = identities.plan_identity_import(store, identity_document, KeyCache(password))
        with store.transaction():
            plan.apply()


# --- a chain of 25 certificates ---------------------------------------------------------


def long_chain(length: int = certs.MAX_CHAIN_CERTIFICATES):
    """``(certificates root first, group peer name, leaf identity peer name)``: a GRC and
    ``length - 1`` GMCs, each issued by the one before it (administrators may issue)."""
    group_key = certs.generate_key()
    group_name = str(peername.secure_name(group_key.public_key(), "bench-long-chain"))
    root = certs.make_group_root(group_key, group_name)
    chain = [root]
    issuer_cert, issuer_key = root, group_key
    lifetime = datetime.timedelta(days=365)
    leaf_name = None
    for step in range(length - 1):
        key = certs.generate_key()
        leaf_name = str(peername.secure_name(key.public_key(), "bench-member-%02d" % step))
        # Each GMC must lie within its issuer's validity: issue them all from one moment.
        gmc = certs.issue_gmc(issuer_cert, issuer_key, key.public_key(), leaf_name, group_name, [certs.ROLE_ADMIN], lifetime)
        chain.append(gmc)
        issuer_cert, issuer_key = gmc, key
    return chain, group_name, leaf_name


def chain_pkcs7(chain) -> bytes:
    return certs.chain_to_pkcs7(chain)
