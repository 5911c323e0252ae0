"""Issue 14 in real runs: the plain-HTTP warning, the deprecated trusthost mode alias, and every write a device
received in the report when the device fails half-way."""
import json
import subprocess

import pytest

from fortigate_emulator.testing import running_emulator

from .conftest import fleet_fixture, fresh
from .harness import ansible_env, run_playbook
from .killpoints import PLAYBOOK
from .test_interruption import prepare_migrated

API_USER = "fortifleet-automation"
PROBE = [{"fortifleet.auth.fortigate_info": {"gather_subset": ["api_access", "system"]}, "register": "out"}]


@pytest.fixture(scope="module")
def plain():
    with running_emulator(devices=1, scenario="healthy", profile="7.4.4", http=True, port="auto") as emu:
        yield emu


def test_use_ssl_false_warns_that_the_token_travels_in_clear_and_never_shows_it(plain, tmp_path):
    name = plain.devices()[0]["name"]
    token = plain.secrets(name)["inventory_token"]
    run = run_playbook(tmp_path, plain.inventory, PROBE, args=["-vvv", "-e", "fortigate_use_ssl=false"])
    assert run.rc == 0, run
    assert run.results[name]["fortigate"]["api_access"]["status"] == "ok"
    warning = [line for line in run.output.splitlines() if "travels in clear text over HTTP" in line]
    assert warning and "use_ssl is false for %s" % name in run.output, run
    assert token not in run.output
    assert token not in json.dumps(run.results)


rotation = fleet_fixture(devices=2, scenario="healthy", profile="7.4.4", lockout_seconds=60)


@pytest.fixture
def temu(rotation):
    return fresh(rotation)


def _trusthost_networks(emu, name):
    row = [r for r in emu.state(name)["config"]["system/api-user"] if r["name"] == API_USER][0]
    return sorted(t.get("ipv4-trusthost") or t.get("ipv6-trusthost") for t in row["trusthost"])


def test_deprecated_trusthost_mode_replace_warns_and_acts_as_exact(temu, tmp_path):
    first, second = [d["name"] for d in temu.devices()]
    wanted = ["127.0.0.0/8", "10.20.30.0/24"]
    for name in (first, second):  # something that "exact" removes and "add" would keep
        temu.set_config(name, "system/api-user", {"trusthost": [
            {"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "127.0.0.0 255.0.0.0"},
            {"id": 2, "type": "ipv4-trusthost", "ipv4-trusthost": "192.168.77.0 255.255.255.0"}]}, mkey=API_USER)
    runs = {}
    for name, mode in ((first, "replace"), (second, "exact")):
        (tmp_path / mode).mkdir()
        runs[mode] = run_playbook(tmp_path / mode, temu.inventory, [{"fortifleet.auth.api_user": {
            "name": API_USER, "trusthost": wanted, "trusthost_mode": mode}, "register": "out"}],
            args=["--limit", name])
        assert runs[mode].rc == 0, runs[mode]
        assert runs[mode].results[name]["changed"] is True
    assert _trusthost_networks(temu, first) == _trusthost_networks(temu, second)
    assert not [n for n in _trusthost_networks(temu, first) if n.startswith("192.168.77.")]
    assert "trusthost_mode 'replace' is deprecated" in runs["replace"].output
    assert "write 'exact'" in runs["replace"].output
    assert "deprecated" not in runs["exact"].output


migrated = fleet_fixture(devices=2, scenario="healthy", profile="7.4.4", lockout_seconds=60)


@pytest.fixture
def memu(migrated):
    return fresh(migrated)


def test_a_device_failing_at_its_second_write_reports_the_first_write_and_the_unknown_one(memu, tmp_path):
    name = memu.devices()[0]["name"]
    prepare_migrated(memu, name)
    memu.clear_audit()
    # The device goes away at the second write of the re-import (for longer than every retry): the connection
    # is cut once the request is sent, so the client cannot know whether the device applied it.
    memu.set_faults({"down_from": {"method": ["PUT", "POST", "DELETE"], "nth": 2, "seconds": 8}}, name=name)
    report_dir = tmp_path / "report"
    run = subprocess.run([PLAYBOOK, "-i", memu.inventory, "fortifleet.auth.remediate_fortitoken", "--limit", name,
                          "-e", "fortigate_timeout=2", "-e", "fortifleet_report_dir=%s" % report_dir],
                         capture_output=True, text=True, env=ansible_env(), timeout=300, cwd=str(tmp_path))
    memu.clear_faults(name=name)
    writes = [r for r in memu.audit(name) if r["write"] or r.get("fault") == "down_from"]
    assert len(writes) >= 2 and writes[1].get("fault") == "down_from", writes
    with open(str(report_dir / "report.json")) as handle:
        device = [d for d in json.load(handle)["devices"] if d["name"] == name][0]
    assert device["status"] not in ("ok", "fixed"), device
    requests_in_report = json.dumps(device["changes"])
    for write in writes[:2]:
        # the applied first write and the second one, whose outcome is unknown: each is in the report
        assert write["path"].replace("/api/v2/cmdb/", "").split("?")[0].rstrip("/") in requests_in_report, (
            write, device["changes"], run.stdout[-3000:])
    assert [c for c in device["changes"] if c.get("unconfirmed")], device["changes"]
