"""Fault injection (control API)."""

import time

import pytest
import requests

S = "/api/v2/monitor/system/status"


@pytest.fixture
def faulty(device, emu):
    d = device("7.4.4")
    yield d
    emu.clear_faults(d.name)


def test_fail_next_503_then_success(faulty):
    d = faulty
    d.emu.set_faults({"fail_next": {"count": 2, "status": 503}}, d.name)
    r1, r2, r3 = d.get(S), d.get(S), d.get(S)
    assert (r1.status_code, r2.status_code, r3.status_code) == (503, 503, 200)
    assert r1.json()["http_status"] == 503
    assert d.emu.audit(d.name)[-3]["fault"] == "error"


def test_fail_next_reset(faulty):
    d = faulty
    d.emu.set_faults({"fail_next": {"count": 1, "status": "reset"}}, d.name)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(d.url + S, headers={"Authorization": f"Bearer {d.key}"}, timeout=5)
    assert d.get(S).status_code == 200


def test_fail_next_truncate(faulty):
    d = faulty
    d.emu.set_faults({"fail_next": {"count": 1, "status": "truncate"}}, d.name)
    with pytest.raises(requests.exceptions.RequestException):
        r = requests.get(d.url + S, headers={"Authorization": f"Bearer {d.key}"}, timeout=5)
        r.json()
    assert d.get(S).json()["status"] == "success"


def test_fail_next_match_only_hits_that_path_and_acts_first(faulty):
    d = faulty
    d.emu.set_faults({"fail_next": {"count": 1, "status": "truncate", "match": "generate-key"}}, d.name)
    assert d.get(S).status_code == 200  # other paths are not affected
    old = d.key
    with pytest.raises(requests.exceptions.RequestException):
        r = requests.post(d.url + "/api/v2/monitor/system/api-user/generate-key",
                          headers={"Authorization": f"Bearer {old}"}, json={"api-user": "fortifleet-automation"},
                          timeout=5)
        r.json()
    # truncation happens after the device acted: the old key is already replaced
    assert requests.get(d.url + S, headers={"Authorization": f"Bearer {old}"}, timeout=5).status_code == 401
    assert d.emu.secrets(d.name)["api_key"] != old


def test_rates_html_429_latency_slow(faulty):
    d = faulty
    d.emu.set_faults({"html_error_rate": 1.0}, d.name)
    r = d.get(S)
    assert r.status_code == 500 and r.headers["Content-Type"].startswith("text/html")
    d.emu.set_faults({"force_429": True}, d.name)
    assert d.get(S).status_code == 429
    d.emu.set_faults({"error_rate": 1.0, "error_status": 502}, d.name)
    assert d.get(S).status_code == 502
    d.emu.set_faults({"latency_ms": 200}, d.name)
    t = time.monotonic()
    assert d.get(S).status_code == 200 and time.monotonic() - t >= 0.19
    # a body held 1.2 s: the headers come well before it, even on a loaded machine
    d.emu.set_faults({"slow_body_ms": 1200}, d.name)
    t = time.monotonic()
    r = requests.get(d.url + S, headers={"Authorization": f"Bearer {d.key}"}, timeout=5, stream=True)
    assert r.status_code == 200 and time.monotonic() - t < 0.8  # headers arrive first
    assert r.json()["status"] == "success" and time.monotonic() - t >= 1.19


def test_error_rate_seeded(faulty):
    d = faulty
    d.emu.set_faults({"error_rate": 0.5, "seed": 7}, d.name)
    a = [d.get(S).status_code for _ in range(20)]
    d.emu.set_faults({"error_rate": 0.5, "seed": 7}, d.name)
    b = [d.get(S).status_code for _ in range(20)]
    assert a == b and 503 in a and 200 in a


def test_down_and_back(faulty):
    d = faulty
    assert d.get(S).status_code == 200  # keep-alive connection open
    d.emu.set_faults({"down": True}, d.name)
    with pytest.raises(requests.exceptions.ConnectionError):
        d.get(S)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(d.url + S, timeout=3)
    assert d.emu.device(d.name)["down"] is True
    d.emu.set_faults({"down": False}, d.name)
    assert requests.get(d.url + S, headers={"Authorization": f"Bearer {d.key}"}, timeout=5).status_code == 200


def test_bad_fault_spec_rejected(emu):
    from fortigate_emulator.testing import ControlError
    with pytest.raises(ControlError) as exc:
        emu.set_faults({"nonsense": 1}, "fgt-001")
    assert exc.value.status == 400


# -- stall and down_from: one precise request of a transaction, for kill-point tests -------------------------

TOKEN_TABLE = "/api/v2/cmdb/user/fortitoken"


def _first_token(d):
    return d.get(TOKEN_TABLE).json()["results"][0]["serial-number"]


