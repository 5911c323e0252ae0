"""Faults, secrets, TLS, lock-out safety and concurrency, proven against the emulator."""
import json
import os
import subprocess
import sys
import threading

import pytest

from fortigate_emulator.testing import running_emulator

from .harness import ROOT, ansible_env

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
ACTION_PATHS = ("/activate", "/provision", "/import-mobile", "/import-trial", "/send-activation", "/generate-key",
                "/verify-cert", "/unverify-cert")
BINDING_FIELDS = ("two-factor", "fortitoken", "email-to", "sms-server", "sms-phone")


def playbook(emu, name, report_dir, *extra, env=None):
    return subprocess.run([PLAYBOOK, "-i", emu.inventory, name, "-e", "fortifleet_report_dir=%s" % report_dir]
                          + list(extra), capture_output=True, text=True, env=ansible_env(env), timeout=1200)


def report(report_dir):
    with open(os.path.join(report_dir, "report.json")) as handle:
        return json.load(handle)


def bindings(emu, name):
    config = emu.state(name)["config"]
    return sorted((table, row["name"], tuple(row.get(k) for k in BINDING_FIELDS))
                  for table in ("user/local", "system/admin") for row in config.get(table, []))


def by_device(audit):
    out = {}
    for record in audit:
        out.setdefault(record["device"], []).append(record)
    return out


FAULTS = [
    ("latency", {"latency_ms": 2500}),                 # beyond the 2 s timeout
    ("5xx", {"error_rate": 0.3, "error_status": 503, "seed": 7}),
    ("reset", {"reset_rate": 0.2, "seed": 11}),
    ("truncate", {"truncate_rate": 0.2, "seed": 13}),
    ("html", {"html_error_rate": 0.2, "seed": 17}),
    ("429", {"force_429": True}),
]


def test_fault_matrix_over_fifty_devices(tmp_path):
    with running_emulator(devices=50, scenario="seeds", port="auto") as emu:
        names = [d["name"] for d in emu.devices()]
        assigned = {}
        for index, name in enumerate(names[:32]):
            kind = (FAULTS + [("tls", None), ("disappears", None)])[index % 8]
            assigned[name] = kind[0]
            if kind[0] == "tls":
                emu.set_tls("wrong-host", name=name)
            elif kind[1]:
                emu.set_faults(kind[1], name=name)
        before = dict((name, bindings(emu, name)) for name in names)
        vanish = [n for n, k in assigned.items() if k == "disappears"]
        timer = threading.Timer(6.0, lambda: [emu.set_faults({"down": True}, name=n) for n in vanish])
        timer.start()
        try:
            proc = playbook(emu, "fortifleet.auth.remediate", tmp_path / "r", "-f", "25", "-e", "fortigate_timeout=2")
        finally:
            timer.cancel()
        output = proc.stdout + proc.stderr
        assert "Traceback" not in output
        assert proc.returncode in (0, 2), output[-3000:]
        result = report(tmp_path / "r")
        devices = dict((d["name"], d) for d in result["devices"])
        assert sorted(devices) == sorted(names)  # every device is in the report
        for name, device in devices.items():
            assert device["status"] in ("ok", "fixed", "needs_human", "unreachable", "auth_failed", "error"), device
            if device["status"] == "error":
                assert device["errors"] and all(": " in e for e in device["errors"]), device
        assert devices[names[5]]["access"] in ("locked_out",)  # force_429 device
        for name in names:
            if any(n == name for n, k in assigned.items() if k in ("latency", "tls")):
                assert devices[name]["status"] in ("unreachable",), (name, devices[name])
        # nothing half-written: every user/admin binding is as before (a re-import completed or was rolled back)
        for name in names:
            if name not in vanish:
                assert bindings(emu, name) == before[name], name
        audit = by_device(emu.audit())
        for name, records in audit.items():
            # 401 is never retried: at most one failed key attempt per device
            assert len([r for r in records if r["status"] == 401]) <= 1, name
            # non-idempotent actions are never repeated (per VDOM: a multi-VDOM unit activates each VDOM's tokens there)
            actions = [(r["path"], r["query"]) for r in records
                       if r["method"] == "POST" and r["path"].endswith(ACTION_PATHS)]
            assert len(actions) == len(set(actions)), (name, actions)
            # retries are bounded: a request repeated after failed attempts is sent at most 1 + retries(2) times
            # (repeats after a success are polling, e.g. waiting for EMS authorization, not retries)
            run, longest, last, last_failed, worst = 0, 0, None, False, None
            for r in records:
                key = (r["method"], r["path"], json.dumps(r.get("query"), sort_keys=True))
                run = run + 1 if key == last and last_failed else 1
                if run > longest:
                    longest, worst = run, key
                last = key
                last_failed = bool(r.get("fault")) or r["status"] in (0, 500, 502, 503, 504)
            assert longest <= 3, (name, longest, worst)
        retried = sum(1 for records in audit.values() for r in records if r.get("fault"))
        print("fault matrix: %d devices, %d faulted requests, statuses %s" % (
            len(devices), retried, result["summary"]["by_status"]))


