# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets stay secret at -vvvv; keys 0600, folders 0700 (issue item 5).

playbooks/secrets.yml exports an identity and a group configuration and
imports them into a second store, the password coming from a vault-encrypted
vars file.  It runs under ``ansible-playbook -vvvv --diff`` with umask 022, its
own log file and its own local/remote temp folders.  Then everything it left
is scanned for the password, the vault password, PEM markers and the private
keys (DER, in hex and in base64 at each of the three byte alignments):

* stdout, stderr and the log file;
* every registered result (results.json);
* the exported documents;
* the temp folders (which must be empty: ANSIBLE_KEEP_REMOTE_FILES is not set);
* the store files, for the password and PEM markers only: store.db holds the
  private keys as DER by design, protected by its 0600 mode.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys

import pytest

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store

PLAYBOOK = os.path.join(kit.HERE, "playbooks", "secrets.yml")
PEM_MARKERS = [b"-----BEGIN", b"PRIVATE KEY-----"]
MASK = re.compile(rb"(?<!\*)\*{8}(?!\*)")
BANNER = re.compile(rb"^(PLAY|TASK|HANDLER|RUNNING HANDLER|PLAYBOOK|PLAY RECAP)\b.*\*+$")


def collections_path():
    """The ansible_collections root this test imports the collection from."""
    import ansible_collections.peernet.peergroup as collection

    root = os.path.dirname(os.path.dirname(os.path.dirname(list(collection.__path__)[0])))
    return os.environ.get("ANSIBLE_COLLECTIONS_PATH", root)


def tool(name):
    beside = os.path.join(os.path.dirname(sys.executable), name)
    found = beside if os.path.exists(beside) else shutil.which(name)
    if not found:
        pytest.skip("%s is not installed" % name)
    return found


