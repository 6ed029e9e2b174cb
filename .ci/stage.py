# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mirror the collection into build/ansible_collections/peernet/peergroup for ansible-test.

Usage: stage.py SOURCE DEST

A copy, not a symlink: ansible-test and pytest resolve the working directory to its real path,
which must lie under ansible_collections/<namespace>/<name>/. The copy holds what git would
(files matched by SOURCE/.gitignore are left out, and so is .git), is updated in place (only
changed files are copied, stale ones removed) and keeps DEST/tests/output, where ansible-test
keeps its results and the virtual environments it made for the target Pythons.
"""

from __future__ import annotations

import os
import shutil
import sys

import pathspec

KEEP = ("tests/output",)


def ignore_spec(source):
    lines = [".git/"]
    try:
        with open(os.path.join(source, ".gitignore"), encoding="utf-8") as handle:
            lines.extend(handle.read().splitlines())
    except FileNotFoundError:
        pass
    return pathspec.GitIgnoreSpec.from_lines(lines)


def wanted_paths(source, dest):
    """Relative paths of the files and symlinks to stage, and of the folders holding them."""
    spec = ignore_spec(source)
    dest_rel = os.path.relpath(dest, source)
    files, dirs = set(), set()
    for root, dir_names, file_names in os.walk(source):
        rel_root = os.path.relpath(root, source)
        rel_root = "" if rel_root == "." else rel_root
        kept_dirs = []
        for name in sorted(dir_names):
            rel = os.path.join(rel_root, name)
            if rel == dest_rel or spec.match_file(rel + "/"):
                continue
            if os.path.islink(os.path.join(root, name)):
                files.add(rel)
            else:
                kept_dirs.append(name)
                dirs.add(rel)
        dir_names[:] = kept_dirs
        files.update(os.path.join(rel_root, name) for name in file_names if not spec.match_file(os.path.join(rel_root, name)))
    return files, dirs


def same_file(src, dst):
    if os.path.islink(src) or os.path.islink(dst):
        return os.path.islink(src) and os.path.islink(dst) and os.readlink(src) == os.readlink(dst)
    try:
        a, b = os.stat(src), os.stat(dst)
    except FileNotFoundError:
        return False
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime) and a.st_mode == b.st_mode


def kept(rel):
    return any(rel == keep or rel.startswith(keep + "/") for keep in KEEP)


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def stage(source, dest):
    source, dest = os.path.abspath(source), os.path.abspath(dest)
    files, dirs = wanted_paths(source, dest)
    os.makedirs(dest, exist_ok=True)

    # Remove what is no longer in the source (deepest first), or changed kind.
    for root, dir_names, file_names in os.walk(dest, topdown=False):
        rel_root = os.path.relpath(root, dest)
        rel_root = "" if rel_root == "." else rel_root
        for name in file_names + dir_names:
            rel = os.path.join(rel_root, name)
            path = os.path.join(dest, rel)
            if kept(rel) or (rel in dirs and os.path.isdir(path) and not os.path.islink(path)):
                continue
            if rel in files and (os.path.islink(path) or os.path.isfile(path)):
                continue
            if os.path.lexists(path):
                remove(path)

    for rel in sorted(dirs):
        os.makedirs(os.path.join(dest, rel), exist_ok=True)
    copied = 0
    for rel in sorted(files):
        src, dst = os.path.join(source, rel), os.path.join(dest, rel)
        if same_file(src, dst):
            continue
        if os.path.lexists(dst):
            os.unlink(dst)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
        copied += 1
    print("stage: %s (%d files, %d updated)" % (os.path.relpath(dest), len(files), copied))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    stage(sys.argv[1], sys.argv[2])
