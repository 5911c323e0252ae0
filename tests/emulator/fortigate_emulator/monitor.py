"""/api/v2/monitor/... endpoints (fortios-api.md §5).  Result shapes are ASSUMED unless cited."""

from __future__ import annotations

import random
import re

from . import envelope as E
from . import ha
from . import variants
from . import versions
from .scenarios import TOKEN_ERROR_MIGRATED, code_hash, rand_key, tokens_for_code, TRIAL_CODE

_sysrand = random.SystemRandom()

# fortios-api.md §5, troubleshooting.md B9 (FortiCare codes 14/10 and -7564 from KB 194508)
FORTICARE_MESSAGES = {
    10: "forticare license card not found",
    14: "forticare license expired",
    17: "no valid token found",
    31: "token does not belong to product",
    40: "FTM token Activation Code is invalid",
}
# troubleshooting.md B7: "the 20-character code"; the alphabet is not in any source (example in KB 194508:
# DA8C-0508-1F31-4CF7-C990), so only the length is checked; FortiCare judges the rest (forticare_codes).
CODE_RE = re.compile(r"^[^\s-]{4}(-?[^\s-]{4}){4}$")


def _reachable(dev):
    if not dev.rt.get("fortiguard_reachable", True):
        # troubleshooting.md B1: FortiGuard hosts must be reachable.  ASSUMED error shape: -9999 wrapper.
        raise E.err_generic("Failed to connect to FortiGuard server (fds1.fortinet.com / directregistration.fortinet.com)")


def _required(params, name):
    val = params.get(name)
    if val is None or val == "":
        raise E.HttpStatus(424, {"message": f"missing required parameter '{name}'"})  # fortios-api.md §6: 424
    return val


# --- system -----------------------------------------------------------------------

def system_status(dev, params, ctx):
    # fortios-api.md §5: field names inside results UNCONFIRMED -> ASSUMED names below
    return {"model_name": dev.model_name, "model_number": dev.model_number, "model": dev.model,
            "hostname": dev.hostname(), "log_disk_status": "available"}


# fortios-api.md §5 (web-ui/state, one 7.0.6 capture): ha_mode 0 on a standalone unit; ASSUMED: 1 a-p, 2 a-a.
HA_MODE_NUMBERS = {"standalone": 0, "a-p": 1, "a-a": 2}


def web_ui_state(dev, params, ctx):
    """monitor web-ui/state: the keys of the 7.0.6 capture (fortios-api.md §5, "Reading fewer times")."""
    mode = str(dev.singleton("system/ha").get("mode") or "standalone")
    cm = dev.singleton("system/central-management")
    return {"hostname": dev.hostname(), "model": dev.model, "model_name": dev.model_name,
            "model_number": dev.model_number,
            "vdom_mode": dev.singleton("system/global").get("vdom-mode", "no-vdom"),
            "ha_mode": HA_MODE_NUMBERS.get(mode, 1),  # ASSUMED beyond 0 (standalone)
            "is_ha_master": not ha.is_secondary(dev),
            # ASSUMED: true for FortiManager management only (FortiGate Cloud is UNCONFIRMED, fortios-api.md §5)
            "centrally_managed": cm.get("type") == "fortimanager",
            "fortimanager_backup_mode": cm.get("mode") == "backup",  # ASSUMED meaning
            "admin": {"vdoms": list(dev.table("system/vdom")) or ["root"]}}  # ASSUMED: every VDOM (a super_admin)