def key_needles(der):
    """Byte strings that would give away ``der``: slices of it raw, as hex and as base64 at every alignment."""
    middle = der[len(der) // 3: len(der) // 3 + 48]
    needles = [middle, middle.hex().encode("ascii"), middle.hex().upper().encode("ascii")]
    for shift in range(3):
        encoded = base64.b64encode(der[len(der) // 3 + shift:])[:40]
        needles.append(encoded)
    return needles


def scan(paths, needles):
    """``[(path, needle-label)]`` for every needle found in any file under ``paths``."""
    hits = []
    scanned = 0
    for top in paths:
        candidates = [top] if os.path.isfile(top) else [
            os.path.join(directory, name) for directory, _dirs, names in os.walk(top) for name in names
        ]
        for path in candidates:
            with open(path, "rb") as handle:
                data = handle.read()
            scanned += len(data)
            for label, needle in needles:
                if needle in data:
                    hits.append((path, label))
    return hits, scanned


def run_playbook(tmp_path, password, umask):
    inputs = tmp_path / "inputs"
    work = tmp_path / "work"
    temps = {name: tmp_path / name for name in ("local-temp", "remote-temp", "ansible-home")}
    for folder in [inputs, work] + list(temps.values()):
        folder.mkdir(mode=0o700)
    vault_password = "vault-" + secrets.token_urlsafe(24)
    vault_file = inputs / "vault-password"
    vault_file.write_text(vault_password + "\n", encoding="utf-8")
    vault_file.chmod(0o600)
    secret_vars = inputs / "secret.yml"
    secret_vars.write_text("peernet_password: %s\n" % password, encoding="utf-8")
    inventory = inputs / "inventory"
    inventory.write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable, encoding="utf-8"
    )
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path(),
        ANSIBLE_LOCAL_TEMP=str(temps["local-temp"]),
        ANSIBLE_REMOTE_TEMP=str(temps["remote-temp"]),
        ANSIBLE_HOME=str(temps["ansible-home"]),
        ANSIBLE_LOG_PATH=str(tmp_path / "ansible.log"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    env.pop("ANSIBLE_KEEP_REMOTE_FILES", None)
    env.pop("ANSIBLE_DEBUG", None)
    subprocess.run(
        [tool("ansible-vault"), "encrypt", "--vault-password-file", str(vault_file), str(secret_vars)],
        check=True, env=env, cwd=str(inputs), capture_output=True,
    )
    assert password.encode() not in secret_vars.read_bytes()
    completed = subprocess.run(
        [
            tool("ansible-playbook"), "-vvvv", "--diff",
            "-i", str(inventory),
            "--vault-password-file", str(vault_file),
            "-e", "@%s" % secret_vars,
            "-e", "peernet_work=%s" % work,
            PLAYBOOK,
        ],
        env=env, cwd=str(work), capture_output=True, umask=umask, timeout=900, check=False,
    )
    (tmp_path / "stdout.txt").write_bytes(completed.stdout)
    (tmp_path / "stderr.txt").write_bytes(completed.stderr)
    assert completed.returncode == 0, completed.stdout.decode("utf-8", "replace")[-6000:]
    return work, temps, vault_password


def private_keys(store_path):
    with contextlib.closing(Store.open(str(store_path), create=False)) as store:
        keys = [record.private_key for record in store.list_identities()]
        keys += [record.group_key for record in store.list_memberships() if record.group_key]
    return keys


def test_playbook_at_vvvv_leaks_no_secret(tmp_path):
    password = "pw-" + secrets.token_urlsafe(32)
    work, temps, vault_password = run_playbook(tmp_path, password, umask=0o022)

    secret_needles = [("password", password.encode()), ("vault password", vault_password.encode())]
    secret_needles += [("PEM marker %s" % marker.decode(), marker) for marker in PEM_MARKERS]
    # The password of DATA opens the identity's key as well as the export password does.
    identity_export = (work / "exports" / "owner.identity.xml").read_bytes()
    secret_needles.append(("PKCS#12 password", documents.identity_pkcs12_password(identity_export, password).encode()))
    keys = list(dict.fromkeys(private_keys(work / "source") + private_keys(work / "target")))
    assert len(keys) == 2  # the owner's key and the group key, on both stores
    key_needle_list = [("private key %d" % index, needle) for index, der in enumerate(keys) for needle in key_needles(der)]

    outputs = [str(tmp_path / "stdout.txt"), str(tmp_path / "stderr.txt"), str(tmp_path / "ansible.log"),
               str(work / "results.json"), str(work / "exports")]
    hits, scanned = scan(outputs, secret_needles + key_needle_list)
    store_hits, store_scanned = scan([str(work / "source"), str(work / "target")], secret_needles)
    temp_files = [os.path.join(d, n) for top in temps.values() if top.name != "ansible-home"
                  for d, _dirs, names in os.walk(top) for n in names]
    temp_hits, temp_scanned = scan([str(top) for top in temps.values()], secret_needles + key_needle_list)

    output_text = (tmp_path / "stdout.txt").read_bytes()
    # The scan is only worth something if it saw the module runs and their results.
    assert b"AnsiballZ_group_config_import.py" in output_text and b"AnsiballZ_identity_export.py" in output_text
    assert b"<PEERGROUPCONFIG" in output_text and b"<PEERIDENTITYEXPORT" in output_text
    # Ansible masks a no_log value wherever it meets it in a result ("********"): a mask
    # means a module tried to show the password, so none may appear outside the banners.
    masks = [line for line in output_text.splitlines() if MASK.search(line) and not BANNER.match(line)]
    hits += [("stdout", "no_log mask: %r" % line[:120]) for line in masks]
    # Positive controls: the needles do find key material where it is (store.db holds the DER by design),
    # and in base64 at any alignment.
    control_hits, _n = scan([str(work / "source" / "store.db")], key_needle_list)
    assert control_hits, "the key needles must match the DER in store.db"
    control = tmp_path / "control.b64"
    control.write_bytes(b"x" + base64.b64encode(b"yz" + keys[0]) + b"\n" + base64.b64encode(keys[0]))
    assert {label for _path, label in scan([str(control)], key_needle_list)[0]} == {"private key 0"}
    kit.figure("secrets.bytes_scanned", scanned + store_scanned + temp_scanned)
    kit.figure("secrets.needles", len(secret_needles) + len(key_needle_list) + 1)
    kit.figure("secrets.hits", len(hits) + len(store_hits) + len(temp_hits))
    kit.figure("secrets.leftover_temp_files", len(temp_files))
    assert hits == []
    assert store_hits == []
    assert temp_hits == []
    assert temp_files == []

    # Modes under umask 022: folders 0700, store files and exported documents 0600.
    modes = {}
    for store in ("source", "target"):
        modes[store] = stat.S_IMODE(os.stat(work / store).st_mode)
        for name in os.listdir(work / store):
            modes["%s/%s" % (store, name)] = stat.S_IMODE(os.lstat(work / store / name).st_mode)
    for name in os.listdir(work / "exports"):
        modes["exports/%s" % name] = stat.S_IMODE(os.lstat(work / "exports" / name).st_mode)
    kit.figure("secrets.modes", {name: "%04o" % mode for name, mode in sorted(modes.items())})
    for name, mode in modes.items():
        want = 0o700 if name in ("source", "target") else 0o600
        assert mode == want, "%s has mode %04o, want %04o" % (name, mode, want)
    assert any(name.startswith("exports/") for name in modes) and "source/store.db" in modes


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_store_modes_ignore_a_loose_umask(umask, tmp_path):
    """A new store is 0700/0600 whatever the umask, side files included; a tight umask is kept tight."""
    script = (
        "import os, sys, contextlib\n"
        "from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import IdentityRecord, Store\n"
        "os.umask(%d)\n"
        "with contextlib.closing(Store.open(sys.argv[1], create=True)) as store:\n"
        "    store.add_identity(IdentityRecord('p', 'c', 'f', 2048, b'key', b'cert'))\n"
        "    names = sorted(os.listdir(sys.argv[1]))\n"
        "    print(' '.join('%%s=%%04o' %% (n, os.stat(os.path.join(sys.argv[1], n)).st_mode & 0o7777) for n in names))\n"
        % umask
    )
    store_path = tmp_path / "parent" / "store"
    completed = subprocess.run([sys.executable, "-c", script, str(store_path)], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    seen = dict(item.split("=") for item in completed.stdout.split())
    assert "store.db" in seen and "store.db-wal" in seen, seen
    assert stat.S_IMODE(os.stat(store_path).st_mode) == 0o700
    assert all(mode == "0600" for mode in seen.values()), seen
    kit.figure("modes.umask_%04o" % umask, dict(seen, store="%04o" % stat.S_IMODE(os.stat(store_path).st_mode)))
