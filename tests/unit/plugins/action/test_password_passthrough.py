# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugins of the password-taking modules hand the password to the module untouched.

The modules refuse a NUL (E_INVALIDARG) and, on export, an empty password before any derivation
(tests/unit/plugins/modules/test_password_rules.py); the controller side must neither judge,
alter nor trip over such a password, and must write nothing when the module refuses it.
"""

from __future__ import annotations

import os

import pytest

from ansible_collections.peernet.peergroup.plugins.action.group_config_export import ActionModule as ConfigExportAction
from ansible_collections.peernet.peergroup.plugins.action.group_config_import import ActionModule as ConfigImportAction
from ansible_collections.peernet.peergroup.plugins.action.identity_export import ActionModule as IdentityExportAction
from ansible_collections.peernet.peergroup.plugins.action.identity_import import ActionModule as IdentityImportAction
from ansible_collections.peernet.peergroup.tests.unit.plugins.action.controller_files import make_action

DOCUMENT = '<PEERGROUPCONFIG VERSION="1.0">sealed</PEERGROUPCONFIG>'
REFUSAL = dict(failed=True, msg="the password contains U+0000 (NUL)", hresult=dict(name="E_INVALIDARG", code="0x80070057", value=-2147024809))


ENTRIES = {
    "group_config_export": (ConfigExportAction, lambda dest: dict(identity="a.b", group="c.d", controller_dest=dest)),
    "identity_export": (IdentityExportAction, lambda dest: dict(identity="a.b", controller_dest=dest)),
    "group_config_import": (ConfigImportAction, lambda dest: dict(config_xml=DOCUMENT)),
    "identity_import": (IdentityImportAction, lambda dest: dict(identity_xml=DOCUMENT)),
}


@pytest.mark.parametrize("password", ["\x00", "abc\x00", ""], ids=["nul", "trailing-nul", "empty"])
@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_the_password_reaches_the_module_unchanged_and_its_refusal_comes_back(tmp_path, entry, password):
    cls, args = ENTRIES[entry]
    dest = str(tmp_path / "out.xml")
    action = make_action(cls, dict(args(dest), password=password), module_result=dict(REFUSAL))
    result = action.run(task_vars={})
    assert action._execute_module.call_args.kwargs["module_args"]["password"] == password
    assert result["failed"] is True and result["hresult"] == REFUSAL["hresult"]
    assert os.listdir(str(tmp_path)) == []