def license_status(dev, params, ctx):
    lic = dev.rt.get("license", {})
    reach = dev.rt.get("fortiguard_reachable", True)
    # The layout of public real-device captures (fortios-api.md §5, captures): one object per service with a "type";
    # fortiguard.connected is the FortiGuard connection flag. Values not in a capture (the account) are examples.
    guard = {"type": "cloud_service_status", "connected": bool(reach), "has_updated": bool(reach),
             "update_server_usa": False}
    if reach:
        guard.update(server_address="173.243.138.68:443", fortigate_wan_ip="0.0.0.0")
    res = {
        "fortiguard": guard,
        "forticare": {"type": "cloud_service_status", "status": lic.get("forticare", "registered"),
                      "registration_supported": True, "account": "ops@example.com",
                      "support": {"hardware": {"status": "licensed"}, "enhanced": {"status": "licensed"}}},
        "vdom": {"type": "platform", "can_upgrade": False, "used": 1, "max": 10},
        "sms": {"type": "other", "status": "no_license", "used": 0, "max": 0},
    }
    if dev.is_vm:
        ev = bool(lic.get("evaluation"))
        # fortios-api.md §5, captures: an evaluation VM answers vm.status "vm_eval" (capture of 6.2.4); vm_valid otherwise.
        res["vm"] = {"type": "platform", "valid": lic.get("vm") != "vm_invalid",
                     "status": "vm_eval" if ev else (lic.get("vm") or "vm_valid"), "license_model": 1,
                     "license_platform_name": "FGVMEV" if ev else "FGVMSL"}
    return variants.license_status(variants.of(dev), res)


def central_status(dev, params, ctx):
    cm = dev.singleton("system/central-management")
    return {"mode": cm.get("mode", "normal"), "type": cm.get("type", "none"), "fmg": cm.get("fmg", ""),
            "status": dev.rt.get("fmg", {}).get("connection", "none")}  # ASSUMED shape


def interfaces(dev, params, ctx):
    only = params.get("interface_name")
    out = {}
    for row in dev.table("system/interface").values():
        if only and row["name"] != only:
            continue
        ip, _, mask = (row.get("ip") or "0.0.0.0 0.0.0.0").partition(" ")
        plen = bin(int.from_bytes(bytes(int(x) for x in (mask or "0.0.0.0").split(".")), "big")).count("1")
        out[row["name"]] = {"id": row["name"], "name": row["name"], "alias": row.get("alias", ""),
                            "ip": ip, "mask": plen, "link": row.get("status", "up") == "up",
                            "speed": 1000, "duplex": 1, "role": row.get("role", ""),
                            "tx_packets": 0, "rx_packets": 0}  # ASSUMED fields (fortios-api.md §5 UNCONFIRMED)
    return out


def available_certificates(dev, params, ctx):
    res = []
    want = params.get("mkey")
    for row in dev.table("certificate/local").values():
        res.append({"name": row["name"], "type": "local-cer", "source": row.get("source", "user"),
                    "range": row.get("range", "global"), "is_ssl_server_cert": True})
    if str(params.get("with_ca", "")).lower() in ("1", "true"):
        for row in dev.table("certificate/ca").values():
            res.append({"name": row["name"], "type": "local-ca" if row.get("source") == "factory" else "remote-ca",
                        "source": row.get("source", "user"), "range": row.get("range", "global")})
    if want:
        res = [r for r in res if r["name"] == want]
    return res  # ASSUMED shape


def fortiguard_server_info(dev, params, ctx):
    reach = dev.rt.get("fortiguard_reachable", True)
    # ASSUMED shape; 173.243.138.68:443 is the FDS address in the KB 194508 debug sample
    servers = [{"ip": "173.243.138.68", "port": 443, "rtt": 12 if reach else None, "weight": 10, "tz": -8,
                "status": "reachable" if reach else "unreachable", "failures": 0 if reach else 9}]
    return variants.server_info(variants.of(dev), {"servers": servers, "any_reachable": reach,
                                                   "token_server_status": "reachable" if reach else "unknown"})


