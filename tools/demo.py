#!/usr/bin/env python3
"""`make demo`: start a 24-device `seeds` fleet of the emulator on loopback, run fortifleet.auth.diagnose,
fortifleet.auth.remediate and fortifleet.auth.diagnose again, print the before/after summary, what changed since
the previous run (each report compares itself with the newest one beside it) and where the reports are, and stop
the emulator."""
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
sys.path.insert(0, os.path.join(ROOT, ".build"))

from fortigate_emulator import ha  # noqa: E402
from fortigate_emulator.testing import running_emulator  # noqa: E402
from tests.integration.harness import ansible_env  # noqa: E402
from ansible_collections.fortifleet.auth.plugins.module_utils._report.model import grouped_findings, plural  # noqa: E402

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
REPORTS = os.path.join(ROOT, "fortifleet-report")
STEPS = [("1-diagnose", "fortifleet.auth.diagnose"), ("2-remediate", "fortifleet.auth.remediate"),
         ("3-diagnose", "fortifleet.auth.diagnose")]


def run(inventory, name, playbook):
    report_dir = os.path.join(REPORTS, name)
    start = time.monotonic()
    proc = subprocess.run([PLAYBOOK, "-i", inventory, "-f", "10", playbook, "-e", "fortifleet_report_dir=%s" % report_dir],
                          env=ansible_env(), text=True, capture_output=True)
    elapsed = time.monotonic() - start
    if not os.path.exists(os.path.join(report_dir, "report.json")):
        print(proc.stdout[-6000:], proc.stderr[-3000:])
        raise SystemExit("%s did not write its report" % playbook)
    with open(os.path.join(report_dir, "report.json")) as handle:
        report = json.load(handle)
    counts = ", ".join("%s %d" % (k, v) for k, v in report["summary"]["by_status"].items() if v)
    since = report.get("since_previous")
    if since:
        counts += "; since %s: %s" % (since["run"]["name"], ", ".join(
            "%s %d" % (k.replace("_", " "), v) for k, v in sorted(since["counts"].items()) if v))
    print("%-12s %-28s %5.1f s  exit %d  %s" % (name, playbook, elapsed, proc.returncode, counts))
    return report


def findings(report):
    """Per device, its findings grouped by id with the objects they concern ('ID: A, B (2)')."""
    return dict((d["name"], grouped_findings(sorted(d["findings"], key=lambda f: f["id"])))
                for d in report["devices"])


def ha_secondary(emu):
    """The inventory name of the seeds fleet's HA secondary (the emulator pairs its last two healthy units, the
    first of them primary: fortigate_emulator/ha.py seeds_pairs), or None."""
    devices = emu.devices()
    pairs = ha.seeds_pairs([d["scenario"] for d in devices])
    return devices[pairs[0][1] - 1]["name"] if pairs else None


def scenario_text(device, scenario):
    role = (((device.get("topology") or {}).get("ha") or {}).get("role"))
    return "%s, HA %s" % (scenario, role) if role else scenario


def main():
    start = time.monotonic()
    # A new emulator fleet each time (new token serials): the first run has nothing to compare with.
    shutil.rmtree(REPORTS, ignore_errors=True)
    with running_emulator(devices=24, scenario="seeds", port="auto") as emu:
        print("emulator: 24 FortiGates (seeds mix: every seed problem, an HA pair, a FortiManager-managed and a "
              "multi-VDOM unit) ready in %.1f s\n" % emu.start_seconds)
        # The HA pair's secondary gets a broken push setting: it is the cluster's (one synchronised configuration),
        # and the collection repairs it once, through the primary.
        secondary = ha_secondary(emu)
        if secondary:
            emu.set_config(secondary, "system/ftm-push", {"status": "disable"})
        before = run(emu.inventory, *STEPS[0])
        run(emu.inventory, *STEPS[1])
        after = run(emu.inventory, *STEPS[2])
        scenarios = dict((d["name"], d["scenario"]) for d in emu.devices())
    print("\n%-8s %-26s %-13s %-13s %s" % ("device", "scenario", "before", "after", "left for a human"))
    statuses_before = dict((d["name"], d["status"]) for d in before["devices"])
    left = findings(after)
    for device in after["devices"]:
        name = device["name"]
        left_here = "; ".join(left[name]) or (
            "handled through %s" % device["handled_through"] if device.get("handled_through") else "-")
        row = (name, scenario_text(device, scenarios.get(name, "")), statuses_before.get(name), device["status"],
               left_here)
        print("%-8s %-26s %-13s %-13s %s" % row)
    for cluster in after.get("clusters") or []:
        print("\nHA cluster %s: primary %s, members %s, %s; every write went through the primary."
              % (cluster["name"], cluster["primary"], ", ".join(cluster["members"]),
                 "in sync" if cluster["in_sync"] else "NOT in sync"))
    since = after.get("since_previous")
    if since:
        counts = since["counts"]
        print("\nSince the previous run (%s): %d new, %d fixed, %d still open, %d not checked"
              % (since["run"]["name"], counts["new"], counts["fixed"], counts["open"], counts["not_checked"]))
        for device in after["devices"]:
            delta = since["devices"].get(device["name"]) or {}
            for kind in ("new", "fixed"):
                if delta.get(kind):
                    print("  %-8s %-5s %s" % (device["name"], kind, ", ".join(f["id"] for f in delta[kind])))
    print("\nWhat a human must do:")
    for action in after["summary"]["human_actions"]:
        print("  - %s (%s): %s" % (action["id"], plural(len(action["devices"]), "device"), action["remediation"]))
    print("\nReports (JSON, Markdown, HTML, JUnit) in %s/{1-diagnose,2-remediate,3-diagnose}" % REPORTS)
    print("Open %s in a browser: the fleet picture, filters, and what changed since the remediate run."
          % os.path.join(REPORTS, "3-diagnose", "report.html"))
    print("demo finished in %.0f s (emulator stopped)" % (time.monotonic() - start))


if __name__ == "__main__":
    main()
