# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that ansible-doc finds every plugin and role of an installed collection.

Usage: check_installed.py SOURCE COLLECTION

Run with ANSIBLE_COLLECTIONS_PATH holding only the installed tarball. The names expected are
read from the source tree SOURCE (plugins/modules/*.py, plugins/filter/*.yml, the entry points of
roles/*/meta/argument_specs.yml), so a plugin the build leaves out, or whose documentation does
not load from the tarball, is reported by name. Private plugin files (named __*.py) must be in
the tarball and must not be listed.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import yaml


def ansible_doc(*args):
    """ansible-doc's JSON answer; an empty one when it fails (it names the reason on stderr)."""
    process = subprocess.run(["ansible-doc", "--json", *args], capture_output=True, text=True, check=False)
    if process.returncode:
        print("install-check: ansible-doc %s: %s" % (" ".join(args), process.stderr.strip()), file=sys.stderr)
        return {}
    return json.loads(process.stdout)


def stems(pattern, private=False):
    """The public plugin names of the files matching ``pattern`` or, with ``private``, the private ones."""
    names = (os.path.splitext(os.path.basename(path))[0] for path in glob.glob(pattern) if not path.endswith("__init__.py"))
    return sorted(name for name in names if name.startswith("__") == private)


def private_files(source, installed):
    """The private plugin files of SOURCE, and those of them missing from INSTALLED."""
    paths = sorted(os.path.relpath(path, source) for path in glob.glob(os.path.join(source, "plugins", "*", "__*.py"))
                   if not path.endswith("__init__.py"))
    return paths, [path for path in paths if not os.path.isfile(os.path.join(installed, path))]


def expected_entry_points(source):
    roles = {}
    for spec_path in sorted(glob.glob(os.path.join(source, "roles", "*", "meta", "argument_specs.yml"))):
        with open(spec_path, encoding="utf-8") as handle:
            roles[spec_path.split(os.sep)[-3]] = sorted(yaml.safe_load(handle)["argument_specs"])
    return roles


def check(source, collection, installed):
    problems = []
    modules = ["%s.%s" % (collection, name) for name in stems(os.path.join(source, "plugins", "modules", "*.py"))]
    filters = ["%s.%s" % (collection, name) for name in stems(os.path.join(source, "plugins", "filter", "*.yml"))]

    listed = sorted(ansible_doc("-t", "module", "-l", collection))
    if listed != modules:
        problems.append("modules listed by ansible-doc: %s, expected: %s" % (listed, modules))
    # The full documentation of each module, which needs the doc fragment from the tarball.
    docs = ansible_doc("-t", "module", *modules)
    problems.extend("no documentation for %s" % name for name in modules if not (docs.get(name) or {}).get("doc", {}).get("options"))

    listed = sorted(ansible_doc("-t", "filter", "-l", collection))
    if listed != filters:
        problems.append("filters listed by ansible-doc: %s, expected: %s" % (listed, filters))

    # ansible-doc -l skips names starting with "__": the roles' private plugins stay unlisted.
    private, missing = private_files(source, installed)
    problems.extend("private plugin missing from the tarball: %s" % path for path in missing)

    roles = expected_entry_points(source)
    for role, entry_points in roles.items():
        name = "%s.%s" % (collection, role)
        shown = sorted((ansible_doc("-t", "role", name).get(name) or {}).get("entry_points", {}))
        if shown != entry_points:
            problems.append("entry points of role %s shown by ansible-doc: %s, expected: %s" % (name, shown, entry_points))
    return problems, "%d modules, %d filters, %d roles (and %d private plugin files)" % (len(modules), len(filters), len(roles), len(private))


def main():
    source, collection = sys.argv[1:]
    installed = os.path.join(os.getcwd(), "ansible_collections", *collection.split("."))
    problems, summary = check(source, collection, installed)
    for problem in problems:
        print("install-check: %s" % problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print("install-check: ansible-doc finds %s of the installed %s" % (summary, collection))


if __name__ == "__main__":
    main()
