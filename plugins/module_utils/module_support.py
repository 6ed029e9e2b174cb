# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.
"""Glue between AnsibleModule and the domain core, shared by every module."""

from __future__ import annotations

import contextlib
import os
import pwd
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
# With add_file_common_args=True: the file-module contract of a module that writes a dest.
DEST_ARGUMENT_SPEC = {"backup": {"type": "bool", "default": False}, "return_content": {"type": "bool", "default": False}}


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


def read_existing(path, limit, module_params=None):
    """The bytes of the document at ``path``, or None when nothing is there.

    Only what put_private_file may replace is read (a regular file of this user), and at most
    ``limit`` bytes (``documents.MAX_DOCUMENT_SIZE``, passed in so that modules which read no
    document need not load lxml): anything else fails before the module decides or writes anything.
    ``module_params`` with an ``owner`` also accepts a file of that owner (see owner_uid).
    """
    if not path or check_replaceable(path, owner_uid(module_params)) is None:
        return None
    try:
        return read_document(path, limit)
    except FileNotFoundError:
        return None


def put_private_file(module, path, data, changed, mode=PRIVATE_MODE, file_owner_uid=None, before_replace=None):
    """Make ``path`` hold ``data`` with ``mode``; return whether that is (or would be) a change.

    ``changed`` says the document is new (``data`` None in check mode); otherwise ``path`` already
    holds ``data`` and is replaced only when its mode is not ``mode`` (None: any mode is left to the
    caller). A mode is never widened in place. ``before_replace(path)`` runs before an existing
    file is replaced.
    """
    info = check_replaceable(path, file_owner_uid)
    if not changed:
        changed = info is None or (mode is not None and stat.S_IMODE(info.st_mode) != mode)
    if changed and not module.check_mode:
        if info is not None and before_replace is not None:
            before_replace(path)
        write_private_file(path, data, PRIVATE_MODE if mode is None else mode, file_owner_uid)
    return changed


def owner_uid(module_params):
    """The uid the ``owner`` parameter names, or None: a file it owns is replaced like one of ours."""
    owner = (module_params or {}).get("owner")
    if not owner:
        return None
    if owner.isdigit():
        return int(owner)
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise PeerError("E_INVALIDARG", "owner %s is not a user on this host" % owner) from None


def _creation_mode(mode):
    """The mode a dest is written with: ``mode`` when octal, 0600 when unset, None when symbolic."""
    if mode is None:
        return PRIVATE_MODE
    if isinstance(mode, int):
        return mode
    try:
        return int(mode, 8)
    except ValueError:
        return None


def write_dest(module, path, data, changed, group_option=True):
    """Make the managed host's ``path`` hold ``data`` under the task's file options; ``(changed, backup_file)``.

    The file is written with its final mode (``mode``, 0600 when unset) before a byte goes in; a
    symbolic ``mode``, ``owner`` and ``group`` are then set by set_fs_attributes_if_different on the new
    file, never wider than 0600 until then. ``backup`` copies the file being replaced first.
    ``group_option=False``: the module's ``group`` names something else, the file's group is left alone.
    """
    mode = _creation_mode(module.params.get("mode"))
    backups = []

    def backup(existing):
        if module.params.get("backup"):
            backups.append(module.backup_local(existing))

    changed = put_private_file(module, path, data, changed, mode, owner_uid(module.params), backup)
    if os.path.lexists(path):
        file_args = module.load_file_common_arguments(module.params, path=path)
        if file_args.get("mode") is None:
            file_args["mode"] = PRIVATE_MODE
        if not group_option:
            file_args["group"] = None
        changed = module.set_fs_attributes_if_different(file_args, changed)
    return changed, (backups[0] if backups else None)
