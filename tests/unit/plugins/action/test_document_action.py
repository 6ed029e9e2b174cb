# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the import modules' action plugin: src, also in each configs element, is read
on the controller (Vault-decrypted) and sent as the document's text."""

from __future__ import annotations

from unittest import mock

from ansible_collections.peernet.peergroup.plugins.action.group_config_import import ActionModule as ConfigImportAction
from ansible_collections.peernet.peergroup.tests.unit.plugins.action.controller_files import find_needle, vault_loader, write

FIRST = '<PEERGROUPCONFIG VERSION="1.0">first</PEERGROUPCONFIG>'
SECOND = '<PEERGROUPCONFIG VERSION="1.0">second</PEERGROUPCONFIG>'
PASSWORD = "unit-document-password-2b9c"


def make_action(args):
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    action = ConfigImportAction(task, mock.MagicMock(), mock.MagicMock(), vault_loader(), mock.MagicMock(), mock.MagicMock())
    action._find_needle = mock.MagicMock(side_effect=find_needle)
    action._execute_module = mock.MagicMock(return_value=dict(changed=True))
    return action


def test_each_configs_src_is_read_and_decrypted(tmp_path):
    plain = write(tmp_path / "first.xml", FIRST)
    vaulted = write(tmp_path / "second.xml", SECOND, vault=True)
    args = dict(password=PASSWORD, configs=[dict(src=plain), dict(config_xml=FIRST, password="own"), dict(src=vaulted, overwrite="always")])
    action = make_action(args)
    result = action.run(task_vars={})
    assert result["changed"] is True
    sent = action._execute_module.call_args.kwargs["module_args"]
    assert sent["configs"] == [
        dict(config_xml=FIRST),
        dict(config_xml=FIRST, password="own"),
        dict(config_xml=SECOND, overwrite="always"),
    ]
    # The task's own arguments are not changed in place.
    assert args["configs"][0] == dict(src=plain)


def test_an_unreadable_src_fails_before_the_module_runs(tmp_path):
    good = write(tmp_path / "first.xml", FIRST)
    action = make_action(dict(password=PASSWORD, configs=[dict(src=good), dict(src=str(tmp_path / "missing.xml"))]))
    result = action.run(task_vars={})
    assert result["failed"] is True and "missing.xml" in result["msg"]
    action._execute_module.assert_not_called()


def test_src_and_config_xml_in_one_element_are_refused(tmp_path):
    good = write(tmp_path / "first.xml", FIRST)
    action = make_action(dict(password=PASSWORD, configs=[dict(src=good, config_xml=FIRST)]))
    result = action.run(task_vars={})
    assert result == dict(result, failed=True, msg="configs[0].src and config_xml are mutually exclusive")
    action._execute_module.assert_not_called()


def test_a_document_that_is_not_utf8_is_refused_with_its_hresult(tmp_path):
    path = tmp_path / "latin1.xml"
    path.write_bytes(b"<PEERGROUPCONFIG>\xe9</PEERGROUPCONFIG>")
    action = make_action(dict(password=PASSWORD, configs=[dict(src=str(path))]))
    result = action.run(task_vars={})
    assert result["failed"] is True and result["hresult"]["name"] == "E_INVALIDARG"
    action._execute_module.assert_not_called()


def test_a_vault_src_is_decrypted_in_memory_never_to_a_file(tmp_path):
    vaulted = write(tmp_path / "second.xml", SECOND, vault=True)
    action = make_action(dict(password=PASSWORD, src=vaulted))
    # The loader fails the test if the file is decrypted to a temporary file.
    action.run(task_vars={})
    assert action._execute_module.call_args.kwargs["module_args"] == dict(password=PASSWORD, config_xml=SECOND)
