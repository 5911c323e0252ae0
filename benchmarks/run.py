#!/usr/bin/env python3
"""Benchmarks (not tests): `make bench`.

1. fortigate_info (system subset) over N emulated devices, run as action plugin
   (in the controller) and as a classic module (AnsiballZ, one Python per task),
   same playbook, same forks; prints both wall times and their ratio.
2. The emulator's simple-GET throughput with 500 devices.
3. Fleet runs on `seeds` fleets (benchmarks/fleet.py): our diagnose and remediate, the vendor's
   fortinet.fortios baseline (benchmarks/vendor_baseline.yml), the floor (benchmarks/floor.py),
   HTTP requests per device and scenario, and writes on an idempotent second remediate.

4. Issue 19: our diagnose behind a WAN latency (default 1,000 devices, 100 ms +- 20 ms) against the fan-out
   floor, with requests and sequential round trips per device and scenario; and, on request, the scale run
   (10,000 devices, no latency: wall time, controller peak RSS, the emulator's RSS apart).
5. `--slicing`: benchmarks/slicing.py (job slicing + merge), when it exists.

Results are merged into benchmarks/results.json (fleet results under "fleet" -> "<size>", "latency" -> "<size>",
"scale" -> "<size>"), each with the command line and the load average before and after every step.
Sizes: --sizes 100,500 or BENCH_SIZES=20 (quick check); default 100 (see benchmarks/README.md).
"""
import argparse
import datetime
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from fortigate_emulator.testing import running_emulator  # noqa: E402
from tests.integration.harness import ansible_env  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import fleet  # noqa: E402

RESULTS = os.path.join(ROOT, "benchmarks", "results.json")

INFO_PLAY = """
- hosts: fortigates
  gather_facts: false
  tasks:
    - fortifleet.auth.fortigate_info:
        gather_subset: [system]
"""


