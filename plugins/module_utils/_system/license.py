# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The FortiGate's licence as monitor license/status reports it.

Internal API of fortifleet.auth: may change in any release.

Public real-device captures (fortios-api.md §5, captures) confirm the layout: one object per service, e.g.
``fortiguard.connected`` (bool), ``forticare.status`` (registered, no_support...), ``vm.status`` (vm_valid,
vm_eval...). The parser still never fails on a missing key: a field it cannot read is None ("could not
determine"), never a guess.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PATH = "license/status"  # fortios-api.md §5: access group "any"
_EVALUATION_TYPES = ("eval", "evaluation", "trial")


def text(value):
    return str(value).strip().lower() if value is not None else ""


def _dict(value):
    return value if isinstance(value, dict) else {}


def flag(value):
    """True/False from a bool or a usual word; None when the value says neither."""
    if isinstance(value, bool):
        return value
    low = text(value)
    if low in ("1", "true", "yes", "enable", "enabled", "up", "connected", "reachable"):
        return True
    if low in ("0", "false", "no", "disable", "disabled", "down", "disconnected", "unreachable", "cannot_connect"):
        return False
    return None


def fortiguard_connected(results):
    """Whether the FortiGate is connected to FortiGuard: license/status ``fortiguard.connected`` (confirmed by
    captures, fortios-api.md §5, captures); None when the answer does not say."""
    guard = _dict(_dict(results).get("fortiguard"))
    for key in ("connected", "connection", "status"):
        value = flag(guard.get(key))
        if value is not None:
            return value
    return None


def facts(results):
    """Licence facts: FortiCare and VM status, licence type and whether it is an evaluation."""
    results = _dict(results)
    forticare = _dict(results.get("forticare"))
    vm = _dict(results.get("vm"))
    vm_type = text(vm.get("type") or vm.get("license_type"))
    evaluation = bool(results.get("evaluation") or vm.get("evaluation") or forticare.get("evaluation")
                      or vm_type in _EVALUATION_TYPES or "eval" in text(vm.get("status")))
    return {
        "forticare_status": forticare.get("status"),
        "vm_status": vm.get("status"),
        "type": "evaluation" if evaluation else (vm_type or None),
        "evaluation": evaluation,
        "fortiguard_connected": fortiguard_connected(results),
        "fortiguard_fields": sorted(_dict(results.get("fortiguard"))),
        "raw": results,
    }


def read(client):
    """Licence facts of the device behind ``client``."""
    return facts(client.get(PATH, api="monitor").results)
