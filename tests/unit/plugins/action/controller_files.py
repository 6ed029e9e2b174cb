# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller files for the action plugins' unit tests: plain or Vault encrypted, a loader
that opens them, and an action to run with a stand-in module."""

from __future__ import annotations

import os
from unittest import mock

from ansible.errors import AnsibleFileNotFound
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import VaultLib, VaultSecret

VAULT_PASSWORD = b"unit-vault-password-7f3a"


def vault_encrypt(data, password=VAULT_PASSWORD):
    return VaultLib([("default", VaultSecret(password))]).encrypt(data)


def write(path, text, vault=False):
    data = text.encode()
    path.write_bytes(vault_encrypt(data) if vault else data)
    return str(path)


def vault_loader():
    """A DataLoader with the test vault secret, which fails a test that decrypts to a temporary file."""
    loader = DataLoader()
    loader.set_vault_secrets([("default", VaultSecret(VAULT_PASSWORD))])
    # DataLoader.get_real_file is how a decrypted vault file would reach a temporary file.
    loader.get_real_file = mock.MagicMock(side_effect=AssertionError("decrypted to a temporary file"))
    return loader


def find_needle(_folder, path):
    # Like ActionBase._find_needle for an absolute path.
    if not os.path.exists(path):
        raise AnsibleFileNotFound("Could not find or access '%s'" % path)
    return path


def make_action(cls, args, check_mode=False, module_result=None):
    """An action of ``cls`` on ``args`` whose module returns ``module_result``; files found as by ``copy``."""
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    connection = mock.MagicMock()
    connection._shell.tmpdir = "/remote/tmp"
    action = cls(task, connection, mock.MagicMock(), vault_loader(), mock.MagicMock(), mock.MagicMock())
    action._find_needle = mock.MagicMock(side_effect=find_needle)
    action._execute_module = mock.MagicMock(return_value=module_result)
    return action