def service_communication_stats(dev, params, ctx):
    """troubleshooting.md G3: fortiguard/service-communication-stats, service_type e.g. fortitoken_registration or
    forticare, timeslot 1_hour|24_hour|1_week. ASSUMED: present from 7.0.0 (404 before), and the answer shape below
    (one row per interval with success/failure counts); the collection reads any shape (variants would too)."""
    if versions.vt(dev.version) < (7, 0, 0):
        raise E.HttpStatus(404)
    reach = dev.rt.get("fortiguard_reachable", True)
    service = params.get("service_type") or "fortitoken_registration"
    rows = [{"time": 1764115200 + 600 * i, "success": 2 if reach else 0, "failure": 0 if reach else 3}
            for i in range(6)]
    return {"service_type": service, "timeslot": params.get("timeslot") or "1_hour", "stats": rows}


# --- FortiToken (fortios-api.md §5, access group authgrp) -----------------------------------------

def _assigned(dev, sn):
    out = []
    for tbl in ("user/local", "system/admin"):
        for r in dev.table(tbl).values():
            if r.get("fortitoken") == sn:
                out.append({"table": tbl, "name": r.get("name")})
    return out


def _tok_status(dev, sn):
    row = dev.row("user/fortitoken", sn) or {}
    if row.get("status") == "lock":
        return "locked"  # troubleshooting.md B4: locked by an admin (`set status lock`)
    return dev.rt.get("tokens", {}).get(sn, "new")


def fortitoken_list(dev, params, ctx):
    out = {}
    for sn, row in dev.table("user/fortitoken").items():
        out[sn] = {"status": _tok_status(dev, sn),
                   "type": "mobile" if sn.startswith("FTKMOB") else "hardware",
                   "license": row.get("license", ""), "assigned_to": _assigned(dev, sn)}
    # fortios-api.md §2: "map of FortiTokens and their status" (key names ASSUMED; other shapes: variants.py)
    return variants.tokens(variants.of(dev), out)


def _token_args(dev, params):
    toks = params.get("tokens")
    if toks is None or toks == "":
        return list(dev.table("user/fortitoken"))  # fortios-api.md §5: omitted -> all tokens
    if isinstance(toks, str):
        toks = [t for t in re.split(r"[,\s]+", toks) if t]
    for t in toks:
        if dev.row("user/fortitoken", t) is None:
            raise E.err_datasource(t)
    return toks


def is_hardware_token(serial) -> bool:
    return not str(serial or "").upper().startswith("FTKMOB")  # fortios-api.md §2: mobile tokens are FTKMOB...


def refuse_hardware_token(dev, serial):
    """troubleshooting.md G1 (bug 1218458): on an affected release, activating or adding a hardware token by serial
    fails with 'cmdb save error' (KB 428366). ASSUMED REST shape: HTTP 500, error -9999 with that text."""
    if serial and is_hardware_token(serial) and versions.rule(dev.version, "hardware_token_cmdb_save_error"):
        raise E.err_generic("cmdb save error")


def fortitoken_activate(dev, params, ctx):
    _reachable(dev)
    res = []
    for sn in _token_args(dev, params):
        if _tok_status(dev, sn) == "new":
            refuse_hardware_token(dev, sn)
        st = _tok_status(dev, sn)
        if st == "new":
            if not sn.startswith("FTKMOB"):
                st = "active"  # troubleshooting.md B4: hardware token active
            elif _assigned(dev, sn):
                st = "provisioning"  # troubleshooting.md B4: FTM assigned, waiting for the app
            # ASSUMED: an unassigned mobile token stays "new" (nothing to provision)
            dev.rt["tokens"][sn] = st
        res.append({"serial": sn, "status": st})
    return res  # ASSUMED: migrated tokens stay in "activation error" (troubleshooting.md B3/B5)


def fortitoken_refresh(dev, params, ctx):
    _reachable(dev)
    return [{"serial": sn, "status": _tok_status(dev, sn)} for sn in _token_args(dev, params)]


def fortitoken_provision(dev, params, ctx):
    _reachable(dev)
    res = []
    for sn in _token_args(dev, params):
        st = _tok_status(dev, sn)
        if st in ("new", "provision timeout") and _assigned(dev, sn):
            st = "provisioning"
            dev.rt["tokens"][sn] = st
        res.append({"serial": sn, "status": st})
    return res


