# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report's HA clusters: each cluster once, with its inventory entries, members and sync state.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def clusters(hosts):
    """``report["clusters"]`` from the devices' records (name -> record): one entry per HA cluster, keyed by the
    primary's serial that every member reports (_fleet/topology.py)."""
    found = {}
    for name in sorted(hosts):
        data = hosts[name] or {}
        topology = data.get("topology") or (data.get("preflight") or {}).get("topology") or {}
        ha = topology.get("ha") or {}
        key = ha.get("primary_serial")
        if ha.get("mode") in (None, "standalone") or not key:
            continue
        entry = found.setdefault(key, {"name": ha.get("group_name") or key, "primary": None, "members": [],
                                       "serials": [], "in_sync": ha.get("in_sync")})
        entry["members"].append(name)
        serial = (data.get("preflight") or {}).get("serial")
        if serial == key and entry["primary"] is None:
            entry["primary"] = name
        for serial in [m.get("serial") for m in ha.get("members") or []] + [serial]:
            if serial and serial not in entry["serials"]:
                entry["serials"].append(serial)
        if ha.get("in_sync") is False:
            entry["in_sync"] = False
    return [found[key] for key in sorted(found, key=lambda k: found[k]["name"])]
