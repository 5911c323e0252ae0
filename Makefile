# The two commands of the README: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The support matrix (README "Install"): the oldest core lives in .venv (default python3) and runs everything;
# every other core gets .venv-core<XY> from requirements-core<XY>.txt on its own Python (tools/find_python.sh).
# make test: sanity and units on every core, the integration suite on the oldest and on the newest.
OLDEST_CORE := 2.19
NEWEST_CORE := 2.21
CORES := 2.19 2.20 2.21
CORE_PYTHON_2.19 := 3.11
CORE_PYTHON_2.20 := 3.12
CORE_PYTHON_2.21 := 3.13
# The vendor's collection (fortinet.fortios 2.6.0 in ansible 14.5.0) for the fidelity test and the benchmark.
VENDOR_VENV := .venv-vendor
VENDOR_PYTHON := 3.13
core_venv = $(if $(filter $(OLDEST_CORE),$(1)),$(VENV),.venv-core$(subst .,,$(1)))
core_bin = $(CURDIR)/$(call core_venv,$(1))/bin
core_stamp = $(call core_venv,$(1))/.installed-stamp
# `make integration CORE=2.21`: the integration suite on another core of the matrix.
CORE ?= $(OLDEST_CORE)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build
export PYTHONPATH := $(CURDIR)/.build
export ANSIBLE_LOCAL_TEMP := $(CURDIR)/.cache/ansible-tmp
export ANSIBLE_HOME := $(CURDIR)/.cache/ansible-home
export ANSIBLE_NOCOLOR := 1
PATH := $(BIN):$(PATH)
export PATH
LAYOUT = $(BIN)/python tools/layout.py
.DEFAULT_GOAL := help
ANSIBLE_TEST_ARGS = --venv --python $(CORE_PYTHON_$(1)) --color no

include mk/report.mk

help:
	@echo 'The two commands of the README:'
	@echo '  make demo     set everything up and run diagnose, remediate, diagnose against the embedded emulator fleet'
	@echo '  make test     set everything up and run the whole test suite and every gate (what CI runs)'
	@echo 'Parts of make test:'
	@echo '  make unit | integration | emulator-tests | pytest (the three suites, oldest core) | gates'
	@echo '  make integration CORE=2.21 (any core of the matrix: $(CORES)) | integration-newest'
	@echo '  make lint | galaxy | docs-lint | changelog-lint | ee | docs | sanity | units'
	@echo '  make sanity-2.20, units-2.21, ... (one core); make venvs (every matrix venv and the vendor venv)'
	@echo 'Other:'
	@echo '  make setup    the virtual environment (.venv) and the collection layout (.build)'
	@echo '  make bench    the benchmarks (benchmarks/): 100 devices vs the vendor and the floor, 1,000 behind a WAN latency'
	@echo '  make bench-10k  the 10,000-device run (no latency: wall time, controller and emulator RSS; takes minutes)'
	@echo '  make clean    remove build and report output'

.PHONY: help setup layout test gates-then-newest pytest gates unit integration emulator-tests lint galaxy docs-lint changelog-lint ee \
        sanity units $(addprefix sanity-,$(CORES)) $(addprefix units-,$(CORES)) integration-newest venvs docs demo \
        bench bench-10k clean

setup: $(STAMP) layout

$(STAMP): requirements.txt requirements-dev.txt requirements-tests.txt requirements-gates.txt tests/emulator/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt -r requirements-gates.txt
	touch $(STAMP)

# .venv-core220/.installed-stamp etc.: the venv from the core's Python and requirements-core<XY>.txt.
.venv-core%/.installed-stamp: requirements-core%.txt requirements.txt requirements-tests.txt
	@core=$$(echo $* | sed 's/^\(.\)/\1./'); py=$$(tools/find_python.sh $(CORE_PYTHON_$(shell echo $* | sed 's/^\(.\)/\1./'))) \
	  && echo "== .venv-core$* (ansible-core $$core) from $$py" \
	  && { test -x .venv-core$*/bin/python || $$py -m venv .venv-core$*; } \
	  && .venv-core$*/bin/python -m pip install -q --disable-pip-version-check --upgrade pip \
	  && .venv-core$*/bin/python -m pip install -q --disable-pip-version-check -r requirements-core$*.txt
	touch $@

