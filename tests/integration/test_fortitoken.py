"""FortiToken activation, migrated tokens and FortiCare licence errors."""
import json

import pytest

from .conftest import fleet_fixture, fresh
from .harness import run_playbook

ROLE = """
- name: run the role
  ansible.builtin.include_role:
    name: fortifleet.auth.fortitoken
- name: keep what the role found and did
  ansible.builtin.set_fact:
    out:
      findings: "{{ fortifleet_findings | default([]) }}"
      changes: "{{ fortifleet_changes | default([]) }}"
      errors: "{{ fortifleet_errors | default([]) }}"
"""
BINDING_FIELDS = ("two-factor", "fortitoken", "email-to", "sms-server", "sms-custom-server", "sms-phone")


tfleet = fleet_fixture(devices=4, scenario="healthy", profile="7.4.4")


@pytest.fixture
def temu(tfleet):
    return fresh(tfleet)


def secret_vars(tmp_path, **values):
    """Secrets go in a vars file, as users keep them (ansible-playbook -vvvv echoes inline -e values)."""
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(values))
    return ["-e", "@%s" % path]


def writes(emu, name):
    return [r for r in emu.audit(name) if r["write"]]


def bindings(emu, name):
    config = emu.state(name)["config"]
    out = {}
    for table in ("user/local", "system/admin"):
        for row in config.get(table, []):
            if row.get("fortitoken"):
                out[(table, row["name"])] = dict((k, row.get(k)) for k in BINDING_FIELDS)
    return out


def token_status(emu, name):
    return dict(emu.state(name)["runtime"]["tokens"])


def ids(result):
    return sorted(set(f["id"] for f in result["findings"]))


def role(emu, tmp_path, name, *extra):
    memory = tmp_path / "memory.json"
    return run_playbook(tmp_path, emu.inventory, ROLE, args=["--limit", name, "-e",
                                                             "fortitoken_memory_file=%s" % memory] + list(extra))


def test_not_activated_tokens_are_activated_once_then_left_alone(temu, tmp_path):
    temu.set_scenario("token-not-activated", name="fgt-001")
    temu.clear_audit()
    diag = run_playbook(tmp_path, temu.inventory, "- fortifleet.auth.fortigate_info:\n    gather_subset: [fortitoken]\n"
                                                  "  register: out\n", args=["--limit", "fgt-001"])
    assert "FORTITOKEN_NOT_ACTIVATED" in ids(diag.results["fgt-001"])
    check = role(temu, tmp_path, "fgt-001", "--check")
    assert check.rc == 0, check
    assert writes(temu, "fgt-001") == []
    assert check.results["fgt-001"]["changes"][0]["activated"]  # check mode predicts the activation
    first = role(temu, tmp_path, "fgt-001")
    assert first.rc == 0, first
    activations = [r for r in temu.audit("fgt-001") if r["path"].endswith("/activate")]
    assert len(activations) == 1
    assert set(token_status(temu, "fgt-001").values()) == {"provisioning"}
    assert first.results["fgt-001"]["changes"][0]["activated"] == check.results["fgt-001"]["changes"][0]["activated"]
    assert "FORTITOKEN_NOT_ACTIVATED" not in ids(first.results["fgt-001"])
    temu.clear_audit()
    second = role(temu, tmp_path, "fgt-001")
    assert second.results["fgt-001"]["changes"] == [] and writes(temu, "fgt-001") == []


def test_migrated_tokens_reimported_with_every_binding_kept(temu, tmp_path):
    temu.set_scenario("token-migrated", name="fgt-002")
    before = bindings(temu, "fgt-002")
    assert any(table == "system/admin" for table, dummy in before)  # an admin is bound too
    serials_before = sorted(r["serial-number"] for r in temu.state("fgt-002")["config"]["user/fortitoken"])
    first = role(temu, tmp_path, "fgt-002")
    assert first.rc == 0, first
    result = first.results["fgt-002"]
    assert result["errors"] == []
    assert bindings(temu, "fgt-002") == before  # field by field
    assert sorted(r["serial-number"] for r in temu.state("fgt-002")["config"]["user/fortitoken"]) == serials_before
    assert not any("activation error" in s for s in token_status(temu, "fgt-002").values())
    assert "FORTITOKEN_MIGRATED" not in ids(result)
    deletes = [r for r in temu.audit("fgt-002") if r["method"] == "DELETE"]
    assert len(deletes) == len(serials_before)
    temu.clear_audit()
    second = role(temu, tmp_path, "fgt-002")
    assert second.results["fgt-002"]["changes"] == [] and writes(temu, "fgt-002") == []


