# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs fortifleet.auth.fleet in the controller: one device per task, or the whole play batch at once.

With ``run_once: true`` the task runs every host of the play batch in a thread pool of ``forks`` threads
(or ``workers``) and returns ``records`` (host name -> record), which a registered variable carries to every host:
one task instead of about 40 host-tasks per device, each of which costs Ansible about 14 ms of controller
time (benchmarks/README.md). What runs per device is module_utils/_fleet (prepare, run_batch); this file only
gathers each host's variables and runs the pool.
"""

from __future__ import annotations

import os
import time

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import fleet as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.settings import SETTINGS_SPEC
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import Validation, scrub
from ansible_collections.fortifleet.auth.plugins.plugin_utils._launcher import FortiFleetAction, prepare_process

display = Display()


class ActionModule(FortiFleetAction):
    LOGIC = logic

    def _raw_settings(self, args, hvars, task_vars):
        """A host's role variables (inventory or -e), then the task's ``settings``."""
        raw = {}
        for name in SETTINGS_SPEC:
            value = self._var(hvars, name)
            if value is not None:
                raw[name] = value
        raw.update(args.get("settings") or {})
        raw.setdefault("api_access_key_dir", "")  # the state directory (_fleet/settings.py default_key_directory)
        return raw

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        if self._classic(task_vars):
            # fortifleet_execution: module: this host only, through the module on the target.
            args = dict(self._task.args)
            self._task.args = dict(args, settings=self._raw_settings(args, task_vars, task_vars))
            return FortiFleetAction.run(self, tmp, task_vars)
        result = ActionBase.run(self, tmp, task_vars)
        # The run options are the same for every device: checked once, before any device.
        given = dict((k, v) for k, v in self._task.args.items() if k in logic.RUN_OPTIONS)
        checked = Validation(logic, given, only=logic.RUN_OPTIONS)
        if checked.error:
            result.update(checked.failed_result())
            return result
        options = checked.params
        fleet = bool(self._task.run_once)
        me = task_vars.get("inventory_hostname")
        names = list(task_vars.get("ansible_play_batch") or [me]) if fleet else [me]
        check_mode, diff = self._play_context.check_mode, self._play_context.diff
        connection_args = dict((k, v) for k, v in self._task.args.items() if k not in logic.RUN_OPTIONS)

        devices, records, secrets = [], {}, {}
        prepare_process(connection_args.get("journal_dir") or self._var(task_vars, "fortifleet_journal_dir"))
        for name in names:
            hvars = task_vars["hostvars"][name] if fleet else task_vars
            try:
                connection = self._connection_from(connection_args, hvars, name)
                raw_settings = self._raw_settings(options, hvars, task_vars)
            except Exception as exc:  # pylint: disable=broad-except
                # One host's broken variable (an undefined template, a bad type) fails that host alone.
                device, secrets[name] = None, set()
                record = logic.refused_record(name, None, "input: a variable of %s cannot be read: %s"
                                              % (name, logic.safe_text(exc)))
            else:
                device, record, secrets[name] = logic.prepare(name, connection, options["areas"], raw_settings,
                                                              check_mode, diff)
            if device is None:
                records[name] = scrub(record, secrets[name])
                self._progress(fleet, len(records), len(names), name, records[name])
                continue
            if not fleet and not options["preflight"] and task_vars.get("fortifleet_preflight"):
                # A role after the preflight role: the area needs what the preflight found (api_access).
                device.record["preflight"] = self._templar.template(task_vars["fortifleet_preflight"])
            devices.append(device)

        workers = logic.pool_size(options.get("workers") or self._var(task_vars, logic.WORKERS_VARIABLE), len(devices))
        started = time.time()
        # A fleet task keeps the records in its result (return_records) or only in the spool the report reads.
        collected = logic.Collector(keep=options["return_records"] or not fleet,
                                    spool=logic.new_spool(self._local_tmp()) if fleet and options["spool_records"]
                                    else None)
        for name, record in records.items():
            collected.add(name, record)

        def finished(device, record):
            record = scrub(record, secrets[device.name] | device.no_log_values)
            self._progress(fleet, len(collected) + 1, len(names), device.name, record)
            collected.add(device.name, record)

        # Every preflight, then the areas (HA clusters: _fleet/topology.py). Ctrl-C or SIGTERM stops the pool: no
        # new device or step, critical sections finish, the worker exits.
        try:
            logic.run_batch(devices, options, finished, workers, fleet=fleet)
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM, ansible-playbook gone): no report will read the spool.
            collected.close()
            if collected.spool:
                logic.remove_spool(collected.spool)
            raise
        collected.close()

        result.update(logic.task_result(collected, names, fleet, options, time.time() - started))
        prepared = set(d.name for d in devices)
        refused = [name for name in names if name not in prepared]
        if not fleet and refused:
            # One host's task (a role): its refused input fails it, as the classic module does. A fleet task
            # never fails for one device: each has its line and its record.
            result.update(failed=True, msg="; ".join(collected.records[refused[0]]["errors"]))
        if fleet:
            display.display(result["summary"]["line"])
        return result

    @staticmethod
    def _local_tmp():
        """ansible-playbook's temporary directory of this run (removed when it exits, Ctrl-C included), or None."""
        directory = getattr(C, "DEFAULT_LOCAL_TMP", None)
        return directory if directory and os.path.isdir(directory) else None

    @staticmethod
    def _progress(fleet, done, total, name, record):
        if fleet:
            display.display("[%d/%d] %s" % (done, total, logic.progress_line(name, record)))
