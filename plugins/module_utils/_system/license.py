# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The FortiGate's licence as monitor license/status reports it.

Internal API of fortifleet.auth: may change in any release.

The field names of license/status are UNCONFIRMED (fortios-api.md §5), so the parser
accepts the shapes seen in clients and never fails on a missing key.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PATH = "license/status"  # fortios-api.md §5: access group "any"
_EVALUATION_TYPES = ("eval", "evaluation", "trial")


def text(value):
    return str(value).strip().lower() if value is not None else ""


def _dict(value):
    return value if isinstance(value, dict) else {}


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
        "raw": results,
    }


def read(client):
    """Licence facts of the device behind ``client``."""
    return facts(client.get(PATH, api="monitor").results)
