# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the managed-host code's tests, then the modules, on each distribution row of tests/compat/rows.txt.

Usage: compat.py [--demo SCRIPT] SOURCE BUILD JOBS [--] PYTEST_ARG...

For each row: a venv from that row's Python (pyenv's, else pythonX.Y on PATH) under
BUILD/compat/<row>, rebuilt only when that Python, the row's pins or tests/compat/requirements.txt change,
with the row's exact cryptography and lxml (wheels only) and the pinned test tools; then pytest
with PYTEST_ARG... in the stage (BUILD/ansible_collections/peernet/peergroup, on PYTHONPATH), JOBS rows
at a time. With --demo, once a row's tests pass: ``bash SCRIPT`` (demo/run.sh) from SOURCE with
the stage as the collection and DEMO_PYTHON set to the row's venv python, so every module the demo
runs does so on that row while ansible-playbook stays the one on PATH. Prints one line per row and
exits non-zero if any row failed; each row's output is in BUILD/compat/<row>.log.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

STAGE = os.path.join("ansible_collections", "peernet", "peergroup")
PYTEST_SUMMARY = re.compile(r"^=* ?(\d+ (passed|failed|error|errors)\b.*?) in [\d.]+s")
FAILED_HOST = re.compile(r"^(?:fatal|failed): \[([^\]]+)\]")


def read_rows(source):
    """``[(row, python, cryptography, lxml)]``; "constraints" takes the pin from constraints.txt."""
    with open(os.path.join(source, "constraints.txt"), encoding="utf-8") as handle:
        pins = dict(line.strip().split("==", 1) for line in handle if "==" in line and not line.startswith("#"))
    rows = []
    with open(os.path.join(source, "tests", "compat", "rows.txt"), encoding="utf-8") as handle:
        for line in handle:
            fields = line.split("#", 1)[0].split()
            if fields:
                row, python, cryptography, lxml = fields
                rows.append((row, python, pins["cryptography"] if cryptography == "constraints" else cryptography,
                             pins["lxml"] if lxml == "constraints" else lxml))
    return rows


def find_python(version):
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s.*/bin/python%s" % (version, version))))
    return found[-1] if found else shutil.which("python" + version)


def prepare(venv, python, pins):
    """The venv's python, (re)built when ``python`` or ``pins`` differ from those it was built with."""
    stamp = os.path.join(venv, "pins.txt")
    built_with = "%s\n%s" % (python, pins)
    try:
        with open(stamp, encoding="utf-8") as handle:
            if handle.read() == built_with:
                return os.path.join(venv, "bin", "python"), None
    except FileNotFoundError:
        pass
    steps = ([python, "-m", "venv", "--clear", venv],
             [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet", "--only-binary=:all:"] + pins.split())
    for step in steps:
        process = subprocess.run(step, capture_output=True, text=True, check=False)
        if process.returncode:
            return None, "%s\n%s%s" % (" ".join(step), process.stdout, process.stderr)
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(built_with)
    return os.path.join(venv, "bin", "python"), None


def run_tests(build, tests, venv_python, log_path):
    """``(passed, detail)`` of pytest on ``tests`` with ``venv_python``, its output in ``log_path``."""
    environment = dict(os.environ, PYTHONPATH=build, PYTHONDONTWRITEBYTECODE="1")
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.run([venv_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"] + tests,
                                 cwd=os.path.join(build, STAGE), env=environment, stdout=log, stderr=subprocess.STDOUT, check=False)
    with open(log_path, encoding="utf-8") as log:
        summaries = [match.group(1) for match in map(PYTEST_SUMMARY.match, log) if match]
    return process.returncode == 0, summaries[-1] if summaries else "pytest exited with %d" % process.returncode


def run_demo(source, build, demo, venv_python, log_path):
    """``(passed, detail)`` of the demo with the modules on ``venv_python``, its output appended to ``log_path``."""
    # The stage, not a fresh link to SOURCE: the modules the tests just passed on.
    environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=build, DEMO_PYTHON=venv_python)
    # A venv gets no packages from the distribution: the roles must not try to install them.
    environment.pop("DEMO_INSTALL_PACKAGES", None)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write("\n=== bash %s with DEMO_PYTHON=%s\n" % (demo, venv_python))
        log.flush()
        demo_output = log.tell()
        process = subprocess.run(["bash", demo], cwd=source, env=environment, stdout=log, stderr=subprocess.STDOUT, check=False)
    if process.returncode == 0:
        return True, "second run changed=0"
    return False, demo_failure(log_path, demo_output, process.returncode)


def demo_failure(log_path, offset, returncode):
    """The demo's own verdict, else the first task that failed: its name and host, never its message."""
    task = None
    with open(log_path, encoding="utf-8") as log:
        log.seek(offset)
        for line in log:
            if line.startswith("demo: FAILED"):
                return line.strip()
            if line.startswith("TASK ["):
                task = line[len("TASK ["):].split("]", 1)[0]
            failed = FAILED_HOST.match(line)
            if failed:
                return "task %r failed on %s" % (task, failed.group(1))
    return "exited with %d" % returncode


def run_row(source, build, tests, tools, demo, row):
    name, version, cryptography, lxml = row
    start = time.monotonic()
    log_path = os.path.join(build, "compat", name + ".log")
    python = find_python(version)
    if python is None:
        passed, detail = False, "no Python %s: neither pyenv's nor python%s on PATH" % (version, version)
    else:
        pins = "cryptography==%s lxml==%s %s\n" % (cryptography, lxml, " ".join(tools))
        venv_python, error = prepare(os.path.join(build, "compat", name), python, pins)
        if error:
            passed, detail = False, "venv: " + error.strip().splitlines()[-1]
            with open(log_path, "w", encoding="utf-8") as log:
                log.write(error)
        else:
            passed, detail = run_tests(build, tests, venv_python, log_path)
    results = ["tests %s (%s, %d s)" % ("passed" if passed else "FAILED", detail, time.monotonic() - start)]
    if demo and passed:
        start = time.monotonic()
        passed, detail = run_demo(source, build, demo, venv_python, log_path)
        results.append("demo %s (%s, %d s)" % ("passed" if passed else "FAILED", detail, time.monotonic() - start))
    elif demo:
        results.append("demo not run")
    return passed, "%-11s Python %-5s cryptography %-7s lxml %-6s %s" % (name, version, cryptography, lxml, "; ".join(results))


def main(arguments):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--demo", help="the demo script, run with the modules on each row whose tests passed")
    parser.add_argument("source")
    parser.add_argument("build")
    parser.add_argument("jobs", type=int)
    parser.add_argument("tests", nargs="+", metavar="pytest_arg")
    options = parser.parse_args(arguments)
    with open(os.path.join(options.source, "tests", "compat", "requirements.txt"), encoding="utf-8") as handle:
        tools = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    os.makedirs(os.path.join(options.build, "compat"), exist_ok=True)
    rows = read_rows(options.source)
    print("compat: %d rows, %d at a time: %s%s" % (len(rows), options.jobs, " ".join(options.tests),
                                                   ", then %s" % options.demo if options.demo else ""), flush=True)
    with ThreadPoolExecutor(max_workers=options.jobs) as pool:
        results = list(pool.map(lambda row: run_row(options.source, options.build, options.tests, tools, options.demo, row), rows))
    for _ok, line in results:
        print("compat: " + line)
    failed = sum(1 for ok, _line in results if not ok)
    print("compat: %d passed, %d failed (rows; logs in %s)" % (len(rows) - failed, failed, os.path.join(options.build, "compat")))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
