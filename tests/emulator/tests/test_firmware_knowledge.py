"""Issue 17 in the emulator: bug 1218458 on affected profiles only, push refused when every administrator has
trusted hosts, and the FortiGuard service-communication-stats answers (troubleshooting.md G)."""
import pytest

from fortigate_emulator import versions
from fortigate_emulator.testing import running_emulator

from conftest import Api

TOKENS = "/api/v2/cmdb/user/fortitoken"


def hardware_token(d):
    return next(sn for sn in d.get("/api/v2/monitor/user/fortitoken").json()["results"] if sn.startswith("FTK200"))


@pytest.mark.parametrize("version,affected", [("7.4.9", False), ("7.4.10", True), ("7.4.11", True),
                                              ("7.4.12", False), ("7.6.3", True), ("7.6.6", True),
                                              ("7.6.7", False), ("8.0.0", False)])
def test_defect_rule_follows_the_facts(version, affected):
    assert versions.rule(version, "hardware_token_cmdb_save_error") is affected


def test_new_profiles_exist_and_mixed_keeps_its_nine():
    for version in ("7.4.10", "7.4.11", "7.4.12", "7.6.6", "7.6.7"):
        assert version in versions.PROFILES
    assert len(versions.PROFILE_ORDER) == 9 and "7.4.11" not in versions.PROFILE_ORDER


def test_affected_build_deletes_a_hardware_token_but_cannot_add_it_again(device):
    d = device("7.4.4", "token-hardware-defect")  # moved onto 7.4.11
    hw = hardware_token(d)
    tokens = dict(d.state()["runtime"]["tokens"], **{hw: "new"})  # added before the upgrade, never activated
    d.emu.set_runtime(d.name, {"tokens": tokens})
    r = d.post("/api/v2/monitor/user/fortitoken/activate", {"tokens": [hw]})
    assert r.status_code == 500 and "cmdb save error" in r.json()["cli_error"]
    d.put("/api/v2/cmdb/user/local/hwuser", {"two-factor": "disable", "fortitoken": ""})
    assert d.delete(f"{TOKENS}/{hw}").status_code == 200
    r = d.post(TOKENS, {"serial-number": hw})
    assert r.status_code == 500 and "cmdb save error" in r.json()["cli_error"]
    assert d.get(f"{TOKENS}/{hw}").status_code == 404
    # a mobile token is not concerned
    mob = next(sn for sn in d.get("/api/v2/monitor/user/fortitoken").json()["results"] if sn.startswith("FTKMOB"))
    for table in ("user/local",):
        for row in d.get(f"/api/v2/cmdb/{table}").json()["results"]:
            if row.get("fortitoken") == mob:
                d.put(f"/api/v2/cmdb/{table}/{row['name']}", {"two-factor": "disable", "fortitoken": ""})
    assert d.delete(f"{TOKENS}/{mob}").status_code == 200
    assert d.post(TOKENS, {"serial-number": mob}).status_code == 200


def test_fixed_build_adds_and_activates_hardware_tokens():
    with running_emulator(devices=1, scenario="healthy", profile="7.4.12", http=True, port="auto") as emu:
        d = Api(emu, "fgt-001")
        assert d.post(TOKENS, {"serial-number": "FTK2000000000042"}).status_code == 200
        r = d.post("/api/v2/monitor/user/fortitoken/activate", {"tokens": ["FTK2000000000042"]})
        assert r.status_code == 200


def test_push_response_refused_when_every_administrator_has_trusted_hosts(device):
    d = device("7.4.4")
    assert d.state()["helpers"]["ftm_push_response_accepted"] is True
    d.put("/api/v2/cmdb/system/admin/admin", {"trusthost1": "198.51.100.0 255.255.255.0"})
    assert d.state()["helpers"]["ftm_push_response_accepted"] is False


def test_service_communication_stats(device):
    d = device("7.4.4")
    r = d.get("/api/v2/monitor/fortiguard/service-communication-stats?service_type=forticare")
    body = r.json()["results"]
    assert body["service_type"] == "forticare" and sum(row["success"] for row in body["stats"]) > 0
    d.emu.set_runtime(d.name, {"fortiguard_reachable": False})
    body = d.get("/api/v2/monitor/fortiguard/service-communication-stats?service_type=forticare").json()["results"]
    assert sum(row["success"] for row in body["stats"]) == 0 and sum(row["failure"] for row in body["stats"]) > 0
    assert device("6.4.9").get("/api/v2/monitor/fortiguard/service-communication-stats").status_code == 404