def fortitoken_send_activation(dev, params, ctx):
    sn = _required(params, "token")
    if dev.row("user/fortitoken", sn) is None:
        raise E.err_datasource(sn)
    owners = _assigned(dev, sn)
    if not owners:
        # fortios-api.md §5: the token "must be assigned to a user/admin" (error form ASSUMED)
        raise E.err_generic("FortiToken is not assigned to any user")
    _reachable(dev)
    st = _tok_status(dev, sn)
    if st == TOKEN_ERROR_MIGRATED:
        raise E.err_generic(TOKEN_ERROR_MIGRATED)  # troubleshooting.md B3: migrated tokens do not work
    if st == "locked":
        raise E.err_generic("FortiToken is locked")
    owner = dev.row(owners[0]["table"], owners[0]["name"]) or {}
    method = params.get("method")
    email = params.get("email") or owner.get("email-to")
    phone = params.get("sms_phone") or owner.get("sms-phone")
    if method == "email" and not email or method == "sms" and not phone or (not method and not (email or phone)):
        raise E.err_generic("no email address or SMS phone number for the activation")  # ASSUMED
    if st in ("new", "provision timeout", "provisioning"):
        dev.rt["tokens"][sn] = "provisioning"  # troubleshooting.md B10: activation code sent -> provisioning
    return {"token": sn, "method": method or ("sms" if phone else "email"), "status": dev.rt["tokens"].get(sn)}


def _forticare_fail(code_num):
    # troubleshooting.md B9 (UNCONFIRMED REST surface) -> ASSUMED: HTTP 500, error -7564 (FGT log line in KB 194508),
    # forticare_error_code/forticare_error_message keys (third-party: body can carry forticare_error_message)
    msg = FORTICARE_MESSAGES.get(code_num, "forticare error")
    return E.ApiError(-7564, [f"FortiCare error {code_num}: {msg}",
                              "import fortitoken license error: -7564",
                              "Command fail. Return code -7564"],
                      extra={"forticare_error_code": code_num, "forticare_error_message": msg,
                             "status_message": msg})


def _import_code(dev, code):
    lic, serials = tokens_for_code(code, dev.serial)
    known = dev.rt.setdefault("fortiguard_tokens", {})
    added, kept = [], []
    for sn in serials:
        known[sn] = lic
        if dev.row("user/fortitoken", sn) is None:
            dev.put_row("user/fortitoken", {"serial-number": sn, "status": "active", "seed": "", "comments": "",
                                            "license": lic, "activation-code": "", "activation-expire": 0,
                                            "reg-id": "", "os-ver": ""})
            dev.rt["tokens"][sn] = "new"  # troubleshooting.md B4: newly added
            added.append(sn)
        else:
            kept.append(sn)  # troubleshooting.md B7: re-entering the code does not affect assigned/existing tokens
    if added:
        dev.bump()
    return {"license": lic, "tokens": serials, "added": added, "unchanged": kept}


def fortitoken_import_mobile(dev, params, ctx):
    code = str(_required(params, "code")).strip()
    if not CODE_RE.match(code):
        raise E.err_invalid_value(code[:4] + "...")  # troubleshooting.md B8: "input value is invalid"; never echo a code
    _reachable(dev)
    if ha.is_secondary(dev):
        raise _forticare_fail(ha.FORTICARE_SECONDARY_ERROR)  # troubleshooting.md F: licences go to the primary
    err = dev.rt.get("forticare_error") or dev.rt.get("forticare_codes", {}).get(code_hash(code))
    if err:
        raise _forticare_fail(int(err))
    return _import_code(dev, code)


