"""Version profiles and version-dependent rules, kept as DATA.

Every rule here cites the fact sheet section it follows
(docs/reference/fortios-api.md "§N" and docs/reference/troubleshooting.md "XN").
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=None)  # pure, called ~150 times per device built: a 10,000-device fleet starts faster
def vt(version: str) -> tuple:
    """'7.4.4' -> (7, 4, 4)."""
    return tuple(int(p) for p in version.split("."))


# Profiles the emulator can serve.  Build numbers: 7.6.5 = 3651 is from ISS #409
# (fortios-api.md §6); the other build numbers are ASSUMED (plausible, not from a source).
PROFILES = {
    "6.4.9": {"build": 1966},    # ASSUMED build
    "6.4.15": {"build": 2095},   # ASSUMED build
    "7.0.7": {"build": 367},     # ASSUMED build
    "7.0.12": {"build": 523},    # ASSUMED build
    "7.2.8": {"build": 1639},    # ASSUMED build
    "7.4.4": {"build": 2662},    # ASSUMED build
    "7.4.8": {"build": 2795},    # ASSUMED build
    "7.6.4": {"build": 3596},    # ASSUMED build
    "7.6.5": {"build": 3651},    # fortios-api.md §6: ISS #409 body shows "build":3651 on v7.6.5
    # troubleshooting.md G1: the releases around bug 1218458 (affected 7.4.10, 7.4.11, 7.6.3-7.6.6; fixed 7.4.12,
    # 7.6.7). 7.4.11 = build 2878 is from FOS#412 (troubleshooting.md G6); the others are ASSUMED builds.
    "7.4.10": {"build": 2865},   # ASSUMED build
    "7.4.11": {"build": 2878},   # troubleshooting.md G6: FOS#412 shows "v7.4.11 build2878"
    "7.4.12": {"build": 2893},   # ASSUMED build
    "7.6.6": {"build": 3680},    # ASSUMED build
    "7.6.7": {"build": 3712},    # ASSUMED build
}
DEFAULT_PROFILE = "7.4.4"
# The "mixed" fleet rotates over these (one device per classic profile: tests size their fleets on it);
# the firmware-knowledge profiles above are served when asked for by name.
PROFILE_ORDER = sorted(("6.4.9", "6.4.15", "7.0.7", "7.0.12", "7.2.8", "7.4.4", "7.4.8", "7.6.4", "7.6.5"), key=vt)
ALL_PROFILES = sorted(PROFILES, key=vt)


# ---------------------------------------------------------------------------
# Field availability: (cmdb path, field) -> list of (min, max) inclusive ranges;
# max None = still present.  A write naming a field outside its ranges is refused
# (see errors.field_not_on_version).
# ---------------------------------------------------------------------------
FIELD_RANGES = {
    # fortios-api.md §1 table, troubleshooting.md A1
    ("system/ftm-push", "status"): [("6.0.0", None)],
    ("system/ftm-push", "server-port"): [("6.0.0", None)],
    ("system/ftm-push", "server-ip"): [("6.0.0", None)],  # fortios-api.md §1: never removed in C's schema
    # fortios-api.md §1: COMM says `set server` exists from 6.4.10 (C samples no 6.4.10 build)
    ("system/ftm-push", "server"): [("6.4.10", None)],
    ("system/ftm-push", "server-cert"): [("6.4.0", None)],  # fortios-api.md §1: v6.4.0 ->
    ("system/ftm-push", "proxy"): [("7.4.1", None)],  # fortios-api.md §1: v7.4.1 ->
    ("system/ftm-push", "interface"): [("7.6.4", None)],  # fortios-api.md §1: v7.6.4 -> (first release UNCONFIRMED)
    # fortios-api.md §3 attribute table (C v_range)
    ("endpoint-control/fctems", "ems-id"): [("7.0.8", "7.0.99"), ("7.2.1", None)],
    ("endpoint-control/fctems", "status"): [("7.0.8", "7.0.99"), ("7.2.1", None)],
    ("endpoint-control/fctems", "dirty-reason"): [("7.0.8", "7.0.99"), ("7.2.1", None)],
    ("endpoint-control/fctems", "serial-number"): [("6.2.0", "6.2.7"), ("7.0.8", "7.0.99"), ("7.2.1", None)],
    ("endpoint-control/fctems", "tenant-id"): [("7.2.1", None)],
    ("endpoint-control/fctems", "cloud-authentication-access-key"): [("7.4.4", None)],
    ("endpoint-control/fctems", "pull-malware-hash"): [("7.0.0", None)],
    ("endpoint-control/fctems", "pull-avatars"): [("6.4.0", "7.4.4")],
    ("endpoint-control/fctems", "capabilities"): [("7.0.0", None)],
    ("endpoint-control/fctems", "out-of-sync-threshold"): [("7.0.8", None)],
    ("endpoint-control/fctems", "send-tags-to-all-vdoms"): [("7.4.2", None)],
    ("endpoint-control/fctems", "websocket-override"): [("7.0.0", None)],
    ("endpoint-control/fctems", "preserve-ssl-session"): [("7.0.1", "7.4.4")],
    ("endpoint-control/fctems", "interface-select-method"): [("7.0.6", "7.0.99"), ("7.2.1", None)],
    ("endpoint-control/fctems", "interface"): [("7.0.6", "7.0.99"), ("7.2.1", None)],
    # fortios-api.md §3: trust-ca-cn [7.0.12], [7.2.4 ->]
    ("endpoint-control/fctems", "trust-ca-cn"): [("7.0.12", "7.0.99"), ("7.2.4", None)],
    ("endpoint-control/fctems", "verifying-ca"): [("7.4.2", None)],  # fortios-api.md §3
    ("endpoint-control/fctems", "cloud-server-type"): [("6.4.0", "7.4.0")],
    ("endpoint-control/fctems", "status-check-interval"): [("6.4.4", "6.4.99")],  # ASSUMED: "6.4.4 only" read as the 6.4 branch from 6.4.4
    ("endpoint-control/fctems", "certificate"): [("6.4.0", "6.4.4")],
    # fortios-api.md §7: Fortinet says rest-api-key-url-query appeared in 7.4.5 (C shows 7.6.1); brief: follow 7.4.5
    ("system/global", "rest-api-key-url-query"): [("7.4.5", None)],
}


@functools.lru_cache(maxsize=None)  # pure: the same few versions, paths and fields for every device
def field_allowed(version: str, path: str, field: str) -> bool:
    ranges = FIELD_RANGES.get((path, field))
    if ranges is None:
        return True
    v = vt(version)
    for lo, hi in ranges:
        if v >= vt(lo) and (hi is None or v <= vt(hi)):
            return True
    return False


# ---------------------------------------------------------------------------
# Behaviour switches (each a named rule; look-ups go through `rule`).
# ---------------------------------------------------------------------------
RULES = {
    # fortios-api.md §1, troubleshooting.md A2: from 6.4.10 `server-ip` alone is refused with -56
    "ftm_server_required": ("6.4.10", None),
    # fortios-api.md §3: fctems keyed by ems-id on 7.0.8+ (7.0 branch) and 7.2.1+
    "fctems_ems_id_key": [("7.0.8", "7.0.99"), ("7.2.1", None)],
    # fortios-api.md §3 (T docs): ems-id 1-5 on 7.0.8-7.0.19 and 7.2.1-7.2.3, 1-7 on 7.2.4+
    "fctems_max7": ("7.2.4", None),
    # fortios-api.md §7: query-string token refused by default from 7.4.5
    "url_token_rule": ("7.4.5", None),
    # fortios-api.md §4/§6 (ISS #409): X-Admin-Passwd needed from 7.6.5; cli_error is a LIST there
    "admin_passwd_header": ("7.6.5", None),
    "cli_error_list": ("7.6.5", None),  # ASSUMED: list form starts exactly at 7.6.5 (only 7.6.5 observed)
    # fortios-api.md §1: default server-cert Fortinet_Factory 6.4.0-7.4.3; T wording implies change at 7.4.4
    "ftm_cert_gui_server": ("7.4.4", None),  # ASSUMED (UNCONFIRMED in fortios-api.md §1): change at exactly 7.4.4
    # troubleshooting.md G1 (bug 1218458): hardware-token activation fails with "cmdb save error"
    "hardware_token_cmdb_save_error": [("7.4.10", "7.4.11"), ("7.6.3", "7.6.6")],
}


def rule(version: str, name: str) -> bool:
    spec = RULES[name]
    ranges = spec if isinstance(spec, list) else [spec]
    v = vt(version)
    return any(v >= vt(lo) and (hi is None or v <= vt(hi)) for lo, hi in ranges)


def fctems_max_id(version: str) -> int:
    return 7 if rule(version, "fctems_max7") else 5


def ftm_default_cert(version: str) -> str:
    return "Fortinet_GUI_Server" if rule(version, "ftm_cert_gui_server") else "Fortinet_Factory"


def version_string(version: str) -> str:
    return "v" + version  # fortios-api.md §6: envelope "version" looks like "v6.2.1"


# Models: (model, model_name, model_number, wan, lan, is_vm).  Names of hardware
# models are real FortiGate products; the `model` codes are ASSUMED (they follow
# the serial-prefix convention "FGVM64" = FortiGate-VM64).
MODELS = [
    ("FGVM64", "FortiGate", "VM64", "port1", "port2", True),
    ("FGT60F", "FortiGate", "60F", "wan1", "internal", False),
    ("FGVM64", "FortiGate", "VM64", "port1", "port2", True),
    ("FG100F", "FortiGate", "100F", "wan1", "internal", False),
]
SERIAL_PREFIX = {"FGVM64": "FGVM02TM25", "FGT60F": "FGT60FTK25", "FG100F": "FG100FTK25"}  # ASSUMED formats
