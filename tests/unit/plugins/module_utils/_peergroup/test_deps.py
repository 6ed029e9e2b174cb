# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The minimum versions of deps.py: true (the rows `make compat` tests), enforced, stated alike everywhere."""

from __future__ import annotations

import pathlib
import re
import sys
import types

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import deps

ROOT = pathlib.Path(__file__).resolve().parents[5]
MINIMUM = {pip_name: minimum for _import_name, pip_name, minimum in deps.REQUIREMENTS}


def _rows():
    rows = []
    for line in (ROOT / "tests" / "compat" / "rows.txt").read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            rows.append(dict(zip(("row", "python", "cryptography", "lxml"), fields)))
    return rows


@pytest.mark.parametrize("text, expected", [
    ("3.4.8", (3, 4, 8)), ("4.6.5", (4, 6, 5)), ("50.0.2", (50, 0, 2)), ("4.9", (4, 9)),
    ("42.0.0rc1", (42, 0, 0)), ("3.4.7rc9", (3, 4, 7)), ("1.0.0.dev0", (1, 0, 0)), ("41.0.7+local", (41, 0, 7)), ("unknown", ()),
])
def test_version_tuple(text, expected):
    assert deps.version_tuple(text) == expected


def test_the_minimums_are_the_lowest_rows_make_compat_tests():
    rows = _rows()
    assert [row["python"] for row in rows] == ["3.9", "3.10", "3.11", "3.12", "3.13"]
    for package in ("cryptography", "lxml"):
        pinned = [row[package] for row in rows if row[package] != "constraints"]
        assert min(pinned, key=deps.version_tuple) == MINIMUM[package]


def test_the_installed_releases_meet_the_minimums():
    # Run on every row by `make compat`: a row below the minimum, or a minimum above a row, fails here.
    assert deps.missing_requirements() == []


@pytest.mark.parametrize("cryptography, lxml, missing", [
    ("3.4.8", "4.6.5", []),
    ("50.0.2", "6.1.3", []),
    ("3.4.7", "4.6.5", [("cryptography>=3.4.8", "version 3.4.7 is installed")]),
    ("3.4.7rc9", "4.6.5", [("cryptography>=3.4.8", "version 3.4.7rc9 is installed")]),
    ("3.3.2", "4.6.4", [("cryptography>=3.4.8", "version 3.3.2 is installed"), ("lxml>=4.6.5", "version 4.6.4 is installed")]),
    ("41.0.7", "4.5.2", [("lxml>=4.6.5", "version 4.5.2 is installed")]),
])
def test_older_releases_are_refused(monkeypatch, cryptography, lxml, missing):
    monkeypatch.setitem(sys.modules, "cryptography", types.SimpleNamespace(__version__=cryptography))
    monkeypatch.setitem(sys.modules, "lxml", types.SimpleNamespace(__version__=lxml))
    assert deps.missing_requirements() == missing


def test_a_missing_package_is_refused(monkeypatch):
    monkeypatch.setitem(sys.modules, "lxml", None)
    ((requirement, reason),) = deps.missing_requirements()
    assert requirement == "lxml>=4.6.5" and reason.startswith("not importable")
    assert deps.requirement_names([(requirement, reason)]) == "lxml>=4.6.5"


@pytest.mark.parametrize("path, pattern", [
    ("requirements.txt", "^{name}>={minimum}$"),
    ("requirements-dev.txt", "^{name}>={minimum}$"),
    ("tests/unit/requirements.txt", "^{name}>={minimum}$"),
    ("tests/integration/requirements.txt", "^{name}>={minimum}$"),
    ("plugins/doc_fragments/common.py", "^  - {name} >= {minimum}, on the managed node$"),
    ("plugins/modules/__import_configs_documents.py", "^  - {name} >= {minimum} on the controller$"),
    ("plugins/filter/config_info.yml", r"\b{name} >= {minimum}\b"),
    ("README.md", r"`{name} >= {minimum}`"),
    ("requirements-demo.txt", "^{name}>={minimum}$"),
    ("roles/export_configs/README.md", r"`{name} >= {minimum}`"),
    ("roles/import_configs/README.md", r"`{name} >= {minimum}`"),
    ("docs/guide-vault.md", r"`{name} >= {minimum}`"),
    ("docs/architecture.md", r"\b{name} {minimum}\b"),
])
def test_every_statement_of_the_minimums_agrees(path, pattern):
    text = (ROOT / path).read_text(encoding="utf-8")
    for name in ("cryptography", "lxml"):
        stated = re.findall(pattern.format(name=name, minimum=r"([0-9][0-9.]*[0-9])"), text, re.MULTILINE)
        assert stated, "%s states no minimum for %s" % (path, name)
        assert set(stated) == {MINIMUM[name]}, "%s: %s %s" % (path, name, stated)


def test_the_readme_table_lists_the_rows():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Managed host requirements", 1)[1].split("\n## ", 1)[0]
    table = [[cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines() if line.startswith("| ")]
    assert [(python, cryptography, lxml) for _name, python, cryptography, lxml in table[1:]] == [
        (row["python"], "latest" if row["cryptography"] == "constraints" else row["cryptography"],
         "latest" if row["lxml"] == "constraints" else row["lxml"]) for row in _rows()
    ]
