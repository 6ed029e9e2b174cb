# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.
"""Controller side of the export modules: write the returned documents to ``controller_dest``."""

from __future__ import annotations

import os
import stat

from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.fileio import (
    PRIVATE_MODE,
    check_replaceable,
    read_document,
    write_private_file,
)


class ControllerFileError(Exception):
    """A controller file that cannot be written; the message names the path, never the content."""


def controller_path(value):
    """``value`` as an absolute controller path (``~`` expanded, relative to the working directory)."""
    if not isinstance(value, str) or not value:
        raise ControllerFileError("controller_dest must be a non-empty path, got %r" % type(value).__name__)
    return os.path.abspath(os.path.expanduser(value))


def check_writable(path, check_mode):
    """Fail early, before the module changes anything, on a controller_dest that cannot be written.

    An existing file must be one write_document may replace (PeerError otherwise). In check mode
    a missing folder is no error: a task before would have created it.
    """
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        if check_mode and not os.path.exists(parent):
            return
        raise ControllerFileError("the folder of controller_dest %s does not exist; create it first" % path)
    try:
        check_replaceable(path)
    except PeerError as exc:
        raise PeerError(exc.name, "controller_dest %s" % exc.message) from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ControllerFileError("the folder of controller_dest %s is not writable" % path)


def write_document(path, text, check_mode):
    """Bring ``path`` to hold ``text`` with mode 0600; return whether that is (or would be) a change.

    ``text`` None means the module would seal the document anew (check mode): a change.
    A file that differs in bytes or mode is replaced by fileio.write_private_file, never changed
    in place; one that is not a regular file of this user is refused (PeerError).
    """
    if text is None:
        return True
    data = to_bytes(text, errors="surrogate_or_strict")
    try:
        info = check_replaceable(path)
        differs = info is None or stat.S_IMODE(info.st_mode) != PRIVATE_MODE or not _holds(path, data)
        if differs and not check_mode:
            write_private_file(path, data)
    except OSError as exc:
        raise ControllerFileError("cannot write controller_dest %s: %s" % (path, exc.strerror or "operating system error"))
    return differs


def _holds(path, data):
    """Whether the file at ``path`` holds exactly ``data``; at most one byte more is read."""
    try:
        return read_document(path, len(data)) == data
    except PeerError:
        # Longer than ``data``, or no longer a regular file: write_private_file checks it again.
        return False


def _failed(result, exc):
    """``result`` failed with ``exc``'s message, and its HRESULT when it has one."""
    result.update(failed=True, msg=str(exc))
    if isinstance(exc, PeerError):
        result["hresult"] = exc.as_dict()
    return result


class DocumentExportAction(ActionBase):
    """Run the export module on the managed node, then write its documents on the controller.

    ``controller_dest`` (single form) and ``configs[].controller_dest`` are taken out of the
    module's arguments. Each entry of the result with a ``controller_dest`` gets
    ``controller_changed``; ``changed`` is the module's (the document sealed anew on the
    managed node), and the task is changed when either is.
    """

    TRANSFERS_FILES = False
    # The option holding the document text in the module's result.
    content_key = None

    def run(self, tmp=None, task_vars=None):
        result = super(DocumentExportAction, self).run(tmp, task_vars)
        del tmp
        module_args = dict(self._task.args)
        check_mode = bool(self._task.check_mode)
        try:
            single_dest, item_dests = self._take_controller_dests(module_args)
            paths = [path for path in [single_dest] + item_dests if path is not None]
            if len(set(paths)) != len(paths):
                raise ControllerFileError("two documents have the same controller_dest; each needs its own file")
            for path in paths:
                check_writable(path, check_mode)
        except (ControllerFileError, PeerError) as exc:
            return _failed(result, exc)

        result.update(self._execute_module(module_args=module_args, task_vars=task_vars))
        if result.get("failed") or result.get("skipped"):
            return result

        try:
            controller_changed = False
            if single_dest is not None:
                result["controller_dest"] = single_dest
                result["controller_changed"] = write_document(single_dest, result.get(self.content_key), check_mode)
                controller_changed = result["controller_changed"]
                for entry in result.get("configs") or []:
                    entry.update(controller_dest=single_dest, controller_changed=result["controller_changed"])
            for path, entry in zip(item_dests, result.get("configs") or []):
                if path is not None:
                    entry["controller_dest"] = path
                    entry["controller_changed"] = write_document(path, entry.get(self.content_key), check_mode)
                    controller_changed = controller_changed or entry["controller_changed"]
        except (ControllerFileError, PeerError) as exc:
            return _failed(result, exc)
        result["changed"] = bool(result.get("changed")) or controller_changed
        return result

    @staticmethod
    def _take_controller_dests(module_args):
        """Remove the controller options from ``module_args``: (single path, one path or None per item)."""
        single = module_args.pop("controller_dest", None)
        configs = module_args.get("configs")
        if single is not None and configs is not None:
            raise ControllerFileError("controller_dest and configs are mutually exclusive; set configs[].controller_dest")
        item_dests = []
        if isinstance(configs, list):
            stripped = []
            for item in configs:
                if isinstance(item, dict) and "controller_dest" in item:
                    item = dict(item)
                    value = item.pop("controller_dest")
                    item_dests.append(None if value is None else controller_path(value))
                else:
                    item_dests.append(None)
                stripped.append(item)
            module_args["configs"] = stripped
        return (None if single is None else controller_path(single)), item_dests
