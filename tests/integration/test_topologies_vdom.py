"""Issue 16, multi-VDOM units: FortiTokens and users per VDOM, the EMS override of a VDOM, and a VDOM-scoped token.

The emulator's ``multi-vdom`` scenario (fortigate_emulator/vdoms.py): VDOMs root and cust1, every token migrated,
tokens bound to users in both VDOMs (one user name exists in both), an EMS override connector in cust1 that the EMS
has not authorized. Assertions are on the emulator's final state per VDOM and on its recorded requests.
"""
import time

import pytest

from .conftest import fleet_fixture, fresh
from .harness import run_playbook
from .test_fortitoken import BINDING_FIELDS, ROLE

INFO = "- fortifleet.auth.fortigate_info:\n    gather_subset: %s\n  register: out\n"
NAME = "fgt-001"

vfleet = fleet_fixture(devices=2, scenario="healthy", profile="7.4.4")


@pytest.fixture
def vemu(vfleet):
    emu = fresh(vfleet)
    emu.set_scenario("multi-vdom", name=NAME)
    emu.clear_audit()
    return emu


def per_vdom(emu, name):
    """{vdom: {"tokens": [...], "bindings": {("user/local"|"system/admin", name): fields}}} from the final state."""
    state = emu.state(name)
    tables = {"root": state["config"], "cust1": state["vdoms"]["cust1"]}
    out = {}
    for vdom, config in tables.items():
        out[vdom] = {"tokens": sorted(r["serial-number"] for r in config.get("user/fortitoken", [])),
                     "bindings": dict((("user/local", r["name"]), dict((k, r.get(k)) for k in BINDING_FIELDS))
                                      for r in config.get("user/local", []) if r.get("fortitoken"))}
    out["root"]["bindings"].update((("system/admin", r["name"]), dict((k, r.get(k)) for k in BINDING_FIELDS))
                                   for r in state["config"]["system/admin"] if r.get("fortitoken"))
    return out


def writes(emu, name):
    return [r for r in emu.audit(name) if r["write"]]


def test_remediate_reimports_and_restores_every_binding_in_both_vdoms_then_writes_nothing(vemu, tmp_path):
    vemu.set_config(NAME, "system/admin", {"two-factor": "fortitoken", "email-to": "admin@example.com",
                                           "fortitoken": per_vdom(vemu, NAME)["root"]["tokens"][0]}, mkey="admin")
    before = per_vdom(vemu, NAME)
    assert before["root"]["tokens"] and before["cust1"]["tokens"] and before["cust1"]["bindings"]
    diag = run_playbook(tmp_path, vemu.inventory, INFO % "[fortitoken]", args=["--limit", NAME])
    migrated = [f for f in diag.results[NAME]["findings"] if f["id"] == "FORTITOKEN_MIGRATED"]
    assert sorted((f["vdom"], f["summary"].split()[1]) for f in migrated) == sorted(
        [("root", s) for s in before["root"]["tokens"]] + [("cust1", s) for s in before["cust1"]["tokens"]])

    first = run_playbook(tmp_path, vemu.inventory, ROLE, args=["--limit", NAME])
    assert first.rc == 0, first
    after = per_vdom(vemu, NAME)
    for vdom in ("root", "cust1"):
        assert after[vdom]["tokens"] == before[vdom]["tokens"], vdom  # re-imported in its own VDOM
        assert after[vdom]["bindings"] == before[vdom]["bindings"], vdom  # every binding restored in its VDOM
    reimports = [c for c in first.results[NAME]["changes"] if c.get("reimported")]
    assert sorted((c["vdom"], tuple(sorted(c["reimported"]))) for c in reimports) == [
        ("cust1", tuple(before["cust1"]["tokens"])), ("root", tuple(before["root"]["tokens"]))]
    cust1_binding = [b for c in reimports if c["vdom"] == "cust1" for b in c["bindings"]]
    assert cust1_binding and all(b["vdom"] == "cust1" for b in cust1_binding)
    # the cust1 token was deleted and re-added in cust1, never in root
    token_writes = [(r["method"], r["query"]) for r in writes(vemu, NAME) if "/user/fortitoken" in r["path"]
                    and r["path"].rstrip("/").split("/")[-1] in before["cust1"]["tokens"] + ["fortitoken"]
                    and r["method"] in ("DELETE", "POST")]
    assert ("DELETE", "vdom=cust1") in token_writes and ("POST", "vdom=cust1") in token_writes, token_writes
    assert not [r for r in writes(vemu, NAME) if "/user/fortitoken" in r["path"] and r["method"] == "POST"
                and "vdom=root" in r["query"] and r["path"].endswith(tuple(before["cust1"]["tokens"]))]

    # the re-added tokens are activated once, each in its own VDOM (the FortiToken Mobile commands are per VDOM)
    activations = sorted(r["query"] for r in vemu.audit(NAME) if r["path"].endswith("/user/fortitoken/activate"))
    assert activations == ["vdom=cust1", "vdom=root"], activations
    vemu.clear_audit()
    second = run_playbook(tmp_path, vemu.inventory, ROLE, args=["--limit", NAME])
    assert second.rc == 0, second
    assert writes(vemu, NAME) == []
    assert not [f for f in second.results[NAME]["findings"] if f["id"] == "FORTITOKEN_MIGRATED"]


