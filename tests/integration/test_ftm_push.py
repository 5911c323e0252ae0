"""FortiToken Mobile push diagnosis and repair on every FortiOS version."""
import json
import os
import subprocess
import sys

import pytest


from .conftest import fleet_fixture, fresh
from .harness import ansible_env, run_playbook

VERSIONS = ["6.4.9", "6.4.15", "7.0.12", "7.2.8", "7.4.8", "7.6.5"]
SCENARIOS = ["ftm-push-no-cert", "ftm-push-disabled", "ftm-push-legacy-server-ip", "ftm-push-no-ftm-access"]
ROLE = """
- name: run the role
  ansible.builtin.include_role:
    name: fortifleet.auth.ftm_push
- name: keep what the role found and did
  ansible.builtin.set_fact:
    out:
      findings: "{{ fortifleet_findings | default([]) }}"
      changes: "{{ fortifleet_changes | default([]) }}"
"""
DIAG = """
- fortifleet.auth.fortigate_info:
    gather_subset: [ftm_push]
  register: out
"""


fleet9 = fleet_fixture(devices=9, scenario="healthy", profile="mixed")


@pytest.fixture
def femu(fleet9):
    return fresh(fleet9)


def hosts_for(emu, versions=VERSIONS):
    return {d["version"]: d["name"] for d in emu.devices() if d["version"] in versions}


def wan(emu, name):
    return next(r for r in emu.state(name)["config"]["system/interface"] if r.get("role") == "wan")


def writes(emu, names):
    return [r for r in emu.audit() if r["write"] and r["device"] in names]


def expected_push(version, address):
    if version == "6.4.9":
        return {"status": "enable", "server-ip": address, "server-cert": "Fortinet_Factory"}
    cert = "Fortinet_GUI_Server" if version >= "7.4.4" else "Fortinet_Factory"
    return {"status": "enable", "server": address, "server-ip": "0.0.0.0", "server-cert": cert}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_role_repairs_each_scenario_on_every_version(femu, tmp_path, scenario):
    hosts = hosts_for(femu)
    names = sorted(hosts.values())
    before_access = {}
    for name in names:
        femu.set_scenario(scenario, name=name)
        before_access[name] = wan(femu, name)["allowaccess"].split()
    femu.clear_audit()
    diagnosis = run_playbook(tmp_path, femu.inventory, DIAG, args=["--limit", ",".join(names)])
    first = run_playbook(tmp_path, femu.inventory, ROLE, args=["--limit", ",".join(names)])
    assert first.rc == 0, first
    for version, name in hosts.items():
        state = femu.state(name)["config"]
        push = state["system/ftm-push"]
        interface = wan(femu, name)
        address = interface["ip"].split()[0]
        for key, value in expected_push(version, address).items():
            assert push.get(key) == value, (version, key, push)
        if version == "6.4.9":
            assert "server" not in push
        access = interface["allowaccess"].split()
        assert "ftm" in access and set(before_access[name]) <= set(access)  # nothing else dropped
        ids = [f["id"] for f in diagnosis.results[name]["findings"]]
        fixed = {"ftm-push-no-cert": "FTM_PUSH_SERVER_CERT_MISSING", "ftm-push-disabled": "FTM_PUSH_DISABLED",
                 "ftm-push-legacy-server-ip": "FTM_PUSH_LEGACY_SERVER_IP",
                 "ftm-push-no-ftm-access": "FTM_PUSH_NO_FTM_ACCESS"}[scenario]
        if not (scenario == "ftm-push-legacy-server-ip" and version == "6.4.9"):
            assert fixed in ids, (version, ids)  # diagnosed before
        assert first.results[name]["findings"] == [], (version, first.results[name]["findings"])  # and fixed
    femu.clear_audit()
    second = run_playbook(tmp_path, femu.inventory, ROLE, args=["--limit", ",".join(names)])
    assert second.rc == 0, second
    assert all(r["changes"] == [] for r in second.results.values())
    assert writes(femu, names) == []


def test_check_diff_shows_exact_changes_and_writes_nothing(femu, tmp_path):
    name = hosts_for(femu)["7.2.8"]
    femu.set_scenario("ftm-push-legacy-server-ip", name=name)
    femu.set_config(name, "system/interface", {"allowaccess": "ping https ssh"}, mkey="port1")
    femu.clear_audit()
    run = run_playbook(tmp_path, femu.inventory, """
- fortifleet.auth.ftm_push:
    status: enable
    allow_ftm_access: true
  register: out
""", args=["--limit", name, "--check", "--diff"])
    result = run.results[name]
    assert result["changed"] is True
    assert sorted(result["changed_keys"]) == ["interface/port1/allowaccess", "server", "server-ip"]
    push_diff, iface_diff = result["diff"]
    address = wan(femu, name)["ip"].split()[0]
    assert push_diff["before"]["server"] == "" and push_diff["after"]["server"] == address
    assert push_diff["before"]["server-ip"] == address and push_diff["after"]["server-ip"] == "0.0.0.0"
    assert iface_diff["before"]["allowaccess"] == "ping https ssh"
    assert iface_diff["after"]["allowaccess"] == "ping https ssh ftm"
    assert "ping https ssh ftm" in run.stdout  # --diff printed
    assert writes(femu, [name]) == []


