# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench only: bench/run.py puts this folder on PYTHONPATH so that every Python process it
starts (module processes included) loads the probe. It does nothing unless
PEERNET_BENCH_PROBE_LOG is set."""

import os

if os.environ.get("PEERNET_BENCH_PROBE_LOG"):
    import peernet_bench_probe

    peernet_bench_probe.install(os.environ["PEERNET_BENCH_PROBE_LOG"])
