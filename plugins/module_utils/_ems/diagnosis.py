# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FortiClient EMS connector (config endpoint-control fctems): what the FortiGate holds and what is wrong (subset ems).

Internal API of fortifleet.auth: may change in any release.

Facts: fortios-api.md §3 and §5, troubleshooting.md C.
The user names an entry by ``name`` everywhere; whether the device keys the
table by ``name`` (up to 7.0.7) or by ``ems-id`` (7.0.8+/7.2.1+) is hidden here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._system import license as _license
from ansible_collections.fortifleet.auth.plugins.module_utils._system import topology
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import (
    behaviour, device_version, ems_id_max, field_supported)

PATH = "endpoint-control/fctems"
OVERRIDE_PATH = "endpoint-control/fctems-override"  # fortios-api.md §3: the per-VDOM copy, mkey ems-id, 7.4.0+
# fortios-api.md §3: `override enable` makes the VDOM use its own table (7.4.0+).
SETTINGS = engine.ObjectSpec("endpoint-control/settings")
MONITOR = "endpoint-control/ems/"
NAME_MAX = 35  # fortios-api.md §3: name, max 35
SERVER_MAX = 255  # fortios-api.md §3: server, max 255, "FQDN or IPv4"
INTERFACE_MAX = 15  # fortios-api.md §3: interface, max 15
VERIFYING_CA_MAX = 79  # fortios-api.md §3: verifying-ca, max 79
MISMATCHED_SN = "mismatched-ems-sn"  # fortios-api.md §3 / troubleshooting.md C2: dirty-reason
UNSET_IP = "0.0.0.0"
CA_SPEC = engine.ObjectSpec("certificate/ca", mkey="name")
IFACE_SPEC = engine.ObjectSpec("system/interface", mkey="name")
BAD_NAME_CHARS = "\r\n\t\"'\\/"
_HEX = re.compile(r"^[0-9A-F]+$")
_FP_PREFIX = re.compile(r"^(sha-?(1|256))?\s*(fingerprint)?\s*[:=]?\s*", re.IGNORECASE)
# troubleshooting.md C4 / fortios-api.md §3 (COMM 358457): the fcnacd text for a CN problem is "has verifying CN but not CA CN".
_CN_TEXTS = ("verifying cn", "ca cn", "common name", "certificate not authorized", "cert_unauthorized")
_UNTRUSTED_TEXTS = ("not signed by any known ca", "cannot be authenticated with installed ca", "cert_untrusted")
# troubleshooting.md C1 / C4: "Administration > Fabric Devices"; EMS 7.2.6+ docs: "Fabric & Connectors > Fabric Devices".
EMS_FABRIC_PATH = ("Administration > Fabric Devices (on newer EMS releases, e.g. 7.2.6 and later: "
                   "Fabric & Connectors > Fabric Devices)")


def _canonical_server(value):
    return str(value or "").strip().rstrip(".").lower()


