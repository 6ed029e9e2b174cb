# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module processes compile the core from the AnsiballZ zip each time: what a module does not use stays out."""

from __future__ import annotations

import json
import os
import subprocess
import sys

CORE = "ansible_collections.peernet.peergroup.plugins.module_utils._peergroup"

# The core imports of the group_config_import module and of module_support (without ansible,
# which the core's tests run without), then what they loaded.
_LOADED = """
import json, sys
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import deps, errors, fileio, store
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache
print(json.dumps(sorted(sys.modules)))
"""


def test_a_group_configuration_import_does_not_load_the_pkcs12_code():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    output = subprocess.run([sys.executable, "-c", _LOADED], env=env, check=True, stdout=subprocess.PIPE).stdout
    loaded = json.loads(output)
    assert CORE + ".documents" in loaded
    assert CORE + ".pfx" not in loaded
