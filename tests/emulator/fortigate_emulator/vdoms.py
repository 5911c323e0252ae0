"""Multi-VDOM units: per-VDOM tables, the global scope and VDOM access (troubleshooting.md F, fortios-api.md §3/§6).

The device keeps the global objects and the per-VDOM tables of `root` in `dev.config` (as a unit without VDOMs does);
the per-VDOM tables of every other VDOM live in `dev.vdom_config[vdom]`. A request for a VDOM runs inside
`scoped(dev, vdom)`, which shows that VDOM's tables in `dev.config` for the time of the (synchronous) handler, so
cmdb.py and monitor.py need no VDOM logic of their own.
"""

from __future__ import annotations

import contextlib

from . import versions
from .auth import AuthFail

# troubleshooting.md F: FortiTokens and local users are per VDOM (KB 194364); fortios-api.md §3: fctems-override and
# endpoint-control settings are per VDOM (7.4.0+). Every other table is global.
PER_VDOM_PATHS = ("user/fortitoken", "user/local", "endpoint-control/fctems-override", "endpoint-control/settings")
OVERRIDE_PATHS = ("endpoint-control/fctems-override", "endpoint-control/settings")
# troubleshooting.md F (FOS#226): objects that need an access profile with scope global; fortios-api.md §1 (ftm-push
# global), §3 (fctems global by implication). The collection keeps the same list in plugins/module_utils/_fortios/vdoms.py.
GLOBAL_PATHS = ("system/ftm-push", "endpoint-control/fctems", "system/api-user", "system/admin", "system/global",
                "system/vdom", "system/accprofile", "system/central-management")
MULTI = ("multi-vdom", "split-vdom")


def multi_vdom(dev) -> bool:
    return dev.singleton("system/global").get("vdom-mode", "no-vdom") in MULTI


def _stores(dev):
    """(per-VDOM tables, per-VDOM runtime) of the device; a new baseline (a new `dev.config`) starts them empty."""
    if getattr(dev, "vdom_owner", None) is not dev.config:
        dev.vdom_config, dev.vdom_rt, dev.vdom_owner = {}, {}, dev.config
    return dev.vdom_config, dev.vdom_rt


def tables(dev, vdom: str) -> dict:
    """The per-VDOM tables of a VDOM other than root."""
    return _stores(dev)[0].setdefault(vdom, {})


def _ems_runtime(dev, vdom):
    return _stores(dev)[1].setdefault(vdom, {}).setdefault("ems", {})


def overriding(dev) -> bool:
    """Whether the VDOM in scope has `endpoint-control settings` `override enable` (fortios-api.md §3)."""
    return dev.config.get("endpoint-control/settings", {}).get("override") == "enable"


def path_exists(dev, path) -> bool:
    """fortios-api.md §3: fctems-override and endpoint-control settings exist from 7.4.0."""
    return path not in OVERRIDE_PATHS or versions.vt(dev.version) >= (7, 4, 0)


@contextlib.contextmanager
def scoped(dev, vdom, monitor=False):
    """`dev.config` shows VDOM `vdom`'s tables inside the block (root and global: as they are).

    With `monitor`, a VDOM that overrides the EMS table also shows its fctems-override as the EMS table, with its own
    EMS runtime, so the EMS monitor calls in that VDOM answer for its own connectors (ASSUMED: fortios-api.md §5 says
    only that the EMS monitor calls take a `scope` of vdom or global)."""
    if not vdom or vdom in ("root", "global", "*"):
        if monitor and overriding(dev) and vdom == "root":
            with _ems_override(dev, "root"):
                yield dev
        else:
            yield dev
        return
    mine = tables(dev, vdom)
    saved = {p: dev.config.get(p) for p in PER_VDOM_PATHS}
    for path in PER_VDOM_PATHS:
        dev.config[path] = mine.setdefault(path, {})
    try:
        if monitor and overriding(dev):
            with _ems_override(dev, vdom):
                yield dev
        else:
            yield dev
    finally:
        for path, table in saved.items():
            if table is None:
                dev.config.pop(path, None)
            else:
                dev.config[path] = table


@contextlib.contextmanager
def _ems_override(dev, vdom):
    saved_table, saved_rt = dev.config.get("endpoint-control/fctems"), dev.rt.get("ems")
    dev.config["endpoint-control/fctems"] = dev.config.setdefault("endpoint-control/fctems-override", {})
    dev.rt["ems"] = _ems_runtime(dev, vdom)
    try:
        yield dev
    finally:
        dev.config["endpoint-control/fctems"], dev.rt["ems"] = saved_table, saved_rt


