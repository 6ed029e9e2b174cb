# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fresh machine: `make demo`, `make test`. Everything installs itself: a Python 3.13 venv
# (.venv, pinned by constraints.txt; `make demo` installs only requirements-demo.txt), a staged copy of the collection under
# build/ansible_collections/peernet/peergroup for ansible-test, and the venvs ansible-test makes
# for the target Pythons 3.9-3.13 (PyPI is the only network needed). `make help` lists targets.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules --no-print-directory

empty :=
space := $(empty) $(empty)

# --- Pythons ----------------------------------------------------------------------------------

PYTHON313 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13))

# The managed-host code (modules, module_utils) supports Python 3.9-3.13; each one found is
# used by sanity (compile, import) and units. pyenv's real interpreters go on PATH ahead of its
# shims, because ansible-test runs its tools without PYENV_VERSION.
SUPPORTED_PYTHONS := 3.13 3.12 3.11 3.10 3.9
python_for = $(firstword $(wildcard $(HOME)/.pyenv/versions/$(1).*/bin/python$(1)) $(shell command -v python$(1)))
TARGET_PYTHONS := $(strip $(foreach v,$(SUPPORTED_PYTHONS),$(if $(call python_for,$(v)),$(v))))
PYENV_DIRS := $(foreach v,$(SUPPORTED_PYTHONS),$(firstword $(wildcard $(HOME)/.pyenv/versions/$(v).*)))
ifneq ($(strip $(PYENV_DIRS)),)
export PYENV_VERSION := $(subst $(space),:,$(notdir $(PYENV_DIRS)))
endif

# The Pythons of the unit tests (each about 3 min on 2 cores), and the target Python of the
# integration tests (modules run there; plugins run on 3.13).
UNIT_PYTHONS ?= $(TARGET_PYTHONS)
INTEGRATION_PYTHON ?= $(lastword $(TARGET_PYTHONS))

# --- Paths and environment -------------------------------------------------------------------

VENV ?= .venv
VENV_DIR := $(abspath $(VENV))
BUILD := $(CURDIR)/build
STAGE := $(BUILD)/ansible_collections/peernet/peergroup
DIST := $(BUILD)/dist
EE_CONTEXT := $(BUILD)/ee-context

export PATH := $(VENV_DIR)/bin:$(subst $(space),:,$(strip $(addsuffix /bin,$(PYENV_DIRS)) $(PATH)))
export ANSIBLE_COLLECTIONS_PATH := $(BUILD)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# ansible-test runs in the staged copy. ANSIBLE_TEST_CONTENT_ROOT pins the content root there:
# otherwise ansible-test would find this repository's .git above the stage, to which build/ is
# ignored, and see no files.
ANSIBLE_TEST := cd $(STAGE) && ANSIBLE_TEST_CONTENT_ROOT=$(STAGE) ansible-test
ANSIBLE_TEST_ARGS ?= --color no
SANITY_ARGS ?=
UNITS_ARGS ?=
INTEGRATION_ARGS ?=
MOLECULE_ARGS ?= --all
PYTEST_ARGS ?=
# `make compat`: the tests that need neither ansible nor a controller, on every managed-host row
# of tests/compat/rows.txt (a distribution's Python with its cryptography and lxml), 2 rows at a time;
# then, on each row whose tests passed, COMPAT_DEMO (empty: none) with the modules on that row.
COMPAT_TESTS ?= tests/unit/plugins/module_utils/_peergroup tests/reliability/test_hostile_documents.py
COMPAT_DEMO ?= demo/run.sh
COMPAT_JOBS ?= 2

TEST_STEPS := sanity units compat integration reliability changelog-lint changelog-render docs-lint lint molecule \
	galaxy-build install-check ee-context

.PHONY: help venv stage sanity units compat integration reliability stress changelog-lint changelog-render \
	docs-lint lint molecule demo demo-venv bench galaxy-build install-check ee-context test constraints clean distclean

