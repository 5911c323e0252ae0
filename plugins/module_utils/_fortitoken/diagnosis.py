# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FortiTokens: what the device holds, who is bound to each token, and the diagnosis.

Internal API of fortifleet.auth: may change in any release.

Facts: fortios-api.md §2 and §5, troubleshooting.md B.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd

TOKENS = engine.ObjectSpec("user/fortitoken", mkey="serial-number", secret_keys=["seed", "activation-code"])
USERS = engine.ObjectSpec("user/local", mkey="name", secret_keys=["passwd"])
ADMINS = engine.ObjectSpec("system/admin", mkey="name", secret_keys=["password"],
                           extra_headers=lambda client: client.admin_headers_if_required())
BINDERS = (("user", USERS), ("admin", ADMINS))
# The two-factor fields of a user/admin (fortios-api.md §2: user/local and system/admin carry the same ones).
BINDING_FIELDS = ("two-factor", "fortitoken", "two-factor-authentication", "two-factor-notification",
                  "email-to", "sms-server", "sms-custom-server", "sms-phone")

# fortios-api.md §2: mkey max 16, e.g. FTKMOB…, FTK200…
SERIAL_RE = re.compile(r"^FTK[A-Z0-9]{7,13}$")
# troubleshooting.md B7: the 20-character code from the redemption certificate (seed: DA8C-0508-1F31-4CF7-C990).
LICENSE_CODE_RE = re.compile(r"^[0-9A-Fa-f]{4}(-[0-9A-Fa-f]{4}){4}$")

# Runtime statuses (troubleshooting.md B4 / fortios-api.md §2 `diagnose fortitoken info`).
ACTIVE_STATES = ("active", "provisioned", "provisioning")
MIGRATED_MARKERS = ("activation error", "token not exist in fortiguard", "seed won't be returned")

# FortiCare error codes (troubleshooting.md B9; 14 and 10 confirmed by the seed) -> finding id.
FORTICARE_FINDINGS = {
    14: ("FORTICARE_LICENSE_EXPIRED", "license expired"),
    10: ("FORTICARE_CARD_NOT_FOUND", "license card not found"),
    31: ("FORTICARE_TOKEN_NOT_OWNED", "does not belong to product"),
    40: ("FORTICARE_ACTIVATION_CODE_INVALID", "activation code is invalid"),
}
FORTICARE_PERMANENT = (14, 10)  # troubleshooting.md B9: an expired or unknown licence cannot be revived

fnd.define("FORTITOKEN_NOT_ACTIVATED", "warning", "fortitoken",
           "FortiToken {serial} is not activated (status {status}).",
           "The collection activates it once (fortifleet.auth.fortitoken state: active).", auto_fix=True)
fnd.define("FORTITOKEN_MIGRATED", "critical", "fortitoken",
           "FortiToken {serial} has a seed in the configuration but reports '{status}': the configuration was "
           "migrated from another unit.",
           "The collection records every user/admin binding, unbinds, deletes and re-imports the token (licence "
           "code for mobile tokens when given, else by serial as KB 194508 says), re-binds exactly as before and "
           "rolls back if a step fails. FTM licences registered to another unit must first be moved by Fortinet "
           "Customer Service.", auto_fix=True)
fnd.define("FORTITOKEN_LOCKED", "warning", "fortitoken",
           "FortiToken {serial} is locked.",
           "An administrator locked it (status lock), or FortiGate locked it when it was unassigned while FortiCare "
           "was unreachable. If the lock is not wanted: set the token's status to active, or run "
           "'execute fortitoken-mobile renew {serial}' on the FortiGate.")
fnd.define("FORTITOKEN_PROVISION_TIMEOUT", "warning", "fortitoken",
           "FortiToken {serial} was not activated in the app in time (provision timeout).",
           "The collection provisions it again and sends a new activation code to the bound user.", auto_fix=True)
fnd.define("FORTITOKEN_UNASSIGNED", "info", "fortitoken",
           "FortiToken {serial} is not assigned to any user or administrator.",
           "Assign it to a user (User & Authentication > User Definition > Two-factor Authentication) or leave it "
           "as a spare.")
fnd.define("FORTITOKEN_MANAGED_BY_FORTIMANAGER", "warning", "fortitoken",
           "The FortiGate is managed by FortiManager {fmg}: its FortiTokens come from FortiManager.",
           "Do not activate or import tokens on this unit; fix them on FortiManager. The collection skips "
           "FortiToken remediation here (KB 194508).")
