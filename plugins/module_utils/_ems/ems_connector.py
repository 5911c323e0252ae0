# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FortiClient EMS connector (config endpoint-control fctems): diagnosis and the ems_connector module's logic.

Internal API of fortifleet.auth: may change in any release.

Facts: fortios-api-facts.md §3 and §5, troubleshooting-facts.md section C.
The user names an entry by ``name`` everywhere; whether the device keys the
table by ``name`` (up to 7.0.7) or by ``ems-id`` (7.0.8+/7.2.1+) is hidden here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine as engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._system import license as _license
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import (
    behaviour, device_version, ems_id_max, field_supported, first_version_with)

PATH = "endpoint-control/fctems"
MONITOR = "endpoint-control/ems/"
NAME_MAX = 35  # facts §3: name, max 35
SERVER_MAX = 255  # facts §3: server, max 255, "FQDN or IPv4"
INTERFACE_MAX = 15  # facts §3: interface, max 15
VERIFYING_CA_MAX = 79  # facts §3: verifying-ca, max 79
MISMATCHED_SN = "mismatched-ems-sn"  # facts §3 / ts C2: dirty-reason
UNSET_IP = "0.0.0.0"
CA_SPEC = engine.ObjectSpec("certificate/ca", mkey="name")
IFACE_SPEC = engine.ObjectSpec("system/interface", mkey="name")
_BAD_NAME_CHARS = "\r\n\t\"'\\/"
_HEX = re.compile(r"^[0-9A-F]+$")
_FP_PREFIX = re.compile(r"^(sha-?(1|256))?\s*(fingerprint)?\s*[:=]?\s*", re.IGNORECASE)
# ts C4 / facts §3 (COMM 358457): the fcnacd text for a CN problem is "has verifying CN but not CA CN".
_CN_TEXTS = ("verifying cn", "ca cn", "common name", "certificate not authorized")
_UNTRUSTED_TEXTS = ("not signed by any known ca", "cannot be authenticated with installed ca")
# ts C1 / C4: "Administration > Fabric Devices"; EMS 7.2.6+ docs: "Fabric & Connectors > Fabric Devices".
EMS_FABRIC_PATH = ("Administration > Fabric Devices (on newer EMS releases, e.g. 7.2.6 and later: "
                   "Fabric & Connectors > Fabric Devices)")


def _canonical_server(value):
    return str(value or "").strip().rstrip(".").lower()


def table_spec(version):
    """The fctems table as this release keys it (facts §3).

    The base table is global (fctems-override is its per-VDOM copy, 7.4.0+, facts §3); that it needs
    ?global=1 in multi-VDOM mode is UNCONFIRMED, and the global scope also works without VDOMs.
    """
    mkey = "ems-id" if behaviour("fctems_keyed_by_ems_id", version) else "name"
    return engine.ObjectSpec(PATH, mkey=mkey, scope="global",
                             canonical={"capabilities": engine.space_set, "server": _canonical_server},
                             secret_keys=("cloud-authentication-access-key",))


fnd.define("EMS_DISABLED", "warning", "ems",
           "EMS connector '{name}' is configured (server {server}) but disabled.",
           "The collection enables it when asked (fortifleet.auth.ems_connector with status: enable, the default of "
           "the ems_connector role). Leave it if it is disabled on purpose.", auto_fix=True)
fnd.define("EMS_UNREACHABLE", "critical", "ems",
           "The FortiGate cannot connect to EMS '{name}' at {server}:{port}.",
           "Check that {server} resolves on the FortiGate and answers HTTPS on port {port} (EMS service up, DNS, routes, "
           "firewall policies and NAT between them). When the FortiGate could reach the EMS through several interfaces, "
           "set the outgoing interface or source-ip explicitly (ems_connector interface/source_ip). Test on the FortiGate "
           "with 'diagnose endpoint fctems test-connectivity {ref}' and 'diagnose debug application fcnacd -1'.")
fnd.define("EMS_CERT_UNTRUSTED", "critical", "ems",
           "The certificate of EMS '{name}' is not signed by any CA the FortiGate knows.",
           "Import the EMS server's whole CA chain (root and intermediates) into the FortiGate (System > Certificates > "
           "Import > CA Certificate), then verify the certificate. Or accept this one certificate by its fingerprint: "
           "read the fingerprint on the EMS server itself, not over the network, and give it to "
           "fortifleet.auth.ems_connector (verify_certificate: true, expected_fingerprint). The FortiGate shows the "
           "certificate details through the API only once a known CA signs it.")
