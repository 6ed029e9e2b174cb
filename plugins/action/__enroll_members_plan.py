# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.
"""Plans one enrolment run on the controller, once per play batch: which owner issues which
group to which member, what each member leaves and what the owners revoke, from the inventory
(groups and host variables), the owners' stores and the members' identities of this run. It
keeps one public PEERIDENTITYINFO per member in the controller folder: the record of who was
enrolled, by which a member later removed from the inventory is revoked. Here, not in the
role: ansible-core loads a role's own plugins only for roles outside collections.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs, clock, documents, fileio, invitations
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.digests import holds_document
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import iso_seconds
from ansible_collections.peernet.peergroup.plugins.plugin_utils.controller_folder import controller_folder, default_documents_dir
from ansible_collections.peernet.peergroup.plugins.plugin_utils.private_action import PrivateAction

MEMBERS_GROUP = "peergroup_members"
OWNERS_GROUP = "peergroup_owners"
MEMBERSHIPS_VARIABLE = "peergroup_memberships"
IDENTITY_RESULT = "__enroll_members_identity"
STORE_PATH_VARIABLE = "enroll_members_store_path"
INFO_SUFFIX = ".peeridentityinfo.xml"
ISSUING_ROLES = frozenset([certs.ROLE_ADMIN, certs.ROLE_INVITING_MEMBER])
MEMBERSHIP_KEYS = frozenset(["group", "roles", "lifetime_days"])

ARGUMENT_SPEC = {
    "controller_dir": {"type": "path"},
    "owner_stores": {"type": "list", "elements": "dict", "required": True},
    "roles": {"type": "list", "elements": "str", "required": True},
    "renew_days": {"type": "int", "required": True},
}


def default_members_dir(environ=None):
    """$XDG_DATA_HOME/peernet/members, beside the documents folder of distribute."""
    return os.path.join(os.path.dirname(default_documents_dir(environ)), "members")


def classifier_of(peer_name):
    return peer_name.split(".", 1)[1] if "." in peer_name else peer_name


def info_file_name(host):
    if not host or "/" in host or host.startswith("."):
        raise ValueError("inventory host %r cannot name a file of the members folder" % host)
    return host + INFO_SUFFIX


def identity_info_peer_name(data):
    """The peer name of the identity a PEERIDENTITYINFO describes (the controller's own file, still read strictly)."""
    return certs.peer_name_of(documents.parse_identity_info(data))


def _memberships(host, value, default_roles, problems):
    """The host's peergroup_memberships as [{group, roles, lifetime_days}], or [] after a problem."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append("%s: %s must be a list of {group, roles}" % (host, MEMBERSHIPS_VARIABLE))
        return []
    wanted, seen = [], set()
    for entry in value:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("group"), str) or not entry.get("group"):
            problems.append("%s: every entry of %s needs group: <classifier or peer name>" % (host, MEMBERSHIPS_VARIABLE))
            continue
        unknown = sorted(set(entry) - MEMBERSHIP_KEYS)
        if unknown:
            problems.append("%s: %s entry %s has unknown keys %s" % (host, MEMBERSHIPS_VARIABLE, entry["group"], ", ".join(map(str, unknown))))
            continue
        roles = entry.get("roles", default_roles)
        if not isinstance(roles, list) or not roles or not all(role in certs.ROLES for role in roles):
            problems.append("%s: roles of group %s must be a list of %s" % (host, entry["group"], ", ".join(sorted(certs.ROLES))))
            continue
        lifetime = entry.get("lifetime_days")
        if lifetime is not None and (isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime < 1):
            problems.append("%s: lifetime_days of group %s must be a whole number of days" % (host, entry["group"]))
            continue
        if entry["group"] in seen:
            problems.append("%s: group %s is listed twice in %s" % (host, entry["group"], MEMBERSHIPS_VARIABLE))
            continue
        seen.add(entry["group"])
        wanted.append({"group": entry["group"], "roles": sorted(set(roles)), "lifetime_days": lifetime})
    return wanted


def _issuers(owners, owner_stores):
    """Every (owner, issuer identity, group) that may issue, in inventory order of the owners."""
    issuers = []
    for owner in owners:
        store = owner_stores.get(owner) or {}
        for membership in sorted(store.get("memberships", []), key=lambda m: (m["group_peer_name"], m["identity_peer_name"])):
            if membership.get("chain_verified", True) and ISSUING_ROLES & set(membership.get("roles") or []):
                issuers.append({"owner": owner, "identity": membership["identity_peer_name"], "group": membership["group_peer_name"]})
    return issuers


def _resolve(reference, issuers):
    """The issuer of the group ``reference`` names (peer name, else classifier), or a problem text."""
    found = [issuer for issuer in issuers if issuer["group"] == reference]
    if not found:
        found = [issuer for issuer in issuers if classifier_of(issuer["group"]) == reference]
    if not found:
        return None, ("no host of %s holds group %s with the role %s or %s"
                      % (OWNERS_GROUP, reference, certs.ROLE_ADMIN, certs.ROLE_INVITING_MEMBER))
    groups = sorted(set(issuer["group"] for issuer in found))
    if len(groups) > 1:
        return None, "group %s names %d groups (%s): use the peer name" % (reference, len(groups), ", ".join(groups))
    return found[0], None


def identity_info(identity):
    """The member's PEERIDENTITYINFO, written here from the certificate the member module returned and read
    back as strictly as a received one; it must describe the peer name the member reported."""
    try:
        der = base64.b64decode(identity["identity_certificate"], validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise PeerError("PEER_E_INVALID_CREDENTIAL", "the identity certificate is not base64") from None
    info = documents.render_identity_info(certs.certificate_from_der(der))
    if identity_info_peer_name(info) != identity["identity_peer_name"]:
        raise PeerError("PEER_E_INVALID_CREDENTIAL", "the identity certificate is not that of %s" % identity["identity_peer_name"])
    return info.decode("utf-8")


def _holds_current(record, issuer, roles, held_digest, renew_days, now):
    """Whether the member, whose membership of the group has ``held_digest``, holds the invitation ``record``
    (its owner's, or None) and the owner would hand that invitation back unchanged
    (invitations.credential_current): then the owner is not called for it."""
    if record is None or record["revoked"]:
        return False
    return holds_document(held_digest, record.get("invitation_digest")) and invitations.credential_current(
        record["issuer_peer_name"], record["roles"], iso_seconds(record["not_before"]), iso_seconds(record["not_after"]),
        issuer["identity"], roles, renew_days, now)


def plan(members, owners, owner_stores, batch, identities, previous, default_roles, whole_inventory, owner_store_paths=None,
         renew_days=30, now=None):
    """The decisions of one run; pure, so that the rules are tested without Ansible.

    ``members``: {inventory host of peergroup_members: its peergroup_memberships}, the whole inventory.
    ``owners``: the hosts of peergroup_owners, inventory order. ``owner_stores``: {owner: store_info result}.
    ``batch``: the members this run enrols (the play's current batch). ``identities``: {batch member: its
    identity result}. ``previous``: {host: peer name} of the files in the controller folder.
    ``whole_inventory``: the play covers every member of the inventory (no --limit left one out).
    A member's removals are decided for the members in ``batch`` only; a host no longer in ``members``
    is revoked only when ``whole_inventory``. ``owner_store_paths``: {owner: its store path or None}.
    An invitee that holds a credential its owner would not renew (``renew_days`` before its end, at
    ``now``) is left out of the owners' calls.
    """
    now = now or clock.utcnow()
    problems = ["%s is not in %s: the role enrols only those hosts" % (host, MEMBERS_GROUP) for host in batch if host not in members]
    owner_store_paths = owner_store_paths or {}
    issuers = _issuers(owners, owner_stores)
    recorded = dict(((owner, record["group_peer_name"], record["identity_peer_name"]), record)
                    for owner in owners for record in (owner_stores.get(owner) or {}).get("issued", []))
    calls = {}
    order = []

    def call(owner, identity, group):
        key = (owner, identity, group)
        if key not in calls:
            calls[key] = {"owner": owner, "store_path": owner_store_paths.get(owner), "identity": identity, "group": group, "invitees": []}
            order.append(key)
        return calls[key]

    def revoke(peer_name, keep_groups=(), leave=None):
        for owner in owners:
            for record in (owner_stores.get(owner) or {}).get("issued", []):
                if record["identity_peer_name"] != peer_name or record.get("revoked") or record["group_peer_name"] in keep_groups:
                    continue
                invitees = call(owner, record["issuer_peer_name"], record["group_peer_name"])["invitees"]
                absent = {"peer_name": peer_name, "state": "absent"}
                if absent not in invitees:
                    invitees.append(absent)
                if leave is not None and record["group_peer_name"] not in [entry["group"] for entry in leave]:
                    leave.append({"group": record["group_peer_name"], "identity": peer_name})

    leave, write, pending = {}, {}, []
    for host in batch:
        if host not in members:
            continue
        leave[host] = []
        identity = identities.get(host) or {}
        peer_name, info = identity.get("identity_peer_name"), identity.get("identity_info_xml")
        wanted = _memberships(host, members.get(host), default_roles, problems)
        if not peer_name or not info:
            pending.append(host)  # check mode: an identity not created yet has no peer name
            continue
        write[host] = info
        held = dict((membership["group_peer_name"], membership.get("imported_digest")) for membership in identity.get("memberships") or [])
        kept = []
        for entry in wanted:
            issuer, problem = _resolve(entry["group"], issuers)
            if problem:
                problems.append("%s: %s" % (host, problem))
                continue
            kept.append(issuer["group"])
            if _holds_current(recorded.get((issuer["owner"], issuer["group"], peer_name)), issuer, entry["roles"],
                              held.get(issuer["group"]), renew_days, now):
                continue
            invitee = {"identity_info_xml": info, "roles": entry["roles"]}
            if entry["lifetime_days"] is not None:
                invitee["lifetime_days"] = entry["lifetime_days"]
            call(issuer["owner"], issuer["identity"], issuer["group"])["invitees"].append(invitee)
        revoke(peer_name, kept, leave[host])

    # An identity some member still uses (a host renamed in the inventory keeps its store) stays.
    live = set(identity.get("identity_peer_name") for identity in identities.values() if identity)
    live.update(previous[host] for host in members if host not in batch and host in previous)
    for host in batch:
        if host in members and host in previous and previous[host] not in live:
            revoke(previous[host])  # the host was given a new identity: the old one is gone
    forget = []
    if whole_inventory:
        for host in sorted(set(previous) - set(members)):
            if previous[host] not in live:
                revoke(previous[host])
            forget.append(info_file_name(host))
    return {
        "problems": problems,
        "calls": [calls[key] for key in order],
        "leave": leave,
        "write": write,
        "forget": forget,
        "pending": pending,
    }


def _with_identity_info(host, identity, problems):
    """The member module's result with the member's PEERIDENTITYINFO added; an identity check mode
    would create has neither certificate nor document."""
    if not identity or not identity.get("identity_certificate"):
        return identity
    try:
        return dict(identity, identity_info_xml=identity_info(identity))
    except PeerError as exc:
        problems.append("%s: its identity certificate is refused: %s" % (host, exc))
        return None


def _previous(folder, problems):
    """{host: peer name} of the identity files in ``folder``; a file that does not read is a problem."""
    found = {}
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return found
    for name in sorted(names):
        if not name.endswith(INFO_SUFFIX) or name.startswith("."):
            continue
        host = name[:-len(INFO_SUFFIX)]
        try:
            found[host] = identity_info_peer_name(_read(os.path.join(folder, name)))
        except PeerError as exc:
            problems.append("%s: %s; remove the file to enrol the host anew" % (os.path.join(folder, name), exc))
    return found


def _read(path):
    try:
        return fileio.read_document(path, documents.MAX_DOCUMENT_SIZE)
    except OSError as exc:
        raise fileio.os_error_as_peer_error(exc) from None


def _write(folder, write, check_mode):
    """Write each member's PEERIDENTITYINFO when its bytes differ; the names of the files (to be) written."""
    written = []
    for host, info in sorted(write.items()):
        path = os.path.join(folder, info_file_name(host))
        data = info.encode("utf-8")
        if os.path.lexists(path) and _read(path) == data:
            continue
        written.append(info_file_name(host))
        if not check_mode:
            fileio.write_private_file(path, data, mode=0o644)
    return written


class ActionModule(PrivateAction):
    """PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def decide(self, result, args, task_vars):
        groups = task_vars.get("groups", {})
        hostvars = task_vars["hostvars"]
        try:
            folder = controller_folder(args["controller_dir"] or default_members_dir(), task_vars.get("ansible_inventory_sources", ()),
                                       "enroll_members_controller_dir", required=True)
        except AnsibleError as exc:
            raise AnsibleActionFail(exc.message)
        members = dict((host, hostvars[host].get(MEMBERSHIPS_VARIABLE)) for host in groups.get(MEMBERS_GROUP, []))
        batch = list(task_vars.get("ansible_play_batch", []))
        owners = groups.get(OWNERS_GROUP, [])
        problems = []
        identities = dict((host, _with_identity_info(host, hostvars[host].get(IDENTITY_RESULT), problems)) for host in batch)
        owner_store_paths = dict((owner, hostvars[owner].get(STORE_PATH_VARIABLE)) for owner in owners)
        owner_stores = dict((entry.get("item"), entry) for entry in args["owner_stores"])
        previous = _previous(folder, problems)
        try:
            decided = plan(members, owners, owner_stores, batch, identities, previous, args["roles"],
                           whole_inventory=set(members) <= set(task_vars.get("ansible_play_hosts_all", [])),
                           owner_store_paths=owner_store_paths, renew_days=args["renew_days"])
        except ValueError as exc:
            raise AnsibleActionFail(str(exc))
        problems.extend(decided.pop("problems"))
        if problems:
            raise AnsibleActionFail("peernet.peergroup.enroll_members: %s. Nothing was issued or revoked." % "; ".join(problems))
        try:
            if not self._task.check_mode:
                os.makedirs(folder, mode=0o700, exist_ok=True)
            written = _write(folder, decided.pop("write"), self._task.check_mode)
        except OSError as exc:
            raise AnsibleActionFail(str(fileio.os_error_as_peer_error(exc)))
        except PeerError as exc:
            raise AnsibleActionFail(str(exc))
        result.update(decided, changed=bool(written), folder=folder, written=written)
        return result
