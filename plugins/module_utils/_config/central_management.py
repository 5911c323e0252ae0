# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The write guard of every area: FortiManager-managed units and HA members that must not be written locally.

Internal API of fortifleet.auth: may change in any release.

Defined once for the four areas: the fleet runs a held area in check mode (``_fleet/device.py``), so the area
diagnoses normally and says what it would change; for a unit under FortiManager that change becomes one
``MANAGED_BY_FORTIMANAGER`` finding per area, with the CLI to run on FortiManager's device database. A local change
marks the device modified on FortiManager and the next install may undo it (troubleshooting.md F, KB 225438).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._system import topology as _topology

fnd.define("MANAGED_BY_FORTIMANAGER", "warning", "system",
           "The FortiGate is managed by FortiManager {fmg}: the {title} change was not made locally.",
           "Make it on FortiManager {fmg}, in the device database of this FortiGate, then install it to the device: "
           "{change} A local change would mark the device as modified on FortiManager and the next install could undo "
           "it (KB 225438). To write locally anyway, set fortimanager_local_writes: true for this device.")

LOCAL_WRITE_WARNING = ("%s is managed by FortiManager %s and was changed locally (fortimanager_local_writes): "
                       "FortiManager will show the device as modified; retrieve the config there (KB 225438).")

# How an area's change is made on FortiManager besides a CLI script on the device database (troubleshooting.md F:
# the fortinet.fmgdevice modules change the device database the same way).
FMG_MODULES = {"ftm_push": "fortinet.fmgdevice.fmgd_system_ftmpush",
               "api_access": "fortinet.fmgdevice.fmgd_system_apiuser",
               "ems": "fortinet.fmgdevice's endpoint-control fctems modules"}
AREA_TITLES = {"ftm_push": "FortiToken Mobile push", "fortitoken": "FortiToken", "ems": "EMS connector",
               "api_access": "REST API administrator"}


def writes_held(topology, settings, role=None):
    """Why local writes are held for this device's area ``role`` (a short reason), or None: an HA secondary, an
    out-of-sync cluster without the opt-in, FortiManager without the opt-in."""
    ha = (topology or {}).get("ha") or {}
    if _topology.is_secondary(topology):
        return "ha_secondary"
    if ha.get("in_sync") is False and not settings.get("ha_allow_out_of_sync_writes"):
        return "ha_out_of_sync"
    if fortimanager_held(topology, settings, role):
        return "fortimanager"
    return None


def is_managed(topology):
    return _topology.is_managed(topology)


def fortimanager_held(topology, settings, role=None):
    """Managed by FortiManager and not opted in (fortimanager_local_writes; for the FortiToken area also its older
    fortitoken_allow_fortimanager_managed)."""
    local = settings.get("fortimanager_local_writes") or (
        role == "fortitoken" and settings.get("fortitoken_allow_fortimanager_managed"))
    return _topology.is_managed(topology) and not local


def fmg_address(topology):
    return ((topology or {}).get("fortimanager") or {}).get("address") or "(address not set)"


# -- the change as FortiOS CLI ------------------------------------------------------------------------------------------
_PLAIN = re.compile(r"^[A-Za-z0-9_.:/-]+$")


def _cli_value(value):
    if isinstance(value, bool):
        return "enable" if value else "disable"
    if isinstance(value, list):
        names = [v.get("name") if isinstance(v, dict) else v for v in value]
        return " ".join('"%s"' % n for n in names if n not in (None, ""))
    text = str(value)
    # Several words (allowaccess "ping https ftm") are several CLI tokens; a plain word (enable, 4433, a serial)
    # needs no quotes; anything else (empty, a comment) is quoted.
    return text if (" " in text.strip() or _PLAIN.match(text)) else '"%s"' % text.replace('"', '\\"')


