"""Fleet benchmark: our diagnose/remediate, the vendor's fortinet.fortios baseline and the floor.

For one fleet size, in one emulator (`seeds` mix), with the same forks everywhere:
  1. our `fortifleet.auth.diagnose` (emulator reset first), then the floor replaying its requests;
  2. our `fortifleet.auth.remediate` (reset first, so it has work to do), then again without a reset:
     the second run must write nothing;
  3. the vendor baseline (benchmarks/vendor_baseline.yml) as "diagnose" (reads) and as "remediate"
     (reads + writes), each after a reset, with ANSIBLE_COLLECTIONS_PATH = the vendor collections only.
Requests per device and per scenario come from the emulator's audit of each run.
"""
import collections
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from fortigate_emulator.testing import running_emulator, shards_needed  # noqa: E402
from tests.integration.harness import ansible_env  # noqa: E402

import floor  # noqa: E402

PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
VENDOR_PLAYBOOK = os.path.join(HERE, "vendor_baseline.yml")
CALLBACKS = os.path.join(HERE, "callback_plugins")
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


# The vendor baseline: fortinet.fortios 2.6.0 from ansible 14.5.0 on ansible-core 2.21 / Python 3.13, in its own venv
# (requirements-vendor.txt, made by `make venvs`; `make bench` makes it).
VENDOR_VENV = os.path.join(ROOT, ".venv-vendor")
VENDOR_BIN = os.path.join(VENDOR_VENV, "bin")


def vendor_collections_path():
    found = sorted(glob.glob(os.path.join(VENDOR_VENV, "lib", "python*", "site-packages", "ansible_collections",
                                          "fortinet", "fortios", "MANIFEST.json")))
    if not found:
        return None, "%s has no fortinet.fortios (run `make venvs`)" % VENDOR_VENV
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(found[-1])))), None


def vendor_collection_version(vendor_path):
    with open(os.path.join(vendor_path, "ansible_collections", "fortinet", "fortios", "MANIFEST.json")) as handle:
        return json.load(handle)["collection_info"]["version"]


def recap(output):
    hosts = {}
    for name, ok, changed, unreachable, failed in RECAP.findall(output):
        hosts[name] = {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable), "failed": int(failed)}
    return hosts


def run_ours(emu, playbook, forks, work, tag):
    """Our playbook as a user runs it; returns wall seconds, exit code, report summary and task timings."""
    report_dir = os.path.join(work, "report-" + tag)
    timer = os.path.join(work, "timer-%s.json" % tag)
    env = ansible_env({"ANSIBLE_CALLBACK_PLUGINS": CALLBACKS, "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
                       "BENCH_TIMER_FILE": timer})
    cmd = [PLAYBOOK_BIN, "-i", emu.inventory, "-f", str(forks), playbook, "-e", "fortifleet_report_dir=" + report_dir]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=work)
    elapsed = time.monotonic() - start
    with open(os.path.join(work, "%s.log" % tag), "w") as handle:
        handle.write(proc.stdout + proc.stderr)
    summary = None
    try:
        with open(os.path.join(report_dir, "report.json")) as handle:
            summary = json.load(handle)["summary"].get("by_status")
    except (OSError, ValueError, KeyError):
        pass
    tasks = None
    if os.path.exists(timer):
        with open(timer) as handle:
            tasks = json.load(handle)
    return {"seconds": round(elapsed, 2), "rc": proc.returncode, "by_status": summary, "tasks": tasks,
            "output": proc.stdout + proc.stderr}


