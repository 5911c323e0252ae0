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
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import vdoms as _vdoms
from ansible_collections.fortifleet.auth.plugins.module_utils._system import license as _license
from ansible_collections.fortifleet.auth.plugins.module_utils._system import topology

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
# troubleshooting.md B7: "the 20-character code from the redemption certificate" is all a public source says
# (seed: DA8C-0508-1F31-4CF7-C990). No source limits its alphabet, so only the length is checked: FortiCare
# decides the rest and its answer is classified (troubleshooting.md B9).
LICENSE_CODE_LENGTH = 20
_CODE_SEPARATORS = re.compile(r"[\s-]")


def valid_license_code(code):
    """20 characters once dashes and spaces are left out (troubleshooting.md B7)."""
    return len(_CODE_SEPARATORS.sub("", str(code or ""))) == LICENSE_CODE_LENGTH


# Runtime statuses (troubleshooting.md B4 / fortios-api.md §2 `diagnose fortitoken info`): the CLI phrase, the
# GUI word and the usual spellings of each, reduced to one canonical state. The monitor's own words are
# UNCONFIRMED, so every variant a source shows is accepted; anything else is "unknown" (could not determine).
ACTIVE_STATES = ("active", "provisioned", "provisioning")
MIGRATED_MARKERS = ("activation error", "token not exist in fortiguard", "seed won't be returned")
STATE_WORDS = {
    "new": "new", "available": "new",  # troubleshooting.md B4: new = GUI Available
    "active": "active", "activated": "active", "assigned": "active",  # B4: active/provisioned = GUI Assigned
    "provisioned": "provisioned",
    "provisioning": "provisioning", "pending": "provisioning",  # B4: provisioning = GUI Pending
    "provision timeout": "provision timeout", "provision timed out": "provision timeout",  # B4 / COMM 194364
    "provisioning timeout": "provision timeout",
    "locked": "locked", "lock": "locked",
    "error": "error",  # B4: GUI Error (migrated when the config still holds a seed: B3)
}

# FortiCare error codes (troubleshooting.md B9; 14 and 10 confirmed by the seed) -> finding id.
FORTICARE_FINDINGS = {
    14: ("FORTICARE_LICENSE_EXPIRED", "license expired"),
    10: ("FORTICARE_CARD_NOT_FOUND", "license card not found"),
    31: ("FORTICARE_TOKEN_NOT_OWNED", "does not belong to product"),
    40: ("FORTICARE_ACTIVATION_CODE_INVALID", "activation code is invalid"),
}
FORTICARE_PERMANENT = (14, 10)  # troubleshooting.md B9: an expired or unknown licence cannot be revived

fnd.define("FORTITOKEN_LICENSE_NOT_CHECKED", "info", "fortitoken",
           "No FortiToken is on the device and no licence code was given: whether a FortiToken Mobile licence is "
           "usable could not be checked.",
           "A FortiGate shows nothing of a licence before it is imported: an expired licence (FortiCare 14) or an "
           "unknown licence card (FortiCare 10) is only answered by FortiCare on import (KB 194508). To check and "
           "import a licence, give its activation code in fortitoken_license_codes (it is sent once, never printed).")
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
fnd.define("FORTITOKEN_VDOM_UNREADABLE", "warning", "fortitoken",
           "VDOM {vdom} could not be read ({kind}): its FortiTokens and local users were not checked.",
           "FortiTokens and local users are per VDOM (KB 194364). Assign the VDOM to the api-user (config system "
           "api-user / edit <name> / set vdom ...), or leave it out of fortigate_vdoms.")
fnd.define("FORTITOKEN_MANAGED_BY_FORTIMANAGER", "warning", "fortitoken",
           "The FortiGate is managed by FortiManager {fmg}: its FortiTokens come from FortiManager.",
           "Do not activate or import tokens on this unit; fix them on FortiManager. The collection skips "
           "FortiToken remediation here (KB 194508).")
