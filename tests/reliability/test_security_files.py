# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files the collection writes and reads, on the hosts and on the controller (issue 18, findings 9 and 10).

Each case runs a real module (``identity_export``) or an action plugin in a child process that
has a memory limit and a timeout, so a read without bound fails the test instead of the machine,
and a read that blocks fails it instead of hanging. A child that watches a file checks it at
every Python audit event (every open, chmod, rename…): the new document must never be there
with a mode other than 0600 or an owner other than the user, not even for a moment.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.documents import MAX_DOCUMENT_SIZE
from ansible_collections.peernet.peergroup.tests.unit.plugins.action.controller_files import VAULT_PASSWORD, vault_encrypt

FOREIGN_UID = 65534  # nobody
MEMORY_LIMIT = 1024 * 1024 * 1024
TIMEOUT = 60
DOCUMENT = '<PEERGROUPCONFIG VERSION="1.0">sealed</PEERGROUPCONFIG>'

CHILD = r"""
import atexit, importlib, json, os, resource, runpy, stat, sys
spec = json.loads(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (spec["memory"], spec["memory"]))
os.umask(spec["umask"])
watched = spec.get("watch")
if watched:
    exposures = []
    def hook(event, args):
        try:
            info = os.lstat(watched)
        except OSError:
            return
        if info.st_ino != spec["old_inode"] and (stat.S_IMODE(info.st_mode) != 0o600 or info.st_uid != os.geteuid()):
            exposures.append([event, oct(stat.S_IMODE(info.st_mode)), info.st_uid])
    sys.addaudithook(hook)
    atexit.register(lambda: sys.stderr.write("\nEXPOSURES %s\n" % json.dumps(exposures)))
if "module" in spec:
    sys.argv = [spec["module"], spec["args_path"]]
    runpy.run_module("ansible_collections.peernet.peergroup.plugins.modules." + spec["module"], run_name="__main__")
else:
    from unittest import mock
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import VaultSecret
    action_class = importlib.import_module("ansible_collections.peernet.peergroup.plugins.action." + spec["action"]).ActionModule
    task = mock.MagicMock()
    task.args = spec["args"]
    task.async_val = 0
    task.check_mode = False
    loader = DataLoader()
    loader.set_vault_secrets([("default", VaultSecret(spec["vault_password"].encode()))])
    action = action_class(task, mock.MagicMock(), mock.MagicMock(), loader, mock.MagicMock(), mock.MagicMock())
    action._find_needle = lambda folder, path: path
    action._execute_module = lambda module_args=None, task_vars=None: dict(spec["module_result"], module_args=module_args)
    print(json.dumps(action.run(task_vars={})))
"""


def run_child(spec, watch=None, umask=0o022):
    """Run CHILD with ``spec``; return ``(last JSON line of stdout, exposures of watch or None)``."""
    spec = dict(spec, memory=MEMORY_LIMIT, umask=umask)
    if watch is not None:
        spec.update(watch=watch, old_inode=os.lstat(watch).st_ino if os.path.lexists(watch) else None)
    try:
        completed = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], capture_output=True, text=True,
                                   timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the run hung for %d s (a blocking read)" % TIMEOUT)
    output = completed.stdout + completed.stderr
    assert "Traceback" not in output and "MemoryError" not in output, output[-3000:]
    exposures = None
    for line in completed.stderr.splitlines():
        if line.startswith("EXPOSURES "):
            exposures = json.loads(line[len("EXPOSURES "):])
    return json.loads(completed.stdout.strip().splitlines()[-1]), exposures


