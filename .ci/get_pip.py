# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-in for the get-pip.py script that ansible-test bootstraps its virtual environments with.

ansible-test (--venv, and the sanity tests' own environments) downloads get-pip.py from a host
that this project's machines cannot reach; the Makefile installs this file in its cache
(~/.ansible/test/cache/get_pip_<version>.py) instead. It takes the same arguments as get-pip.py:
pip install options and requirements (e.g. ``pip==25.2``), plus ``--no-setuptools`` and
``--no-wheel``. pip comes from the interpreter's own ``ensurepip``, then pip installs the
requested version from the package index.
"""

from __future__ import annotations

import subprocess
import sys

OWN_OPTIONS = ("--no-setuptools", "--no-wheel")


def main(argv):
    pip_args = [arg for arg in argv if arg not in OWN_OPTIONS]
    # A child process: ensurepip clears the pip configuration (index, certificates) of its own process.
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
    # ensurepip of Python < 3.12 also installs setuptools, which get-pip.py would have left out.
    if "--no-setuptools" in argv:
        subprocess.call([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", "setuptools"], stdout=subprocess.DEVNULL)
    return subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade"] + pip_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
