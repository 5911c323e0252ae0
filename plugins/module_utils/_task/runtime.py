# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one way a module's logic runs: validate with its argument spec, run, scrub no_log values.

Internal API of fortifleet.auth: may change in any release.

A module's logic is a file ``X.py`` (module ``fortifleet.auth.X``) exporting ``ARGUMENT_SPEC``, ``MODULE_KWARGS``
(AnsibleModule keywords such as ``mutually_exclusive``) and ``run(ctx) -> dict``, which reads validated
parameters from ``ctx`` and raises FortiFleetError subclasses on failure. ``run_task`` serves the action
plugins (controller side), the fleet's per-device steps and, through ``run_module``, the classic module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import client_from_params

INSECURE_WARNING = ("validate_certs is false for %s: the device certificate is not checked, so anyone on the "
                    "path can read the API token. Give ca_path instead.")


def module_name(logic):
    """``fortifleet.auth.X`` runs the logic file ``X.py``."""
    return logic.__name__.rsplit(".", 1)[-1]


class TaskContext(object):
    """Validated parameters, check/diff mode and warnings of one task on one device.

    ``client`` gives a client to share (a fleet run uses one connection per device for every step)."""

    def __init__(self, params, check_mode=False, diff=False, label=None, client=None):
        self.params = params
        self.check_mode = bool(check_mode)
        self.diff = bool(diff)
        self.label = label or params.get("host")
        self.warnings = []
        self._client = client

    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def used_client(self):
        """The client this task made or was given, or None when it sent nothing."""
        return self._client

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


def _warning_text(warning):
    """The validator's warnings are dicts: {'warning': text} or, for an option set with its alias, {'option', 'alias'}."""
    if isinstance(warning, dict):
        if warning.get("warning"):
            return str(warning["warning"])
        if "option" in warning and "alias" in warning:
            return "Both option %s and its alias %s are set." % (warning["option"], warning["alias"])
    return str(warning)


class Validation(object):
    """The outcome of checking a task's arguments: parameters or an error message, and the no_log values."""

    def __init__(self, logic, args, only=None):
        """``only``: check just these options of the spec (the fleet's run options, the same for every device)."""
        self.module = module_name(logic)
        if only is None:
            validator = ArgumentSpecValidator(logic.ARGUMENT_SPEC, **logic.MODULE_KWARGS)
        else:
            validator = ArgumentSpecValidator(dict((k, v) for k, v in logic.ARGUMENT_SPEC.items() if k in only))
        result = validator.validate(args)
        # Ansible keeps the no_log values on a private attribute; AnsibleModule and community.crypto read it too.
        self.no_log_values = set(result._no_log_values)
        self.params = result.validated_parameters
        self.warnings = [_warning_text(w) for w in result._warnings]
        self.error = None
        if result.error_messages:
            self.error = "Invalid input for fortifleet.auth.%s: %s" % (self.module, "; ".join(result.error_messages))

    def failed_result(self):
        return {"failed": True, "changed": False, "error_kind": "invalid_input", "msg": self.error}


def execute(logic_run, ctx):
    """Run ``logic_run(ctx)`` and turn expected errors into a failed result (never a traceback)."""
    try:
        result = logic_run(ctx) or {}
    except err.FortiFleetError as exc:
        result = exc.to_result()
        result["failed"] = True
        result.setdefault("changed", False)
    result.setdefault("changed", False)
    if ctx.used_client is not None:
        result["requests"] = {"sent": ctx.used_client.requests_sent, "retried": ctx.used_client.retries_done}
    if ctx.warnings:
        result["warnings"] = list(ctx.warnings)
    return result


def run_task(logic, args, check_mode=False, diff=False, label=None, client=None):
    """Validate ``args`` against the logic's argument spec, then run it.

    Returns (result, no_log_values); the caller scrubs the values wherever the result goes."""
    validation = Validation(logic, args)
    if validation.error:
        return validation.failed_result(), validation.no_log_values
    ctx = TaskContext(validation.params, check_mode=check_mode, diff=diff, label=label, client=client)
    for warning in validation.warnings:
        ctx.warn(warning)
    return execute(logic.run, ctx), validation.no_log_values


def scrub(value, no_log_values):
    """``value`` without any of the secrets (tokens, passwords, licence codes, new keys)."""
    return remove_values(value, set(s for s in no_log_values if s))


def run_module(logic):
    """The classic-module entry point: same logic, run on the target by AnsibleModule."""
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=logic.ARGUMENT_SPEC, supports_check_mode=True, **logic.MODULE_KWARGS)
    ctx = TaskContext(module.params, check_mode=module.check_mode, diff=module._diff)
    result = execute(logic.run, ctx)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)
