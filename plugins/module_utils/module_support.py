# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.
"""Glue between AnsibleModule and the domain core, shared by every module."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.deps import missing_requirements, requirement_names
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.fileio import (
    PRIVATE_MODE,
    check_replaceable,
    os_error_as_peer_error,
    read_document,
    write_private_file,
)
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store, default_store_path

STORE_ARGUMENT_SPEC = {"store_path": {"type": "path"}}


def check_requirements(module):
    """Fail with the standard message when cryptography or lxml is missing or too old."""
    missing = missing_requirements()
    if missing:
        module.fail_json(
            msg=missing_required_lib(requirement_names(missing)),
            missing_requirements=[{"requirement": req, "reason": reason} for req, reason in missing],
        )


@contextlib.contextmanager
def open_store(module):
    """The store at ``store_path``; in check mode read-only, and a missing store reads as empty.

    Check mode must not write anything, so a store that does not exist yet (also
    an empty store.db) is stood in for by an empty throw-away one.
    """
    path = module.params.get("store_path") or default_store_path()
    if not module.check_mode:
        with contextlib.closing(Store.open(path, create=True)) as store:
            yield store
        return
    try:
        store = Store.open(path, read_only=True)
    except PeerError as exc:
        if exc.name != "PEER_E_NOT_FOUND":
            raise
        with tempfile.TemporaryDirectory(prefix="peernet-check-") as scratch:
            with contextlib.closing(Store.open(os.path.join(scratch, "store"), create=True)) as store:
                yield store
        return
    with contextlib.closing(store):
        yield store


def fail_peer_error(module, exc, **extra):
    module.fail_json(msg=str(exc), hresult=exc.as_dict(), **extra)


def _plan_and_apply(module, store, make_plan):
    """``(plan, result)`` of one plan, applied in its own transaction unless in check mode."""
    if module.check_mode:
        plan = make_plan(store)
        return plan, dict(plan.result)
    # Decide and write under one write lock: no other writer can slip in between.
    with store.transaction():
        plan = make_plan(store)
        result = dict(plan.result)
        result.update(plan.apply())
    return plan, result


def run_plans(module, make_plans, name="configs"):
    """Run several independent plans on one store, each in its own transaction, and exit.

    A refused plan (PeerError, OSError) does not stop the others: every plan gets an entry
    in ``result[name]``, in order, with ``changed`` and ``failed`` (and ``msg``, ``hresult``
    when refused). The module fails when any plan was refused, naming each with its HRESULT.
    """
    check_requirements(module)
    entries = []
    diffs = []
    refusals = []
    try:
        with open_store(module) as store:
            for index, make_plan in enumerate(make_plans):
                try:
                    plan, entry = _plan_and_apply(module, store, make_plan)
                except (PeerError, OSError) as exc:
                    error = exc if isinstance(exc, PeerError) else os_error_as_peer_error(exc)
                    entries.append({"changed": False, "failed": True, "msg": str(error), "hresult": error.as_dict()})
                    refusals.append("%s[%d]: %s (%s)" % (name, index, error.name, error.message))
                    continue
                entry.update(changed=plan.changed, failed=False)
                entries.append(entry)
                label = "%s[%d]" % (name, index)
                diffs.append({"before": plan.diff_before, "after": plan.diff_after, "before_header": label, "after_header": label})
    except PeerError as exc:
        fail_peer_error(module, exc)
    except OSError as exc:
        fail_peer_error(module, os_error_as_peer_error(exc))
    result = {name: entries, "changed": any(entry["changed"] for entry in entries)}
    if module._diff:
        result["diff"] = diffs
    if refusals:
        module.fail_json(
            msg="%d of %d documents refused: %s" % (len(refusals), len(entries), "; ".join(refusals)), **result
        )
    module.exit_json(**result)


def run_plan(module, make_plan, finish=None):
    """Build a plan from the store, apply it unless in check mode, and exit.

    ``make_plan(store)`` returns a ``plans.Plan``; ``finish(result, changed)``
    (optional) writes files outside the store and returns the final ``changed``.
    Failures exit with the HRESULT and never a traceback; the store is untouched
    because every change is one transaction.
    """
    check_requirements(module)
    try:
        with open_store(module) as store:
            plan, result = _plan_and_apply(module, store, make_plan)
        changed = finish(result, plan.changed) if finish else plan.changed
    except PeerError as exc:
        fail_peer_error(module, exc)
    except OSError as exc:
        fail_peer_error(module, os_error_as_peer_error(exc))
    result["changed"] = changed
    if module._diff:
        result["diff"] = {"before": plan.diff_before, "after": plan.diff_after}
    module.exit_json(**result)


def read_existing(path, limit):
    """The bytes of the document at ``path``, or None when nothing is there.

    Only what put_private_file may replace is read (a regular file of this user), and at most
    ``limit`` bytes (``documents.MAX_DOCUMENT_SIZE``, passed in so that modules which read no
    document need not load lxml): anything else fails before the module decides or writes anything.
    """
    if not path or check_replaceable(path) is None:
        return None
    try:
        return read_document(path, limit)
    except FileNotFoundError:
        return None


def put_private_file(module, path, data, changed):
    """Make ``path`` hold ``data`` with mode 0600; return whether that is (or would be) a change.

    ``changed`` says the document is new (``data`` None in check mode); otherwise ``path`` already
    holds ``data`` and is replaced only when its mode is not 0600. No mode is ever changed in place.
    """
    if not changed:
        info = check_replaceable(path)
        changed = info is None or stat.S_IMODE(info.st_mode) != PRIVATE_MODE
    if changed and not module.check_mode:
        write_private_file(path, data)
    return changed
