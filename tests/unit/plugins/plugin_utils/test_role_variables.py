# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the role variables' check in the roles' per-host steps, and of the playbooks that
rely on it instead of Ansible's validation task."""

from __future__ import annotations

import glob
import os
import re

import pytest
import yaml
from ansible.errors import AnsibleActionFail

from ansible_collections.peernet.peergroup.plugins.plugin_utils import role_variables

ROOT = role_variables.COLLECTION_ROOT


def _untemplated(value):
    return value


def test_the_spec_is_the_roles_own_main_entry_point():
    spec = role_variables.argument_spec("enroll_members")
    assert spec["enroll_members_renew_days"]["type"] == "int"
    assert set(spec) == set(yaml.safe_load(open(os.path.join(ROOT, "roles", "enroll_members", "meta", "argument_specs.yml")))
                            ["argument_specs"]["main"]["options"])


def test_a_wrong_variable_fails_naming_it_and_what_it_must_be():
    with pytest.raises(AnsibleActionFail) as failure:
        role_variables.check("enroll_members", {"enroll_members_renew_days": "soon", "enroll_members_roles": ["owner"]}, _untemplated)
    message = str(failure.value)
    assert message.startswith("Validation of the variables of role peernet.peergroup.enroll_members failed: ")
    assert "enroll_members_renew_days" in message and "int" in message
    assert "enroll_members_roles" in message and "administrator, inviting-member, member" in message


def test_the_variables_are_checked_as_the_task_sees_them():
    seen = []

    def template(variables):
        seen.append(variables)
        return dict(variables, enroll_members_renew_days=30)

    role_variables.check("enroll_members", {"enroll_members_renew_days": "{{ renew }}", "inventory_hostname": "m1"}, template)
    assert seen == [{"enroll_members_renew_days": "{{ renew }}"}]
    with pytest.raises(AnsibleActionFail):
        role_variables.check("enroll_members", {"enroll_members_renew_days": "{{ renew }}"}, _untemplated)


def test_a_host_without_role_variables_is_not_templated():
    def template(variables):
        raise AssertionError("nothing to template")

    role_variables.check("enroll_members", {"inventory_hostname": "m1", "import_configs_overwrite": "sometimes"}, template)


class _QuotingValidator(object):
    """Quotes every value it is given, as newer ansible-core messages do for a value they cannot convert."""

    def __init__(self, spec):
        self.spec = spec

    def validate(self, parameters):
        messages = ["argument %r is wrong: %r" % (name, value) for name, value in sorted(parameters.items())]
        return type("Result", (), {"error_messages": messages})()


def test_the_value_of_a_no_log_variable_never_appears(monkeypatch):
    spec = {"pin": {"type": "int", "no_log": True}, "pins": {"type": "dict", "no_log": True}, "tries": {"type": "int"},
            "retries": {"type": "int"}}
    monkeypatch.setattr(role_variables, "argument_spec", lambda role: spec)
    monkeypatch.setattr(role_variables, "ArgumentSpecValidator", _QuotingValidator)
    variables = {"pin": "hunter2-pin", "pins": {"lab": ["hunter3-pin"]}, "tries": "hunter3-pin", "retries": "many"}
    with pytest.raises(AnsibleActionFail) as failure:
        role_variables.check("enroll_members", variables, _untemplated)
    message = str(failure.value)
    assert "'pin'" in message and "'tries'" in message
    assert "hunter2-pin" not in message and "hunter3-pin" not in message
    assert "many" in message


def _playbook_role_imports():
    for path in sorted(glob.glob(os.path.join(ROOT, "playbooks", "*.yml"))):
        for play in yaml.safe_load(open(path)) or []:
            for task in play.get("tasks") or []:
                include = task.get("ansible.builtin.import_role") or task.get("ansible.builtin.include_role")
                if include is not None:
                    yield os.path.basename(path), include


def test_a_playbook_turns_off_ansibles_check_only_for_a_role_that_checks_its_variables_itself():
    checking = set()
    for path in glob.glob(os.path.join(ROOT, "plugins", "action", "*.py")):
        source = open(path).read()
        role = re.search(r'^ROLE = "(\w+)"$', source, re.MULTILINE)
        if role and "role_variables.check(ROLE, task_vars" in source:
            checking.add(role.group(1))
    unchecked = [(playbook, include["name"]) for playbook, include in _playbook_role_imports()
                 if include.get("rolespec_validate") is False and include["name"].split(".")[-1] not in checking]
    assert checking >= {"enroll_members", "import_configs"}
    assert unchecked == []
