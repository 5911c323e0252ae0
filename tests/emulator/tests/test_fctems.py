"""fctems key change and field gates (fortios-api.md §3)."""

T = "/api/v2/cmdb/endpoint-control/fctems"


def test_name_keyed_on_old_versions(device):
    for v in ("6.4.15", "7.0.7"):
        d = device(v)
        rows = d.get(T).json()["results"]
        assert len(rows) == 1 and rows[0]["name"] == "ems01" and "ems-id" not in rows[0]
        b = d.get(f"{T}/ems01").json()
        assert b["mkey"] == "ems01"
        assert d.put(f"{T}/ems01", {"trust-ca-cn": "enable"}).json()["error"] == -651
        r = d.post(T, {"name": "ems02", "server": "ems2.example.com"})
        assert r.status_code == 200 and r.json()["mkey"] == "ems02"


def test_ems_id_keyed_rows_exist(device):
    d = device("7.0.12")
    rows = d.get(T).json()["results"]
    assert [r["ems-id"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["trust-ca-cn"] == "enable" and "verifying-ca" not in rows[0]
    assert d.get(f"{T}/1").json()["mkey"] == 1
    r = d.post(T, {"ems-id": 6, "name": "x"})
    assert r.status_code == 500 and r.json()["error"] == -650
    assert d.post(T, {"ems-id": 3, "name": "x"}).json()["error"] == -5
    assert d.delete(f"{T}/3").status_code == 200
    r = d.post(T, {"ems-id": 3, "name": "ems03", "server": "ems3.example.com", "status": "enable"})
    assert r.status_code == 200 and r.json()["mkey"] == 3
    d2 = device("7.2.8")
    assert [r["ems-id"] for r in d2.get(T).json()["results"]] == list(range(1, 8))
    assert d2.put(f"{T}/2", {"verifying-ca": "Fortinet_CA"}).json()["error"] == -651
    d3 = device("7.4.4")
    assert d3.put(f"{T}/2", {"verifying-ca": "No_CA"}).json()["error"] == -3
    assert d3.put(f"{T}/2", {"verifying-ca": "Fortinet_CA"}).json()["revision_changed"] is True


def test_ems_status_param_names(device):
    old = device("7.0.7")
    r = old.get("/api/v2/monitor/endpoint-control/ems/status?ems_name=ems01").json()
    assert r["results"]["authorized"] is True
    assert old.get("/api/v2/monitor/endpoint-control/ems/cert-status").status_code == 424
    new = device("7.2.8")
    r = new.get("/api/v2/monitor/endpoint-control/ems/status?ems_id=1").json()
    assert r["results"]["ems_id"] == 1 and r["results"]["connection"] == "connected"


def test_new_name_keyed_entry_has_no_status_field(device):
    # fortios-api.md §3: `status` exists only from 7.0.8 / 7.2.1; a 7.0.7 entry is active while it exists
    d = device("7.0.7")
    r = d.post(T, {"name": "lab", "server": "10.0.0.5"})
    assert r.status_code == 200
    row = d.get(T + "/lab").json()["results"][0]
    assert "status" not in row
