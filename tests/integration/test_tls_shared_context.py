"""One TLS context per CA file for the whole controller process (_fortios/transport.py): the CA bundle is loaded
once, not for every connection, and verification is what it was: a wrong name, an expired certificate or an
unknown CA is still refused with its own message, before any request reaches the device."""
import ssl

import pytest

from fortigate_emulator.testing import running_emulator

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import transport
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import FortiOSClient


@pytest.fixture(scope="module")
def emu():
    with running_emulator(devices=3, scenario="healthy", port="auto", seed=7) as fleet:
        yield fleet


def client(emu, name, **kw):
    device = emu.device(name)
    return FortiOSClient(device["address"], port=device["port"], access_token=emu.secrets(name)["api_key"],
                         label=name, retries=0, timeout=5, **kw)


def count_loads(monkeypatch):
    """How often a CA file is loaded into an SSLContext, in any thread of this process."""
    loads = []
    real = ssl.SSLContext.load_verify_locations

    def counted(self, *args, **kwargs):
        loads.append(kwargs.get("cafile") or (args[0] if args else None))
        return real(self, *args, **kwargs)
    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    monkeypatch.setattr(transport, "_CONTEXTS", {})
    return loads


def test_the_ca_file_is_loaded_once_for_every_device_and_connection(emu, monkeypatch):
    loads = count_loads(monkeypatch)
    clients = [client(emu, d["name"], ca_path=emu.ca_path) for d in emu.devices()]
    for c in clients:
        for dummy in range(3):
            assert c.request("GET", "system/status", api="monitor").results["hostname"] == c.label
        c.session.close()  # the next requests open new connections
        assert c.request("GET", "system/status", api="monitor").status == 200
    assert loads == [emu.ca_path]
    assert len(set(id(transport.shared_context(emu.ca_path)) for dummy in range(2))) == 1


def test_a_changed_ca_file_is_loaded_again(emu, monkeypatch, tmp_path):
    loads = count_loads(monkeypatch)
    ca = tmp_path / "ca.pem"
    ca.write_bytes(open(emu.ca_path, "rb").read())
    first = transport.shared_context(str(ca))
    ca.write_bytes(open(emu.ca_path, "rb").read() + b"\n")
    assert transport.shared_context(str(ca)) is not first
    assert len(loads) == 2


@pytest.mark.parametrize("mode, words", [("wrong-host", "does not match"), ("expired", "expired"),
                                         ("unknown-ca", "not signed by a CA the controller trusts")])
def test_verification_is_unchanged(emu, mode, words):
    name = emu.devices()[2]["name"]
    emu.set_tls(mode, name)
    try:
        c = client(emu, name, ca_path=emu.ca_path)
        since = emu.health()["seq"]
        with pytest.raises(err.TLSError) as caught:
            c.request("GET", "system/status", api="monitor")
        assert words in caught.value.message
        assert emu.audit(name, since=since) == []  # refused in the handshake
        assert client(emu, name, validate_certs=False).request("GET", "system/status", api="monitor").status == 200
    finally:
        emu.set_tls("ok", name)
    assert client(emu, name, ca_path=emu.ca_path).request("GET", "system/status", api="monitor").status == 200


def test_without_ca_path_the_system_bundle_still_refuses_the_device(emu):
    """verify=True: requests' own bundle (certifi), shared too; the emulator's private CA is not in it."""
    name = emu.devices()[0]["name"]
    c = client(emu, name)
    assert c.session.get_adapter("https://x").__class__ is transport.SharedContextAdapter
    with pytest.raises(err.TLSError) as caught:
        c.request("GET", "system/status", api="monitor")
    assert "not signed by a CA the controller trusts" in caught.value.message
