"""FortiToken behaviour (fortios-api.md §2/§5, troubleshooting.md B3-B10)."""

M = "/api/v2/monitor/user/fortitoken"
C = "/api/v2/cmdb/user/fortitoken"


def statuses(d):
    return {sn: v["status"] for sn, v in d.get(M).json()["results"].items()}


def test_healthy_tokens_bound_and_provisioned(device):
    d = device("7.4.4")
    st = statuses(d)
    assert st and set(st.values()) == {"provisioned"}
    users = d.get("/api/v2/cmdb/user/local").json()["results"]
    assert {u["fortitoken"] for u in users} == set(st)
    row = d.get(C).json()["results"][0]
    assert row["seed"].startswith("ENC ") and row["status"] == "active" and row["license"].startswith("EFTM")


def test_not_activated_then_activate(device):
    d = device("7.2.8", "token-not-activated")
    assert set(statuses(d).values()) == {"new"}
    r = d.post(f"{M}/activate", {})
    assert r.status_code == 200
    assert set(statuses(d).values()) == {"provisioning"}
    assert d.emu.audit(d.name)[-2]["action"] == "activate" and d.emu.audit(d.name)[-2]["write"] is True


def test_fortiguard_unreachable_activation_fails(device):
    d = device("7.4.4", "fortiguard-unreachable")
    info = d.get("/api/v2/monitor/system/fortiguard/server-info").json()["results"]
    assert info["any_reachable"] is False and all(s["status"] == "unreachable" for s in info["servers"])
    r = d.post(f"{M}/activate", {})
    assert r.status_code == 500 and r.json()["status"] == "error"
    assert set(statuses(d).values()) == {"new"}
    d.emu.set_runtime(d.name, {"fortiguard_reachable": True})
    assert d.post(f"{M}/activate", {}).status_code == 200


def test_import_mobile_and_reimport(device):
    d = device("7.4.4")
    code = "DA8C-0508-1F31-4CF7-C990"
    r = d.post(f"{M}/import-mobile", {"code": code})
    assert r.status_code == 200
    res = r.json()["results"]
    assert 2 <= len(res["tokens"]) <= 5 and res["added"] == res["tokens"]
    assert all(t.startswith("FTKMOB") and len(t) == 16 for t in res["tokens"])
    st = statuses(d)
    assert all(st[t] == "new" for t in res["tokens"])
    # bind the first, delete the second, re-import: deleted restored, bound untouched
    t0, t1 = res["tokens"][0], res["tokens"][1]
    d.put("/api/v2/cmdb/user/local/user01", {"fortitoken": t0, "two-factor": "fortitoken"})
    d.post(f"{M}/send-activation", {"token": t0, "method": "email"})
    assert statuses(d)[t0] == "provisioning"
    assert d.delete(f"{C}/{t1}").status_code == 200
    r2 = d.post(f"{M}/import-mobile", {"code": code}).json()["results"]
    assert r2["added"] == [t1] and t0 in r2["unchanged"]
    assert statuses(d)[t0] == "provisioning" and statuses(d)[t1] == "new"
    # deterministic from the code
    assert r2["tokens"] == res["tokens"]


def test_import_invalid_code(device):
    d = device("7.4.4")
    r = d.post(f"{M}/import-mobile", {"code": "not-a-code"})
    assert r.status_code == 500 and r.json()["error"] == -651
    assert d.post(f"{M}/import-mobile", {}).status_code == 424


def test_import_trial(device):
    d = device("7.0.12")
    r = d.post(f"{M}/import-trial", {}).json()["results"]
    assert len(r["tokens"]) == 2 and r["license"].startswith("FTMTRIAL")


def test_forticare_errors(device):
    for scen, code, msg in (("token-license-expired", 14, "forticare license expired"),
                            ("token-card-not-found", 10, "forticare license card not found")):
        d = device("7.4.4", scen)
        lic = d.secrets["license_codes"][0]
        r = d.post(f"{M}/import-mobile", {"code": lic})
        b = r.json()
        assert r.status_code == 500 and b["error"] == -7564 and b["status"] == "error"
        assert b["forticare_error_code"] == code and b["forticare_error_message"] == msg
        assert "import fortitoken license error: -7564" in b["cli_error"]
    d = device("7.6.5")
    d.emu.set_runtime(d.name, {"forticare_error": 31})
    b = d.post(f"{M}/import-mobile", {"code": "1111-2222-3333-4444-5555"}).json()
    assert b["forticare_error_code"] == 31 and isinstance(b["cli_error"], list)


def test_migrated_tokens_fix_flow(device):
    d = device("7.4.4", "token-migrated")
    st = statuses(d)
    assert set(st.values()) == {"activation error (token not exist in FortiGuard)"}
    admin = d.get("/api/v2/cmdb/system/admin/admin").json()["results"][0]
    assert admin["two-factor"] == "fortitoken" and admin["fortitoken"] in st
    user = d.get("/api/v2/cmdb/user/local/user01").json()["results"][0]
    assert user["email-to"] and user["sms-phone"] and user["two-factor"] == "fortitoken"
    tok = user["fortitoken"]
    # activation does not help, deleting a bound token is refused
    d.post(f"{M}/activate", {"tokens": [tok]})
    assert statuses(d)[tok].startswith("activation error")
    r = d.delete(f"{C}/{tok}")
    assert r.status_code == 500 and r.json()["error"] == -23
    # unbind, delete, re-import, rebind, send activation
    d.put("/api/v2/cmdb/user/local/user01", {"two-factor": "disable", "fortitoken": ""})
    assert d.delete(f"{C}/{tok}").status_code == 200
    code = d.secrets["license_codes"][0]
    r = d.post(f"{M}/import-mobile", {"code": code}).json()["results"]
    assert tok in r["added"]
    assert statuses(d)[tok] == "new"
    d.put("/api/v2/cmdb/user/local/user01", {"two-factor": "fortitoken", "fortitoken": tok})
    assert d.post(f"{M}/send-activation", {"token": tok}).status_code == 200
    assert statuses(d)[tok] == "provisioning"


def test_lock_status_and_datasource(device):
    d = device("7.4.4")
    tok = next(iter(statuses(d)))
    assert d.put(f"{C}/{tok}", {"status": "lock"}).status_code == 200
    assert statuses(d)[tok] == "locked"
    assert d.put(f"{C}/{tok}", {"status": "broken"}).json()["error"] == -651
    r = d.put("/api/v2/cmdb/user/local/user01", {"fortitoken": "FTKMOB0000000000"})
    assert r.json()["error"] == -3
