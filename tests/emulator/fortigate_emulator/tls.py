"""CA + per-device certificates (EC P-256) and SSL contexts, incl. TLS fault modes."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TLS_MODES = ("ok", "wrong-host", "expired", "unknown-ca")


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FortiFleet Emulator"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class CA:
    def __init__(self, cn):
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        self.name = _name(cn)
        self.cert = (x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - dt.timedelta(days=2)).not_valid_after(now + dt.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                     .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                  content_commitment=False, key_encipherment=False,
                                                  data_encipherment=False, key_agreement=False,
                                                  encipher_only=False, decipher_only=False), critical=True)
                     .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
                     .sign(self.key, hashes.SHA256()))

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
        self.ca_path = os.path.join(state_dir, "ca.pem")
        with open(self.ca_path, "wb") as fh:
            fh.write(self.ca.pem())
        self._rogue = None
        self._cache = {}

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
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        nb, na = now - dt.timedelta(days=1), now + dt.timedelta(days=825)
        ips, dns, issuer = [address], [hostname], self.ca
        if mode == "wrong-host":
            ips, dns = ["192.0.2.254"], ["fgt-wrong-host.invalid"]
        elif mode == "expired":
            nb, na = now - dt.timedelta(days=400), now - dt.timedelta(days=1)
        elif mode == "unknown-ca":
            issuer = self.rogue
        cert = issuer.issue(hostname, ips, dns, nb, na, key)
        path = os.path.join(self.dir, f"{name}-{mode}.pem")
        with open(path, "wb") as fh:
            fh.write(cert.public_bytes(serialization.Encoding.PEM) + _pem_key(key))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(path)
        self._cache[ck] = ctx
        return ctx