def export_identity(world, tmp_path, dest, watch=None, umask=0o022):
    """Run the real identity_export module to ``dest`` on a copy of the world's store (in ``tmp_path``/work)."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    store = str(work / "store")
    if not os.path.exists(store):
        world.fresh_target(store)
    args_path = str(work / "args.json")
    with open(args_path, "w", encoding="utf-8") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": {"store_path": store, "identity": world.owner.name, "password": world.password,
                                           "dest": dest}}, handle)
    return run_child({"module": "identity_export", "args_path": args_path}, watch=watch, umask=umask)


def foreign(path):
    if os.geteuid() != 0:
        pytest.skip("making a file foreign-owned needs root")
    os.chown(path, FOREIGN_UID, -1, follow_symlinks=False)


def state(path):
    """What a refusal must leave alone: kind, mode, owner, link target or content."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return info.st_mode, info.st_uid, os.readlink(path)
    if stat.S_ISREG(info.st_mode):
        with open(path, "rb") as handle:
            return info.st_mode, info.st_uid, handle.read()
    return info.st_mode, info.st_uid


# --- finding 9: writes ------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_a_new_host_export_is_never_visible_with_a_loose_mode(world, tmp_path, umask):
    dest = str(tmp_path / "out" / "me.identity.xml")
    os.mkdir(os.path.dirname(dest))
    result, exposures = export_identity(world, tmp_path, dest, watch=dest, umask=umask)
    assert result["changed"] is True and not result.get("failed"), result
    assert exposures == [], "the document was visible as %s" % exposures
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert os.listdir(os.path.dirname(dest)) == ["me.identity.xml"]


def test_a_replaced_host_export_never_takes_the_old_files_loose_mode(world, tmp_path):
    dest = str(tmp_path / "me.identity.xml")
    with open(dest, "w") as handle:
        handle.write("not a document")
    os.chmod(dest, 0o644)
    result, exposures = export_identity(world, tmp_path, dest, watch=dest)
    assert result["changed"] is True and not result.get("failed"), result
    assert exposures == [], "the new document was visible as %s" % exposures
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600


def planted_by_another_user(path):
    with open(path, "w") as handle:
        handle.write("planted")
    foreign(path)


def symlink_to_own_file(path):
    target = path + ".target"
    with open(target, "w") as handle:
        handle.write("not a document")
    os.chmod(target, 0o644)
    os.symlink(target, path)


def directory(path):
    os.mkdir(path)


def fifo(path):
    os.mkfifo(path)


def oversize_document(path):
    # A regular file of this user, one byte over the document limit, sparse: cheap to make.
    with open(path, "wb") as handle:
        handle.truncate(MAX_DOCUMENT_SIZE + 1)


HOST_DESTS = {
    # finding 9
    planted_by_another_user: "E_ACCESSDENIED",
    symlink_to_own_file: "E_INVALIDARG",
    directory: "E_INVALIDARG",
    # finding 10
    fifo: "E_INVALIDARG",
    oversize_document: "E_INVALIDARG",
}


@pytest.mark.parametrize("make", list(HOST_DESTS), ids=[make.__name__ for make in HOST_DESTS])
def test_a_host_dest_that_is_not_an_own_regular_document_is_refused(world, tmp_path, make):
    files = tmp_path / "files"
    files.mkdir()
    dest = str(files / "dest.xml")
    make(dest)
    before = {name: state(str(files / name)) for name in os.listdir(str(files))}
    result, _exposures = export_identity(world, tmp_path, dest)
    assert result.get("failed") and result["hresult"]["name"] == HOST_DESTS[make], result
    assert "dest.xml" in result["msg"] and world.password not in json.dumps(result)
    assert {name: state(str(files / name)) for name in os.listdir(str(files))} == before


def test_a_host_dest_that_is_a_device_is_refused_unread(world, tmp_path):
    result, _exposures = export_identity(world, tmp_path, "/dev/zero")
    assert result.get("failed") and result["hresult"]["name"] == "E_INVALIDARG", result


def export_action(path):
    args = dict(password="unit-document-password", identity="i", group="g", controller_dest=path)
    return {"action": "group_config_export", "args": args, "vault_password": "unused",
            "module_result": dict(changed=False, configs=[dict(changed=False, config_xml=DOCUMENT)], config_xml=DOCUMENT)}


def same_document_behind_a_symlink(path):
    target = path + ".target"
    with open(target, "w") as handle:
        handle.write(DOCUMENT)
    os.chmod(target, 0o644)
    os.symlink(target, path)