def table_spec(version):
    """The fctems table as this release keys it (fortios-api.md §3).

    The base table is global (fctems-override is its per-VDOM copy, 7.4.0+, fortios-api.md §3); that it needs
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
fnd.define("EMS_STATE_UNDETERMINED", "info", "ems",
           "Could not determine the {what} of EMS '{name}' (fields seen: {fields}).",
           "Nothing was concluded from it and no action is taken on it. Check on the FortiGate with "
           "'diagnose endpoint fctems test-connectivity {ref}' and Security Fabric > Fabric Connectors, and please "
           "report the fields seen so that this FortiOS release is understood.")
fnd.define("EMS_CLOUD_LICENSE_CHECK", "critical", "ems",
           "EMS Cloud entry '{name}' fails the FortiClient Cloud licence check (error -7 'License expired').",
           "Before FortiOS 7.6.4 the FortiGate checks for a FortiClient Cloud (FCEM) contract on its own FortiCloud "
           "account, even when cloud-authentication-access-key points to a tenant on another account. Upgrade to "
           "FortiOS 7.6.4 or later (no licence check with an access key), or add the contract to this FortiGate's "
           "account.")


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
    """An IPv4 address other than 0.0.0.0 or an FQDN (fortios-api.md §3: "FQDN or IPv4", max 255)."""
    text = str(value or "")
    if net.is_ipv4(text):
        return text != UNSET_IP
    return not net.looks_numeric(text) and net.valid_fqdn(text, SERVER_MAX)


def in_use(row):
    """Whether an fctems row holds an entry (ems-id releases may keep empty rows, fortios-api.md §3 UNCONFIRMED)."""
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
    """fortios-api.md §5: the EMS monitor calls take ``ems_id`` (int) on 7.0.8+/7.2.1+ and ``ems_name`` before."""
    if behaviour("ems_monitor_takes_ems_id", version):
        return {"ems_id": int(key)}
    return {"ems_name": name}


def reference(version, key, name):
    """How the FortiGate CLI names the entry (execute fctems verify <ems-id|name>, fortios-api.md §3)."""
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


_TRUE_WORDS = ("1", "true", "yes", "enable", "enabled")
_FALSE_WORDS = ("0", "false", "no", "disable", "disabled")


def _bool(value, true_words=(), false_words=()):
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    low = " ".join(_low(value).replace("_", " ").replace("-", " ").split())
    if low in _TRUE_WORDS or low in true_words:
        return True
    if low in _FALSE_WORDS or low in false_words:
        return False
    return None


def _first(rows, keys, true_words=(), false_words=()):
    """The first key of ``keys`` in any of ``rows`` whose value is understood as True/False; None otherwise."""
    for row in rows:
        for key in keys:
            value = _bool(row.get(key), true_words, false_words)
            if value is not None:
                return value
    return None


# The monitor's field names are UNCONFIRMED (fortios-api.md §5): every plausible key name and word is accepted,
# and a flag no key states is None (could not determine), never False.
_VERIFIED_KEYS = ("verified", "is_verified", "ems_is_verified", "cert_verified", "certificate_verified", "verify",
                  "verification", "verify_status", "verification_status", "verified_status")
_VERIFIED_WORDS = ("verified", "accepted", "trusted by user")
_NOT_VERIFIED_WORDS = ("not verified", "unverified", "pending", "not accepted", "unknown certificate")
_CA_KEYS = ("authenticated_by_ca", "ca_authenticated", "is_authenticated_by_ca", "signed_by_known_ca", "ca_trusted")
_AUTHORIZED_KEYS = ("authorized", "is_authorized", "fabric_authorized", "authorization", "authorization_status",
                    "auth_status")
_AUTHORIZED_WORDS = ("authorized", "approved", "allowed", "accepted")
_NOT_AUTHORIZED_WORDS = ("not authorized", "unauthorized", "not authorised", "pending", "denied", "rejected",
                         "waiting for authorization", "not approved")
_CONNECTED_KEYS = ("connected", "is_connected", "ems_is_connected", "connection", "connection_status", "conn_status",
                   "status")
_CONNECTED_WORDS = ("connected", "up", "online", "established")
_DISCONNECTED_WORDS = ("disconnected", "down", "offline", "not connected", "failed", "unreachable")


# fortios-api.md §5 (Fortinet's 7.6.5 schema): ems_status words -> (connected, authorized); others say neither.
_EMS_STATUS_WORDS = {"success": (True, True), "not_reachable": (False, None), "auth_denied": (True, False),
                     "auth_pending": (True, False), "not_auth": (True, False)}
# fortios-api.md §5: cert-status ``status`` success = verified, pending = waiting for the verification.
_CERT_STATUS_WORDS = {"success": True, "pending": False}


def _problem_word(row):
    """The ems_status word when it names a problem (cert_untrusted, not_auth, …), for the finding texts."""
    word = _low(row.get("ems_status"))
    return word if word not in ("", "success") else ""


def fields_seen(row):
    """Key names of an answer (never values), for "could not determine" texts."""
    return ", ".join(sorted(str(k) for k in row)) or "none"


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_status(results, params=None):
    """Connection and authorization of one entry from monitor ems/status (result names UNCONFIRMED,
    fortios-api.md §5: read with every plausible key name; None when no key says)."""
    row = _one(results, params or {})
    connection = _low(row.get("connection") or row.get("connection_status") or row.get("status"))
    connected = _first([row], _CONNECTED_KEYS, _CONNECTED_WORDS, _DISCONNECTED_WORDS)
    authorized = _first([row], _AUTHORIZED_KEYS, _AUTHORIZED_WORDS, _NOT_AUTHORIZED_WORDS)
    authorization = _low(row.get("authorization") or row.get("authorization_status"))
    code = _int_or_none(row.get("error_code", row.get("error")))
    message = _text(row.get("error_message") or row.get("error_msg") or (row.get("error") if code is None else ""))
    if authorized is None and (code == -8 or "authentication failed" in message.lower()):
        authorized = False  # troubleshooting.md C4: -8 "EMS server connection failed. Authentication failed"
    rest = row.get("last_rest_error") if isinstance(row.get("last_rest_error"), dict) else None
    word = _low(row.get("ems_status"))
    by_word = _EMS_STATUS_WORDS.get(word, (None, None))
    connected = by_word[0] if connected is None else connected
    authorized = by_word[1] if authorized is None else authorized
    message = message or _problem_word(row)
    return {"connected": connected, "connection": connection or None, "authorized": authorized,
            "authorization": authorization or ("authorized" if authorized else None),
            "verified": _first([row], _VERIFIED_KEYS, _VERIFIED_WORDS, _NOT_VERIFIED_WORDS), "error_code": code,
            "error_message": message or None, "last_rest_error": rest, "fields_seen": fields_seen(row)}


def parse_cert_status(results, params=None):
    """Certificate state of one entry from monitor ems/cert-status (with_cert=1); field names UNCONFIRMED
    (fortios-api.md §5), so the verification flag is read under every plausible key, top level or in ``cert``."""
    row = _one(results, params or {})
    cert = next((row[k] for k in ("cert", "certificate", "cert_info") if isinstance(row.get(k), dict)), {})
    fingerprint = (cert.get("fingerprint") or row.get("fingerprint") or cert.get("sha256_fingerprint")
                   or row.get("cert_fingerprint") or cert.get("sha1_fingerprint"))
    verified = _first([row, cert], _VERIFIED_KEYS, _VERIFIED_WORDS, _NOT_VERIFIED_WORDS)
    if verified is None and _low(row.get("status")) in _VERIFIED_WORDS:
        verified = True
    if verified is None:
        verified = _CERT_STATUS_WORDS.get(_low(row.get("status")))
    error_word = _text(row.get("error")) if not isinstance(row.get("error"), (int, dict, list)) else ""
    return {"verified": verified, "authenticated_by_ca": _first([row, cert], _CA_KEYS),
            "status": _low(row.get("status")) or None, "fingerprint": _text(fingerprint) or None,
            "issuer": cert.get("issuer"), "subject": cert.get("subject"), "valid_to": cert.get("valid_to"),
            "error_code": _int_or_none(row.get("error_code")),
            "error_message": _text(row.get("error_message")) or error_word or _problem_word(row) or None,
            "fields_seen": fields_seen(dict(row, **cert))}


def _mentions(texts, needles):
    joined = " ".join(_low(t) for t in texts if t)
    return any(n in joined for n in needles)


def entry_enabled(row, version):
    # fortios-api.md §3: name-keyed releases have no status field; such an entry is active while it exists.
    if not field_supported(PATH, "status", version):
        return True
    return _low(row.get("status")) == "enable"


def classify(entry, evaluation=False):
    """Finding ids for one configured entry (troubleshooting.md C1-C6), most fundamental first."""
    if not entry["enabled"]:
        return ["EMS_DISABLED"]
    status, cert = entry["state"], entry["certificate"]
    texts = (status.get("error_message"), cert.get("error_message"))
    ids = []
    if entry.get("dirty_reason") == MISMATCHED_SN:
        ids.append("EMS_SERIAL_MISMATCH")
    cloud_license = entry.get("cloud") and (status.get("error_code") == -7 or _mentions(texts, ("license expired",)))
    if cloud_license:
        ids.append("EMS_CLOUD_LICENSE_CHECK")  # troubleshooting.md C4/C6: -7 "License expired"
    cn = _mentions(texts, _CN_TEXTS)
    untrusted = not cn and (cert.get("error_code") == -4 or status.get("error_code") == -4
                            or _mentions(texts, _UNTRUSTED_TEXTS)
                            or (cert.get("verified") is False and cert.get("authenticated_by_ca") is False))
    if cn:
        ids.append("EMS_CERT_CN_MISMATCH")
    elif untrusted:
        ids.append("EMS_CERT_UNTRUSTED")  # troubleshooting.md C4: -4 "not signed by any known CA"
    connected = status.get("connected")
    if connected is False and not (cn or untrusted or cloud_license):
        ids.append("EMS_UNREACHABLE")
    if connected:
        verified = cert.get("verified")
        if verified is None and entry.get("capabilities"):
            verified = True  # fortios-api.md §3: the capabilities are learned when the certificate is verified
        if verified is False and not (cn or untrusted):
            ids.append("EMS_CERT_NOT_VERIFIED")
        if status.get("authorized") is False:
            ids.append("EMS_NOT_AUTHORIZED")  # troubleshooting.md C1/C4: Connected + Not Authorized, -8, 401
            if evaluation:
                ids.append("EMS_EVAL_LICENSE")  # troubleshooting.md C5 (cause UNCONFIRMED)
        if (verified is None and not (cn or untrusted)) or status.get("authorized") is None:
            ids.append("EMS_STATE_UNDETERMINED")
    elif connected is None and not (ids or cn or untrusted):
        ids.append("EMS_STATE_UNDETERMINED")
    return ids


def undetermined(entry):
    """What could not be read of an entry, and the fields that were there ("could not determine" finding)."""
    state, cert = entry["state"], entry["certificate"]
    what = [label for label, value in (("connection", state.get("connected")), ("authorization", state.get("authorized")),
                                       ("certificate verification", cert.get("verified"))) if value is None]
    return ", ".join(what) or "state", "ems/status: %s; ems/cert-status: %s" % (
        state.get("fields_seen") or "none", cert.get("fields_seen") or "none")


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
        values["what"], values["fields"] = undetermined(entry)
        for fid in classify(entry, lic.get("evaluation")):
            found.append(fnd.finding(fid, _detail(entry).replace("{", "(").replace("}", ")"), **values))
    return found


# -- reading -------------------------------------------------------------------------------
def summary_rows(results):
    """The per-connector rows of a monitor ems/status-summary answer ("summary of the status of every configured
    EMS", fortios-api.md §5; its shape is UNCONFIRMED): a list, or a list under any key of an object, or an object
    keyed by connector."""
    if isinstance(results, list):
        return [r for r in results if isinstance(r, dict)]
    if not isinstance(results, dict):
        return []
    for value in results.values():
        if isinstance(value, list) and any(isinstance(r, dict) for r in value):
            return [r for r in value if isinstance(r, dict)]
    return [dict(v, name=v.get("name", k)) for k, v in results.items() if isinstance(v, dict)]


def _names_entry(row, params):
    if "ems_id" in params:
        return str(row.get("ems_id", row.get("ems-id"))) == str(params["ems_id"])
    return row.get("name", row.get("ems_name")) == params["ems_name"]


def settled_in_summary(client, version, key, name):
    """(state, certificate) of an entry when status-summary (read once per device: the access probe reads it too)
    says outright that it is connected, authorized and its certificate verified; else None, and the entry's own
    ems/status and ems/cert-status are read. Only a row that names the entry (ems_id or name) counts."""
    params = monitor_params(version, key, name)
    try:
        rows = summary_rows(client.get(MONITOR + "status-summary", api="monitor").results)
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError:
        return None
    row = next((r for r in rows if _names_entry(r, params)), None)
    if row is None:
        return None
    state, cert = parse_status(row, params), parse_cert_status(row, params)
    if state["connected"] is True and state["authorized"] is True and cert["verified"] is True:
        return state, cert
    return None


def read_status(client, version, key, name, fresh=False):
    """The entry's ems/status; ``fresh``: asked of the device even when it was read before (a wait that polls)."""
    params = monitor_params(version, key, name)
    try:
        return parse_status(client.get(MONITOR + "status", api="monitor", params=params, fresh=fresh).results,
                            params)
    except err.NotFoundError:
        return parse_status({})


def read_cert_status(client, version, key, name):
    params = monitor_params(version, key, name)
    query = dict(params, with_cert=1)  # fortios-api.md §5: details only when a known CA authenticates the certificate
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
        # troubleshooting.md C6: whether an access key is set (never its value)
        "cloud_access_key_set": bool(_text(row.get("cloud-authentication-access-key"))),
        "state": parse_status({}), "certificate": parse_cert_status({}),
    }
    if enabled:
        settled = settled_in_summary(client, version, key, name)
        if settled is not None:
            entry["state"], entry["certificate"] = settled
        else:
            entry["state"] = read_status(client, version, key, name)
            entry["certificate"] = read_cert_status(client, version, key, name)
    entry["connection"] = entry["state"]["connection"]
    entry["authorized"] = entry["state"]["authorized"]
    return entry