fnd.define("EMS_CERT_CN_MISMATCH", "critical", "ems",
           "The certificate of EMS '{name}' is not authorized: the FortiGate has its verifying CN but not the CA CN.",
           "Set verifying-ca to the lowest CA of the EMS certificate chain installed on the FortiGate (ems_connector "
           "verifying_ca, FortiOS 7.4.2+), or change trust-ca-cn (ems_connector trust_ca_cn). In a Security Fabric on "
           "7.4.4+, sync the CA to downstream FortiGates with 'set fabric-ca enable' on the root's CA certificate; on a "
           "non-root member verifying-ca can only be set with configuration-sync local.")
fnd.define("EMS_CERT_NOT_VERIFIED", "warning", "ems",
           "The certificate of EMS '{name}' has not been verified (accepted) on the FortiGate.",
           "Compare the fingerprint the FortiGate sees ({fingerprint}) with the one on the EMS server, then verify it: "
           "fortifleet.auth.ems_connector with verify_certificate: true and expected_fingerprint (trust_on_first_use: "
           "true only knowingly), or 'execute fctems verify {ref}' on the FortiGate. The FortiGate learns the EMS "
           "capabilities when the certificate is verified.")
fnd.define("EMS_NOT_AUTHORIZED", "critical", "ems",
           "FortiGate {serial} is connected to EMS '{name}' but the EMS has not authorized it.",
           "A human must authorize this FortiGate on the EMS: log in to the FortiClient EMS console of {server}, open "
           + EMS_FABRIC_PATH + ", select FortiGate {serial} and click Authorize. Nothing on the FortiGate can do "
           "this, and no public EMS API to authorize Fabric devices is known. Then run fortifleet.auth.ems_connector "
           "with wait_for_authorization: true to confirm it.")
fnd.define("EMS_EVAL_LICENSE", "critical", "ems",
           "FortiGate {serial} runs on an evaluation licence and EMS '{name}' has not authorized it.",
           "EMS authorization of evaluation-licensed FortiGates is known to fail: in the public case (FortiOS 7.6.5 "
           "evaluation licence, EMS 7.4.5 trial) the connector stayed Not Authorized with test-connectivity error -8 "
           "and HTTP 401 on api/v1/settings/server/public_address, and the reporter said the same setup worked with a "
           "licensed FortiGate. Fortinet has not confirmed the cause: it may be the FortiGate's evaluation licence, "
           "the EMS trial licence or both. Apply a full FortiGate licence (or test with a licensed unit) before "
           "spending time on the EMS side; clicking Authorize on the EMS is not expected to help on its own.")
fnd.define("EMS_SERIAL_MISMATCH", "critical", "ems",
           "EMS '{name}' answers with another serial number than the stored one ({stored}): dirty-reason "
           "mismatched-ems-sn.",
           "The EMS at {server} is not the one this entry was verified with (EMS reinstalled, restored or replaced, or "
           "the name now points elsewhere). Confirm it is the right EMS, then clear or update serial-number and verify "
           "the certificate again ('execute fctems verify {ref}'). This is the likely fix, but no Fortinet article "
           "confirms it.")
fnd.define("EMS_CLOUD_LICENSE_CHECK", "critical", "ems",
           "EMS Cloud entry '{name}' fails the FortiClient Cloud licence check (error -7 'License expired').",
           "Before FortiOS 7.6.4 the FortiGate checks for a FortiClient Cloud (FCEM) contract on its own FortiCloud "
           "account, even when cloud-authentication-access-key points to a tenant on another account. Upgrade to "
           "FortiOS 7.6.4 or later (no licence check with an access key), or add the contract to this FortiGate's "
           "account.")

