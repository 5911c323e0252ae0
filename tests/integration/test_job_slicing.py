"""Issue 19, job slicing: a fleet run as 4 slices (host i in slice i mod 4, in name order, as AWX job slicing deals
them) run concurrently by ansible-runner, each writing its own report, then fortifleet.auth.merge_reports: the merged
report equals the report of a single run over the whole inventory, apart from timings, for diagnose and remediate.

The seeds fleet of 24 devices holds every seed scenario and an HA pair (fgt-013 primary, fgt-019 secondary: the
last two healthy devices, ha.py seeds_pairs) that the slicing splits (slices 0 and 2): the secondary's slice does not
see its primary and diagnoses it read-only (HA_SECONDARY_ONLY), where the single run hands the cluster to the
primary; the merged report says what the single run says, and the audit shows nothing written through the
secondary in either way of running."""
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime

import ansible_runner
import pytest

from fortigate_emulator.testing import running_emulator

from .harness import ansible_env
from .test_topologies_ha_fmg import inventory as inventory_of

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
SLICES = 4
DEVICES = 24
PRIMARY, SECONDARY = "fgt-013", "fgt-019"
REPORT_FILES = ("report.json", "report.md", "report.html", "junit.xml")
# What may differ between the merged report and the single run's: timings, and the path of the previous report.
TIMING_FIELDS = (("run", "started"), ("run", "finished"),
                 ("since_previous", "run", "started"), ("since_previous", "run", "finished"))
PATH_FIELDS = (("since_previous", "path"),)
# The runner's environment: the collection under test and the emulator's inventory settings.
RUNNER_ENV = ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_LOCAL_TEMP", "ANSIBLE_HOME", "ANSIBLE_NOCOLOR", "PATH")


@pytest.fixture(scope="module")
def seeds24():
    with running_emulator(devices=DEVICES, scenario="seeds", port="auto", lockout_seconds=60) as emu:
        yield emu


def prepared(emu):
    """The fleet in its starting state, the HA cluster's FTM push broken (its primary's entry repairs it)."""
    emu.reset()
    emu.clear_faults()
    emu.set_config(SECONDARY, "system/ftm-push", {"status": "disable"})  # shared: the whole cluster
    emu.clear_audit()
    return emu


def state_env(base):
    """Each way of running has its own journal and key directories (AWX: a volume shared by the slice jobs), so
    nothing one run remembers (unconfirmed actions) reaches the other."""
    return {"FORTIFLEET_JOURNAL_DIR": str(base / "journal"), "XDG_STATE_HOME": str(base / "state")}


