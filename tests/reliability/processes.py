# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running import_child.py: jobs, output parsing, and the expected store states."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import reliability_kit as kit

CHILD = os.path.join(kit.HERE, "import_child.py")


def step(kind, data, overwrite="never"):
    return {"kind": kind, "data": base64.b64encode(data).decode("ascii"), "overwrite": overwrite}


def write_job(path, world, store_path, steps, wait_for_go=False):
    params = world.seal_key.params
    job = {
        "store": str(store_path),
        "password": world.password,
        "kdf": [[params.name, params.n, params.r, params.p, world.seal_key.salt.hex()]],
        "steps": steps,
        "wait_for_go": wait_for_go,
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(job, handle)
    os.chmod(path, 0o600)
    return str(path)


def spawn(job_path):
    """Start a child; its stdout is a pipe of lines, stdin a pipe (for ``go``)."""
    return subprocess.Popen(
        [sys.executable, CHILD, job_path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )


class Progress(object):
    """What a child printed: ready time, step start/end times, step results."""

    def __init__(self, lines):
        self.ready = None
        self.starts = {}
        self.ends = {}
        self.results = {}
        for line in lines:
            words = line.split(" ", 3)
            if words[0] == "ready":
                self.ready = float(words[1])
            elif words[0] == "start":
                self.starts[int(words[1])] = float(words[2])
            elif words[0] == "end" and len(words) == 4:
                self.ends[int(words[1])] = float(words[2])
                self.results[int(words[1])] = json.loads(words[3])

    @classmethod
    def of(cls, text):
        return cls([line for line in text.splitlines() if line.strip()])

    @property
    def last_ended(self):
        return max(self.ends) if self.ends else -1

    @property
    def last_started(self):
        return max(self.starts) if self.starts else -1


def expected_states(world, store_path, steps):
    """Logical content of a store before and after each step, run in this process."""
    world.fresh_target(store_path)
    states = [kit.logical_content(store_path)]
    for item in steps:
        data = base64.b64decode(item["data"])
        kit.import_document(store_path, item["kind"], data, world.cache, item["overwrite"])
        states.append(kit.logical_content(store_path))
    return states
