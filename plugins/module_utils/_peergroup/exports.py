# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which documents a source exports, under which file names, sealed with which password.

The export_configs role plans with these rules and the import_configs role reads the folder
they fill (plugin_utils/document_list.py): one home for the file names and for the choice of
the per-group password. Pure data in, pure data out: no store, no file, no password.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import re

# The file name suffix of each kind of document in a documents folder.
DOCUMENT_SUFFIXES = {"identity": ".peeridentity.xml", "config": ".peergroupconfig.xml"}

# Characters kept in file names; anything else in a classifier becomes "_".
_UNSAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")
# A classifier may be 149 characters long; 64 keep names short and still readable.
CLASSIFIER_CHARACTERS = 64
# Enough authority hex digits to tell two keys apart.
AUTHORITY_CHARACTERS = 12


def classifier_of(peer_name):
    return peer_name.partition(".")[2]


def names_peer(wanted, peer_name):
    """Whether ``wanted`` (a peer name or a classifier) names ``peer_name``."""
    return wanted in (peer_name, classifier_of(peer_name))


def file_stem(peer_name):
    """``<classifier>-<first authority digits>``, safe and predictable on any file system."""
    authority, _dot, classifier = peer_name.partition(".")
    return "%s-%s" % (_UNSAFE_CHARACTERS.sub("_", classifier[:CLASSIFIER_CHARACTERS]), authority[:AUTHORITY_CHARACTERS])


def config_file_name(identity_peer_name, group_peer_name):
    return "%s@%s%s" % (file_stem(group_peer_name), file_stem(identity_peer_name), DOCUMENT_SUFFIXES["config"])


def identity_file_name(identity_peer_name):
    return file_stem(identity_peer_name) + DOCUMENT_SUFFIXES["identity"]


def password_key(group_peer_name, password_names):
    """The entry of the per-group passwords that seals (and opens) a group's documents, or "".

    Entries are group peer names or classifiers; the peer name wins when both are there.
    """
    if not group_peer_name:
        return ""
    if group_peer_name in password_names:
        return group_peer_name
    classifier = classifier_of(group_peer_name)
    return classifier if classifier in password_names else ""


def select_memberships(memberships, wanted, include_group_key):
    """``(picked, problems, skipped)`` from a store_info membership list.

    ``wanted`` empty picks every membership whose chain verifies and skips (reports) the others;
    otherwise each entry (``identity``, ``group``, optional ``include_group_key``) must name
    exactly one membership whose chain verifies, or it is a problem. ``picked`` holds
    ``(membership, include_group_key)`` pairs.
    """
    picked, problems, skipped = [], [], []
    if not wanted:
        for membership in memberships:
            if membership["chain_verified"]:
                picked.append((membership, include_group_key))
            else:
                skipped.append("%s for %s (%s)" % (
                    classifier_of(membership["group_peer_name"]), classifier_of(membership["identity_peer_name"]), membership["chain_problem"]))
        return picked, problems, skipped
    for want in wanted:
        hits = [membership for membership in memberships
                if names_peer(want["identity"], membership["identity_peer_name"]) and names_peer(want["group"], membership["group_peer_name"])]
        if not hits:
            problems.append("PEER_E_NOT_FOUND: identity %s is not a member of group %s in this store" % (want["identity"], want["group"]))
        elif len(hits) > 1:
            problems.append("E_INVALIDARG: identity %s and group %s match %d memberships; use peer names" % (want["identity"], want["group"], len(hits)))
        elif not hits[0]["chain_verified"]:
            problems.append("the membership of %s in %s cannot be exported: %s" % (want["identity"], want["group"], hits[0]["chain_problem"]))
        else:
            own_choice = want.get("include_group_key")
            picked.append((hits[0], include_group_key if own_choice is None else own_choice))
    return picked, problems, skipped


def plan_export(picked, include_identities, password_names, remote_dir, controller_dir, found_names=()):
    """The documents a source writes, as data for the export modules.

    ``configs`` are batches, one per password (``password_key``, see ``password_key``), each
    with the ``group_config_export`` items and their file ``names``; ``identities`` are the
    ``identity_export`` calls, one per identity of a picked membership. ``names`` lists every
    file name, ``stale`` the ``found_names`` (files an earlier run left) no longer exported.
    """
    batches, identities, names = {}, [], []
    for membership, include_group_key in picked:
        identity, group = membership["identity_peer_name"], membership["group_peer_name"]
        name = config_file_name(identity, group)
        batch = batches.setdefault(password_key(group, password_names), [])
        batch.append({
            "name": name,
            "identity": identity,
            "group": group,
            "dest": "%s/%s" % (remote_dir, name),
            "controller_dest": "%s/%s" % (controller_dir, name),
            "include_group_key": bool(include_group_key),
        })
        names.append(name)
        if include_identities and identity not in [entry["identity"] for entry in identities]:
            name = identity_file_name(identity)
            identities.append({
                "name": name,
                "identity": identity,
                "dest": "%s/%s" % (remote_dir, name),
                "controller_dest": "%s/%s" % (controller_dir, name),
            })
            names.append(name)
    configs = [
        {"password_key": key, "names": [item["name"] for item in items],
         "configs": [dict((field, item[field]) for field in ("identity", "group", "dest", "controller_dest", "include_group_key")) for item in items]}
        for key, items in sorted(batches.items())
    ]
    exported = set(names)
    stale = sorted(name for name in found_names if name not in exported and name.endswith(tuple(DOCUMENT_SUFFIXES.values())))
    return {"configs": configs, "identities": identities, "names": names, "stale": stale}


def find_conflicts(names_by_host):
    """``"name (host, host)"`` for every file name more than one host would write, by name."""
    writers = {}
    for host in sorted(names_by_host):
        for name in names_by_host[host]:
            writers.setdefault(name, []).append(host)
    return ["%s (%s)" % (name, ", ".join(hosts)) for name, hosts in sorted(writers.items()) if len(hosts) > 1]
