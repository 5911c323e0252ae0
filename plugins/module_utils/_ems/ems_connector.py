# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.ems_connector: ensure an EMS entry by name, verify its certificate, wait for authorization.

Internal API of fortifleet.auth: may change in any release.

Facts: fortios-api.md §3 and §5, troubleshooting.md C.
The user names an entry by ``name`` everywhere; whether the device keys the
table by ``name`` (up to 7.0.7) or by ``ems-id`` (7.0.8+/7.2.1+) is hidden here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._ems.diagnosis import (
    BAD_NAME_CHARS, CA_SPEC, IFACE_SPEC, INTERFACE_MAX, MONITOR, NAME_MAX, PATH, SERVER_MAX, VERIFYING_CA_MAX,
    find_entry, in_use, monitor_params, normalise_fingerprint, read_cert_status, read_status, reference, table_spec,
    valid_server)
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import behaviour, device_version, field_supported, first_version_with
from ansible_collections.fortifleet.auth.plugins.module_utils._task.journal import Journal
from ansible_collections.fortifleet.auth.plugins.module_utils._system import license as _license
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection

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
MODULE_KWARGS = {}


# -- the module ----------------------------------------------------------------------------
def _object_name(field, value, maximum):
    if value is not None and (not value.strip() or value != value.strip() or len(value) > maximum
                              or any(c in value for c in BAD_NAME_CHARS)):
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
        # fortios-api.md §3: verifying-ca is a datasource of certificate.ca.name
        raise err.InputError("verifying_ca", "CA certificate '%s' does not exist on the device (certificate/ca)" % ca,
                             "Import the EMS CA chain first (System > Certificates > Import > CA Certificate).")
    iface = params.get("interface")
    if iface is not None and iface not in _names(client, IFACE_SPEC):
        raise err.InputError("interface", "interface '%s' does not exist on the device" % iface)


def desired_config(params, version, row):
    """The fctems keys to ensure (hyphenated), as this version names them."""
    desired = {}
    if behaviour("fctems_keyed_by_ems_id", version):
        desired["name"] = params["name"]  # an ordinary attribute on ems-id releases (fortios-api.md §3)
    for option, field in (("server", "server"), ("https_port", "https-port"), ("trust_ca_cn", "trust-ca-cn"),
                          ("verifying_ca", "verifying-ca"), ("source_ip", "source-ip")):
        if params.get(option) is not None:
            desired[field] = params[option]
    if field_supported(PATH, "status", version):
        status = params.get("status")
        if status is None and (row is None or not in_use(row)):
            status = "enable"  # a new entry is wanted working (fortios-api.md §3: FortiOS defaults to disable)
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


def _verified_by_evidence(cert, row):
    """Whether the certificate is verified: cert-status when it says so, else the capabilities the FortiGate
    learns on verification (fortios-api.md §3); None when neither tells."""
    if cert.get("verified") is not None:
        return cert["verified"]
    return True if engine.space_set((row or {}).get("capabilities")) else None


def ensure_verified(ctx, client, version, key, name, params, out, row=None):
    """Verify (accept) the EMS certificate with the fingerprint rule; returns whether it (would have) changed.

    verify-cert is an action: it is sent only when a determined reading shows the certificate not verified, and
    not again on a later run while the device shows the same state after an unconfirmed verification."""
    cert = read_cert_status(client, version, key, name)
    out["certificate"] = cert
    check_fingerprint(params, cert)
    verified = _verified_by_evidence(cert, row)
    if verified:
        out["fingerprint_checked"] = cert.get("fingerprint") is not None and params.get("expected_fingerprint") is not None
        return False
    if verified is None:
        out["certificate_undetermined"] = True
        ctx.warn("Could not determine whether the certificate of EMS '%s' on %s is verified (cert-status fields "
                 "seen: %s): verify-cert was not sent. Check it with 'execute fctems verify %s'."
                 % (name, client.label, cert.get("fields_seen"), reference(version, key, name)))
        return False
    serial = client.device.get("serial") or client.label
    evidence = [cert.get("fingerprint"), cert.get("status"), cert.get("fields_seen")]
    memory = Journal(ctx.params.get("journal_dir"))
    earlier = memory.sent_before(serial, "verify-cert", name, evidence)
    if earlier:
        out["certificate_confirmed"] = False
        ctx.warn("verify-cert for EMS '%s' on %s was done on %s but not confirmed, and the certificate state has not "
                 "changed since: not sent again. Check it with 'execute fctems verify %s'."
                 % (name, client.label, earlier.get("time"), reference(version, key, name)))
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
    body = dict(monitor_params(version, key, name), fingerprint=fingerprint)  # fortios-api.md §5: ems_id + fingerprint
    try:
        client.action(MONITOR + "verify-cert", body)
    except err.DeviceRefusedError as exc:
        exc.hint = _verify_failed_hint(device_checks)
        raise
    after = read_cert_status(client, version, key, name)
    out["certificate"] = after
    row_after = engine.read(client, table_spec(version), mkey=key) if after.get("verified") is None else row
    out["certificate_confirmed"] = bool(_verified_by_evidence(after, row_after))
    if not out["certificate_confirmed"]:
        # Done, not confirmed: the device accepted verify-cert, its re-read does not show it verified.
        memory.remember(serial, "verify-cert", name, [after.get("fingerprint"), after.get("status"),
                                                      after.get("fields_seen")])
        ctx.warn("verify-cert for EMS '%s' on %s: done, not confirmed (cert-status afterwards: verified=%s, fields "
                 "seen: %s). It is not sent again while this state stays the same; check it with 'execute fctems "
                 "verify %s'." % (name, client.label, after.get("verified"), after.get("fields_seen"),
                                  reference(version, key, name)))
    return True


def wait_authorized(client, version, key, name, timeout, interval, sleep=time.sleep, clock=time.time):
    """Poll ems/status (GETs only) until the entry is authorized or ``timeout`` seconds have passed."""
    deadline = clock() + timeout
    polls = 0
    while True:
        state = read_status(client, version, key, name, fresh=True)  # a poll: never from the read cache
        polls += 1
        if state.get("authorized"):
            return True, state, polls
        if clock() + interval > deadline:
            return False, state, polls
        sleep(interval)


def timeout_message(name, serial, server, timeout, state, evaluation):
    """Why the wait ended, and the human step left (troubleshooting.md C1/C4/C5)."""
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
    # A new entry may go into a free ems-id row with a PUT: new is what matters, not the HTTP verb.
    created = not exists
    if params["verify_certificate"]:
        if ctx.check_mode and created:
            out["changed"] = True
            out["changed_keys"].append("certificate")
        elif ensure_verified(ctx, client, version, key, name, params, out["ems"], row=result["after"] or row):
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
