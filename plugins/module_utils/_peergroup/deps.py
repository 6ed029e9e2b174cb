# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Target-side Python requirements, in one place.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import importlib
import re

# (import name, pip name, minimum version): the oldest releases `make compat` runs the core's
# tests on, those of the oldest distribution rows in tests/compat/rows.txt (cryptography 3.4.8
# of Ubuntu 22.04, lxml 4.6.5 of RHEL 9). README, "Managed host requirements", lists the rows.
REQUIREMENTS = (
    ("cryptography", "cryptography", "3.4.8"),
    ("lxml", "lxml", "4.6.5"),
)
_LEADING_DIGITS = re.compile(r"[0-9]+")


def version_tuple(text: str) -> tuple:
    """``"3.4.8"`` as ``(3, 4, 8)``; a pre-release or local suffix ends it (``"42.0.0rc1"`` → ``(42, 0, 0)``)."""
    parts = []
    for piece in text.split("."):
        digits = _LEADING_DIGITS.match(piece)
        if not digits:
            break
        parts.append(int(digits.group(0)))
        if digits.end() < len(piece):
            break
    return tuple(parts)


def missing_requirements() -> list:
    """Return ``(pip requirement, reason)`` for each requirement absent or too old."""
    missing = []
    for import_name, pip_name, minimum in REQUIREMENTS:
        requirement = "%s>=%s" % (pip_name, minimum)
        try:
            module = importlib.import_module(import_name)
        except ImportError as exc:
            missing.append((requirement, "not importable: %s" % exc))
            continue
        version = getattr(module, "__version__", "0")
        if version_tuple(version) < version_tuple(minimum):
            missing.append((requirement, "version %s is installed" % version))
    return missing


def requirement_names(missing) -> str:
    """The requirements of ``missing_requirements()`` as one phrase: ``cryptography>=3.4.8 and lxml>=4.6.5``."""
    return " and ".join(requirement for requirement, _reason in missing)


def controller_problem(plugin) -> str | None:
    """Why ``plugin`` cannot run on the controller, or None when every requirement is there."""
    missing = missing_requirements()
    return "%s needs %s on the controller" % (plugin, requirement_names(missing)) if missing else None