fnd.define("FORTIGUARD_UNREACHABLE", "critical", "fortitoken",
           "FortiGuard cannot be reached (token server status: {status}): tokens cannot be activated.",
           "Check DNS and routing from the FortiGate to fds1.fortinet.com, directregistration.fortinet.com and "
           "globalftm.fortinet.net (execute ping), any proxy, and that no deep inspection breaks TLS to them. A "
           "human must fix the path.")
fnd.define("FORTIGUARD_UNDETERMINED", "info", "fortitoken",
           "Could not determine whether FortiGuard is reachable (fields seen: {fields}).",
           "Nothing was concluded and nothing is blocked by it. Check on the FortiGate: 'diagnose fortitoken info' "
           "prints 'Token server status', and System > FortiGuard shows the connection; please report the fields "
           "seen so that this FortiOS release is understood.")
fnd.define("FORTITOKEN_STATUS_UNDETERMINED", "info", "fortitoken",
           "Could not determine the state of FortiToken {serial} (status reported: {status}).",
           "No action is taken on this token. Check it with 'diagnose fortitoken info' on the FortiGate, and please "
           "report the status word so that it is understood.")
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


UNBOUND_ACTIVATION = ("Assign it to a user or administrator (two-factor authentication: FortiToken); the collection "
                      "then activates it and can send the activation to that user.")
HARDWARE_ACTIVATION = ("Activate it by hand when FortiGuard is reachable (execute fortitoken activate %s), with the "
                       "activation debug running: hardware tokens lock on their first activation, so there is only "
                       "one chance (KB 194508).")


def valid_serial(serial):
    return bool(SERIAL_RE.match(str(serial or "")))


def token_type(serial, license_name):
    if str(license_name or "").upper().startswith("FTMTRIAL"):
        return "trial"  # troubleshooting.md B8: trial licences are FTMTRIAL…
    return "mobile" if str(serial).upper().startswith("FTKMOB") else "hardware"


_SERIAL_KEYS = ("serial", "serial_number", "serial-number", "sn", "name", "token")
_STATUS_KEYS = ("status", "state", "token_status", "status_str", "activation_status")


def _row_status(value):
    if not isinstance(value, dict):
        return value
    status = next((value[k] for k in _STATUS_KEYS if value.get(k) not in (None, "")), "")
    return _status_word(status) if isinstance(status, dict) else status


def _status_word(status):
    """fortios-api.md §5 (Fortinet's 7.6.5 schema): the status is an object {name, msg}; the message is the
    word when it carries a migrated-token phrase (troubleshooting.md B4), else the name."""
    name, msg = status.get("name"), str(status.get("msg") or "")
    if any(marker in msg.lower() for marker in MIGRATED_MARKERS) or name in (None, ""):
        return msg
    return name


def status_map(results):
    """monitor user/fortitoken: 'a map of FortiTokens and their status' (key names UNCONFIRMED, fortios-api.md §2):
    a map serial -> status or -> {status}, a list of rows, or either under ``tokens``."""
    if isinstance(results, dict) and isinstance(results.get("tokens"), (list, dict)):
        results = results["tokens"]
    out = {}
    rows = results.items() if isinstance(results, dict) else (
        ((next((r[k] for k in _SERIAL_KEYS if r.get(k)), None), r) for r in results or [] if isinstance(r, dict)))
    for serial, value in rows:
        if serial:
            out[str(serial)] = str(_row_status(value) or "").strip()
    return out


def canonical_status(status, has_seed=False):
    """The state behind a CLI phrase, GUI word or spelling (troubleshooting.md B4); "unknown" when not understood."""
    low = " ".join(str(status or "").lower().replace("_", " ").replace("-", " ").split())
    if any(marker in low for marker in MIGRATED_MARKERS):
        return "migrated"
    state = STATE_WORDS.get(low, "unknown" if low else "")
    if state == "error":
        # troubleshooting.md B3/B4: a restored config keeps the seed while FortiGuard refuses the token.
        return "migrated" if has_seed else "unknown"
    return state