def test_wrong_token_fleet_run_never_locks_anyone_out(tmp_path):
    with running_emulator(devices=20, scenario="seeds", port="auto") as emu:
        (tmp_path / "wrong.json").write_text(json.dumps({"fortigate_access_token": "0" * 30}))
        proc = playbook(emu, "fortifleet.auth.diagnose", tmp_path / "r", "-f", "20", "-e", "@%s" % (tmp_path / "wrong.json"))
        assert proc.returncode == 0, proc.stdout[-2000:]
        audit = by_device(emu.audit())
        assert sorted(audit) == sorted(d["name"] for d in emu.devices())
        for name, records in audit.items():
            assert [r["auth"] for r in records] == ["bad_key"], (name, records)
        assert all(d["status"] == "auth_failed" for d in report(tmp_path / "r")["devices"])


@pytest.mark.parametrize("mode,reason", [("unknown-ca", "not signed by a CA the controller trusts"),
                                         ("wrong-host", "does not match"), ("expired", "expired")])
def test_tls_refusals_are_clear(tmp_path, mode, reason):
    with running_emulator(devices=1, scenario="healthy", port="auto", tls_fault=mode) as emu:
        proc = subprocess.run([PLAYBOOK, "-i", emu.inventory, os.path.join(ROOT, "tests", "integration",
                                                                           "info_play.yml")],
                              capture_output=True, text=True, env=ansible_env())
        assert proc.returncode != 0
        assert "TLS verification failed" in proc.stdout and reason in proc.stdout
        assert "ca_path" in proc.stdout
        assert emu.audit() == []


# The size: 200 devices, forks 50 (a pool of 50 threads in the fleet task) against forks 1 (one thread).
CONCURRENCY_DEVICES = int(os.environ.get("FORTIFLEET_CONCURRENCY_DEVICES", "200"))


def test_concurrency_forks_fifty_equals_forks_one(tmp_path):
    results = []
    for forks in ("50", "1"):
        with running_emulator(devices=CONCURRENCY_DEVICES, scenario="seeds", port="auto", seed=4242) as emu:
            proc = playbook(emu, "fortifleet.auth.remediate", tmp_path / forks, "-f", forks)
            assert proc.returncode == 0, proc.stdout[-2000:]
            state = dict((d["name"], emu.state(d["name"])["config"]) for d in emu.devices())
            content = report(tmp_path / forks)
            for device in content["devices"]:
                device["findings"] = sorted(json.dumps(f, sort_keys=True) for f in device["findings"])
                device["changes"] = sorted(json.dumps(c, sort_keys=True) for c in device["changes"])
            results.append((state, content["devices"], content["summary"]))
    assert results[0][0] == results[1][0]  # same final emulator state
    assert results[0][1] == results[1][1] and results[0][2] == results[1][2]  # same report besides timings
