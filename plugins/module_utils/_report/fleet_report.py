# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.fleet_report: build the report of a run and write its files.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._report.changes import add_changes
from ansible_collections.fortifleet.auth.plugins.module_utils._report.model import (
    USABLE, build, left_out, rotation_refused, summary_lines)
from ansible_collections.fortifleet.auth.plugins.module_utils._report.render import write

ARGUMENT_SPEC = dict(
    hosts=dict(type="dict"),
    devices=dict(type="list", elements="str"),
    # The fleet task's spool (its RV spool): each device's record, read with 'devices' by the action plugin.
    spool=dict(type="path"),
    report_dir=dict(type="path", default="fortifleet-report"),
    run_name=dict(type="str", default="fortifleet"),
    # None: the mode the devices' records say they ran in (a check-mode run of any task is reported as check).
    check_mode_run=dict(type="bool"),
    usable_states=dict(type="list", elements="str", default=list(USABLE)),
    started=dict(type="str"),
    redact=dict(type="list", elements="str", no_log=True, default=[]),
    # Device name -> the values of its secret variables (the action plugin reads them from the inventory).
    redact_devices=dict(type="dict", no_log=True, default={}),
    # The report to compare with: a report.json (or its directory); empty: the newest one beside report_dir; none: off.
    previous_report=dict(type="str", default=""),
)
MODULE_KWARGS = {"required_one_of": [["hosts", "devices"]], "mutually_exclusive": [["hosts", "devices"]]}


def run(ctx):
    params = ctx.params
    if params.get("hosts") is None:
        # The action plugin turns 'devices' into 'hosts' and 'redact' from the inventory before this runs.
        raise err.InputError("devices", "is read from the inventory by the action plugin, which did not run",
                             "Give 'hosts' when the module runs without its action plugin.")
    report = build(params["hosts"], params["run_name"], params["check_mode_run"], params.get("started"),
                   params["redact"], params["usable_states"], device_secrets=params["redact_devices"])
    why_not = add_changes(report, params["report_dir"], params["previous_report"])
    if why_not:
        ctx.warn(why_not)
    out = {"changed": False, "summary": report["summary"], "summary_lines": summary_lines(report), "files": {},
           "mode": report["run"]["mode"],
           # Every device without usable access, whatever the reason: preflight_fail_on_error fails the run for them.
           "left_out": left_out(report, params["usable_states"]),
           # A refused key rotation fails the run after the report (report role).
           "rotation_refused": rotation_refused(report),
           # The comparison's summary; its per-device lists (as long as the fleet) stay in report.json.
           "since_previous": dict((k, v) for k, v in report["since_previous"].items() if k != "devices")
           if report.get("since_previous") else None}
    if not ctx.check_mode:
        out["files"] = write(report, params["report_dir"])
    return out
