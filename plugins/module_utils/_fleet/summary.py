# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a fleet run says while it runs: one line per device, then the count of the fleet.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._report.model import grouped_findings, plural

LEFT_OUT_SHOWN = 20


def progress_line(name, record):
    """One line per device as it finishes: access, version, what is wrong, what was or would be done."""
    pre = record.get("preflight") or {}
    text = "%s: access %s" % (name, pre.get("access") or "not run")
    if pre.get("version"):
        text += ", FortiOS %s" % pre["version"]
    open_ids = grouped_findings(sorted((f for f in record["findings"] if f.get("severity") in ("critical", "warning")),
                                       key=lambda f: f["id"]))
    if open_ids:
        text += "; findings: %s" % "; ".join(open_ids)
    if record["changes"]:
        verb = "would change" if any(c.get("check_mode") for c in record["changes"]) else "changed"
        text += "; %s: %s" % (verb, ", ".join(sorted(set(c["area"] for c in record["changes"]))))
    if record.get("duplicate_of"):
        text += "; reaches the same FortiGate (serial %s) as %s: nothing done through this entry" % (
            pre.get("serial"), record["duplicate_of"])
    if record["errors"]:
        text += "; errors: %s" % " | ".join(record["errors"])
    return text


def summary(records, usable_states, preflight_only=False):
    """The fleet's count: usable, changed or drifting, with errors, and the devices left out.

    A run without areas (the preflight role) counts the usable devices only."""
    usable = set(n for n, r in records.items() if (r.get("preflight") or {}).get("access") in usable_states)
    left_out = sorted(n for n in records if n not in usable)  # a set: a list made this quadratic in the fleet size
    failed = sorted(n for n, r in records.items() if r["errors"])
    changed = sorted(n for n, r in records.items() if r["changes"])
    if preflight_only:
        line = "Preflight: %d of %s usable" % (len(usable), plural(len(records), "device"))
    else:
        line = "%s: %d usable, %d changed or drifting, %d with errors" % (
            plural(len(records), "device"), len(usable), len(changed), len(failed))
    if left_out:
        line += "; left out: %s" % ", ".join("%s (%s)" % (n, (records[n].get("preflight") or {}).get("access"))
                                             for n in left_out[:LEFT_OUT_SHOWN])
        if len(left_out) > LEFT_OUT_SHOWN:
            line += " and %d more" % (len(left_out) - LEFT_OUT_SHOWN)
    return {"line": line, "usable": len(usable), "left_out": left_out, "with_errors": failed, "changed": changed}
