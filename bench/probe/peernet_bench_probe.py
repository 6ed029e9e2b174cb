# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench only: where one module process spends its CPU, and how many key derivations it runs.

Loaded at interpreter start (sitecustomize.py beside this file). An import hook wraps, as
they are imported, the collection's module_utils (timing their import) and a few functions
of the core (timing and counting their calls); ``AnsibleModule.__init__`` marks the end of
start-up. Times are exclusive: a wrapped call inside another wrapped call is charged to the
inner one only. A process that built an AnsibleModule appends one JSON line to the log at
exit: module name, check mode, CPU and wall per phase, call counts, peak RSS. Nothing secret is
read or written: no parameter is read, only check mode.
"""

import atexit
import functools
import importlib.util
import os
import sys
import time

COLLECTION_UTILS = "ansible_collections.peernet.peergroup.plugins.module_utils"
CORE = COLLECTION_UTILS + "._peergroup"

# module -> ((dotted attribute, phase), ...)
PATCHES = {
    CORE + ".seal": (("derive", "kdf_scrypt"),),
    CORE + ".documents": (
        ("parse_xml", "xml_parse"),
        ("parse_group_config", "xml_parse"),
        ("parse_identity_export", "xml_parse"),
        ("SealedGroupConfig.open", "seal_open"),
        ("IdentityExport.open", "seal_open"),
        ("render_group_config", "render"),
        ("render_identity_export", "render"),
    ),
    CORE + ".certs": (
        ("chain_from_pkcs7", "chain_parse"),
        ("verify_chain", "chain_verify"),
        ("certificate_from_der", "certificate_parse"),
        ("private_key_from_der", "private_key_load"),
        ("generate_key", "rsa_keygen"),
    ),
    # Each module's own binding of the summaries it imports by name.
    CORE + ".inventory": (("membership_summary", "summaries"),),
    CORE + ".groups": (("membership_summary", "summaries"),),
    CORE + ".configs": (
        ("membership_summary", "summaries"),
        ("config_summary", "summaries"),
    ),
    CORE + ".store": (
        ("Store.open", "store_open"),
        ("Store._run", "store_sql"),
        ("Store._query", "store_sql"),
    ),
    COLLECTION_UTILS + ".module_support": (
        ("check_requirements", "requirements_check"),
        ("write_private_file", "file_write"),
    ),
}

_state = {
    "log": None,
    "start_cpu": 0.0,
    "start_wall": 0.0,
    "main_cpu": None,
    "main_wall": None,
    "module": None,
    "check_mode": None,
}
_phases = {}  # phase -> [cpu, wall]
_counts = {}  # phase -> calls
_stack = []  # [phase, cpu0, wall0, child_cpu, child_wall]


def _enter(phase):
    _stack.append([phase, time.process_time(), time.perf_counter(), 0.0, 0.0])


def _leave():
    phase, cpu0, wall0, child_cpu, child_wall = _stack.pop()
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    totals = _phases.setdefault(phase, [0.0, 0.0])
    totals[0] += cpu - child_cpu
    totals[1] += wall - child_wall
    _counts[phase] = _counts.get(phase, 0) + 1
    if _stack:
        _stack[-1][3] += cpu
        _stack[-1][4] += wall


def _timed(function, phase, sql_phase=False):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        name = phase
        # Store._run(self, sql): the COMMIT (fsync with synchronous=FULL) is its own phase.
        if sql_phase and len(args) > 1 and isinstance(args[1], str) and args[1].startswith(("COMMIT", "RELEASE")):
            name = "store_commit"
        _enter(name)
        try:
            return function(*args, **kwargs)
        finally:
            _leave()

    wrapper.__peernet_bench_probe__ = True
    return wrapper


def _patch(module, dotted, phase):
    owner = module
    parts = dotted.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    function = getattr(owner, parts[-1], None)
    if function is None or getattr(function, "__peernet_bench_probe__", False):
        return
    setattr(owner, parts[-1], _timed(function, phase, sql_phase=dotted == "Store._run"))


def _patch_pkcs12(module):
    """PKCS#12 PBKDF2 (600,000 rounds) runs inside cryptography: time the two calls the core makes."""
    pkcs12 = getattr(module, "pkcs12", None)
    if pkcs12 is None:
        return
    for name in ("load_key_and_certificates", "serialize_key_and_certificates"):
        function = getattr(pkcs12, name)
        if not getattr(function, "__peernet_bench_probe__", False):
            setattr(pkcs12, name, _timed(function, "kdf_pkcs12"))


def _patch_ansible_module():
    basic = sys.modules.get("ansible.module_utils.basic")
    if basic is None or getattr(basic.AnsibleModule.__init__, "__peernet_bench_probe__", False):
        return
    cls = basic.AnsibleModule
    original_init = cls.__init__

    @functools.wraps(original_init)
    def init(self, *args, **kwargs):
        if _state["main_cpu"] is None:
            _state["main_cpu"] = time.process_time()
            _state["main_wall"] = time.perf_counter()
            main = sys.modules.get("__main__")
            _state["module"] = getattr(main, "_module_fqn", None) or getattr(getattr(main, "__spec__", None), "name", None)
        _enter("argument_spec")
        try:
            original_init(self, *args, **kwargs)
        finally:
            _leave()
        _state["check_mode"] = bool(getattr(self, "check_mode", False))

    init.__peernet_bench_probe__ = True
    cls.__init__ = init
    for name in ("exit_json", "fail_json"):
        setattr(cls, name, _timed(getattr(cls, name), "result_output"))


class _Loader(object):
    def __init__(self, loader, fullname):
        self._loader = loader
        self._fullname = fullname

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        _enter("import_collection")
        try:
            self._loader.exec_module(module)
        finally:
            _leave()
        for dotted, phase in PATCHES.get(self._fullname, ()):
            _patch(module, dotted, phase)
        if self._fullname == CORE + ".documents":
            _patch_pkcs12(module)
        _patch_ansible_module()


class _Finder(object):
    def __init__(self):
        self._busy = set()

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(COLLECTION_UTILS) or fullname in self._busy:
            return None
        self._busy.add(fullname)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._busy.discard(fullname)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Loader(spec.loader, fullname)
        return spec


def _write():
    if _state["main_cpu"] is None or not _state["log"]:
        return
    while _stack:  # sys.exit inside a timed call (exit_json)
        _leave()
    end_cpu, end_wall = time.process_time(), time.perf_counter()
    phases = {name: {"cpu": round(cpu, 6), "wall": round(wall, 6)} for name, (cpu, wall) in sorted(_phases.items())}
    record = {
        "pid": os.getpid(),
        "module": _state["module"],
        "check_mode": _state["check_mode"],
        "cpu_total": round(end_cpu, 6),
        "cpu_interpreter": round(_state["start_cpu"], 6),
        "cpu_before_main": round(_state["main_cpu"], 6),
        "wall_since_probe": round(end_wall - _state["start_wall"], 6),
        "wall_before_main": round(_state["main_wall"] - _state["start_wall"], 6),
        "phases": phases,
        "calls": dict(sorted(_counts.items())),
    }
    import json
    import resource

    # ru_maxrss is in KiB on Linux: the peak resident set of this module process.
    record["max_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line = (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(_state["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def install(log_path):
    _state["log"] = log_path
    _state["start_cpu"] = time.process_time()
    _state["start_wall"] = time.perf_counter()
    sys.meta_path.insert(0, _Finder())
    atexit.register(_write)
