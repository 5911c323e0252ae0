"""Job slicing benchmark (issue 19): N slices of D devices run concurrently by ansible-runner, merged with
fortifleet.auth.merge_reports, against a single run over the whole inventory.

    .venv/bin/python benchmarks/slicing.py                          # 4 slices x 1,000 devices (4,000 in the emulator)
    .venv/bin/python benchmarks/slicing.py --per-slice 250 --forks 20 --json benchmarks/slicing-250.json

One emulator holds slices x per-slice devices (`--scenario`, default the seeds mix, with its HA pair). In order:
  1. emulator reset, `fortifleet.auth.diagnose` (or `--playbook`) over the whole inventory: the single run;
  2. emulator reset, the same playbook as `--slices` jobs at once through `ansible_runner.run_async`, host i (in name
     order) in slice i mod N as AWX job slicing deals them, each with its own report directory and `--forks`;
  3. `fortifleet.auth.merge_reports` over the slices' report directories;
  4. the merged report against the single run's, apart from timings (run.started, run.finished).
Prints the wall times (single run, slices, merge), the load average before and after, and whether the reports are
equal; `--json` writes the same figures to a file. Not a test: the test is tests/integration/test_job_slicing.py.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import ansible_runner
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from fortigate_emulator.testing import running_emulator  # noqa: E402
from tests.integration.harness import ansible_env  # noqa: E402

PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
# The report fields that are timings: the only ones the merged report may differ in.
TIMING_FIELDS = ("started", "finished")
RUNNER_ENV = ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_LOCAL_TEMP", "ANSIBLE_HOME", "ANSIBLE_NOCOLOR", "PATH")
DONE = ("successful", "failed", "timeout", "canceled", "error")


def slice_inventories(inventory, slices, work):
    """The emulator's inventory cut into ``slices`` inventories, host i (name order) in slice i mod slices."""
    with open(inventory) as handle:
        data = yaml.safe_load(handle)
    group = data["all"]["children"]["fortigates"]
    names = sorted(group["hosts"])
    paths = []
    for index in range(slices):
        part = json.loads(json.dumps(data))
        part["all"]["children"]["fortigates"]["hosts"] = dict((n, group["hosts"][n]) for n in names[index::slices])
        path = os.path.join(work, "inventory-slice-%d.yml" % (index + 1))
        with open(path, "w") as handle:
            yaml.safe_dump(part, handle, sort_keys=False)
        os.chmod(path, 0o600)
        paths.append(path)
    return paths


def state_env(work, tag):
    """Each way of running has its own journal (what one run remembers must not steer the other)."""
    return {"FORTIFLEET_JOURNAL_DIR": os.path.join(work, tag, "journal"),
            "XDG_STATE_HOME": os.path.join(work, tag, "state")}


def single_run(emu, playbook, forks, work):
    report_dir = os.path.join(work, "single")
    cmd = [PLAYBOOK_BIN, "-i", emu.inventory, "-f", str(forks), playbook, "-e", "fortifleet_report_dir=" + report_dir,
           "-e", "fortifleet_report_previous=none"]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(state_env(work, "single")), cwd=work)
    elapsed = time.monotonic() - start
    with open(os.path.join(work, "single.log"), "w") as handle:
        handle.write(proc.stdout + proc.stderr)
    return elapsed, proc.returncode, report_dir


def sliced_run(emu, playbook, slices, forks, work):
    """Every slice at once through ansible-runner, as AWX runs a template with Job Slicing."""
    env = ansible_env(state_env(work, "sliced"))
    envvars = dict((k, env[k]) for k in RUNNER_ENV + ("FORTIFLEET_JOURNAL_DIR", "XDG_STATE_HOME"))
    slices_dir = os.path.join(work, "slices")
    runners = []
    start = time.monotonic()
    for index, inventory in enumerate(slice_inventories(emu.inventory, slices, work)):
        private = os.path.join(work, "runner-%d" % (index + 1))
        os.makedirs(private)
        unused_thread, runner = ansible_runner.run_async(
            private_data_dir=private, playbook=playbook, inventory=inventory, forks=forks, quiet=True,
            extravars={"fortifleet_report_dir": os.path.join(slices_dir, "slice-%d" % (index + 1)),
                       "fortifleet_report_previous": "none"},
            envvars=envvars)
        runners.append(runner)
    while any(r.status not in DONE for r in runners):
        time.sleep(0.2)
    elapsed = time.monotonic() - start
    return elapsed, [(r.status, r.rc) for r in runners], slices_dir


def merge(slices_dir, slices, work):
    report_dir = os.path.join(work, "merged")
    cmd = [PLAYBOOK_BIN, "fortifleet.auth.merge_reports", "-e", "fortifleet_slices_dir=" + slices_dir,
           "-e", "fortifleet_expected_slices=%d" % slices, "-e", "fortifleet_report_dir=" + report_dir,
           "-e", "fortifleet_report_previous=none"]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(), cwd=work)
    elapsed = time.monotonic() - start
    with open(os.path.join(work, "merge.log"), "w") as handle:
        handle.write(proc.stdout + proc.stderr)
    return elapsed, proc.returncode, report_dir