ARGUMENT_SPEC = with_connection(dict(
    name=dict(type="str", required=True),
    server=dict(type="str"),
    https_port=dict(type="int"),
    status=dict(type="str", choices=["enable", "disable"]),
    trust_ca_cn=dict(type="str", choices=["enable", "disable"]),
    verifying_ca=dict(type="str"),
    interface=dict(type="str"),
    source_ip=dict(type="str"),
    verify_certificate=dict(type="bool", default=False),
    expected_fingerprint=dict(type="str"),
    trust_on_first_use=dict(type="bool", default=False),
    wait_for_authorization=dict(type="bool", default=False),
    authorization_timeout=dict(type="int", default=300),
    poll_interval=dict(type="int", default=10),
))


# -- pure helpers ----------------------------------------------------------------------------
def _text(value):
    return str(value or "").strip()


def _low(value):
    return _text(value).lower()


def normalise_fingerprint(value):
    """Upper-case hex without separators, or None when it is not a SHA-1/SHA-256 fingerprint."""
    text = _FP_PREFIX.sub("", _text(value))
    hexa = re.sub(r"[\s:\-]", "", text).upper()
    return hexa if _HEX.match(hexa or "-") and len(hexa) in (40, 64) else None


def valid_server(value):
    """An IPv4 address other than 0.0.0.0 or an FQDN (facts §3: "FQDN or IPv4", max 255)."""
    text = str(value or "")
    if net.is_ipv4(text):
        return text != UNSET_IP
    return not net.looks_numeric(text) and net.valid_fqdn(text, SERVER_MAX)


def in_use(row):
    """Whether an fctems row holds an entry (ems-id releases may keep empty rows, facts §3 UNCONFIRMED)."""
    return bool(_text(row.get("server")) or _text(row.get("name")))


def find_entry(rows, name, version):
    """(key, row) of the entry called ``name``: the name itself where the table is keyed by name, else the
    ems-id of the row with that name, or the lowest free ems-id (row missing or unused) within ems_id_max."""
    for row in rows:
        if _text(row.get("name")) == name:
            return (row.get("ems-id") if behaviour("fctems_keyed_by_ems_id", version) else name), row
    if not behaviour("fctems_keyed_by_ems_id", version):
        return name, None
    by_id = {}
    for row in rows:
        try:
            by_id[int(row.get("ems-id"))] = row
        except (TypeError, ValueError):
            continue
    maximum = ems_id_max(version) or 5
    for ems_id in range(1, maximum + 1):
        row = by_id.get(ems_id)
        if row is None or not in_use(row):
            return ems_id, row
    raise err.InputError("name", "no EMS entry is named '%s' and all %d EMS entries (ems-id 1-%d) of FortiOS %s are "
                                 "in use (%s)" % (name, maximum, maximum, version,
                                                  ", ".join(sorted(_text(r.get("name")) for r in rows))),
                         "Reuse or delete an entry first.")


def monitor_params(version, key, name):
    """facts §5: the EMS monitor calls take ``ems_id`` (int) on 7.0.8+/7.2.1+ and ``ems_name`` before."""
    if behaviour("ems_monitor_takes_ems_id", version):
        return {"ems_id": int(key)}
    return {"ems_name": name}


def reference(version, key, name):
    """How the FortiGate CLI names the entry (execute fctems verify <ems-id|name>, facts §3)."""
    return str(key) if behaviour("fctems_keyed_by_ems_id", version) else name


def _one(results, params):
    """A monitor answer for one entry: a dict, or the element of a list that matches the entry."""
    if isinstance(results, dict):
        return results
    if not isinstance(results, list):
        return {}
    rows = [r for r in results if isinstance(r, dict)]
    for row in rows:
        if "ems_id" in params and str(row.get("ems_id", row.get("ems-id"))) == str(params["ems_id"]):
            return row
        if "ems_name" in params and row.get("name") == params["ems_name"]:
            return row
    return rows[0] if len(rows) == 1 else {}