$(VENDOR_VENV)/.installed-stamp: requirements-vendor.txt
	@py=$$(tools/find_python.sh $(VENDOR_PYTHON)) && echo "== $(VENDOR_VENV) from $$py" \
	  && { test -x $(VENDOR_VENV)/bin/python || $$py -m venv $(VENDOR_VENV); } \
	  && $(VENDOR_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements-vendor.txt
	touch $@

venvs: $(STAMP) $(foreach c,$(CORES),$(call core_stamp,$(c))) $(VENDOR_VENV)/.installed-stamp

layout:
	$(LAYOUT) link >/dev/null

# Everything CI runs, on two lanes at once (measured: the pytest lane keeps one CPU busy, the gates another, and the
# gates take about half as long as the pytest suites): lane 1, the pytest suites on the oldest core (unit, emulator
# incl. the vendor fidelity test, integration incl. the ansible-runner embedding test); lane 2, the Ansible
# ecosystem's gates (sanity and units on every core, lint, galaxy, docs), then the integration suite on the newest
# core. Each prints its output when done.
test: setup venvs browser-tests
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest gates-then-newest

gates-then-newest: gates
	$(MAKE) --no-print-directory integration-newest

pytest: setup $(VENDOR_VENV)/.installed-stamp
	@echo "== $@ started $$(date +%T)"
	$(BIN)/python tools/role_settings.py --check
	$(BIN)/python -m pytest tests/unit tests/emulator/tests tests/integration

gates: lint galaxy docs-lint changelog-lint ee docs sanity units

unit: setup
	$(BIN)/python -m pytest tests/unit

# The suite runs ansible-playbook from the venv of the Python that runs pytest (tests/integration/harness.py).
integration: setup $(call core_stamp,$(CORE))
	@echo "== $@ on ansible-core $(CORE) started $$(date +%T)"
	$(call core_bin,$(CORE))/python -m pytest tests/integration -p no:cacheprovider

integration-newest: setup $(call core_stamp,$(NEWEST_CORE))
	@$(MAKE) --no-print-directory integration CORE=$(NEWEST_CORE)

emulator-tests: setup $(VENDOR_VENV)/.installed-stamp
	$(BIN)/python -m pytest tests/emulator/tests

# ansible-lint, production profile (.ansible-lint), over the roles and playbooks.
lint: setup
	@echo "== $@ started $$(date +%T)"
	$(BIN)/ansible-lint roles playbooks

# Build the tarball, check what it ships, run galaxy-importer on it, install it and render ansible-doc from it.
galaxy: setup
	@echo "== $@ started $$(date +%T)"
	$(BIN)/python tools/galaxy_check.py

docs-lint: setup
	@echo "== $@ started $$(date +%T)"
	cd .build/ansible_collections/fortifleet/auth && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .

changelog-lint: setup
	@echo "== $@ started $$(date +%T)"
	$(BIN)/antsibull-changelog lint

# ansible-builder create: a valid execution-environment build context, no container engine.
ee: setup
	@echo "== $@ started $$(date +%T)"
	$(BIN)/python tools/ee_check.py

# ansible-test downloads its pip bootstrap script from a host we cannot reach: give it ours.
# It runs on a copy of the tree laid out as ansible_collections/fortifleet/auth, one per ansible-core.
sanity: $(addprefix sanity-,$(CORES))
units: $(addprefix units-,$(CORES))

.SECONDEXPANSION:
$(addprefix sanity-,$(CORES)) $(addprefix units-,$(CORES)): setup $$(call core_stamp,$$(lastword $$(subst -, ,$$@)))
	@echo "== $@ started $$(date +%T)"
	$(call core_bin,$(lastword $(subst -, ,$@)))/python tools/bootstrap_pip.py --install-for-ansible-test
	cd "$$($(LAYOUT) copy $@)" && env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH \
	  $(call core_bin,$(lastword $(subst -, ,$@)))/ansible-test $(firstword $(subst -, ,$@)) \
	  $(call ANSIBLE_TEST_ARGS,$(lastword $(subst -, ,$@)))

# The docs site (docs/): collection docs from antsibull-docs plus the user guide, built by Sphinx into
# docs/build/html. Offline except for the PyPI installs of `setup`.
docs: setup
	@echo "== $@ started $$(date +%T)"
	$(BIN)/python tools/findings_doc.py --check
	cd docs && ./build.sh
	$(BIN)/python tools/docs_check.py

demo: setup
	$(BIN)/python tools/demo.py

# make bench: fortigate_info action vs classic, emulator throughput, 100 devices (ours, the vendor, the floor), then
# 1,000 devices behind 100 ms +- 20 ms (ours vs the fan-out floor; requests and round trips per device and scenario).
bench: setup $(VENDOR_VENV)/.installed-stamp
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/report_browser.py
	$(BIN)/python benchmarks/tls_context.py

# 10,000 devices without latency: diagnose wall time, the controller's peak RSS, the emulator's apart (benchmarks/README.md).
bench-10k: setup
	$(BIN)/python benchmarks/run.py --fleet-only --sizes 0 --latency-sizes 0 --scale-sizes 10000 --workers 16 --rss \
	  --inventory-format json

clean:
	rm -rf .build .cache .pytest_cache fortifleet-report docs/build docs/temp-rst