def vendor_inventory(emu, path):
    all_vars, hosts = floor.inventory_hosts(emu.inventory)
    out = {}
    for name, host in hosts.items():
        out[name] = {"ansible_host": host["ansible_host"], "ansible_httpapi_port": host["fortigate_port"],
                     "fgt_token": host["fortigate_access_token"]}
    inv = {"all": {"vars": {
        "ansible_connection": "ansible.netcommon.httpapi",
        "ansible_network_os": "fortinet.fortios.fortios",
        "ansible_httpapi_use_ssl": True,
        "ansible_httpapi_validate_certs": True,
        "ansible_httpapi_ca_path": all_vars["fortigate_ca_path"],
        "ansible_python_interpreter": os.path.join(VENDOR_BIN, "python"),
    }, "children": {"fortigates": {"hosts": out}}}}
    with open(path, "w") as handle:
        json.dump(inv, handle)
    os.chmod(path, 0o600)


def run_vendor(emu, vendor_path, forks, work, tag, remediate):
    inventory = os.path.join(work, "vendor-inventory.json")
    if not os.path.exists(inventory):
        vendor_inventory(emu, inventory)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.pop("PYTHONPATH", None)  # the Makefile points it at .build (our collection)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": vendor_path,  # the vendor's collections, nothing of ours
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_CONFIG": os.path.join(work, "no-ansible.cfg"),
        "ANSIBLE_HOME": os.path.join(work, "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": os.path.join(work, "ansible-tmp"),
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": os.path.join(work, "pc"),
        "ANSIBLE_HOST_KEY_CHECKING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_NOCOLOR": "1",
        "PATH": VENDOR_BIN + os.pathsep + os.environ.get("PATH", ""),
    })
    cmd = [os.path.join(VENDOR_BIN, "ansible-playbook"), "-i", inventory, "-f", str(forks), VENDOR_PLAYBOOK,
           "-e", "bench_remediate=%s" % ("true" if remediate else "false")]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=work)
    elapsed = time.monotonic() - start
    with open(os.path.join(work, "%s.log" % tag), "w") as handle:
        handle.write(proc.stdout + proc.stderr)
    hosts = recap(proc.stdout)
    failed = sorted(h for h, r in hosts.items() if r["failed"] or r["unreachable"])
    return {"seconds": round(elapsed, 2), "rc": proc.returncode, "hosts": len(hosts), "failed_hosts": failed,
            "changed_hosts": sum(1 for r in hosts.values() if r["changed"]),
            "output": proc.stdout + proc.stderr}


def per_device(audit):
    reqs = collections.Counter()
    writes = collections.Counter()
    for rec in audit:
        if not rec["path"].startswith("/api/v2/"):
            continue
        reqs[rec["device"]] += 1
        if rec.get("write"):
            writes[rec["device"]] += 1
    return reqs, writes


def by_scenario(audits, scenarios):
    """{scenario: {run: {"requests": [min, median, max], "writes": [...]}}} over the devices of a scenario."""
    out = collections.OrderedDict()
    counted = dict((run, per_device(audit)) for run, audit in audits.items())
    for scenario in sorted(set(scenarios.values()), key=lambda s: (s != "healthy", s)):
        names = [n for n, s in scenarios.items() if s == scenario]
        row = collections.OrderedDict()
        row["devices"] = len(names)
        for run, (reqs, writes) in counted.items():
            r = [reqs[n] for n in names]
            w = [writes[n] for n in names]
            row[run] = {"requests": [min(r), statistics.median(r), max(r)], "writes": [min(w), statistics.median(w), max(w)]}
        out[scenario] = row
    return out


def top_tasks(timer, count=12):
    if not timer:
        return []
    tasks = sorted(timer["tasks"], key=lambda t: -t["seconds"])
    return [{"task": t["task"], "seconds": t["seconds"], "results": t["results"]} for t in tasks[:count]]


def task_totals(timer):
    """How the wall time splits: tasks that talk to a device vs. pure Ansible bookkeeping."""
    if not timer:
        return {}
    api = ("fortigate_info", "Diagnose", "Repair", "Configure", "Probe", "Activate", "Import", "Re-import", "Wait")
    talk = sum(t["seconds"] for t in timer["tasks"] if t["task"].split(" : ")[-1].startswith(api))
    total = sum(t["seconds"] for t in timer["tasks"])
    return {"tasks": len(timer["tasks"]), "device_tasks_s": round(talk, 1), "other_tasks_s": round(total - talk, 1),
            "total_s": round(total, 1)}


