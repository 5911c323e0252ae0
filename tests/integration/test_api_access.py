"""API access diagnosis, preflight, api_user and key rotation against the emulator."""
import json
import os
import stat

import pytest
import requests

from fortigate_emulator.testing import running_emulator

from .conftest import fleet_fixture, fresh
from .harness import run_playbook

PROBE = """
- name: probe access
  fortifleet.auth.fortigate_info:
    gather_subset: [api_access, system]
  register: out
"""
FAILED_KEY = ("bad_key", "untrusted")
API_USER = "fortifleet-automation"


mixed = fleet_fixture(devices=9, scenario="healthy", profile="mixed")  # one device per version profile


@pytest.fixture
def memu(mixed):
    return fresh(mixed)


def by_version(emu, version):
    return next(d["name"] for d in emu.devices() if d["version"] == version)


def scenario_token(emu, name):
    """The token the inventory would hold for the device's current scenario (a scenario switched through
    the control API does not rewrite the inventory file)."""
    return ["-e", "fortigate_access_token=%s" % emu.secrets(name)["inventory_token"]]


def failed_key_attempts(emu, name):
    return [r for r in emu.audit(name) if r["auth"] in FAILED_KEY]


def finding_ids(result):
    return [f["id"] for f in result["findings"]]


@pytest.mark.parametrize("scenario,status,finding", [
    ("api-token-rejected", "token_rejected", "API_TOKEN_REJECTED"),
    ("api-trusthost-mismatch", "token_rejected", "API_TOKEN_REJECTED"),  # no second credential: cannot tell
    ("api-forbidden", "forbidden", "API_PERMISSION_DENIED"),
])
def test_scenarios_are_classified_with_at_most_one_failed_attempt(emu, tmp_path, scenario, status, finding):
    emu.set_scenario(scenario, name="fgt-001")
    emu.clear_audit()
    run = run_playbook(tmp_path, emu.inventory, PROBE, args=["--limit", "fgt-001"] + scenario_token(emu, "fgt-001"))
    assert run.rc == 0, run  # the probe classifies; it does not fail
    result = run.results["fgt-001"]
    assert result["fortigate"]["api_access"]["status"] == status
    assert finding in finding_ids(result)
    assert len(failed_key_attempts(emu, "fgt-001")) <= 1
    if status != "forbidden":
        assert result["fortigate"]["skipped_subsets"] == ["system"]
        assert len(emu.audit("fgt-001")) == 1  # nothing else was tried with a refused token


def test_token_rejected_hint_and_remediation(emu, tmp_path):
    emu.set_scenario("api-token-rejected", name="fgt-001")
    emu.clear_audit()
    result = run_playbook(tmp_path, emu.inventory, PROBE,
                          args=["--limit", "fgt-001"] + scenario_token(emu, "fgt-001")).results["fgt-001"]
    found = result["findings"][0]
    assert found["severity"] == "critical" and found["area"] == "api_access"
    assert "regenerated" in found["remediation"] and "lock" in found["remediation"]
    assert "diagnostic_access_token" in found["detail"]  # says why it cannot tell trusthost from token


def test_forbidden_names_the_missing_groups(emu, tmp_path):
    emu.set_scenario("api-forbidden", name="fgt-002")
    result = run_playbook(tmp_path, emu.inventory, PROBE, args=["--limit", "fgt-002"]).results["fgt-002"]
    access = result["fortigate"]["api_access"]
    assert sorted(access["forbidden_groups"]) == ["authgrp", "utmgrp.endpoint-control"]
    finding = [f for f in result["findings"] if f["id"] == "API_PERMISSION_DENIED"][0]
    assert "authgrp" in finding["summary"] and "utmgrp.endpoint-control" in finding["remediation"]
    assert result["fortigate"]["system"]["version"] == "7.4.4"  # still authenticated: the rest is read


