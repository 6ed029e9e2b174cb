# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the export modules' action plugin: the controller_dest file writes.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import os
import stat
from unittest import mock

import pytest

from ansible_collections.peernet.peergroup.plugins.action.group_config_export import ActionModule as ConfigExportAction
from ansible_collections.peernet.peergroup.plugins.action.identity_export import ActionModule as IdentityExportAction
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import fileio
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.plugin_utils import document_export_action
from ansible_collections.peernet.peergroup.plugins.plugin_utils.document_export_action import (
    ControllerFileError,
    write_document,
)
from ansible_collections.peernet.peergroup.tests.unit.plugins.action.controller_files import make_action

DOCUMENT = '<PEERGROUPCONFIG VERSION="1.0">sealed</PEERGROUPCONFIG>'
OTHER = '<PEERGROUPCONFIG VERSION="1.0">sealed anew</PEERGROUPCONFIG>'
PASSWORD = "Correct-Horse-Battery-Staple"


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def make_file(path, text, mode=0o600):
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


def test_new_file_is_written_0600_without_temp_files(tmp_path):
    path = str(tmp_path / "farm.xml")
    assert write_document(path, DOCUMENT, check_mode=False) is True
    assert read(path) == DOCUMENT.encode()
    assert mode_of(path) == 0o600
    assert os.listdir(str(tmp_path)) == ["farm.xml"]


def test_same_bytes_leave_the_file_untouched(tmp_path):
    path = str(tmp_path / "farm.xml")
    make_file(path, DOCUMENT)
    before = os.stat(path)
    assert write_document(path, DOCUMENT, check_mode=False) is False
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_different_bytes_replace_the_file(tmp_path):
    path = str(tmp_path / "farm.xml")
    make_file(path, OTHER, mode=0o644)
    before = os.stat(path)
    assert write_document(path, DOCUMENT, check_mode=False) is True
    assert read(path) == DOCUMENT.encode()
    assert mode_of(path) == 0o600
    # A new inode: the old file was replaced, never rewritten in place.
    assert os.stat(path).st_ino != before.st_ino
    assert os.listdir(str(tmp_path)) == ["farm.xml"]


def test_a_longer_file_starting_with_the_document_differs(tmp_path):
    path = str(tmp_path / "farm.xml")
    make_file(path, DOCUMENT + "\n")
    assert write_document(path, DOCUMENT, check_mode=False) is True
    assert read(path) == DOCUMENT.encode()


def test_same_bytes_with_a_loose_mode_are_corrected(tmp_path):
    path = str(tmp_path / "farm.xml")
    make_file(path, DOCUMENT, mode=0o644)
    assert write_document(path, DOCUMENT, check_mode=False) is True
    assert mode_of(path) == 0o600
    assert write_document(path, DOCUMENT, check_mode=False) is False


@pytest.mark.parametrize("existing", [None, OTHER])
@pytest.mark.parametrize("text", [DOCUMENT, None])
def test_check_mode_writes_nothing(tmp_path, existing, text):
    path = str(tmp_path / "farm.xml")
    if existing is not None:
        make_file(path, existing, mode=0o644)
    assert write_document(path, text, check_mode=True) is True
    if existing is None:
        assert not os.path.exists(path)
    else:
        assert read(path) == existing.encode()
        assert mode_of(path) == 0o644
    assert len(os.listdir(str(tmp_path))) == (0 if existing is None else 1)


def test_check_mode_reports_an_equal_file_as_unchanged(tmp_path):
    path = str(tmp_path / "farm.xml")
    make_file(path, DOCUMENT)
    assert write_document(path, DOCUMENT, check_mode=True) is False
    make_file(path, DOCUMENT, mode=0o640)
    assert write_document(path, DOCUMENT, check_mode=True) is True
    assert mode_of(path) == 0o640


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(PeerError, match="is a directory"):
        write_document(str(tmp_path), DOCUMENT, check_mode=False)


def test_a_failed_replace_leaves_no_temp_file_and_keeps_the_old_file(tmp_path):
    path = str(tmp_path / "farm.xml")
    make_file(path, OTHER)
    with mock.patch.object(fileio.os, "rename", side_effect=PermissionError(13, "Permission denied")):
        with pytest.raises(ControllerFileError) as caught:
            write_document(path, DOCUMENT, check_mode=False)
    assert str(caught.value) == "cannot write controller_dest %s: Permission denied" % path
    assert os.listdir(str(tmp_path)) == ["farm.xml"]
    assert read(path) == OTHER.encode()


def test_a_missing_folder_is_a_clear_error(tmp_path):
    path = str(tmp_path / "missing" / "farm.xml")
    with pytest.raises(ControllerFileError, match="cannot write controller_dest .*: No such file or directory"):
        write_document(path, DOCUMENT, check_mode=False)


def config_result(*texts, **extra):
    result = dict(changed=any(text is None for text in texts), configs=[dict(changed=text is None, config_xml=text) for text in texts])
    result.update(extra)
    return result


