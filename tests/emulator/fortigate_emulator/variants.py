"""Shape variants: each plausible way a real FortiOS may word an answer whose shape no public capture confirms.

Captured shapes (license/status, system/status, central-management/status: fortios-api.md §5, captures) are served as
captured in every variant. For the UNCONFIRMED ones (user/fortitoken monitor, ems/status, ems/cert-status,
fortiguard/server-info: fortios-api.md §5) the default is the emulator's ASSUMED shape, and a variant serves one
other plausible shape of each, so a test can run the same fleet under every variant.

Switch: fleet-wide with the environment variable FORTIGATE_EMULATOR_VARIANT when the emulator starts, per device
with the runtime key ``variant`` (control API PUT /devices/<name>/runtime {"variant": "..."}; a reset keeps
the fleet-wide one).
"""

from __future__ import annotations

import os

ENV = "FORTIGATE_EMULATOR_VARIANT"
DEFAULT = "default"
VARIANTS = {
    DEFAULT: "the emulator's assumed shapes (serial -> {status}, CLI phrases; bools verified/authorized)",
    "gui-words": "GUI words everywhere: token status Available/Assigned/Error/Provision Timed Out/Locked "
                 "(troubleshooting.md B4), EMS Connected/Not Authorized/Verified words without bool flags",
    "list-layout": "lists of rows: tokens [{serial-number, status}], ems/status a list even for one entry, "
                   "is_* flags, the certificate under 'certificate'; license/status without a fortiguard block "
                   "(as the 6.0.9 capture) and server-info a bare list of servers, empty when none answers",
    "nested": "tokens under 'tokens' with a 'state' key; cert-status verification only inside 'cert'; "
              "server-info {servers: [{state}]} without a summary flag; license/status without fortiguard",
}

# troubleshooting.md B4: CLI status -> GUI word (COMM 194364 for "Provision Timed Out", "Locked", "Error")
GUI_WORDS = {"new": "Available", "active": "Assigned", "provisioning": "Pending", "provisioned": "Assigned",
             "provision timeout": "Provision Timed Out", "locked": "Locked"}


def fleet_default() -> str:
    name = os.environ.get(ENV) or DEFAULT
    if name not in VARIANTS:
        raise ValueError(f"unknown {ENV} {name!r}; known: {sorted(VARIANTS)}")
    return name


def of(dev) -> str:
    name = dev.rt.get("variant") or getattr(dev, "variant", DEFAULT)
    return name if name in VARIANTS else DEFAULT


def _gui(status: str) -> str:
    if status.startswith("activation error") or status.startswith("token already activated"):
        return "Error"  # troubleshooting.md B4: GUI Error
    return GUI_WORDS.get(status, status)


def tokens(variant, results):
    if variant == "gui-words":
        return {sn: dict(row, status=_gui(row["status"])) for sn, row in results.items()}
    if variant == "list-layout":
        return [{"serial-number": sn, "status": row["status"], "type": row["type"]} for sn, row in results.items()]
    if variant == "nested":
        return {"tokens": [{"serial": sn, "state": row["status"]} for sn, row in results.items()]}
    return results


def license_status(variant, results):
    if variant in ("list-layout", "nested"):
        return {k: v for k, v in results.items() if k != "fortiguard"}  # the 6.0.9 capture has no fortiguard block
    return results


def server_info(variant, results):
    servers = results["servers"]
    up = bool(results["any_reachable"])
    if variant == "list-layout":
        return [{"ip": s["ip"], "port": s["port"], "status": "up"} for s in servers] if up else []
    if variant == "nested":
        return {"servers": [{"ip": s["ip"], "state": "reachable" if up else "unreachable"} for s in servers]}
    if variant == "gui-words":
        return {"servers": [{"ip": s["ip"], "status": "Reachable" if up else "Unreachable"} for s in servers]}
    return results


def _ems_status_row(variant, row):
    if variant == "gui-words":
        out = {k: v for k, v in row.items() if k not in ("connected", "authorized", "verified", "status")}
        out["connection"] = "Connected" if row.get("connection") == "connected" else "Disconnected"
        if row.get("authorization") != "unknown" or row.get("authorized"):
            out["authorization"] = "Authorized" if row.get("authorized") else "Not Authorized"
        else:
            out.pop("authorization", None)
        return out
    if variant == "list-layout":
        out = {k: v for k, v in row.items() if k not in ("authorized", "verified", "authorization")}
        out.update(is_connected=row.get("connection") == "connected", is_authorized=bool(row.get("authorized")))
        return out
    return row


def ems_status(variant, results):
    if isinstance(results, list):
        return [_ems_status_row(variant, r) for r in results]
    row = _ems_status_row(variant, results)
    return [row] if variant == "list-layout" else row


def cert_status(variant, results):
    if variant == DEFAULT:
        return results
    verified = bool(results.get("verified"))
    out = {k: v for k, v in results.items() if k != "verified"}
    details = {k: v for k, v in (out.pop("cert", None) or {}).items() if k != "verified"}
    if variant == "gui-words":
        out["verification"] = "Verified" if verified else "Not Verified"
        if details:
            out["cert"] = details
    elif variant == "list-layout":
        out["is_verified"] = verified
        if details:
            out["certificate"] = details
    elif variant == "nested":
        out["cert"] = dict(details, verified=verified)  # the flag only inside cert, even without with_cert details
    return out
