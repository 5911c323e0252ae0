"""Audit log contents and the control API."""

import json

S = "/api/v2/monitor/system/status"


def test_audit_record_fields_and_no_secrets(device, emu):
    d = device("7.4.4")
    emu.clear_audit(d.name)
    d.get(f"{S}?access_token={d.key}&foo=1", token="")
    d.put("/api/v2/cmdb/system/ftm-push", {"server-port": 4433})
    d.post("/api/v2/monitor/user/fortitoken/import-mobile", {"code": "DA8C-0508-1F31-4CF7-C990"})
    d.get(S, token="definitelyWrongToken0000000000")
    recs = emu.audit(d.name)
    assert len(recs) == 4
    r0, r1, r2, r3 = recs
    assert r0["query"] == "access_token=REMOVED&foo=1" and r0["auth"] == "ok" and r0["write"] is False
    for k in ("device", "time", "method", "path", "query", "status", "source_ip", "auth", "write", "seq"):
        assert k in r0
    assert r1["write"] is True and r1["method"] == "PUT"
    assert r2["write"] is True and r2["action"] == "import-mobile"
    assert r3["auth"] == "bad_key" and r3["status"] == 401
    blob = json.dumps(emu.audit()) + json.dumps(emu.state(d.name))
    sec = emu.secrets(d.name)
    for secret in (sec["api_key"], sec["admin_password"], "DA8C-0508-1F31-4CF7-C990", *sec["license_codes"]):
        assert secret not in blob
    assert recs[-1]["seq"] > recs[0]["seq"]
    assert emu.audit(d.name, since=r2["seq"]) == [r3]


def test_state_masks_secrets_and_has_helpers(emu):
    st = emu.state("fgt-006")
    users = st["config"]["system/api-user"]
    assert users[0]["api-key"].startswith("ENC ")
    for tok in st["config"]["user/fortitoken"]:
        assert tok["seed"].startswith("ENC ")
    assert "fingerprint" in st["helpers"]["ems"]["1"]
    assert st["device"]["version"] == "7.4.4"


def test_devices_listing(emu):
    devs = emu.devices()
    assert len(devs) == 18
    d1 = devs[0]
    for k in ("name", "address", "port", "url", "serial", "hostname", "version", "scenario"):
        assert k in d1
    assert d1["address"] == "127.0.1.1" and d1["name"] == "fgt-001"
    assert len({d["serial"] for d in devs}) == 18
    assert len({emu.secrets(d["name"])["api_key"] for d in devs[:5]}) == 5
    assert emu.health()["status"] == "ok"


def test_config_put_and_reset(device, emu):
    d = device("7.4.4")
    emu.set_config(d.name, "system/ftm-push", {"server-cert": ""})
    assert d.get("/api/v2/cmdb/system/ftm-push").json()["results"]["server-cert"] == ""
    emu.set_config(d.name, "user/local", {"status": "enable", "two-factor": "disable"}, mkey="zed")
    assert d.get("/api/v2/cmdb/user/local/zed").status_code == 200
    emu.reset(d.name)
    assert d.get("/api/v2/cmdb/system/ftm-push").json()["results"]["server-cert"] == "Fortinet_GUI_Server"
    assert d.get("/api/v2/cmdb/user/local/zed").status_code == 404
    assert emu.audit(d.name)[0]["path"] == "/api/v2/cmdb/system/ftm-push"  # new audit after reset


def test_reset_restores_key_after_generate(device, emu):
    d = device("7.4.4")
    old = d.key
    d.post("/api/v2/monitor/system/api-user/generate-key", {"api-user": "fortifleet-automation"})
    assert emu.secrets(d.name)["api_key"] != old
    emu.reset(d.name)
    assert emu.secrets(d.name)["api_key"] == old  # inventory stays valid


def test_scenario_unknown_rejected(emu):
    from fortigate_emulator.testing import ControlError
    try:
        emu.set_scenario("nope", "fgt-001")
    except ControlError as exc:
        assert exc.status == 400
    else:
        raise AssertionError("expected 400")


def test_non_api_paths_are_not_writes(device, emu):
    # fortinet.fortios' httpapi plugin sends GET /logincheck and POST /logout (fortios-api.md §7); they are
    # not API paths, get the HTML 404 and must not show up as writes in the audit.
    d = device("7.4.4")
    emu.clear_audit(d.name)
    assert d.get("/logincheck").status_code == 404
    assert d.post("/logout").status_code == 404
    recs = emu.audit(d.name)
    assert [(r["method"], r["path"], r["status"], r["auth"], r["write"]) for r in recs] == [
        ("GET", "/logincheck", 404, "not_checked", False), ("POST", "/logout", 404, "not_checked", False)]
