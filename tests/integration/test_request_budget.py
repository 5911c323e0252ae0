"""Issue 19: the request budget of a device's run, measured on the emulator's audit with a WAN-like latency
(100 ms +- 20 ms): a healthy device's diagnose makes at most 14 requests in at most 4 sequential round trips, never
more than the fan-out in flight at once; a remediate run's second run writes nothing; every seeds scenario stays
within its budget (docs/requests.md)."""
import collections
import os
import subprocess

import pytest

from fortigate_emulator.audit_stats import per_device
from fortigate_emulator.testing import running_emulator

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import FAN_OUT

from .harness import BIN, ansible_env

LATENCY = {"latency_ms": 100, "jitter_ms": 20}
HEALTHY_REQUESTS = 14  # docs/requests.md: the 14 reads of a healthy device (the target of 12 is not met)
HEALTHY_ROUND_TRIPS = 4  # 1 proving request + ceil(13 / FAN_OUT) parallel reads
# The seeds scenarios: a symptom costs the reads that explain it (docs/requests.md); on main before issue 19 a
# device made 23-25 requests (36 with VDOMs), all sequential.
SCENARIO_REQUESTS = {"multi-vdom": 24, "api-forbidden": 18}
SCENARIO_DEFAULT = 17


def playbook(emu, tmp_path, name, *args):
    cmd = [os.path.join(BIN, "ansible-playbook"), "-i", emu.inventory, name, "-f", "10",
           "-e", "fortifleet_report_dir=%s" % (tmp_path / "report")] + list(args)
    return subprocess.run(cmd, env=ansible_env(), capture_output=True, text=True, timeout=900)


def most_in_flight(records):
    """The largest number of one device's requests in flight at the same moment (received .. answered)."""
    events = sorted([(r["received"], 1) for r in records] + [(r["time"], -1) for r in records])
    now = top = 0
    for dummy, step in events:
        now += step
        top = max(top, now)
    return top


def by_device(audit):
    out = collections.defaultdict(list)
    for rec in audit:
        out[rec["device"]].append(rec)
    return out


@pytest.fixture(scope="module")
def mixed():
    # one healthy device per classic version profile (6.4.9 ... 7.6.5)
    with running_emulator(devices=9, scenario="healthy", profile="mixed", port="auto", faults=LATENCY) as emu:
        yield emu


def test_a_healthy_device_diagnose_is_within_the_budget_on_every_version(mixed, tmp_path):
    mixed.reset()
    mixed.clear_audit()
    run = playbook(mixed, tmp_path, "fortifleet.auth.diagnose")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    audit = mixed.audit()
    stats = per_device(audit)
    versions = dict((d["name"], d["version"]) for d in mixed.devices())
    assert set(stats) == set(versions)
    for name, figures in sorted(stats.items()):
        print("%s %s: %d requests, %d round trips" % (name, versions[name], figures["requests"],
                                                      figures["round_trips"]))
        assert figures["writes"] == 0
        assert figures["requests"] <= HEALTHY_REQUESTS, (name, versions[name], figures)
        # one more only when the controller's CPU starts a thread of a wave after another request of that wave was
        # already answered (2 shared cores under load): the design gives exactly 4
        assert figures["round_trips"] <= HEALTHY_ROUND_TRIPS + 1, (name, versions[name], figures)
    trips = sorted(f["round_trips"] for f in stats.values())
    assert trips[len(trips) // 2] <= HEALTHY_ROUND_TRIPS, trips
    for name, records in by_device(audit).items():
        assert most_in_flight(records) <= FAN_OUT, name
        # the token is proven before anything goes out in parallel: the first request is alone
        first = min(records, key=lambda r: r["received"])
        assert [r for r in records if r is not first and r["received"] < first["time"]] == [], name


def test_remediate_twice_the_second_run_writes_nothing(tmp_path):
    with running_emulator(devices=3, scenario="ftm-push-disabled", port="auto", faults=LATENCY) as emu:
        first = playbook(emu, tmp_path, "fortifleet.auth.remediate", "-e", "ftm_push_server=203.0.113.10")
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
        assert [r for r in emu.audit() if r["write"]], "the first run fixed nothing"
        emu.clear_audit()
        second = playbook(emu, tmp_path, "fortifleet.auth.remediate", "-e", "ftm_push_server=203.0.113.10")
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-2000:]
        assert [r for r in emu.audit() if r["write"]] == []


def test_seeds_scenarios_request_budget(tmp_path):
    with running_emulator(devices=24, scenario="seeds", port="auto", faults=LATENCY) as emu:
        emu.clear_audit()
        run = playbook(emu, tmp_path, "fortifleet.auth.diagnose")
        assert run.returncode in (0, 2), run.stdout[-3000:] + run.stderr[-2000:]
        stats = per_device(emu.audit())
        for device in emu.devices():
            figures = stats.get(device["name"], {"requests": 0, "round_trips": 0})
            print("%-28s %-7s requests %3d  round trips %3d"
                  % (device["scenario"], device["version"], figures["requests"], figures["round_trips"]))
            assert figures["requests"] <= SCENARIO_REQUESTS.get(device["scenario"], SCENARIO_DEFAULT), device