def test_failure_at_reimport_restores_bindings_and_nothing_else_changes(temu, tmp_path):
    temu.set_scenario("token-migrated", name="fgt-003")
    before = bindings(temu, "fgt-003")
    serials = sorted(r["serial-number"] for r in temu.state("fgt-003")["config"]["user/fortitoken"])
    code = temu.secrets("fgt-003")["license_codes"][0]
    temu.set_runtime("fgt-003", {"forticare_error": 10})  # FortiCare refuses the re-import
    run = run_playbook(tmp_path, temu.inventory, """
- fortifleet.auth.fortitoken:
    serials: %s
    state: reimported
    license_code: "{{ code }}"
  register: out
""" % json.dumps(serials), args=["--limit", "fgt-003", "-vvvv"] + secret_vars(tmp_path, code=code))
    result = run.results["fgt-003"]
    assert result["failed"] and result["failed_step"] == "re-import"
    assert "step 're-import'" in result["msg"] and "Rolled back" in result["msg"]
    assert result["rollback"]["left"] == []
    assert [f["id"] for f in result["findings"]] == ["FORTICARE_CARD_NOT_FOUND"]
    assert bindings(temu, "fgt-003") == before
    assert sorted(r["serial-number"] for r in temu.state("fgt-003")["config"]["user/fortitoken"]) == serials
    imports = [r for r in temu.audit("fgt-003") if r["path"].endswith("/import-mobile")]
    assert len(imports) == 1  # never twice
    assert code not in run.output


@pytest.mark.parametrize("scenario,finding", [("token-license-expired", "FORTICARE_LICENSE_EXPIRED"),
                                              ("token-card-not-found", "FORTICARE_CARD_NOT_FOUND")])
def test_forticare_refusals_become_findings_and_are_not_retried(temu, tmp_path, scenario, finding):
    temu.set_scenario(scenario, name="fgt-004")
    code = temu.secrets("fgt-004")["license_codes"][0]
    extra = secret_vars(tmp_path, fortitoken_license_codes=[code])
    first = role(temu, tmp_path, "fgt-004", "-vvvv", "--diff", *extra)
    assert first.rc == 0, first
    assert finding in ids(first.results["fgt-004"])
    assert first.results["fgt-004"]["changes"] == []
    assert temu.state("fgt-004")["config"]["user/fortitoken"] == []
    assert code not in first.output
    temu.clear_audit()
    second = role(temu, tmp_path, "fgt-004", *extra)
    assert finding in ids(second.results["fgt-004"])
    assert second.results["fgt-004"]["changes"] == [] and writes(temu, "fgt-004") == []
    memory = (tmp_path / "memory.json").read_text()
    assert code not in memory


def test_fortimanager_managed_unit_is_skipped_with_a_message(temu, tmp_path):
    temu.set_scenario("fmg-managed", name="fgt-001")
    temu.set_runtime("fgt-001", {"tokens": dict((s, "new") for s in token_status(temu, "fgt-001"))})
    temu.clear_audit()
    run = role(temu, tmp_path, "fgt-001")
    assert run.rc == 0, run
    assert "FORTITOKEN_MANAGED_BY_FORTIMANAGER" in ids(run.results["fgt-001"])
    assert "FortiTokens come from FortiManager" in run.stdout
    assert writes(temu, "fgt-001") == []


def test_fortiguard_unreachable_is_reported_and_nothing_is_tried(temu, tmp_path):
    temu.set_scenario("fortiguard-unreachable", name="fgt-002")
    temu.clear_audit()
    run = role(temu, tmp_path, "fgt-002")
    assert run.rc == 0, run
    found = ids(run.results["fgt-002"])
    assert "FORTIGUARD_UNREACHABLE" in found and "FORTITOKEN_NOT_ACTIVATED" in found
    assert writes(temu, "fgt-002") == []
    assert "fds1.fortinet.com" in run.stdout


