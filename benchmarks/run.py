#!/usr/bin/env python3
"""Benchmarks (not tests): `make bench`.

1. fortigate_info (system subset) over N emulated devices, run as action plugin
   (in the controller) and as a classic module (AnsiballZ, one Python per task),
   same playbook, same forks; prints both wall times and their ratio.
2. The emulator's simple-GET throughput with 500 devices.

Results are merged into benchmarks/results.json.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from fortigate_emulator.testing import running_emulator  # noqa: E402
from tests.integration.harness import ansible_env  # noqa: E402

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--emulator-devices", type=int, default=500)
    parser.add_argument("--emulator-seconds", type=float, default=8)
    args = parser.parse_args()

    execution = bench_execution(args.devices, args.forks)
    save("execution", execution)
    print("fortigate_info on %(devices)d devices, forks=%(forks)d" % execution)
    print("  action plugin : %(action_plugin_s)7.2f s" % execution)
    print("  classic module: %(classic_module_s)7.2f s" % execution)
    print("  ratio classic/action: %(classic_over_action).2fx" % execution)

    emulator = bench_emulator(args.emulator_devices, args.emulator_seconds)
    save("emulator", emulator)
    print("emulator, %(devices)d devices: %(gets_per_second).0f simple GETs/s" % emulator)


if __name__ == "__main__":
    main()