fnd.define("FORTIGUARD_UNREACHABLE", "critical", "fortitoken",
           "FortiGuard cannot be reached (token server status: {status}): tokens cannot be activated.",
           "Check DNS and routing from the FortiGate to fds1.fortinet.com, directregistration.fortinet.com and "
           "globalftm.fortinet.net (execute ping), any proxy, and that no deep inspection breaks TLS to them. A "
           "human must fix the path.")
fnd.define("FORTICARE_LICENSE_EXPIRED", "critical", "fortitoken",
           "FortiCare refused the FortiToken Mobile licence: licence expired (error 14).",
           "The redemption code was not used before its 'valid until' date and cannot be revived: buy new tokens "
           "and import the new code. Not retried automatically.")
fnd.define("FORTICARE_CARD_NOT_FOUND", "critical", "fortitoken",
           "FortiCare refused the FortiToken Mobile licence: licence card not found (error 10).",
           "Check the code against the redemption certificate; if it is right, open a Fortinet Customer Service "
           "ticket ('FortiCare license card not found'). Not retried automatically.")
fnd.define("FORTICARE_TOKEN_NOT_OWNED", "critical", "fortitoken",
           "FortiCare says the token does not belong to this FortiGate (error 31).",
           "The licence is registered to another serial (or the HA secondary): have Fortinet Customer Service "
           "transfer it to this unit's (primary) serial, then retry.")
fnd.define("FORTICARE_ACTIVATION_CODE_INVALID", "critical", "fortitoken",
           "FortiCare says the FTM activation code is invalid (error 40): the token is activated on another phone.",
           "One token works on one phone: send a new activation to the user (re-provision) or reset the token via "
           "Fortinet support.")


HARDWARE_ACTIVATION = ("Activate it by hand when FortiGuard is reachable (execute fortitoken activate %s), with the "
                       "activation debug running: hardware tokens lock on their first activation, so there is only "
                       "one chance (KB 194508).")


def valid_serial(serial):
    return bool(SERIAL_RE.match(str(serial or "")))


def token_type(serial, license_name):
    if str(license_name or "").upper().startswith("FTMTRIAL"):
        return "trial"  # troubleshooting.md B8: trial licences are FTMTRIAL…
    return "mobile" if str(serial).upper().startswith("FTKMOB") else "hardware"


def status_map(results):
    """monitor user/fortitoken: 'a map of FortiTokens and their status' (key names UNCONFIRMED, fortios-api.md §2)."""
    out = {}
    rows = results.items() if isinstance(results, dict) else (
        ((r.get("serial") or r.get("serial_number") or r.get("serial-number") or r.get("name"), r)
         for r in results or [] if isinstance(r, dict)))
    for serial, value in rows:
        status = value.get("status") if isinstance(value, dict) else value
        if serial:
            out[str(serial)] = str(status or "").strip()
    return out


def is_migrated(status, row):
    text = str(status or "").lower()
    return any(marker in text for marker in MIGRATED_MARKERS)


def read_bindings(client, serials=None):
    """Every user/admin whose two-factor token is one of ``serials`` (all tokens when None)."""
    bindings = []
    for kind, spec in BINDERS:
        for row in engine.read_table(client, spec):
            serial = row.get("fortitoken")
            if serial and (serials is None or serial in serials):
                record = dict((k, row[k]) for k in BINDING_FIELDS if k in row)
                bindings.append({"kind": kind, "name": row.get("name"), "fields": record})
    return bindings


def token_rows(client):
    """serial -> cmdb row of every token (fortios-api.md §2: mkey serial-number)."""
    return dict((row.get("serial-number"), row) for row in engine.read_table(client, TOKENS))


def read_tokens(client):
    """Tokens from cmdb with their runtime status, type and bindings."""
    rows = list(token_rows(client).values())
    status = status_map(client.get("user/fortitoken", api="monitor").results)
    bindings = read_bindings(client)
    tokens = []
    for row in rows:
        serial = row.get("serial-number")
        runtime = status.get(serial) or ""
        if row.get("status") == "lock" and not runtime:
            runtime = "locked"
        tokens.append({
            "serial": serial, "type": token_type(serial, row.get("license")), "status": runtime,
            "config_status": row.get("status"), "license": row.get("license"),
            "has_seed": bool(str(row.get("seed") or "").strip()),
            "bound_to": [dict(kind=b["kind"], name=b["name"], two_factor=b["fields"].get("two-factor"))
                         for b in bindings if b["fields"].get("fortitoken") == serial],
        })
    return tokens