help:
	@row() { printf '  %-18s %s\n' "$$1" "$$2"; }
	echo "First steps: make demo, make test. Targets:"
	row demo "the demo: one source, three targets, distribute twice, enrol twice (demo/run.sh)"
	row test "every step below, then a line \"test: N passed, N failed\""
	row "  sanity" "ansible-test sanity (compile, import on Python $(TARGET_PYTHONS))"
	row "  units" "ansible-test units on Python $(UNIT_PYTHONS) (UNIT_PYTHONS=...)"
	row "  compat" "the core's tests, then the demo's modules, on each distribution's Python, cryptography and lxml (tests/compat/rows.txt)"
	row "  integration" "ansible-test integration, modules on Python $(INTEGRATION_PYTHON)"
	row "  reliability" "tests/reliability with light counts (PYTEST_ARGS=...)"
	row "  changelog-lint" "antsibull-changelog lint"
	row "  changelog-render" "CHANGELOG.md and CHANGELOG.rst match changelogs/changelog.yaml"
	row "  docs-lint" "antsibull-docs lint-collection-docs --plugin-docs"
	row "  lint" "ansible-lint --profile production"
	row "  molecule" "molecule test --all (MOLECULE_ARGS='-s ssh' for one scenario)"
	row "  galaxy-build" "build/dist/peernet-peergroup-*.tar.gz, checked for what must stay out"
	row "  install-check" "the tarball installed alone; ansible-doc finds every module, filter, role"
	row "  ee-context" "ansible-builder create into build/ee-context (no image is built)"
	row "  controllers" "ansible-core $(CONTROLLER_VERSIONS) (build/controllers/): plugin units, integration, demo"
	row "  system-python" "the demo (ansible-core 2.21), modules on $(SYSTEM_PYTHON) with $(SYSTEM_PYTHON_PACKAGES)"
	row stress "tests/reliability with heavy counts"
	row bench "bench/run.py"
	row venv "the controller venv ($(VENV)), pinned by constraints.txt"
	row demo-venv "only what the demo needs in $(VENV): ansible-core, cryptography, lxml"
	row stage "the copy ansible-test runs in: build/ansible_collections/peernet/peergroup"
	row constraints "re-pin constraints.txt from a fresh install of requirements-dev.txt"
	row clean "remove build/ and test output (distclean: and the venv)"

# --- Environment -----------------------------------------------------------------------------

venv: $(VENV_DIR)/.installed

$(VENV_DIR)/.installed: constraints.txt requirements-dev.txt
	@if [ -z "$(PYTHON313)" ]; then echo "make: Python 3.13 not found; set PYTHON313=/path/to/python3.13" >&2; exit 1; fi
	echo "venv: $(VENV) from $(PYTHON313)"
	"$(PYTHON313)" -m venv --clear "$(VENV_DIR)"
	"$(VENV_DIR)/bin/python" -m pip install --quiet -c constraints.txt -r requirements-dev.txt
	touch "$@"

# The demo's part of the venv only (requirements-demo.txt, same pins); `make venv` adds the rest.
demo-venv: $(VENV_DIR)/.demo-installed

$(VENV_DIR)/.demo-installed: constraints.txt requirements-demo.txt
	@if [ -z "$(PYTHON313)" ]; then echo "make: Python 3.13 not found; set PYTHON313=/path/to/python3.13" >&2; exit 1; fi
	if [ ! -x "$(VENV_DIR)/bin/python" ]; then echo "venv: $(VENV) from $(PYTHON313)"; "$(PYTHON313)" -m venv "$(VENV_DIR)"; fi
	"$(VENV_DIR)/bin/python" -m pip install --quiet -c constraints.txt -r requirements-demo.txt
	touch "$@"

# The copy ansible-test runs in (a symlink will not do: ansible-test and pytest resolve the working
# directory, which must lie under ansible_collections/). Also installs .ci/get_pip.py as the pip
# bootstrap script ansible-test would otherwise download from a host outside PyPI.
stage: venv
	@python .ci/stage.py "$(CURDIR)" "$(STAGE)"
	pip_version=$$(python -c 'import types; from ansible_test._internal.python_requirements import get_venv_packages as g; print(g(types.SimpleNamespace(version="3.13"))["pip"])')
	get_pip="$(HOME)/.ansible/test/cache/get_pip_$${pip_version//./_}.py"
	if [ ! -e "$$get_pip" ] || grep -q 'Stand-in for the get-pip.py script' "$$get_pip"; then
	    install -D -m 0644 .ci/get_pip.py "$$get_pip"
	fi

# --- Checks ----------------------------------------------------------------------------------

sanity: stage
	@$(ANSIBLE_TEST) sanity $(ANSIBLE_TEST_ARGS) $(SANITY_ARGS)

units: stage
	@$(ANSIBLE_TEST) units $(ANSIBLE_TEST_ARGS) --requirements \
	    $(foreach v,$(UNIT_PYTHONS),--target-python venv/$(v)@$(call python_for,$(v))) $(UNITS_ARGS)