def test_stall_after_applies_the_nth_match_then_holds_its_answer(faulty):
    d = faulty
    d.emu.set_faults({"stall": {"method": "GET", "match": "/system/status", "nth": 2, "ms": 1500,
                                "when": "after"}}, d.name)
    t0 = time.monotonic()
    assert d.get(S).status_code == 200 and d.get(TOKEN_TABLE).status_code == 200  # 1st match, other path
    assert time.monotonic() - t0 < 1.0
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(d.url + S, headers={"Authorization": f"Bearer {d.key}"}, timeout=0.5)
    # already applied and audited while the answer was held
    assert [r["path"] for r in d.emu.audit(d.name)][-1] == S
    t0 = time.monotonic()
    assert d.get(S).status_code == 200 and time.monotonic() - t0 < 1.0  # only the nth match is held


def test_stall_before_applies_only_after_the_hold_even_when_the_client_left(faulty):
    d = faulty
    serial = _first_token(d)
    d.emu.set_faults({"stall": {"method": "PUT", "match": "user/fortitoken", "ms": 1000, "when": "before"}}, d.name)
    since = d.emu.audit(d.name)[-1]["seq"]
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.put(d.url + TOKEN_TABLE + "/" + serial, json={"comments": "late"},
                     headers={"Authorization": f"Bearer {d.key}"}, timeout=0.3)
    assert d.emu.audit(d.name, since=since) == []  # not applied yet
    time.sleep(1.2)
    assert [r["method"] for r in d.emu.audit(d.name, since=since)] == ["PUT"]
    assert d.get(TOKEN_TABLE + "/" + serial).json()["results"][0]["comments"] == "late"


def test_down_from_cuts_the_device_from_the_nth_match_for_some_seconds(faulty):
    d = faulty
    serial = _first_token(d)
    d.emu.set_faults({"down_from": {"method": "DELETE", "match": "user/fortitoken", "nth": 1, "seconds": 1.0}},
                     d.name)
    assert d.get(S).status_code == 200  # before the trigger: normal
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.delete(d.url + TOKEN_TABLE + "/" + serial, headers={"Authorization": f"Bearer {d.key}"}, timeout=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(d.url + S, headers={"Authorization": f"Bearer {d.key}"}, timeout=5)  # every request
    audit = d.emu.audit(d.name)
    assert [r.get("fault") for r in audit[-2:]] == ["down_from", "down_from"]
    time.sleep(1.1)
    assert d.get(S).status_code == 200  # back
    assert serial in [r["serial-number"] for r in d.get(TOKEN_TABLE).json()["results"]]  # the DELETE never applied


def test_down_from_silent_answers_nothing(faulty):
    d = faulty
    d.emu.set_faults({"down_from": {"match": "/system/status", "seconds": 1.5, "mode": "silent"}}, d.name)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(d.url + S, headers={"Authorization": f"Bearer {d.key}"}, timeout=0.5)


@pytest.mark.parametrize("spec", [
    {"stall": {"ms": -1}}, {"stall": {"ms": 10, "when": "during"}}, {"stall": {"ms": 10, "nth": 0}},
    {"stall": {"ms": 10, "method": "PATCH"}}, {"stall": {"ms": 10, "bogus": 1}},
    {"down_from": {"seconds": 0}}, {"down_from": {"seconds": 1, "mode": "off"}}, {"down_from": {"seconds": 1, "match": 3}},
])
def test_stall_and_down_from_are_validated(faulty, spec):
    from fortigate_emulator.testing import ControlError
    with pytest.raises(ControlError) as caught:
        faulty.emu.set_faults(spec, faulty.name)
    assert caught.value.status == 400


def test_fail_path_fails_only_that_endpoint_every_time(faulty):
    d = faulty
    d.emu.set_faults({"fail_path": {"match": "cmdb/system/global", "status": 404}}, d.name)
    g1, g2 = d.get("/api/v2/cmdb/system/global"), d.get("/api/v2/cmdb/system/global")
    assert (g1.status_code, g2.status_code) == (404, 404)
    assert g1.json()["http_status"] == 404
    assert d.get(S).status_code == 200  # the other endpoints answer
    assert d.emu.audit(d.name)[-2]["fault"] == "error"
    d.emu.clear_faults(d.name)
    assert d.get("/api/v2/cmdb/system/global").status_code == 200


def test_fail_path_method_and_validation(faulty):
    d = faulty
    d.emu.set_faults({"fail_path": {"match": "system/status", "status": 500, "method": "POST"}}, d.name)
    assert d.get(S).status_code == 200  # only POSTs fail
    with pytest.raises(Exception):
        d.emu.set_faults({"fail_path": {"status": 404}}, d.name)
    with pytest.raises(Exception):
        d.emu.set_faults({"fail_path": {"match": "x", "status": 200}}, d.name)
