"""The FortiClient EMS connector on a name-keyed (7.0.7) and an ems-id-keyed (7.4.8) FortiOS."""
import threading
import time

import pytest


from .conftest import fleet_fixture, fresh
from .harness import run_playbook

VERSIONS = ["7.0.7", "7.4.8"]  # fortios-api.md §3: fctems keyed by name up to 7.0.7, by ems-id from 7.0.8/7.2.1
DIAG = """
- fortifleet.auth.fortigate_info:
    gather_subset: [ems]
  register: out
"""
EXPECTED = {
    "healthy": set(),
    "ems-cert-untrusted": {"EMS_CERT_UNTRUSTED"},
    "ems-not-authorized": {"EMS_NOT_AUTHORIZED"},
    "ems-eval-license": {"EMS_NOT_AUTHORIZED", "EMS_EVAL_LICENSE"},
    "ems-unreachable": {"EMS_UNREACHABLE"},
}
ROLE = """
- name: run the role
  ansible.builtin.include_role:
    name: fortifleet.auth.ems_connector
- name: keep what the role found and did
  ansible.builtin.set_fact:
    out:
      findings: "{{ fortifleet_findings | default([]) }}"
      changes: "{{ fortifleet_changes | default([]) }}"
"""


fleet9 = fleet_fixture(devices=9, scenario="healthy", profile="mixed")


@pytest.fixture
def eemu(fleet9):
    return fresh(fleet9)


def host(emu, version):
    return next(d["name"] for d in emu.devices() if d["version"] == version)


def writes(emu, names):
    return [r for r in emu.audit() if r["write"] and r["device"] in names]


def fingerprint(emu, name):
    helpers = emu.state(name)["helpers"]["ems"]
    return helpers[next(iter(helpers))]["fingerprint"]


def connector(args, register="out"):
    lines = ["- fortifleet.auth.ems_connector:", "    name: ems01"]
    lines += ["    %s" % a for a in args]
    return "\n".join(lines + ["  register: %s" % register, ""])


def ems_runtime(emu, name):
    return emu.state(name)["runtime"]["ems"]


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_diagnosis_finds_each_scenario_on_both_key_styles(eemu, tmp_path, scenario):
    names = [host(eemu, v) for v in VERSIONS]
    for name in names:
        eemu.set_scenario(scenario, name=name)
    eemu.clear_audit()
    run = run_playbook(tmp_path, eemu.inventory, DIAG, args=["--limit", ",".join(names)])
    assert run.rc == 0, run
    for version, name in zip(VERSIONS, names):
        result = run.results[name]
        ems = result["fortigate"]["ems"]
        assert ems["key_field"] == ("name" if version == "7.0.7" else "ems-id")
        assert [e["name"] for e in ems["entries"]] == ["ems01"]  # the name/ems-id difference is hidden
        by_id = dict((f["id"], f) for f in result["findings"])
        assert set(by_id) == EXPECTED[scenario], (version, sorted(by_id))
        if "EMS_NOT_AUTHORIZED" in by_id:
            step = by_id["EMS_NOT_AUTHORIZED"]["remediation"]
            assert "Administration > Fabric Devices" in step and "Fabric & Connectors > Fabric Devices" in step
            assert "Authorize" in step and ems["fortigate_serial"] in step
            assert by_id["EMS_NOT_AUTHORIZED"]["auto_fix"] is False
        if scenario == "ems-eval-license":
            assert ems["license"] == {"type": "evaluation", "evaluation": True}
            text = by_id["EMS_EVAL_LICENSE"]["remediation"]
            assert "known to fail" in text and "not confirmed" in text
        if scenario == "ems-cert-untrusted":
            assert "CA chain" in by_id["EMS_CERT_UNTRUSTED"]["remediation"]
            assert ems["entries"][0]["certificate"]["verified"] is False
    assert writes(eemu, names) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_wrong_fingerprint_fails_and_changes_nothing(eemu, tmp_path, version):
    name = host(eemu, version)
    task = connector(["verify_certificate: true", "expected_fingerprint: '%s'" % ("AB:" * 31 + "CD")])

    def attempt(scenario):
        eemu.set_scenario(scenario, name=name)
        eemu.approve_ems(name, approved=False)
        eemu.clear_audit()
        before = ems_runtime(eemu, name)
        result = run_playbook(tmp_path, eemu.inventory, task, args=["--limit", name]).results[name]
        assert result["failed"] and result["changed"] is False and ems_runtime(eemu, name) == before
        return result

    # The FortiGate shows the certificate (a known CA signs it): refused before any request that writes.
    result = attempt("ems-not-authorized")
    assert "expected_fingerprint" in result["msg"] and fingerprint(eemu, name) in result["msg"]
    assert writes(eemu, [name]) == []
    # The CA is unknown, so the FortiGate does not show the certificate: it compares the fingerprint itself
    # and refuses; the refused action is the only request that could write, and nothing changes.
    result = attempt("ems-cert-untrusted")
    assert "Nothing was changed" in result["msg"]
    assert [r["status"] for r in writes(eemu, [name])] == [500]
    assert not any(st["verified"] for st in ems_runtime(eemu, name).values())


