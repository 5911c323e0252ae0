"""HTTPS fleet: CA, per-device certs, TLS fault modes, inventory file, start time."""

import os
import shutil
import subprocess
import time

import pytest
import requests

from fortigate_emulator.testing import running_emulator, start_emulator

S = "/api/v2/monitor/system/status"


@pytest.fixture(scope="module")
def tls_emu():
    with running_emulator(devices=3, scenario="healthy", port="auto", seed=99) as e:
        yield e


def _get(emu, name, **kw):
    d = emu.device(name)
    key = emu.secrets(name)["api_key"]
    return requests.get(d["url"] + S, headers={"Authorization": f"Bearer {key}"}, timeout=5, **kw)


def test_https_with_ca(tls_emu):
    assert tls_emu.ca_path and os.path.exists(tls_emu.ca_path)
    r = _get(tls_emu, "fgt-002", verify=tls_emu.ca_path)
    assert r.status_code == 200 and r.json()["results"]["hostname"] == "fgt-002"
    with pytest.raises(requests.exceptions.SSLError):
        _get(tls_emu, "fgt-002")  # system CAs do not know the emulator CA


@pytest.mark.parametrize("mode", ["wrong-host", "expired", "unknown-ca"])
def test_tls_faults(tls_emu, mode):
    tls_emu.set_tls(mode, "fgt-003")
    try:
        with pytest.raises(requests.exceptions.SSLError):
            _get(tls_emu, "fgt-003", verify=tls_emu.ca_path)
        assert _get(tls_emu, "fgt-003", verify=False).status_code == 200
    finally:
        tls_emu.set_tls("ok", "fgt-003")
    assert _get(tls_emu, "fgt-003", verify=tls_emu.ca_path).status_code == 200


def test_inventory_file(tls_emu):
    text = open(tls_emu.inventory).read()
    assert "fortigate_ca_path:" in text and "fortigate_use_ssl: true" in text
    assert f"fortigate_emulator_control_url: \"{tls_emu.control_url}\"" in text
    sec = tls_emu.secrets("fgt-001")
    assert f"fortigate_access_token: \"{sec['inventory_token']}\"" in text
    assert "ansible_host: \"127.0.1.1\"" in text
    exe = shutil.which("ansible-inventory") or os.path.join(os.path.dirname(os.sys.executable), "ansible-inventory")
    if not os.path.exists(exe):
        pytest.skip("ansible-inventory not installed")
    out = subprocess.run([exe, "-i", tls_emu.inventory, "--list"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "fgt-003" in out.stdout and "fortigate_access_token" in out.stdout


def test_single_address_http_and_sigterm():
    emu = start_emulator(devices=3, http=True, single_address=True, port="auto")
    try:
        devs = emu.devices()
        assert {d["address"] for d in devs} == {"127.0.0.1"}
        assert [d["port"] for d in devs] == [devs[0]["port"] + i for i in range(3)]
        text = open(emu.inventory).read()
        assert "fortigate_use_ssl: false" in text and "fortigate_ca_path" not in text
        assert _get(emu, "fgt-003").status_code == 200
    finally:
        import signal
        emu.proc.send_signal(signal.SIGINT)
        assert emu.proc.wait(10) == 0


def test_start_time_20_devices_measurement():
    t = time.monotonic()
    emu = start_emulator(devices=20, scenario="seeds", port="auto")
    try:
        elapsed = time.monotonic() - t
        print(f"\nemulator_start_seconds_20_devices={elapsed:.2f}")
        assert len(emu.devices()) == 20
    finally:
        assert emu.stop() == 0


def test_an_auto_port_taken_before_the_emulator_binds_it_is_replaced(monkeypatch):
    """port="auto": free_port() hands out a port that another process takes before the emulator binds it (CI: a
    parallel test's connection); the emulator starts again on another port instead of failing the test."""
    import socket
    from fortigate_emulator import testing
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    real_free_port, handed = testing.free_port, []

    def free_port():
        handed.append(taken.getsockname()[1] if not handed else real_free_port())
        return handed[-1]

    monkeypatch.setattr(testing, "free_port", free_port)
    try:
        emu = start_emulator(devices=2, http=True, single_address=True, port="auto")
    finally:
        taken.close()
    try:
        # the held port was refused and replaced; on a busy machine a replacement (or the port after it, which
        # the second device needs) can be taken too and is replaced in turn, so the emulator is on the last one
        assert len(handed) >= 2 and handed[0] not in handed[1:]
        assert [d["port"] for d in emu.devices()] == [handed[-1], handed[-1] + 1]
        assert "address already in use" in emu.log_tail()
        assert _get(emu, "fgt-002").status_code == 200
    finally:
        assert emu.stop() == 0