def _bool(value):
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    low = _low(value)
    if low in ("1", "true", "yes", "enable", "enabled"):
        return True
    if low in ("0", "false", "no", "disable", "disabled"):
        return False
    return None


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_status(results, params=None):
    """Connection and authorization of one entry from monitor ems/status (result names are the emulator's,
    read defensively: facts §5 documents the endpoint but not its fields)."""
    row = _one(results, params or {})
    connection = _low(row.get("connection") or row.get("connection_status") or row.get("status"))
    connected = _bool(row.get("connected"))
    if connected is None and connection:
        connected = connection in ("connected", "up", "online", "established")
    authorized = _bool(row.get("authorized"))
    authorization = _low(row.get("authorization") or row.get("authorization_status"))
    if authorized is None and authorization:
        authorized = authorization in ("authorized", "approved", "yes")
    code = _int_or_none(row.get("error_code"))
    message = _text(row.get("error_message") or row.get("error"))
    if authorized is None and (code == -8 or "authentication failed" in message.lower()):
        authorized = False  # ts C4: -8 "EMS server connection failed. Authentication failed"
    rest = row.get("last_rest_error") if isinstance(row.get("last_rest_error"), dict) else None
    return {"connected": connected, "connection": connection or None, "authorized": authorized,
            "authorization": authorization or ("authorized" if authorized else None),
            "verified": _bool(row.get("verified")), "error_code": code, "error_message": message or None,
            "last_rest_error": rest}


def parse_cert_status(results, params=None):
    """Certificate state of one entry from monitor ems/cert-status (with_cert=1)."""
    row = _one(results, params or {})
    cert = row.get("cert") if isinstance(row.get("cert"), dict) else {}
    fingerprint = (cert.get("fingerprint") or row.get("fingerprint") or cert.get("sha256_fingerprint")
                   or row.get("cert_fingerprint"))
    verified = _bool(row.get("verified"))
    if verified is None:
        verified = _bool(cert.get("verified"))
    return {"verified": verified, "authenticated_by_ca": _bool(row.get("authenticated_by_ca")),
            "status": _low(row.get("status")) or None, "fingerprint": _text(fingerprint) or None,
            "issuer": cert.get("issuer"), "subject": cert.get("subject"), "valid_to": cert.get("valid_to"),
            "error_code": _int_or_none(row.get("error_code")), "error_message": _text(row.get("error_message")) or None}


def _mentions(texts, needles):
    joined = " ".join(_low(t) for t in texts if t)
    return any(n in joined for n in needles)


def entry_enabled(row, version):
    # facts §3: name-keyed releases have no status field; such an entry is active while it exists.
    if not field_supported(PATH, "status", version):
        return True
    return _low(row.get("status")) == "enable"


def classify(entry, evaluation=False):
    """Finding ids for one configured entry (facts: ts C1-C6), most fundamental first."""
    if not entry["enabled"]:
        return ["EMS_DISABLED"]
    status, cert = entry["state"], entry["certificate"]
    texts = (status.get("error_message"), cert.get("error_message"))
    ids = []
    if entry.get("dirty_reason") == MISMATCHED_SN:
        ids.append("EMS_SERIAL_MISMATCH")
    cloud_license = entry.get("cloud") and (status.get("error_code") == -7 or _mentions(texts, ("license expired",)))
    if cloud_license:
        ids.append("EMS_CLOUD_LICENSE_CHECK")  # ts C4/C6: -7 "License expired"
    cn = _mentions(texts, _CN_TEXTS)
    untrusted = not cn and (cert.get("error_code") == -4 or status.get("error_code") == -4
                            or _mentions(texts, _UNTRUSTED_TEXTS)
                            or (cert.get("verified") is False and cert.get("authenticated_by_ca") is False))
    if cn:
        ids.append("EMS_CERT_CN_MISMATCH")
    elif untrusted:
        ids.append("EMS_CERT_UNTRUSTED")  # ts C4: -4 "not signed by any known CA"
    connected = status.get("connected")
    if connected is False and not (cn or untrusted or cloud_license):
        ids.append("EMS_UNREACHABLE")
    if connected:
        if cert.get("verified") is False and not (cn or untrusted):
            ids.append("EMS_CERT_NOT_VERIFIED")
        if status.get("authorized") is False:
            ids.append("EMS_NOT_AUTHORIZED")  # ts C1/C4: Connected + Not Authorized, -8, 401
            if evaluation:
                ids.append("EMS_EVAL_LICENSE")  # ts C5 (cause UNCONFIRMED)
    return ids