def is_migrated(status, row):
    has_seed = bool(str((row or {}).get("seed") or "").strip())
    return canonical_status(status, has_seed) == "migrated"


def _bound(rows, kind, serials, vdom):
    out = []
    for row in rows:
        serial = row.get("fortitoken")
        if serial and (serials is None or serial in serials):
            record = dict((k, row[k]) for k in BINDING_FIELDS if k in row)
            binding = {"kind": kind, "name": row.get("name"), "fields": record}
            if vdom:
                binding["vdom"] = vdom  # the user lives in this VDOM (troubleshooting.md F); admins are global
            out.append(binding)
    return out


def read_bindings(client, serials=None, vdoms=(None,)):
    """Every user/admin whose two-factor token is one of ``serials`` (all tokens when None): the local users of each
    VDOM in ``vdoms`` (None: the task's own), then the administrators (global, read once)."""
    bindings = []
    for vdom in vdoms:
        with client.in_vdom(vdom):
            bindings.extend(_bound(engine.read_table(client, USERS), "user", serials, vdom))
    return bindings + _bound(engine.read_table(client, ADMINS), "admin", serials, None)


def token_rows(client):
    """serial -> cmdb row of every token (fortios-api.md §2: mkey serial-number)."""
    return dict((row.get("serial-number"), row) for row in engine.read_table(client, TOKENS))


def locate(client, vdoms=(None,)):
    """serial -> (VDOM, cmdb row) of every token in ``vdoms`` (tokens are per VDOM: troubleshooting.md F)."""
    found = {}
    for vdom in vdoms:
        with client.in_vdom(vdom):
            for serial, row in token_rows(client).items():
                found.setdefault(serial, (vdom, row))
    return found


def _vdom_tokens(client, admins, vdom):
    """The tokens of one VDOM (None: the task's own) with their status and bindings; and the monitor's fields."""
    with client.in_vdom(vdom):
        rows = list(token_rows(client).values())
        answer = client.get("user/fortitoken", api="monitor").results
        users = _bound(engine.read_table(client, USERS), "user", None, vdom)
    status = status_map(answer)
    bindings = users + admins
    tokens = []
    for row in rows:
        serial = row.get("serial-number")
        runtime = status.get(serial) or ""
        if row.get("status") == "lock" and not runtime:
            runtime = "locked"
        has_seed = bool(str(row.get("seed") or "").strip())
        token = {
            "serial": serial, "type": token_type(serial, row.get("license")), "status": runtime,
            "state": canonical_status(runtime, has_seed) or "unknown",
            "config_status": row.get("status"), "license": row.get("license"), "has_seed": has_seed,
            "bound_to": [dict(kind=b["kind"], name=b["name"], two_factor=b["fields"].get("two-factor"))
                         for b in bindings if b["fields"].get("fortitoken") == serial],
        }
        if vdom:
            token["vdom"] = vdom
        tokens.append(token)
    return tokens, answer


def read_tokens(client, sweep=None):
    """Tokens from cmdb with their runtime status (as the device words it and as understood), type and bindings, in
    every VDOM of ``sweep`` (default: the task's own VDOM). A VDOM the token cannot read is left out and noted in
    ``sweep`` (a warning naming it), not a failure, when several are swept."""
    sweep = sweep or _vdoms.Sweep(None, [None], False)
    try:
        admins = _bound(engine.read_table(client, ADMINS), "admin", None, None)
    except err.ScopeNotGlobalError as exc:
        # system/admin is global (troubleshooting.md F): a VDOM-scoped token sees no administrator bindings.
        sweep.scope_errors.append(exc)
        admins = []
    tokens, answers = [], []
    for vdom in sweep.vdoms:
        try:
            found, answer = _vdom_tokens(client, admins, vdom if sweep.tagged else None)
        except err.PermissionDeniedError as exc:
            if not sweep.tagged:
                raise
            sweep.unreadable(vdom, exc)
            continue
        tokens.extend(found)
        answers.append(answer)
    return tokens, fields_seen(answers[0] if len(answers) == 1 else [a for a in answers if a])