def override_spec():
    """fctems-override as the engine reads it (fortios-api.md §3: per VDOM, mkey ems-id)."""
    return engine.ObjectSpec(OVERRIDE_PATH, mkey="ems-id",
                             canonical={"capabilities": engine.space_set, "server": _canonical_server},
                             secret_keys=("cloud-authentication-access-key",))


def overriding_vdoms(client, version, sweep):
    """[(vdom, settings)] of the VDOMs whose ``endpoint-control settings`` has ``override enable`` (7.4.0+, multi-VDOM
    units only); and [(vdom, error kind)] of the VDOMs that could not be read."""
    if not (sweep and sweep.tagged and behaviour("fctems_override", version)):
        return [], []
    found, unreadable = [], []
    for vdom in sweep.vdoms:
        try:
            with client.in_vdom(vdom):
                settings = engine.read(client, SETTINGS) or {}
        except err.DEVICE_GONE:
            raise
        except err.FortiOSError as exc:
            unreadable.append((vdom, exc.kind))
            continue
        if _low(settings.get("override")) == "enable":
            found.append((vdom, settings))
    return found, unreadable


def override_entries(client, version, sweep):
    """The connectors of every VDOM that overrides the global EMS table, described with the same reads and checks as
    the global ones (monitor calls in that VDOM), each with its ``vdom``."""
    spec = override_spec()
    overriding, unreadable = overriding_vdoms(client, version, sweep)
    entries = []
    for vdom, dummy in overriding:
        try:
            with client.in_vdom(vdom):
                rows = engine.read_table(client, spec)
                mine = [dict(describe_entry(client, version, spec, row), vdom=vdom) for row in rows if in_use(row)]
        except err.DEVICE_GONE:
            raise
        except err.FortiOSError as exc:
            unreadable.append((vdom, exc.kind))
            continue
        entries.extend(mine)
    return [v for v, dummy in overriding], entries, unreadable