def bench_fleet(size, forks, vendor_path, log, profile=None, keep=False, vendor=True):
    work = tempfile.mkdtemp(prefix="fortifleet-bench-%d-" % size)
    kwargs = {"devices": size, "scenario": "seeds", "port": "auto", "seed": 1}
    if profile:
        kwargs["profile"] = profile
    result = {"devices": size, "forks": forks, "profile": profile or "default", "work_dir": work}
    audits = collections.OrderedDict()
    with running_emulator(**kwargs) as emu:
        scenarios = dict((d["name"], d["scenario"]) for d in emu.devices())
        result["scenarios"] = dict(collections.Counter(scenarios.values()))

        def step(name, func):
            log("  [%d] %s ..." % (size, name))
            load = os.getloadavg()[0]
            out = func()
            out["loadavg_1m_before"] = round(load, 2)
            log("  [%d] %s: %.1f s (rc %s)" % (size, name, out["seconds"], out.get("rc", "-")))
            return out

        emu.reset()
        diag = step("ours diagnose", lambda: run_ours(emu, "fortifleet.auth.diagnose", forks, work, "diagnose"))
        audits["diagnose"] = emu.audit()
        emu.reset()
        fl = step("floor", lambda: floor.replay(audits["diagnose"], emu.inventory, forks))
        floor_audit = emu.audit()
        fl["audit_matches"] = len([r for r in floor_audit if r["path"].startswith("/api/v2/")]) == \
            len([r for r in audits["diagnose"] if r["path"].startswith("/api/v2/")])
        emu.reset()
        rem = step("ours remediate", lambda: run_ours(emu, "fortifleet.auth.remediate", forks, work, "remediate"))
        audits["remediate"] = emu.audit()
        emu.clear_audit()
        rem2 = step("ours remediate again",
                    lambda: run_ours(emu, "fortifleet.auth.remediate", forks, work, "remediate-2"))
        audits["remediate_again"] = emu.audit()
        vdiag = vrem = None
        if vendor and vendor_path:
            emu.reset()
            vdiag = step("vendor diagnose", lambda: run_vendor(emu, vendor_path, forks, work, "vendor-diagnose", False))
            audits["vendor_diagnose"] = emu.audit()
            emu.reset()
            vrem = step("vendor remediate", lambda: run_vendor(emu, vendor_path, forks, work, "vendor-remediate", True))
            audits["vendor_remediate"] = emu.audit()

    def api(audit):
        return [r for r in audit if r["path"].startswith("/api/v2/")]

    def summary(run, audit):
        out = dict((k, v) for k, v in run.items() if k not in ("output", "tasks"))
        out["seconds_per_device"] = round(run["seconds"] / size, 4)
        if audit is not None:
            out["requests"] = len(api(audit))
            out["writes"] = sum(1 for r in api(audit) if r.get("write"))
        return out

    result["ours"] = {
        "diagnose": summary(diag, audits["diagnose"]),
        "remediate": summary(rem, audits["remediate"]),
        "remediate_again": summary(rem2, audits["remediate_again"]),
    }
    result["ours"]["diagnose"]["time_split"] = task_totals(diag["tasks"])
    result["ours"]["diagnose"]["top_tasks"] = top_tasks(diag["tasks"])
    result["ours"]["remediate"]["time_split"] = task_totals(rem["tasks"])
    result["ours"]["remediate"]["top_tasks"] = top_tasks(rem["tasks"])
    result["floor"] = dict(fl, seconds_per_device=round(fl["seconds"] / size, 4))
    if vdiag:
        result["vendor"] = {"collection": "fortinet.fortios %s" % vendor_collection_version(vendor_path),
                            "diagnose": summary(vdiag, audits["vendor_diagnose"]),
                            "remediate": summary(vrem, audits["vendor_remediate"])}
    result["second_run_writes"] = result["ours"]["remediate_again"]["writes"]
    result["requests_by_scenario"] = by_scenario(audits, scenarios)

    ratios = {"ours_over_floor_diagnose": round(diag["seconds"] / fl["seconds"], 2) if fl["seconds"] else None}
    if vdiag:
        ratios["ours_over_vendor_diagnose"] = round(diag["seconds"] / vdiag["seconds"], 3)
        ratios["vendor_over_ours_diagnose"] = round(vdiag["seconds"] / diag["seconds"], 2)
        ratios["ours_over_vendor_remediate"] = round(rem["seconds"] / vrem["seconds"], 3)
        ratios["vendor_over_ours_remediate"] = round(vrem["seconds"] / rem["seconds"], 2)
    result["ratios"] = ratios
    result["targets"] = {
        "diagnose_under_60s_at_500": (diag["seconds"] < 60) if size >= 500 else None,
        "at_least_5x_faster_than_vendor": (vdiag["seconds"] / diag["seconds"] >= 5) if vdiag else None,
        "within_4x_of_floor": (diag["seconds"] / fl["seconds"] <= 4) if fl["seconds"] else None,
        # issue 19's targets at 100 devices
        "at_least_30x_faster_than_vendor": (vdiag["seconds"] / diag["seconds"] >= 30) if vdiag else None,
        "within_2_5x_of_floor": (diag["seconds"] / fl["seconds"] <= 2.5) if fl["seconds"] else None,
        "second_run_writes_zero": result["second_run_writes"] == 0,
    }
    if not keep:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
        result.pop("work_dir")
    return result


