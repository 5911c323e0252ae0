# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a FortiGate stands in its fleet: HA cluster, FortiManager central management, VDOM mode and VDOMs.

Internal API of fortifleet.auth: may change in any release.

The one place that decides "managed by FortiManager" and "HA secondary". The preflight reads it (subset
``system``), the fleet groups clusters with it and every area's guard (``_config/central_management.py``) asks it.
Each read is one request; a read that fails or is forbidden gives "unknown" and a warning, never a crash.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import vdoms as _vdoms
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import web_ui

HA_MODES = ("standalone", "a-p", "a-a")
# What cmdb system/central-management answers on a unit nobody manages: type none, no FortiManager address (the
# CLI defaults the emulator serves); used when web-ui/state says "not centrally managed" (_fortios/web_ui.py).
UNMANAGED = {"type": "none", "fmg": "", "managed_by_fortimanager": False}

fnd.define("HA_OUT_OF_SYNC", "critical", "system",
           "The members of HA cluster {cluster} are out of sync (configuration checksums differ: {members}).",
           "Nothing is written to this cluster until it is in sync: a change made now would be synchronised over a "
           "configuration that already differs. On the primary, 'diagnose sys ha checksum cluster' shows which "
           "table differs (KB 249510); 'execute ha synchronize start' on the out-of-sync member forces a "
           "synchronisation, and 'diagnose sys ha checksum recalculate' clears a checksum calculation error "
           "(KB 193422). Run again once 'get system ha status' shows every member in-sync. To write anyway, set "
           "ha_allow_out_of_sync_writes: true for this device.")
fnd.define("HA_STATE_UNDETERMINED", "warning", "system",
           "The FortiGate is in HA mode {mode}, but its role and the cluster's sync state could not be read "
           "({reason}).",
           "Give the API user's profile read access to system configuration (sysgrp) so that "
           "monitor system/ha-checksums can be read; until then this entry is treated as a cluster member of "
           "unknown role: its areas run, and nothing tells whether the cluster is in sync.")


def _text(value):
    value = value if not isinstance(value, list) else (value[0] if value else None)
    return str(value).strip() if value not in (None, "") else None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _row(results):
    """One object of an answer that may be an object, a list of rows or a list of per-VDOM answers."""
    if isinstance(results, list):
        results = results[0] if results else {}
    return results if isinstance(results, dict) else {}


def _failure(exc):
    return "%s (HTTP %s)" % (type(exc).__name__.replace("Error", "").lower() or "error", getattr(exc, "status", "?"))


# -- central management ---------------------------------------------------------------------------------------------
def _central_row(client):
    try:
        return _row(engine.read(client, engine.ObjectSpec("system/central-management", scope="global")) or {})
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError:
        # The status monitor answers one object per VDOM (fortios-api.md §5, captures).
        return _row(client.get("system/central-management/status", api="monitor").results or {})


def central_management(client):
    """``{"type", "fmg", "managed_by_fortimanager"}``: without a request when web-ui/state said "not centrally
    managed"; else the cmdb object, else the monitor status (fortios-api.md §5)."""
    if web_ui.unmanaged(client):
        return dict(UNMANAGED)
    row = _central_row(client)
    kind = str(row.get("type") or "none")
    fmg = row.get("fmg") or row.get("mgmt_ip") or ""
    if "type" not in row and str(row.get("registration_status") or "").lower() == "registered" and fmg:
        kind = "fortimanager"  # the monitor answer of a managed unit has no type (capture of 7.4.5, fortios-api.md §5)
    return {"type": kind, "fmg": str(fmg).replace("::ffff:", ""), "managed_by_fortimanager": kind == "fortimanager"}


def fortimanager(client, warnings):
    """The shared schema's ``fortimanager`` entry; unreadable gives managed False and a warning."""
    try:
        cm = central_management(client)
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError as exc:
        warnings.append("central management could not be read (%s): the unit is treated as not managed by "
                        "FortiManager" % _failure(exc))
        return {"managed": False, "type": None, "address": None}
    return {"managed": cm["managed_by_fortimanager"], "type": None if cm["type"] == "none" else cm["type"],
            "address": cm["fmg"] or None}


# -- HA (troubleshooting.md F) --------------------------------------------------------------------------------------
def _is_primary(member):
    # Older answers say is_manage_master (0/1), newer ones is_manage_primary (true/false): troubleshooting.md F.
    for key in ("is_manage_primary", "is_manage_master", "is_root_primary", "is_root_master"):
        if key in member:
            return str(member[key]).lower() in ("1", "true")
    return False


def _checksum(member):
    sums = member.get("checksum")
    if isinstance(sums, dict):
        return _text(sums.get("all") or sums.get("All"))
    return _text(sums) if sums is not None else None


def _sync_flag(member):
    for key in ("in_sync", "synchronized", "sync", "sync_status"):
        if key in member:
            word = str(member[key]).lower()
            if word in ("1", "true", "in-sync", "in_sync", "synchronized", "yes"):
                return True
            if word in ("0", "false", "out-of-sync", "out_of_sync", "no"):
                return False
    return None