def diagnose(client, sweep=None):
    """Facts and findings for the ems subset: the global table, and on a multi-VDOM unit (7.4.0+) the fctems-override
    table of every VDOM with ``override enable`` (``sweep``: ``_fortios/vdoms.py``); those findings carry ``vdom``."""
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
    found = build_findings(entries, lic, serial)
    if sweep is not None and sweep.tagged:
        facts["override_vdoms"], overrides, unreadable = override_entries(client, version, sweep)
        facts["override_entries"] = overrides
        if unreadable:
            facts["override_unreadable"] = [{"vdom": v, "kind": k} for v, k in unreadable]
        for entry in overrides:
            found.extend(sweep.tag(f, entry["vdom"]) for f in build_findings([entry], lic, serial))
    return facts, passive_member(client, serial, found)


fnd.define("EMS_NOT_TESTED_ON_PASSIVE_MEMBER", "info", "ems",
           "EMS '{name}' does not answer this HA secondary: expected, the passive member sends no traffic of its own.",
           "Nothing to do here: on the passive member the EMS connectivity test answers '-1 timeout', which Fortinet "
           "calls expected (community post 225686, KB 293570). The connector is diagnosed through the primary.")


def passive_member(client, serial, found):
    """On an HA secondary an unreachable EMS is expected (troubleshooting.md F): an info finding, not
    EMS_UNREACHABLE. The HA role is read only when there is such a finding (_system/topology.py)."""
    if not any(f["id"] == "EMS_UNREACHABLE" for f in found):
        return found
    if ha_role(client, serial) != "secondary":
        return found
    return [fnd.finding("EMS_NOT_TESTED_ON_PASSIVE_MEMBER", f["detail"], name=f.get("object") or "")
            if f["id"] == "EMS_UNREACHABLE" else f for f in found]


def ha_role(client, serial):
    try:
        return topology.ha(client, serial, [])["role"]
    except err.FortiOSError:
        return None  # unknown: the finding stays