def test_an_ems_override_connector_of_one_vdom_is_diagnosed_with_its_vdom(vemu, tmp_path):
    run = run_playbook(tmp_path, vemu.inventory, INFO % "[ems]", args=["--limit", NAME])
    assert run.rc == 0, run
    facts = run.results[NAME]["fortigate"]["ems"]
    assert facts["override_vdoms"] == ["cust1"]
    assert [(e["name"], e["vdom"]) for e in facts["override_entries"]] == [("cust1-ems", "cust1")]
    found = [(f["id"], f.get("vdom")) for f in run.results[NAME]["findings"]]
    assert ("EMS_NOT_AUTHORIZED", "cust1") in found
    assert ("EMS_NOT_AUTHORIZED", None) not in found  # the global connector is fine
    status = [r for r in vemu.audit(NAME) if r["path"].endswith("/ems/status")]
    assert any("vdom=cust1" in r["query"] for r in status)


def test_a_vdom_scoped_token_on_a_global_object_gets_the_scope_global_hint(vemu, tmp_path):
    vemu.set_config(NAME, "system/accprofile", {"scope": "vdom"}, mkey="fortifleet_profile")
    run = run_playbook(tmp_path, vemu.inventory, INFO % "[system, ftm_push, fortitoken]",
                       args=["--limit", NAME, "-e", '{"fortigate_vdoms": ["root", "cust1"]}'])
    assert run.rc == 0, run
    result = run.results[NAME]
    assert result["fortigate"]["errors"]["ftm_push"]["kind"] == "scope_not_global"
    scope = [f for f in result["findings"] if f["id"] == "API_SCOPE_NOT_GLOBAL"]
    assert scope and "system/ftm-push" in [f["summary"].split()[5].rstrip(":") for f in scope], scope
    assert "accprofile needs scope global" in scope[0]["remediation"]
    assert "ansible-galaxy-fortios-collection/issues/226" in scope[0]["remediation"]
    # the per-VDOM tables are still read in both VDOMs
    assert {t["vdom"] for t in result["fortigate"]["fortitoken"]["tokens"]} == {"root", "cust1"}
    assert [r for r in vemu.audit(NAME) if r["status"] == 403 and r.get("auth_detail") == "scope"]


def test_a_vdom_the_token_cannot_read_is_a_warning_naming_it(vemu, tmp_path):
    vemu.set_config(NAME, "system/api-user", {"vdom": [{"name": "root"}]}, mkey="fortifleet-automation")
    run = run_playbook(tmp_path, vemu.inventory, INFO % "[fortitoken]", args=["--limit", NAME])
    assert run.rc == 0, run
    found = [f for f in run.results[NAME]["findings"] if f["id"] == "FORTITOKEN_VDOM_UNREADABLE"]
    assert [(f["severity"], f["vdom"]) for f in found] == [("warning", "cust1")]
    assert {t["vdom"] for t in run.results[NAME]["fortigate"]["fortitoken"]["tokens"]} == {"root"}


def test_a_two_vdom_reimport_interrupted_in_the_second_vdom_is_resumed_in_each_vdom(vemu, tmp_path, private_journal):
    before = per_vdom(vemu, NAME)
    roots = len(before["root"]["tokens"])
    # root's re-import runs first (one transaction per VDOM); the device goes away at the re-add of cust1's token,
    # after cust1's users were unbound and its token deleted, for longer than the run's retries
    vemu.set_faults({"down_from": {"method": ["POST"], "match": "/cmdb/user/fortitoken", "nth": roots + 1,
                                   "seconds": 8}}, name=NAME)
    broken = run_playbook(tmp_path, vemu.inventory, ROLE, args=["--limit", NAME, "-e", "fortigate_timeout=2",
                                                                "-e", "fortigate_retries=0"])
    assert broken.rc != 0 or broken.results[NAME].get("errors"), broken
    mid = per_vdom(vemu, NAME)
    assert mid["root"] == before["root"]  # root's transaction was complete
    assert mid["cust1"]["tokens"] == [] and mid["cust1"]["bindings"] == {}  # cust1 is mid-transaction
    assert [n for n in private_journal.iterdir() if n.name.endswith(".fortitoken-reimport.json")]
    vemu.clear_faults(name=NAME)
    time.sleep(8)  # the down period of the fault ends
    vemu.clear_audit()
    resumed = run_playbook(tmp_path, vemu.inventory, ROLE, args=["--limit", NAME])
    assert resumed.rc == 0, resumed
    after = per_vdom(vemu, NAME)
    assert after["cust1"] == before["cust1"] and after["root"] == before["root"]
    assert not [n for n in private_journal.iterdir() if n.name.endswith(".fortitoken-reimport.json")]
    readds = [r for r in vemu.audit(NAME) if r["method"] == "POST" and r["path"].endswith("/cmdb/user/fortitoken")]
    assert [r["query"] for r in readds] == ["vdom=cust1"]  # only cust1's token, re-added in its own VDOM