def _detail(entry):
    state, cert = entry["state"], entry["certificate"]
    parts = ["connection=%s" % (state.get("connection") or "unknown"),
             "authorization=%s" % (state.get("authorization") or "unknown"),
             "certificate verified=%s" % cert.get("verified")]
    for label, source in (("status", state), ("cert-status", cert)):
        if source.get("error_code") not in (None, 0) or source.get("error_message"):
            parts.append("%s error %s: %s" % (label, source.get("error_code"), source.get("error_message") or ""))
    rest = state.get("last_rest_error")
    if rest:
        parts.append("EMS REST call %s answered HTTP %s" % (rest.get("api"), rest.get("http_code")))
    if entry.get("dirty_reason") not in (None, "", "none"):
        parts.append("dirty-reason=%s" % entry["dirty_reason"])
    return "; ".join(parts)


def build_findings(entries, lic, serial):
    found = []
    for entry in entries:
        values = {"name": entry["name"], "server": entry["server"], "port": entry["https_port"],
                  "ref": entry["reference"], "serial": serial or "(serial unknown)",
                  "fingerprint": entry["certificate"].get("fingerprint") or "not shown by the FortiGate",
                  "stored": entry.get("serial_number") or "none"}
        for fid in classify(entry, lic.get("evaluation")):
            found.append(fnd.finding(fid, _detail(entry).replace("{", "(").replace("}", ")"), **values))
    return found


# -- reading -------------------------------------------------------------------------------
def read_status(client, version, key, name):
    params = monitor_params(version, key, name)
    try:
        return parse_status(client.get(MONITOR + "status", api="monitor", params=params).results, params)
    except err.NotFoundError:
        return parse_status({})


def read_cert_status(client, version, key, name):
    params = monitor_params(version, key, name)
    query = dict(params, with_cert=1)  # facts §5: details only when a known CA authenticates the certificate
    try:
        return parse_cert_status(client.get(MONITOR + "cert-status", api="monitor", params=query).results, params)
    except err.NotFoundError:
        return parse_cert_status({})


def describe_entry(client, version, spec, row):
    """Facts of one configured entry, with its live connection, authorization and certificate state."""
    name = _text(row.get("name"))
    key = row.get(spec.mkey)
    enabled = entry_enabled(row, version)
    entry = {
        "name": name, "ems_id": row.get("ems-id"), "key": key, "reference": reference(version, key, name),
        "server": row.get("server"), "https_port": row.get("https-port", 443),
        "status": row.get("status", "enable" if enabled else None), "enabled": enabled,
        "serial_number": row.get("serial-number"), "tenant_id": row.get("tenant-id"),
        "dirty_reason": row.get("dirty-reason"),
        "capabilities": engine.space_set(row.get("capabilities")),
        "trust_ca_cn": row.get("trust-ca-cn"), "verifying_ca": row.get("verifying-ca"),
        "interface_select_method": row.get("interface-select-method"), "interface": row.get("interface"),
        "source_ip": row.get("source-ip"),
        "cloud": _low(row.get("fortinetone-cloud-authentication")) == "enable",
        # ts C6: whether an access key is set (never its value)
        "cloud_access_key_set": bool(_text(row.get("cloud-authentication-access-key"))),
        "state": parse_status({}), "certificate": parse_cert_status({}),
    }
    if enabled:
        entry["state"] = read_status(client, version, key, name)
        entry["certificate"] = read_cert_status(client, version, key, name)
    entry["connection"] = entry["state"]["connection"]
    entry["authorized"] = entry["state"]["authorized"]
    return entry


def diagnose(client):
    """Facts and findings for the ems subset."""
    version = device_version(client)
    spec = table_spec(version)
    rows = engine.read_table(client, spec)
    lic = _license.read(client)
    entries = [describe_entry(client, version, spec, row) for row in rows if in_use(row)]
    serial = client.device.get("serial")
    facts = {
        "version": str(version), "key_field": spec.mkey, "ems_id_max": ems_id_max(version),
        "entries": entries,
        "license": {"type": lic.get("type"), "evaluation": lic.get("evaluation")},
        "fortigate_serial": serial,
    }
    if spec.mkey == "ems-id":
        used = set(_int_or_none(e["ems_id"]) for e in entries)
        facts["free_ems_ids"] = [i for i in range(1, (ems_id_max(version) or 0) + 1) if i not in used]
    return facts, build_findings(entries, lic, serial)


