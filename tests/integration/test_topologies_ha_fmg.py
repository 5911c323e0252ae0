"""Issue 16 (HA clusters, FortiManager-managed units) in real ansible-playbook runs of the collection's playbooks
against the emulator: each cluster written once through its primary, nothing through a secondary or an
out-of-sync cluster, the report's clusters, and the FortiManager guard with and without the opt-in."""
import json
import os

import pytest

from fortigate_emulator.testing import running_emulator

from .conftest import fresh
from .test_fleet import load, playbook

# fgt-001/002: a pair listed twice; fgt-003/004: a pair listed once (its primary's address); fgt-005/006: a pair
# out of sync; fgt-007: managed by FortiManager.
PAIRS = [(1, 2), (3, 4), (5, 6)]
FMG = "192.0.2.10"


@pytest.fixture(scope="module")
def topo():
    with running_emulator(devices=7, scenario="healthy", profile="7.4.4", port="auto", ha_pairs=PAIRS,
                          lockout_seconds=60) as emu:
        yield emu


@pytest.fixture
def emu(topo):
    return fresh(topo)


def inventory(emu, names, path):
    """The emulator's inventory with only these hosts (in this order)."""
    lines = open(emu.inventory).read().splitlines()
    head = lines[:lines.index("      hosts:") + 1]
    blocks, current = {}, None
    for line in lines[len(head):]:
        if line.startswith("        ") and not line.startswith("          "):
            current = line.strip().rstrip(":")
            blocks[current] = [line]
        elif current:
            blocks[current].append(line)
    path.write_text("\n".join(head + [line for name in names for line in blocks[name]]) + "\n")
    os.chmod(path, 0o600)
    return str(path)


class Sub(object):
    """The emulator with another inventory, for test_fleet.playbook."""

    def __init__(self, emu, path):
        self.inventory = path
        self._emu = emu


def writes(emu):
    return [r for r in emu.audit() if r["write"]]


def break_ftm_push(emu, name):
    emu.set_config(name, "system/ftm-push", {"status": "disable"})


def findings(report, name):
    return [f for d in report["devices"] if d["name"] == name for f in d["findings"]]


def test_each_cluster_is_written_once_through_its_primary_and_never_out_of_sync(emu, tmp_path):
    for name in ("fgt-002", "fgt-004", "fgt-006"):
        break_ftm_push(emu, name)  # on a secondary: the shared configuration breaks the whole cluster
    emu.set_out_of_sync("fgt-006")
    assert emu.state("fgt-001")["config"]["system/ftm-push"]["status"] == "disable"
    emu.clear_audit()
    hosts = ["fgt-001", "fgt-002", "fgt-003", "fgt-005", "fgt-006"]
    sub = Sub(emu, inventory(emu, hosts, tmp_path / "inv.yml"))
    proc = playbook(sub, "fortifleet.auth.remediate", tmp_path / "r", "-e", "fortitoken_import_trial=true")
    assert proc.returncode == 0, proc.stdout[-3000:]
    sent = writes(emu)
    ftm = [(r["device"], r["method"]) for r in sent if r["path"].endswith("/system/ftm-push")]
    assert sorted(ftm) == [("fgt-001", "PUT"), ("fgt-003", "PUT")], sent  # once per cluster, on the primary
    assert [r for r in sent if r["device"] in ("fgt-002", "fgt-004", "fgt-005", "fgt-006")] == []
    imports = [r["device"] for r in emu.audit() if "import-" in r["path"]]
    assert imports and set(imports) <= {"fgt-001", "fgt-003"}  # a licence import never goes to a secondary
    for name in ("fgt-001", "fgt-002", "fgt-003"):
        assert emu.state(name)["config"]["system/ftm-push"]["status"] == "enable"
    assert emu.state("fgt-005")["config"]["system/ftm-push"]["status"] == "disable"  # out of sync: not written
    report = load(tmp_path / "r")
    clusters = dict((c["name"], c) for c in report["clusters"])
    assert len(report["clusters"]) == 3, report["clusters"]
    by_primary = dict((c["primary"], c) for c in report["clusters"])
    assert by_primary["fgt-001"]["members"] == ["fgt-001", "fgt-002"] and by_primary["fgt-001"]["in_sync"] is True
    assert set(by_primary["fgt-001"]["serials"]) == {emu.device("fgt-001")["serial"], emu.device("fgt-002")["serial"]}
    assert by_primary["fgt-003"]["members"] == ["fgt-003"]
    assert emu.device("fgt-004")["serial"] in by_primary["fgt-003"]["serials"]
    assert by_primary["fgt-005"]["in_sync"] is False and len(clusters) == 3
    device = dict((d["name"], d) for d in report["devices"])
    assert device["fgt-002"]["handled_through"] == "fgt-001"
    assert "handled through fgt-001" in (tmp_path / "r" / "report.md").read_text()
    assert "## Clusters" in (tmp_path / "r" / "report.md").read_text()
    for name in ("fgt-005", "fgt-006"):
        assert "HA_OUT_OF_SYNC" in [f["id"] for f in findings(report, name)], name
        assert device[name]["status"] == "needs_human"
    assert not [f for d in report["devices"] for f in d["findings"] if f["id"] == "EMS_UNREACHABLE"]


