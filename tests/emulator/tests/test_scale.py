"""What a 10,000-device fleet relies on: an audit sized for the fleet that says when it dropped entries, and device
certificates that share one key but stay each device's own (benchmarks/README.md "The emulator at 10,000 devices")."""

from __future__ import annotations

import ssl

import requests
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fortigate_emulator import server, testing
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


def test_shards_serve_one_fleet_with_one_inventory():
    # Two processes, devices 1, 3, 5 in the first and 2, 4 in the second: one inventory, one CA bundle, one audit.
    with running_emulator(devices=5, port="auto", seed=7, shards=2) as emu:
        names = [d["name"] for d in emu.devices()]
        assert names == ["fgt-001", "fgt-002", "fgt-003", "fgt-004", "fgt-005"]
        with open(emu.inventory) as handle:
            inv = yaml.safe_load(handle)
        hosts = inv["all"]["children"]["fortigates"]["hosts"]
        assert list(hosts) == names and inv["all"]["vars"]["fortigate_ca_path"] == emu.ca_path
        for name, host in hosts.items():
            url = "https://%s:%s/api/v2/monitor/system/status" % (host["ansible_host"], host["fortigate_port"])
            resp = requests.get(url, headers={"Authorization": "Bearer " + host["fortigate_access_token"]},
                                verify=emu.ca_path, timeout=10)
            assert resp.status_code == 200 and emu.secrets(name)["inventory_token"] == host["fortigate_access_token"]
        audit = emu.audit()
        assert [r["device"] for r in audit] == names
        assert [r["device"] for r in emu.audit("fgt-004")] == ["fgt-004"]
        health = emu.health()
        assert health["devices"] == 5 and health["shards"] == 2 and health["audit_dropped"] == 0
        emu.clear_audit("fgt-002")
        assert [r["device"] for r in emu.audit()] == ["fgt-001", "fgt-003", "fgt-004", "fgt-005"]
        emu.reset()
        assert emu.audit() == []


def test_shards_needed_follows_the_open_files_limit(monkeypatch):
    import resource
    monkeypatch.setattr(resource, "getrlimit", lambda what: (20000, 20000))
    assert testing.shards_needed(5000) == 1
    # 10,000 listeners plus one kept connection per device do not fit in 20,000 open files: two processes do
    assert testing.shards_needed(10000) == 2
    assert testing.shards_needed(10000, connections_per_device=0) == 1
