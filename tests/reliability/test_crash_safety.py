# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SIGKILL during imports (issue item 3).

A child process (import_child.py) runs a sequence of imports against one store,
each its own store open / plan / apply / close like a module run.  Calibration
runs time every step; each trial then picks a step at random, waits for the
child to announce it, and sends SIGKILL at a random moment between its start
and a little past its expected end.  Afterwards the store must pass its own integrity check, keep
its modes, accept a write, and hold exactly the state before or after one of
the steps, consistent with how far the child said it got.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import contextlib
import time

import reliability_kit as kit
import processes
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store


def crash_steps(world):
    other_cloud = world.render(world.owner_config._replace(cloud="Other_"))
    third_cloud = world.render(world.owner_config._replace(cloud="Third_", scope="link-local"))
    stranger_gmc = world.issue(world.stranger, ["member"])
    stranger_config = world.render(world.config(world.stranger, [world.root_cert, stranger_gmc]))
    return [
        processes.step("config", world.owner_doc),  # new membership, with the group key
        processes.step("config", world.member_doc),  # another new membership
        processes.step("config", other_cloud, "always"),  # replaces the owner's
        processes.step("config", third_cloud, "always"),  # and again
        processes.step("identity", world.stranger_identity_doc),  # new identity (PKCS#12)
        processes.step("config", stranger_config),  # needs the identity of the step before
    ]


def check_modes(store_path):
    info = os.stat(store_path)
    assert stat.S_IMODE(info.st_mode) == 0o700
    for name in os.listdir(store_path):
        mode = stat.S_IMODE(os.lstat(os.path.join(store_path, name)).st_mode)
        assert mode == 0o600, "%s has mode %04o" % (name, mode)


def test_sigkill_leaves_old_or_new_state(world, counts, tmp_path):
    steps = crash_steps(world)
    states = processes.expected_states(world, tmp_path / "reference", steps)
    assert len({repr(state) for state in states}) == len(states), "every step must change the store"

    # Calibration: uninterrupted runs give each step's duration; trials refine it as they go.
    durations = None
    for run in range(2):
        calibration_store = tmp_path / ("calibration-%d" % run)
        world.fresh_target(calibration_store)
        job = processes.write_job(tmp_path / ("calibration-%d.json" % run), world, calibration_store, steps)
        child = processes.spawn(job)
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err.decode("utf-8", "replace")
        progress = processes.Progress.of(out.decode("utf-8"))
        assert all(not progress.results[index]["failed"] for index in range(len(steps))), progress.results
        assert kit.logical_content(calibration_store) == states[-1]
        measured = [progress.ends[i] - progress.starts[i] for i in range(len(steps))]
        durations = measured if durations is None else [min(a, b) for a, b in zip(durations, measured)]
    kit.figure("crash.step_durations_ms", [round(seconds * 1000, 1) for seconds in durations])

    def prepare(trial):
        """A child set up and parked before its "go": the next one starts while a trial runs."""
        store_path = tmp_path / ("trial-%d" % trial)
        world.fresh_target(store_path)
        job = processes.write_job(tmp_path / ("trial-%d.json" % trial), world, store_path, steps, wait_for_go=True)
        return store_path, processes.spawn(job)

    rng = random.Random(os.environ.get("PEERNET_SEED", "peernet-crash"))
    histogram = [0] * len(states)
    killed_mid_step = 0
    finished_before_kill = 0
    bad = []
    upcoming = prepare(0)
    for trial in range(counts.crash_trials):
        store_path, child = upcoming
        upcoming = prepare(trial + 1) if trial + 1 < counts.crash_trials else None
        # A step at random, then a moment at random in it, timed from the child's own "start" line
        # (so the drift of the steps before does not matter), a little past its expected end at most.
        chosen = rng.randrange(len(steps))
        fraction = rng.uniform(0.0, 1.15)
        lines = [child.stdout.readline().decode("utf-8")]
        assert lines[0].startswith("ready"), child.stderr.read().decode("utf-8", "replace")
        child.stdin.write(b"go\n")
        child.stdin.flush()
        while True:
            line = child.stdout.readline().decode("utf-8")
            lines.append(line)
            if not line or line.startswith("start %d " % chosen):
                break
        time.sleep(durations[chosen] * fraction)
        child.send_signal(signal.SIGKILL)
        rest, _err = child.communicate(timeout=60)
        progress = processes.Progress.of("".join(lines) + rest.decode("utf-8"))
        if child.returncode != -signal.SIGKILL:
            finished_before_kill += 1
        elif progress.last_started > progress.last_ended:
            killed_mid_step += 1
        for index, ended in progress.ends.items():
            # Follow the machine's pace: the mean of what was expected and what was seen.
            durations[index] = (durations[index] + ended - progress.starts[index]) / 2

        content = kit.logical_content(store_path)
        assert content["integrity_problems"] == [], "trial %d: %s" % (trial, content["integrity_problems"])
        matches = [index for index, state in enumerate(states) if state == content]
        if not matches:
            bad.append((trial, chosen, "state matches no step"))
            continue
        index = matches[-1]
        histogram[index] += 1
        # Committed steps are durable; nothing beyond the step in progress is there.
        if not progress.last_ended + 1 <= index <= progress.last_started + 1:
            bad.append((trial, chosen, "state %d, child ended %d started %d" % (index, progress.last_ended, progress.last_started)))
        check_modes(store_path)
        with contextlib.closing(Store.open(str(store_path), create=False)) as store:
            with store.transaction():
                pass  # no lock left behind: a writer gets in
        shutil.rmtree(str(store_path))

    kit.figure("crash.trials", counts.crash_trials)
    kit.figure("crash.killed_mid_step", killed_mid_step)
    kit.figure("crash.finished_before_kill", finished_before_kill)
    kit.figure("crash.state_histogram", histogram)
    kit.figure("crash.inconsistent_states", len(bad))
    assert bad == []
