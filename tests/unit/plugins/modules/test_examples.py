# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every module's EXAMPLES pass the argument spec the module gives AnsibleModule.

The spec is taken from the module itself (its main() is run up to AnsibleModule(), which is
stopped there), or for a module that is only an action plugin from that plugin's
ARGUMENT_SPEC, so the check follows the code, not a copy. Templated values are plain strings
here: they pass where the option takes a string, as every templated value in EXAMPLES does.
"""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
from unittest import mock

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.peernet.peergroup.plugins import modules as modules_package

COLLECTION = "peernet.peergroup"
MODULE_NAMES = sorted(name for _finder, name, _is_package in pkgutil.iter_modules(modules_package.__path__))

# The AnsibleModule keywords that constrain options; the others (supports_check_mode...) do not.
CONSTRAINTS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")
TASK_LISTS = ("block", "rescue", "always")


class _Captured(Exception):
    def __init__(self, kwargs):
        super().__init__("AnsibleModule()")
        self.kwargs = kwargs


def _capture(_self, **kwargs):
    raise _Captured(kwargs)


def module_of(name):
    return importlib.import_module("%s.%s" % (modules_package.__name__, name))


def action_argument_spec(name):
    """ARGUMENT_SPEC of the action plugin ``name``, read from its source: module tests run on
    target Pythons, where the controller's ansible.plugins cannot be imported."""
    path = os.path.join(list(modules_package.__path__)[0], os.pardir, "action", name + ".py")
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "ARGUMENT_SPEC" for target in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("the action plugin %s has no ARGUMENT_SPEC" % name)


def validator_for(name):
    """An ArgumentSpecValidator built from the keywords the module passes to AnsibleModule."""
    if not hasattr(module_of(name), "main"):
        return ArgumentSpecValidator(action_argument_spec(name))
    with mock.patch.object(basic.AnsibleModule, "__init__", _capture):
        try:
            module_of(name).main()
        except _Captured as captured:
            kwargs = captured.kwargs
        else:
            raise AssertionError("%s.main() did not create an AnsibleModule" % name)
    constraints = dict((key, kwargs[key]) for key in CONSTRAINTS if key in kwargs)
    return ArgumentSpecValidator(kwargs["argument_spec"], **constraints)


def tasks_in(task_list):
    for task in task_list:
        yield task
        for key in TASK_LISTS:
            yield from tasks_in(task.get(key) or [])


def example_problems(examples, validators):
    """What is wrong with the tasks of one EXAMPLES text that call a module of the collection."""
    problems = []
    for task in tasks_in(yaml.safe_load(examples)):
        for action in (key for key in task if key.startswith(COLLECTION + ".")):
            where = "%s in task %r" % (action, task.get("name"))
            validator = validators.get(action[len(COLLECTION) + 1:])
            if validator is None:
                problems.append("%s: no such module" % where)
                continue
            result = validator.validate(dict(task[action] or {}))
            problems.extend("%s: %s" % (where, message) for message in result.error_messages)
    return problems


@pytest.fixture(scope="module")
def validators():
    return dict((name, validator_for(name)) for name in MODULE_NAMES)


def test_every_module_file_is_checked():
    files = os.listdir(list(modules_package.__path__)[0])
    assert MODULE_NAMES == sorted(name[:-3] for name in files if name.endswith(".py") and name != "__init__.py")


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_examples_match_the_argument_spec(name, validators):
    examples = module_of(name).EXAMPLES
    assert "%s.%s:" % (COLLECTION, name) in examples, "the examples of %s do not show it" % name
    assert example_problems(examples, validators) == []


GOOD = """
- name: Good
  peernet.peergroup.identity:
    classifier: "{{ node_classifier }}"
    key_size: 3072
- name: Not ours
  ansible.builtin.debug:
    msg: ignored
"""


@pytest.mark.parametrize(
    "task, expected",
    [
        ({"peernet.peergroup.identity": {"clasifier": "node"}}, "clasifier"),
        ({"peernet.peergroup.identity": {"classifier": "node", "key_size": 1024}}, "key_size"),
        ({"peernet.peergroup.identity": {"classifier": "node", "force": "maybe"}}, "force"),
        ({"peernet.peergroup.group": {"classifier": "farm"}}, "creator"),
        ({"peernet.peergroup.group": {"creator": "0.a", "classifier": "farm", "peer_name": "0.farm"}}, "mutually exclusive"),
        ({"peernet.peergroup.group_config_export": {"password": "x", "configs": [{"identity": "0.a"}]}}, "group"),
        ({"block": [{"name": "Wrong", "peernet.peergroup.store_info": {"path": "/tmp"}}]}, "path"),
        ({"peernet.peergroup.identities": {"classifier": "node"}}, "no such module"),
    ],
)
def test_a_wrong_example_is_reported(task, expected, validators):
    assert example_problems(GOOD, validators) == []
    problems = example_problems(GOOD + yaml.safe_dump([dict(task, name="Wrong")]), validators)
    assert problems and all("'Wrong'" in problem for problem in problems), problems
    assert any(expected in problem for problem in problems), problems