def forks_sweep(size, forks_list, log):
    """Our diagnose on one fleet with several forks values (the emulator is reset between runs)."""
    work = tempfile.mkdtemp(prefix="fortifleet-forks-")
    out = []
    with running_emulator(devices=size, scenario="seeds", port="auto", seed=1) as emu:
        for forks in forks_list:
            emu.reset()
            run = run_ours(emu, "fortifleet.auth.diagnose", forks, work, "diagnose-f%d" % forks)
            log("  forks %3d: diagnose on %d devices %.1f s" % (forks, size, run["seconds"]))
            out.append({"forks": forks, "devices": size, "seconds": run["seconds"], "rc": run["rc"]})
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    return out


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


# -- issue 19: a WAN latency, and 10,000 devices ------------------------------------------------------------------

import threading  # noqa: E402

from fortigate_emulator import audit_stats  # noqa: E402

# Runs the playbook as its only child and reports that child tree's peak RSS: ru_maxrss of RUSAGE_CHILDREN is the
# largest single process among the waited-for descendants (ansible-playbook itself or one of its forks).
RSS_CHILD = ("import resource, subprocess, sys\n"
             "rc = subprocess.call(sys.argv[1:])\n"
             "sys.stderr.write('BENCH_MAXRSS_KB=%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
             "sys.exit(rc)\n")
MAXRSS = re.compile(r"BENCH_MAXRSS_KB=(\d+)")


