# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs fortifleet.auth.fleet in the controller: one device per task, or the whole play batch at once.

With ``run_once: true`` the task runs every host of the play batch in a thread pool of ``forks`` threads
(or ``workers``) and returns ``records`` (host name -> record), which a registered variable carries to every host:
one task instead of about 40 host-tasks per device, each of which costs Ansible about 14 ms of controller
time (benchmarks/README.md).
"""

from __future__ import annotations

import concurrent.futures
import time

from ansible import context
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import fleet as logic
from ansible_collections.fortifleet.auth.plugins.plugin_utils._launcher import FortiFleetAction

display = Display()

# Task options that are not per-device connection options.
_RUN_OPTIONS = ("areas", "preflight", "usable_states", "settings", "workers")


class ActionModule(FortiFleetAction):
    MODULE = "fleet"
    ARGUMENT_SPEC = logic.ARGUMENT_SPEC
    LOGIC = staticmethod(logic.run)

    # -- what one device gets ------------------------------------------------------------------
    def _raw_settings(self, args, hvars, task_vars):
        raw = {}
        for name in logic.SETTINGS_SPEC:
            value = self._var(hvars, name)
            if value is not None:
                raw[name] = value
        raw.update(args.get("settings") or {})
        raw.setdefault("api_access_key_dir", "%s/fortifleet-keys" % task_vars.get("playbook_dir", "."))
        return raw

    def _device(self, args, hvars, name, task_vars, check_mode, diff):
        """A ready Device, or (None, record) when its input is refused before any request."""
        conn = self._connection_from(dict((k, v) for k, v in args.items() if k not in _RUN_OPTIONS), hvars, name)
        validation = ArgumentSpecValidator(self.ARGUMENT_SPEC).validate(dict(conn, areas=args["areas"]))
        secrets = set(validation._no_log_values)
        raw = self._raw_settings(args, hvars, task_vars)
        for key in logic.SECRET_SETTINGS:
            value = raw.get(key)
            secrets.update(value if isinstance(value, list) else [value])
        record = logic.new_record(conn.get("host"), preflight={"access": "error"})
        if validation.error_messages:
            record["errors"].append("input: Invalid input for fortifleet.auth.fleet: %s"
                                    % "; ".join(validation.error_messages))
            return None, record, secrets
        params = validation.validated_parameters
        if not params.get("host"):
            record["errors"].append("input: the inventory gives %s an empty ansible_host" % name)
            return None, record, secrets
        try:
            settings = logic.device_settings(raw, params["areas"], params.get("api_user"))
        except err.FortiFleetError as exc:
            record["errors"].append("input: %s" % exc)
            return None, record, secrets
        return logic.Device(name, params, settings, check_mode, diff), record, secrets

    # -- the run ---------------------------------------------------------------------------------
    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        if self._classic(task_vars):
            return self._run_classic(tmp, task_vars)
        result = ActionBase.run(self, tmp, task_vars)
        args = dict(self._task.args)
        check = ArgumentSpecValidator(dict((k, v) for k, v in self.ARGUMENT_SPEC.items() if k in _RUN_OPTIONS))
        checked = check.validate(dict((k, v) for k, v in args.items() if k in _RUN_OPTIONS))
        if checked.error_messages:
            result.update(failed=True, changed=False, error_kind="invalid_input",
                          msg="Invalid input for fortifleet.auth.fleet: %s" % "; ".join(checked.error_messages))
            return result
        args.update(checked.validated_parameters)
        fleet = bool(self._task.run_once)
        me = task_vars.get("inventory_hostname")
        names = list(task_vars.get("ansible_play_batch") or [me]) if fleet else [me]
        check_mode, diff = self._play_context.check_mode, self._play_context.diff

        devices, records, secrets = [], {}, {}
        for name in names:
            hvars = task_vars["hostvars"][name] if fleet else task_vars
            device, record, secrets[name] = self._device(args, hvars, name, task_vars, check_mode, diff)
            if device is None:
                records[name] = logic.scrub(record, secrets[name])
                self._progress(fleet, len(records), len(names), name, records[name])
                continue
            if not fleet and not args["preflight"] and task_vars.get("fortifleet_preflight"):
                # A role after the preflight role: the area needs what the preflight found (api_access).
                device.record["preflight"] = self._templar.template(task_vars["fortifleet_preflight"])
            devices.append(device)

        workers = int(args.get("workers") or context.CLIARGS.get("forks") or 5)
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = dict((pool.submit(logic.run_device, d, args["areas"], args["preflight"],
                                        args["usable_states"]), d) for d in devices)
            for future in concurrent.futures.as_completed(futures):
                device = futures[future]
                secrets[device.name].update(device.no_log_values)
                records[device.name] = logic.scrub(future.result(), secrets[device.name])
                self._progress(fleet, len(records), len(names), device.name, records[device.name])

        result.update(self._result(records, names, fleet, started, args["usable_states"]))
        return result

    @staticmethod
    def _progress(fleet, done, total, name, record):
        if fleet:
            display.display("[%d/%d] %s" % (done, total, progress_line(name, record)))

    def _result(self, records, names, fleet, started, usable_states):
        diffs, warnings, changed = [], [], False
        for name in names:
            record = records[name]
            diffs.extend(record.pop("diff", []))
            warnings.extend(w for w in record.get("warnings", []) if w not in warnings)
            changed = changed or bool(record["changes"])
        out = {"changed": changed, "seconds": round(time.time() - started, 3), "devices": len(names)}
        if fleet:
            # Registered, not a fact: Ansible deep-copies facts for every hostvars access, which made the report
            # play quadratic in the fleet size (measured: minutes at 500 devices).
            out["records"] = records
            out["summary"] = summary(records, usable_states)
            display.display(out["summary"]["line"])
        else:
            out["record"] = records[names[0]]
        if diffs:
            out["diff"] = diffs
        if warnings:
            out["warnings"] = warnings
        return out

    def _run_classic(self, tmp, task_vars):
        """fortifleet_execution: module: this host only, through the module on the target."""
        args = dict(self._task.args)
        self._task.args = dict(args, settings=self._raw_settings(args, task_vars, task_vars))
        return FortiFleetAction.run(self, tmp, task_vars)


def progress_line(name, record):
    """One line per device as it finishes: access, version, what is wrong, what was or would be done."""
    pre = record.get("preflight") or {}
    text = "%s: access %s" % (name, pre.get("access") or "not run")
    if pre.get("version"):
        text += ", FortiOS %s" % pre["version"]
    open_ids = sorted(set(f["id"] for f in record["findings"] if f.get("severity") in ("critical", "warning")))
    if open_ids:
        text += "; findings: %s" % ", ".join(open_ids)
    if record["changes"]:
        verb = "would change" if any(c.get("check_mode") for c in record["changes"]) else "changed"
        text += "; %s: %s" % (verb, ", ".join(sorted(set(c["area"] for c in record["changes"]))))
    if record["errors"]:
        text += "; errors: %s" % " | ".join(record["errors"])
    return text


def summary(records, usable_states):
    usable = [n for n, r in records.items() if (r.get("preflight") or {}).get("access") in usable_states]
    left_out = sorted(n for n in records if n not in usable)
    failed = sorted(n for n, r in records.items() if r["errors"])
    changed = sorted(n for n, r in records.items() if r["changes"])
    line = "%d devices: %d usable, %d changed or drifting, %d with errors" % (
        len(records), len(usable), len(changed), len(failed))
    if left_out:
        line += "; left out: %s" % ", ".join("%s (%s)" % (n, (records[n].get("preflight") or {}).get("access"))
                                             for n in left_out[:20])
        if len(left_out) > 20:
            line += " and %d more" % (len(left_out) - 20)
    return {"line": line, "usable": len(usable), "left_out": left_out, "with_errors": failed, "changed": changed}
