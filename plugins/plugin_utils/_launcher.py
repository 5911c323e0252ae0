# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one action-plugin launcher: runs a module's logic inside the controller.

Internal API of fortifleet.auth: may change in any release.

Running in the controller skips AnsiballZ packaging and a Python start per
task (measured in benchmarks/: see README). The module's own argument spec
validates the input and no_log values are scrubbed from the result, exactly
as AnsibleModule would do.
"""

from __future__ import annotations

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import INVENTORY_VARS
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import TaskContext, execute

EXECUTION_VAR = "fortifleet_execution"
EXECUTION_ENV = "FORTIFLEET_EXECUTION"


class FortiFleetAction(ActionBase):
    """Subclasses set MODULE, ARGUMENT_SPEC and LOGIC (plus optional AnsibleModule keywords)."""

    MODULE = None
    ARGUMENT_SPEC = None
    LOGIC = None
    MODULE_KWARGS = {}

    TRANSFERS_FILES = False
    _requires_connection = False

    def _var(self, host_vars, name):
        """A variable of the task's host (task_vars) or of another host (hostvars[name]), templated; None if unset."""
        try:
            value = host_vars[name]
        except KeyError:
            return None
        return self._templar.template(value)

    def _connection_from(self, args, host_vars, host_name):
        """The task's options, with connection options it leaves unset taken from the host's inventory variables."""
        args = dict(args)
        if "host" in self.ARGUMENT_SPEC and args.get("host") is None:
            # An ansible_host set but empty is a mistake to report, not a reason to try the inventory name.
            address = self._var(host_vars, "ansible_host")
            args["host"] = host_name if address is None else address
        for option, var in INVENTORY_VARS.items():
            if option in self.ARGUMENT_SPEC and args.get(option) is None:
                value = self._var(host_vars, var)
                if value is not None:
                    args[option] = value
        return args

    def _connection_args(self, task_vars):
        return self._connection_from(self._task.args, task_vars, task_vars.get("inventory_hostname"))

    def _classic(self, task_vars):
        mode = self._var(task_vars, EXECUTION_VAR) or os.environ.get(EXECUTION_ENV, "")
        return str(mode).lower() == "module"

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(FortiFleetAction, self).run(tmp, task_vars)
        args = self._connection_args(task_vars)
        if self._classic(task_vars):
            result.update(self._execute_module(module_name="fortifleet.auth.%s" % self.MODULE,
                                               module_args=args, task_vars=task_vars))
            return result

        validator = ArgumentSpecValidator(self.ARGUMENT_SPEC, **self.MODULE_KWARGS)
        validation = validator.validate(args)
        no_log_values = validation._no_log_values
        if validation.error_messages:
            result.update(failed=True, changed=False, error_kind="invalid_input",
                          msg="Invalid input for fortifleet.auth.%s: %s"
                              % (self.MODULE, "; ".join(validation.error_messages)))
            return remove_values(result, no_log_values)

        ctx = TaskContext(validation.validated_parameters, check_mode=self._play_context.check_mode,
                          diff=self._play_context.diff, label=task_vars.get("inventory_hostname"))
        for warning in validation._warnings:
            ctx.warn(warning.get("warning") if isinstance(warning, dict) else str(warning))
        result.update(execute(self.LOGIC, ctx))
        return remove_values(result, no_log_values)
