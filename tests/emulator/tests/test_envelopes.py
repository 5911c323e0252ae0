"""Envelope shapes (fortios-api.md §6)."""


def test_get_singleton_is_object(device):
    d = device("7.4.4")
    r = d.get("/api/v2/cmdb/system/ftm-push")
    assert r.status_code == 200
    b = r.json()
    for k in ("http_method", "revision", "results", "vdom", "path", "name", "status", "http_status",
              "serial", "version", "build"):
        assert k in b
    assert isinstance(b["results"], dict)
    assert b["version"] == "v7.4.4" and b["status"] == "success" and b["http_status"] == 200
    assert b["path"] == "system" and b["name"] == "ftm-push" and b["vdom"] == "root"


def test_get_table_and_mkey_are_lists(device):
    d = device("7.4.4")
    b = d.get("/api/v2/cmdb/user/local").json()
    assert isinstance(b["results"], list) and len(b["results"]) >= 2
    b = d.get("/api/v2/cmdb/user/local/user01").json()
    assert isinstance(b["results"], list) and len(b["results"]) == 1
    assert b["mkey"] == "user01"


def test_missing_entry_404_shape(device):
    d = device("7.4.4")
    r = d.get("/api/v2/cmdb/user/local/nobody")
    assert r.status_code == 404
    b = r.json()
    assert b["status"] == "error" and b["http_status"] == 404 and b["mkey"] == "nobody"
    assert "error" not in b
    assert d.put("/api/v2/cmdb/user/local/nobody", {"status": "enable"}).status_code == 404
    assert d.delete("/api/v2/cmdb/user/local/nobody").status_code == 404


def test_post_duplicate_and_singleton(device):
    d = device("7.4.4")
    r = d.post("/api/v2/cmdb/user/local", {"name": "user01"})
    assert r.status_code == 500 and r.json()["error"] == -5
    r = d.post("/api/v2/cmdb/system/ftm-push", {"status": "enable"})
    assert r.status_code == 405 and r.json()["http_status"] == 405


def test_revision_changed_only_on_change(device):
    d = device("7.4.4")
    r1 = d.post("/api/v2/cmdb/user/local", {"name": "carol", "status": "enable"}).json()
    assert r1["status"] == "success" and r1["revision_changed"] is True and r1["mkey"] == "carol"
    assert r1["old_revision"] != r1["revision"]
    r2 = d.put("/api/v2/cmdb/user/local/carol", {"status": "enable"}).json()
    assert r2["revision_changed"] is False and r2["old_revision"] == r2["revision"]
    r3 = d.put("/api/v2/cmdb/user/local/carol", {"status": "disable"}).json()
    assert r3["revision_changed"] is True and r3["revision"] != r3["old_revision"]
    assert d.get("/api/v2/cmdb/user/local/carol").json()["results"][0]["status"] == "disable"
    r4 = d.delete("/api/v2/cmdb/user/local/carol").json()
    assert r4["status"] == "success"
    assert d.get("/api/v2/cmdb/user/local/carol").status_code == 404


def test_global_returns_list_of_envelopes(device):
    d = device("7.4.4")
    b = d.get("/api/v2/cmdb/system/global?global=1").json()
    assert isinstance(b, list) and b[0]["results"]["hostname"] == d.name


def test_cli_error_string_vs_list(device):
    old = device("7.4.4")
    new = device("7.6.5")
    body = {"server-cert": "No_Such_Cert"}
    e1 = old.put("/api/v2/cmdb/system/ftm-push", body).json()
    e2 = new.put("/api/v2/cmdb/system/ftm-push", body).json()
    assert e1["error"] == -3 and isinstance(e1["cli_error"], str)
    assert "entry not found in datasource" in e1["cli_error"]
    assert e2["error"] == -3 and isinstance(e2["cli_error"], list)
    assert e1["revision_changed"] is False


def test_api_key_masked(device):
    d = device("7.4.4")
    row = d.get("/api/v2/cmdb/system/api-user/fortifleet-automation").json()["results"][0]
    assert row["api-key"].startswith("ENC ") and d.key not in row["api-key"]
    assert row["trusthost"][0]["ipv4-trusthost"] == "127.0.0.0 255.0.0.0"
    assert row["vdom"] == [{"name": "root"}]