def fields_seen(answer, limit=12):
    """The key names of an answer, for a "could not determine" finding (never values: they may be secrets)."""
    if isinstance(answer, dict):
        keys = set()
        for key, value in answer.items():
            keys.add(str(key) if not re.match(r"^FTK", str(key)) else "<serial>")
            if isinstance(value, dict):
                keys.update(str(k) for k in value)
    elif isinstance(answer, list):
        keys = set(str(k) for row in answer if isinstance(row, dict) for k in row)
        if not answer:
            return "empty list"
    else:
        return type(answer).__name__
    names = sorted(keys)
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "") if names else "none"


# One place decides "managed by FortiManager" for every area (_system/topology.py).
central_management = topology.central_management


_UP_WORDS = ("reachable", "up", "ok", "connected", "alive", "available", "active", "online")
_DOWN_WORDS = ("unreachable", "down", "failed", "fail", "timeout", "timed out", "disconnected", "cannot_connect",
               "unavailable", "offline", "error")
_SERVER_STATUS_KEYS = ("status", "state", "server_status", "connection", "reachable", "connected", "up")


def _server_state(server):
    for key in _SERVER_STATUS_KEYS:
        value = server.get(key)
        if isinstance(value, bool):
            return value
        low = str(value or "").strip().lower()
        if low in _UP_WORDS:
            return True
        if low in _DOWN_WORDS:
            return False
    return None


def server_info_reachability(results):
    """system/fortiguard/server-info (result names UNCONFIRMED, fortios-api.md §5): True/False when the answer says
    so, None when it is not understood. An empty server list means no FortiGuard server could be reached."""
    servers = results
    if isinstance(results, dict):
        flag = _license.flag(results.get("any_reachable", results.get("reachable", results.get("connected"))))
        if flag is not None:
            return flag
        servers = next((results[k] for k in ("servers", "server_list", "list", "fds_servers")
                        if isinstance(results.get(k), list)), None)
    if not isinstance(servers, list):
        return None
    if not servers:
        return False
    states = [_server_state(s) for s in servers if isinstance(s, dict)]
    if any(states):
        return True
    if states and all(state is False for state in states):
        return False
    return None


def fortiguard_reachability(client):
    """Whether FortiGuard answers: license/status ``fortiguard.connected`` first (confirmed by captures,
    fortios-api.md §5, captures), system/fortiguard/server-info only when that does not say. None: could not determine."""
    seen = []
    try:
        lic = _license.read(client)
        if lic["fortiguard_connected"] is not None:
            connected = lic["fortiguard_connected"]
            return {"reachable": connected, "source": _license.PATH,
                    "token_server_status": "reachable" if connected else "not connected"}
        seen.append("%s fortiguard: %s" % (_license.PATH, ", ".join(lic["fortiguard_fields"]) or "none"))
    except err.FortiOSError as exc:
        seen.append("%s: %s" % (_license.PATH, exc.kind))
    try:
        results = client.get("system/fortiguard/server-info", api="monitor").results
    except err.FortiOSError as exc:
        seen.append("system/fortiguard/server-info: %s" % exc.kind)
        return {"reachable": None, "source": None, "fields_seen": "; ".join(seen)}
    reachable = server_info_reachability(results)
    if reachable is None:
        seen.append("system/fortiguard/server-info: %s" % fields_seen(results))
        return {"reachable": None, "source": None, "fields_seen": "; ".join(seen)}
    token_server = results.get("token_server_status") if isinstance(results, dict) else None
    return {"reachable": reachable, "source": "system/fortiguard/server-info",
            "token_server_status": token_server or ("reachable" if reachable else "no reachable server")}