def user_vdoms(dev, user) -> list:
    """The VDOMs of the device that the api-user is assigned (`?global=1` and `?vdom=*` answer one envelope each)."""
    row = dev.row("system/api-user", user) or {}
    mine = {v.get("name") for v in row.get("vdom", []) or []}
    if not multi_vdom(dev):
        return ["root"]
    return [v for v in dev.table("system/vdom") if v in mine] or ["root"]


def check_scope(dev, user, kind, path, is_global):
    """troubleshooting.md F (FOS#226): a profile with scope vdom gets 403 on the global scope and on global objects.

    ASSUMED: only on a unit with VDOMs enabled (without VDOMs there is no scope to choose), and with the same HTML 403
    as any other permission refusal (fortios-api.md §6)."""
    if not multi_vdom(dev):
        return
    row = dev.row("system/api-user", user) or {}
    profile = row.get("accprofile", "")
    if profile == "super_admin":
        return  # fortios-api.md §4: super_admin has every permission
    scope = (dev.row("system/accprofile", profile) or {}).get("scope", "vdom")
    if scope == "global":
        return
    if is_global or (kind == "cmdb" and path in GLOBAL_PATHS):
        raise AuthFail(403, "forbidden", "scope")


def dump(dev) -> dict:
    """The per-VDOM tables of every VDOM other than root (control API state), secrets masked by the caller."""
    return {vdom: {path: list(table.values()) if not path.endswith("/settings") else table
                   for path, table in paths.items()}
            for vdom, paths in _stores(dev)[0].items()}


# --- the multi-VDOM unit ----------------------------------------------------------------------------

SECOND_VDOM = "cust1"


def build_multi_vdom(dev, scenario, migrated_status, fctems_row, new_ems_runtime):
    """Scenario `multi-vdom` (troubleshooting.md F): VDOMs root and cust1, migrated FortiTokens bound to users in
    both VDOMs (tokens and users are per VDOM: KB 194364), and on 7.4.0+ an EMS override connector in cust1 whose
    EMS has not authorized the unit (fortios-api.md §3). The api-user's profile has scope global and both VDOMs."""
    dev.config["system/global"]["vdom-mode"] = "multi-vdom"
    dev.put_row("system/vdom", {"name": SECOND_VDOM})
    api = dev.row("system/api-user", "fortifleet-automation")
    api["vdom"] = [{"name": "root"}, {"name": SECOND_VDOM}]
    dev.row("system/accprofile", api["accprofile"])["scope"] = "global"
    # Move the last token and its user into cust1; every token is migrated (troubleshooting.md B3/B5).
    serials = list(dev.rt["tokens"])
    moved = serials[-1]
    mine = tables(dev, SECOND_VDOM)
    mine["user/fortitoken"] = {moved: dev.table("user/fortitoken").pop(moved)}
    mine["user/local"] = {}
    for name, user in list(dev.table("user/local").items()):
        user["sms-phone"] = "+15555550100"
        if user.get("fortitoken") == moved:
            mine["user/local"][name] = dev.table("user/local").pop(name)
    # A user of the same name in both VDOMs: each binding must be restored in its own VDOM.
    twin = dict(next(iter(dev.table("user/local").values())))
    mine["user/local"][twin["name"]] = dict(twin, fortitoken=moved, **{"email-to": "cust1-" + twin["email-to"]})
    for sn in serials:
        dev.rt["tokens"][sn] = migrated_status
    dev.config["endpoint-control/settings"] = {"override": "disable"}
    mine["endpoint-control/settings"] = {"override": "disable"}
    if versions.vt(dev.version) >= (7, 4, 0):
        mine["endpoint-control/settings"]["override"] = "enable"
        row = fctems_row(dev, 1, True)
        row.update({"name": "cust1-ems", "server": "ems-cust1.example.com"})
        for field in ("status-check-interval", "certificate"):
            row.pop(field, None)  # fortios-api.md §3: fields fctems-override does not have
        mine["endpoint-control/fctems-override"] = {"1": row}
        state = new_ems_runtime(dev, 1, healthy=True)
        state["approved"] = False  # troubleshooting.md C1: connected, verified, not authorized
        _ems_runtime(dev, SECOND_VDOM)["1"] = state
    _ = scenario
