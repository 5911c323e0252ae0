# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one action-plugin launcher: runs a module's logic inside the controller.

Internal API of fortifleet.auth: may change in any release.

Running in the controller skips AnsiballZ packaging and a Python start per task (measured in benchmarks/: see
README). Validation, the run and the no_log scrubbing are module_utils/_task/runtime.py's run_task, the same path
the fleet's per-device steps take.
"""

from __future__ import annotations

import os

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import client as fortios_client
from ansible_collections.fortifleet.auth.plugins.module_utils._task import journal
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import INVENTORY_VARS
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import (
    install_signal_holder, module_name, run_task, scrub)

_display = Display()

# Beside the journal directory (not in it: the journal holds only its entries): the lock-out guard's markers.
GUARD_DIRECTORY = "lockout-guard"


def prepare_process(journal_dir=None):
    """What every task does first in its worker process: the lock-out guard shared by the run's tasks (markers
    keyed by the ansible-playbook run), and Ctrl-C/SIGTERM held back during critical sections."""
    journal_dir = os.path.expanduser(str(journal_dir)) if journal_dir else journal.default_directory()
    directory = os.path.join(os.path.dirname(os.path.abspath(journal_dir)), GUARD_DIRECTORY)
    fortios_client.GUARD.configure(directory, fortios_client.run_id())
    install_signal_holder()
    # -vvv: one line per HTTP request (the fleet's threads included), never a secret (client.trace_line).
    fortios_client.set_trace(_display.vvv if _display.verbosity >= 3 else None)


EXECUTION_VAR = "fortifleet_execution"
EXECUTION_ENV = "FORTIFLEET_EXECUTION"


class FortiFleetAction(ActionBase):
    """Subclasses set LOGIC: the module's logic file (ARGUMENT_SPEC, MODULE_KWARGS, run)."""

    LOGIC = None

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
        spec = self.LOGIC.ARGUMENT_SPEC
        args = dict(args)
        if "host" in spec and args.get("host") is None:
            # An ansible_host set but empty is a mistake to report, not a reason to try the inventory name.
            address = self._var(host_vars, "ansible_host")
            args["host"] = host_name if address is None else address
        for option, var in INVENTORY_VARS.items():
            if option in spec and args.get(option) is None:
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
            result.update(self._execute_module(module_name="fortifleet.auth.%s" % module_name(self.LOGIC),
                                               module_args=args, task_vars=task_vars))
            return result
        prepare_process(args.get("journal_dir"))
        outcome, no_log_values = run_task(self.LOGIC, args, check_mode=self._play_context.check_mode,
                                          diff=self._play_context.diff, label=task_vars.get("inventory_hostname"))
        result.update(outcome)
        return scrub(result, no_log_values)