def waits_for_fortiguard(finding):
    """A FortiToken fix the remediation cannot make while FortiGuard is unreachable (it imports, re-imports and
    activates nothing then: the area's run): no longer automatic, it waits for FORTIGUARD_UNREACHABLE's fix."""
    if finding.get("area") != "fortitoken" or not finding.get("auto_fix"):
        return finding
    return dict(finding, auto_fix=False, remediation=finding["remediation"] + " This waits until the FortiGate "
                "reaches FortiGuard again (see FORTIGUARD_UNREACHABLE); the next remediate run does it then.")


def _token_findings(token, seen):
    serial, state = token["serial"], token["state"]
    if state == "migrated":
        return [fnd.finding("FORTITOKEN_MIGRATED", "seed in config: %s" % token["has_seed"], serial=serial,
                            status=token["status"])]
    if state == "locked" or token["config_status"] == "lock":
        return [fnd.finding("FORTITOKEN_LOCKED", "", serial=serial)]
    if state == "provision timeout":
        return [fnd.finding("FORTITOKEN_PROVISION_TIMEOUT", "", serial=serial)]
    if state == "new":
        finding = fnd.finding("FORTITOKEN_NOT_ACTIVATED", "", serial=serial, status=token["status"])
        if token["type"] == "hardware":
            # troubleshooting.md B6: FortiToken-200 locks on its first activation: one chance, so a human does it.
            finding.update(auto_fix=False, remediation=HARDWARE_ACTIVATION % serial)
        elif not token["bound_to"]:
            # Activation goes to the user the token is bound to (troubleshooting.md B10): none yet.
            finding.update(auto_fix=False, remediation=UNBOUND_ACTIVATION)
        return [finding]
    if state == "unknown":
        return [fnd.finding("FORTITOKEN_STATUS_UNDETERMINED", "monitor user/fortitoken fields seen: %s" % seen,
                            serial=serial, status=token["status"] or "(none)")]
    return []


def diagnose(client, sweep=None):
    """The FortiToken facts and findings, in every VDOM of ``sweep`` (``_fortios/vdoms.py``; default: the task's own
    VDOM). On a multi-VDOM unit every token and finding carries its ``vdom``."""
    sweep = sweep or _vdoms.Sweep(None, [None], False)
    tokens, seen = read_tokens(client, sweep)
    managed = central_management(client)
    guard = fortiguard_reachability(client)
    found = []
    if managed["managed_by_fortimanager"]:
        found.append(fnd.finding("FORTITOKEN_MANAGED_BY_FORTIMANAGER", "central-management type fortimanager",
                                 fmg=managed["fmg"] or "(address not set)"))
    if guard["reachable"] is False:
        found.append(fnd.finding("FORTIGUARD_UNREACHABLE", "%s: not connected" % guard["source"],
                                 status=guard["token_server_status"]))
    elif guard["reachable"] is None:
        found.append(fnd.finding("FORTIGUARD_UNDETERMINED", "", fields=guard["fields_seen"]))
    found.extend(_vdoms.scope_finding(exc) for exc in sweep.scope_errors)
    for vdom, kind in sweep.unreadable_vdoms:
        found.append(sweep.tag(fnd.finding("FORTITOKEN_VDOM_UNREADABLE", "HTTP 403", vdom=vdom, kind=kind), vdom))
    for token in tokens:
        mine = _token_findings(token, seen)
        if not token["bound_to"]:
            mine.append(fnd.finding("FORTITOKEN_UNASSIGNED", "", serial=token["serial"]))
        found.extend(sweep.tag(f, token.get("vdom")) for f in mine)
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import firmware_defects  # imports this module
    found = firmware_defects.review(client, tokens, found)  # troubleshooting.md G1/G4: defects, licence rules
    if guard["reachable"] is False:
        found = [waits_for_fortiguard(f) for f in found]
    facts = {"tokens": tokens, "central_management": managed, "fortiguard": guard}
    if sweep.tagged:
        facts["vdom_mode"], facts["vdoms"] = sweep.mode, sweep.vdoms
    if any(t["state"] == "unknown" for t in tokens):
        facts["monitor_fields_seen"] = seen
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