def timed_playbook(inventory, forks, env=None):
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        handle.write(INFO_PLAY)
    start = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
                           "-f", str(forks), handle.name], capture_output=True, text=True,
                          env=ansible_env(env))
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit("playbook failed:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
    return elapsed


def bench_execution(devices, forks):
    with running_emulator(devices=devices, scenario="healthy", profile="mixed") as emu:
        timed_playbook(emu.inventory, forks)  # warm caches (ansible imports, TLS, pyc files)
        action = timed_playbook(emu.inventory, forks)
        classic = timed_playbook(emu.inventory, forks, env={"FORTIFLEET_EXECUTION": "module"})
    return {"devices": devices, "forks": forks, "action_plugin_s": round(action, 2),
            "classic_module_s": round(classic, 2), "classic_over_action": round(classic / action, 2)}


def bench_emulator(devices, seconds):
    script = os.path.join(ROOT, "tests", "emulator", "bench_throughput.py")
    proc = subprocess.run([sys.executable, script, "--devices", str(devices), "--seconds", str(seconds)],
                          capture_output=True, text=True)
    match = re.search(r"emulator_gets_per_second=([0-9.]+)", proc.stdout)
    if not match:
        raise SystemExit("emulator benchmark failed:\n%s\n%s" % (proc.stdout, proc.stderr))
    return {"devices": devices, "gets_per_second": float(match.group(1))}


def save(key, value):
    data = {}
    if os.path.exists(RESULTS):
        with open(RESULTS) as handle:
            data = json.load(handle)
    data[key] = value
    with open(RESULTS, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")


def log(msg):
    print(msg, flush=True)


def fmt(value, spec="%.1f"):
    return "-" if value is None else spec % value


def print_fleet(res):
    size = res["devices"]
    ours, floor_, vendor = res["ours"], res["floor"], res.get("vendor")
    log("")
    log("Fleet of %d devices (seeds mix, profile %s), forks %d" % (size, res["profile"], res["forks"]))
    log("  %-26s %9s %9s %9s %8s" % ("run", "wall s", "s/device", "requests", "writes"))
    rows = [("ours diagnose", ours["diagnose"]), ("ours remediate", ours["remediate"]),
            ("ours remediate (again)", ours["remediate_again"])]
    if vendor:
        rows += [("vendor diagnose", vendor["diagnose"]), ("vendor remediate", vendor["remediate"])]
    rows.append(("floor (diagnose requests)", dict(floor_, writes=0)))
    for name, run in rows:
        log("  %-26s %9.1f %9.3f %9s %8s" % (name, run["seconds"], run["seconds_per_device"],
                                             run.get("requests", "-"), run.get("writes", "-")))
    r = res["ratios"]
    log("  ours/floor (diagnose): %sx   ours/vendor: diagnose %s, remediate %s (vendor/ours %s and %s)"
        % (fmt(r.get("ours_over_floor_diagnose"), "%.2f"), fmt(r.get("ours_over_vendor_diagnose"), "%.2f"),
           fmt(r.get("ours_over_vendor_remediate"), "%.2f"), fmt(r.get("vendor_over_ours_diagnose"), "%.2f"),
           fmt(r.get("vendor_over_ours_remediate"), "%.2f")))
    if vendor:
        log("  ours/vendor ratio at %d devices against %s: diagnose %s, remediate %s"
            % (size, vendor.get("collection", "fortinet.fortios"), fmt(r.get("ours_over_vendor_diagnose"), "%.3f"),
               fmt(r.get("ours_over_vendor_remediate"), "%.3f")))
        log("  vendor: %d/%d hosts failed somewhere (ignored errors excluded): %s"
            % (len(vendor["remediate"]["failed_hosts"]), size, ", ".join(vendor["remediate"]["failed_hosts"][:12])))
    log("  HTTP requests per device (min/median/max; writes in brackets):")
    runs = [k for k in ("diagnose", "remediate", "remediate_again", "vendor_diagnose", "vendor_remediate")
            if k in next(iter(res["requests_by_scenario"].values()))]
    log("  %-27s %3s " % ("scenario", "n") + " ".join("%-17s" % k for k in runs))
    for scenario, row in res["requests_by_scenario"].items():
        cells = []
        for k in runs:
            req, wr = row[k]["requests"], row[k]["writes"]
            text = "%g" % req[1] if req[0] == req[2] else "%g-%g" % (req[0], req[2])
            text += " [%g]" % wr[1] if wr[2] else ""
            cells.append("%-17s" % text)
        log("  %-27s %3d " % (scenario, row["devices"]) + " ".join(cells))
    writes = res["second_run_writes"]
    if writes:
        log("  !!! second remediate run made %d write requests (must be 0) !!!" % writes)
    else:
        log("  second remediate run: 0 write requests")
    split = ours["diagnose"].get("time_split") or {}
    if split:
        log("  ours diagnose: %(tasks)d tasks; %(device_tasks_s).1f s in module tasks (run or skipped), %(other_tasks_s).1f s in"
            " set_fact/debug/include/validation tasks" % split)
    for t in ours["diagnose"].get("top_tasks", [])[:6]:
        log("    %6.1f s  %s" % (t["seconds"], t["task"]))
    log("  targets: %s" % ", ".join("%s=%s" % kv for kv in res["targets"].items()))


def print_latency(res):
    ours, fl = res["ours"], res["floor"]
    log("")
    log("Fleet of %d devices (seeds mix), latency %s ms +- %s ms, fleet pool %d (forks %d)"
        % (res["devices"], res["latency_ms"], res["jitter_ms"], res["workers"], res["forks"]))
    log("  ours diagnose: %.1f s (rc %s, %d requests, load %.1f -> %.1f)" % (
        ours["seconds"], ours["rc"], ours["requests"], ours["loadavg_1m_before"], ours["loadavg_1m_after"]))
    log("  floor (distinct reads, first alone, then %d at a time per device, %d devices at a time): %.1f s"
        " (%d requests of %d recorded; median %s round trips)"
        % (res["floor_fanout"], fl["workers"], fl["seconds"], fl["requests"], fl["recorded_requests"],
           fl["round_trips_median"]))
    log("  ours/floor: %sx   target <= 30 s: %s" % (fmt(res["ratio_ours_over_floor"], "%.2f"),
                                                    res["targets"]["diagnose_within_30s"]))
    if ours.get("ru_maxrss_mib") is not None:
        log("  controller: ru_maxrss %s MiB, process tree peak %s MiB" % (ours["ru_maxrss_mib"], ours["tree_pss_peak_mib"]))
    log("  emulator: start %s s, peak RSS %s MiB, open files peak %s, audit entries dropped %s, %s CPU ms per request"
        % (res["emulator_start_s"], res["emulator_peak_rss_mib"], res.get("emulator_open_files_peak"),
           ours.get("audit_dropped"), res.get("emulator_cpu_ms_per_request")))
    log("  requests / sequential round trips per device (min/median/max):")
    log("  %-27s %5s %-12s %-12s" % ("scenario", "n", "requests", "round trips"))

    def cell(values):
        return "%g" % values[1] if values[0] == values[2] else "%g-%g (%g)" % (values[0], values[2], values[1])
    for scenario, row in res["per_scenario"].items():
        log("  %-27s %5d %-12s %-12s" % (scenario, row["devices"], cell(row["requests"]), cell(row["round_trips"])))


def print_scale(res):
    ours = res["ours"]
    log("")
    log("Scale: %d devices (%s), no latency, fleet pool %d (forks %d), %d emulator process(es), %s inventory"
        % (res["devices"], res["scenario"], res["workers"], res["forks"], res["emulator_processes"],
           res.get("inventory_format", "yaml")))
    log("  ours diagnose: %.1f s (rc %s; %s requests, %s per device, min/median/max %s over %s devices; load %.1f -> %.1f)"
        % (ours["seconds"], ours["rc"], ours["requests"], ours["requests_per_device"],
           ours.get("requests_per_device_min_median_max"), ours.get("devices_with_requests"), ours["loadavg_1m_before"],
           ours["loadavg_1m_after"]))
    log("  controller: ru_maxrss %s MiB (largest process), process tree peak %s MiB (sampled sum of PSS)"
        % (ours.get("ru_maxrss_mib"), ours.get("tree_pss_peak_mib")))
    log("  emulator: start %.1f s, RSS %s MiB after start, peak %s MiB; open files peak %s (largest process); audit entries dropped: %s;"
        " CPU %s s (%s ms per request)"
        % (res["emulator_start_s"], res["emulator_rss_after_start_mib"], res["emulator_peak_rss_mib"],
           res.get("emulator_open_files_peak"), ours.get("audit_dropped"), res.get("emulator_cpu_s"),
           res.get("emulator_cpu_ms_per_request")))
    for t in ours.get("top_tasks", []):
        log("    %8.1f s  %s" % (t["seconds"], t["task"]))
    log("  targets: %s" % ", ".join("%s=%s" % kv for kv in res["targets"].items()))


def save_sized(key, size, res, command):
    res["date"] = datetime.datetime.now().isoformat(timespec="seconds")
    res["cpus"] = os.cpu_count()
    res["bench_command"] = command
    data = {}
    if os.path.exists(RESULTS):
        with open(RESULTS) as handle:
            data = json.load(handle)
    runs = data.get(key, {})
    runs[str(size)] = res
    save(key, runs)


def run_slicing(extra):
    """benchmarks/slicing.py (4 slices by ansible-runner + merge), when it exists: its own output."""
    script = os.path.join(ROOT, "benchmarks", "slicing.py")
    if not os.path.exists(script):
        log("slicing benchmark skipped: benchmarks/slicing.py does not exist")
        return
    cmd = [sys.executable, script] + shlex.split(extra)
    log("slicing benchmark: %s (load %.1f)" % (" ".join(cmd), os.getloadavg()[0]))
    rc = subprocess.call(cmd)
    log("slicing benchmark: rc %d (load %.1f)" % (rc, os.getloadavg()[0]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100, help="fortigate_info benchmark size")
    parser.add_argument("--forks", type=int, default=10, help="forks of the fortigate_info benchmark")
    parser.add_argument("--emulator-devices", type=int, default=500)
    parser.add_argument("--emulator-seconds", type=float, default=8)
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "100"),
                        help="comma-separated fleet sizes (env BENCH_SIZES); 0 or empty skips the fleet benchmark")
    parser.add_argument("--fleet-forks", type=int, default=int(os.environ.get("BENCH_FORKS", "10")))
    parser.add_argument("--profile", default=None, help="emulator version profile for the fleets (default 7.4.4)")
    parser.add_argument("--no-vendor", action="store_true", help="skip the vendor baseline")
    parser.add_argument("--forks-sweep", default="", help="e.g. 10,25,50,100: our diagnose with each forks value")
    parser.add_argument("--sweep-devices", type=int, default=100)
    parser.add_argument("--fleet-only", action="store_true", help="skip the fortigate_info and emulator benchmarks")
    parser.add_argument("--keep", action="store_true", help="keep the logs and reports of the fleet runs")
    parser.add_argument("--latency-sizes", default=os.environ.get("BENCH_LATENCY_SIZES", "1000"),
                        help="sizes of the WAN latency runs (seeds mix, ours vs the fan-out floor); 0 skips them")
    parser.add_argument("--latency-ms", type=float, default=100.0, help="latency of every request (emulator fault)")
    parser.add_argument("--jitter-ms", type=float, default=20.0, help="+- jitter of that latency (emulator fault)")
    parser.add_argument("--scale-sizes", default=os.environ.get("BENCH_SCALE_SIZES", ""),
                        help="sizes of the no-latency scale runs (healthy, controller RSS), e.g. 10000 (make bench-10k)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "50")),
                        help="fleet pool of the latency and scale runs: -e fortifleet_workers, and the floor's pool")
    parser.add_argument("--run-forks", dest="run_forks", type=int, default=None,
                        help="-f of the latency and scale runs (default: --workers; before issue 19 the pool is forks)")
    parser.add_argument("--emulator-shards", default="auto",
                        help="emulator processes of the scale runs (default auto: as the open-files hard limit needs)")
    parser.add_argument("--inventory-format", choices=("yaml", "json"), default="yaml",
                        help="the latency and scale runs' inventory: the emulator's YAML file, or the same as JSON")
    parser.add_argument("--rss", action="store_true", help="also measure the controller's RSS in the latency runs")
    parser.add_argument("--slicing", nargs="?", const="", default=None, metavar="ARGS",
                        help="run benchmarks/slicing.py (if present) with these arguments")
    args = parser.parse_args()
    command = " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable, ROOT), "benchmarks/run.py"] + sys.argv[1:])
    run_forks = args.run_forks or args.workers

    if not args.fleet_only:
        execution = bench_execution(args.devices, args.forks)
        save("execution", execution)
        print("fortigate_info on %(devices)d devices, forks=%(forks)d" % execution)
        print("  action plugin : %(action_plugin_s)7.2f s" % execution)
        print("  classic module: %(classic_module_s)7.2f s" % execution)
        print("  ratio classic/action: %(classic_over_action).2fx" % execution)

        emulator = bench_emulator(args.emulator_devices, args.emulator_seconds)
        save("emulator", emulator)
        print("emulator, %(devices)d devices: %(gets_per_second).0f simple GETs/s" % emulator)

    if args.forks_sweep:
        forks_list = [int(x) for x in args.forks_sweep.split(",") if x.strip()]
        log("forks sweep: our diagnose on %d devices" % args.sweep_devices)
        sweep = fleet.forks_sweep(args.sweep_devices, forks_list, log)
        save("forks_sweep", {"devices": args.sweep_devices, "runs": sweep, "loadavg_1m": round(os.getloadavg()[0], 2),
                             "date": datetime.datetime.now().isoformat(timespec="seconds")})

    sizes = [int(x) for x in args.sizes.split(",") if x.strip() and int(x) > 0]
    vendor_path = None
    if sizes and not args.no_vendor:
        vendor_path, error = fleet.vendor_collections_path()
        if not vendor_path:
            log("vendor baseline skipped: no fortinet.fortios (%s)" % error)
        else:
            log("vendor baseline: fortinet.fortios %s (%s)" % (fleet.vendor_collection_version(vendor_path), vendor_path))
    for size in sizes:
        log("fleet benchmark: %d devices, forks %d" % (size, args.fleet_forks))
        res = fleet.bench_fleet(size, args.fleet_forks, vendor_path, log, profile=args.profile, keep=args.keep,
                                vendor=not args.no_vendor)
        save_sized("fleet", size, res, command)
        print_fleet(res)

    for size in [int(x) for x in args.latency_sizes.split(",") if x.strip() and int(x) > 0]:
        log("latency benchmark: %d devices, %s ms +- %s ms, pool %d" % (size, args.latency_ms, args.jitter_ms,
                                                                        args.workers))
        res = fleet.bench_latency(size, args.workers, run_forks, args.latency_ms, args.jitter_ms, log, rss=args.rss,
                                  keep=args.keep, inventory_format=args.inventory_format)
        save_sized("latency", size, res, command)
        print_latency(res)

    for size in [int(x) for x in args.scale_sizes.split(",") if x.strip() and int(x) > 0]:
        log("scale benchmark: %d devices, no latency, pool %d" % (size, args.workers))
        shards = args.emulator_shards if args.emulator_shards == "auto" else int(args.emulator_shards)
        res = fleet.bench_scale(size, args.workers, run_forks, log, keep=args.keep, shards=shards,
                                inventory_format=args.inventory_format)
        save_sized("scale", size, res, command)
        print_scale(res)

    if args.slicing is not None:
        run_slicing(args.slicing)


if __name__ == "__main__":
    main()
