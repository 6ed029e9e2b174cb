# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The member module's test drives main() with ansible-core 2.19's patch_module_args: the older
controllers of `make controllers` run the controller-side tests only."""

from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("ansible.module_utils.testing") else ["test_enroll_members_member.py"]
