"""fortigate_info against the emulator through real ansible-playbook runs."""
import json

from .harness import run_playbook

INFO = """
- name: read the device
  fortifleet.auth.fortigate_info:
    gather_subset: [system]
  register: out
"""


def host_requests(emu, name):
    return [r for r in emu.audit(name) if r.get("device", name) == name]


def test_info_returns_version_and_serial_of_every_device(emu, tmp_path):
    run = run_playbook(tmp_path, emu.inventory, INFO)
    assert run.rc == 0, run
    devices = {d["name"]: d for d in emu.devices()}
    assert set(run.results) == set(devices)
    for name, result in run.results.items():
        facts = result["fortigate"]
        assert facts["version"] == devices[name]["version"]
        assert facts["serial"] == devices[name]["serial"]
        assert facts["system"]["hostname"] == devices[name]["hostname"]
        assert result["changed"] is False and result["findings"] == []
    # read-only: the emulator saw no write at all
    assert not [r for r in emu.audit() if r["write"]]


def test_wrong_token_fails_with_401_hint_and_exactly_one_request(emu, tmp_path):
    run = run_playbook(tmp_path, emu.inventory, INFO, args=["--limit", "fgt-001", "-e",
                                                             "fortigate_access_token=not-the-key"])
    assert run.rc != 0
    result = run.results["fgt-001"]
    assert result["failed"] is True and result["error_kind"] == "token_rejected"
    # the proving read is monitor web-ui/state (_fortios/web_ui.py): its 401 is the token refused, nothing else sent
    assert result["msg"].startswith("Failed to read monitor web-ui/state on fgt-001: HTTP 401")
    assert "trusthost" in result["hint"] and "429" in result["hint"]
    requests = host_requests(emu, "fgt-001")
    assert len(requests) == 1 and requests[0]["status"] == 401


def test_forbidden_profile_names_the_missing_permission(emu, tmp_path):
    emu.set_config("fgt-002", "system/accprofile", {"sysgrp": "none"}, mkey="fortifleet_profile")
    run = run_playbook(tmp_path, emu.inventory, INFO, args=["--limit", "fgt-002"])
    result = run.results["fgt-002"]
    # Issue 15: the subset's own typed error; what could be read (version, serial) is kept and the task goes on.
    assert not result.get("failed"), result
    error = result["fortigate"]["errors"]["system"]
    assert error["kind"] == "forbidden" and error["http_status"] == 403, error
    assert "sysgrp" in error["message"] and "accprofile" in error["message"]
    assert error["message"].startswith("Failed to read system/global on fgt-002: HTTP 403")
    assert result["fortigate"]["version"] and result["fortigate"]["serial"]


def test_tls_is_verified_against_the_given_ca_only(emu, tmp_path):
    no_ca = run_playbook(tmp_path, emu.inventory, INFO, args=["--limit", "fgt-001", "-e",
                                                               json.dumps({"fortigate_ca_path": None})])
    result = no_ca.results["fgt-001"]
    assert result["error_kind"] == "tls_untrusted", result
    assert "ca_path" in result["hint"]
    assert host_requests(emu, "fgt-001") == []  # the handshake failed: no HTTP request reached the device
    with_ca = run_playbook(tmp_path, emu.inventory, INFO, args=["--limit", "fgt-001"])
    assert with_ca.rc == 0 and with_ca.results["fgt-001"]["fortigate"]["serial"]


def test_validate_certs_false_warns(emu, tmp_path):
    run = run_playbook(tmp_path, emu.inventory, INFO, args=["--limit", "fgt-001", "-e",
                                                             "fortigate_validate_certs=false"])
    assert run.rc == 0, run
    assert "validate_certs is false" in run.output


