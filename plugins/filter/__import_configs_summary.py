# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to role peernet.peergroup.import_configs; do not use directly.
# The leading __ keeps it out of ansible-doc's lists; it may change in any release.

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.peernet.peergroup.plugins.plugin_utils.import_report import summarize


def import_configs_summary(documents, host, pending=(), identity_results=(), config_results=None, check_mode=False, refusal=None, names=None,
                           predicted=()):
    """What importing ``documents`` on ``host`` did, as the import_configs role reports it."""
    if not isinstance(documents, list) or not all(isinstance(document, Mapping) for document in documents):
        raise AnsibleFilterError("peernet.peergroup.import_configs_summary expects the role's list of documents")
    # A skipped task registers no per-item results.
    results = identity_results.get("results", []) if isinstance(identity_results, Mapping) else identity_results
    if names is not None and not isinstance(names, Mapping):
        raise AnsibleFilterError("peernet.peergroup.import_configs_summary expects names as a dict")
    return summarize(host, documents, list(pending), results, config_results, bool(check_mode), refusal, names, list(predicted))


class FilterModule(object):
    def filters(self):
        return {"import_configs_summary": import_configs_summary}
