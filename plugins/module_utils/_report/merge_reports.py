# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.merge_reports: one fleet report from the reports of a job-sliced run (merge.py), written
by the report's own writer.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._report import merge
from ansible_collections.fortifleet.auth.plugins.module_utils._report import model
from ansible_collections.fortifleet.auth.plugins.module_utils._report.render import write

ARGUMENT_SPEC = dict(
    # Each a slice's report directory or its report.json.
    slices=dict(type="list", elements="path"),
    # A directory whose subdirectories are the slices' report directories (one per slice job).
    slices_dir=dict(type="path"),
    expected_slices=dict(type="int"),
    report_dir=dict(type="path", default="fortifleet-report"),
    # As fleet_report's: a report.json (or its directory); empty: the newest one beside report_dir; none: off.
    previous_report=dict(type="str", default=""),
    usable_states=dict(type="list", elements="str", default=list(model.USABLE)),
)
MODULE_KWARGS = {"required_one_of": [["slices", "slices_dir"]]}


def run(ctx):
    params = ctx.params
    report, paths, reconciled = merge.merged_report(
        params.get("slices"), params.get("slices_dir"), params.get("expected_slices"), params["report_dir"],
        params["previous_report"], params["usable_states"], ctx.warn)
    since = report.get("since_previous")
    out = {"changed": False, "summary": report["summary"], "summary_lines": model.summary_lines(report),
           "mode": report["run"]["mode"], "files": {}, "slices": paths, "handled_through": reconciled,
           # As fleet_report's: the merge job fails as a single run's report would (report role).
           "left_out": model.left_out(report, params["usable_states"]),
           "rotation_refused": model.rotation_refused(report),
           "since_previous": dict((k, v) for k, v in since.items() if k != "devices") if since else None}
    if not ctx.check_mode:
        out["files"] = write(report, params["report_dir"])
    return out