def test_a_secondary_alone_is_diagnosed_read_only_and_its_passive_ems_is_not_unreachable(emu, tmp_path):
    break_ftm_push(emu, "fgt-004")
    emu.clear_audit()
    sub = Sub(emu, inventory(emu, ["fgt-004"], tmp_path / "inv.yml"))
    proc = playbook(sub, "fortifleet.auth.remediate", tmp_path / "r", "-e", "ems_connector_name=ems01",
                    "-e", "fortitoken_import_trial=true")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert writes(emu) == []  # no write, no licence import through a secondary
    ids = [f["id"] for f in findings(load(tmp_path / "r"), "fgt-004")]
    assert "HA_SECONDARY_ONLY" in ids
    assert "EMS_UNREACHABLE" not in ids and "EMS_NOT_TESTED_ON_PASSIVE_MEMBER" in ids  # "-1 timeout" is expected
    assert "FTM_PUSH_DISABLED" in ids or any(i.startswith("FTM_PUSH") for i in ids)  # still diagnosed


def _fmg_unit(emu, name):
    emu.set_scenario("token-migrated", name)
    emu.set_fortimanager(name, FMG)
    break_ftm_push(emu, name)
    emu.set_config(name, "endpoint-control/fctems", {"status": "disable"}, mkey="1")
    emu.clear_audit()


def test_a_fortimanager_unit_gets_no_write_and_one_finding_per_area_with_the_change(emu, tmp_path):
    _fmg_unit(emu, "fgt-007")
    sub = Sub(emu, inventory(emu, ["fgt-007"], tmp_path / "inv.yml"))
    proc = playbook(sub, "fortifleet.auth.remediate", tmp_path / "r", "-e", "ems_connector_name=ems01")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert writes(emu) == []
    managed = [f for f in findings(load(tmp_path / "r"), "fgt-007") if f["id"] == "MANAGED_BY_FORTIMANAGER"]
    assert sorted(f["area"] for f in managed) == ["ems", "fortitoken", "ftm_push"], managed
    by_area = dict((f["area"], f) for f in managed)
    assert all(FMG in f["remediation"] for f in managed)
    assert "config system ftm-push" in by_area["ftm_push"]["remediation"]
    assert "set status enable" in by_area["ftm_push"]["remediation"]
    assert "config endpoint-control fctems" in by_area["ems"]["remediation"]
    assert "FTK" in by_area["fortitoken"]["remediation"]  # the tokens to re-import there
    assert "FortiManager will show the device as modified" not in " ".join((proc.stdout + proc.stderr).split())


def test_fortimanager_local_writes_writes_and_warns(emu, tmp_path):
    _fmg_unit(emu, "fgt-007")
    sub = Sub(emu, inventory(emu, ["fgt-007"], tmp_path / "inv.yml"))
    proc = playbook(sub, "fortifleet.auth.remediate", tmp_path / "r", "-e", "ems_connector_name=ems01",
                    "-e", json.dumps({"fortimanager_local_writes": True}))
    assert proc.returncode == 0, proc.stdout[-3000:]
    paths = [r["path"] for r in writes(emu)]
    assert any(p.endswith("/system/ftm-push") for p in paths) and any("fctems" in p for p in paths), paths
    assert emu.state("fgt-007")["config"]["system/ftm-push"]["status"] == "enable"
    # Ansible prints warnings on stderr, wrapped
    assert "FortiManager will show the device as modified" in " ".join((proc.stdout + proc.stderr).split())
    ids = [f["id"] for f in findings(load(tmp_path / "r"), "fgt-007")]
    assert "MANAGED_BY_FORTIMANAGER" not in ids
