# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's identity then group pattern in check mode, on a fresh store, through main()."""

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.peernet.peergroup.plugins.modules import group
from ansible_collections.peernet.peergroup.plugins.modules import identity


def run_module(capsys, module, args, check_mode):
    with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=True)):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def test_identity_then_group_in_check_mode_predicts_the_real_run(capsys, tmp_path):
    store_path = str(tmp_path / "store")
    node = run_module(capsys, identity, dict(store_path=store_path, classifier="fleet-node"), check_mode=True)
    assert node["changed"] and node["identity_peer_name"] is None
    # The template "{{ node.identity_peer_name }}" gives '' (None on newer ansible-core): both stand for it.
    for creator in ("", None):
        farm = run_module(capsys, group, dict(store_path=store_path, creator=creator, classifier="build-farm",
                                              friendly_name="Build farm"), check_mode=True)
        assert farm["changed"] and farm["creator_pending"] and not farm.get("failed")
        assert farm["group_peer_name"] is None and "does not exist yet" in farm["msg"]
        assert farm["diff"]["after"]["group_friendly_name"] == "Build farm"
    assert not os.path.exists(store_path) or not os.listdir(store_path)

    # Bad values are still refused in check mode, and an empty creator is an error outside it.
    bad = run_module(capsys, group, dict(store_path=store_path, creator="", classifier="x" * 200), check_mode=True)
    assert bad["failed"] and bad["hresult"]["name"] == "PEER_E_CLASSIFIER_TOO_LONG"
    real = run_module(capsys, group, dict(store_path=store_path, creator="", classifier="build-farm"), check_mode=False)
    assert real["failed"] and real["hresult"]["name"] == "PEER_E_INVALID_PEER_NAME"

    # The real run: the identity, then its group, both changed as check mode said.
    node = run_module(capsys, identity, dict(store_path=store_path, classifier="fleet-node"), check_mode=False)
    farm = run_module(capsys, group, dict(store_path=store_path, creator=node["identity_peer_name"], classifier="build-farm",
                                          friendly_name="Build farm"), check_mode=False)
    assert node["changed"] and farm["changed"] and "creator_pending" not in farm


def test_an_empty_creator_in_check_mode_removes_nothing(capsys, tmp_path):
    result = run_module(capsys, group, dict(store_path=str(tmp_path / "store"), creator="", classifier="build-farm", state="absent"),
                        check_mode=True)
    assert not result["changed"] and result["creator_pending"]