def members_from_checksums(results):
    """Members, the primary's serial and the sync state from a monitor system/ha-checksums answer: one entry per
    member with its serial, primary flag and checksums (troubleshooting.md F; shape read both ways)."""
    rows = results if isinstance(results, list) else [results] if isinstance(results, dict) else []
    members, sums, flags = [], [], []
    for row in rows:
        if not isinstance(row, dict):
            continue
        serial = _text(row.get("serial_no") or row.get("serial") or row.get("sn"))
        if not serial:
            continue
        members.append({"serial": serial, "hostname": _text(row.get("hostname")), "primary": _is_primary(row)})
        sums.append(_checksum(row))
        flags.append(_sync_flag(row))
    in_sync = None
    if False in flags:
        in_sync = False
    elif len(members) > 1 and all(sums):
        in_sync = len(set(sums)) == 1
    elif members and all(f is True for f in flags):
        in_sync = True
    primary = next((m["serial"] for m in members if m["primary"]), None)
    return members, primary, in_sync


def ha(client, own_serial, warnings):
    """The shared schema's ``ha`` entry. A standalone unit costs one request (its ha-checksums read is skipped)."""
    out = {"mode": None, "group_name": None, "group_id": None, "role": None, "primary_serial": None,
           "members": [], "in_sync": None}
    if web_ui.standalone(client):
        # web-ui/state ha_mode 0 (fortios-api.md §5): what a standalone unit's system/ha with the CLI defaults
        # ('group-name' empty, 'group-id' 0) gives below, without the read.
        out.update(mode="standalone", group_id=0)
        return out
    try:
        row = _row(client.get("system/ha", scope="global").results)
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError as exc:
        warnings.append("the HA settings (cmdb system/ha) could not be read (%s): HA mode unknown" % _failure(exc))
        return out
    # 'standalone' is the CLI default of 'config system ha' 'mode': an answer without it is a standalone unit.
    mode = _text(row.get("mode")) or "standalone"
    out.update(mode=mode if mode in HA_MODES else mode.lower(), group_name=_text(row.get("group-name")),
               group_id=_int(row.get("group-id")))
    if out["mode"] == "standalone":
        return out
    try:
        results = client.get("system/ha-checksums", api="monitor", scope="global").results
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError as exc:
        out["unreadable"] = _failure(exc)
        warnings.append("the HA members (monitor system/ha-checksums) could not be read (%s): the cluster role "
                        "and sync state are unknown" % out["unreadable"])
        return out
    members, primary, in_sync = members_from_checksums(results)
    out.update(members=members, primary_serial=primary, in_sync=in_sync)
    if own_serial and primary:
        out["role"] = "primary" if own_serial == primary else "secondary"
    return out


def vdoms(client, vdom_mode, warnings):
    """VDOM names (the FortiToken and EMS areas sweep them: _fortios/vdoms.py reads them, once); a unit without
    VDOMs has root alone, without a request."""
    if vdom_mode in (None, "no-vdom"):
        return ["root"] if vdom_mode == "no-vdom" else []
    names = _vdoms.vdom_names(client)
    if names is None:
        warnings.append("the VDOM list (cmdb system/vdom, a global object) could not be read")
        return []
    return names


def read(client, own_serial, vdom_mode):
    """The record's ``topology`` (shared schema), its findings and its warnings."""
    warnings = []
    topology = {"ha": ha(client, own_serial, warnings), "fortimanager": fortimanager(client, warnings),
                "vdom_mode": vdom_mode, "vdoms": vdoms(client, vdom_mode, warnings)}
    found = []
    ha_facts = topology["ha"]
    if ha_facts["in_sync"] is False:
        found.append(out_of_sync_finding(ha_facts))
    if ha_facts.get("unreadable"):
        found.append(fnd.finding("HA_STATE_UNDETERMINED", "cmdb system/ha mode %s" % ha_facts["mode"],
                                 mode=ha_facts["mode"], reason="monitor system/ha-checksums: %s"
                                 % ha_facts.pop("unreadable")))
    return topology, found, warnings


def cluster_name(ha_facts):
    """How a report names a cluster: its group name, else its primary's serial."""
    return ha_facts.get("group_name") or ha_facts.get("primary_serial") or "(unnamed cluster)"


def out_of_sync_finding(ha_facts):
    members = ", ".join("%s%s" % (m["serial"], " (primary)" if m.get("primary") else "")
                        for m in ha_facts.get("members") or []) or "members unknown"
    return fnd.finding("HA_OUT_OF_SYNC", "monitor system/ha-checksums: the 'all' checksums differ",
                       cluster=cluster_name(ha_facts), members=members)


def is_secondary(topology):
    """True when the topology says this unit is an HA secondary (never on unknown)."""
    return ((topology or {}).get("ha") or {}).get("role") == "secondary"


def is_managed(topology):
    return bool(((topology or {}).get("fortimanager") or {}).get("managed"))
