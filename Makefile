# The two commands of the README: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# A second ansible-core for ansible-test sanity/units (the newest, 2.19, is in .venv).
CORE216 := .venv-core216
CORE216_BIN := $(CURDIR)/$(CORE216)/bin
CORE216_STAMP := $(CORE216)/.installed-stamp
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build
export PYTHONPATH := $(CURDIR)/.build
export ANSIBLE_LOCAL_TEMP := $(CURDIR)/.cache/ansible-tmp
export ANSIBLE_HOME := $(CURDIR)/.cache/ansible-home
export ANSIBLE_NOCOLOR := 1
PATH := $(BIN):$(PATH)
export PATH
LAYOUT = $(BIN)/python tools/layout.py
.DEFAULT_GOAL := help
ANSIBLE_TEST_ARGS := --venv --python 3.11 --color no

include mk/report.mk

help:
	@echo 'The two commands of the README:'
	@echo '  make demo     set everything up and run diagnose, remediate, diagnose against the embedded emulator fleet'
	@echo '  make test     set everything up and run the whole test suite and every gate (what CI runs)'
	@echo 'Parts of make test:'
	@echo '  make unit | integration | emulator-tests | pytest (the three suites) | gates'
	@echo '  make lint | galaxy | docs-lint | changelog-lint | ee | docs | sanity | units'
	@echo 'Other:'
	@echo '  make setup    the virtual environment (.venv) and the collection layout (.build)'
	@echo '  make bench    the benchmarks (benchmarks/)'
	@echo '  make clean    remove build and report output'

.PHONY: help setup layout test pytest gates unit integration emulator-tests lint galaxy docs-lint changelog-lint ee \
        sanity units sanity-2.19 sanity-2.16 units-2.19 units-2.16 docs demo bench clean

setup: $(STAMP) layout

$(STAMP): requirements.txt requirements-dev.txt requirements-gates.txt tests/emulator/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt -r requirements-gates.txt
	touch $(STAMP)

$(CORE216_STAMP): requirements-core216.txt
	test -x $(CORE216_BIN)/python || $(PYTHON) -m venv $(CORE216)
	$(CORE216_BIN)/python -m pip install -q --disable-pip-version-check -r requirements-core216.txt
	touch $(CORE216_STAMP)

layout:
	$(LAYOUT) link >/dev/null

# Everything CI runs: the pytest suites (unit, emulator, integration incl. the ansible-runner embedding test),
# then the Ansible ecosystem's gates, two at a time (they are independent; each prints its output when done).
test: setup browser-tests
	$(MAKE) --no-print-directory pytest
	$(MAKE) --no-print-directory -j2 --output-sync=target gates

pytest: setup
	@echo "== $@ started $$(date +%T)"
	$(BIN)/python tools/role_settings.py --check
	$(BIN)/python -m pytest tests/unit tests/emulator/tests tests/integration

gates: lint galaxy docs-lint changelog-lint ee docs sanity units

unit: setup
	$(BIN)/python -m pytest tests/unit

integration: setup
	$(BIN)/python -m pytest tests/integration

emulator-tests: setup
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
sanity: sanity-2.19 sanity-2.16
units: units-2.19 units-2.16

sanity-2.19 units-2.19: setup
	@echo "== $@ started $$(date +%T)"
	$(BIN)/python tools/bootstrap_pip.py --install-for-ansible-test
	cd "$$($(LAYOUT) copy $@)" && env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH \
	  $(BIN)/ansible-test $(subst -2.19,,$@) $(ANSIBLE_TEST_ARGS)

sanity-2.16 units-2.16: setup $(CORE216_STAMP)
	@echo "== $@ started $$(date +%T)"
	$(CORE216_BIN)/python tools/bootstrap_pip.py --install-for-ansible-test
	cd "$$($(LAYOUT) copy $@)" && env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH \
	  $(CORE216_BIN)/ansible-test $(subst -2.16,,$@) $(ANSIBLE_TEST_ARGS)

# The docs site (docs/): collection docs from antsibull-docs plus the user guide, built by Sphinx into
# docs/build/html. Offline except for the PyPI installs of `setup`.
docs: setup
	@echo "== $@ started $$(date +%T)"
	$(BIN)/python tools/findings_doc.py --check
	cd docs && ./build.sh
	$(BIN)/python tools/docs_check.py

demo: setup
	$(BIN)/python tools/demo.py

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf .build .cache .pytest_cache fortifleet-report docs/build docs/temp-rst