# Venvs under build/compat/<row>, rebuilt when a row's pins change. The demo's controller is this
# venv's ansible-core; DEMO_PYTHON puts its modules on the row's venv.
compat: stage
	@python .ci/compat.py $(if $(COMPAT_DEMO),--demo "$(COMPAT_DEMO)") "$(CURDIR)" "$(BUILD)" $(COMPAT_JOBS) -- $(COMPAT_TESTS)

integration: stage
	@$(ANSIBLE_TEST) integration $(ANSIBLE_TEST_ARGS) --requirements \
	    --target controller:python=venv/$(INTEGRATION_PYTHON)@$(call python_for,$(INTEGRATION_PYTHON)) $(INTEGRATION_ARGS)

# The reliability suite imports the collection from the stage (build/ is on PYTHONPATH).
reliability: stage
	@PYTHONPATH="$(BUILD)" python -m pytest -p no:cacheprovider tests/reliability $(PYTEST_ARGS)

stress: stage
	@PYTHONPATH="$(BUILD)" python -m pytest -p no:cacheprovider tests/reliability --stress $(PYTEST_ARGS)

changelog-lint: venv
	@antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	echo "changelog-lint: $$(ls changelogs/fragments | wc -l) fragment(s) OK"

# `generate` renders only what changelog.yaml holds (pending fragments wait for the next
# `antsibull-changelog release`), so the committed files must equal a fresh rendering.
changelog-render: venv
	@rendered=$$(mktemp -d); trap 'rm -rf "$$rendered"' EXIT
	for format in md rst; do
	    antsibull-changelog generate --output "$$rendered/CHANGELOG.$$format" --output-format "$$format"
	    diff -u "CHANGELOG.$$format" "$$rendered/CHANGELOG.$$format" \
	        || { echo "changelog-render: CHANGELOG.$$format is stale; run antsibull-changelog generate" >&2; exit 1; }
	done
	echo "changelog-render: CHANGELOG.md and CHANGELOG.rst are current"

# From the repository root: antsibull-docs copies the collection's git-tracked files, so in the
# stage (ignored by git) it would find no plugins and pass without checking anything. `dependent`
# also checks references to ansible.builtin.
docs-lint: venv
	@antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs dependent \
	    --disallow-unknown-collection-refs .
	echo "docs-lint: modules, filter, doc fragment and role argument specs OK"

# --offline: ansible-lint would otherwise install this collection into ~/.ansible/collections and
# lint against that copy instead of the stage on ANSIBLE_COLLECTIONS_PATH.
lint: stage
	@paths="$$(for p in roles playbooks extensions; do if [ -d "$$p" ]; then echo "$$p"; fi; done)"
	if [ -z "$$paths" ]; then echo "lint: no roles, playbooks or extensions yet"; exit 0; fi
	ansible-lint --offline --profile production $$paths

# From the repository root, which holds galaxy.yml: molecule's collection mode (extensions/molecule).
molecule: stage
	@if [ ! -d extensions/molecule ]; then echo "molecule: no extensions/molecule yet"; exit 0; fi
	molecule test $(MOLECULE_ARGS)

# --- Controllers: every ansible-core of meta/runtime.yml, the distribution's Python ----------

# The older ansible-cores of requires_ansible, each in a venv under build/controllers/<version> on a
# Python that version supports as a controller, every package pinned by .ci/controllers/<version>.txt.
# `controllers` runs there what depends on ansible-core: the controller-side unit tests (action,
# filter, plugin_utils), the integration targets (modules on that venv's Python) and the demo.
# module_requirements is left out: what it checks happens on the managed host. The main venv's
# ansible-core 2.21 runs the units and integration above and the demo in system-python.
CONTROLLER_VERSIONS ?= 2.16 2.18
CONTROLLER_INTEGRATION_ARGS ?= --exclude module_requirements
controller_python_2.16 := 3.12
controller_python_2.18 := 3.13
CONTROLLERS := $(BUILD)/controllers
CONTROLLER_UNIT_TESTS := tests/unit/plugins/action tests/unit/plugins/filter tests/unit/plugins/plugin_utils

# The modules on the managed hosts' system Python with the distribution's cryptography and lxml.
SYSTEM_PYTHON ?= /usr/bin/python3
SYSTEM_PYTHON_PACKAGES ?= python3-cryptography python3-lxml

