# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run-to-run changes: what is new, fixed and still open since the previous report.

Internal API of fortifleet.auth: may change in any release.

A finding is the same finding in two runs when its id, the object it concerns and its VDOM are the same. A finding
of the previous run that is gone is ``fixed`` only when its area ran again on that device; when the area did not run
(the device was left out, the area was not part of this run) nobody looked, so it is ``not_checked``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

REPORT_FILE = "report.json"
KINDS = ("new", "fixed", "open", "not_checked")
# ``previous`` values that turn the comparison off.
OFF = ("none", "off", "false", "no")


def _key(finding):
    return (finding.get("id"), finding.get("object"), finding.get("vdom"))


def _ref(finding):
    """What the report keeps of a finding in a comparison: enough to name it, nothing that may hold device data."""
    out = dict((k, finding[k]) for k in ("id", "severity", "area", "object", "vdom") if finding.get(k) is not None)
    return out


def _unique(findings):
    seen, out = set(), []
    for finding in findings or []:
        if _key(finding) not in seen:
            seen.add(_key(finding))
            out.append(finding)
    return out


def find_previous(report_dir):
    """The newest report.json in the parent directory of ``report_dir`` (its sibling run directories, and
    ``report_dir`` itself when an earlier run wrote there), or None. Newest by modification time."""
    parent = os.path.dirname(os.path.abspath(report_dir))
    candidates = []
    try:
        names = os.listdir(parent)
    except OSError:
        return None
    for name in names:
        path = os.path.join(parent, name, REPORT_FILE)
        try:
            candidates.append((os.stat(path).st_mtime, path))
        except OSError:
            continue
    return max(candidates)[1] if candidates else None


def load(path):
    """The previous report at ``path`` (a report.json, or a directory holding one): (report, None) or
    (None, why it cannot be used)."""
    if os.path.isdir(path):
        path = os.path.join(path, REPORT_FILE)
    try:
        with open(path) as handle:
            report = json.load(handle)
    except (IOError, OSError) as exc:
        return None, "cannot read %s (%s)" % (path, exc.strerror or exc)
    except ValueError as exc:
        return None, "%s is not JSON (%s)" % (path, exc)
    if not isinstance(report, dict) or not isinstance(report.get("devices"), list):
        return None, "%s is not a fortifleet.auth report (no devices)" % path
    return report, None


def previous_path(report_dir, previous):
    """The previous report to compare with: ``previous`` when given, else the newest sibling run's; None when off."""
    previous = (previous or "").strip()
    if previous.lower() in OFF:
        return None
    if previous:
        return previous
    return find_previous(report_dir)


def _ran(device, area):
    outcome = ((device.get("areas") or {}).get(area) or {}).get("outcome")
    return outcome in ("passed", "failed", "error") if outcome else True


def compare_device(device, before):
    """new / fixed / open / not_checked findings of one device against its previous entry (None: a new device)."""
    now = _unique(device.get("findings"))
    then = _unique((before or {}).get("findings"))
    then_keys = set(_key(f) for f in then)
    now_keys = set(_key(f) for f in now)
    out = dict((kind, []) for kind in KINDS)
    for finding in now:
        out["open" if _key(finding) in then_keys else "new"].append(_ref(finding))
    for finding in then:
        if _key(finding) not in now_keys:
            out["fixed" if _ran(device, finding.get("area")) else "not_checked"].append(_ref(finding))
    return out


def compare(report, previous, path):
    """Add the run-to-run changes to ``report`` (in place) as ``since_previous``: the previous run, the counts, the
    devices that came or went, and per device (``devices``, by name) its findings new, fixed, open and not checked.
    The devices' own entries stay what this run found (two reports of the same state have the same devices)."""
    before = dict((d.get("name"), d) for d in previous.get("devices") or [] if isinstance(d, dict))
    counts = dict((kind, 0) for kind in KINDS)
    per_device = {}
    for device in report["devices"]:
        delta = compare_device(device, before.get(device["name"]))
        per_device[device["name"]] = delta
        for kind in KINDS:
            counts[kind] += len(delta[kind])
    names = set(d["name"] for d in report["devices"])
    run = previous.get("run") or {}
    report["since_previous"] = {
        "path": os.path.abspath(path),
        "run": dict((k, run.get(k)) for k in ("name", "mode", "started", "finished")),
        "counts": counts,
        "devices_added": sorted(names - set(before)),
        "devices_gone": sorted(n for n in before if n not in names),
        "devices": per_device,
    }
    return report


def of_device(report, name):
    """One device's run-to-run changes ({'new': [...], 'fixed': ..., 'open': ..., 'not_checked': ...}), or None when
    the report was not compared with a previous one."""
    return ((report.get("since_previous") or {}).get("devices") or {}).get(name)


def add_changes(report, report_dir, previous=None):
    """Compare ``report`` with the previous report (``previous``: a path, empty for the newest sibling run, or
    'none'). Returns a warning when a previous report was named or found but cannot be used, else None."""
    path = previous_path(report_dir, previous)
    if path is None:
        return None
    old, why = load(path)
    if old is None:
        return "No run-to-run changes in this report: the previous report %s." % why
    compare(report, old, path)
    return None