@pytest.mark.parametrize("args,version,field,reason", [
    ("server: 300.1.2.3", "7.4.8", "server", "neither an IPv4 address nor a valid FQDN"),
    ("server: push.example.net", "6.4.9", "server", "only has the IPv4 'server-ip'"),
    ("server_port: 0", "7.4.8", "server_port", "outside 1-65535"),
    ("server_port: 70000", "7.4.8", "server_port", "outside 1-65535"),
    ("server_cert: No_Such_Cert", "7.4.8", "server_cert", "does not exist"),
    ("server: 203.0.113.9\n    interface: port1", "7.6.5", "server", "mutually exclusive"),
    ("interface: port1", "7.4.8", "interface", "exists from 7.6.4"),
    ("server_from_interface: port99", "7.4.8", "server_from_interface", "does not exist"),
    ("server: \"evil\\nname\"", "7.4.8", "server", "FQDN"),
])
def test_bad_input_fails_before_any_write(femu, tmp_path, args, version, field, reason):
    name = hosts_for(femu)[version]
    run = run_playbook(tmp_path, femu.inventory, "- fortifleet.auth.ftm_push:\n    status: enable\n    %s\n"
                                                 "  register: out\n" % args, args=["--limit", name])
    result = run.results[name]
    assert result["failed"] and field in result["msg"] and reason in result["msg"], result["msg"]
    assert writes(femu, [name]) == []


def test_diagnosis_reports_port_conflict_and_private_address(femu, tmp_path):
    name = hosts_for(femu)["7.4.8"]
    femu.set_config(name, "system/global", {"admin-sport": 4433})
    femu.set_config(name, "system/interface", {"ip": "192.168.10.1 255.255.255.0"}, mkey="port1")
    femu.set_config(name, "system/ftm-push", {"server": "192.168.10.1"})
    result = run_playbook(tmp_path, femu.inventory, DIAG, args=["--limit", name]).results[name]
    by_id = {f["id"]: f for f in result["findings"]}
    assert "admin-sport" in by_id["FTM_PUSH_PORT_CONFLICT"]["summary"] or \
        "HTTPS administrative" in by_id["FTM_PUSH_PORT_CONFLICT"]["summary"]
    private = by_id["FTM_PUSH_PRIVATE_ADDRESS"]
    assert private["severity"] == "warning" and "forward TCP 4433" in private["remediation"]
    assert not private["auto_fix"]


def test_fqdn_wanted_on_649_is_a_finding_not_a_crash(femu, tmp_path):
    name = hosts_for(femu)["6.4.9"]
    run = run_playbook(tmp_path, femu.inventory, ROLE, args=["--limit", name, "-e",
                                                             "ftm_push_server=push.example.net"])
    assert run.rc == 0, run
    ids = [f["id"] for f in run.results[name]["findings"]]
    assert ids == ["FTM_PUSH_FQDN_UNSUPPORTED"]
    assert "FTM_PUSH_FQDN_UNSUPPORTED" in run.stdout  # told to the human


def test_push_is_not_enabled_without_a_callback_address(femu, tmp_path):
    """Issue 15 #5: remediate never writes status enable to a device with no callback address (a new broken
    state); the report says what a human must give."""
    name = hosts_for(femu)["7.4.8"]
    femu.set_config(name, "system/ftm-push", {"status": "disable", "server": "", "server-ip": "0.0.0.0"})
    femu.clear_audit()
    report = tmp_path / "report"
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", femu.inventory,
                           "fortifleet.auth.remediate_ftm_push", "--limit", name,
                           "-e", "fortifleet_report_dir=%s" % report], capture_output=True, text=True,
                          env=ansible_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    enables = [r for r in femu.audit(name) if r["write"] and "ftm-push" in r["path"]]
    assert femu.state(name)["config"]["system/ftm-push"]["status"] == "disable", enables
    with open(report / "report.json") as handle:
        device = json.load(handle)["devices"][0]
    assert device["status"] == "needs_human"
    assert "FTM_PUSH_SERVER_UNSET" in [f["id"] for f in device["findings"]]
    assert "left disabled" in proc.stdout + proc.stderr
