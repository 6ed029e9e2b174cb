# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: the measures of docs/performance.md, on this machine, in one run.

Every playbook runs with ``ansible-playbook`` on local-connection hosts, each target its own
store, ``--forks 10``; the role and its floor run alternately so that load drifts hit both; a
ratio is the role's median over the floor's.
Module processes load bench/probe (CPU per phase, KDF calls, peak RSS). Everything lives in
one temporary folder, removed at the end. The password is random per run and reaches the
playbooks through the environment only, never a file or a command line.

Prints a table and writes the raw numbers as JSON (``--output``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)

import fixtures  # noqa: E402  (needs bench/ on sys.path)
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs  # noqa: E402

REPO = os.path.dirname(BENCH)
PLAYBOOKS = os.path.join(BENCH, "playbooks")
PASSWORD_VARIABLE = "PEERNET_BENCH_PASSWORD"
MIB = 1024 * 1024

# The actions of a re-run that run on every host, and the floor's one module.
PLAN_ACTION = "peernet.peergroup.__import_configs_plan"
FLOOR_ACTION = "ansible.builtin.stat"
MEMBER_ACTION = "peernet.peergroup.__enroll_members_member"

# Full run: the sizes. --quick: a smoke run of the same code paths.
PROFILES = {
    "full": {
        "targets": 50,
        "configs_per_target": 2,
        "reps": 3,
        # A re-run pair takes 25-45 s and its ratio is the tightest target; the machine's speed
        # swings by a quarter within seconds, so the medians need many pairs.
        "rerun_reps": 11,
        "export_memberships": 1000,
        "export_reps": 1,
        "scale": {10: 3, 50: None, 200: 1},
        "chain_reps": 50,
        "enroll_targets": 50,
        "enroll_reps": 3,
        "enroll_rerun_reps": 7,
    },
    "quick": {
        "targets": 10,
        "configs_per_target": 2,
        "reps": 2,
        "rerun_reps": 2,
        "export_memberships": 50,
        "export_reps": 1,
        "scale": {5: 2, 10: None},
        "chain_reps": 10,
        "enroll_targets": 10,
        "enroll_reps": 2,
        "enroll_rerun_reps": 2,
    },
}

TARGETS = {
    "import_first_ratio": 1.3,
    "import_rerun_ratio": 1.15,
    "export_call_seconds": 60.0,
    "export_role_seconds": 60.0,
    "module_peak_rss_mib": 100.0,
    "chain_verify_ms": 50.0,
    "enroll_first_ratio": 2.0,
    "enroll_rerun_ratio": 1.15,
}
SCENARIOS = ("import", "enroll")


def median(values):
    return statistics.median(values) if values else None


def paired_ratios(samples):
    """Each role run over the floor run beside it: their spread shows how far one pair can be off."""
    return sorted(round(role / floor, 3) for role, floor in zip(samples["role"], samples["floor"]))


def task_seconds(runs, action):
    """Per run, the seconds of the tasks with this action, added up."""
    return [sum(task["seconds"] for task in run["tasks"] if task["action"] == action) for run in runs]


def task_medians(runs_tasks):
    """(task name, median seconds over the runs) in the order of the first run."""
    seconds = {}
    for tasks in runs_tasks:
        for task in tasks:
            # "role : task name", cut short for the table.
            name = task["task"].split(" : ", 1)[-1]
            seconds.setdefault(name[:60], []).append(task["seconds"])
    return [(name, round(median(values), 3)) for name, values in seconds.items()]


def outside_tasks(runs):
    """Per run, the wall time outside any task: interpreter, playbook and role loading, the end."""
    return [run["wall"] - sum(task["seconds"] for task in run["tasks"]) for run in runs]


def rerun_breakdown(role_runs, floor_runs):
    """Medians of where a re-run's wall time goes, beside the floor's.

    The plan (which checks the role's variables too) runs on every host; every other task of a re-run
    runs once for the batch (tasks/main.yml); start-up is the wall time outside any task."""
    once = [[task for task in run["tasks"] if task["action"] != PLAN_ACTION] for run in role_runs]
    return {
        "plan": median(task_seconds(role_runs, PLAN_ACTION)),
        "run_once": median([sum(task["seconds"] for task in tasks) for tasks in once]),
        "run_once_tasks": sorted(set(len(tasks) for tasks in once)),
        "run_once_by_task": task_medians(once),
        "start_up": median(outside_tasks(role_runs)),
        "floor_stat": median(task_seconds(floor_runs, FLOOR_ACTION)),
        "floor_start_up": median(outside_tasks(floor_runs)),
    }


