# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures of the reliability suite (docs/reliability.md).

Light counts by default (``make test``); ``PEERNET_STRESS=1`` or ``--stress``
switches to the heavy ones (``make stress``).  Every test records its figures
(cases, trials, examples, hits, timings) in ``reliability_kit.FIGURES``; they
are printed at the end of the run and written as JSON to the file named by
``PEERNET_FIGURES`` when it is set.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import hypothesis.configuration
import pytest

import reliability_kit as kit


def pytest_addoption(parser):
    parser.addoption(
        "--stress",
        action="store_true",
        default=False,
        help="use the heavy counts of `make stress` (same as PEERNET_STRESS=1)",
    )


def pytest_configure(config):
    if config.getoption("--stress"):
        os.environ["PEERNET_STRESS"] = "1"
    kit.FIGURES.clear()
    kit.FIGURES["mode"] = "stress" if kit.stress_mode() else "light"
    # Hypothesis keeps caches in ./.hypothesis; keep the work tree clean (the tests use no example database).
    config._peernet_hypothesis_home = tempfile.mkdtemp(prefix="peernet-hypothesis-")
    hypothesis.configuration.set_hypothesis_home_dir(config._peernet_hypothesis_home)


def pytest_unconfigure(config):
    home = getattr(config, "_peernet_hypothesis_home", None)
    if home:
        shutil.rmtree(home, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    if len(kit.FIGURES) <= 1:
        return
    terminalreporter.section("peernet reliability figures")
    for line in kit.format_figures(kit.FIGURES):
        terminalreporter.write_line(line)
    target = os.environ.get("PEERNET_FIGURES")
    if target:
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(kit.FIGURES, handle, indent=2, sort_keys=True)
            handle.write("\n")
        terminalreporter.write_line("figures written to %s" % target)


@pytest.fixture(scope="session")
def counts():
    return kit.Counts.current()


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """Keys, certificates, a source store and sealed documents, built once per session."""
    world = kit.World.build(tmp_path_factory.mktemp("world"))
    kit.figure("world.build_seconds", round(world.build_seconds, 2))
    return world


@pytest.fixture
def target(world, tmp_path):
    """A fresh target store (a copy of the template) holding the member identities."""
    return world.fresh_target(tmp_path / "target")
