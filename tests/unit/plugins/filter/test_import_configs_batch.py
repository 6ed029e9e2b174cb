# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the import_configs_batch filter on the plans the import_configs_plan action registers."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.peernet.peergroup.plugins.filter.__import_configs_batch import import_configs_batch
from ansible_collections.peernet.peergroup.tests.unit.plugins.action.test_import_configs_plan import HOST_VARS, make_action
from ansible_collections.peernet.peergroup.tests.unit.plugins.plugin_utils.import_documents import (
    GROUP,
    MEMBER,
    config_document,
    identity_document,
    store_holding,
)

DOCUMENTS = [identity_document(), config_document()]


def plan(host, store):
    return make_action({"documents": DOCUMENTS}, store).run(task_vars=dict(HOST_VARS, inventory_hostname=host))


def test_the_batch_from_registered_plans():
    holding_all = store_holding(identities=[MEMBER], imported=[(GROUP, DOCUMENTS[1]["digest"])])
    hostvars = {
        "web2": {"peergroup_plan": plan("web2", holding_all)},
        "web1": {"peergroup_plan": plan("web1", store_holding(identities=[MEMBER]))},
        "web3": {"peergroup_plan": plan("web3", holding_all)},
        "web4": {"inventory_hostname": "web4"},
    }
    batch = import_configs_batch(["web1", "web2", "web3", "web4"], hostvars, "peergroup_plan")
    assert batch == {"lacking": ["web1"], "complete": ["web2", "web3"],
                     "lines": ["web2: imported 0, unchanged 2, refused 0", "web3: imported 0, unchanged 2, refused 0"]}


def test_only_the_given_hosts_count():
    hostvars = {"web1": {"peergroup_plan": plan("web1", store_holding())}, "db1": {"peergroup_plan": plan("db1", store_holding())}}
    assert import_configs_batch(["db1"], hostvars, "peergroup_plan")["lacking"] == ["db1"]


@pytest.mark.parametrize("hosts", ["web1", [1, 2]])
def test_the_input_must_be_host_names(hosts):
    with pytest.raises(AnsibleFilterError, match="expects a list of host names"):
        import_configs_batch(hosts, {}, "peergroup_plan")
