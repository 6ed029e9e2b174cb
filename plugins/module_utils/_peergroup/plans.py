# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every module decision returns, and the helpers the resources share.

Each ``plan_*`` function reads the store and returns a ``Plan``; the module
calls ``plan.apply()`` only when it is not in check mode.  Results and diffs
hold non-secret metadata only.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import datetime

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

# What an export does with a document already at its dest (community.crypto's regenerate).
REGENERATE_POLICIES = ("never", "fail", "partial_idempotence", "full_idempotence", "always")


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


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def require_identity(store, peer_name):
    str(peername.parse(peer_name))
    record = store.get_identity(peer_name)
    if record is None:
        raise PeerError("PEER_E_NOT_FOUND", "identity %s is not in the store" % peer_name)
    return record


def decided_under_lock(store, decide):
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


def opened_once(document, cache):
    """``document.open(cache)`` for both decisions of ``decided_under_lock``: the same bytes,
    so the seal is opened and the key in it checked (40 ms or more of RSA check) once."""
    opened = []

    def open_document():
        if not opened:
            opened.append(document.open(cache))
        return opened[0]

    return open_document


def dest_label(dest):
    return "dest %s" % dest if dest else "the existing document"


def regenerate_decision(content_changed, regenerate, holds_same, dest_label):
    """``(reseal, content_changed)`` for an existing dest under the ``regenerate`` policy.

    ``holds_same()`` opens the dest and says whether it holds the same content (None: no
    readable document there). A document the password does not open is kept: a mistyped
    password must not re-seal everything; only partial_idempotence, a password rotation,
    seals it anew.
    """
    if regenerate == "never":
        return False, False
    if regenerate == "always":
        return True, content_changed
    same = False
    if holds_same is not None:
        try:
            same = holds_same()
        except PeerError as exc:
            if exc.name == "ERROR_INVALID_PASSWORD" and regenerate != "partial_idempotence":
                raise PeerError(
                    "ERROR_INVALID_PASSWORD",
                    "the password does not open %s; nothing was changed (regenerate=partial_idempotence re-seals it with this password)" % dest_label,
                ) from None
    if same:
        return False, False
    if regenerate == "fail":
        raise PeerError("PEER_E_ALREADY_EXISTS", "%s would be sealed anew and regenerate=fail; nothing was changed" % dest_label)
    return True, content_changed
