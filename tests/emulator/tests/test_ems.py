"""EMS connector scenarios (fortios-api.md §3/§5, troubleshooting.md C1-C5)."""

S = "/api/v2/monitor/endpoint-control/ems/status?ems_id=1"
CS = "/api/v2/monitor/endpoint-control/ems/cert-status?ems_id=1&with_cert=1"
V = "/api/v2/monitor/endpoint-control/ems/verify-cert"


def test_healthy(device):
    d = device("7.4.4")
    s = d.get(S).json()["results"]
    assert s["connection"] == "connected" and s["verified"] and s["authorized"] and s["error_code"] == 0
    c = d.get(CS).json()["results"]
    assert c["authenticated_by_ca"] is True and "fingerprint" in c["cert"]
    summ = d.get("/api/v2/monitor/endpoint-control/ems/status-summary").json()["results"]
    assert summ["total"] == 1 and summ["authorized"] == 1


def test_cert_untrusted_verify(device):
    d = device("7.4.4", "ems-cert-untrusted")
    c = d.get(CS).json()["results"]
    assert c["verified"] is False and c["error_code"] == -4 and "cert" not in c
    assert "not signed by any known CA" in c["error_message"]
    assert d.get(S).json()["results"]["connection"] == "disconnected"
    fp = d.state()["helpers"]["ems"]["1"]["fingerprint"]
    bad = d.post(V, {"ems_id": 1, "fingerprint": "00:11"})
    assert bad.status_code == 500 and bad.json()["error"] == -9999
    ok = d.post(V, {"ems_id": 1, "fingerprint": fp})
    assert ok.status_code == 200
    s = d.get(S).json()["results"]
    assert s["connection"] == "connected" and s["verified"] and s["authorized"]
    d.post("/api/v2/monitor/endpoint-control/ems/unverify-cert", {"ems_id": 1})
    assert d.get(S).json()["results"]["verified"] is False


def test_not_authorized_then_approved(device):
    d = device("7.2.8", "ems-not-authorized")
    s = d.get(S).json()["results"]
    assert s["connection"] == "connected" and s["verified"] and not s["authorized"]
    assert s["error_code"] == -8 and s["last_rest_error"]["http_code"] == 401
    assert s["last_rest_error"]["api"] == "api/v1/settings/server/public_address"
    d.emu.approve_ems(d.name)
    assert d.get(S).json()["results"]["authorized"] is True


def test_eval_license_never_authorized(device):
    d = device("7.6.5", "ems-eval-license")
    lic = d.get("/api/v2/monitor/license/status").json()["results"]
    assert lic["vm"]["status"] == "vm_eval"  # fortios-api.md §5, captures: the captured evaluation VM
    d.emu.approve_ems(d.name)
    s = d.get(S).json()["results"]
    assert s["authorized"] is False and s["error_code"] == -8


def test_unreachable(device):
    d = device("7.4.4", "ems-unreachable")
    s = d.get(S).json()["results"]
    assert s["connection"] == "disconnected" and s["authorized"] is False
    fp = d.state()["helpers"]["ems"]["1"]["fingerprint"]
    assert d.post(V, {"ems_id": 1, "fingerprint": fp}).status_code == 500
