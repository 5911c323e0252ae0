"""Every scenario leaves its fingerprint in the API (and seeds spreading)."""

import pytest

from fortigate_emulator import scenarios

FP = "/api/v2/cmdb/system/ftm-push"


def _ftm(d):
    return d.get(FP).json()["results"]


CHECKS = {
    "healthy": lambda d: _ftm(d)["status"] == "enable" and _ftm(d)["server"].startswith("203.0.113."),
    "ftm-push-no-cert": lambda d: _ftm(d)["server-cert"] == " ",
    "ftm-push-disabled": lambda d: _ftm(d)["status"] == "disable",
    "ftm-push-legacy-server-ip": lambda d: _ftm(d)["server"] == "" and _ftm(d)["server-ip"] != "0.0.0.0",
    "ftm-push-no-ftm-access": lambda d: all("ftm" not in i["allowaccess"].split() for i in
                                            d.get("/api/v2/cmdb/system/interface").json()["results"]),
    "token-not-activated": lambda d: {v["status"] for v in d.get("/api/v2/monitor/user/fortitoken").json()["results"].values()} == {"new"},
    "token-migrated": lambda d: all(v["status"].startswith("activation error") for v in
                                    d.get("/api/v2/monitor/user/fortitoken").json()["results"].values()),
    "token-license-expired": lambda d: d.get("/api/v2/cmdb/user/fortitoken").json()["results"] == [],
    "token-card-not-found": lambda d: d.get("/api/v2/cmdb/user/fortitoken").json()["results"] == [],
    "fmg-managed": lambda d: d.get("/api/v2/monitor/system/central-management/status").json()["results"]["type"] == "fortimanager",
    "fortiguard-unreachable": lambda d: d.get("/api/v2/monitor/system/fortiguard/server-info").json()["results"]["any_reachable"] is False,
    "ems-cert-untrusted": lambda d: d.get("/api/v2/monitor/endpoint-control/ems/cert-status?ems_id=1").json()["results"]["verified"] is False,
    "ems-not-authorized": lambda d: d.get("/api/v2/monitor/endpoint-control/ems/status?ems_id=1").json()["results"]["error_code"] == -8,
    "ems-eval-license": lambda d: d.get("/api/v2/monitor/license/status").json()["results"]["vm"]["status"] == "vm_eval",
    "ems-unreachable": lambda d: d.get("/api/v2/monitor/endpoint-control/ems/status?ems_id=1").json()["results"]["connection"] == "disconnected",
    "api-token-rejected": lambda d: d.get(FP, token=d.secrets["inventory_token"]).status_code == 401,
    "api-trusthost-mismatch": lambda d: d.get(FP).status_code == 401,
    "api-forbidden": lambda d: d.get("/api/v2/cmdb/user/fortitoken").status_code == 403,
    "api-url-token-disabled": lambda d: d.get(f"{FP}?access_token={d.key}", token="").status_code == 401,
    "token-hardware-defect": lambda d: d.get(FP).json()["version"] == "v7.4.11" and any(
        sn.startswith("FTK200") and "seed won't be returned" in v["status"]
        for sn, v in d.get("/api/v2/monitor/user/fortitoken").json()["results"].items()),
    "multi-vdom": lambda d: d.get("/api/v2/cmdb/user/fortitoken?vdom=cust1").json()["results"] != [],
}


def test_all_scenarios_have_checks():
    assert set(CHECKS) == set(scenarios.ALL_SCENARIOS)


@pytest.mark.parametrize("scenario", scenarios.ALL_SCENARIOS)
def test_scenario(device, scenario):
    d = device("7.4.4", scenario)
    d.refresh()
    assert CHECKS[scenario](d)
    # healthy parts stay healthy where the scenario does not touch them
    if not scenario.startswith("api-"):
        assert d.get("/api/v2/monitor/system/status").status_code == 200


def test_seeds_spread():
    small = scenarios.seeds_scenarios(len(scenarios.SEED_SCENARIOS) + 2)
    assert set(small) == set(scenarios.ALL_SCENARIOS) and small.count("healthy") == 2
    names = scenarios.seeds_scenarios(100)
    assert 25 <= names.count("healthy") <= 35
    assert set(scenarios.SEED_SCENARIOS) <= set(names)
    assert names == scenarios.seeds_scenarios(100)


def test_forced_versions():
    assert scenarios.forced_version("api-url-token-disabled", "6.4.9") == "7.4.8"
    assert scenarios.forced_version("api-url-token-disabled", "7.6.5") == "7.6.5"
    assert scenarios.forced_version("healthy", "6.4.9") == "6.4.9"