class Runner(object):
    """Runs bench playbooks in ``root`` and collects their timings and probe records."""

    def __init__(self, root, password, verbose):
        self.root = root
        self.verbose = verbose
        self.counter = 0
        self.env = dict(os.environ)
        self.env.update(
            {
                PASSWORD_VARIABLE: password,
                "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, "build"),
                "ANSIBLE_CALLBACK_PLUGINS": os.path.join(BENCH, "callback_plugins"),
                "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
                "ANSIBLE_FORKS": "10",
                "ANSIBLE_LOCAL_TEMP": fixtures.make_private_dir(os.path.join(root, "ansible-local")),
                "ANSIBLE_REMOTE_TMP": fixtures.make_private_dir(os.path.join(root, "ansible-remote")),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_RETRY_FILES_ENABLED": "0",
                # Module processes inherit the environment (local connection): the probe loads there.
                "PYTHONPATH": os.pathsep.join([os.path.join(BENCH, "probe"), os.path.join(REPO, "build")]),
            }
        )

    def play(self, playbook, inventory, extra_vars_file=None):
        """Run one playbook; return wall seconds, per-task seconds and module probe records."""
        self.counter += 1
        run_dir = fixtures.make_private_dir(os.path.join(self.root, "runs", "%04d" % self.counter))
        env = dict(self.env)
        env["PEERNET_BENCH_TASK_LOG"] = os.path.join(run_dir, "tasks.json")
        env["PEERNET_BENCH_PROBE_LOG"] = os.path.join(run_dir, "probe.jsonl")
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, os.path.join(PLAYBOOKS, playbook)]
        if extra_vars_file:
            command += ["-e", "@" + extra_vars_file]
        start = time.perf_counter()
        completed = subprocess.run(command, env=env, cwd=run_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        wall = time.perf_counter() - start
        if completed.returncode != 0:
            # Roles and bench playbooks hide passwords (no_log); the output is safe to show.
            sys.stderr.write(completed.stdout.decode("utf-8", "replace")[-4000:])
            raise SystemExit("bench: %s failed (exit %d)" % (playbook, completed.returncode))
        with open(env["PEERNET_BENCH_TASK_LOG"], encoding="utf-8") as handle:
            tasks = json.load(handle)["tasks"]
        probes = []
        if os.path.exists(env["PEERNET_BENCH_PROBE_LOG"]):
            with open(env["PEERNET_BENCH_PROBE_LOG"], encoding="utf-8") as handle:
                probes = [json.loads(line) for line in handle if line.strip()]
        shutil.rmtree(run_dir)
        if self.verbose:
            print("  %-18s %7.2f s, %d module processes" % (playbook, wall, len(probes)), flush=True)
        return {"wall": wall, "tasks": tasks, "probes": probes}


def kdf_calls(probes):
    """scrypt runs in the module processes, the import role's password check on the controller included."""
    return sum(record["calls"].get("kdf_scrypt", 0) for record in probes)


def write_inventory(path, targets, source=None):
    """A YAML inventory (JSON is YAML) of local-connection hosts, each with its own folders."""
    hosts = {}
    for name, folder in targets:
        hosts[name] = {
            "import_configs_store_path": os.path.join(folder, "store"),
            "bench_copy_dir": fixtures.make_private_dir(os.path.join(folder, "copy")),
        }
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "bench_password": "{{ lookup('ansible.builtin.env', '%s') }}" % PASSWORD_VARIABLE,
            },
            "children": {"targets": {"hosts": hosts}},
        }
    }
    if source:
        inventory["all"]["children"]["sources"] = {"hosts": {"source": source}}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=1)
    return path


def fleet(root, label, count):
    """A fresh inventory of ``count`` targets with empty folders."""
    base = fixtures.make_private_dir(os.path.join(root, label))
    targets = [("t%03d" % index, fixtures.make_private_dir(os.path.join(base, "t%03d" % index))) for index in range(count)]
    return write_inventory(os.path.join(base, "inventory.json"), targets)