def _memory_kb(pid):
    """A process's proportional set size (KiB): its private pages plus its share of the pages it shares with its
    forks (RSS would count Ansible's copy-on-write forks' shared pages once per fork)."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            return int(re.search(r"^Pss:\s+(\d+)", handle.read(), re.M).group(1))
    except (OSError, AttributeError):
        return 0


def _process_tree_pss_kb(root):
    """Sum of the PSS (KiB) of ROOT and its descendants now, from /proc (Linux)."""
    children = collections.defaultdict(list)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children[int(fields[1])].append(int(pid))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _memory_kb(pid)
        todo.extend(children.get(pid, ()))
    return total


class Peak(threading.Thread):
    """Samples MEASURE() every INTERVAL seconds until stopped; `.peak` is the highest value seen."""

    def __init__(self, measure, interval=0.5):
        super().__init__(daemon=True)
        self.measure, self.interval, self.peak, self.stop = measure, interval, 0, threading.Event()

    def run(self):
        while not self.stop.wait(self.interval):
            try:
                self.peak = max(self.peak, self.measure())
            except OSError:
                pass

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join()


class TreeRSS(Peak):
    """The summed PSS (KiB) of a process tree, sampled every half second; `.peak_kb` is the highest sum seen."""

    def __init__(self, pid):
        super().__init__(lambda: _process_tree_pss_kb(pid))

    @property
    def peak_kb(self):
        return self.peak


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far (/proc/PID/stat): load-independent, unlike wall time."""
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


def open_files(pid):
    """How many file descriptors the process has open now (listening sockets, connections, files)."""
    return len(os.listdir("/proc/%d/fd" % pid))


def emulator_pids(emu):
    """The emulator's processes: one, or one per shard (fortigate_emulator.testing.EmulatorShards)."""
    return [proc.pid for proc in getattr(emu, "procs", [emu.proc])]


def emulator_peak_rss_kb(emu):
    """The emulator's peak RSS (VmHWM; summed over its shards), measured apart from the controller's."""
    total = 0
    for pid in emulator_pids(emu):
        try:
            with open("/proc/%d/status" % pid) as handle:
                total += int(re.search(r"VmHWM:\s+(\d+)", handle.read()).group(1))
        except (OSError, AttributeError):
            return None
    return total