def _make_auditor(emu, name):
    """A second, read-only credential whose trusthost covers the controller."""
    emu.set_config(name, "system/api-user", {
        "name": "auditor", "accprofile": "super_admin", "vdom": [{"name": "root"}],
        "trusthost": [{"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "127.0.0.0 255.0.0.0"}]}, mkey="auditor")
    device = emu.device(name)
    answer = requests.post(device["url"] + "/api/v2/monitor/system/api-user/generate-key",
                           json={"api-user": "auditor"}, verify=emu.ca_path, timeout=10,
                           headers={"Authorization": "Bearer " + emu.secrets(name)["api_key"]})
    answer.raise_for_status()
    return answer.json()["results"]["access_token"]


def test_trusthost_mismatch_told_apart_with_a_second_credential(emu, tmp_path):
    auditor = _make_auditor(emu, "fgt-003")
    emu.set_config("fgt-003", "system/api-user", {"trusthost": [
        {"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "10.99.0.0 255.255.0.0"}]}, mkey=API_USER)
    emu.clear_audit()
    run = run_playbook(tmp_path, emu.inventory, PROBE, args=[
        "--limit", "fgt-003", "-e", json.dumps({"fortigate_api_user": API_USER,
                                                "fortigate_diagnostic_access_token": auditor})])
    result = run.results["fgt-003"]
    assert result["fortigate"]["api_access"]["status"] == "trusthost_mismatch"
    finding = result["findings"][0]
    assert finding["id"] == "API_TRUSTHOST_MISMATCH" and "127.0.0.1" in finding["summary"]
    assert "api_access_trusthosts" in finding["remediation"]
    assert len(failed_key_attempts(emu, "fgt-003")) == 1
    assert auditor not in run.output


def test_same_second_credential_confirms_a_refused_token(emu, tmp_path):
    auditor = _make_auditor(emu, "fgt-003")
    run = run_playbook(tmp_path, emu.inventory, PROBE, args=[
        "--limit", "fgt-003", "-e", json.dumps({"fortigate_access_token": "wrong-token-0000000000000000",
                                                "fortigate_api_user": API_USER,
                                                "fortigate_diagnostic_access_token": auditor})])
    result = run.results["fgt-003"]
    assert result["fortigate"]["api_access"]["status"] == "token_rejected"
    assert "trusts 127.0.0.1" in result["findings"][0]["detail"]


def test_locked_out_source_is_reported_not_hammered(emu, tmp_path):
    device = emu.device("fgt-004")
    for dummy in range(3):  # someone else's wrong token locks our source out
        requests.get(device["url"] + "/api/v2/monitor/system/status", verify=emu.ca_path, timeout=10,
                     headers={"Authorization": "Bearer wrong"})
    emu.clear_audit()
    result = run_playbook(tmp_path, emu.inventory, PROBE, args=["--limit", "fgt-004"]).results["fgt-004"]
    assert result["fortigate"]["api_access"]["status"] == "locked_out"
    assert finding_ids(result) == ["API_LOCKED_OUT"]
    assert [r["status"] for r in emu.audit("fgt-004")] == [429]


def test_tls_unreachable_and_timeout(emu, tmp_path):
    emu.set_tls("unknown-ca", name="fgt-001")
    emu.set_faults({"down": True}, name="fgt-002")
    emu.set_faults({"latency_ms": 3000}, name="fgt-003")
    run = run_playbook(tmp_path, emu.inventory, PROBE, args=["--limit", "fgt-001,fgt-002,fgt-003",
                                                              "-e", "fortigate_timeout=1", "-e",
                                                              "fortigate_retries=0"])
    status = {h: r["fortigate"]["api_access"]["status"] for h, r in run.results.items()}
    assert status == {"fgt-001": "tls_untrusted", "fgt-002": "unreachable", "fgt-003": "timeout"}
    assert finding_ids(run.results["fgt-001"]) == ["API_TLS_UNTRUSTED"]
    assert finding_ids(run.results["fgt-002"]) == ["API_UNREACHABLE"]
    assert finding_ids(run.results["fgt-003"]) == ["API_UNREACHABLE"]


def test_url_token_disabled_is_reported_on_745_and_later(memu, tmp_path):
    old, new = by_version(memu, "7.4.4"), by_version(memu, "7.4.8")
    run = run_playbook(tmp_path, memu.inventory, PROBE, args=["--limit", "%s,%s" % (old, new)])
    assert run.results[new]["fortigate"]["api_access"]["url_token_accepted"] is False
    assert "API_URL_TOKEN_DISABLED" in finding_ids(run.results[new])
    assert run.results[old]["fortigate"]["api_access"]["url_token_accepted"] is True
    assert "API_URL_TOKEN_DISABLED" not in finding_ids(run.results[old])
    assert run.results[new]["fortigate"]["api_access"]["status"] == "ok"


# -- preflight on a seeds fleet ------------------------------------------------------------
PREFLIGHT = """
- hosts: fortigates
  gather_facts: false
  roles:
    - role: fortifleet.auth.preflight
  tasks:
    - name: work after the preflight
      ansible.builtin.copy:
        content: "{{ fortifleet_preflight | to_json }}"
        dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
      check_mode: false
"""


def run_preflight(emu, tmp_path, extra=()):
    import subprocess
    import sys
    from .harness import ansible_env
    (tmp_path / "out").mkdir(exist_ok=True)
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(PREFLIGHT)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                           emu.inventory, str(playbook), "-f", "10", "-e", "out_dir=%s" % (tmp_path / "out")]
                          + list(extra), capture_output=True, text=True, env=ansible_env())
    return proc, sorted(f[:-5] for f in os.listdir(tmp_path / "out"))


@pytest.mark.lockout_test  # two runs, one failed key attempt per bad device in each (asserted below)
def test_preflight_reports_bad_devices_and_the_play_goes_on(tmp_path):
    with running_emulator(devices=20, scenario="seeds", port="auto") as emu:
        bad = {d["name"]: d["scenario"] for d in emu.devices()
               if d["scenario"] in ("api-token-rejected", "api-trusthost-mismatch")}
        assert bad, "the seeds fleet has API failures"
        proc, worked = run_preflight(emu, tmp_path)
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert set(worked) == {d["name"] for d in emu.devices()} - set(bad)
        for name in bad:
            assert "%s: access token_rejected" % name in proc.stdout
            assert len(failed_key_attempts(emu, name)) == 1
        assert "Preflight: %d of 20 devices usable" % (20 - len(bad)) in proc.stdout
        strict_dir = tmp_path / "strict"
        strict_dir.mkdir()
        strict, worked_strict = run_preflight(emu, strict_dir, ["-e", "preflight_fail_on_error=true"])
        assert strict.returncode == 2  # failures reflected in the exit status only when asked
        assert set(worked_strict) == set(worked)  # and the others still went on
        for name in bad:
            assert len(failed_key_attempts(emu, name)) == 2  # one per run, never a second one within a run


# -- api_user --------------------------------------------------------------------------------
API_USER_TASK = """
- name: ensure trusthost
  fortifleet.auth.api_user:
    name: fortifleet-automation
    trusthost: [192.0.2.0/24, "198.51.100.7"]
    vdoms: [root]
  register: out
"""


def writes(emu, name):
    return [r for r in emu.audit(name) if r["write"]]


def test_api_user_idempotent_check_and_diff(emu, tmp_path):
    check = run_playbook(tmp_path, emu.inventory, API_USER_TASK, args=["--limit", "fgt-001", "--check", "--diff"])
    assert check.results["fgt-001"]["changed"] is True, check
    assert writes(emu, "fgt-001") == []
    assert "192.0.2.0 255.255.255.0" in check.stdout and "127.0.0.0 255.0.0.0" in check.stdout  # --diff shown
    first = run_playbook(tmp_path, emu.inventory, API_USER_TASK, args=["--limit", "fgt-001", "--diff"])
    assert first.results["fgt-001"]["changed"] is True
    assert first.results["fgt-001"]["changed_keys"] == ["trusthost"]
    state = {r["name"]: r for r in emu.state("fgt-001")["config"]["system/api-user"]}[API_USER]
    nets = sorted(t["ipv4-trusthost"] for t in state["trusthost"])
    assert nets == ["127.0.0.0 255.0.0.0", "192.0.2.0 255.255.255.0", "198.51.100.7 255.255.255.255"]
    emu.clear_audit()
    second = run_playbook(tmp_path, emu.inventory, API_USER_TASK, args=["--limit", "fgt-001"])
    assert second.results["fgt-001"]["changed"] is False
    assert writes(emu, "fgt-001") == []


@pytest.mark.parametrize("args,field", [
    ("trusthost: [0.0.0.0/0]", "trusthost"),
    ("trusthost: ['10.0.0.0 255.0.255.0']", "trusthost"),
    ("trusthost: [not-a-network]", "trusthost"),
    ("accprofile: 'prof\"; rm -rf /'", "accprofile"),
    ("regenerate_key: true", "key_file"),
])
def test_api_user_bad_input_fails_before_any_write(emu, tmp_path, args, field):
    run = run_playbook(tmp_path, emu.inventory, "- fortifleet.auth.api_user:\n    name: fortifleet-automation\n"
                                                "    %s\n  register: out\n" % args, args=["--limit", "fgt-001"])
    result = run.results["fgt-001"]
    assert result["failed"] and ("'%s'" % field) in result["msg"]
    assert emu.audit("fgt-001") == []


def test_admin_password_needed_on_765(memu, tmp_path):
    name = by_version(memu, "7.6.5")
    task = API_USER_TASK.replace("vdoms: [root]", "vdoms: [root]\n    admin_password: \"{{ pw }}\"")
    without = run_playbook(tmp_path, memu.inventory, task, args=["--limit", name, "-e", "pw="])
    result = without.results[name]
    assert result["failed"] and result["fortios_error"] == -8102
    assert "admin_password" in result["hint"] and "Nothing was changed" in result["hint"]
    with_pw = run_playbook(tmp_path, memu.inventory, API_USER_TASK, args=["--limit", name])
    assert with_pw.results[name]["changed"] is True, with_pw  # fortigate_admin_password from the inventory


# -- key rotation ----------------------------------------------------------------------------
def test_key_rotation_writes_0600_file_new_key_works_old_refused(emu, tmp_path):
    old = emu.secrets("fgt-002")["api_key"]
    key_file = tmp_path / "fgt-002.key"
    run = run_playbook(tmp_path, emu.inventory, """
- fortifleet.auth.api_user:
    name: fortifleet-automation
    regenerate_key: true
    key_file: "%s"
  register: out
""" % key_file, args=["--limit", "fgt-002", "-vvvv"])
    assert run.rc == 0, run
    result = run.results["fgt-002"]
    assert result["key_rotated"] and result["key_verified"]
    new = key_file.read_text().strip()
    assert new and new != old and new == emu.secrets("fgt-002")["api_key"]
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert new not in run.output and old not in run.output
    url = emu.device("fgt-002")["url"] + "/api/v2/monitor/system/status"
    assert requests.get(url, verify=emu.ca_path, headers={"Authorization": "Bearer " + new}).status_code == 200
    assert requests.get(url, verify=emu.ca_path, headers={"Authorization": "Bearer " + old}).status_code == 401
    assert [r for r in emu.audit("fgt-002") if "generate-key" in r["path"]].__len__() == 1


def test_lost_generate_key_answer_is_explained_and_not_repeated(emu, tmp_path):
    emu.set_faults({"fail_next": {"count": 1, "status": "truncate", "match": "generate-key"}}, name="fgt-003")
    key_file = tmp_path / "k.key"
    run = run_playbook(tmp_path, emu.inventory, """
- fortifleet.auth.api_user:
    name: fortifleet-automation
    regenerate_key: true
    key_file: "%s"
  register: out
""" % key_file, args=["--limit", "fgt-003"])
    result = run.results["fgt-003"]
    assert result["failed"] and result["error_kind"] == "ambiguous"
    assert "answer was lost" in result["msg"] and "old key may already be invalid" in result["msg"]
    assert "execute api-user generate-key" in result["hint"] and "not sent again" in result["hint"]
    assert len([r for r in emu.audit("fgt-003") if "generate-key" in r["path"]]) == 1
    assert not key_file.exists()
