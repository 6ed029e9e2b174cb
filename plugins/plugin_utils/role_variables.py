# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.
"""A role's variables checked against the role's own argument spec, inside the role's per-host step.

Ansible validates a role's variables in a task of their own on every host, which costs what the
role's whole per-host work costs on a re-run. The collection's playbooks import the roles whose
first per-host step calls ``check`` with ``rolespec_validate: false``: the same spec, the same
validator, one task per host fewer. A play that runs the role with ``roles:`` gets both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import yaml
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENTRY_POINT = "main"


def argument_spec(role):
    """The options of the role's ``main`` entry point, from roles/<role>/meta/argument_specs.yml."""
    path = os.path.join(COLLECTION_ROOT, "roles", role, "meta", "argument_specs.yml")
    with open(path, "rb") as stream:
        specs = yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return specs["argument_specs"][ENTRY_POINT]["options"]


def _strings(value):
    """Every string a value holds (the passwords of a dict of passwords, say)."""
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (list, tuple, set)):
        return set().union(*(_strings(item) for item in value))
    return set() if value is None else set([str(value)])


def check(role, task_vars, template):
    """Fail, as Ansible's own validation would, when a variable of ``role`` in ``task_vars`` does not
    match the role's argument spec; ``template`` resolves the variables as the task sees them. The
    message names the variables and never holds the value of a ``no_log`` option."""
    spec = argument_spec(role)
    provided = dict((name, task_vars[name]) for name in spec if name in task_vars)
    if provided:
        provided = template(provided)
    errors = ArgumentSpecValidator(spec).validate(provided).error_messages
    if errors:
        secrets = set().union(*(_strings(provided.get(name)) for name, option in spec.items() if option.get("no_log")))
        raise AnsibleActionFail("Validation of the variables of role peernet.peergroup.%s failed: %s"
                                % (role, "; ".join(remove_values(errors, secrets))))
