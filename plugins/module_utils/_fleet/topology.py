# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HA clusters in a fleet run: which inventory entries are members of one cluster, and which of them acts on it.

Internal API of fortifleet.auth: may change in any release.

Configuration made on any member synchronises to the others and FortiToken licences belong to the cluster and are
imported on the primary (troubleshooting.md F, KB 363357, KB 410099): a cluster's areas run once, through the
entry that reaches its primary (a member's own address or the cluster address). A secondary listed too is not
acted on: its areas would diagnose the same synchronised configuration, and the runtime state they read (EMS
connection, FortiGuard) belongs to the primary, since the passive unit sends no traffic of its own (KB 293570).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._system import topology as _topology

fnd.define("HA_SECONDARY_ONLY", "warning", "system",
           "This entry reaches the HA secondary {serial} of cluster {cluster}; its primary ({primary}) is not in the "
           "inventory.",
           "Nothing is written through a secondary (configuration is made on the primary and synchronised, "
           "FortiToken licences are imported on the primary: KB 363357, KB 410099). The cluster was diagnosed "
           "read-only. Add the primary, or the cluster's management address, to the inventory and run again.")
fnd.define("HA_HANDLED_THROUGH_PRIMARY", "info", "system",
           "This entry reaches the HA secondary {serial} of cluster {cluster}: the cluster is handled through its "
           "primary ({primary}).",
           "Nothing to do: nothing is written through a secondary (KB 363357). This entry was diagnosed read-only; "
           "the primary's entry makes the cluster's changes.")


def _ha(record):
    return ((record.get("topology") or {}).get("ha")) or {}


def cluster_key(record):
    """The cluster an entry belongs to: its primary's serial (every member reports the same one), or None for a
    standalone unit or one whose members could not be read (it stays on its own)."""
    ha = _ha(record)
    if ha.get("mode") in (None, "standalone"):
        return None
    return ha.get("primary_serial") or None


def serial_of(record):
    return (record.get("preflight") or {}).get("serial")


def clusters(records, order):
    """cluster key -> inventory names of its entries, in inventory order."""
    out = {}
    for name in order:
        key = cluster_key(records.get(name) or {})
        if key:
            out.setdefault(key, []).append(name)
    return out


def plan(records, order):
    """name -> what the fleet does with that entry's areas: ``{"run": True}``, or ``{"run": False,
    "handled_through": primary's name}``, or ``{"run": True, "read_only": True, "findings": [...]}`` for a secondary
    whose primary is not in this run. ``records`` are the entries' records after the preflight."""
    decisions = {}
    for key, names in clusters(records, order).items():
        primary = next((n for n in names if serial_of(records[n]) == key), None)
        for name in names:
            record = records[name]
            ha = _ha(record)
            if ha.get("role") != "secondary":
                continue
            if primary is not None:
                decisions[name] = {"run": False, "handled_through": primary}
            else:
                decisions[name] = {"run": True, "read_only": True, "findings": [fnd.finding(
                    "HA_SECONDARY_ONLY", "monitor system/ha-checksums: primary %s" % key,
                    serial=serial_of(record) or "(serial unknown)", cluster=_topology.cluster_name(ha),
                    primary=key)]}
    return decisions


def handled_through_finding(record):
    """The finding of a secondary acted on alone (the per-host roles, which do not see the other entries)."""
    ha = _ha(record)
    return fnd.finding("HA_HANDLED_THROUGH_PRIMARY", "monitor system/ha-checksums: primary %s"
                       % (ha.get("primary_serial") or "unknown"), serial=serial_of(record) or "(serial unknown)",
                       cluster=_topology.cluster_name(ha), primary=ha.get("primary_serial") or "unknown")
