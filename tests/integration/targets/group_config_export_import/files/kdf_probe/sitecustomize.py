# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration tests only: count the scrypt runs of a module process.

A task puts this folder on PYTHONPATH and names a log in PEERNET_TEST_KDF_LOG; every scrypt
object the module builds (one per key derivation, seal.derive) then appends one line to it.
Nothing secret is written.
"""

from __future__ import annotations

import os

if os.environ.get("PEERNET_TEST_KDF_LOG"):
    from cryptography.hazmat.primitives.kdf import scrypt as _scrypt

    _real_scrypt = _scrypt.Scrypt

    def _counting_scrypt(*args, **kwargs):
        with open(os.environ["PEERNET_TEST_KDF_LOG"], "a") as log:
            log.write("scrypt\n")
        return _real_scrypt(*args, **kwargs)

    # seal.py imports the name after this ran, so it gets the counting one.
    _scrypt.Scrypt = _counting_scrypt
