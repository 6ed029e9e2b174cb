# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one reading of the current time in the core (community.crypto's ``_time``).

Every ``now=None`` parameter defaults to ``clock.utcnow()``, called through the module so a
test can replace it in one place; tests usually pass ``now`` instead.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import datetime


def utcnow():
    """The current time, timezone-aware UTC."""
    return datetime.datetime.now(datetime.timezone.utc)
