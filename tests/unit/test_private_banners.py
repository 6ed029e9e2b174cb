# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every private file says so right after its licence header (docs/architecture.md)."""

from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The private plugin files of the roles and the playbook, and the glue the plugins share.
PRIVATE = sorted(
    [path for path in ROOT.glob("plugins/*/__*.py") if path.name != "__init__.py"]
    + [path for path in ROOT.glob("plugins/plugin_utils/*.py") if path.name != "__init__.py"]
    + [ROOT / "plugins" / "module_utils" / "module_support.py"]
    + list(ROOT.glob("plugins/doc_fragments/*.py"))
)


def test_the_private_files_are_found():
    assert any(path.name.startswith("__") for path in PRIVATE)


@pytest.mark.parametrize("path", PRIVATE, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_private_file_starts_with_its_banner(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    licence_end = lines.index("# SPDX-License-Identifier: GPL-3.0-or-later")
    assert lines[licence_end + 1].startswith("# PRIVATE: internal to ")
    assert "do not use directly" in " ".join(lines[licence_end + 1:licence_end + 3])