@pytest.mark.parametrize("version", VERSIONS)
def test_right_fingerprint_verifies_once_check_mode_and_rerun_write_nothing(eemu, tmp_path, version):
    name = host(eemu, version)
    eemu.set_scenario("ems-cert-untrusted", name=name)
    eemu.clear_audit()
    task = connector(["verify_certificate: true", "expected_fingerprint: '%s'" % fingerprint(eemu, name).lower()])
    check = run_playbook(tmp_path, eemu.inventory, task, args=["--limit", name, "--check", "--diff"])
    assert check.results[name]["changed"] is True and check.results[name]["changed_keys"] == ["certificate"]
    assert writes(eemu, [name]) == []
    first = run_playbook(tmp_path, eemu.inventory, task, args=["--limit", name])
    assert first.results[name]["changed"] is True, first
    assert [(r["path"].rsplit("/", 1)[-1], r["status"]) for r in writes(eemu, [name])] == [("verify-cert", 200)]
    diagnosis = run_playbook(tmp_path, eemu.inventory, DIAG, args=["--limit", name]).results[name]
    assert diagnosis["findings"] == []
    eemu.clear_audit()
    second = run_playbook(tmp_path, eemu.inventory, task, args=["--limit", name])
    assert second.results[name]["changed"] is False and not second.results[name].get("failed")
    again = run_playbook(tmp_path, eemu.inventory, task, args=["--limit", name, "--check"])
    assert again.results[name]["changed"] is False
    assert writes(eemu, [name]) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_new_entry_by_name_idempotent_with_check_and_diff(eemu, tmp_path, version):
    name = host(eemu, version)
    task = """
- fortifleet.auth.ems_connector:
    name: ems-lab
    server: ems-lab.example.net
    https_port: 8443
    source_ip: 0.0.0.0
  register: out
"""
    check = run_playbook(tmp_path, eemu.inventory, task, args=["--limit", name, "--check", "--diff"])
    result = check.results[name]
    assert result["changed"] is True and "server" in result["changed_keys"], result
    assert result["diff"][0]["after"]["server"] == "ems-lab.example.net"
    assert writes(eemu, [name]) == []
    first = run_playbook(tmp_path, eemu.inventory, task, args=["--limit", name])
    result = first.results[name]
    assert result["changed"] is True, first
    table = eemu.state(name)["config"]["endpoint-control/fctems"]
    rows = table.values() if isinstance(table, dict) else table
    row = next(r for r in rows if r.get("name") == "ems-lab")
    assert row["server"] == "ems-lab.example.net" and row["https-port"] == 8443
    if version == "7.4.8":
        assert result["ems"]["ems_id"] == 2 and row["ems-id"] == 2 and row["status"] == "enable"  # lowest free ems-id
    else:
        assert result["ems"]["key_field"] == "name"
    eemu.clear_audit()
    second = run_playbook(tmp_path, eemu.inventory, task, args=["--limit", name])
    assert second.results[name]["changed"] is False
    third = run_playbook(tmp_path, eemu.inventory, task, args=["--limit", name, "--check"])
    assert third.results[name]["changed"] is False
    assert writes(eemu, [name]) == []