TEST_STEPS += controllers system-python
.PHONY: controllers system-python

$(CONTROLLERS)/%/.installed: .ci/controllers/%.txt
	@python="$(call python_for,$(controller_python_$*))"
	if [ -z "$$python" ]; then echo "controllers: no Python $(controller_python_$*) for ansible-core $*" >&2; exit 1; fi
	echo "controllers: venv for ansible-core $* from $$python"
	"$$python" -m venv --clear "$(@D)"
	"$(@D)/bin/python" -m pip install --quiet -r "$<"
	touch "$@"

# Every version runs even after a failure; the step fails if any check did.
controllers: stage $(foreach v,$(CONTROLLER_VERSIONS),$(CONTROLLERS)/$(v)/.installed)
	@failed=""
	check() {
	    local name=$$1 start=$$SECONDS; shift
	    if "$$@"; then echo "controllers: $$name passed in $$((SECONDS - start)) s"; else failed="$$failed $$name"; echo "controllers: $$name FAILED"; fi
	}
	for version in $(CONTROLLER_VERSIONS); do
	    bin="$(CONTROLLERS)/$$version/bin"
	    echo "controllers: $$("$$bin/ansible" --version | head -n 1) on $$("$$bin/python" --version)"
	    check "$$version units" env -C "$(STAGE)" PYTHONPATH="$(BUILD)" "$$bin/python" -m pytest -q -p no:cacheprovider $(CONTROLLER_UNIT_TESTS)
	    check "$$version integration" env -C "$(STAGE)" ANSIBLE_TEST_CONTENT_ROOT="$(STAGE)" PATH="$$bin:$$PATH" \
	        ansible-test integration $(ANSIBLE_TEST_ARGS) $(CONTROLLER_INTEGRATION_ARGS) $(INTEGRATION_ARGS)
	    check "$$version demo" env PATH="$$bin:$$PATH" bash demo/run.sh
	done
	if [ -n "$$failed" ]; then echo "controllers: failed:$$failed" >&2; exit 1; fi
	echo "controllers: ansible-core $(CONTROLLER_VERSIONS) passed"

# CI runs as root: the packages are installed when missing; elsewhere a missing one fails the step.
# The roles' *_install_packages (on in this demo) then find them installed.
system-python: stage
	@if ! "$(SYSTEM_PYTHON)" -c 'import cryptography, lxml' 2>/dev/null; then
	    if [ "$$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
	        echo "system-python: $(SYSTEM_PYTHON) lacks cryptography or lxml; install $(SYSTEM_PYTHON_PACKAGES) (as root)" >&2
	        exit 1
	    fi
	    echo "system-python: apt-get install $(SYSTEM_PYTHON_PACKAGES)"
	    apt-get update -qq
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PYTHON_PACKAGES) >/dev/null
	fi
	"$(SYSTEM_PYTHON)" -c 'import sys, cryptography, lxml.etree as e; print("system-python: %s: Python %s, cryptography %s, lxml %s" % (sys.executable, sys.version.split()[0], cryptography.__version__, e.__version__))' \
	    || { echo "system-python: $(SYSTEM_PYTHON) still lacks cryptography or lxml after apt-get install $(SYSTEM_PYTHON_PACKAGES)" >&2; exit 1; }
	# The roles' package names must be the ones just installed: check mode then changes nothing.
	for role in export_configs import_configs; do
	    if ! out=$$(ansible localhost -c local -e ansible_python_interpreter="$(SYSTEM_PYTHON)" -e "$${role}_install_packages=true" --check \
	            -m ansible.builtin.include_role -a "name=peernet.peergroup.$$role tasks_from=packages" 2>&1) \
	        || grep -q '"changed": true' <<<"$$out"; then
	        echo "$$out" >&2; echo "system-python: $$role's package tasks failed or would install something" >&2; exit 1
	    fi
	    echo "system-python: $$role's package tasks find everything installed (check mode)"
	done
	DEMO_PYTHON="$(SYSTEM_PYTHON)" DEMO_INSTALL_PACKAGES=1 bash demo/run.sh

# --- Demo, benchmarks ------------------------------------------------------------------------

# No stage: demo/run.sh puts this checkout on its own collections path.
demo: demo-venv
	@ANSIBLE_COLLECTIONS_PATH= bash demo/run.sh

# Not part of `make test`: the measures of docs/performance.md (BENCH_ARGS=--quick for a smoke run).
bench: stage
	@PYTHONPATH="$(BUILD)" python bench/run.py $(BENCH_ARGS)

