"""Scenarios: build a device's starting config/runtime (healthy baseline + one problem)."""

from __future__ import annotations

import hashlib
import string

from . import versions
from .state import Device

API_USER = "fortifleet-automation"
API_PROFILE = "fortifleet_profile"
ALNUM = string.ascii_letters + string.digits

SEED_SCENARIOS = [
    "ftm-push-no-cert", "ftm-push-disabled", "ftm-push-legacy-server-ip", "ftm-push-no-ftm-access",
    "token-not-activated", "token-migrated", "token-license-expired", "token-card-not-found",
    "fmg-managed", "fortiguard-unreachable",
    "ems-cert-untrusted", "ems-not-authorized", "ems-eval-license", "ems-unreachable",
    "api-token-rejected", "api-trusthost-mismatch", "api-forbidden", "api-url-token-disabled",
    "token-hardware-defect",
    "multi-vdom",
]
ALL_SCENARIOS = ["healthy"] + SEED_SCENARIOS

TOKEN_ERROR_MIGRATED = "activation error (token not exist in FortiGuard)"  # troubleshooting.md B4 wording
TRIAL_CODE = "0000-0000-0000-0000-0000"  # troubleshooting.md B8: trial tokens import code


def seeds_scenarios(n: int) -> list:
    """Deterministic spread: about 30% healthy, the rest round-robin over the seed scenarios; a fleet too
    small for both gets every seed scenario first (24 devices: all 20 seeds + 4 healthy, the last two of them an HA pair)."""
    healthy = round(0.3 * n)
    if n - healthy < len(SEED_SCENARIOS):
        healthy = max(0, n - len(SEED_SCENARIOS))
    healthy_at = {(k * n) // healthy for k in range(healthy)} if healthy else set()
    out, j = [], 0
    for i in range(n):
        if i in healthy_at:
            out.append("healthy")
        else:
            out.append(SEED_SCENARIOS[j % len(SEED_SCENARIOS)])
            j += 1
    return out


def forced_version(scenario: str, version: str) -> str:
    """Scenarios that only exist on some versions are moved onto a compatible one."""
    if scenario == "api-url-token-disabled" and not versions.rule(version, "url_token_rule"):
        return "7.4.8"  # fortios-api.md §7: the setting only exists from 7.4.5 (brief: use 7.4.8)
    if scenario == "token-hardware-defect" and versions.vt(version) < (7, 4, 10):
        return "7.4.11"  # troubleshooting.md G1: a build with bug 1218458 (7.4.10+ profiles keep theirs: 7.4.12 is fixed)
    return version


# --- deterministic token material ---------------------------------------------

def _h(*parts) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest().upper()


def tokens_for_code(code: str, device_serial: str = ""):
    """ASSUMED: a licence code holds 2-5 FTKMOB tokens, derived deterministically from the code.
    Trial code (all zeros, troubleshooting.md B8) holds the two trial tokens of this device."""
    code = code.upper()
    if code == TRIAL_CODE:
        lic = "FTMTRIAL" + _h("trial", device_serial)[:8]  # troubleshooting.md B8: licence FTMTRIALxxxxxxxx
        return lic, ["FTKMOB" + _h("trial", device_serial, i)[:10] for i in range(2)]
    h = _h("code", code)
    n = 2 + int(h[:2], 16) % 4
    lic = "EFTM" + h[2:10]  # troubleshooting.md B8: paid licences are named EFTM...
    return lic, ["FTKMOB" + _h("code", code, i)[:10] for i in range(n)]


def code_hash(code: str) -> str:
    return _h("codehash", code.upper())[:16]  # runtime keeps a hash, never the code


def rand_code(rng, min_tokens=2) -> str:
    while True:
        code = "-".join("".join(rng.choice("0123456789ABCDEF") for _ in range(4)) for _ in range(5))
        if code != TRIAL_CODE and len(tokens_for_code(code)[1]) >= min_tokens:
            return code


def rand_key(rng, n=30) -> str:
    return "".join(rng.choice(ALNUM) for _ in range(n))  # brief: 30-char alphanumeric key


def ems_fingerprint(serial: str, key) -> str:
    h = _h("ems-cert", serial, key)[:64]
    return ":".join(h[i:i + 2] for i in range(0, 64, 2))  # ASSUMED format: SHA-256, colon hex


def wan_ip(index: int) -> str:
    # documentation ranges (RFC 5737), public-looking WAN addresses
    if index <= 254:
        return f"203.0.113.{index}"
    if index <= 508:
        return f"198.51.100.{index - 254}"
    return f"192.0.2.{(index - 509) % 254 + 1}"


# --- baseline ------------------------------------------------------------------

def _accprofile(name, level="read-write"):
    return {
        "name": name, "scope": "vdom", "comments": "",
        "secfabgrp": level, "ftviewgrp": level, "authgrp": level, "sysgrp": level, "netgrp": level,
        "loggrp": level, "fwgrp": level, "vpngrp": level, "utmgrp": level, "wanoptgrp": level, "wifi": level,
        "utmgrp-permission": {"endpoint-control": level},
    }


def _fctems_row(dev: Device, key, configured: bool):
    v = dev.version
    mk = dev.mkey("endpoint-control/fctems")
    defaults = {
        "ems-id": key if mk == "ems-id" else None,
        "status": "enable" if configured else "disable",
        "name": (f"ems{key:02d}" if isinstance(key, int) else key) if configured else "",
        "dirty-reason": "none",
        "fortinetone-cloud-authentication": "disable",
        "cloud-authentication-access-key": "",
        "server": "ems.example.com" if configured else "",
        "https-port": 443,
        "serial-number": f"FCTEMS88{dev.index:08d}" if configured else "",
        "tenant-id": "00000000000000000000000000000000" if configured else "",
        "source-ip": "0.0.0.0",
        "pull-sysinfo": "enable", "pull-vulnerabilities": "enable", "pull-tags": "enable",
        "pull-malware-hash": "enable", "pull-avatars": "enable",
        "capabilities": "fabric-auth silent-approval websocket" if configured else "",  # troubleshooting.md C1
        "call-timeout": 30, "out-of-sync-threshold": 180, "send-tags-to-all-vdoms": "disable",
        "websocket-override": "disable", "preserve-ssl-session": "disable",
        "interface-select-method": "auto", "interface": "",
        "trust-ca-cn": "enable", "verifying-ca": "",
        "cloud-server-type": "production", "status-check-interval": 5, "certificate": "",
    }
    row = {}
    for f, val in defaults.items():
        if f == "ems-id" and mk != "ems-id":
            continue
        if versions.field_allowed(v, "endpoint-control/fctems", f):
            row[f] = val
    if mk == "name":
        row["name"] = key
    return row


def build_baseline(dev: Device, rng, http: bool):
    v = dev.version
    dev.config = {}
    dev.rt = {"http": http}
    g = {"hostname": dev.name, "vdom-mode": "no-vdom", "admin-sport": 443, "timezone": "04",
         "two-factor-ftm-expiry": 72}
    if versions.field_allowed(v, "system/global", "rest-api-key-url-query"):
        g["rest-api-key-url-query"] = "disable"  # fortios-api.md §4/§7 (default per source H): disable
    dev.config["system/global"] = g
    dev.put_row("system/vdom", {"name": "root"})
    dev.put_row("system/interface", {
        "name": dev.wan, "vdom": "root", "type": "physical", "role": "wan", "mode": "static",
        "ip": f"{wan_ip(dev.index)} 255.255.255.0", "allowaccess": "ping https ssh ftm",  # fortios-api.md §1: ftm needed
        "status": "up", "alias": "WAN", "description": ""})
    dev.put_row("system/interface", {
        "name": dev.lan, "vdom": "root", "type": "physical" if dev.is_vm else "hard-switch", "role": "lan",
        "mode": "static", "ip": f"10.{dev.index // 250}.{dev.index % 250}.1 255.255.255.0",
        "allowaccess": "ping https ssh", "status": "up", "alias": "LAN", "description": ""})
    # ASSUMED: both factory certificates exist on every device so either ftm-push default validates
    for name in ("Fortinet_Factory", "Fortinet_GUI_Server", "Fortinet_SSL"):
        dev.put_row("certificate/local", {"name": name, "source": "factory", "range": "global",
                                          "comments": "This is the default local certificate"})
    for name in ("Fortinet_CA", "Fortinet_CA_SSL", "FortiFleet_EMS_CA"):
        dev.put_row("certificate/ca", {"name": name, "source": "factory" if name.startswith("Fortinet_") else "user",
                                       "range": "global", "auto-update-days": 0})
    dev.put_row("system/accprofile", _accprofile("super_admin"))
    dev.put_row("system/accprofile", _accprofile("prof_admin"))
    dev.put_row("system/accprofile", _accprofile(API_PROFILE))
    dev.put_row("system/api-user", {
        "name": API_USER, "comments": "fortifleet automation", "api-key": "set",
        "accprofile": API_PROFILE, "vdom": [{"name": "root"}], "schedule": "", "cors-allow-origin": "",
        "peer-auth": "disable", "peer-group": "",
        "trusthost": [{"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "127.0.0.0 255.0.0.0",
                       "ipv6-trusthost": "::/0"}]})
    dev.put_row("system/admin", {
        "name": "admin", "accprofile": "super_admin", "vdom": [{"name": "root"}], "password": "set",
        "two-factor": "disable", "fortitoken": "", "email-to": "", "sms-server": "fortiguard",
        "sms-custom-server": "", "sms-phone": "", "trusthost1": "0.0.0.0 0.0.0.0", "comments": ""})
    dev.config["system/ha"] = {"mode": "standalone", "group-name": "", "group-id": 0}  # CLI defaults (ha.py)
    # ASSUMED: a healthy unit is not centrally managed (type none)
    dev.config["system/central-management"] = {"type": "none", "fmg": "", "mode": "normal",
                                               "fmg-source-ip": "0.0.0.0", "serial-number": ""}
    # ftm-push (fortios-api.md §1)
    fp = {"status": "enable", "server-port": 4433, "server-ip": "0.0.0.0"}
    if versions.field_allowed(v, "system/ftm-push", "server"):
        fp["server"] = wan_ip(dev.index)
    else:
        fp["server-ip"] = wan_ip(dev.index)  # troubleshooting.md A2: 6.4.9 and earlier use server-ip
    if versions.field_allowed(v, "system/ftm-push", "server-cert"):
        fp["server-cert"] = versions.ftm_default_cert(v)
    if versions.field_allowed(v, "system/ftm-push", "proxy"):
        fp["proxy"] = "enable"
    if versions.field_allowed(v, "system/ftm-push", "interface"):
        fp["interface"] = ""
    dev.config["system/ftm-push"] = fp
    # secrets
    dev.set_key(API_USER, rand_key(rng))
    dev.admin_password = rand_key(rng, 16)
    dev.inventory_token = dev.api_keys[API_USER]
    # tokens: bound and provisioned (troubleshooting.md B4: FTM activated in the app = provisioned)
    code = rand_code(rng, 3)
    dev.license_codes = [code]
    lic, serials = tokens_for_code(code)
    dev.rt["tokens"] = {}
    dev.rt["fortiguard_tokens"] = {sn: lic for sn in serials}  # serials FortiGuard knows for this unit
    for i, sn in enumerate(serials):
        dev.put_row("user/fortitoken", {
            "serial-number": sn, "status": "active", "seed": _h("seed", sn)[:40], "comments": "",
            "license": lic, "activation-code": "", "activation-expire": 0, "reg-id": "", "os-ver": ""})
        dev.rt["tokens"][sn] = "provisioned"
        uname = f"user{i + 1:02d}"
        dev.put_row("user/local", {
            "name": uname, "status": "enable", "type": "password", "passwd": "set",
            "two-factor": "fortitoken", "fortitoken": sn, "email-to": f"{uname}@example.com",
            "sms-server": "fortiguard", "sms-custom-server": "", "sms-phone": ""})
    dev.rt["fortiguard_reachable"] = True
    dev.rt["forticare_codes"] = {}   # code hash -> FortiCare error code
    dev.rt["forticare_error"] = None  # device-wide override (control API /runtime)
    dev.rt["license"] = {"forticare": "registered", "vm": "vm_valid" if dev.is_vm else None,
                         "evaluation": False, "fortiguard": "licensed"}
    dev.rt["fmg"] = {"connection": "none"}
    # EMS: fortios-api.md §3 (UNCONFIRMED -> ASSUMED): on ems-id versions rows 1..max exist by default
    mk = dev.mkey("endpoint-control/fctems")
    dev.rt["ems"] = {}
    if mk == "ems-id":
        for i in range(1, versions.fctems_max_id(v) + 1):
            dev.put_row("endpoint-control/fctems", _fctems_row(dev, i, i == 1))
        key = "1"
    else:
        dev.put_row("endpoint-control/fctems", _fctems_row(dev, "ems01", True))
        key = "ems01"
    dev.rt["ems"][key] = new_ems_runtime(dev, key, healthy=True)


def new_ems_runtime(dev: Device, key, healthy=False) -> dict:
    # ASSUMED for new entries: reachable EMS, CA-trusted cert, not verified, not approved
    return {"reachable": True, "ca_trusted": True, "verified": healthy, "approved": healthy,
            "fingerprint": ems_fingerprint(dev.serial, key),
            "issuer": "CN=FortiFleet EMS CA, O=Example", "subject": "CN=ems.example.com",
            "valid_from": "2025-01-01 00:00:00", "valid_to": "2027-01-01 00:00:00"}


# --- scenarios ---------------------------------------------------------------------

def _tokens_status(dev, status):
    for sn in dev.rt["tokens"]:
        dev.rt["tokens"][sn] = status


def apply_scenario(dev: Device, scenario: str, rng, http: bool):
    if scenario not in ALL_SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}")
    dev.scenario = scenario
    dev.set_model(versions.MODELS[(dev.index - 1) % len(versions.MODELS)])  # back to the device's own model
    if scenario == "ems-eval-license" and not dev.is_vm:
        dev.set_model(versions.MODELS[0])  # an evaluation licence only exists for VMs (troubleshooting.md C5)
    build_baseline(dev, rng, http)
    v = dev.version
    fp = dev.config["system/ftm-push"]
    ems_key = next(iter(dev.rt["ems"]))
    ems = dev.rt["ems"][ems_key]
    if scenario == "healthy":
        pass
    elif scenario == "ftm-push-no-cert":
        if "server-cert" in fp:
            fp["server-cert"] = " "  # troubleshooting.md A5: set server-cert " "
    elif scenario == "ftm-push-disabled":
        fp["status"] = "disable"
    elif scenario == "ftm-push-legacy-server-ip":
        # troubleshooting.md A2: on 6.4.10+ only server-ip set, server empty; on 6.4.9 server-ip is the setting (healthy)
        if "server" in fp:
            fp["server"] = ""
            fp["server-ip"] = wan_ip(dev.index)
    elif scenario == "ftm-push-no-ftm-access":
        dev.row("system/interface", dev.wan)["allowaccess"] = "ping https ssh"  # troubleshooting.md A3/A6
    elif scenario == "token-not-activated":
        _tokens_status(dev, "new")  # troubleshooting.md B4
    elif scenario == "token-migrated":
        # troubleshooting.md B3/B5: seed present in config but "activation error"; users + admin bound
        _tokens_status(dev, TOKEN_ERROR_MIGRATED)
        first = next(iter(dev.rt["tokens"]))
        for u in dev.table("user/local").values():
            u["sms-phone"] = "+15555550100"
        adm = dev.row("system/admin", "admin")
        third = list(dev.rt["tokens"])[2]
        adm.update({"two-factor": "fortitoken", "fortitoken": third, "email-to": "admin@example.com",
                    "sms-server": "fortiguard", "sms-phone": "+15555550199"})
        assert first
    elif scenario in ("token-license-expired", "token-card-not-found"):
        # troubleshooting.md B9 (KB 194508): FortiCare 14 / 10 on import; no tokens yet
        dev.config["user/fortitoken"] = {}
        dev.rt["tokens"] = {}
        dev.rt["fortiguard_tokens"] = {}
        for u in dev.table("user/local").values():
            u.update({"two-factor": "disable", "fortitoken": ""})
        code = rand_code(rng)
        dev.license_codes = [code]
        dev.rt["forticare_codes"][code_hash(code)] = 14 if scenario == "token-license-expired" else 10
    elif scenario == "fmg-managed":
        # troubleshooting.md B2: FortiManager manages the FGT
        dev.config["system/central-management"].update({"type": "fortimanager", "fmg": "192.0.2.10"})
        dev.rt["fmg"] = {"connection": "up"}
    elif scenario == "fortiguard-unreachable":
        dev.rt["fortiguard_reachable"] = False  # troubleshooting.md B1
        _tokens_status(dev, "new")
    elif scenario == "ems-cert-untrusted":
        # fortios-api.md §3, troubleshooting.md C4: "EMS server certificate is not signed by any known CA." (-4)
        ems.update({"ca_trusted": False, "verified": False})
        dev.table("certificate/ca").pop("FortiFleet_EMS_CA", None)
    elif scenario == "ems-not-authorized":
        ems.update({"approved": False})  # troubleshooting.md C1/C4: connected, verified, not authorized (-8)
    elif scenario == "ems-eval-license":
        # troubleshooting.md C5: FGT evaluation licence; EMS never authorizes it (inferred; UNCONFIRMED there)
        dev.rt["license"].update({"evaluation": True, "vm": "vm_valid"})
        ems.update({"approved": False})
    elif scenario == "ems-unreachable":
        ems.update({"reachable": False})
    elif scenario == "api-token-rejected":
        dev.inventory_token = rand_key(rng)  # troubleshooting.md D (Knocknoc 202001: the token is not accepted)
    elif scenario == "api-trusthost-mismatch":
        dev.row("system/api-user", API_USER)["trusthost"] = [
            {"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "10.99.0.0 255.255.0.0", "ipv6-trusthost": "::/0"}]
    elif scenario == "api-forbidden":
        prof = dev.row("system/accprofile", API_PROFILE)
        prof.update({"authgrp": "none", "sysgrp": "read", "netgrp": "read", "fwgrp": "read",
                     "vpngrp": "read", "utmgrp": "custom", "utmgrp-permission": {"endpoint-control": "none"},
                     "secfabgrp": "read", "loggrp": "read", "ftviewgrp": "read", "wanoptgrp": "read", "wifi": "read"})
    elif scenario == "token-hardware-defect":
        # troubleshooting.md G1/B4/B6: a configuration migrated from another unit onto a build with bug 1218458:
        # a hardware token (FTK200...) FortiGuard locked to the old unit, and one migrated mobile token.
        hw = "FTK200" + _h("hw", dev.serial)[:10]
        dev.put_row("user/fortitoken", {
            "serial-number": hw, "status": "active", "seed": _h("seed", hw)[:40], "comments": "", "license": "",
            "activation-code": "", "activation-expire": 0, "reg-id": "", "os-ver": ""})
        dev.rt["tokens"][hw] = "token already activated, and seed won't be returned"  # troubleshooting.md B4
        dev.rt["fortiguard_tokens"][hw] = ""
        dev.put_row("user/local", {
            "name": "hwuser", "status": "enable", "type": "password", "passwd": "set", "two-factor": "fortitoken",
            "fortitoken": hw, "email-to": "hwuser@example.com", "sms-server": "fortiguard", "sms-custom-server": "",
            "sms-phone": ""})
        dev.rt["tokens"][next(iter(dev.rt["tokens"]))] = TOKEN_ERROR_MIGRATED
    elif scenario == "multi-vdom":
        from . import vdoms  # troubleshooting.md F: two VDOMs, migrated tokens in both, an EMS override in cust1
        vdoms.build_multi_vdom(dev, scenario, TOKEN_ERROR_MIGRATED, _fctems_row, new_ems_runtime)
    elif scenario == "api-url-token-disabled":
        dev.config["system/global"]["rest-api-key-url-query"] = "disable"  # fortios-api.md §7
    dev.trust_cache = None
    _ = v