def fortitoken_import_trial(dev, params, ctx):
    _reachable(dev)
    if ha.is_secondary(dev):
        raise _forticare_fail(ha.FORTICARE_SECONDARY_ERROR)  # troubleshooting.md F: licences go to the primary
    return _import_code(dev, TRIAL_CODE)  # troubleshooting.md B8: two free trial tokens FTMTRIAL...


# --- EMS (fortios-api.md §5, access group utmgrp.endpoint-control) ---------------------------------

def _ems_key(dev, params, required):
    if dev.mkey("endpoint-control/fctems") == "ems-id":
        raw = params.get("ems_id")  # fortios-api.md §5: ems_id on 7.0.8+/7.2.1+
        name = "ems_id"
    else:
        raw = params.get("ems_name")  # fortios-api.md §5: ems_name before the key change
        name = "ems_name"
    if raw is None or raw == "":
        if required:
            _required(params, name)
        return None
    key = str(raw)
    if dev.row("endpoint-control/fctems", key) is None:
        raise E.HttpStatus(404)  # ASSUMED
    return key


def _ems_state(dev, key):
    row = dev.row("endpoint-control/fctems", key) or {}
    st = dev.rt.get("ems", {}).get(key)
    ev = bool(dev.rt.get("license", {}).get("evaluation"))
    out = {"name": row.get("name", ""), "server": row.get("server", ""), "serial_number": row.get("serial-number", "")}
    if "ems-id" in row:
        out["ems_id"] = row["ems-id"]
    enabled = row.get("status", "enable") == "enable"
    if not enabled or st is None or not row.get("server"):
        out.update({"status": "disabled" if not enabled else "not_configured", "connection": "disconnected",
                    "verified": False, "authorized": False, "authorization": "unknown",
                    "error_code": 0, "error_message": ""})
        return out
    trusted = st["ca_trusted"] or st["verified"]
    connected = st["reachable"] and trusted
    authorized = connected and st["approved"] and not ev  # troubleshooting.md C5: eval FGT never authorized (ASSUMED cause)
    out.update({"status": "connected" if connected else "disconnected", "connection": "connected" if connected else "disconnected",
                "verified": bool(st["verified"]), "authorized": authorized,
                "authorization": "authorized" if authorized else ("not_authorized" if connected else "unknown"),
                "error_code": 0, "error_message": ""})
    if ha.is_secondary(dev):
        # troubleshooting.md F: the passive member's test answers "-1 timeout" (community post 225686)
        out.update({"status": "disconnected", "connection": "disconnected", "authorized": False,
                    "authorization": "unknown", "error_code": -1, "error_message": "-1 timeout"})
    elif not st["reachable"]:
        # troubleshooting.md C4: codes -1/-2/-3/-6 have no public text -> ASSUMED code/text for an unreachable EMS
        out.update({"error_code": -1, "error_message": "EMS server connection failed. Unable to connect to server."})
    elif not trusted:
        out.update({"error_code": -4, "error_message": "EMS server certificate is not signed by any known CA."})  # troubleshooting.md C4
    elif not authorized:
        # troubleshooting.md C4/C1 (forum 222572): -8 and HTTP 401 on api/v1/settings/server/public_address
        out.update({"error_code": -8, "error_message": "EMS server connection failed. Authentication failed",
                    "last_rest_error": {"api": "api/v1/settings/server/public_address", "http_code": 401,
                                        "message": "Unauthorized"}})
    return out


def ems_status(dev, params, ctx):
    key = _ems_key(dev, params, False)
    if key is not None:
        return variants.ems_status(variants.of(dev), _ems_state(dev, key))
    return variants.ems_status(variants.of(dev), [_ems_state(dev, k) for k, r in
                                                  dev.table("endpoint-control/fctems").items() if r.get("server")])


def ems_status_summary(dev, params, ctx):
    items = [_ems_state(dev, k) for k, r in dev.table("endpoint-control/fctems").items() if r.get("server")]
    return {"total": len(items), "connected": sum(1 for i in items if i["connection"] == "connected"),
            "authorized": sum(1 for i in items if i["authorized"]), "entries": items}


