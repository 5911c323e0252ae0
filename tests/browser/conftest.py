"""Headless Chromium for the report tests: Debian's chromium driven by Playwright (requirements-browser.txt).

Without a browser (or without Playwright) every test here is skipped with the reason and the command that installs
it; never passed."""
import os
import shutil
import subprocess
import sys

import pytest

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
INSTALL = "make browser-deps (as root: apt-get install -y chromium; pip install -r requirements-browser.txt)"


def chromium_path():
    """The Chromium to drive: $FORTIFLEET_CHROMIUM, else Debian's chromium on the PATH."""
    for candidate in (os.environ.get("FORTIFLEET_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("SKIPPED, no browser test ran: Playwright is not installed; run %s" % INSTALL)
    path = chromium_path()
    if path is None:
        pytest.skip("SKIPPED, no browser test ran: no Chromium executable (chromium) found; run %s" % INSTALL)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, headless=True)
        try:
            yield instance
        finally:
            instance.close()


class Page(object):
    """A page of report.html with its console errors and uncaught exceptions collected."""

    def __init__(self, browser, url, width=1280, height=900):
        self.errors = []
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(url)
        self.page.wait_for_selector("html[data-ready='1']")

    def visible_devices(self):
        return self.page.eval_on_selector_all(
            "#devices tbody tr[id^='dev-']", "rows => rows.filter(r => !r.hidden).map(r => r.id.slice(4))")

    def close(self):
        self.context.close()


@pytest.fixture
def open_page(browser):
    pages = []

    def opener(url, **kwargs):
        pages.append(Page(browser, url, **kwargs))
        return pages[-1]

    yield opener
    for page in pages:
        page.close()


def run_playbook(inventories, playbook, report_dir, env):
    args = [PLAYBOOK]
    for inventory in inventories:
        args += ["-i", inventory]
    args += ["-f", "10", playbook, "-e", "fortifleet_report_dir=%s" % report_dir]
    proc = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert os.path.exists(os.path.join(report_dir, "report.json")), proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc
