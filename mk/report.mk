# The report's real-browser tests and screenshots (included by the Makefile).
# Headless Chromium is Debian's `chromium` package, driven by Playwright (requirements-browser.txt) through
# executable_path: Playwright's own browser download is never used. Without a browser the tests are skipped, saying so.
BROWSER_STAMP := $(VENV)/.browser-stamp
CHROMIUM ?= chromium

.PHONY: browser-deps browser-tests report-screenshots

$(BROWSER_STAMP): requirements-browser.txt $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-browser.txt
	touch $(BROWSER_STAMP)

# Installs Debian's chromium when it is missing and we may (root, or passwordless sudo); otherwise says how.
browser-deps: $(BROWSER_STAMP)
	@if command -v $(CHROMIUM) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "== installing Debian's chromium (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then \
	  echo "== installing Debian's chromium (sudo apt-get)"; \
	  sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "== no chromium and no root to install it: the browser tests will be skipped (apt-get install chromium)"; \
	fi

browser-tests: setup browser-deps
	@echo "== $@ started $$(date +%T)"
	$(BIN)/python -m pytest tests/browser -rs

# The screenshots of the report docs (docs/report.md): the browser tests save them into docs/images.
report-screenshots: setup browser-deps
	FORTIFLEET_SCREENSHOTS=$(CURDIR)/docs/images $(BIN)/python -m pytest tests/browser -rs