# -- the module ----------------------------------------------------------------------------
def _object_name(field, value, maximum):
    if value is not None and (not value.strip() or value != value.strip() or len(value) > maximum
                              or any(c in value for c in _BAD_NAME_CHARS)):
        raise err.InputError(field, "%r is not a FortiOS object name (1-%d characters, no surrounding spaces, quotes, "
                                    "slashes or line breaks)" % (value, maximum))


def validate_static(params):
    """Every check that needs no device, before any request."""
    _object_name("name", params.get("name"), NAME_MAX)
    _object_name("verifying_ca", params.get("verifying_ca"), VERIFYING_CA_MAX)
    _object_name("interface", params.get("interface"), INTERFACE_MAX)
    server = params.get("server")
    if server is not None:
        if net.netaddr is not None and net.netaddr.valid_ipv6(str(server)):
            raise err.InputError("server", "%r is an IPv6 address; FortiOS takes an FQDN or IPv4 address here" % server)
        if server != server.strip() or not valid_server(server):
            raise err.InputError("server", "%r is neither an IPv4 address nor a valid FQDN (max %d characters)"
                                 % (server, SERVER_MAX))
    port = params.get("https_port")
    if port is not None and not 1 <= port <= 65535:
        raise err.InputError("https_port", "%s is outside 1-65535" % port)
    source_ip = params.get("source_ip")
    if source_ip is not None and not net.is_ipv4(source_ip):
        raise err.InputError("source_ip", "%r is not an IPv4 address (0.0.0.0 means any)" % source_ip)
    expected = params.get("expected_fingerprint")
    if expected is not None and normalise_fingerprint(expected) is None:
        raise err.InputError("expected_fingerprint", "%r is not a SHA-256 or SHA-1 fingerprint (64 or 40 hex digits, "
                                                     "colons allowed)" % expected)
    if expected is not None and params.get("trust_on_first_use"):
        raise err.InputError("trust_on_first_use", "it cannot be combined with expected_fingerprint")
    if params.get("verify_certificate") and expected is None and not params.get("trust_on_first_use"):
        raise err.InputError("expected_fingerprint", "verify_certificate needs the fingerprint of the EMS certificate",
                             "Read it on the EMS server and give it, or set trust_on_first_use: true to accept "
                             "whatever certificate the FortiGate sees now.")
    if (expected is not None or params.get("trust_on_first_use")) and not params.get("verify_certificate"):
        raise err.InputError("verify_certificate", "expected_fingerprint and trust_on_first_use only act with "
                                                   "verify_certificate: true")
    timeout, interval = params.get("authorization_timeout"), params.get("poll_interval")
    if timeout is not None and not 1 <= timeout <= 86400:
        raise err.InputError("authorization_timeout", "%s is outside 1-86400 seconds" % timeout)
    if interval is not None and not 1 <= interval <= 3600:
        raise err.InputError("poll_interval", "%s is outside 1-3600 seconds" % interval)


def _names(client, spec):
    return set(row.get("name") for row in engine.read_table(client, spec))


def validate_for_device(client, params, version, exists):
    if not exists and params.get("server") is None:
        raise err.InputError("server", "there is no EMS entry named '%s' yet, so its server is needed to create it"
                             % params["name"])
    gates = (("trust_ca_cn", "trust-ca-cn"), ("verifying_ca", "verifying-ca"), ("interface", "interface"))
    for option, field in gates:
        if params.get(option) is not None and not field_supported(PATH, field, version):
            raise err.InputError(option, "FortiOS %s has no fctems '%s' (it exists from %s)"
                                 % (version, field, first_version_with(PATH, field)))
    if params.get("status") == "disable" and not field_supported(PATH, "status", version):
        raise err.InputError("status", "FortiOS %s has no fctems 'status' (it exists from %s): an entry is active "
                                       "while it exists, so delete it instead"
                             % (version, first_version_with(PATH, "status")))
    ca = params.get("verifying_ca")
    if ca is not None and ca not in _names(client, CA_SPEC):
        # facts §3: verifying-ca is a datasource of certificate.ca.name
        raise err.InputError("verifying_ca", "CA certificate '%s' does not exist on the device (certificate/ca)" % ca,
                             "Import the EMS CA chain first (System > Certificates > Import > CA Certificate).")
    iface = params.get("interface")
    if iface is not None and iface not in _names(client, IFACE_SPEC):
        raise err.InputError("interface", "interface '%s' does not exist on the device" % iface)