def ems_cert_status(dev, params, ctx):
    return variants.cert_status(variants.of(dev), _ems_cert_status(dev, params))


def _ems_cert_status(dev, params):
    key = _ems_key(dev, params, True)  # fortios-api.md §5: ems_id required
    st = dev.rt.get("ems", {}).get(key)
    row = dev.row("endpoint-control/fctems", key)
    if st is None:
        return {"status": "not_configured", "verified": False, "authenticated_by_ca": False}
    res = {"name": row.get("name", ""), "authenticated_by_ca": bool(st["ca_trusted"]),
           "verified": bool(st["verified"]),
           "status": "trusted" if st["ca_trusted"] else ("verified" if st["verified"] else "untrusted")}
    if "ems-id" in row:
        res["ems_id"] = row["ems-id"]
    if not st["ca_trusted"] and not st["verified"]:
        res.update({"error_code": -4, "error_message": "EMS server certificate is not signed by any known CA."})  # troubleshooting.md C4
    if str(params.get("with_cert", "")).lower() in ("1", "true") and st["ca_trusted"]:
        # fortios-api.md §5: with_cert "Available when the certificate is authenticated by installed CA certificates"
        res["cert"] = {"fingerprint": st["fingerprint"], "issuer": st["issuer"], "subject": st["subject"],
                       "valid_from": st["valid_from"], "valid_to": st["valid_to"], "verified": bool(st["verified"])}
    return res


def _norm_fp(fp):
    return re.sub(r"[^0-9A-F]", "", str(fp).upper())


def ems_verify_cert(dev, params, ctx):
    key = _ems_key(dev, params, True)
    fp = _required(params, "fingerprint")  # fortios-api.md §5: fingerprint required
    st = dev.rt.get("ems", {}).get(key)
    if st is None:
        raise E.err_generic("EMS entry is not configured")
    if not st["reachable"]:
        # troubleshooting.md C4: "Error in requesting EMS fabric connection: -N ... Command fail. Return code -9999"
        raise E.err_generic("Error in requesting EMS fabric connection: -1")
    if _norm_fp(fp) != _norm_fp(st["fingerprint"]):
        raise E.err_generic("Error in requesting EMS fabric connection: -4 (certificate fingerprint mismatch)")  # ASSUMED text
    st["verified"] = True
    row = dev.row("endpoint-control/fctems", key)
    if "capabilities" in row and not row["capabilities"]:
        row["capabilities"] = "fabric-auth silent-approval websocket"  # troubleshooting.md C1: learned on verify
        dev.bump()
    return {"verified": True}


def ems_unverify_cert(dev, params, ctx):
    key = _ems_key(dev, params, True)
    st = dev.rt.get("ems", {}).get(key)
    if st is not None:
        st["verified"] = False
    return {"verified": False}


# --- API user ---------------------------------------------------------------------------

def generate_key(dev, params, ctx):
    user = _required(params, "api-user")  # fortios-api.md §5
    row = dev.row("system/api-user", user)
    if row is None:
        raise E.err_datasource(user)
    key = rand_key(_sysrand)
    dev.set_key(user, key)  # fortios-api.md §5: the old api-key is replaced at once
    row["api-key"] = "set"
    dev.bump()
    return {"access_token": key}  # fortios-api.md §5: clients read results.access_token


