# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to roles peernet.peergroup.export_configs and import_configs and to the playbook
# peernet.peergroup.distribute; do not use directly. The leading __ keeps it out of ansible-doc's lists.

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleError, AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.configs import OVERWRITE_POLICIES
from ansible_collections.peernet.peergroup.plugins.plugin_utils.controller_folder import controller_folder, default_documents_dir


def _password_problem(name, value, required):
    # Only the variable's name and type ever go into a message, never its value.
    if value is None:
        if required:
            return ("%s is not set: the playbook needs the document password. Set it in the inventory from "
                    "Ansible Vault (docs/guide-vault.md)" % name)
        return None
    if not isinstance(value, str) or not value:
        return "%s must be a non-empty string" % name
    return None


def distribute_settings(variables, inventory_sources=()):
    """The variables of the distribute playbook, checked before any host is touched.

    ``variables`` maps each ``peergroup_*`` name to its value (None when unset). Returns the
    non-secret settings ``documents_dir`` (absolute), ``overwrite`` and ``rekey`` (bool), or
    fails once naming every variable that is wrong.
    """
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError("peernet.peergroup.distribute_settings expects a dict of the playbook's variables")
    problems = [
        _password_problem("peergroup_password", variables.get("peergroup_password"), required=True),
        _password_problem("peergroup_identity_password", variables.get("peergroup_identity_password"), required=False),
    ]
    group_passwords = variables.get("peergroup_group_passwords")
    if group_passwords is None:
        group_passwords = {}
    if not isinstance(group_passwords, Mapping):
        problems.append("peergroup_group_passwords must be a dict {group peer name or classifier: password}")
    else:
        problems.extend(
            _password_problem("peergroup_group_passwords[%s]" % group, password, required=True)
            for group, password in sorted(group_passwords.items(), key=lambda entry: str(entry[0]))
        )

    overwrite = variables.get("peergroup_overwrite")
    if overwrite is None:
        overwrite = "if_newer"
    if overwrite not in OVERWRITE_POLICIES:
        problems.append("peergroup_overwrite is %r; use one of %s" % (overwrite, ", ".join(OVERWRITE_POLICIES)))

    rekey = variables.get("peergroup_rekey")
    try:
        rekey = boolean(False if rekey is None else rekey, strict=True)
    except TypeError:
        problems.append("peergroup_rekey is %r; use true or false" % (rekey,))

    documents_dir = variables.get("peergroup_documents_dir") or default_documents_dir()
    try:
        documents_dir = controller_folder(documents_dir, inventory_sources, "peergroup_documents_dir")
    except AnsibleError as exc:
        problems.append(exc.message)

    problems = [problem for problem in problems if problem]
    if problems:
        raise AnsibleFilterError("peernet.peergroup.distribute: %s. No host was touched." % "; ".join(problems))
    return {"documents_dir": documents_dir, "overwrite": overwrite, "rekey": rekey}


class FilterModule(object):
    def filters(self):
        return {"distribute_settings": distribute_settings}
