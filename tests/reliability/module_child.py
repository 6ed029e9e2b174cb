# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run one of the collection's modules as Ansible would, after a start signal.

    python module_child.py MODULE ARGS.json

ARGS.json holds ``{"ANSIBLE_MODULE_ARGS": {...}}``.  The child imports the
module, prints ``ready``, waits for one line on stdin, then runs the module's
``main()`` exactly as ``python -m <module> ARGS.json`` would: the module prints
its JSON result and exits.  Used to start many real module runs at one moment.
"""

from __future__ import annotations

import importlib
import sys


def main():
    module_name, args_path = sys.argv[1], sys.argv[2]
    module = importlib.import_module("ansible_collections.peernet.peergroup.plugins.modules.%s" % module_name)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    sys.argv = [module.__file__, args_path]
    module.main()


if __name__ == "__main__":
    main()
