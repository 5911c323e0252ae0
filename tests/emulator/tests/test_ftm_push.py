"""ftm-push version rules (fortios-api.md §1, troubleshooting.md A2)."""

P = "/api/v2/cmdb/system/ftm-push"


def test_server_field_absent_on_649(device):
    d = device("6.4.9")
    res = d.get(P).json()["results"]
    assert "server" not in res and res["server-ip"].startswith("203.0.113.")
    r = d.put(P, {"server": "203.0.113.9"})
    assert r.status_code == 500 and r.json()["error"] == -651
    assert "command parse error before 'server'" in r.json()["cli_error"]
    # on 6.4.9 server-ip alone is the setting and works
    r = d.put(P, {"server-ip": "203.0.113.77"})
    assert r.status_code == 200 and r.json()["revision_changed"] is True


def test_server_ip_alone_rejected_from_6410(device):
    for v in ("6.4.15", "7.4.4"):
        d = device(v)
        r = d.put(P, {"server": "", "server-ip": "203.0.113.5"})
        b = r.json()
        assert r.status_code == 500 and b["error"] == -56
        assert b["cli_error"] == ("Missing server address.\nobject check operator error, -56, discard the setting\n"
                                  "Command fail. Return code -56\n")
        assert d.get(P).json()["results"]["server-ip"] == "0.0.0.0"  # nothing changed


def test_server_and_server_ip_conflict(device):
    d = device("7.2.8")
    r = d.put(P, {"server": "203.0.113.5", "server-ip": "203.0.113.5"})
    assert r.status_code == 500 and r.json()["error"] == -7
    assert d.put(P, {"server": "fgt.example.com", "server-ip": "0.0.0.0"}).status_code == 200


def test_server_and_interface_conflict_764(device):
    d = device("7.6.4")
    d0 = d.get(P).json()["results"]
    assert d0["interface"] == "" and d0["proxy"] == "enable"
    wan = [i for i in d.get("/api/v2/cmdb/system/interface").json()["results"] if i["role"] == "wan"][0]["name"]
    r = d.put(P, {"interface": wan})
    assert r.status_code == 500 and r.json()["error"] == -7
    r = d.put(P, {"interface": wan, "server": ""})
    assert r.status_code == 200


def test_interface_and_proxy_version_gates(device):
    d = device("7.4.4")
    assert d.put(P, {"interface": "port1"}).json()["error"] == -651
    d2 = device("7.0.12")
    assert d2.put(P, {"proxy": "enable"}).json()["error"] == -651


def test_server_cert_datasource_and_defaults(device):
    for v, cert in (("7.4.4", "Fortinet_GUI_Server"), ("7.2.8", "Fortinet_Factory"), ("7.0.7", "Fortinet_Factory")):
        d = device(v)
        assert d.get(P).json()["results"]["server-cert"] == cert
        r = d.put(P, {"server-cert": "Missing_Cert"})
        assert r.status_code == 500 and r.json()["error"] == -3
        other = "Fortinet_Factory" if cert != "Fortinet_Factory" else "Fortinet_GUI_Server"
        assert d.put(P, {"server-cert": other}).status_code == 200


def test_port_and_status_validation(device):
    d = device("7.4.4")
    assert d.put(P, {"server-port": 70000}).json()["error"] == -650
    assert d.put(P, {"server-port": 0}).json()["error"] == -650
    assert d.put(P, {"status": "maybe"}).json()["error"] == -651
    r = d.put(P, {"server-port": 4434, "status": "disable"}).json()
    assert r["revision_changed"] is True
    assert d.get(P).json()["results"]["server-port"] == 4434


def test_legacy_scenario_and_fix(device):
    d = device("7.4.4", "ftm-push-legacy-server-ip")
    res = d.get(P).json()["results"]
    assert res["server"] == "" and res["server-ip"] != "0.0.0.0"
    # a write that keeps the legacy shape is refused (object check)
    assert d.put(P, {"status": "enable"}).json()["error"] == -56
    # moving the address to `server` without clearing server-ip conflicts
    assert d.put(P, {"server": res["server-ip"]}).json()["error"] == -7
    ok = d.put(P, {"server": res["server-ip"], "server-ip": "0.0.0.0"})
    assert ok.status_code == 200 and ok.json()["revision_changed"] is True
    d649 = device("6.4.9", "ftm-push-legacy-server-ip")
    r649 = d649.get(P).json()["results"]
    assert r649["server-ip"].startswith("203.0.113.") and r649["status"] == "enable"
