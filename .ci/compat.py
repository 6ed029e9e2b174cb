# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the managed-host code's tests on each distribution row of tests/compat/rows.txt.

Usage: compat.py SOURCE BUILD JOBS TEST_PATH...

For each row: a venv from that row's Python (pyenv's, else pythonX.Y on PATH) under
BUILD/compat/<row>, rebuilt only when that Python, the row's pins or tests/compat/requirements.txt change,
with the row's exact cryptography and lxml (wheels only) and the pinned test tools; then pytest
on TEST_PATH in the stage (BUILD/ansible_collections/peernet/peergroup, on PYTHONPATH), JOBS rows
at a time. Prints one line per row and exits non-zero if any row failed; each row's output is in
BUILD/compat/<row>.log.
"""

from __future__ import annotations

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


def run_row(source, build, tests, tools, row):
    name, version, cryptography, lxml = row
    start = time.monotonic()
    log_path = os.path.join(build, "compat", name + ".log")
    python = find_python(version)
    if python is None:
        outcome, detail = "FAILED", "no Python %s (pyenv or python%s on PATH)" % (version, version)
    else:
        pins = "cryptography==%s lxml==%s %s\n" % (cryptography, lxml, " ".join(tools))
        venv_python, error = prepare(os.path.join(build, "compat", name), python, pins)
        if error:
            outcome, detail = "FAILED", "venv: " + error.strip().splitlines()[-1]
            with open(log_path, "w", encoding="utf-8") as log:
                log.write(error)
        else:
            environment = dict(os.environ, PYTHONPATH=build, PYTHONDONTWRITEBYTECODE="1")
            with open(log_path, "w", encoding="utf-8") as log:
                process = subprocess.run([venv_python, "-m", "pytest", "-q", "-p", "no:cacheprovider"] + tests,
                                         cwd=os.path.join(build, STAGE), env=environment, stdout=log, stderr=subprocess.STDOUT, check=False)
            with open(log_path, encoding="utf-8") as log:
                summaries = [match.group(1) for match in map(PYTEST_SUMMARY.match, log) if match]
            outcome = "passed" if process.returncode == 0 else "FAILED"
            detail = summaries[-1] if summaries else "pytest exited with %d" % process.returncode
    return outcome == "passed", "%-11s Python %-5s cryptography %-7s lxml %-6s %-6s %s (%d s)" % (
        name, version, cryptography, lxml, outcome, detail, time.monotonic() - start)


def main(source, build, jobs, *tests):
    with open(os.path.join(source, "tests", "compat", "requirements.txt"), encoding="utf-8") as handle:
        tools = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    os.makedirs(os.path.join(build, "compat"), exist_ok=True)
    rows = read_rows(source)
    print("compat: %d rows, %s at a time: %s" % (len(rows), jobs, " ".join(tests)), flush=True)
    with ThreadPoolExecutor(max_workers=int(jobs)) as pool:
        results = list(pool.map(lambda row: run_row(source, build, list(tests), tools, row), rows))
    for _ok, line in results:
        print("compat: " + line)
    failed = sum(1 for ok, _line in results if not ok)
    print("compat: %d passed, %d failed (rows; logs in %s)" % (len(rows) - failed, failed, os.path.join(build, "compat")))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
