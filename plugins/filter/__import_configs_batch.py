# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.import_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.peernet.peergroup.plugins.plugin_utils.import_report import batch_plans


def import_configs_batch(hosts, hostvars, plan):
    """The import_configs decision for a batch: one pass over the hosts' registered plans."""
    if isinstance(hosts, str) or not all(isinstance(host, str) for host in hosts):
        raise AnsibleFilterError("peernet.peergroup.import_configs_batch expects a list of host names")
    return batch_plans({host: hostvars[host].get(plan) for host in hosts})


class FilterModule(object):
    def filters(self):
        return {"import_configs_batch": import_configs_batch}
