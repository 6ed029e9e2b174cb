# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Loads the enroll_members role's action plugins by path: a role's plugins are no Python package."""

from __future__ import annotations

import importlib.util
import os

# tests/unit/roles/enroll_members -> the collection root.
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
_PLUGINS = os.path.join(_ROOT, "roles", "enroll_members", "action_plugins")


def load(name):
    spec = importlib.util.spec_from_file_location("enroll_members_" + name, os.path.join(_PLUGINS, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
