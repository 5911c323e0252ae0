#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: merge_reports
short_description: Merge the reports of a job-sliced run into one fleet report
version_added: 0.2.0
description:
  - AWX and Automation Platform job slicing runs one playbook as several jobs, each on a part of the inventory
    (host I(i) in slice I(i mod N), in inventory name order), and each slice writes its own report. This module reads
    the slices' C(report.json) files and writes one report (C(report.json), C(report.md), C(report.html),
    C(junit.xml), with the writer of M(fortifleet.auth.fleet_report)) equal, apart from its timings, to the report a
    single run over the whole inventory writes.
  - Refuses, before writing anything, a slice whose C(report.json) is missing, unreadable or not a report, slices of
    different runs (run name or mode), of another report schema version, a device found in two slices, and fewer or
    more slices than O(expected_slices).
  - HA clusters across slices. A slice that holds an HA secondary but not its primary diagnoses the secondary
    read-only (C(HA_SECONDARY_ONLY); nothing is ever written through a secondary). When the primary's entry is in
    another slice and passed its preflight, a single run would have handled the cluster through it; the merged
    report then gives the secondary the single run's entry (C(handled_through) the primary, its areas skipped, the
    findings of its preflight). That claims no write; a secondary whose entry shows a real write keeps it, with a
    warning.
  - Run-to-run changes against the previous report, as M(fortifleet.auth.fleet_report) does, never against a slice
    of this run.
  - Normally used through the C(fortifleet.auth.merge_reports) playbook.
author:
  - fortifleet.auth contributors (@fortifleet)
options:
  slices:
    description:
      - The slices' report directories (or their C(report.json) files).
      - At least one of O(slices) and O(slices_dir) is required; both may be given.
    type: list
    elements: path
  slices_dir:
    description:
      - A directory whose subdirectories are the slices' report directories, one per slice job; a subdirectory
        without C(report.json) is a missing slice and is refused.
    type: path
  expected_slices:
    description:
      - The number of slices of the run (the job template's Job Slicing count). Given, the merge refuses when it finds
        another number, so that a slice job that never wrote its report is not silently left out.
    type: int
  report_dir:
    description: Directory for the merged report's files (created when missing); not one of the slices' directories.
    type: path
    default: fortifleet-report
  previous_report:
    description:
      - The previous run's C(report.json), or the directory that holds it, to compare this run with.
      - Empty (the default) compares with the newest C(report.json) in the parent directory of O(report_dir), unless
        that is one of the slices (then there is no comparison, with a warning). C(none) turns the comparison off.
    type: str
    default: ""
  usable_states:
    description:
      - Access states in which a device was usable, as the slices' runs were given (C(preflight_usable_states)).
    type: list
    elements: str
    default: [ok, forbidden]
attributes:
  check_mode:
    support: full
    description: In check mode the slices are read and merged and the summary returned, but no file is written.
  diff_mode:
    support: none
    description: Writes report files only.
  platform:
    support: full
    platforms: all
    description: Runs on the controller, where the slices' report directories are.
seealso:
  - module: fortifleet.auth.fleet_report
"""

EXAMPLES = r"""
- name: Merge the four slices of a diagnose run into one report
  fortifleet.auth.merge_reports:
    slices:
      - /srv/fortifleet/slices/1234/slice-1
      - /srv/fortifleet/slices/1234/slice-2
      - /srv/fortifleet/slices/1234/slice-3
      - /srv/fortifleet/slices/1234/slice-4
    report_dir: /srv/fortifleet/reports/2026-11-26-diagnose
  run_once: true

- name: Merge every slice job's report directory under one directory, refusing a missing slice
  fortifleet.auth.merge_reports:
    slices_dir: "/srv/fortifleet/slices/{{ fortifleet_slices_run }}"
    expected_slices: 10
    report_dir: /srv/fortifleet/reports/latest
  run_once: true
"""

RETURN = r"""
summary:
  description: Devices by status, findings by id, and what a human must do (grouped by finding).
  returned: always
  type: dict
summary_lines:
  description: A short text summary.
  returned: always
  type: list
  elements: str
mode:
  description: The run's mode (C(check) or C(apply)).
  returned: always
  type: str
  sample: check
slices:
  description: The slices' C(report.json) files that were merged.
  returned: always
  type: list
  elements: str
  sample: [/srv/fortifleet/slices/1234/slice-1/report.json]
handled_through:
  description: The HA secondaries whose entry became the single run's one, each with the primary's entry that acted.
  returned: always
  type: dict
  sample: {fgt-019: fgt-013}
left_out:
  description: Devices without usable REST API access, as M(fortifleet.auth.fleet_report) returns them.
  returned: always
  type: list
  elements: str
rotation_refused:
  description: Devices whose asked-for key rotation was refused before it ran, as M(fortifleet.auth.fleet_report) returns them.
  returned: always
  type: list
  elements: str
since_previous:
  description: The comparison with the previous report (its path and run, and the counts), or null when there was none.
  returned: always
  type: dict
files:
  description: Paths of the files written (empty in check mode).
  returned: always
  type: dict
  sample:
    report.json: /srv/fortifleet/reports/latest/report.json
"""

from ansible_collections.fortifleet.auth.plugins.module_utils._report import merge_reports as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_module


def main():
    run_module(logic)


if __name__ == "__main__":
    main()
