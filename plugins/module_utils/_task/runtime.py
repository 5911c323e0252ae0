# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs a module's logic the same way in the controller (action plugin) and as a classic module.

Internal API of fortifleet.auth: may change in any release.

A module's logic is a function ``logic(ctx) -> dict`` that reads validated
parameters from ``ctx`` and raises FortiFleetError subclasses on failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import client_from_params

INSECURE_WARNING = ("validate_certs is false for %s: the device certificate is not checked, so anyone on the "
                    "path can read the API token. Give ca_path instead.")


class TaskContext(object):
    """Validated parameters, check/diff mode and warnings of one task on one device."""

    def __init__(self, params, check_mode=False, diff=False, label=None):
        self.params = params
        self.check_mode = bool(check_mode)
        self.diff = bool(diff)
        self.label = label or params.get("host")
        self.warnings = []
        self._client = None

    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    def client(self):
        """The FortiOS client for this task (one per task; reuses its HTTP connection)."""
        if self._client is None:
            p = self.params
            if not p.get("host"):
                raise err.InputError("host", "no FortiGate address given",
                                     "Set 'host', or run through the action plugin so that ansible_host "
                                     "or the inventory name is used.")
            if not p.get("validate_certs", True) and p.get("use_ssl", True):
                self.warn(INSECURE_WARNING % self.label)
            self._client = client_from_params(p, self.label)
        return self._client


def execute(logic, ctx):
    """Run ``logic`` and turn expected errors into a failed result (never a traceback)."""
    try:
        result = logic(ctx) or {}
    except err.FortiFleetError as exc:
        result = exc.to_result()
        result["failed"] = True
        result.setdefault("changed", False)
    result.setdefault("changed", False)
    if ctx._client is not None:
        result["requests"] = {"sent": ctx._client.requests_sent, "retried": ctx._client.retries_done}
    if ctx.warnings:
        result["warnings"] = list(ctx.warnings)
    return result


def run_module(argument_spec, logic, **module_kwargs):
    """The classic-module entry point: same logic, run on the target by AnsibleModule."""
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **module_kwargs)
    ctx = TaskContext(module.params, check_mode=module.check_mode, diff=module._diff)
    result = execute(logic, ctx)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)
