# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the distribute playbook's variable check and of the controller folder rules."""

from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.peernet.peergroup.plugins.filter.__controller_folder import controller_folder
from ansible_collections.peernet.peergroup.plugins.filter.__distribute_settings import distribute_settings
from ansible_collections.peernet.peergroup.plugins.plugin_utils import controller_folder as folders
from ansible_collections.peernet.peergroup.plugins.plugin_utils.controller_folder import default_documents_dir

PASSWORD = "unit-test-password-3b9c51e0a7d24f68"


def settings(tmp_path, sources=(), **variables):
    variables.setdefault("peergroup_password", PASSWORD)
    return distribute_settings(variables, list(sources))


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert settings(tmp_path) == {"documents_dir": str(tmp_path / "data" / "peernet" / "documents"), "overwrite": "if_newer", "rekey": False}
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_documents_dir() == str(tmp_path / "home" / ".local" / "share" / "peernet" / "documents")


def test_the_default_folder_is_outside_the_collection_and_a_folder_inventory(tmp_path, monkeypatch):
    # The layout of the issue: `-i inventory/` next to the playbook, the old default inside it.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    (tmp_path / "inventory").mkdir()
    folder = settings(tmp_path, [str(tmp_path / "inventory")])["documents_dir"]
    assert not folder.startswith(str(tmp_path / "inventory") + os.sep)
    assert not folder.startswith(folders._COLLECTION_ROOT + os.sep)


@pytest.mark.parametrize("inside", ["", "peergroup-documents", "a/b/c", "group_vars/.."])
def test_a_folder_in_a_folder_inventory_source_is_refused_saying_why(tmp_path, monkeypatch, inside):
    monkeypatch.chdir(tmp_path)
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    # The source as written on the command line, and a symlink to it: both are the same folder.
    (tmp_path / "link").symlink_to(inventory)
    for source, folder in ((str(inventory), str(inventory / inside)), ("inventory/", os.path.join("link", inside))):
        with pytest.raises(AnsibleFilterError, match="inside the inventory source .*read the documents there as inventory"):
            settings(tmp_path, ["localhost,", source], peergroup_documents_dir=folder)


def test_a_file_source_or_a_host_list_does_not_claim_its_folder(tmp_path):
    (tmp_path / "hosts.yml").write_text("all: {}\n")
    folder = str(tmp_path / "peergroup-documents")
    assert settings(tmp_path, [str(tmp_path / "hosts.yml"), "node1,node2"], peergroup_documents_dir=folder)["documents_dir"] == folder
    # A sibling whose name only starts like the source is outside it.
    (tmp_path / "inv").mkdir()
    assert controller_folder(str(tmp_path / "inventory2"), [str(tmp_path / "inv")]) == str(tmp_path / "inventory2")


def test_the_collection_itself_is_refused(tmp_path):
    with pytest.raises(AnsibleFilterError, match="inside the collection peernet.peergroup"):
        controller_folder(os.path.join(folders._COLLECTION_ROOT, "playbooks", "reldocs"), [], "peergroup_documents_dir")


def test_relative_and_home_paths_resolve_once_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert settings(tmp_path, peergroup_documents_dir="reldocs")["documents_dir"] == str(tmp_path / "reldocs")
    assert settings(tmp_path, peergroup_documents_dir="./a/../reldocs/")["documents_dir"] == str(tmp_path / "reldocs")
    assert settings(tmp_path, peergroup_documents_dir="~/docs")["documents_dir"] == str(tmp_path / "home" / "docs")


def test_an_empty_folder_is_none_for_the_import_and_refused_where_required():
    assert controller_folder("", []) == ""
    with pytest.raises(AnsibleFilterError, match="export_configs_controller_dir is empty"):
        controller_folder("", [], "export_configs_controller_dir", required=True)


@pytest.mark.parametrize("variables, named", [
    ({"peergroup_password": None}, "peergroup_password is not set"),
    ({"peergroup_password": ""}, "peergroup_password must be a non-empty string"),
    ({"peergroup_identity_password": 42}, "peergroup_identity_password must be a non-empty string"),
    ({"peergroup_group_passwords": ["x"]}, "peergroup_group_passwords must be a dict"),
    ({"peergroup_group_passwords": {"build-farm": ""}}, r"peergroup_group_passwords\[build-farm\] must be"),
    ({"peergroup_overwrite": "if-newer"}, "peergroup_overwrite is 'if-newer'; use one of never, if_newer, always"),
    ({"peergroup_rekey": "maybe"}, "peergroup_rekey is 'maybe'; use true or false"),
])
def test_each_bad_variable_is_refused_by_the_name_the_user_set(tmp_path, variables, named):
    with pytest.raises(AnsibleFilterError, match=named) as error:
        settings(tmp_path, **variables)
    assert "No host was touched" in str(error.value)
    assert "export_configs" not in str(error.value) and "import_configs" not in str(error.value)


def test_every_bad_variable_is_named_at_once_and_no_password_is_shown(tmp_path):
    with pytest.raises(AnsibleFilterError) as error:
        settings(tmp_path, peergroup_identity_password=[PASSWORD], peergroup_group_passwords={"lab": 7, "farm": PASSWORD},
                 peergroup_overwrite="sometimes", peergroup_rekey="perhaps")
    message = str(error.value)
    for name in ("peergroup_identity_password", "peergroup_group_passwords[lab]", "peergroup_overwrite", "peergroup_rekey"):
        assert name in message
    assert PASSWORD not in message and "farm" not in message


@pytest.mark.parametrize("given, expected", [("true", True), ("yes", True), (True, True), ("false", False), (0, False)])
def test_rekey_takes_what_extra_vars_give(tmp_path, given, expected):
    assert settings(tmp_path, peergroup_rekey=given)["rekey"] is expected
