# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.deps import controller_problem
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError


def config_info(document):
    """Public facts of a PEERGROUPCONFIG or PEERIDENTITYEXPORT, read without the password."""
    problem = controller_problem("peernet.peergroup.config_info")
    if problem:
        raise AnsibleFilterError(problem)
    if not isinstance(document, (str, bytes)):
        raise AnsibleFilterError("peernet.peergroup.config_info expects the document's text, got %s" % type(document).__name__)
    try:
        return configs.describe_document(to_bytes(document, errors="surrogate_or_strict"))
    except PeerError as exc:
        return {"valid": False, "problem": exc.message, "hresult": exc.as_dict(), "document_type": None}


class FilterModule(object):
    def filters(self):
        return {"config_info": config_info}
