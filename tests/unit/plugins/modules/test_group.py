# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The group module through main(): the GMC lifetime option under its new name and its 0.1.0 alias."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
from ansible_collections.peernet.peergroup.plugins.modules import group
from ansible_collections.peernet.peergroup.tests.unit.plugins.modules.module_runner import run_module, store_with_identity


@pytest.mark.parametrize("option", ["gmc_lifetime_days", "gmc_lifetime"])
def test_the_gmc_lifetime_in_days_under_either_name(capsys, tmp_path, option):
    path = store_with_identity(str(tmp_path / "store"), certs.generate_key(2048))
    with Store.open(path) as store:
        creator = store.list_identities()[0].peer_name
    result = run_module(capsys, group, {"store_path": path, "creator": creator, "classifier": "crew", option: 12})
    assert result["changed"]
    membership = result["membership"]
    start = datetime.datetime.strptime(membership["not_before"], "%Y-%m-%dT%H:%M:%SZ")
    end = datetime.datetime.strptime(membership["not_after"], "%Y-%m-%dT%H:%M:%SZ")
    assert end - start == datetime.timedelta(days=12)


def test_a_lifetime_out_of_range_is_refused(capsys, tmp_path):
    path = store_with_identity(str(tmp_path / "store"), certs.generate_key(2048))
    with Store.open(path) as store:
        creator = store.list_identities()[0].peer_name
    result = run_module(capsys, group, {"store_path": path, "creator": creator, "classifier": "crew", "gmc_lifetime_days": 0})
    assert result["failed"] and result["hresult"]["name"] == "PEER_E_INVALID_TIME_PERIOD"
