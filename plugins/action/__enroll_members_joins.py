# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.
"""Picks, on the controller, the invitations the owners issued to one member in this run.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

ARGUMENT_SPEC = {
    "issued": {"type": "list", "elements": "dict", "required": True},
    "identity_peer_name": {"type": "str"},
}


def joins(issued, identity_peer_name):
    """[{group, invitation_xml}] for ``identity_peer_name`` from the results of the group_invitation calls."""
    found = []
    for call in issued:
        for invitation in call.get("invitations") or []:
            # Revoked invitees, and those check mode did not issue, carry no invitation.
            if invitation.get("identity_peer_name") == identity_peer_name and invitation.get("invitation_xml"):
                found.append({"group": invitation["group_peer_name"], "invitation_xml": invitation["invitation_xml"]})
    return found


class ActionModule(ActionBase):
    """PRIVATE: internal to role peernet.peergroup.enroll_members; do not use directly."""

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        result.update(changed=False, joins=joins(args["issued"], args["identity_peer_name"]))
        return result