def json_inventory(yaml_path, json_path):
    """The same inventory as JSON. Ansible's inventory loader parses JSON with the json module and YAML with its own
    YAML loader: 2.1 ms against 0.3 ms per host of 8 variables (benchmarks/README.md, "Inventory format")."""
    with open(yaml_path) as handle:
        data = yaml.safe_load(handle)
    fd = os.open(json_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # tokens: private
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    return json_path


def run_ours_measured(emu, playbook, workers, forks, work, tag, rss=False, inventory_format="yaml"):
    """Our playbook with the fleet pool WORKERS (-e fortifleet_workers, the inventory setting of issue 19; the
    code before it sizes the pool by forks, so -f FORKS too). Output goes to a log file, not to memory.
    With RSS: ru_maxrss of the playbook's process tree from a fresh child, and the sampled peak of its summed PSS.
    INVENTORY_FORMAT: the emulator's YAML inventory as it is, or the same as JSON (written before the clock starts)."""
    report_dir = os.path.join(work, "report-" + tag)
    timer = os.path.join(work, "timer-%s.json" % tag)
    log_path = os.path.join(work, "%s.log" % tag)
    env = ansible_env({"ANSIBLE_CALLBACK_PLUGINS": CALLBACKS, "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
                       "BENCH_TIMER_FILE": timer})
    inventory = json_inventory(emu.inventory, os.path.join(work, "inventory-%s.json" % tag)) \
        if inventory_format == "json" else emu.inventory
    cmd = [PLAYBOOK_BIN, "-i", inventory, "-f", str(forks), playbook,
           "-e", "fortifleet_report_dir=" + report_dir, "-e", "fortifleet_workers=%d" % workers]
    if rss:
        cmd = [sys.executable, "-c", RSS_CHILD] + cmd
    start = time.monotonic()
    with open(log_path, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=work)
        sampler = TreeRSS(proc.pid) if rss else None
        if sampler:
            sampler.start()
        proc.wait()
    elapsed = time.monotonic() - start
    result = {"seconds": round(elapsed, 2), "rc": proc.returncode, "workers": workers, "forks": forks,
              "command": " ".join(cmd[3:] if rss else cmd), "log": log_path}
    if sampler:
        sampler.stop.set()
        sampler.join()
        with open(log_path) as handle:
            found = MAXRSS.findall(handle.read()[-4000:])
        result["ru_maxrss_mib"] = round(int(found[-1]) / 1024.0, 1) if found else None
        result["tree_pss_peak_mib"] = round(sampler.peak_kb / 1024.0, 1)
    try:
        with open(os.path.join(report_dir, "report.json")) as handle:
            result["by_status"] = json.load(handle)["summary"].get("by_status")
    except (OSError, ValueError, KeyError):
        result["by_status"] = None
    if os.path.exists(timer):
        with open(timer) as handle:
            timings = json.load(handle)
        result["top_tasks"] = top_tasks(timings, 6)
    return result


def trips_by_scenario(stats, scenarios):
    """{scenario: {devices, requests: [min, median, max], round_trips: [...]}} from audit_stats.per_device."""
    out = collections.OrderedDict()
    for scenario in sorted(set(scenarios.values()), key=lambda s: (s != "healthy", s)):
        names = [n for n, s in scenarios.items() if s == scenario and n in stats]
        if not names:
            continue
        row = collections.OrderedDict(devices=len(names))
        for key in ("requests", "round_trips", "writes"):
            values = [stats[n][key] for n in names]
            row[key] = [min(values), statistics.median(values), max(values)]
        out[scenario] = row
    return out


def _api(audit):
    return [r for r in audit if r["path"].startswith("/api/v2/")]


def _step(size, name, func, log):
    log("  [%d] %s ..." % (size, name))
    load = os.getloadavg()[0]
    out = func()
    out["loadavg_1m_before"] = round(load, 2)
    out["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
    log("  [%d] %s: %.1f s (rc %s, load %.1f -> %.1f)"
        % (size, name, out["seconds"], out.get("rc", "-"), load, out["loadavg_1m_after"]))
    return out


def bench_latency(size, workers, forks, latency_ms, jitter_ms, log, rss=False, keep=False, inventory_format="yaml"):
    """Our diagnose on a `seeds` fleet behind a WAN latency, the fan-out floor on the same fleet, their ratio, and
    requests / sequential round trips per device and scenario (audit_stats.per_device). INVENTORY_FORMAT: as in
    run_ours_measured (the floor reads the YAML inventory either way: it does not run Ansible)."""
    work = tempfile.mkdtemp(prefix="fortifleet-bench-latency-%d-" % size)
    faults = {"latency_ms": latency_ms, "jitter_ms": jitter_ms} if latency_ms or jitter_ms else None
    result = {"devices": size, "workers": workers, "forks": forks, "latency_ms": latency_ms, "jitter_ms": jitter_ms,
              "scenario": "seeds", "floor_fanout": floor.FANOUT, "inventory_format": inventory_format}
    with running_emulator(devices=size, scenario="seeds", port="auto", seed=1, faults=faults, timeout=600) as emu:
        result["emulator_start_s"] = round(emu.start_seconds, 1)
        scenarios = dict((d["name"], d["scenario"]) for d in emu.devices())
        emu.reset()  # a reset keeps the fleet faults (the latency)
        cpu = sum(cpu_seconds(pid) for pid in emulator_pids(emu))
        with Peak(lambda: max(open_files(pid) for pid in emulator_pids(emu)), 1.0) as fds:
            ours = _step(size, "ours diagnose, latency %s±%s ms" % (latency_ms, jitter_ms),
                         lambda: run_ours_measured(emu, "fortifleet.auth.diagnose", workers, forks, work, "diagnose",
                                                   rss, inventory_format=inventory_format), log)
        cpu = sum(cpu_seconds(pid) for pid in emulator_pids(emu)) - cpu
        result["emulator_open_files_peak"] = fds.peak
        audit = _api(emu.audit())
        result["emulator_cpu_ms_per_request"] = round(1000.0 * cpu / max(1, len(audit)), 2)
        health = emu.health()
        ours["requests"] = len(audit)
        ours["audit_dropped"] = health.get("audit_dropped")
        stats = audit_stats.per_device(audit)
        emu.reset()
        fl = _step(size, "floor (fan-out %d, %d devices at a time)" % (floor.FANOUT, workers),
                   lambda: floor.replay_fanout(audit, emu.inventory, workers), log)
        floor_stats = audit_stats.per_device(_api(emu.audit()))
        fl["round_trips_median"] = statistics.median(s["round_trips"] for s in floor_stats.values()) if floor_stats else None
        result["emulator_peak_rss_mib"] = round((emulator_peak_rss_kb(emu) or 0) / 1024.0, 1)
    result["ours"] = ours
    result["floor"] = fl
    result["ratio_ours_over_floor"] = round(ours["seconds"] / fl["seconds"], 2) if fl["seconds"] else None
    result["per_scenario"] = trips_by_scenario(stats, scenarios)
    result["targets"] = {"diagnose_within_30s": ours["seconds"] <= 30 if size >= 1000 and latency_ms >= 100 else None}
    if not keep:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    else:
        result["work_dir"] = work
    return result


def bench_scale(size, workers, forks, log, scenario="healthy", keep=False, shards="auto", inventory_format="yaml"):
    """Our diagnose on SIZE devices without latency: wall time, the controller's peak RSS, the emulator's apart.
    SHARDS emulator processes ("auto": as many as the open-files hard limit needs, testing.shards_needed).
    INVENTORY_FORMAT: as in run_ours_measured."""
    work = tempfile.mkdtemp(prefix="fortifleet-bench-scale-%d-" % size)
    if shards == "auto":
        shards = shards_needed(size)
    result = {"devices": size, "workers": workers, "forks": forks, "scenario": scenario, "emulator_processes": shards,
              "inventory_format": inventory_format}
    with running_emulator(devices=size, scenario=scenario, port="auto", seed=1, timeout=1200, shards=shards) as emu:
        result["emulator_start_s"] = round(emu.start_seconds, 1)
        result["emulator_rss_after_start_mib"] = round((emulator_peak_rss_kb(emu) or 0) / 1024.0, 1)
        cpu = sum(cpu_seconds(pid) for pid in emulator_pids(emu))
        with Peak(lambda: max(open_files(pid) for pid in emulator_pids(emu)), 1.0) as fds:
            ours = _step(size, "ours diagnose", lambda: run_ours_measured(emu, "fortifleet.auth.diagnose", workers,
                                                                          forks, work, "diagnose", rss=True,
                                                                          inventory_format=inventory_format), log)
        cpu = sum(cpu_seconds(pid) for pid in emulator_pids(emu)) - cpu
        result["emulator_open_files_peak"] = fds.peak
        health = emu.health()
        audit = _api(emu.audit())
        result["emulator_cpu_s"] = round(cpu, 1)
        result["emulator_cpu_ms_per_request"] = round(1000.0 * cpu / max(1, len(audit)), 2)
        ours["requests"] = len(audit)
        ours["audit_dropped"] = health.get("audit_dropped")
        ours["requests_per_device"] = round(len(audit) / float(size), 2)
        counts = sorted(collections.Counter(r["device"] for r in audit).values())
        ours["devices_with_requests"] = len(counts)  # a run cut short, or devices never reached, show here
        ours["requests_per_device_min_median_max"] = [counts[0], statistics.median(counts), counts[-1]] if counts else None
        result["emulator_peak_rss_mib"] = round((emulator_peak_rss_kb(emu) or 0) / 1024.0, 1)
    result["ours"] = ours
    result["targets"] = {
        "diagnose_within_5min": ours["seconds"] <= 300 if size >= 10000 else None,
        "controller_rss_within_1_5GiB": (ours.get("ru_maxrss_mib") or 0) <= 1536 if size >= 10000 else None,
    }
    if not keep:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    else:
        result["work_dir"] = work
    return result
