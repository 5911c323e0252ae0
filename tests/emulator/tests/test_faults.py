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
    d.emu.set_faults({"slow_body_ms": 300}, d.name)
    t = time.monotonic()
    r = requests.get(d.url + S, headers={"Authorization": f"Bearer {d.key}"}, timeout=5, stream=True)
    assert r.status_code == 200 and time.monotonic() - t < 0.25  # headers arrive first
    assert r.json()["status"] == "success" and time.monotonic() - t >= 0.29


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
