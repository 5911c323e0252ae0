# The two commands of the README: `make demo` and `make test`. Both set everything up.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build
export PYTHONPATH := $(CURDIR)/.build
export ANSIBLE_LOCAL_TEMP := $(CURDIR)/.cache/ansible-tmp
export ANSIBLE_HOME := $(CURDIR)/.cache/ansible-home
PATH := $(BIN):$(PATH)
export PATH

.PHONY: setup layout test unit integration emulator-tests sanity demo bench clean

setup: $(STAMP) layout

$(STAMP): requirements.txt requirements-dev.txt tests/emulator/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

layout:
	$(BIN)/python tests/tools/layout.py link >/dev/null

test: setup
	$(BIN)/python -m pytest tests/unit tests/emulator/tests tests/integration
	$(MAKE) --no-print-directory sanity

unit: setup
	$(BIN)/python -m pytest tests/unit

integration: setup
	$(BIN)/python -m pytest tests/integration

emulator-tests: setup
	$(BIN)/python -m pytest tests/emulator/tests

# ansible-test downloads its pip bootstrap script from a host we cannot reach: give it ours.

sanity: setup
	$(BIN)/python tests/tools/bootstrap_pip.py --install-for-ansible-test
	cd "$$($(BIN)/python tests/tools/layout.py copy)" && \
	  $(BIN)/ansible-test sanity --venv --python 3.11 --color no

demo: setup
	$(BIN)/python tests/tools/demo.py

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf .build .cache .pytest_cache fortifleet-report
