# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the module unit tests share: a module's main() run in-process, and a store to run it on."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup.builders import identity_record


def run_module(capsys, module, args, check_mode=False, diff=False, secrets=()):
    """The result of ``module.main()`` on ``args``; none of ``secrets`` may appear in its output."""
    with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
        with pytest.raises(SystemExit):
            module.main()
    output = capsys.readouterr().out
    for secret in secrets:
        assert secret not in output
    return json.loads(output)


def store_with_identity(path, key):
    """A new store at ``path`` holding the identity of ``key``."""
    with Store.open(path, create=True) as store:
        store.add_identity(identity_record(key))
    return path
