# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench only: the wall time and action of every task (first host start to last host end) as JSON.

Enabled by bench/run.py with ANSIBLE_CALLBACK_PLUGINS and ANSIBLE_CALLBACKS_ENABLED; writes
to the file named by PEERNET_BENCH_TASK_LOG when the playbook ends.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Task wall times for bench/run.py
description: Writes the wall time of each task to the file named by PEERNET_BENCH_TASK_LOG.
requirements:
  - enabled in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._tasks = []
        self._current = None
        self._started = time.perf_counter()

    def _close_current(self):
        if self._current is not None:
            self._current["seconds"] = round(time.perf_counter() - self._current.pop("_start"), 4)
            self._tasks.append(self._current)
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close_current()
        self._current = {"task": task.get_name(), "action": task.action, "_start": time.perf_counter()}

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats):
        self._close_current()
        path = os.environ.get("PEERNET_BENCH_TASK_LOG")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump({"total_seconds": round(time.perf_counter() - self._started, 4), "tasks": self._tasks}, handle, indent=1)
