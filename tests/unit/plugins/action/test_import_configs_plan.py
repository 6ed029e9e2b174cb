# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the import_configs_plan action: one light store_info read, the pending documents, and
the role's facts for a host that lacks nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail

try:
    from ansible.plugins.action import VariableLayer
except ImportError:  # ansible-core < 2.21
    VariableLayer = None

from ansible_collections.peernet.peergroup.plugins.action.__import_configs_plan import ActionModule as ImportPlanAction
from ansible_collections.peernet.peergroup.tests.unit.plugins.plugin_utils.import_documents import (
    GROUP,
    MEMBER,
    config_document,
    identity_document,
    store_holding,
)

IDENTITY = identity_document()
CONFIG = config_document()
# The role's variables as a target's task sees them, already templated.
HOST_VARS = {"inventory_hostname": "node1", "import_configs_password": "pw-of-node1", "import_configs_overwrite": "never"}


def make_action(args, store_result, check_mode=False):
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    action = ImportPlanAction(task, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
    action._execute_module = mock.MagicMock(return_value=store_result)
    action.register_host_variables = mock.MagicMock()
    action._templar.template = lambda value: value
    return action


def published_facts(action, result):
    if VariableLayer is None:
        # Before ansible-core 2.21 an action sets facts through its result only.
        action.register_host_variables.assert_not_called()
        return result.get("ansible_facts")
    layers = {call.args[1]: call.args[0] for call in action.register_host_variables.call_args_list}
    # Like set_fact: nothing cached as a host fact.
    assert layers.get(VariableLayer.CACHEABLE_FACT, {}) == {}
    return layers.get(VariableLayer.EPHEMERAL_FACT)


def test_the_store_is_read_once_without_verification():
    action = make_action({"documents": [IDENTITY], "store_path": "/srv/peernet"}, store_holding())
    action.run(task_vars=HOST_VARS)
    call = action._execute_module.call_args.kwargs
    assert call["module_name"] == "peernet.peergroup.store_info"
    assert call["module_args"] == {"verify": False, "store_path": "/srv/peernet"}


def test_without_store_path_the_module_default_applies():
    action = make_action({"documents": [IDENTITY]}, store_holding())
    action.run(task_vars=HOST_VARS)
    assert action._execute_module.call_args.kwargs["module_args"] == {"verify": False}


def test_a_host_that_lacks_a_document_gets_it_pending_and_no_facts():
    action = make_action({"documents": [IDENTITY, CONFIG]}, store_holding(identities=[MEMBER]))
    result = action.run(task_vars=HOST_VARS)
    assert result["pending"] == [CONFIG]
    assert result["changed"] is False
    assert "ansible_facts" not in result
    assert published_facts(action, result) is None


def test_a_host_that_lacks_nothing_gets_the_role_facts():
    store = store_holding(identities=[MEMBER], imported=[(GROUP, CONFIG["digest"])])
    action = make_action({"documents": [IDENTITY, CONFIG]}, store)
    result = action.run(task_vars=HOST_VARS)
    assert result["pending"] == []
    facts = published_facts(action, result)
    assert facts["import_configs_changed"] is False
    assert facts["import_configs_summary"]["line"] == "node1: imported 0, unchanged 2, refused 0"
    assert result["ansible_facts"] == facts


def test_check_mode_says_would_import():
    store = store_holding(identities=[MEMBER])
    action = make_action({"documents": [IDENTITY]}, store, check_mode=True)
    result = action.run(task_vars=HOST_VARS)
    assert published_facts(action, result)["import_configs_summary"]["line"] == "node1: would import 0, unchanged 1, refused 0"


def test_an_unreadable_store_leaves_every_document_pending_and_says_why():
    failed = {"failed": True, "msg": "store /srv/peernet is group-writable", "hresult": {"name": "PEER_E_NO_KEY_ACCESS"}}
    action = make_action({"documents": [IDENTITY, CONFIG]}, failed)
    result = action.run(task_vars=HOST_VARS)
    assert result["pending"] == [IDENTITY, CONFIG]
    assert result["store_problem"] == "store /srv/peernet is group-writable"
    assert "failed" not in result


def test_documents_are_required():
    action = make_action({"store_path": "/srv/peernet"}, store_holding())
    with pytest.raises(AnsibleActionFail, match="documents"):
        action.run(task_vars=HOST_VARS)
    action._execute_module.assert_not_called()


@pytest.mark.parametrize("wrong", [{"import_configs_overwrite": "sometimes"}, {"import_configs_fail_on_invalid": "perhaps"},
                                   {"import_configs_group_passwords": "pw-of-all-groups"}])
def test_a_wrong_role_variable_fails_the_host_before_its_store_is_read(wrong):
    action = make_action({"documents": [IDENTITY]}, store_holding())
    with pytest.raises(AnsibleActionFail, match="variables of role peernet.peergroup.import_configs failed") as failure:
        action.run(task_vars=dict(HOST_VARS, **wrong))
    assert sorted(wrong)[0] in str(failure.value)
    assert "pw-of" not in str(failure.value)
    action._execute_module.assert_not_called()


def test_check_mode_counts_what_the_export_would_write_and_reports_the_change():
    store = store_holding(identities=[MEMBER], imported=[(GROUP, CONFIG["digest"])])
    new_config = config_document("test-lab.peergroupconfig.xml", group="c" * 40 + ".test-lab")
    entry = {key: new_config[key] for key in ("kind", "label", "identity", "group")}
    args = {"documents": [IDENTITY, CONFIG], "expected": [dict(entry, digest=None)]}
    action = make_action(args, store, check_mode=True)
    result = action.run(task_vars=HOST_VARS)
    assert result["pending"] == [] and [document["label"] for document in result["predicted"]] == [new_config["label"]]
    assert result["changed"] is True
    facts = published_facts(action, result)
    assert facts["import_configs_changed"] is True
    assert facts["import_configs_summary"]["line"].startswith("node1: would import 1 (test-lab.peergroupconfig.xml")
    # A real run ignores the prediction: the export wrote the documents before.
    real = make_action(args, store).run(task_vars=HOST_VARS)
    assert real["predicted"] == [] and real["changed"] is False


_LOADED = """
import json, sys
import ansible.plugins.action
before = set(sys.modules)
from ansible_collections.peernet.peergroup.plugins.action import __import_configs_plan
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_the_per_host_action_loads_no_store_and_no_crypto():
    # It runs in a fresh worker for every target of a re-run: what it adds to Ansible's own imports, each target pays for.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    added = json.loads(subprocess.run([sys.executable, "-c", _LOADED], env=env, check=True, stdout=subprocess.PIPE).stdout)
    heavy = ("sqlite3", "cryptography", "lxml", "ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store")
    assert any(name.endswith("plugin_utils.import_report") for name in added)
    assert [name for name in added if name.startswith(heavy)] == []
