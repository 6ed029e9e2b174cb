# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the import_configs_documents action on real documents: the folder and the listed
documents, Vault files decrypted in memory, and the play stopped once on unusable documents."""

from __future__ import annotations

import datetime
import hashlib
from unittest import mock

import pytest

from ansible_collections.peernet.peergroup.plugins.action.__import_configs_documents import ActionModule as ImportDocumentsAction
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache
from ansible_collections.peernet.peergroup.tests.unit.plugins.action.controller_files import find_needle, vault_encrypt, vault_loader, write
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup.builders import group_config, identity_record

PASSWORD = "unit-listing-password-4d2e9a"


@pytest.fixture(scope="module")
def texts():
    """An identity export, a group configuration and an expired one, as text."""
    member, farm, lab = (certs.generate_key(2048) for _index in range(3))
    seal_key = KeyCache(PASSWORD).new_key()
    record = identity_record(member)
    identity = documents.render_identity_export(
        record.peer_name, certs.private_key_from_der(record.private_key), certs.certificate_from_der(record.certificate), seal_key)
    config = documents.render_group_config(group_config(member, farm), seal_key)
    long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=90)
    expired = documents.render_group_config(group_config(member, lab, now=long_ago), seal_key)
    return {"identity": identity.decode(), "config": config.decode(), "expired": expired.decode(), "member": record.peer_name}


def make_action(args, check_mode=False):
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    action = ImportDocumentsAction(task, mock.MagicMock(), mock.MagicMock(), vault_loader(), mock.MagicMock(), mock.MagicMock())
    action._find_needle = mock.MagicMock(side_effect=find_needle)
    return action


def test_the_folder_and_the_listed_documents_identities_first(tmp_path, texts):
    folder = tmp_path / "exported"
    folder.mkdir()
    write(folder / "member.peeridentity.xml", texts["identity"], vault=True)
    write(folder / "farm.peergroupconfig.xml", texts["config"])
    write(folder / "notes.txt", "not a document")
    listed = write(tmp_path / "again.xml", texts["config"], vault=True)
    result = make_action({"documents_dir": str(folder), "group_documents": [listed]}).run(task_vars={})
    assert "failed" not in result and result["changed"] is False
    assert [(d["kind"], d["label"], d["valid"]) for d in result["documents"]] == [
        ("identity", "member.peeridentity.xml", True), ("config", "farm.peergroupconfig.xml", True), ("config", "again.xml", True)]
    identity, config, again = result["documents"]
    assert identity["identity"] == texts["member"]
    assert config["identity"] == texts["member"] and config["group"].endswith(".crew")
    # The digest is over the decrypted document's bytes: the one the import modules record.
    assert again["digest"] == config["digest"] == hashlib.sha256(texts["config"].encode()).hexdigest()
    assert config["path"] == str(folder / "farm.peergroupconfig.xml") and config["content"] is None


def test_the_password_entry_of_a_group(tmp_path, texts):
    path = write(tmp_path / "farm.xml", texts["config"])
    result = make_action({"group_documents": [path], "password_names": ["crew", "other"]}).run(task_vars={})
    assert result["documents"][0]["password_key"] == "crew"


def test_an_expired_or_missing_document_stops_the_play_once_naming_each(tmp_path, texts):
    expired = write(tmp_path / "old.xml", texts["expired"])
    result = make_action({"group_documents": [expired, str(tmp_path / "gone.xml")], "identity_documents": [{"content": texts["identity"]}]}).run(task_vars={})
    assert result["failed"] is True
    assert result["msg"].startswith("2 document(s) cannot be imported on any host, nothing was changed: old.xml: PEER_E_")
    assert "gone.xml: PEER_E_NOT_FOUND (no such file on the controller: %s)" % (tmp_path / "gone.xml") in result["msg"]
    assert [d["valid"] for d in result["documents"]] == [True, False, False]


def test_invalid_documents_are_returned_without_failing_when_told(tmp_path, texts):
    expired = write(tmp_path / "old.xml", texts["expired"])
    result = make_action({"group_documents": [expired], "fail_on_invalid": False}).run(task_vars={})
    assert "failed" not in result
    assert result["documents"][0]["valid"] is False


def test_a_vault_file_no_secret_opens_is_invalid_not_a_traceback(tmp_path, texts):
    (tmp_path / "locked.xml").write_bytes(vault_encrypt(texts["config"].encode(), b"another-vault-password"))
    result = make_action({"group_documents": [str(tmp_path / "locked.xml")]}).run(task_vars={})
    assert result["failed"] is True
    assert result["documents"][0]["reason"].startswith("locked.xml: E_INVALIDARG (cannot read %s on the controller: " % (tmp_path / "locked.xml"))


def test_an_empty_or_missing_folder_is_no_document_except_in_check_mode(tmp_path):
    args = {"documents_dir": str(tmp_path / "not-there")}
    result = make_action(args).run(task_vars={})
    assert result["failed"] is True and result["msg"].startswith("No document to import")
    assert "not-there holds no *.peeridentity.xml or *.peergroupconfig.xml" in result["msg"]
    checked = make_action(args, check_mode=True).run(task_vars={})
    assert "failed" not in checked and checked["documents"] == []


def test_a_folder_name_with_glob_characters_is_taken_literally(tmp_path, texts):
    folder = tmp_path / "docs[1]"
    folder.mkdir()
    write(folder / "farm.peergroupconfig.xml", texts["config"])
    result = make_action({"documents_dir": str(folder)}).run(task_vars={})
    assert [d["label"] for d in result["documents"]] == ["farm.peergroupconfig.xml"]


def test_without_its_requirements_on_the_controller_nothing_is_read(tmp_path, texts):
    path = write(tmp_path / "farm.xml", texts["config"])
    action = make_action({"group_documents": [path]})
    action._find_needle.side_effect = AssertionError("a document was read")
    missing = [("cryptography>=42.0", "not importable: No module named 'cryptography'"), ("lxml>=4.9", "version 4.2 is installed")]
    with mock.patch("ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.deps.missing_requirements", return_value=missing):
        result = action.run(task_vars={})
    assert result["failed"] is True
    assert result["msg"] == "peernet.peergroup.__import_configs_documents needs cryptography>=42.0 and lxml>=4.9 on the controller"