def _audit_has_status_poll(emu, name):
    return any(r["device"] == name and r["path"].endswith("endpoint-control/ems/status") for r in emu.audit())


@pytest.mark.parametrize("version", VERSIONS)
def test_wait_returns_authorized_after_ems_side_approval(eemu, tmp_path, version):
    name = host(eemu, version)
    eemu.set_scenario("ems-not-authorized", name=name)
    eemu.clear_audit()
    task = connector(["wait_for_authorization: true", "authorization_timeout: 60", "poll_interval: 1"])
    box = {}
    worker = threading.Thread(target=lambda: box.update(run=run_playbook(tmp_path, eemu.inventory, task,
                                                                         args=["--limit", name])))
    worker.start()
    deadline = time.time() + 60
    while not _audit_has_status_poll(eemu, name) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.5)  # at least one more poll sees "not authorized"
    eemu.approve_ems(name)  # the EMS administrator clicks Authorize (control API)
    worker.join(120)
    result = box["run"].results[name]
    assert not result.get("failed"), box["run"]
    assert result["ems"]["authorized"] is True and result["polls"] >= 2 and result["changed"] is False
    assert writes(eemu, [name]) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_eval_license_times_out_with_the_evaluation_explanation(eemu, tmp_path, version):
    name = host(eemu, version)
    eemu.set_scenario("ems-eval-license", name=name)
    eemu.approve_ems(name)  # even approved on the EMS side it stays unauthorized (troubleshooting.md C5)
    eemu.clear_audit()
    started = time.time()
    run = run_playbook(tmp_path, eemu.inventory, connector(["wait_for_authorization: true",
                                                             "authorization_timeout: 2", "poll_interval: 1"]),
                       args=["--limit", name])
    result = run.results[name]
    assert result["failed"] and result["error_kind"] == "authorization_timeout"
    assert "evaluation licence" in result["msg"] and "known to fail" in result["msg"]
    assert "not confirmed" in result["msg"] and result["license"]["evaluation"] is True
    assert time.time() - started < 60
    assert writes(eemu, [name]) == []


def test_unreachable_and_not_authorized_timeouts_say_what_is_left(eemu, tmp_path):
    unreachable, waiting = host(eemu, "7.0.7"), host(eemu, "7.4.8")
    eemu.set_scenario("ems-unreachable", name=unreachable)
    eemu.set_scenario("ems-not-authorized", name=waiting)
    run = run_playbook(tmp_path, eemu.inventory, connector(["wait_for_authorization: true",
                                                             "authorization_timeout: 1", "poll_interval: 1"]),
                       args=["--limit", "%s,%s" % (unreachable, waiting)])
    assert "not connected to the EMS" in run.results[unreachable]["msg"]
    msg = run.results[waiting]["msg"]
    assert "Administration > Fabric Devices" in msg and "Authorize" in msg and "evaluation" not in msg


@pytest.mark.parametrize("args,version,field,reason", [
    ("server: 300.1.2.3", "7.4.8", "server", "neither an IPv4 address nor a valid FQDN"),
    ("server: 2001:db8::5", "7.4.8", "server", "IPv6"),
    ("server: \"evil\\nname\"", "7.4.8", "server", "FQDN"),
    ("https_port: 0", "7.4.8", "https_port", "outside 1-65535"),
    ("https_port: 70000", "7.0.7", "https_port", "outside 1-65535"),
    ("verifying_ca: FortiFleet_EMS_CA", "7.0.7", "verifying_ca", "exists from 7.4.2"),
    ("verifying_ca: No_Such_CA", "7.4.8", "verifying_ca", "does not exist"),
    ("trust_ca_cn: disable", "7.0.7", "trust_ca_cn", "exists from 7.0.12"),
    ("status: disable", "7.0.7", "status", "delete it instead"),
    ("interface: port99", "7.4.8", "interface", "does not exist"),
    ("source_ip: ems.example.com", "7.4.8", "source_ip", "not an IPv4 address"),
    ("verify_certificate: true", "7.4.8", "expected_fingerprint", "needs the fingerprint"),
    ("verify_certificate: true\n    expected_fingerprint: xyz", "7.4.8", "expected_fingerprint", "SHA-256"),
    ("verify_certificate: true\n    trust_on_first_use: true\n    expected_fingerprint: '%s'" % ("0" * 64),
     "7.4.8", "trust_on_first_use", "cannot be combined"),
    ("wait_for_authorization: true\n    poll_interval: 0", "7.4.8", "poll_interval", "outside"),
])
def test_bad_input_fails_before_any_write(eemu, tmp_path, args, version, field, reason):
    name = host(eemu, version)
    run = run_playbook(tmp_path, eemu.inventory, connector([args]), args=["--limit", name])
    result = run.results[name]
    assert result["failed"] and field in result["msg"] and reason in result["msg"], result["msg"]
    assert writes(eemu, [name]) == []