def desired_config(params, version, row):
    """The fctems keys to ensure (hyphenated), as this version names them."""
    desired = {}
    if behaviour("fctems_keyed_by_ems_id", version):
        desired["name"] = params["name"]  # an ordinary attribute on ems-id releases (facts §3)
    for option, field in (("server", "server"), ("https_port", "https-port"), ("trust_ca_cn", "trust-ca-cn"),
                          ("verifying_ca", "verifying-ca"), ("source_ip", "source-ip")):
        if params.get(option) is not None:
            desired[field] = params[option]
    if field_supported(PATH, "status", version):
        status = params.get("status")
        if status is None and (row is None or not in_use(row)):
            status = "enable"  # a new entry is wanted working (facts §3: FortiOS defaults to disable)
        if status is not None:
            desired["status"] = status
    if params.get("interface") is not None:
        desired["interface-select-method"] = "specify"
        desired["interface"] = params["interface"]
    return desired


def _verify_failed_hint(fingerprint_checked_by_device):
    if fingerprint_checked_by_device:
        return ("The FortiGate did not accept the certificate: the fingerprint given does not match the certificate "
                "the EMS presents, or the EMS could not be reached. Nothing was changed. Read the fingerprint on the "
                "EMS server again, and check the connection.")
    return "The FortiGate refused to verify the certificate. Nothing was changed."


def check_fingerprint(params, cert):
    """Raise before any write when the device shows a fingerprint other than the expected one."""
    expected = params.get("expected_fingerprint")
    shown = cert.get("fingerprint")
    if expected is None or shown is None:
        return
    if normalise_fingerprint(shown) != normalise_fingerprint(expected):
        raise err.InputError("expected_fingerprint", "the FortiGate sees the EMS certificate with fingerprint %s, not %s"
                             % (shown, expected),
                             "Nothing was changed. If the EMS certificate was replaced, check the new one on the EMS "
                             "server; if not, something between the FortiGate and the EMS presents another "
                             "certificate.")


def ensure_verified(ctx, client, version, key, name, params, out):
    """Verify (accept) the EMS certificate with the fingerprint rule; returns whether it (would have) changed."""
    cert = read_cert_status(client, version, key, name)
    out["certificate"] = cert
    check_fingerprint(params, cert)
    if cert.get("verified"):
        out["fingerprint_checked"] = cert.get("fingerprint") is not None and params.get("expected_fingerprint") is not None
        return False
    fingerprint = params.get("expected_fingerprint")
    device_checks = cert.get("fingerprint") is None
    if fingerprint is None:  # trust on first use, asked for explicitly
        fingerprint = cert.get("fingerprint")
        if fingerprint is None:
            raise err.InputError("trust_on_first_use", "the FortiGate does not show the certificate of EMS '%s' (it "
                                                       "shows it only once a known CA signs it)" % name,
                                 "Give expected_fingerprint (read on the EMS server), or import the EMS CA chain.")
        ctx.warn("Trusted the certificate of EMS '%s' on first use, with fingerprint %s: compare it with the one on "
                 "the EMS server." % (name, fingerprint))
    elif not device_checks:
        fingerprint = cert["fingerprint"]  # the same certificate, written the way the device writes it
    out["fingerprint_checked"] = True
    if ctx.check_mode:
        return True
    body = dict(monitor_params(version, key, name), fingerprint=fingerprint)  # facts §5: ems_id + fingerprint
    try:
        client.action(MONITOR + "verify-cert", body)
    except err.DeviceRefusedError as exc:
        exc.hint = _verify_failed_hint(device_checks)
        raise
    after = read_cert_status(client, version, key, name)
    out["certificate"] = after
    if not after.get("verified"):
        raise err.NotAppliedError(action="verify", obj="the certificate of EMS %s" % name, host=client.label,
                                  detail="verify-cert succeeded but cert-status still shows it not verified",
                                  hint="Run 'execute fctems verify %s' on the FortiGate and read its answer."
                                       % reference(version, key, name))
    return True


