"""Authentication rules (fortios-api.md §6/§7, troubleshooting.md D)."""

import time

from conftest import raw_request

S = "/api/v2/monitor/system/status"


def test_bad_key_and_trusthost_give_identical_401_html(device):
    d = device("7.4.4")
    r = d.get(S, token="WrongWrongWrongWrongWrongWrong")
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("text/html")
    assert "401 Authorization Required" in r.text
    t = device("7.4.4", "api-trusthost-mismatch")
    r2 = t.get(S)
    assert r2.status_code == 401 and r2.text == r.text
    audit = d.emu.audit(t.name)
    assert audit[-1]["auth"] == "untrusted"
    assert d.emu.audit(d.name)[-1]["auth"] == "bad_key"


def test_no_token_401(device):
    d = device("7.4.4")
    r = d.get(S, token="")
    assert r.status_code == 401
    assert d.emu.audit(d.name)[-1]["auth"] == "no_token"


def test_api_forbidden_profile(device):
    d = device("7.4.4", "api-forbidden")
    assert d.get(S).status_code == 200                      # group any
    assert d.get("/api/v2/cmdb/system/ftm-push").status_code == 200  # sysgrp read
    r = d.get("/api/v2/cmdb/user/fortitoken")
    assert r.status_code == 403 and "403 Forbidden" in r.text and r.headers["Content-Type"].startswith("text/html")
    assert d.get("/api/v2/monitor/user/fortitoken").status_code == 403
    assert d.get("/api/v2/cmdb/endpoint-control/fctems").status_code == 403
    assert d.get("/api/v2/monitor/endpoint-control/ems/status?ems_id=1").status_code == 403
    assert d.put("/api/v2/cmdb/system/ftm-push", {"status": "enable"}).status_code == 403
    assert d.emu.audit(d.name)[-1]["auth"] == "forbidden"


def test_vdom_not_assigned_403(device):
    d = device("7.4.4")
    assert d.get("/api/v2/cmdb/system/ftm-push?vdom=root").status_code == 200
    r = d.get("/api/v2/cmdb/system/ftm-push?vdom=vd1")
    assert r.status_code == 403 and "Forbidden" in r.text


def test_lockout_429_after_three_failures(device):
    d = device("7.4.4")
    addr, port = d.info["address"], d.info["port"]
    src = "127.0.0.77"
    bad = {"Authorization": "Bearer notthekeynotthekeynotthekey123"}
    good = {"Authorization": f"Bearer {d.key}"}
    for _ in range(3):
        assert raw_request(addr, port, "GET", S, bad, source=src)[0] == 401
    st, body, _ = raw_request(addr, port, "GET", S, good, source=src)
    assert st == 429 and b"429" in body
    # other sources are not affected
    assert raw_request(addr, port, "GET", S, good, source="127.0.0.78")[0] == 200
    assert d.emu.audit(d.name)[-2]["auth"] == "locked_out"
    time.sleep(2.1)  # the session fixture runs with --lockout-seconds 2
    assert raw_request(addr, port, "GET", S, good, source=src)[0] == 200


def test_trusthost_failures_count_for_lockout(device):
    d = device("7.4.4", "api-trusthost-mismatch")
    addr, port = d.info["address"], d.info["port"]
    h = {"Authorization": f"Bearer {d.key}"}
    src = "127.0.0.79"
    assert [raw_request(addr, port, "GET", S, h, source=src)[0] for _ in range(4)] == [401, 401, 401, 429]


def test_query_token_rules(device):
    old = device("7.4.4")
    assert old.get(f"{S}?access_token={old.key}", token="").status_code == 200
    new = device("7.4.8")
    r = new.get(f"{S}?access_token={new.key}", token="")
    assert r.status_code == 401 and "invalid_token" in r.headers.get("WWW-Authenticate", "")
    assert new.emu.audit(new.name)[-1]["auth_detail"] == "url_token_disabled"
    assert new.get(S).status_code == 200  # header works
    assert new.put("/api/v2/cmdb/system/global", {"rest-api-key-url-query": "enable"}).status_code == 200
    assert new.get(f"{S}?access_token={new.key}", token="").status_code == 200
    # the setting does not exist before 7.4.5
    assert old.put("/api/v2/cmdb/system/global", {"rest-api-key-url-query": "enable"}).json()["error"] == -651
    sc = device("7.4.4", "api-url-token-disabled")
    sc.refresh()
    assert sc.version == "7.4.8"  # forced onto a compatible version
    assert sc.get(f"{S}?access_token={sc.key}", token="").status_code == 401


def test_admin_password_header_765(device):
    d = device("7.6.5")
    body = {"name": "robot", "accprofile": "fortifleet_profile", "vdom": [{"name": "root"}]}
    r = d.post("/api/v2/cmdb/system/api-user", body)
    b = r.json()
    assert r.status_code == 500 and b["error"] == -8102 and b["cli_error"] == ["admin's password required."]
    assert b["revision_changed"] is False and b["status"] == "error" and b["http_status"] == 500
    assert b["name"] == "api-user" and b["path"] == "system" and b["version"] == "v7.6.5" and b["build"] == 3651
    r = d.post("/api/v2/cmdb/system/api-user", body, headers={"X-Admin-Passwd": "wrong"})
    assert r.json()["error"] == -8102
    r = d.post("/api/v2/cmdb/system/api-user", body, headers={"X-Admin-Passwd": d.admin_password})
    assert r.status_code == 200
    gk = "/api/v2/monitor/system/api-user/generate-key"
    assert d.post(gk, {"api-user": "robot"}).json()["error"] == -8102
    assert d.post(gk, {"api-user": "robot"}, headers={"X-Admin-Passwd": d.admin_password}).status_code == 200
    assert d.delete("/api/v2/cmdb/system/admin/admin").json()["error"] == -8102
    # reads and other tables do not need it
    assert d.get("/api/v2/cmdb/system/api-user").status_code == 200
    assert d.put("/api/v2/cmdb/system/ftm-push", {"server-port": 4433}).status_code == 200
    old = device("7.6.4")
    assert old.post("/api/v2/cmdb/system/api-user", body).status_code == 200


def test_generate_key_replaces_at_once(device):
    d = device("7.4.4")
    old_key = d.key
    r = d.post("/api/v2/monitor/system/api-user/generate-key", {"api-user": "fortifleet-automation"})
    assert r.status_code == 200
    new_key = r.json()["results"]["access_token"]
    assert new_key != old_key and len(new_key) == 30
    assert d.get(S, token=old_key).status_code == 401
    assert d.get(S, token=new_key).status_code == 200
    assert d.emu.secrets(d.name)["api_key"] == new_key


def test_deleted_api_user_key_stops_working(device):
    d = device("7.4.4")
    d.post("/api/v2/cmdb/system/api-user", {"name": "tmp", "accprofile": "super_admin", "vdom": [{"name": "root"}],
                                             "trusthost": [{"id": 1, "ipv4-trusthost": "127.0.0.0 255.0.0.0"}]})
    k = d.post("/api/v2/monitor/system/api-user/generate-key", {"api-user": "tmp"}).json()["results"]["access_token"]
    assert d.get(S, token=k).status_code == 200
    assert d.delete("/api/v2/cmdb/system/api-user/tmp").status_code == 200
    assert d.get(S, token=k).status_code == 401


def test_token_rejected_scenario_inventory_token(device):
    d = device("7.4.4", "api-token-rejected")
    inv_token = d.secrets["inventory_token"]
    assert inv_token != d.key
    assert d.get(S, token=inv_token).status_code == 401
    assert d.get(S).status_code == 200