def single_run(emu, name, report_dir, base, previous="none"):
    proc = subprocess.run([PLAYBOOK, "-i", emu.inventory, "-f", "20", name, "-e", "fortifleet_report_dir=%s"
                           % report_dir, "-e", "fortifleet_report_previous=%s" % previous],
                          capture_output=True, text=True, env=ansible_env(state_env(base)), timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def host_names(emu):
    return sorted(d["name"] for d in emu.devices())


def sliced_run(emu, name, slices_dir, base):
    """The playbook as SLICES jobs run at the same time by ansible-runner, each on its slice's inventory and with
    its own report directory under ``slices_dir`` (as AWX runs a template with Job Slicing)."""
    env = ansible_env(state_env(base))
    names = host_names(emu)
    runs = []
    for index in range(SLICES):
        private = base / slices_dir.name / ("runner-%d" % index)
        private.mkdir(parents=True)
        inventory = inventory_of(emu, names[index::SLICES], private / "inventory.yml")
        unused_thread, runner = ansible_runner.run_async(
            private_data_dir=str(private), playbook=name, inventory=inventory,
            extravars={"fortifleet_report_dir": str(slices_dir / ("slice-%d" % (index + 1))),
                       "fortifleet_report_previous": "none"},
            envvars=dict((key, env[key]) for key in RUNNER_ENV + tuple(state_env(base))),
            forks=5, quiet=True, timeout=900)
        runs.append(runner)
    for runner in runs:
        while runner.status not in ("successful", "failed", "timeout", "canceled", "error"):
            time.sleep(0.5)
    bad = [(r.status, r.rc, r.stdout.read()[-2000:]) for r in runs if r.status != "successful"]
    assert bad == [], bad
    return runs


def merge(slices_dir, report_dir, previous="none", *extra):
    return subprocess.run([PLAYBOOK, "fortifleet.auth.merge_reports", "-e", "fortifleet_slices_dir=%s" % slices_dir,
                           "-e", "fortifleet_expected_slices=%d" % SLICES, "-e", "fortifleet_report_dir=%s" % report_dir,
                           "-e", "fortifleet_report_previous=%s" % previous] + list(extra),
                          capture_output=True, text=True, env=ansible_env(), timeout=600)


def load(report_dir):
    with open(os.path.join(str(report_dir), "report.json")) as handle:
        return json.load(handle)


def _pop(report, path):
    for key in path[:-1]:
        report = report.get(key) or {}
    return report.pop(path[-1], None)


def without_timings(report):
    """The report without the fields that are timings or paths (TIMING_FIELDS, PATH_FIELDS)."""
    report = json.loads(json.dumps(report))
    for path in TIMING_FIELDS + PATH_FIELDS:
        _pop(report, path)
    return report


def file_text(report_dir, name):
    """A report file with the values of the timing and path fields replaced by placeholders (a start and an end in
    the same second are the same text)."""
    with open(os.path.join(str(report_dir), name)) as handle:
        text = handle.read()
    report = load(report_dir)
    for fields, placeholder in ((TIMING_FIELDS, "<timing>"), (PATH_FIELDS, "<path>")):
        for path in fields:
            value = report
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if value:
                text = text.replace(str(value), placeholder).replace(json.dumps(str(value))[1:-1], placeholder)
    return text


def entry(report, name):
    return [d for d in report["devices"] if d["name"] == name][0]


def writes(emu):
    return [r for r in emu.audit() if r["write"]]


def assert_same_report(single_dir, merged_dir):
    single, merged = load(single_dir), load(merged_dir)
    assert without_timings(merged) == without_timings(single)
    for name in REPORT_FILES:
        assert file_text(merged_dir, name) == file_text(single_dir, name), name
    return single, merged


def assert_slices_split_the_cluster(slices_dir):
    """The slicing put the pair in two slices, whose secondary saw no primary: the merge had something to do."""
    alone = [entry(r, SECONDARY) for r in (load(slices_dir / ("slice-%d" % i)) for i in range(1, SLICES + 1))
             if SECONDARY in [d["name"] for d in r["devices"]]]
    assert len(alone) == 1 and "HA_SECONDARY_ONLY" in [f["id"] for f in alone[0]["findings"]], alone
    assert "handled_through" not in alone[0]


def playbook_span(runner):
    """When the slice's playbook started and when it printed its recap (ansible-runner's events, one clock)."""
    created = dict((e["event"], datetime.fromisoformat(e["created"])) for e in runner.events
                   if e.get("event") in ("playbook_on_start", "playbook_on_stats"))
    return created["playbook_on_start"], created["playbook_on_stats"]


def assert_slices_ran_at_once(runs):
    """Every slice's playbook was running while every other one was: the latest start came before the earliest
    recap. (Not the devices' requests: a slice of 6 devices sends them in a few tenths of a second, less than
    ansible-playbook's start-up varies by on a loaded machine, so their spans need not meet.)"""
    spans = [playbook_span(runner) for runner in runs]
    assert max(s[0] for s in spans) < min(s[1] for s in spans), spans


def test_four_concurrent_slices_merged_equal_a_single_run_for_diagnose_and_remediate(seeds24, tmp_path):
    names = host_names(seeds24)
    assert len(names) == DEVICES and names.index(PRIMARY) % SLICES != names.index(SECONDARY) % SLICES

    # diagnose: one run, then the same as 4 slices and their merge
    single_run(prepared(seeds24), "fortifleet.auth.diagnose", tmp_path / "single" / "diagnose", tmp_path / "single")
    assert writes(seeds24) == []
    runs = sliced_run(prepared(seeds24), "fortifleet.auth.diagnose", tmp_path / "slices-diagnose", tmp_path / "sliced")
    assert writes(seeds24) == []
    assert_slices_ran_at_once(runs)
    proc = merge(tmp_path / "slices-diagnose", tmp_path / "merged" / "diagnose")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "fortifleet.auth diagnose (check): 24 devices" in proc.stdout
    assert_slices_split_the_cluster(tmp_path / "slices-diagnose")
    single, merged = assert_same_report(tmp_path / "single" / "diagnose", tmp_path / "merged" / "diagnose")
    assert entry(merged, SECONDARY)["handled_through"] == PRIMARY
    assert [c["name"] for c in merged["clusters"]] and merged["clusters"][0]["primary"] == PRIMARY
    statuses = set(d["status"] for d in merged["devices"])
    assert {"ok", "drift", "needs_human", "auth_failed"} <= statuses, statuses  # the seeds mix, not a trivial fleet

    # remediate, each compared with its own diagnose run (run-to-run changes: the merged against the merged)
    single_run(prepared(seeds24), "fortifleet.auth.remediate", tmp_path / "single" / "remediate", tmp_path / "single",
               previous=tmp_path / "single" / "diagnose")
    single_writes = writes(seeds24)
    runs = sliced_run(prepared(seeds24), "fortifleet.auth.remediate", tmp_path / "slices-remediate", tmp_path / "sliced")
    sliced_writes = writes(seeds24)
    assert_slices_ran_at_once(runs)
    proc = merge(tmp_path / "slices-remediate", tmp_path / "merged" / "remediate", tmp_path / "merged" / "diagnose")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert_slices_split_the_cluster(tmp_path / "slices-remediate")
    single, merged = assert_same_report(tmp_path / "single" / "remediate", tmp_path / "merged" / "remediate")
    assert merged["since_previous"]["path"] == str(tmp_path / "merged" / "diagnose")
    assert merged["since_previous"]["counts"]["fixed"] > 0 and merged["run"]["mode"] == "apply"
    assert "fixed" in set(d["status"] for d in merged["devices"])
    # the cluster was repaired through its primary, once, and nothing was written through the secondary
    for sent in (single_writes, sliced_writes):
        assert [r for r in sent if r["device"] == SECONDARY] == []
        assert [r["method"] for r in sent if r["device"] == PRIMARY and r["path"].endswith("/system/ftm-push")] == ["PUT"]
    assert sorted((r["device"], r["method"], r["path"]) for r in sliced_writes) == \
        sorted((r["device"], r["method"], r["path"]) for r in single_writes)
    assert entry(merged, SECONDARY)["handled_through"] == PRIMARY and entry(merged, PRIMARY)["status"] == "fixed"


def test_the_merge_playbook_refuses_a_missing_slice_and_writes_nothing(seeds24, tmp_path):
    slices = tmp_path / "slices"
    for index in (1, 2):
        (slices / ("slice-%d" % index)).mkdir(parents=True)
    with open(slices / "slice-1" / "report.json", "w") as handle:
        json.dump({"schema_version": 2, "run": {"name": "diagnose", "mode": "check"}, "devices": []}, handle)
    proc = merge(slices, tmp_path / "merged")
    assert proc.returncode != 0
    assert re.search(r"slice-2 has no report\.json", proc.stdout), proc.stdout[-2000:]
    assert not (tmp_path / "merged").exists()
