"""Report scale benchmark: the fleet report of a synthetic N-device run, step by step (issue 19).

Not a test: numbers for people. Builds N device records shaped like a fleet run's (a mix of healthy devices,
devices with findings, with changes, with errors, left out, HA pairs; one distinct access token per device, all
given to the report to redact, as the report action does from the inventory), a previous report to compare with,
then times each step the report action takes (model.build with redaction, changes.add_changes, each renderer) and
prints seconds per step, per 1,000 devices, and the process's peak RSS.

    .venv/bin/python benchmarks/report_scale.py                  # 1,000 and 10,000 devices
    .venv/bin/python benchmarks/report_scale.py --devices 10000 --json out.json

A step that grows faster than the fleet (quadratic) shows as a rising "s per 1,000" from one size to the next.
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".build"))  # make layout: ansible_collections/fortifleet/auth -> this tree

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd  # noqa: E402
from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info  # noqa: E402
from ansible_collections.fortifleet.auth.plugins.module_utils._report import changes, html, model, render  # noqa: E402

AREAS = ["ftm_push", "fortitoken", "ems_connector"]
FINDINGS_REGISTERED_BY = fortigate_info  # the findings catalogue is filled by the diagnosis modules it imports


def token(i):
    return "tok%05dAbCdEfGhIjKlMnOpQrStUv" % i


def record(i):
    """One device's record, as a fleet run returns it (shape of _fleet/device.py new_record and preflight)."""
    kind = i % 10
    access = "ok" if kind != 9 else ("token_rejected" if i % 20 == 9 else "unreachable")
    rec = {"address": "10.%d.%d.%d" % (i // 65536, i // 256 % 256, i % 256), "ran": True, "check_mode": True,
           "areas": list(AREAS), "findings": [], "changes": [], "errors": [], "notes": [], "warnings": [],
           "requests": {"sent": 12, "retried": 0}, "seconds": 0.5,
           "preflight": {"access": access, "version": "7.4.4" if i % 3 else "7.2.8", "serial": "FGVM%08d" % i,
                         "system": {"model": "FortiGate-VM64", "hostname": "fgt-%05d" % i, "vdom_mode": "no-vdom"},
                         "api_access": {"status": access, "url_token": False}, "requests": {"sent": 3}}}
    if i % 100 in (1, 2):  # HA pairs: i and i+1 of the same cluster
        primary = i - (i % 100) + 1
        rec["topology"] = {"ha": {"mode": "a-p", "group_name": "cl-%d" % primary, "primary_serial": "FGVM%08d" % primary,
                                  "in_sync": True, "members": [{"serial": "FGVM%08d" % primary},
                                                               {"serial": "FGVM%08d" % (primary + 1)}]}}
    if kind in (1, 2, 3):
        rec["findings"].append(fnd.finding("FTM_PUSH_DISABLED", "FortiToken Mobile push is disabled"))
        rec["changes"].append({"area": "ftm_push", "object": "system/ftm-push", "changed_keys": ["status", "server"],
                               "check_mode": True})
    if kind in (4, 5):
        for t in range(3):
            rec["findings"].append(fnd.finding("FORTITOKEN_NOT_ACTIVATED", "token not activated",
                                               object="FTKMOB%06d%d" % (i, t)))
    if kind == 6:
        rec["findings"].append(fnd.finding("EMS_NOT_AUTHORIZED", "EMS has not authorized this FortiGate"))
    if kind == 7:
        rec["errors"].append("fortitoken: GET cmdb/user/fortitoken failed: HTTP 500 (token %s)" % token(i))
    if kind == 9:
        rec["findings"].append(fnd.finding("API_TOKEN_REJECTED", "the token was refused"))
    return rec


def hosts(n):
    return dict(("fgt-%05d" % i, dict(record(i), groups=["fortigates", "region-%d" % (i % 7)])) for i in range(n))


def timed(steps, name, func, *args):
    started = time.perf_counter()
    out = func(*args)
    steps[name] = round(time.perf_counter() - started, 3)
    return out


def run(n, work):
    steps = {}
    data = timed(steps, "synthetic records", hosts, n)
    # As the report action gives them: each device's secret variables, redacted from its data (model.build).
    own = dict(("fgt-%05d" % i, [token(i)]) for i in range(n))
    report = timed(steps, "model.build (+ redaction)", lambda: model.build(data, "diagnose", True, device_secrets=own))
    previous_dir = os.path.join(work, "previous-%d" % n)
    render.write(model.build(hosts(n), "diagnose", True), previous_dir)
    timed(steps, "changes.add_changes", changes.add_changes, report, os.path.join(work, "now-%d" % n),
          previous_dir)
    for name, renderer in render.RENDERERS.items():
        timed(steps, "render " + name, renderer, report)
    timed(steps, "render.write (all files)", render.write, report, os.path.join(work, "now-%d" % n))
    timed(steps, "model.summary_lines", model.summary_lines, report)
    timed(steps, "html.page_data", html.page_data, report)
    total = sum(v for k, v in steps.items() if k not in ("synthetic records", "render.write (all files)"))
    return {"devices": n, "steps": steps, "report_seconds": round(total, 2),
            "redacted": model.REDACTED in json.dumps(report["devices"][7]) and token(7) not in json.dumps(report),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", default="1000,10000", help="comma-separated fleet sizes")
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="report-scale-") as work:
        for n in [int(x) for x in args.devices.split(",")]:
            result = run(n, work)
            results.append(result)
            print("%d devices: report %.2f s (%.3f s per 1,000), peak RSS %.0f MiB, secret redacted: %s" % (
                n, result["report_seconds"], result["report_seconds"] * 1000.0 / n, result["peak_rss_mib"],
                result["redacted"]))
            for step, seconds in result["steps"].items():
                print("  %-28s %8.3f s" % (step, seconds))
    print("load average: %.2f %.2f %.2f" % os.getloadavg())
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
