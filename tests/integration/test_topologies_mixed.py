"""Issue 16, acceptance 2: diagnose, remediate, remediate, diagnose on a mixed 50-device fleet (standalone units of
every seed problem, HA pairs listed twice and once, a FortiManager-managed unit, a multi-VDOM unit), in real
ansible-playbook runs against the emulator: diagnose never writes, a cluster is written only through its primary,
the second remediate makes no write at all, and the last diagnosis lists only what needs a human."""
import pytest

from fortigate_emulator import scenarios
from fortigate_emulator.testing import running_emulator

from .test_fleet import load, playbook
from .test_topologies_ha_fmg import Sub, inventory

DEVICES = 50


def _healthy_pairs(names):
    """Three HA pairs made of healthy devices (1-based indexes), so that every seed problem stays standalone."""
    healthy = [i + 1 for i, name in enumerate(names) if name == "healthy"]
    return [(healthy[0], healthy[1]), (healthy[2], healthy[3]), (healthy[4], healthy[5])]


PAIRS = _healthy_pairs(scenarios.seeds_scenarios(DEVICES))


@pytest.fixture(scope="module")
def mixed():
    with running_emulator(devices=DEVICES, scenario="seeds", port="auto", ha_pairs=PAIRS, seed=1616) as emu:
        yield emu


def writes(emu):
    return [r for r in emu.audit() if r["write"]]


def test_diagnose_remediate_twice_diagnose_on_a_mixed_fleet(mixed, tmp_path):
    emu = mixed
    devices = emu.devices()
    names = [d["name"] for d in devices]
    kinds = dict((d["name"], d["scenario"]) for d in devices)
    assert "fmg-managed" in kinds.values() and "multi-vdom" in kinds.values()
    primaries = ["fgt-%03d" % p for p, _ in PAIRS]
    secondaries = ["fgt-%03d" % s for _, s in PAIRS]
    # A broken setting on each secondary is the whole cluster's (one shared configuration).
    fmg = [n for n in names if kinds[n] == "fmg-managed"]
    for name in secondaries + fmg:
        emu.set_config(name, "system/ftm-push", {"status": "disable"})
    # The first pair is listed through both members, the others through one member each (the second through its
    # primary, the third through its secondary only: that cluster is diagnosed, never written).
    listed = [n for n in names if n not in (secondaries[1], primaries[2])]
    sub = Sub(emu, inventory(emu, listed, tmp_path / "inv.yml"))
    extra = ("-f", "25")

    emu.clear_audit()
    proc = playbook(sub, "fortifleet.auth.diagnose", tmp_path / "d1", *extra)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert writes(emu) == []  # diagnose never writes
    first = dict((d["name"], d) for d in load(tmp_path / "d1")["devices"])
    assert first[primaries[0]]["status"] == "drift"

    emu.clear_audit()
    proc = playbook(sub, "fortifleet.auth.remediate", tmp_path / "r1", *extra)
    assert proc.returncode == 0, proc.stdout[-3000:]
    sent = writes(emu)
    assert sent, "the first remediate repairs the seed problems"
    by_device = set(r["device"] for r in sent)
    assert not by_device & set(secondaries), "a secondary is never written through"
    assert fmg and not by_device & set(fmg), "a FortiManager-managed unit gets no local write"
    ftm = sorted(r["device"] for r in sent if r["path"].endswith("/system/ftm-push"))
    assert primaries[0] in ftm and primaries[1] in ftm and ftm.count(primaries[0]) == 1
    assert primaries[2] not in ftm  # its primary is not in the inventory: nobody writes that cluster
    for name in primaries[:2] + secondaries[:2]:
        assert emu.state(name)["config"]["system/ftm-push"]["status"] == "enable", name
    assert emu.state(secondaries[2])["config"]["system/ftm-push"]["status"] == "disable"
    clusters = load(tmp_path / "r1")["clusters"]
    assert len(clusters) == 3 and sorted(c["primary"] for c in clusters if c["primary"]) == sorted(primaries[:2])

    emu.clear_audit()
    proc = playbook(sub, "fortifleet.auth.remediate", tmp_path / "r2", *extra)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert writes(emu) == [], "the second remediate makes no write"

    emu.clear_audit()
    proc = playbook(sub, "fortifleet.auth.diagnose", tmp_path / "d2", *extra)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert writes(emu) == []
    last = load(tmp_path / "d2")
    for device in last["devices"]:
        # Only what needs a human is left: nothing remediate could still fix.
        assert device["status"] != "drift", device
        assert not [f for f in device["findings"] if f.get("auto_fix")], (device["name"], device["findings"])
        if device["status"] == "ok":
            assert not [f for f in device["findings"] if f["severity"] in ("critical", "warning")], device
    statuses = dict((d["name"], d["status"]) for d in last["devices"])
    assert statuses[secondaries[0]] == "ok" and statuses[primaries[0]] == "ok", [
        (d["name"], [(f["id"], f.get("detail")) for f in d["findings"]], d["errors"]) for d in last["devices"]
        if d["name"] in (primaries[0], secondaries[0])]
    assert statuses[secondaries[2]] == "needs_human"  # HA_SECONDARY_ONLY: add the primary or the cluster address
    vdom_unit = [n for n in listed if kinds[n] == "multi-vdom"][0]
    assert statuses[vdom_unit] in ("ok", "needs_human"), last
    for name in fmg:
        assert statuses[name] == "needs_human"
        assert "MANAGED_BY_FORTIMANAGER" in [f["id"] for d in last["devices"] if d["name"] == name
                                             for f in d["findings"]]
        assert emu.state(name)["config"]["system/ftm-push"]["status"] == "disable"  # the fix belongs in FortiManager
