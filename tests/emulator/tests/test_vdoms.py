"""Multi-VDOM units (vdoms.py): per-VDOM tables, `?vdom=*`, the global scope and VDOM access (troubleshooting.md F)."""

API_USER = "fortifleet-automation"
PROFILE = "fortifleet_profile"


def _tokens(d, vdom):
    return sorted(r["serial-number"] for r in d.get(f"/api/v2/cmdb/user/fortitoken?vdom={vdom}").json()["results"])


def test_tokens_and_users_are_per_vdom_and_global_objects_are_shared(device):
    d = device("7.4.4", "multi-vdom")
    root, cust1 = _tokens(d, "root"), _tokens(d, "cust1")
    assert root and cust1 and not set(root) & set(cust1)
    users = {v: {r["name"]: r["fortitoken"] for r in d.get(f"/api/v2/cmdb/user/local?vdom={v}").json()["results"]}
             for v in ("root", "cust1")}
    assert set(users["cust1"].values()) == set(cust1) and set(users["root"].values()) <= set(root)
    assert set(users["root"]) & set(users["cust1"])  # one user name in both VDOMs
    # a write in cust1 stays in cust1
    name = sorted(users["cust1"])[0]
    assert d.put(f"/api/v2/cmdb/user/local/{name}?vdom=cust1", {"sms-phone": "+15555550111"}).status_code == 200
    assert d.get(f"/api/v2/cmdb/user/local/{name}?vdom=cust1").json()["results"][0]["sms-phone"] == "+15555550111"
    assert d.get(f"/api/v2/cmdb/user/local/{name}?vdom=root").json()["results"][0]["sms-phone"] == "+15555550100"
    # a global object reads the same in every VDOM
    assert d.get("/api/v2/cmdb/system/ftm-push?vdom=cust1").json()["results"] == \
        d.get("/api/v2/cmdb/system/ftm-push?vdom=root").json()["results"]
    state = d.state()
    assert sorted(r["serial-number"] for r in state["vdoms"]["cust1"]["user/fortitoken"]) == cust1


def test_global_and_star_answer_one_envelope_per_vdom(device):
    d = device("7.4.4", "multi-vdom")
    body = d.get("/api/v2/cmdb/user/fortitoken?global=1").json()
    assert [e["vdom"] for e in body] == ["root", "cust1"]
    assert sorted(r["serial-number"] for r in body[1]["results"]) == _tokens(d, "cust1")
    star = d.get("/api/v2/monitor/user/fortitoken?vdom=*").json()
    assert [e["vdom"] for e in star] == ["root", "cust1"]
    assert sorted(star[1]["results"]) == _tokens(d, "cust1")


def test_a_vdom_scoped_profile_gets_403_on_global_objects_only(device, emu):
    d = device("7.4.4", "multi-vdom")
    emu.set_config(d.name, "system/accprofile", {"scope": "vdom"}, mkey=PROFILE)
    for path in ("system/ftm-push", "endpoint-control/fctems", "system/api-user", "system/admin", "system/global"):
        assert d.get(f"/api/v2/cmdb/{path}?vdom=root").status_code == 403, path
    assert d.get("/api/v2/cmdb/user/local?global=1").status_code == 403
    assert d.get("/api/v2/cmdb/user/local?vdom=cust1").status_code == 200
    audit = emu.audit(d.name)
    assert any(e.get("auth_detail") == "scope" for e in audit), audit[-1]
    # without VDOMs the scope does not matter (ASSUMED)
    emu.set_config(d.name, "system/global", {"vdom-mode": "no-vdom"})
    assert d.get("/api/v2/cmdb/system/ftm-push").status_code == 200


def test_a_vdom_not_assigned_to_the_api_user_is_refused(device, emu):
    d = device("7.4.4", "multi-vdom")
    emu.set_config(d.name, "system/api-user", {"vdom": [{"name": "root"}]}, mkey=API_USER)
    assert d.get("/api/v2/cmdb/user/local?vdom=cust1").status_code == 403
    assert d.get("/api/v2/cmdb/user/local?vdom=root").status_code == 200


def test_the_ems_override_of_a_vdom_has_its_own_connector_and_state(device):
    d = device("7.4.4", "multi-vdom")
    assert d.get("/api/v2/cmdb/endpoint-control/settings?vdom=cust1").json()["results"]["override"] == "enable"
    assert d.get("/api/v2/cmdb/endpoint-control/settings?vdom=root").json()["results"]["override"] == "disable"
    rows = d.get("/api/v2/cmdb/endpoint-control/fctems-override?vdom=cust1").json()["results"]
    assert [r["name"] for r in rows] == ["cust1-ems"]
    cust1 = d.get("/api/v2/monitor/endpoint-control/ems/status?ems_id=1&vdom=cust1").json()["results"]
    root = d.get("/api/v2/monitor/endpoint-control/ems/status?ems_id=1&vdom=root").json()["results"]
    assert cust1["error_code"] == -8 and root["error_code"] != -8  # not authorized in cust1 only


def test_the_override_table_does_not_exist_before_7_4_0(device):
    d = device("7.2.8", "multi-vdom")
    assert d.get("/api/v2/cmdb/endpoint-control/fctems-override?vdom=cust1").status_code == 404
    assert _tokens(d, "cust1")
