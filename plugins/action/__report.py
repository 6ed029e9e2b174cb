# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to playbook peernet.peergroup.report; do not use directly.
"""Write the fleet report (HTML page and CSV) on the controller."""

from __future__ import annotations

import datetime
import os

from ansible.errors import AnsibleError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.plugin_utils.controller_folder import controller_folder, default_documents_dir
from ansible_collections.peernet.peergroup.plugins.plugin_utils._report import build_rows, render_csv, render_html, summary
from ansible_collections.peernet.peergroup.plugins.plugin_utils.document_export_action import ControllerFileError, write_document
from ansible_collections.peernet.peergroup.plugins.plugin_utils.private_action import PrivateAction

ARGUMENT_SPEC = {
    "hosts": {"type": "list", "elements": "str", "required": True},
    # One store_info result (or registered failure) per host, in the order of ``hosts``.
    "stores": {"type": "list", "elements": "raw", "required": True},
    "report_dir": {"type": "str"},
    "expiring_days": {"type": "int", "default": 30},
}
REPORT_NAME = "peergroup-report"


def default_report_dir():
    """$XDG_DATA_HOME/peernet/reports: beside the documents folder of the distribute playbook."""
    return os.path.join(os.path.dirname(default_documents_dir()), "reports")


class ActionModule(PrivateAction):
    """Build the report's rows from every host's store_info and write the page and the CSV."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def decide(self, result, args, task_vars):
        if len(args["hosts"]) != len(args["stores"]):
            return dict(result, failed=True, msg="hosts and stores differ in length (%d and %d)" % (len(args["hosts"]), len(args["stores"])))
        if args["expiring_days"] < 0:
            return dict(result, failed=True, msg="peergroup_report_expiring_days must be 0 or more, got %d" % args["expiring_days"])
        if args["report_dir"] == "":
            # controller_folder's own message would suggest the documents folder.
            return dict(result, failed=True, msg="peergroup_report_dir is empty; give a controller folder, for example %s" % default_report_dir())
        check_mode = bool(self._task.check_mode)
        try:
            folder = controller_folder(
                default_report_dir() if args["report_dir"] is None else args["report_dir"],
                (task_vars or {}).get("ansible_inventory_sources", ()),
                "peergroup_report_dir",
            )
            self._prepare(folder, check_mode)
        except (AnsibleError, ControllerFileError) as exc:
            return dict(result, failed=True, msg=str(exc))

        rows = build_rows(args["hosts"], dict(zip(args["hosts"], args["stores"])), args["expiring_days"])
        files = {
            os.path.join(folder, REPORT_NAME + ".html"): render_html(rows, self._today().isoformat(), args["expiring_days"]),
            os.path.join(folder, REPORT_NAME + ".csv"): render_csv(rows),
        }
        changed_files = []
        try:
            for path, text in files.items():
                if write_document(path, text, check_mode):
                    changed_files.append(path)
        except ControllerFileError as exc:
            return dict(result, failed=True, msg="the report was not written: %s" % exc)
        except PeerError as exc:
            return dict(result, failed=True, msg="the report was not written: %s" % exc, hresult=exc.as_dict())
        paths = list(files)
        result.update(changed=bool(changed_files), html=paths[0], csv=paths[1], changed_files=changed_files, summary=summary(rows))
        return result

    @staticmethod
    def _prepare(folder, check_mode):
        """Create the report folder (0700) when missing; fail early on one that cannot be written."""
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                raise ControllerFileError("peergroup_report_dir %s exists and is not a folder" % folder)
            if check_mode:
                return
            try:
                os.makedirs(folder, mode=0o700)
            except OSError as exc:
                raise ControllerFileError("cannot create peergroup_report_dir %s: %s" % (folder, exc.strerror or "operating system error"))
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ControllerFileError("peergroup_report_dir %s is not writable" % folder)

    @staticmethod
    def _today():
        # The date the stores were read: the page carries no clock time, so a re-run the same day changes nothing.
        return datetime.datetime.now(datetime.timezone.utc).date()
