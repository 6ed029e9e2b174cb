# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A separate import process for the crash and concurrency tests.

    python import_child.py JOB.json

JOB.json: ``store`` (path), ``password``, ``kdf`` (list of ``[name, n, r, p,
salt-hex]`` to derive before starting: the KDF is not what these tests are
about), ``steps`` (each ``{"kind": "config"|"identity", "data": base64,
"overwrite": ...}``) and ``wait_for_go`` (read one line from stdin first).

Prints ``ready <monotonic>`` once set up, then ``start <i> <monotonic>`` and
``end <i> <monotonic> <json result>`` around each step, flushing every line, so
the parent can time a SIGKILL and tell how far the child got.  Each step opens
and closes the store, as one module run does.
"""

from __future__ import annotations

import base64
import contextlib
import json
import sys
import time

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import seal
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store


def say(*words):
    sys.stdout.write(" ".join(str(word) for word in words) + "\n")
    sys.stdout.flush()


def run_step(store_path, step, cache):
    data = base64.b64decode(step["data"])
    try:
        with contextlib.closing(Store.open(store_path, create=True)) as store:
            if step["kind"] == "config":
                plan = configs.plan_group_config_import(store, data, cache, step.get("overwrite", "never"))
            else:
                plan = identities.plan_identity_import(store, data, cache)
            result = dict(plan.result)
            result.update(plan.apply())
            result["changed"] = plan.changed
    except PeerError as exc:
        return {"failed": True, "hresult": exc.name, "msg": exc.message}
    return {"failed": False, "changed": result["changed"]}


def main():
    with open(sys.argv[1], "r", encoding="utf-8") as handle:
        job = json.load(handle)
    cache = seal.KeyCache(job["password"])
    for name, n, r, p, salt in job.get("kdf", []):
        cache.derive(seal.KdfParams(name, n, r, p), bytes.fromhex(salt))
    say("ready", time.monotonic())
    if job.get("wait_for_go"):
        sys.stdin.readline()
    for index, step in enumerate(job["steps"]):
        say("start", index, time.monotonic())
        result = run_step(job["store"], step, cache)
        say("end", index, time.monotonic(), json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