def bench_import(runner, root, documents_dir, targets, reps, tag, floor=True):
    """First runs of the role and (with ``floor``) of the copy floor, alternately, on fresh
    targets each time.

    Returns the samples and the inventory of the last role run (its stores are imported)."""
    extra = os.path.join(root, "documents-vars.json")
    with open(extra, "w", encoding="utf-8") as handle:
        json.dump({"bench_documents_dir": documents_dir}, handle)
    samples = {"role": [], "floor": [], "role_kdf": [], "role_processes": [], "probes": []}
    inventory = None
    for rep in range(reps):
        if floor:
            floor_inventory = fleet(root, "%s-copy-%d" % (tag, rep), targets)
            samples["floor"].append(runner.play("copy_floor.yml", floor_inventory, extra)["wall"])
        inventory = fleet(root, "%s-role-%d" % (tag, rep), targets)
        run = runner.play("import_role.yml", inventory, extra)
        samples["role"].append(run["wall"])
        samples["role_kdf"].append(kdf_calls(run["probes"]))
        samples["role_processes"].append(len(run["probes"]))
        samples["probes"].extend(run["probes"])
    return samples, inventory


def bench_rerun(runner, root, inventory, reps):
    extra = os.path.join(root, "documents-vars.json")
    samples = {"role": [], "floor": [], "role_kdf": []}
    role_runs, floor_runs = [], []
    for _rep in range(reps):
        floor_runs.append(runner.play("stat_floor.yml", inventory))
        samples["floor"].append(floor_runs[-1]["wall"])
        role_runs.append(runner.play("import_role.yml", inventory, extra))
        samples["role"].append(role_runs[-1]["wall"])
        samples["role_kdf"].append(kdf_calls(role_runs[-1]["probes"]))
    samples["breakdown"] = rerun_breakdown(role_runs, floor_runs)
    return samples


def probe_calls(probes, phase):
    return sum(record["calls"].get(phase, 0) for record in probes)


