"""The report says what happened: check mode is reported as check, --limit and --tags keep the report and it
covers exactly the hosts that ran (issue: truthful results)."""
import json
import os
import subprocess
import sys

from .conftest import fleet_fixture
from .harness import ansible_env

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
# The first four seed scenarios are the ftm-push ones (fortigate_emulator.scenarios.SEED_SCENARIOS).
seeds6 = fleet_fixture(devices=6, scenario="seeds")


def playbook(emu, name, report_dir, *extra):
    return subprocess.run([PLAYBOOK, "-i", emu.inventory, name, "-e", "fortifleet_report_dir=%s" % report_dir]
                          + list(extra), capture_output=True, text=True, env=ansible_env(), timeout=600)


def report_of(report_dir):
    with open(os.path.join(str(report_dir), "report.json")) as handle:
        return json.load(handle)


def writes(emu):
    return [r for r in emu.audit() if r["write"]]


def fresh(emu):
    emu.reset()
    emu.clear_faults()
    emu.clear_audit()
    return emu


def test_a_remediate_playbook_under_check_reports_check_mode_and_drift_never_fixed(seeds6, tmp_path):
    emu = fresh(seeds6)
    proc = playbook(emu, "fortifleet.auth.remediate_ftm_push", tmp_path / "r", "--check")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert writes(emu) == []
    report = report_of(tmp_path / "r")
    assert report["run"]["mode"] == "check"
    statuses = [d["status"] for d in report["devices"]]
    assert "fixed" not in statuses and "drift" in statuses, statuses
    with open(tmp_path / "r" / "report.md") as handle:
        assert "Mode: **check**" in handle.read()


def test_limit_keeps_the_report_and_it_covers_exactly_the_hosts_that_ran(seeds6, tmp_path):
    emu = fresh(seeds6)
    names = sorted(d["name"] for d in emu.devices())
    proc = playbook(emu, "fortifleet.auth.diagnose", tmp_path / "r", "--limit", names[0])
    assert proc.returncode == 0, proc.stdout[-3000:]
    report = report_of(tmp_path / "r")
    assert [d["name"] for d in report["devices"]] == [names[0]]
    assert report["run"]["devices"] == 1
    ran = set(r["device"] for r in emu.audit())
    assert ran == {names[0]}, ran


def test_tags_keep_the_report(seeds6, tmp_path):
    emu = fresh(seeds6)
    proc = playbook(emu, "fortifleet.auth.diagnose", tmp_path / "r", "--tags", "nothing-matches-this")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert os.path.exists(tmp_path / "r" / "report.json"), proc.stdout[-3000:]
