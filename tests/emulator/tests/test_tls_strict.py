"""The emulator's certificates pass strict X.509 verification (VERIFY_X509_STRICT, the default on Python 3.13),
except the `strict-ca` mode, whose CA lacks keyUsage on purpose; set explicitly so it holds on any Python."""
import socket
import ssl
import threading

import pytest

from fortigate_emulator.tls import TLSManager


def _handshake(server_ctx, ca_path, strict):
    client_ctx = ssl.create_default_context(cafile=ca_path)
    if strict:
        client_ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    else:
        client_ctx.verify_flags &= ~ssl.VERIFY_X509_STRICT
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with client_ctx.wrap_socket(raw, server_hostname="fgt-001.emulator.test") as tls:
                tls.sendall(b"x")
        return None
    except ssl.SSLCertVerificationError as exc:
        return exc.verify_message
    finally:
        listener.close()
        thread.join(5)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return TLSManager(str(tmp_path_factory.mktemp("tls")))


def test_ok_certificate_passes_strict_verification(tls):
    ctx = tls.context("fgt-001", "127.0.0.1", "fgt-001.emulator.test", "ok")
    assert _handshake(ctx, tls.ca_path, strict=True) is None


def test_strict_ca_mode_fails_only_strict_verification(tls):
    ctx = tls.context("fgt-001", "127.0.0.1", "fgt-001.emulator.test", "strict-ca")
    assert _handshake(ctx, tls.ca_path, strict=False) is None  # Python <= 3.12 accepts the chain
    assert _handshake(ctx, tls.ca_path, strict=True) == "CA cert does not include key usage extension"