def comparable(report_dir):
    with open(os.path.join(report_dir, "report.json")) as handle:
        report = json.load(handle)
    for field in TIMING_FIELDS:
        report["run"].pop(field, None)
    return report


def differences(single, merged):
    """The devices whose entries differ, and the top-level keys that differ besides the devices."""
    a = dict((d["name"], d) for d in single["devices"])
    b = dict((d["name"], d) for d in merged["devices"])
    devices = sorted(n for n in set(a) | set(b) if a.get(n) != b.get(n))
    keys = sorted(k for k in set(single) | set(merged) if k != "devices" and single.get(k) != merged.get(k))
    return devices, keys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--per-slice", type=int, default=1000, help="devices per slice (default 1000)")
    parser.add_argument("--forks", type=int, default=50, help="forks of the single run and of each slice")
    parser.add_argument("--scenario", default="seeds")
    parser.add_argument("--playbook", default="fortifleet.auth.diagnose")
    parser.add_argument("--latency-ms", type=int, default=0, help="emulator latency per request (fault latency_ms)")
    parser.add_argument("--jitter-ms", type=int, default=0)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the reports and logs (their directory is printed)")
    args = parser.parse_args(argv)
    # Stopped (Ctrl-C, or SIGTERM; a background job of a script ignores SIGINT): the emulator and the run in progress
    # end with it (subprocess.run kills its child, running_emulator stops the emulator).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *unused: sys.exit(143))

    devices = args.slices * args.per_slice
    work = tempfile.mkdtemp(prefix="fortifleet-slicing-")
    faults = dict((k, v) for k, v in (("latency_ms", args.latency_ms), ("jitter_ms", args.jitter_ms)) if v)
    figures = {"command": " ".join([os.path.relpath(sys.executable, ROOT), "benchmarks/slicing.py"] + (argv or sys.argv[1:])),
               "slices": args.slices, "per_slice": args.per_slice, "devices": devices, "forks": args.forks,
               "scenario": args.scenario, "playbook": args.playbook, "faults": faults,
               "cpus": os.cpu_count(), "load_before": [round(x, 2) for x in os.getloadavg()]}
    print("job slicing: %d slices x %d devices (%d), forks %d each, %s, %s; load %s"
          % (args.slices, args.per_slice, devices, args.forks, args.scenario, args.playbook, figures["load_before"]))
    started = time.monotonic()
    with running_emulator(devices=devices, scenario=args.scenario, port="auto", faults=faults or None,
                          timeout=600) as emu:
        figures["emulator_start_s"] = round(time.monotonic() - started, 1)
        emu.reset()
        emu.clear_audit()
        seconds, rc, single_dir = single_run(emu, args.playbook, args.forks, work)
        figures["single_run_s"], figures["single_run_rc"] = round(seconds, 1), rc
        print("  single run:           %7.1f s (rc %d)" % (seconds, rc))
        emu.reset()
        emu.clear_audit()
        seconds, outcomes, slices_dir = sliced_run(emu, args.playbook, args.slices, args.forks, work)
        figures["slices_s"], figures["slices_outcome"] = round(seconds, 1), outcomes
        print("  %d slices at once:     %7.1f s (%s)" % (args.slices, seconds, ", ".join("%s rc %s" % o for o in outcomes)))
    seconds, rc, merged_dir = merge(slices_dir, args.slices, work)
    figures["merge_s"], figures["merge_rc"] = round(seconds, 1), rc
    print("  merge:                %7.1f s (rc %d)" % (seconds, rc))
    figures["slices_plus_merge_s"] = round(figures["slices_s"] + figures["merge_s"], 1)
    figures["single_over_sliced"] = round(figures["single_run_s"] / figures["slices_plus_merge_s"], 2)
    try:
        single, merged = comparable(single_dir), comparable(merged_dir)
        devices_differ, keys_differ = differences(single, merged)
        figures["reports_equal"] = single == merged
        figures["devices_differ"], figures["keys_differ"] = devices_differ[:20], keys_differ
    except (IOError, OSError, ValueError) as exc:
        figures["reports_equal"], figures["error"] = False, str(exc)
    figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print("  slices + merge:       %7.1f s; single run / (slices + merge) = %.2f" % (
        figures["slices_plus_merge_s"], figures["single_over_sliced"]))
    print("  merged report equal to the single run's (apart from timings): %s%s; load after %s" % (
        figures["reports_equal"], "" if figures["reports_equal"] else " (devices %s, keys %s)" % (
            figures.get("devices_differ"), figures.get("keys_differ")), figures["load_after"]))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2, sort_keys=True)
            handle.write("\n")
    if args.keep:
        print("  reports and logs: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if figures["reports_equal"] and rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
