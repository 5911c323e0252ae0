"""Issue 19, 10,000 devices on one controller, at a size a test can afford: the per-device result task is optional
(fortifleet_host_events) and the report is the same either way, the records reach the report through the fleet
task's spool (removed afterwards, no secret in the report), --limit still limits the report, and the fleet pool
follows fortifleet_workers (default 64), not forks."""
import json
import os
import subprocess
import sys

from .conftest import fleet_fixture, fresh
from .harness import ansible_env

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
RESULT_TASK = "TASK [Result of this device]"

seeds8 = fleet_fixture(devices=8, scenario="seeds")


def diagnose(emu, tmp_path, tag, *extra, forks=5):
    """fortifleet.auth.diagnose with its own report directory and Ansible temporary directory (the spool goes into
    the run's directory there, which ansible-playbook removes as it exits)."""
    report_dir, temp = tmp_path / ("report-" + tag), tmp_path / ("tmp-" + tag)
    temp.mkdir()
    env = ansible_env({"ANSIBLE_LOCAL_TEMP": str(temp)})
    proc = subprocess.run([PLAYBOOK, "-i", emu.inventory, "-f", str(forks), "fortifleet.auth.diagnose",
                           "-e", "fortifleet_report_dir=%s" % report_dir, "-e", "fortifleet_report_previous=none"]
                          + list(extra), capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc, report_dir, temp


def load(report_dir):
    with open(os.path.join(str(report_dir), "report.json")) as handle:
        return json.load(handle)


def secrets_of(emu):
    values = set()
    for device in emu.devices():
        found = emu.secrets(device["name"])
        values.update(v for k, v in found.items() if k in ("api_key", "admin_password", "inventory_token") and v)
    return values


def test_host_events_are_optional_and_the_report_is_the_same_either_way(seeds8, tmp_path):
    fresh(seeds8)
    on, on_dir, on_tmp = diagnose(seeds8, tmp_path, "on", "-e", "fortifleet_host_events=true")
    fresh(seeds8)
    off, off_dir, off_tmp = diagnose(seeds8, tmp_path, "off", "-e", "fortifleet_host_events=false")
    fresh(seeds8)
    auto, auto_dir, _ = diagnose(seeds8, tmp_path, "auto")
    # On: one event per device, and the recap's per-host changed (drift) comes from it.
    events = on.stdout.split(RESULT_TASK, 1)[1].split("PLAY RECAP", 1)[0].splitlines()
    assert len([line for line in events if line.startswith(("ok: [fgt-", "changed: [fgt-"))]) == 8
    recap = [line for line in on.stdout.splitlines() if line.startswith("fgt-") and " : ok=" in line]
    assert len(recap) == 8 and any("changed=1" in line for line in recap)
    # Off: no per-host task at all (the play ends once, for every host).
    assert RESULT_TASK not in off.stdout and "End here unless one event per device" in off.stdout
    # A small play (at most 200 devices) gets the events by default.
    assert RESULT_TASK in auto.stdout
    reports = [load(d) for d in (on_dir, off_dir, auto_dir)]
    for report in reports:
        for key in ("started", "finished"):
            report["run"].pop(key)
    assert reports[0] == reports[1] == reports[2]
    # Off, no host has a fortifleet_result: every record came through the spool.
    assert len(reports[0]["devices"]) == 8 and any(d["findings"] for d in reports[0]["devices"])
    # The spool went to the run's temporary directory and is gone with it.
    for temp in (on_tmp, off_tmp):
        assert [p for p, _, names in os.walk(str(temp)) for n in names + [p] if "fortifleet-records-" in n] == []
    secrets = secrets_of(seeds8)
    for report_dir in (on_dir, off_dir):
        for name in os.listdir(str(report_dir)):
            with open(os.path.join(str(report_dir), name)) as handle:
                text = handle.read()
            assert not [s for s in secrets if s in text], name


def test_limit_reports_exactly_the_limited_devices(seeds8, tmp_path):
    fresh(seeds8)
    _, report_dir, _ = diagnose(seeds8, tmp_path, "limit", "--limit", "fgt-002,fgt-005",
                                "-e", "fortifleet_host_events=false")
    assert sorted(d["name"] for d in load(report_dir)["devices"]) == ["fgt-002", "fgt-005"]
    assert set(r["device"] for r in seeds8.audit()) == {"fgt-002", "fgt-005"}


def _most_devices_in_flight(audit):
    """The most devices that had a request in flight at the same moment (from the emulator's arrival and answer
    times)."""
    events = []
    for record in audit:
        if record.get("received") is not None:
            events.append((record["received"], 1, record["device"]))
            events.append((record["time"], 0, record["device"]))
    in_flight, most = {}, 0
    for _, starts, device in sorted(events):
        in_flight[device] = in_flight.get(device, 0) + (1 if starts else -1)
        most = max(most, sum(1 for n in in_flight.values() if n > 0))
    return most


def test_the_pool_is_fortifleet_workers_not_forks(seeds8, tmp_path):
    fresh(seeds8)
    seeds8.set_faults({"latency_ms": 150})
    diagnose(seeds8, tmp_path, "two", "-e", "fortifleet_workers=2", "-e", "fortifleet_host_events=false", forks=8)
    assert _most_devices_in_flight(seeds8.audit()) <= 2
    fresh(seeds8)
    seeds8.set_faults({"latency_ms": 150})
    # forks 1: the default pool (64, at most the 8 devices) still runs devices side by side.
    diagnose(seeds8, tmp_path, "default", "-e", "fortifleet_host_events=false", forks=1)
    assert _most_devices_in_flight(seeds8.audit()) >= 4
    seeds8.clear_faults()
