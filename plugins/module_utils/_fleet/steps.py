# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What an area's fleet run (``_<area>/area_run.py``) uses to chain module steps on one device.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class AreaFailed(Exception):
    """A step whose failure ends its area (the role would have gone to its rescue)."""


def must(result):
    """The step's result, or AreaFailed when it failed."""
    if result.get("failed"):
        raise AreaFailed(result.get("msg") or "failed")
    return result


def given(args):
    """Module arguments without the ones the role would 'omit' (empty strings, zero ports, empty lists)."""
    return dict((k, v) for k, v in args.items() if v not in (None, "", 0, []) or isinstance(v, bool))


def info(device, subsets, **extra):
    """fortigate_info for these subsets on the device; AreaFailed when it fails."""
    result = must(device.step("fortigate_info", dict(gather_subset=subsets, **given(extra))))
    # fortigate_info gives each subset its own error: an area whose own read failed goes no further.
    failed = [(result["fortigate"].get("errors") or {}).get(s) for s in subsets]
    failed = [f["message"] for f in failed if f]
    if failed:
        raise AreaFailed("; ".join(failed))
    return result


def ids(findings):
    return [f.get("id") for f in findings or []]


def record_change(device, area, obj, result, **extra):
    """Add a config change of a step to the device's record."""
    change = {"area": area, "object": obj, "changed_keys": result.get("changed_keys") or [],
              "check_mode": device.check_mode}
    change.update(extra)
    device.record["changes"].append(change)
