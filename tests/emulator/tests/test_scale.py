"""What a 10,000-device fleet relies on: an audit sized for the fleet that says when it dropped entries, and device
certificates that share one key but stay each device's own (benchmarks/README.md "The emulator at 10,000 devices")."""

from __future__ import annotations

import ssl

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fortigate_emulator import server
from fortigate_emulator.testing import running_emulator


def test_audit_capacity_grows_with_the_fleet():
    # The old fixed cap of 200,000 entries dropped a 10,000-device diagnose's entries (24 requests per device).
    assert server.audit_capacity(server.Options(devices=3)) == 200000
    assert server.audit_capacity(server.Options(devices=10000)) == 2000000
    assert server.audit_capacity(server.Options(devices=10000, audit_max=50)) == 50


def test_a_full_audit_drops_the_oldest_entries_and_counts_them():
    with running_emulator(devices=1, http=True, port="auto", extra_args=["--audit-max", "5"]) as emu:
        url = emu.devices()[0]["url"] + "/api/v2/monitor/system/status"
        token = emu.secrets("fgt-001")["api_key"]
        for _ in range(8):
            assert requests.get(url, headers={"Authorization": "Bearer " + token}, timeout=10).status_code == 200
        health = emu.health()
        audit = emu.audit()
        assert health["audit_max"] == 5 and health["audit_dropped"] == 3
        assert [r["seq"] for r in audit] == [4, 5, 6, 7, 8]


def test_device_certificates_share_a_key_but_name_their_own_device():
    with running_emulator(devices=2, port="auto") as emu:
        keys, addresses = [], []
        for dev in emu.devices():
            pem = ssl.get_server_certificate((dev["address"], dev["port"]))
            cert = x509.load_pem_x509_certificate(pem.encode())
            keys.append(cert.public_key().public_bytes(serialization.Encoding.DER,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            addresses.append([str(ip) for ip in san.get_values_for_type(x509.IPAddress)])
            # verified against the CA and the device's own address, as a client does
            assert requests.get(dev["url"] + "/api/v2/monitor/system/status", verify=emu.ca_path,
                                timeout=10).status_code == 401
        assert keys[0] == keys[1]
        assert addresses == [[dev["address"]] for dev in emu.devices()] and addresses[0] != addresses[1]