def test_the_action_strips_controller_dest_and_writes_each_item(tmp_path):
    first, second = str(tmp_path / "a.xml"), str(tmp_path / "b.xml")
    make_file(second, OTHER)
    args = dict(password=PASSWORD, configs=[dict(identity="i", group="g1", controller_dest=first), dict(identity="i", group="g2", controller_dest=second)])
    action = make_action(ConfigExportAction, args, module_result=config_result(DOCUMENT, OTHER))
    result = action.run(task_vars={})
    sent = action._execute_module.call_args.kwargs["module_args"]
    assert sent["configs"] == [dict(identity="i", group="g1"), dict(identity="i", group="g2")]
    # The task's own arguments are not changed in place.
    assert args["configs"][0]["controller_dest"] == first
    assert result["changed"] is True
    assert [(entry["controller_dest"], entry["controller_changed"]) for entry in result["configs"]] == [(first, True), (second, False)]
    assert read(first) == DOCUMENT.encode()
    assert PASSWORD not in repr(result)


def test_the_action_is_unchanged_when_module_and_files_are(tmp_path):
    path = str(tmp_path / "a.xml")
    make_file(path, DOCUMENT)
    args = dict(password=PASSWORD, identity="i", group="g", controller_dest=path)
    action = make_action(ConfigExportAction, args, module_result=config_result(DOCUMENT, config_xml=DOCUMENT))
    result = action.run(task_vars={})
    assert "controller_dest" not in action._execute_module.call_args.kwargs["module_args"]
    assert result["changed"] is False
    assert result["controller_changed"] is False
    assert result["configs"][0]["controller_changed"] is False


def test_the_action_in_check_mode_writes_nothing(tmp_path):
    path = str(tmp_path / "me.identity.xml")
    action = make_action(IdentityExportAction, dict(password=PASSWORD, identity="i", controller_dest=path), check_mode=True,
                         module_result=dict(changed=True, identity_xml=None))
    result = action.run(task_vars={})
    assert result["changed"] is True
    assert result["controller_changed"] is True
    assert os.listdir(str(tmp_path)) == []


def test_check_mode_accepts_a_folder_an_earlier_task_would_create(tmp_path):
    path = str(tmp_path / "missing" / "me.identity.xml")
    action = make_action(IdentityExportAction, dict(password=PASSWORD, identity="i", controller_dest=path), check_mode=True,
                         module_result=dict(changed=False, identity_xml=DOCUMENT))
    assert action.run(task_vars={})["controller_changed"] is True
    assert not os.path.exists(str(tmp_path / "missing"))


@pytest.mark.parametrize("where, message", [
    ("missing", "does not exist; create it first"),
    ("directory", "is a directory"),
    ("duplicate", "same controller_dest"),
])
def test_a_bad_controller_dest_fails_before_the_module_runs(tmp_path, where, message):
    path = {"missing": str(tmp_path / "missing" / "a.xml"), "directory": str(tmp_path), "duplicate": str(tmp_path / "a.xml")}[where]
    configs = [dict(identity="i", group="g1", controller_dest=path)]
    if where == "duplicate":
        configs.append(dict(identity="i", group="g2", controller_dest=path))
    action = make_action(ConfigExportAction, dict(password=PASSWORD, configs=configs))
    result = action.run(task_vars={})
    assert result["failed"] is True
    assert message in result["msg"]
    assert PASSWORD not in result["msg"]
    action._execute_module.assert_not_called()


def test_controller_dest_with_configs_is_refused(tmp_path):
    action = make_action(ConfigExportAction, dict(password=PASSWORD, controller_dest=str(tmp_path / "a.xml"), configs=[dict(identity="i", group="g")]))
    result = action.run(task_vars={})
    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]
    action._execute_module.assert_not_called()


def test_a_failed_module_writes_nothing(tmp_path):
    path = str(tmp_path / "a.xml")
    failure = dict(failed=True, msg="ERROR_INVALID_PASSWORD: the password does not open the document")
    action = make_action(ConfigExportAction, dict(password=PASSWORD, identity="i", group="g", controller_dest=path), module_result=failure)
    assert action.run(task_vars={}) == failure
    assert os.listdir(str(tmp_path)) == []


def test_a_write_error_fails_the_task_with_the_path_only(tmp_path):
    path = str(tmp_path / "a.xml")
    action = make_action(ConfigExportAction, dict(password=PASSWORD, identity="i", group="g", controller_dest=path),
                         module_result=config_result(DOCUMENT, config_xml=DOCUMENT))
    with mock.patch.object(fileio.os, "rename", side_effect=OSError(28, "No space left on device")):
        result = action.run(task_vars={})
    assert result["failed"] is True
    assert result["msg"] == "cannot write controller_dest %s: No space left on device" % path
    assert os.listdir(str(tmp_path)) == []


def test_relative_and_home_paths_are_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert document_export_action.controller_path("a.xml") == str(tmp_path / "a.xml")
    assert document_export_action.controller_path("~/b.xml") == str(tmp_path / "b.xml")