def central_management(client):
    try:
        row = engine.read(client, engine.ObjectSpec("system/central-management", scope="global")) or {}
    except err.PermissionDeniedError:
        row = client.get("system/central-management/status", api="monitor").results or {}
    kind = str(row.get("type") or "none")
    return {"type": kind, "fmg": row.get("fmg") or "", "managed_by_fortimanager": kind == "fortimanager"}


def fortiguard_reachability(client):
    """system/fortiguard/server-info (result names UNCONFIRMED; accept the usual shapes)."""
    try:
        results = client.get("system/fortiguard/server-info", api="monitor").results
    except err.FortiOSError as exc:
        return {"reachable": None, "detail": exc.kind}
    servers = results.get("servers") if isinstance(results, dict) else results
    servers = servers if isinstance(servers, list) else []
    states = [str(s.get("status") or "").lower() for s in servers if isinstance(s, dict)]
    reachable = results.get("any_reachable") if isinstance(results, dict) else None
    if reachable is None:
        reachable = any(s in ("reachable", "up", "ok") for s in states) if states else None
    token_server = results.get("token_server_status") if isinstance(results, dict) else None
    return {"reachable": reachable, "token_server_status": token_server or ("reachable" if reachable else "unknown"),
            "servers": len(servers)}


def diagnose(client):
    tokens = read_tokens(client)
    managed = central_management(client)
    guard = fortiguard_reachability(client)
    found = []
    if managed["managed_by_fortimanager"]:
        found.append(fnd.finding("FORTITOKEN_MANAGED_BY_FORTIMANAGER", "central-management type fortimanager",
                                 fmg=managed["fmg"] or "(address not set)"))
    if guard["reachable"] is False:
        found.append(fnd.finding("FORTIGUARD_UNREACHABLE", "system/fortiguard/server-info: no reachable server",
                                 status=guard["token_server_status"]))
    for token in tokens:
        serial, status = token["serial"], token["status"]
        low = status.lower()
        if is_migrated(status, token):
            found.append(fnd.finding("FORTITOKEN_MIGRATED", "seed in config: %s" % token["has_seed"], serial=serial,
                                     status=status))
        elif low in ("locked", "lock") or token["config_status"] == "lock":
            found.append(fnd.finding("FORTITOKEN_LOCKED", "", serial=serial))
        elif low == "provision timeout":
            found.append(fnd.finding("FORTITOKEN_PROVISION_TIMEOUT", "", serial=serial))
        elif low == "new" and (token["bound_to"] or token["type"] == "hardware"):
            finding = fnd.finding("FORTITOKEN_NOT_ACTIVATED", "", serial=serial, status=status)
            if token["type"] == "hardware":
                # troubleshooting.md B6: FortiToken-200 locks on its first activation: one chance, so a human does it.
                finding.update(auto_fix=False, remediation=HARDWARE_ACTIVATION % serial)
            found.append(finding)
        if not token["bound_to"]:
            found.append(fnd.finding("FORTITOKEN_UNASSIGNED", "", serial=serial))
    facts = {"tokens": tokens, "central_management": managed, "fortiguard": guard}
    return facts, found


def forticare_error(exc):
    """The FortiCare error code in a failed import/activation, matched by number and by text (troubleshooting.md B9)."""
    details = getattr(exc, "details", None) or {}
    text = " ".join(str(x) for x in (exc.cli_error, exc.message, details.get("forticare_error_message"),
                                     details.get("status_message")) if x)
    code = details.get("forticare_error_code")
    code = int(code) if str(code or "").lstrip("-").isdigit() else None
    if code is None:
        match = re.search(r"forticare[^0-9-]{0,20}(?:error[ _]?(?:code)?[\"': ]*)?(\d{1,3})\b", text, re.I)
        code = int(match.group(1)) if match else None
    if code not in FORTICARE_FINDINGS:
        low = text.lower()
        code = next((c for c, (dummy, words) in FORTICARE_FINDINGS.items() if words in low), code)
    return code if code in FORTICARE_FINDINGS else None


def forticare_finding(code, detail=""):
    return fnd.finding(FORTICARE_FINDINGS[code][0], detail)
