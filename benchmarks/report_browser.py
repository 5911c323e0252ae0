"""The HTML report at 1,000 devices in a real browser: time to open and to filter, against the goal of under a
second each (issue 20). A benchmark, not a test: it runs the browser test that builds and drives the page
(tests/browser/test_report_browser.py::test_1000_devices_open_filter_and_search), reads the figures it records and
prints them with the machine's load average. Needs the browser (`make browser-deps`).

    .venv/bin/python benchmarks/report_browser.py
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST = "tests/browser/test_report_browser.py::test_1000_devices_open_filter_and_search"
GOAL_MS = 1000


def load():
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def main():
    before = load()
    with tempfile.TemporaryDirectory() as tmp:
        junit = os.path.join(tmp, "junit.xml")
        run = subprocess.run([sys.executable, "-m", "pytest", TEST, "-q", "-p", "no:cacheprovider",
                              "--junitxml", junit, "-o", "junit_family=xunit1"], cwd=ROOT, capture_output=True, text=True)
        figures = None
        if os.path.exists(junit):
            for prop in ET.parse(junit).iter("property"):
                if prop.get("name") == "fleet1000":
                    figures = json.loads(prop.get("value").replace("'", '"'))
    if figures is None:
        print("report_browser: no figures (the browser test did not run: %s)" % run.stdout.strip().splitlines()[-1:])
        return 0 if "skipped" in run.stdout else 1
    worst_filter = max(figures["filter_ms"].values())
    print("1,000-device report in Chromium (load %.1f -> %.1f): open %.0f ms, filters %s ms, page %d bytes; "
          "goal under %d ms: %s" % (before, load(), figures["open_ms"], figures["filter_ms"], figures["html_bytes"],
                                    GOAL_MS, figures["open_ms"] < GOAL_MS and worst_filter < GOAL_MS))
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