def same_document_planted_by_another_user(path):
    with open(path, "w") as handle:
        handle.write(DOCUMENT)
    os.chmod(path, 0o644)
    foreign(path)


CONTROLLER_DESTS = {
    # finding 9
    same_document_behind_a_symlink: "E_INVALIDARG",
    same_document_planted_by_another_user: "E_ACCESSDENIED",
    planted_by_another_user: "E_ACCESSDENIED",
    # finding 10
    fifo: "E_INVALIDARG",
}


@pytest.mark.parametrize("make", list(CONTROLLER_DESTS), ids=[make.__name__ for make in CONTROLLER_DESTS])
def test_a_controller_dest_that_is_not_an_own_regular_document_is_refused(tmp_path, make):
    dest = str(tmp_path / "dest.xml")
    make(dest)
    before = {name: state(str(tmp_path / name)) for name in os.listdir(str(tmp_path))}
    result, _exposures = run_child(export_action(dest))
    assert result.get("failed") and result["hresult"]["name"] == CONTROLLER_DESTS[make], result
    assert "dest.xml" in result["msg"]
    assert "module_args" not in result, "the module ran before the controller_dest was checked"
    assert {name: state(str(tmp_path / name)) for name in os.listdir(str(tmp_path))} == before


def test_a_new_controller_dest_is_never_visible_with_a_loose_mode(tmp_path):
    dest = str(tmp_path / "dest.xml")
    result, exposures = run_child(export_action(dest), watch=dest, umask=0o000)
    assert result["controller_changed"] is True and not result.get("failed"), result
    assert exposures == [], "the document was visible as %s" % exposures
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600


def test_an_oversize_controller_dest_of_the_user_is_replaced(tmp_path):
    """Only compared with the document, never parsed: a longer file differs, as it did."""
    dest = str(tmp_path / "dest.xml")
    oversize_document(dest)
    result, _exposures = run_child(export_action(dest))
    assert result["controller_changed"] is True and not result.get("failed"), result
    with open(dest) as handle:
        assert handle.read() == DOCUMENT


# --- finding 10: reads on the controller ------------------------------------------------------


def import_action(src):
    return {"action": "group_config_import", "args": dict(password="unit-document-password", src=src),
            "vault_password": VAULT_PASSWORD.decode(), "module_result": dict(changed=True)}


def oversize_vault_document(path):
    with open(path, "wb") as handle:
        handle.write(vault_encrypt(b"<" * (MAX_DOCUMENT_SIZE + 1)))


CONTROLLER_SOURCES = {
    "dev_zero": lambda path: "/dev/zero",
    "fifo": lambda path: fifo(path) or path,
    "directory": lambda path: directory(path) or path,
    "oversize": lambda path: oversize_document(path) or path,
    "oversize_vault": lambda path: oversize_vault_document(path) or path,
}


@pytest.mark.parametrize("name", list(CONTROLLER_SOURCES))
def test_a_controller_src_that_is_not_a_regular_document_is_refused(tmp_path, name):
    src = CONTROLLER_SOURCES[name](str(tmp_path / "src.xml"))
    result, _exposures = run_child(import_action(src))
    assert result.get("failed") and result["hresult"]["name"] == "E_INVALIDARG", result
    assert "module_args" not in result, "the module ran with the document"


def test_a_controller_src_within_the_limit_is_read_also_from_vault(tmp_path):
    """The control case: the bounded reader still reads documents, plain, vaulted and behind a symlink."""
    plain, vaulted, link = (str(tmp_path / name) for name in ("plain.xml", "vaulted.xml", "link.xml"))
    with open(plain, "w") as handle:
        handle.write(DOCUMENT)
    with open(vaulted, "wb") as handle:
        handle.write(vault_encrypt(DOCUMENT.encode()))
    os.symlink(plain, link)
    for src in (plain, vaulted, link):
        result, _exposures = run_child(import_action(src))
        assert result["module_args"] == dict(password="unit-document-password", config_xml=DOCUMENT), result
