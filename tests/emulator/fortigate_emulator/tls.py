"""CA + per-device certificates (EC P-256) and SSL contexts, incl. TLS fault modes.

Every certificate passes strict X.509 verification (OpenSSL's X509_STRICT, the default of Python 3.13's
ssl.create_default_context and of urllib3 2.x on Python 3.13): the CA has critical basicConstraints, keyUsage
and a subject key identifier, each device certificate an authority key identifier. The one exception is the
`strict-ca` mode: its device certificate comes from a second CA without keyUsage, trusted like the first (it is
in ca.pem too). Python 3.12 and older accept that chain; Python 3.13 refuses it with "CA cert does not include
key usage extension".
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TLS_MODES = ("ok", "wrong-host", "expired", "unknown-ca", "strict-ca")


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FortiFleet Emulator"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class CA:
    def __init__(self, cn, key_usage=True):
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        self.name = _name(cn)
        builder = (x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
                   .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=2)).not_valid_after(now + dt.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0 if key_usage else None), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False))
        if key_usage:  # strict verification refuses a CA without it
            builder = builder.add_extension(
                x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                              key_encipherment=False, data_encipherment=False, key_agreement=False,
                              encipher_only=False, decipher_only=False), critical=True)
        self.cert = builder.sign(self.key, hashes.SHA256())

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, cn, ips, dns, not_before, not_after, key):
        san = [x509.IPAddress(ipaddress.ip_address(i)) for i in ips] + [x509.DNSName(d) for d in dns]
        return (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(not_before).not_valid_after(not_after)
                .add_extension(x509.SubjectAlternativeName(san), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                               critical=False)
                .sign(self.key, hashes.SHA256()))


class TLSManager:
    def __init__(self, state_dir: str):
        self.dir = os.path.join(state_dir, "tls")
        os.makedirs(self.dir, exist_ok=True)
        self.ca = CA("FortiFleet Emulator CA")
        self.legacy_ca = CA("FortiFleet Emulator Legacy CA", key_usage=False)  # strict-ca mode
        self.ca_path = os.path.join(state_dir, "ca.pem")
        with open(self.ca_path, "wb") as fh:
            fh.write(self.ca.pem() + self.legacy_ca.pem())
        self._rogue = None
        self._cache = {}
        # One key pair for every device certificate: each device still has its own certificate (its address, its
        # TLS mode), but a 10,000-device fleet makes one key instead of 10,000 and writes it once.
        self.device_key = ec.generate_private_key(ec.SECP256R1())
        self.device_key_path = os.path.join(self.dir, "device-key.pem")
        with open(self.device_key_path, "wb") as fh:
            fh.write(_pem_key(self.device_key))
        os.chmod(self.device_key_path, 0o600)

    @property
    def rogue(self):
        if self._rogue is None:
            self._rogue = CA("Untrusted Rogue CA")  # unknown-ca mode: not in the inventory
        return self._rogue

    def context(self, name: str, address: str, hostname: str, mode: str = "ok") -> ssl.SSLContext:
        if mode not in TLS_MODES:
            raise ValueError(f"unknown tls mode {mode!r}")
        ck = (name, address, mode)
        ctx = self._cache.get(ck)
        if ctx is not None:
            return ctx
        key = self.device_key
        now = dt.datetime.now(dt.timezone.utc)
        nb, na = now - dt.timedelta(days=1), now + dt.timedelta(days=825)
        ips, dns, issuer = [address], [hostname], self.ca
        if mode == "wrong-host":
            ips, dns = ["192.0.2.254"], ["fgt-wrong-host.invalid"]
        elif mode == "expired":
            nb, na = now - dt.timedelta(days=400), now - dt.timedelta(days=1)
        elif mode == "unknown-ca":
            issuer = self.rogue
        elif mode == "strict-ca":
            # ASSUMED: a device may present a chain whose CA lacks keyUsage (as a CA made by `openssl req -x509`
            # without extensions does); docs/reference/ does not say what FortiGate's own certificates carry.
            issuer = self.legacy_ca
        cert = issuer.issue(hostname, ips, dns, nb, na, key)
        path = os.path.join(self.dir, f"{name}-{mode}.pem")
        with open(path, "wb") as fh:
            fh.write(cert.public_bytes(serialization.Encoding.PEM))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(path, self.device_key_path)
        self._cache[ck] = ctx
        return ctx
