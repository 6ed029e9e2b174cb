# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.
"""Picks, on the controller, once for the play batch, what each member joins and leaves in this run:
the groups taken out of its list (from the plan), and the invitations the owners issued to it that it
does not hold yet. On a re-run that is nothing, so no member runs a join process at all. After the
owners' calls, it also removes the controller files of the hosts the plan forgets (revoked by them).
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.digests import document_digest, holds_document
from ansible_collections.peernet.peergroup.plugins.plugin_utils.private_action import PrivateAction

MEMBER_RESULT = "__enroll_members_identity"
ARGUMENT_SPEC = {
    "issued": {"type": "list", "elements": "dict", "required": True},
    "leave": {"type": "dict", "required": True},
    "folder": {"type": "path", "required": True},
    "forget": {"type": "list", "elements": "str", "default": []},
}


def already_held(membership, invitation_xml):
    """Whether the member joined these very bytes last (the membership's imported_digest). Anything else
    (a renewal, a new group) is joined, and group_join decides and verifies as always."""
    return membership is not None and holds_document(membership.get("imported_digest"), document_digest(invitation_xml.encode("utf-8")))


def joins(issued, identity_peer_name, held=()):
    """[{group, invitation_xml}] for ``identity_peer_name`` from the results of the group_invitation calls,
    without those ``held`` (the memberships the member module returned) already holds."""
    by_group = dict((membership["group_peer_name"], membership) for membership in held)
    found = []
    for call in issued:
        for invitation in call.get("invitations") or []:
            # Revoked invitees, and those check mode did not issue, carry no invitation.
            if invitation.get("identity_peer_name") != identity_peer_name or not invitation.get("invitation_xml"):
                continue
            if not already_held(by_group.get(invitation["group_peer_name"]), invitation["invitation_xml"]):
                found.append({"group": invitation["group_peer_name"], "invitation_xml": invitation["invitation_xml"]})
    return found


def steps(issued, leave, members):
    """{host: [group_join arguments]} for every host of ``members`` ({host: its member module result}):
    first what it leaves (``leave``, the plan's), then what it joins."""
    planned = {}
    for host, member in members.items():
        member = member or {}
        planned[host] = [{"state": "absent", "group": entry["group"], "identity": entry["identity"], "invitation_xml": None}
                         for entry in leave.get(host) or []]
        for join in joins(issued, member.get("identity_peer_name"), member.get("memberships") or []):
            planned[host].append({"state": "present", "group": join["group"], "identity": None, "invitation_xml": join["invitation_xml"]})
    return planned


def forget(folder, names, check_mode):
    """Remove the files ``names`` of ``folder`` (the plan's, one per host removed from the inventory); the
    names of those that were (or would be) there. A name is never a path: the plan made it."""
    forgotten = []
    for name in names:
        if os.path.basename(name) != name or name in ("", ".", ".."):
            raise AnsibleActionFail("%r is not a file name" % name)
        path = os.path.join(folder, name)
        if not os.path.lexists(path):
            continue
        forgotten.append(name)
        if not check_mode:
            try:
                os.unlink(path)
            except OSError as exc:
                raise AnsibleActionFail("cannot remove %s: %s" % (path, exc.strerror))
    return forgotten


def busy(planned):
    """The hosts of ``planned`` (``steps``) with a call to make, sorted."""
    return sorted(host for host, calls in planned.items() if calls)


class ActionModule(PrivateAction):
    """PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def decide(self, result, args, task_vars):
        hostvars = task_vars["hostvars"]
        members = dict((host, hostvars[host].get(MEMBER_RESULT)) for host in task_vars.get("ansible_play_batch", []))
        planned = steps(args["issued"], args["leave"], members)
        forgotten = forget(args["folder"], args["forget"], self._task.check_mode)
        result.update(changed=bool(forgotten), steps=planned, busy=busy(planned), forgotten=forgotten)
        return result
