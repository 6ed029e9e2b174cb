# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything public that the last release lacked says ``version_added``: the next release.

The released surface is recorded in released-surface.yml (taken from the tree of the release
commit with ``surface()`` below; re-record it at each release). The public surface is every
module (doc fragments merged), every documented filter and every role entry point; private
plugin files (``__*``) are left out, as ansible-doc leaves them out.
"""

from __future__ import annotations

import ast
import glob
import os
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
RELEASED = ROOT / "tests" / "unit" / "released-surface.yml"
NEXT_RELEASE = "0.2.0"
COLLECTION = "peernet.peergroup"


def _constants(path):
    """The string constants of a Python file, and of its classes, by name."""
    found = {}
    for node in ast.walk(ast.parse(pathlib.Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _keys(tree, children, prefix=""):
    """Each key of an options or return tree as a dotted path, with its own version_added."""
    for name, spec in (tree or {}).items():
        spec = spec or {}
        yield prefix + name, spec.get("version_added")
        yield from _keys(spec.get(children), children, prefix + name + ".")


def _fragment_options(root, name):
    # Only this collection's fragments have options; ansible.builtin's add attributes.
    if not name.startswith(COLLECTION + "."):
        return {}
    parts = name[len(COLLECTION) + 1:].split(".")
    constants = _constants(os.path.join(root, "plugins", "doc_fragments", parts[0] + ".py"))
    document = constants[parts[1].upper() if len(parts) > 1 else "DOCUMENTATION"]
    return yaml.safe_load(document).get("options") or {}


def surface(root):
    """{plugin: {"version_added": ..., "keys": {dotted key: version_added}}} of a collection tree."""
    found = {}
    for path in sorted(glob.glob(os.path.join(root, "plugins", "modules", "*.py"))):
        name = os.path.basename(path)[:-3]
        if name.startswith("__"):
            continue
        constants = _constants(path)
        doc = yaml.safe_load(constants["DOCUMENTATION"])
        options = {}
        for fragment in doc.get("extends_documentation_fragment") or []:
            options.update(_fragment_options(root, fragment))
        options.update(doc.get("options") or {})
        keys = dict(("option " + key, added) for key, added in _keys(options, "suboptions"))
        keys.update(("return " + key, added) for key, added in _keys(yaml.safe_load(constants.get("RETURN") or "{}"), "contains"))
        found["module " + name] = {"version_added": str(doc.get("version_added")), "keys": keys}
    for path in sorted(glob.glob(os.path.join(root, "plugins", "filter", "*.yml"))):
        with open(path, encoding="utf-8") as handle:
            docs = yaml.safe_load(handle)
        keys = dict(("option " + key, added) for key, added in _keys(docs["DOCUMENTATION"].get("options"), "suboptions"))
        keys.update(("return " + key, added) for key, added in _keys(docs.get("RETURN"), "contains"))
        found["filter " + docs["DOCUMENTATION"]["name"]] = {"version_added": str(docs["DOCUMENTATION"].get("version_added")), "keys": keys}
    for path in sorted(glob.glob(os.path.join(root, "roles", "*", "meta", "argument_specs.yml"))):
        role = path.split(os.sep)[-3]
        with open(path, encoding="utf-8") as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        for entry_point, spec in sorted(specs.items()):
            keys = dict(("option " + key, added) for key, added in _keys(spec.get("options"), "options"))
            found["role %s:%s" % (role, entry_point)] = {"version_added": str(spec.get("version_added")), "keys": keys}
    return found


def _released_keys():
    with open(RELEASED, encoding="utf-8") as handle:
        released = yaml.safe_load(handle)
    return released["release"], dict((plugin, set(keys)) for plugin, keys in released["plugins"].items())


def _problems(current, release, released):
    problems = []
    for plugin, info in sorted(current.items()):
        if plugin not in released:
            # A role's entry point has no version of its own; its options follow the rules below.
            if not plugin.startswith("role ") and info["version_added"] != NEXT_RELEASE:
                problems.append("%s is new since %s: version_added must be %s" % (plugin, release, NEXT_RELEASE))
            continue
        for key, added in sorted(info["keys"].items()):
            parent_is_new = any(key.startswith(other + ".") and other not in released[plugin] for other in info["keys"])
            if key in released[plugin]:
                if added is not None:
                    problems.append("%s %s was released in %s: no version_added" % (plugin, key, release))
            elif parent_is_new:
                if added is not None:
                    problems.append("%s %s: its parent already says version_added" % (plugin, key))
            elif str(added) != NEXT_RELEASE:
                problems.append("%s %s is new since %s: version_added must be %s" % (plugin, key, release, NEXT_RELEASE))
    return problems


def test_what_the_last_release_lacked_says_version_added():
    release, released = _released_keys()
    assert _problems(surface(str(ROOT)), release, released) == []


def main():
    """Print the surface of the tree given (a release commit's checkout) as released-surface.yml."""
    root, release = sys.argv[1:]
    plugins = dict((plugin, sorted(info["keys"])) for plugin, info in surface(root).items())
    print("# The public surface of release %s: python tests/unit/test_version_added.py <its tree> %s" % (release, release))
    print(yaml.safe_dump({"release": release, "plugins": plugins}, default_flow_style=False, sort_keys=True), end="")


if __name__ == "__main__":
    main()
