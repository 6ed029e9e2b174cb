# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the module unit tests."""

from __future__ import annotations

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import seal


@pytest.fixture
def derivations(monkeypatch):
    """Every scrypt run of the module, counted where KeyCache calls it."""
    runs = []
    real_derive = seal.derive

    def counting_derive(*args, **kwargs):
        runs.append(args[1:])
        return real_derive(*args, **kwargs)

    monkeypatch.setattr(seal, "derive", counting_derive)
    return runs