def wait_authorized(client, version, key, name, timeout, interval, sleep=time.sleep, clock=time.time):
    """Poll ems/status (GETs only) until the entry is authorized or ``timeout`` seconds have passed."""
    deadline = clock() + timeout
    polls = 0
    while True:
        state = read_status(client, version, key, name)
        polls += 1
        if state.get("authorized"):
            return True, state, polls
        if clock() + interval > deadline:
            return False, state, polls
        sleep(interval)


def timeout_message(name, serial, server, timeout, state, evaluation):
    """Why the wait ended, and the human step left (ts C1/C4/C5)."""
    msg = ("EMS '%s' did not authorize FortiGate %s within %ss (connection: %s, authorization: %s"
           % (name, serial or "(serial unknown)", timeout, state.get("connection") or "unknown",
              state.get("authorization") or "unknown"))
    if state.get("error_code") not in (None, 0):
        msg += ", error %s: %s" % (state["error_code"], state.get("error_message") or "")
    msg += ")."
    if evaluation:
        return msg + " " + fnd.CATALOGUE["EMS_EVAL_LICENSE"]["remediation"]
    if state.get("connected") is False:
        return msg + " The FortiGate is not connected to the EMS, so the EMS cannot authorize it yet: fix the " \
                     "connection or the certificate first (fortifleet.auth.fortigate_info subset ems says which)."
    return msg + " " + fnd.finding("EMS_NOT_AUTHORIZED", serial=serial or "(serial unknown)", name=name,
                                   server=server)["remediation"]


def _run(ctx, params, out):
    client = ctx.client()
    version = device_version(client)
    out["version"] = str(version)
    spec = table_spec(version)
    name = params["name"]
    rows = engine.read_table(client, spec)
    key, row = find_entry(rows, name, version)
    exists = row is not None and in_use(row)
    validate_for_device(client, params, version, exists)
    desired = desired_config(params, version, row)
    out["ems"] = {"name": name, "key_field": spec.mkey, "ems_id": key if spec.mkey == "ems-id" else None,
                  "reference": reference(version, key, name)}
    if params["verify_certificate"] and exists and params.get("expected_fingerprint"):
        moved = set(engine.changed_keys(spec, row, engine.normalise(desired))) & set(["server", "https-port"])
        if not moved:
            # A wrong fingerprint fails before anything is written (the device shows it when a CA signs it).
            check_fingerprint(params, read_cert_status(client, version, key, name))
    result = engine.ensure_present(client, spec, desired, ctx.check_mode, mkey=key, diff=ctx.diff)
    out["changed"] = result["changed"]
    out["changed_keys"] = list(result["changed_keys"])
    out["ems"]["config"] = engine.masked(spec, result["after"]) if result["after"] else None
    if "diff" in result:
        out["diff"] = [result["diff"]]
    created = result["operation"] == "create"
    if params["verify_certificate"]:
        if ctx.check_mode and created:
            out["changed"] = True
            out["changed_keys"].append("certificate")
        elif ensure_verified(ctx, client, version, key, name, params, out["ems"]):
            out["changed"] = True
            out["changed_keys"].append("certificate")
    if params["wait_for_authorization"] and not (ctx.check_mode and created):
        if ctx.check_mode:
            state = read_status(client, version, key, name)
            authorized = bool(state.get("authorized"))
        else:
            authorized, state, polls = wait_authorized(client, version, key, name, params["authorization_timeout"],
                                                       params["poll_interval"])
            out["polls"] = polls
        out["ems"]["state"] = state
        out["ems"]["authorized"] = authorized
        if not authorized and not ctx.check_mode:
            lic = _license.read(client)
            out["license"] = {"type": lic.get("type"), "evaluation": lic.get("evaluation")}
            out.update(failed=True, error_kind="authorization_timeout",
                       msg=timeout_message(name, client.device.get("serial"), desired.get("server")
                                           or (row or {}).get("server"), params["authorization_timeout"], state,
                                           lic.get("evaluation")))
    return out


def run(ctx):
    params = ctx.params
    validate_static(params)
    out = {"changed": False, "changed_keys": []}
    try:
        return _run(ctx, params, out)
    except err.FortiFleetError as exc:
        if not out.get("changed"):
            raise
        # Something was already written: report it together with the failure.
        failed = exc.to_result()
        failed.update(failed=True, changed=True, changed_keys=out["changed_keys"], ems=out.get("ems"))
        return failed
