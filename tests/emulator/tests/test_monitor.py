"""Monitor endpoints' shapes."""


def test_system_status(device):
    d = device("7.6.5")
    b = d.get("/api/v2/monitor/system/status").json()
    assert b["version"] == "v7.6.5" and b["build"] == 3651 and b["serial"] == d.info["serial"]
    r = b["results"]
    assert r["hostname"] == d.name and {"model", "model_name", "model_number"} <= set(r)


def test_license_interface_certs(device):
    d = device("7.4.4")
    lic = d.get("/api/v2/monitor/license/status").json()["results"]
    assert lic["forticare"]["status"] == "registered" and lic["fortiguard"]["connected"] is True
    ifs = d.get("/api/v2/monitor/system/interface").json()["results"]
    wan = [v for v in ifs.values() if v["role"] == "wan"][0]
    assert wan["ip"].startswith("203.0.113.") and wan["mask"] == 24
    certs = d.get("/api/v2/monitor/system/available-certificates?with_ca=1").json()["results"]
    names = {c["name"] for c in certs}
    assert {"Fortinet_Factory", "Fortinet_GUI_Server", "Fortinet_CA"} <= names
    cm = d.get("/api/v2/monitor/system/central-management/status").json()["results"]
    assert cm["type"] == "none"


def test_unknown_and_method(device):
    d = device("7.4.4")
    assert d.get("/api/v2/monitor/no/such/thing").status_code == 404
    assert d.post("/api/v2/monitor/system/status", {}).status_code == 405
    assert d.get("/api/v2/cmdb/no/table").status_code == 404


def test_web_ui_state(device):
    """fortios-api.md §5 (web-ui/state, the 7.0.6 capture's keys); ha_mode beyond 0 ASSUMED."""
    d = device("7.4.4")
    b = d.get("/api/v2/monitor/web-ui/state").json()
    assert b["version"] == "v7.4.4" and b["serial"] == d.info["serial"] and b["build"]
    r = b["results"]
    assert r["hostname"] == d.name and {"model", "model_name", "model_number"} <= set(r)
    assert (r["vdom_mode"], r["ha_mode"], r["is_ha_master"], r["centrally_managed"]) == ("no-vdom", 0, True, False)
    assert r["admin"]["vdoms"] == ["root"]
    d.emu.set_scenario("fmg-managed", d.name)
    assert d.get("/api/v2/monitor/web-ui/state").json()["results"]["centrally_managed"] is True
    assert d.put("/api/v2/cmdb/system/ha", {"mode": "a-p"}).status_code == 200
    assert d.get("/api/v2/monitor/web-ui/state").json()["results"]["ha_mode"] == 1


def test_web_ui_state_can_be_missing(device):
    """A release without it, or a profile it refuses: fail_path answers its status, system/status still answers."""
    d = device("7.4.4")
    d.emu.set_faults({"fail_path": {"match": "monitor/web-ui/state", "status": 404}}, d.name)
    try:
        assert d.get("/api/v2/monitor/web-ui/state").status_code == 404
        assert d.get("/api/v2/monitor/system/status").status_code == 200
    finally:
        d.emu.clear_faults(d.name)