# --- Artifacts -------------------------------------------------------------------------------

galaxy-build: venv
	@rm -rf "$(DIST)"
	ansible-galaxy collection build --force --output-path "$(DIST)" .
	tarball=$$(ls "$(DIST)"/peernet-peergroup-*.tar.gz)
	entries=$$(tar -tzf "$$tarball")
	unwanted=$$(grep -E '^(\.|(bench|build|demo|extensions|tests)(/|$$))' <<<"$$entries" || true)
	if [ -n "$$unwanted" ]; then echo "galaxy-build: $$tarball must not hold:" >&2; echo "$$unwanted" >&2; exit 1; fi
	for needed in MANIFEST.json FILES.json meta/runtime.yml LICENSES/GPL-3.0-or-later.txt; do
	    grep -qx "$$needed" <<<"$$entries" || { echo "galaxy-build: $$tarball lacks $$needed" >&2; exit 1; }
	done
	echo "galaxy-build: $$(wc -l <<<"$$entries") entries, none under tests/ bench/ build/ demo/ extensions/ and none hidden"

# The tarball as a user gets it, alone on the collections path: whatever build_ignore or the
# build drops, or a doc that only loads from the source tree, shows up as a missing name.
install-check: galaxy-build
	@installed=$$(mktemp -d); trap 'rm -rf "$$installed"' EXIT
	# Set before the install too: with the stage on the path, ansible-galaxy would skip it as done.
	export ANSIBLE_COLLECTIONS_PATH="$$installed" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
	ansible-galaxy collection install --offline -p "$$installed" "$(DIST)"/peernet-peergroup-*.tar.gz
	cd "$$installed"
	python "$(CURDIR)/.ci/check_installed.py" "$(CURDIR)" peernet.peergroup

ee-context: galaxy-build
	@rm -rf "$(EE_CONTEXT)"
	ansible-builder create --file execution-environment.yml --context "$(EE_CONTEXT)" --output-filename Containerfile -v 1
	test -s "$(EE_CONTEXT)/Containerfile"
	ls "$(EE_CONTEXT)"/_build/collections/peernet-peergroup-*.tar.gz >/dev/null
	for file in requirements.txt bindep.txt; do test -s "$(EE_CONTEXT)/_build/$$file"; done
	grep -q 'ansible-galaxy collection install' "$(EE_CONTEXT)/Containerfile"
	echo "ee-context: $(EE_CONTEXT)/Containerfile"

# --- Everything ------------------------------------------------------------------------------

# Runs every step even after a failure, then fails if any did.
test: venv
	@passed=0; failed=0; failures=""
	for step in $(TEST_STEPS); do
	    echo "=== make $$step"
	    start=$$SECONDS
	    if $(MAKE) "$$step"; then
	        passed=$$((passed + 1)); echo "=== $$step passed in $$((SECONDS - start)) s"
	    else
	        failed=$$((failed + 1)); failures="$$failures $$step"; echo "=== $$step FAILED after $$((SECONDS - start)) s"
	    fi
	done
	if [ "$$failed" -gt 0 ]; then echo "failed steps:$$failures"; fi
	echo "test: $$passed passed, $$failed failed"
	[ "$$failed" -eq 0 ]

# --- Maintenance -----------------------------------------------------------------------------

constraints:
	@if [ -z "$(PYTHON313)" ]; then echo "make: Python 3.13 not found; set PYTHON313=/path/to/python3.13" >&2; exit 1; fi
	rm -rf "$(BUILD)/constraints-venv"
	"$(PYTHON313)" -m venv "$(BUILD)/constraints-venv"
	"$(BUILD)/constraints-venv/bin/python" -m pip install --quiet -r requirements-dev.txt
	{ sed -n '1,/^# Every package/p' constraints.txt | sed '$$d'
	  echo '# Every package of the controller venv (Python 3.13), pinned: `pip freeze` of a fresh'
	  echo '# `pip install -r requirements-dev.txt`. Refresh with `make constraints`.'
	  "$(BUILD)/constraints-venv/bin/python" -m pip freeze --exclude-editable
	} > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf "$(BUILD)/constraints-venv"
	echo "constraints: $$(grep -c '==' constraints.txt) pins"

clean:
	rm -rf build tests/output .hypothesis

distclean: clean
	rm -rf "$(VENV_DIR)"