def test_module_check_mode_predicts_the_real_run(temu, tmp_path):
    temu.set_scenario("token-migrated", name="fgt-001")
    serials = sorted(token_status(temu, "fgt-001"))
    task = "- fortifleet.auth.fortitoken:\n    serials: %s\n    state: reimported\n  register: out\n" % json.dumps(serials)
    check = run_playbook(tmp_path, temu.inventory, task, args=["--limit", "fgt-001", "--check"])
    assert writes(temu, "fgt-001") == []
    real = run_playbook(tmp_path, temu.inventory, task, args=["--limit", "fgt-001"])
    assert check.results["fgt-001"]["changed"] is True and real.results["fgt-001"]["changed"] is True
    assert check.results["fgt-001"]["reimported"] == real.results["fgt-001"]["reimported"]
    assert check.results["fgt-001"]["bindings"] == real.results["fgt-001"]["bindings"]


@pytest.mark.parametrize("task,field", [
    ("serials: [FTK-BAD]", "serials"),
    ("serials: ['ftkmob0123456789']", "serials"),
    ("serials: [FTKMOB0123456789, FTKMOB0123456789]", "serials"),
    ("serials: [FTKMOB0123456789]\n    license_code: 1234-5678", "license_code"),
    ("serials: [FTKMOB0123456789]\n    state: present", "license_code"),
])
def test_bad_input_fails_before_any_write(temu, tmp_path, task, field):
    run = run_playbook(tmp_path, temu.inventory, "- fortifleet.auth.fortitoken:\n    %s\n  register: out\n" % task,
                       args=["--limit", "fgt-003"])
    result = run.results["fgt-003"]
    assert result["failed"] and ("'%s'" % field) in result["msg"], result["msg"]
    assert writes(temu, "fgt-003") == []


def test_absent_refuses_a_bound_token_and_deletes_a_free_one(temu, tmp_path):
    bound = [r["fortitoken"] for r in temu.state("fgt-002")["config"]["user/local"] if r["name"] == "user01"][0]
    run = run_playbook(tmp_path, temu.inventory, "- fortifleet.auth.fortitoken:\n    serials: [%s]\n    state: absent\n"
                                                 "  register: out\n" % bound, args=["--limit", "fgt-002"])
    result = run.results["fgt-002"]
    assert result["failed"] and "still bound to user" in result["msg"] and "nothing was deleted" in result["msg"]
    assert writes(temu, "fgt-002") == []
    temu.set_config("fgt-002", "user/local", {"two-factor": "disable", "fortitoken": ""}, mkey="user01")
    free = [r["fortitoken"] for r in temu.state("fgt-002")["config"]["user/local"] if r["name"] == "user01"]
    assert free == [""]
    run = run_playbook(tmp_path, temu.inventory, "- fortifleet.auth.fortitoken:\n    serials: [%s]\n    state: absent\n"
                                                 "  register: out\n" % bound, args=["--limit", "fgt-002"])
    assert run.results["fgt-002"]["changed"] and run.results["fgt-002"]["deleted"] == [bound], run.results
    assert bound not in [r["serial-number"] for r in temu.state("fgt-002")["config"]["user/fortitoken"]]


def test_present_imports_mobile_tokens_with_the_licence_code_once(temu, tmp_path):
    temu.set_scenario("token-license-expired", name="fgt-001")  # a unit without tokens
    refusals = temu.set_runtime("fgt-001", {})["forticare_codes"]
    temu.set_runtime("fgt-001", {"forticare_codes": dict((k, 0) for k in refusals)})  # FortiCare accepts it now
    code = temu.secrets("fgt-001")["license_codes"][0]
    licence = run_playbook(tmp_path, temu.inventory, """
- fortifleet.auth.fortitoken_license:
    license_code: "{{ code }}"
    memory_file: "%s"
  register: out
""" % (tmp_path / "mem.json"), args=["--limit", "fgt-001"] + secret_vars(tmp_path, code=code))
    imported = licence.results["fgt-001"]["imported"]
    assert licence.results["fgt-001"]["changed"] and len(imported) >= 2
    temu.clear_audit()
    again = run_playbook(tmp_path, temu.inventory, """
- fortifleet.auth.fortitoken_license:
    license_code: "{{ code }}"
    memory_file: "%s"
  register: out
""" % (tmp_path / "mem.json"), args=["--limit", "fgt-001"] + secret_vars(tmp_path, code=code))
    assert again.results["fgt-001"]["changed"] is False and writes(temu, "fgt-001") == []