def test_new_entry_needs_a_server_and_free_slots_run_out(eemu, tmp_path):
    name = host(eemu, "7.4.8")
    run = run_playbook(tmp_path, eemu.inventory, "- fortifleet.auth.ems_connector:\n    name: nowhere\n"
                                                 "  register: out\n", args=["--limit", name])
    assert run.results[name]["failed"] and "'server'" in run.results[name]["msg"]
    for ems_id in range(2, 8):  # 7.4.8: ems-id 1-7 (fortios-api.md §3)
        eemu.set_config(name, "endpoint-control/fctems", {"name": "ems%02d" % ems_id, "server": "10.0.0.%d" % ems_id},
                        mkey=str(ems_id))
    eemu.clear_audit()
    run = run_playbook(tmp_path, eemu.inventory, "- fortifleet.auth.ems_connector:\n    name: one-more\n"
                                                 "    server: 10.9.9.9\n  register: out\n", args=["--limit", name])
    assert run.results[name]["failed"] and "all 7 EMS entries" in run.results[name]["msg"]
    assert writes(eemu, [name]) == []


def test_role_verifies_waits_and_reports_the_ems_side_step_without_leaking_secrets(eemu, tmp_path):
    names = [host(eemu, v) for v in VERSIONS]
    for name in names:
        eemu.set_scenario("ems-cert-untrusted", name=name)
        eemu.approve_ems(name, approved=False)
    fingerprints = dict((name, fingerprint(eemu, name)) for name in names)
    play_vars = {"fps": fingerprints, "ems_connector_name": "ems01",
                 "ems_connector_expected_fingerprint": "{{ fps[inventory_hostname] }}",
                 "ems_connector_wait_for_authorization": True, "ems_connector_authorization_timeout": 2,
                 "ems_connector_poll_interval": 1}
    first = run_playbook(tmp_path, eemu.inventory, ROLE, play_vars=play_vars,
                         args=["--limit", ",".join(names), "-vvvv"])
    assert first.rc == 0, first
    for name in names:
        result = first.results[name]
        assert [c["changed_keys"] for c in result["changes"]] == [["certificate"]]
        assert [f["id"] for f in result["findings"]] == ["EMS_NOT_AUTHORIZED"]  # the certificate is fixed
        secrets = eemu.secrets(name)
        for secret in (secrets["api_key"], secrets["admin_password"]):
            assert secret not in first.output
    assert "Administration > Fabric Devices" in first.stdout and "did not authorize FortiGate" in first.stdout
    eemu.clear_audit()
    play_vars["ems_connector_wait_for_authorization"] = False
    second = run_playbook(tmp_path, eemu.inventory, ROLE, play_vars=play_vars, args=["--limit", ",".join(names)])
    assert second.rc == 0 and all(r["changes"] == [] for r in second.results.values())
    check = run_playbook(tmp_path, eemu.inventory, ROLE, play_vars=play_vars,
                         args=["--limit", ",".join(names), "--check"])
    assert check.rc == 0 and all(r["changes"] == [] for r in check.results.values())
    assert writes(eemu, names) == []