def test_transient_503_is_retried_and_succeeds(emu, tmp_path):
    emu.set_faults({"fail_next": {"count": 1, "status": 503}}, name="fgt-003")
    run = run_playbook(tmp_path, emu.inventory, INFO, args=["--limit", "fgt-003"])
    assert run.rc == 0, run
    result = run.results["fgt-003"]
    assert result["requests"]["retried"] == 1
    statuses = [r["status"] for r in host_requests(emu, "fgt-003")]
    assert statuses[0] == 503 and statuses[1] == 200 and statuses.count(503) == 1


def test_token_never_appears_in_output_at_vvvv(emu, tmp_path):
    secrets = emu.secrets("fgt-004")
    token = secrets.get("inventory_token") or secrets["api_key"]
    run = run_playbook(tmp_path, emu.inventory, INFO + """
- name: and once with a wrong token, which fails
  fortifleet.auth.fortigate_info:
    access_token: wrong-token-abcdef0123456789
  register: wrong
  ignore_errors: true
""", args=["--limit", "fgt-004", "-vvvv"])
    assert run.rc == 0, run
    assert token not in run.output
    assert "wrong-token-abcdef0123456789" not in run.output
    assert run.results["fgt-004"]["fortigate"]["serial"]


def test_classic_module_execution_gives_the_same_facts(emu, tmp_path):
    action = run_playbook(tmp_path, emu.inventory, INFO, args=["--limit", "fgt-001"])
    classic = run_playbook(tmp_path, emu.inventory, INFO, args=["--limit", "fgt-001"],
                           env={"FORTIFLEET_EXECUTION": "module"})
    assert classic.rc == 0, classic
    classic_facts = dict(classic.results["fgt-001"]["fortigate"])
    # A classic module cannot see the inventory name, so it labels the device by its address.
    assert classic_facts.pop("host") == "127.0.1.1"
    action_facts = dict(action.results["fgt-001"]["fortigate"])
    assert action_facts.pop("host") == "fgt-001"
    assert classic_facts == action_facts


def test_bad_input_fails_before_any_request(emu, tmp_path):
    run = run_playbook(tmp_path, emu.inventory, """
- fortifleet.auth.fortigate_info:
    gather_subset: [system, everything]
  register: out
""", args=["--limit", "fgt-001"])
    result = run.results["fgt-001"]
    assert result["failed"] and "gather_subset" in result["msg"]
    assert host_requests(emu, "fgt-001") == []


FLEET_AND_REPORT = """
- fortifleet.auth.fleet:
    areas: [ftm_push, ems_connector]
  register: out
- ansible.builtin.set_fact:
    fortifleet_result: "{{ out.record }}"
- fortifleet.auth.fleet_report:
    devices: ["{{ inventory_hostname }}"]
    report_dir: "{{ playbook_dir }}/report-{{ lookup('env', 'FORTIFLEET_EXECUTION') or 'action' }}"
    check_mode_run: true
  check_mode: false
"""


def test_classic_execution_of_the_fleet_and_the_report_decides_the_same(emu, tmp_path):
    # The fleet module packs every sub-package of module_utils through AnsiballZ: the same record either way.
    emu.set_scenario("ftm-push-disabled", "fgt-002")
    emu.clear_audit()
    action = run_playbook(tmp_path, emu.inventory, FLEET_AND_REPORT, args=["--limit", "fgt-002", "--check"])
    classic = run_playbook(tmp_path, emu.inventory, FLEET_AND_REPORT, args=["--limit", "fgt-002", "--check"],
                           env={"FORTIFLEET_EXECUTION": "module"})
    assert action.rc == 0 and classic.rc == 0, classic
    for run in (action, classic):
        record = run.results["fgt-002"]
        assert record["changed"] is True and "line" in record
    assert host_requests(emu, "fgt-002") and not [r for r in host_requests(emu, "fgt-002") if r["write"]]
    one, two = (json.load(open(str(tmp_path / ("report-%s" % kind) / "report.json"))) for kind in ("action", "module"))
    assert one["devices"] == two["devices"] and one["devices"][0]["status"] == "drift"
    assert [f["id"] for f in one["devices"][0]["findings"]] == ["FTM_PUSH_DISABLED"]