# path -> (method, access group, write, handler)
ENDPOINTS = {
    "system/status": ("GET", ("any", None), False, system_status),  # fortios-api.md §5: group any
    "license/status": ("GET", ("any", None), False, license_status),  # fortios-api.md §5: group any
    # fortios-api.md §5: access group UNCONFIRMED, ASSUMED any; fail_path {"match": "web-ui/state"} answers 404
    "web-ui/state": ("GET", ("any", None), False, web_ui_state),
    "system/central-management/status": ("GET", ("sysgrp", "cfg"), False, central_status),  # group ASSUMED
    "system/fortimanager/status": ("GET", ("sysgrp", "cfg"), False, central_status),  # fortios-api.md §5: sysgrp.cfg
    "system/ha-checksums": ("GET", ("sysgrp", "cfg"), False, ha.checksums),  # troubleshooting.md F; group ASSUMED
    "system/interface": ("GET", ("netgrp", "cfg"), False, interfaces),  # fortios-api.md §5: netgrp.cfg
    "system/available-certificates": ("GET", ("any", None), False, available_certificates),  # fortios-api.md §5: any
    "system/fortiguard/server-info": ("GET", ("sysgrp", "cfg"), False, fortiguard_server_info),  # fortios-api.md §5
    # troubleshooting.md G3; access group ASSUMED sysgrp.cfg like the other FortiGuard endpoints (fortios-api.md §5)
    "fortiguard/service-communication-stats": ("GET", ("sysgrp", "cfg"), False, service_communication_stats),
    "user/fortitoken": ("GET", ("authgrp", None), False, fortitoken_list),  # fortios-api.md §5: authgrp
    "user/fortitoken/activate": ("POST", ("authgrp", None), True, fortitoken_activate),
    "user/fortitoken/refresh": ("POST", ("authgrp", None), True, fortitoken_refresh),
    "user/fortitoken/provision": ("POST", ("authgrp", None), True, fortitoken_provision),
    "user/fortitoken/send-activation": ("POST", ("authgrp", None), True, fortitoken_send_activation),
    "user/fortitoken/import-mobile": ("POST", ("authgrp", None), True, fortitoken_import_mobile),
    "user/fortitoken/import-trial": ("POST", ("authgrp", None), True, fortitoken_import_trial),
    "endpoint-control/ems/status": ("GET", ("utmgrp", "endpoint-control"), False, ems_status),
    "endpoint-control/ems/status-summary": ("GET", ("utmgrp", "endpoint-control"), False, ems_status_summary),
    "endpoint-control/ems/cert-status": ("GET", ("utmgrp", "endpoint-control"), False, ems_cert_status),
    "endpoint-control/ems/verify-cert": ("POST", ("utmgrp", "endpoint-control"), True, ems_verify_cert),
    "endpoint-control/ems/unverify-cert": ("POST", ("utmgrp", "endpoint-control"), True, ems_unverify_cert),
    "system/api-user/generate-key": ("POST", ("sysgrp", "admin"), True, generate_key),  # fortios-api.md §5: sysgrp.admin
}
ADMIN_PASSWD_ACTIONS = ("system/api-user/generate-key",)  # fortios-api.md §4: 7.6.5 generate-key needs it


def split(path):
    parts = path.split("/")
    return parts[0], parts[1] if len(parts) > 1 else "", "/".join(parts[2:])


def handle(dev, path, method, params, vdom, ctx):
    p, n, action = split(path)
    ep = ENDPOINTS.get(path)
    if ep is None:
        return 404, E.status_body(dev, method, p, n, vdom, 404)  # ASSUMED
    if ep[0] != method:
        return 405, E.status_body(dev, method, p, n, vdom, 405)  # fortios-api.md §6: 405 method not allowed
    # ASSUMED monitor envelope: GET envelope keys (fortios-api.md §6) + "action" (path/name/action split)
    env = E.base(dev, method, p, n, vdom)
    env["action"] = action
    try:
        results = ep[3](dev, params, ctx)
    except E.ApiError as err:
        body = E.error_body(dev, method, p, n, vdom, err)
        body["action"] = action
        return err.http_status, body
    except E.HttpStatus as hs:
        body = E.status_body(dev, method, p, n, vdom, hs.http_status, extra=hs.extra)
        body["action"] = action
        return hs.http_status, body
    env["results"] = results
    env["status"] = "success"
    env["http_status"] = 200
    return 200, env


_ = versions