def _table_lines(key, rows, indent):
    lines = ["%sconfig %s" % (indent, key)]
    for row in rows:
        ident = row.get("id", row.get("name"))
        lines.append('%s    edit %s' % (indent, ident if str(ident).isdigit() else '"%s"' % ident))
        lines.extend("%s        set %s %s" % (indent, k, _cli_value(v)) for k, v in sorted(row.items())
                     if k not in ("id", "q_origin_key") and v not in (None, ""))
        lines.append("%s    next" % indent)
    return lines + ["%send" % indent]


def cli_of_diff(diff):
    """The CLI lines of one engine diff: the keys whose value changes, under their config path (the diff's keys are
    already the ones this FortiOS release knows, e.g. server or server-ip: the version-aware part)."""
    path = str(diff.get("after_header") or diff.get("before_header") or "").split(" on ", maxsplit=1)[0]
    parts = path.split("/")
    if len(parts) < 2:
        return []
    before, after = diff.get("before") or {}, diff.get("after") or {}
    keys = [k for k in sorted(after) if after.get(k) != before.get(k)]
    if not keys:
        return []
    lines, indent = ["config %s %s" % (parts[0], parts[1])], "    "
    if len(parts) > 2:
        lines.append('    edit %s' % _cli_value("/".join(parts[2:])))
        indent = "        "
    for key in keys:
        value = after[key]
        if isinstance(value, list) and value and all(isinstance(v, dict) and ("id" in v) for v in value):
            lines.extend(_table_lines(key, value, indent))
        else:
            lines.append("%sset %s %s" % (indent, key, _cli_value(value)))
    if len(parts) > 2:
        lines.append("    next")
    return lines + ["end"]


def _token_change(changes):
    what = []
    for change in changes:
        for key, verb in (("reimported", "delete and import again"), ("activated", "activate"),
                          ("added", "import"), ("imported", "import the licence of"), ("provisioned", "provision")):
            items = change.get(key)
            if items:
                items = items if isinstance(items, list) else [items]
                what.append("%s %s" % (verb, ", ".join(str(i.get("serial", i) if isinstance(i, dict) else i)
                                                       for i in items)))
    return "; ".join(what)


def change_text(area, changes, diffs):
    """What to do on FortiManager for the would-be changes of one area."""
    # The FortiToken re-import is a transaction (unbind, delete, add, bind again): its steps are not a script for
    # FortiManager, which holds the tokens itself; what to do there is said in words below.
    cli = [line for diff in diffs for line in cli_of_diff(diff)] if area != "fortitoken" else []
    parts = []
    if cli:
        parts.append("run this CLI script on the device database (Device Manager > Scripts, run on the device "
                     "database): %s." % " / ".join(line.strip() for line in cli))
    if area == "fortitoken":
        tokens = _token_change(changes)
        parts.append("the FortiTokens come from FortiManager (KB 194508): %s there, then install."
                     % (tokens or "fix the tokens"))
    if area == "ems" and any("certificate" in (c.get("changed_keys") or []) for c in changes):
        parts.append("then verify the EMS certificate on the FortiGate (a device action, not configuration).")
    if area in FMG_MODULES and cli:
        parts.append("Automation: %s changes the same settings through FortiManager." % FMG_MODULES[area])
    if not parts:
        keys = sorted(set(k for c in changes for k in (c.get("changed_keys") or [])))
        objects = sorted(set(str(c.get("object")) for c in changes if c.get("object")))
        parts.append("change %s of %s." % (", ".join(keys) or "the settings", ", ".join(objects) or "this area"))
    return " ".join(parts)


def fortimanager_finding(area, topology, changes, diffs):
    """One MANAGED_BY_FORTIMANAGER finding for an area that would have written (its ``area`` says which)."""
    keys = sorted(set(k for c in changes for k in (c.get("changed_keys") or [])))
    found = fnd.finding("MANAGED_BY_FORTIMANAGER", "would change: %s" % (", ".join(keys) or "see remediation"),
                        fmg=fmg_address(topology), title=AREA_TITLES.get(area, area),
                        change=change_text(area, changes, diffs))
    found["area"] = area  # one per area (the catalogue files it under system)
    return found
