# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs fortifleet.auth.fleet_report in the controller.

With ``devices`` (inventory host names), each device's input and the secrets to redact are read here from the
inventory: the fleet task's record or the roles' facts (_report.model.device_input), and the values of every
variable whose option is no_log (_fleet.fleet.secret_variables).
"""

from __future__ import annotations

import os

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.fleet import (
    read_spool, remove_spool, secret_values, secret_variables)
from ansible_collections.fortifleet.auth.plugins.module_utils._report import fleet_report as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._report.model import device_input
from ansible_collections.fortifleet.auth.plugins.plugin_utils._launcher import FortiFleetAction

# The access token's fallback (argspec env_fallback): a secret too when the inventory has none.
TOKEN_ENV = "FORTIOS_ACCESS_TOKEN"


class ActionModule(FortiFleetAction):
    LOGIC = logic

    def run(self, tmp=None, task_vars=None):
        try:
            return super(ActionModule, self).run(tmp, task_vars)
        finally:
            spool = self._templar.template(self._task.args.get("spool"))
            if spool:
                remove_spool(spool)  # the run's records are in the report now

    def _connection_args(self, task_vars):
        args = dict(self._task.args)
        names = args.pop("devices", None)
        spool = args.pop("spool", None)
        if names is None:
            return args
        names = self._templar.template(names)
        # The fleet task's records, streamed to its spool as each device finished (a fleet task that failed early
        # may have left none).
        spooled = read_spool(spool, names) if spool and os.path.isfile(spool) else {}
        hostvars = task_vars.get("hostvars") or {}
        hosts, secrets, secret_names = {}, set(args.get("redact") or []), secret_variables()
        own = {}
        for name in names:
            host_vars = hostvars[name] if name in hostvars else {}

            def get(var, host_vars=host_vars):
                return self._var(host_vars, var)

            # A copy: the fleet task's record is shared with the inventory. The groups sort and filter the report.
            hosts[name] = dict(device_input(name, get, spooled.pop(name, None)), groups=[g for g in get("group_names") or [] if g != "ungrouped"])
            own[name] = sorted(secret_values(get, secret_names))
        if os.environ.get(TOKEN_ENV):
            secrets.add(os.environ[TOKEN_ENV])
        # Each device's secrets redact its own data, the run's (redact, the environment's token) every device's.
        args.update(hosts=hosts, redact=sorted(secrets), redact_devices=own)
        return args