def enroll_fleet(root, label, count, owner_store, group):
    """A fresh enrolment inventory: an owner with a copy of ``owner_store`` (which holds ``group``),
    ``count`` members with empty folders that each list ``group``, and an empty controller folder."""
    base = fixtures.make_private_dir(os.path.join(root, label))
    owner_path = os.path.join(fixtures.make_private_dir(os.path.join(base, "owner")), "store")
    shutil.copytree(owner_store, owner_path)
    members = {}
    for index in range(count):
        folder = fixtures.make_private_dir(os.path.join(base, "t%03d" % index))
        members["t%03d" % index] = {
            "enroll_members_store_path": os.path.join(folder, "store"),
            "bench_copy_dir": fixtures.make_private_dir(os.path.join(folder, "copy")),
            "peergroup_memberships": [{"group": group}],
        }
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "enroll_members_controller_dir": fixtures.make_private_dir(os.path.join(base, "controller")),
            },
            "children": {
                "peergroup_owners": {"hosts": {"owner": {"enroll_members_store_path": owner_path}}},
                "peergroup_members": {"hosts": members},
            },
        }
    }
    path = os.path.join(base, "inventory.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=1)
    return path


def bench_enroll(runner, root, owner_store, group, targets, reps, rerun_reps):
    """First runs of the enroll playbook on fresh members (their RSA keys generated in the run) and
    of the copy-and-slurp floor, alternately; then re-runs of the last fleet against the stat floor."""
    document = os.path.join(root, "enroll-document.xml")
    with open(document, "w", encoding="utf-8") as handle:
        handle.write("<!-- the size of an invitation; the floor only moves it -->\n" + "x" * 8192 + "\n")
    extra = os.path.join(root, "enroll-vars.json")
    with open(extra, "w", encoding="utf-8") as handle:
        json.dump({"bench_document": document}, handle)
    first = {"role": [], "floor": [], "role_keygen": [], "role_processes": []}
    inventory = None
    for rep in range(reps):
        first["floor"].append(runner.play("enroll_copy_floor.yml", enroll_fleet(root, "enroll-copy-%d" % rep, targets, owner_store, group), extra)["wall"])
        inventory = enroll_fleet(root, "enroll-role-%d" % rep, targets, owner_store, group)
        run = runner.play("enroll_role.yml", inventory)
        first["role"].append(run["wall"])
        first["role_keygen"].append(probe_calls(run["probes"], "rsa_keygen"))
        first["role_processes"].append(len(run["probes"]))
    rerun = {"role": [], "floor": [], "role_keygen": [], "role_processes": []}
    role_runs, floor_runs = [], []
    for _rep in range(rerun_reps):
        floor_runs.append(runner.play("enroll_stat_floor.yml", inventory))
        rerun["floor"].append(floor_runs[-1]["wall"])
        run = runner.play("enroll_role.yml", inventory)
        role_runs.append(run)
        rerun["role"].append(run["wall"])
        rerun["role_keygen"].append(probe_calls(run["probes"], "rsa_keygen"))
        rerun["role_processes"].append(len(run["probes"]))
    first["paired_ratios"] = paired_ratios(first)
    rerun["paired_ratios"] = paired_ratios(rerun)
    rerun["start_up"] = median(outside_tasks(role_runs))
    rerun["floor_start_up"] = median(outside_tasks(floor_runs))
    rerun["floor_stat"] = median(task_seconds(floor_runs, FLOOR_ACTION))
    rerun["member_module"] = median(task_seconds(role_runs, MEMBER_ACTION))
    # Where a re-run's time goes: each task's median, in playbook order.
    names = [task["task"] for task in role_runs[-1]["tasks"]]
    rerun["tasks"] = [[name, median([sum(t["seconds"] for t in run["tasks"] if t["task"] == name) for run in role_runs])] for name in names]
    return {"first_run": first, "rerun": rerun}


def enroll_rows(enroll, targets):
    first, rerun = enroll["first_run"], enroll["rerun"]
    return [
        row("enrol, first run (%d targets)" % targets, median(first["role"]), median(first["floor"]),
            median(first["role"]) / median(first["floor"]), TARGETS["enroll_first_ratio"], "s"),
        row("  RSA keys generated in it", median(first["role_keygen"])),
        row("  module processes in it", median(first["role_processes"])),
        row("enrol, idempotent re-run", median(rerun["role"]), median(rerun["floor"]),
            median(rerun["role"]) / median(rerun["floor"]), TARGETS["enroll_rerun_ratio"], "s"),
        row("  RSA keys generated in it", median(rerun["role_keygen"]), target=0),
        row("  module processes in it", median(rerun["role_processes"])),
        row("  start-up, outside any task", rerun["start_up"], rerun["floor_start_up"], unit="s"),
        row("  the member module beside the floor's stat", rerun["member_module"], rerun["floor_stat"], unit="s"),
    ] + [row("  task: %s" % short_name(name), seconds, unit="s") for name, seconds in rerun["tasks"]]


def short_name(task_name):
    """A task name without its role prefix, cut to fit the table."""
    name = task_name.split(" : ", 1)[-1]
    return name if len(name) <= 60 else name[:57] + "..."


def source_inventory(root, store_path, label):
    base = fixtures.make_private_dir(os.path.join(root, label))
    source = {
        "export_configs_store_path": store_path,
        "export_configs_remote_dir": fixtures.make_private_dir(os.path.join(base, "remote")),
    }
    return write_inventory(os.path.join(base, "inventory.json"), [], source), base


def bench_export(runner, root, store_path, count, reps):
    picked = fixtures.memberships(store_path)[:count]
    samples = {"call": [], "call_task": [], "call_kdf": [], "role": [], "role_kdf": [], "rerun_call": [], "rerun_call_kdf": []}
    for rep in range(reps):
        inventory, base = source_inventory(root, store_path, "export-call-%d" % rep)
        dest = fixtures.make_private_dir(os.path.join(base, "dest"))
        extra = os.path.join(base, "vars.json")
        configs = [
            {"identity": identity, "group": group, "dest": os.path.join(dest, classifier + fixtures.CONFIG_SUFFIX)}
            for identity, group, classifier in picked
        ]
        with open(extra, "w", encoding="utf-8") as handle:
            json.dump({"bench_export_configs": configs}, handle)
        run = runner.play("export_call.yml", inventory, extra)
        samples["call"].append(run["wall"])
        samples["call_task"].append(sum(task["seconds"] for task in run["tasks"]))
        samples["call_kdf"].append(kdf_calls(run["probes"]))
        # The same call again: every document exists and is compared, not re-sealed.
        run = runner.play("export_call.yml", inventory, extra)
        samples["rerun_call"].append(run["wall"])
        samples["rerun_call_kdf"].append(kdf_calls(run["probes"]))

        inventory, base = source_inventory(root, store_path, "export-role-%d" % rep)
        extra = os.path.join(base, "vars.json")
        with open(extra, "w", encoding="utf-8") as handle:
            json.dump({"bench_controller_dir": os.path.join(base, "controller")}, handle)
        run = runner.play("export_role.yml", inventory, extra)
        samples["role"].append(run["wall"])
        samples["role_kdf"].append(kdf_calls(run["probes"]))
        samples["role_tasks"] = run["tasks"]
    return samples


def module_cost(probes, module_suffix):
    """Medians over the module processes of one kind: CPU per phase and peak RSS."""
    records = [record for record in probes if (record.get("module") or "").endswith(module_suffix)]
    if not records:
        return None
    groups = {
        "interpreter_and_ansiballz": lambda r: r["cpu_before_main"] - _phase(r, "import_collection"),
        "module_utils_import": lambda r: _phase(r, "import_collection"),
        "xml_parse": lambda r: _phase(r, "xml_parse"),
        "kdf": lambda r: _phase(r, "kdf_scrypt") + _phase(r, "kdf_pkcs12"),
        "chain_verification": lambda r: _phase(r, "chain_verify") + _phase(r, "chain_parse") + _phase(r, "certificate_parse"),
        "private_key_load": lambda r: _phase(r, "private_key_load"),
        "summaries": lambda r: _phase(r, "summaries"),
        "argument_spec_and_output": lambda r: _phase(r, "argument_spec") + _phase(r, "result_output"),
        "store_commit": lambda r: _phase(r, "store_commit"),
        "store_other": lambda r: _phase(r, "store_open") + _phase(r, "store_sql"),
        "total": lambda r: r["cpu_total"],
    }
    cost = {name: round(median([pick(r) for r in records]) * 1000, 2) for name, pick in groups.items()}
    cost["other"] = round(cost["total"] - sum(v for k, v in cost.items() if k != "total"), 2)
    return {
        "processes": len(records),
        "cpu_ms_median": cost,
        "peak_rss_mib_median": round(median([r["max_rss_kib"] for r in records]) / 1024, 1),
        "peak_rss_mib_max": round(max(r["max_rss_kib"] for r in records) / 1024, 1),
        "kdf_calls_per_process": sorted(set(r["calls"].get("kdf_scrypt", 0) for r in records)),
    }


def _phase(record, name):
    return record["phases"].get(name, {}).get("cpu", 0.0)


def bench_chain(reps):
    chain, group_name, leaf_name = fixtures.long_chain()
    der = fixtures.chain_pkcs7(chain)
    verify, parse_and_verify = [], []
    for _rep in range(reps):
        start = time.perf_counter()
        certs.verify_chain(chain, group_name, leaf_name)
        verify.append(time.perf_counter() - start)
        start = time.perf_counter()
        certs.verify_chain(certs.chain_from_pkcs7(der), group_name, leaf_name)
        parse_and_verify.append(time.perf_counter() - start)
    return {
        "length": len(chain),
        "verify_ms": [round(v * 1000, 3) for v in verify],
        "parse_and_verify_ms": [round(v * 1000, 3) for v in parse_and_verify],
    }


def row(measure, value, floor=None, ratio=None, target=None, unit=""):
    met = None if target is None else (ratio if ratio is not None else value) <= target
    return {"measure": measure, "value": value, "floor": floor, "ratio": ratio, "target": target, "unit": unit, "met": met}


def print_table(rows):
    header = ("measure", "value", "floor", "ratio", "target", "")
    lines = []
    for item in rows:
        value = "" if item["value"] is None else "%.2f %s" % (item["value"], item["unit"])
        floor = "" if item["floor"] is None else "%.2f %s" % (item["floor"], item["unit"])
        ratio = "" if item["ratio"] is None else "%.2fx" % item["ratio"]
        if item["target"] is None:
            target = ""
        elif item["ratio"] is not None:
            target = "<= %.2fx" % item["target"]
        else:
            target = "<= %g %s" % (item["target"], item["unit"])
        met = {None: "", True: "met", False: "MISSED"}[item["met"]]
        lines.append((item["measure"], value.strip(), floor.strip(), ratio, target.strip(), met))
    widths = [max(len(line[i]) for line in lines + [header]) for i in range(len(header))]
    for line in [header] + lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: few targets, memberships and repetitions")
    parser.add_argument("--output", help="raw results (JSON); default docs/performance.json, build/bench-quick.json with --quick, "
                        "build/bench-reduced.json with another option")
    parser.add_argument("--verbose", action="store_true", help="print every playbook run")
    parser.add_argument("--only", choices=SCENARIOS, help="run one scenario: the import_configs measures or the enrolment")
    parser.add_argument("--imports-only", action="store_true", help="only the first run and the re-run of the import (no scale curve, export, chain)")
    parser.add_argument("--targets", type=int, help="targets of the import's first run and re-run (default: the profile's)")
    parser.add_argument("--reps", type=int, help="first-run pairs of the import (default: the profile's)")
    parser.add_argument("--rerun-reps", type=int, help="re-run pairs of the import (default: the profile's)")
    args = parser.parse_args(argv)
    profile_name = "quick" if args.quick else "full"
    profile = dict(PROFILES[profile_name], imports_only=args.imports_only)
    overrides = {name: getattr(args, name) for name in ("targets", "reps", "rerun_reps") if getattr(args, name) is not None}
    profile.update(overrides)
    # Only a full run of every scenario replaces the results docs/performance.md quotes.
    if args.quick or args.only or args.imports_only or overrides:
        default_output = os.path.join(REPO, "build", "bench-quick.json" if args.quick else "bench-reduced.json")
    else:
        default_output = os.path.join(REPO, "docs", "performance.json")
    output = args.output or default_output
    # A terminated run still removes its temporary folder (and subprocess.run kills its playbook).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    root = tempfile.mkdtemp(prefix="peernet-bench-")
    try:
        results = run(profile, root, args.verbose, args.only)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results["run"] = {
        "command": " ".join(["bench/run.py"] + (argv if argv is not None else sys.argv[1:])),
        "profile": profile_name,
        "settings": {k: (list(v.items()) if isinstance(v, dict) else v) for k, v in profile.items()},
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds": round((datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(), 1),
        "loadavg_before": [round(v, 2) for v in load_before],
        "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    print()
    print_table(results["table"])
    print()
    print("load average before %s, after %s; %d CPUs; %.0f s" % (
        results["run"]["loadavg_before"], results["run"]["loadavg_after"], os.cpu_count(), results["run"]["seconds"]))
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print("raw results: %s" % os.path.relpath(output, REPO))
    return 0


def run(profile, root, verbose, only=None):
    password = fixtures.new_password()
    runner = Runner(root, password, verbose)
    results = {"table": [], "raw": {}}
    if only in (None, "import"):
        results = run_import(profile, root, runner)
    if only in (None, "enroll"):
        print("setup: an owner store with one group (untimed)", flush=True)
        owner_store = os.path.join(fixtures.make_private_dir(os.path.join(root, "enroll-owner")), "store")
        fixtures.create_groups(owner_store, fixtures.create_source(owner_store), 1)
        print("enrolment: %d targets, %d first runs, %d re-runs" % (profile["enroll_targets"], profile["enroll_reps"], profile["enroll_rerun_reps"]),
              flush=True)
        enroll = bench_enroll(runner, root, owner_store, fixtures.group_classifier(1), profile["enroll_targets"], profile["enroll_reps"],
                              profile["enroll_rerun_reps"])
        results["raw"]["enroll"] = enroll
        results["table"].extend(enroll_rows(enroll, profile["enroll_targets"]))
    return results


def run_import(profile, root, runner):
    password = runner.env[PASSWORD_VARIABLE]
    total = profile["configs_per_target"] if profile["imports_only"] else max(profile["export_memberships"], profile["configs_per_target"])
    print("setup: a source store with %d memberships (untimed)" % total, flush=True)
    source_store = os.path.join(fixtures.make_private_dir(os.path.join(root, "source")), "store")
    creator = fixtures.create_source(source_store)
    fixtures.create_groups(source_store, creator, total)
    documents_dir = os.path.join(root, "documents")
    fixtures.write_documents(source_store, creator, password, documents_dir, profile["configs_per_target"])
    raw = {}

    print("fleet import, first run: %d targets x %d reps" % (profile["targets"], profile["reps"]), flush=True)
    first, imported_inventory = bench_import(runner, root, documents_dir, profile["targets"], profile["reps"], "first")
    print("idempotent re-run: %d reps" % profile["rerun_reps"], flush=True)
    rerun = bench_rerun(runner, root, imported_inventory, profile["rerun_reps"])
    scale, export, chain = {}, None, None
    if not profile["imports_only"]:
        for count, reps in sorted(profile["scale"].items()):
            if reps is None:
                scale[count] = first["role"]
                continue
            print("scale curve: %d targets x %d reps" % (count, reps), flush=True)
            scale[count] = bench_import(runner, root, documents_dir, count, reps, "scale-%d" % count, floor=False)[0]["role"]
        print("source export: %d memberships x %d reps" % (profile["export_memberships"], profile["export_reps"]), flush=True)
        export = bench_export(runner, root, source_store, profile["export_memberships"], profile["export_reps"])
        print("chain verification: %d reps" % profile["chain_reps"], flush=True)
        chain = bench_chain(profile["chain_reps"])

    cost = {
        "group_config_import": module_cost(first["probes"], "group_config_import"),
        "identity_import": module_cost(first["probes"], "identity_import"),
    }
    first.pop("probes")
    first["paired_ratios"] = paired_ratios(first)
    rerun["paired_ratios"] = paired_ratios(rerun)
    raw.update(first_run=first, rerun=rerun, scale={str(k): v for k, v in scale.items()}, export=export, chain=chain, module_cost=cost)

    first_ratio = median(first["role"]) / median(first["floor"])
    rerun_ratio = median(rerun["role"]) / median(rerun["floor"])
    breakdown = rerun["breakdown"]
    import_cost = cost["group_config_import"]
    rows = [
        row("import, first run (%d targets)" % profile["targets"], median(first["role"]), median(first["floor"]), first_ratio,
            TARGETS["import_first_ratio"], "s"),
        row("import, idempotent re-run", median(rerun["role"]), median(rerun["floor"]), rerun_ratio, TARGETS["import_rerun_ratio"], "s"),
        row("  KDF runs in a re-run", median(rerun["role_kdf"]), unit="", target=0),
        row("  start-up, outside any task", breakdown["start_up"], breakdown["floor_start_up"], unit="s"),
        row("  store read and plan, per host", breakdown["plan"], breakdown["floor_stat"], unit="s"),
        row("  %s tasks run once" % "/".join(str(count) for count in breakdown["run_once_tasks"]), breakdown["run_once"], unit="s"),
    ]
    for name, seconds in breakdown["run_once_by_task"]:
        rows.append(row("    " + name, seconds, unit="s"))
    if export is not None:
        rows += [
            row("export, one call (%d memberships)" % profile["export_memberships"], median(export["call"]),
                target=TARGETS["export_call_seconds"], unit="s"),
            row("  KDF runs in that call", median(export["call_kdf"]), target=1),
            row("  the same call again (all unchanged)", median(export["rerun_call"]), unit="s"),
            row("  KDF runs in that call", median(export["rerun_call_kdf"]), target=1),
            row("export, role run (%d memberships)" % profile["export_memberships"], median(export["role"]),
                target=TARGETS["export_role_seconds"], unit="s"),
            row("  KDF runs in the role run", median(export["role_kdf"])),
        ]
    rows.append(row("group_config_import CPU", import_cost["cpu_ms_median"]["total"], unit="ms"))
    for phase in ("interpreter_and_ansiballz", "module_utils_import", "argument_spec_and_output", "xml_parse", "kdf",
                  "chain_verification", "private_key_load", "summaries", "store_commit", "store_other", "other"):
        rows.append(row("  " + phase.replace("_", " "), import_cost["cpu_ms_median"][phase], unit="ms"))
    rows.append(row("group_config_import peak RSS (max)", import_cost["peak_rss_mib_max"], target=TARGETS["module_peak_rss_mib"], unit="MiB"))
    if chain is not None:
        rows.append(row("verify a %d-certificate chain" % chain["length"], median(chain["verify_ms"]), target=TARGETS["chain_verify_ms"], unit="ms"))
        rows.append(row("  parse PKCS#7 and verify", median(chain["parse_and_verify_ms"]), unit="ms"))
    for count in sorted(scale):
        rows.append(row("import per host, %d targets" % count, median(scale[count]) / count, unit="s"))
    return {"table": rows, "raw": raw}


if __name__ == "__main__":
    sys.exit(main())
