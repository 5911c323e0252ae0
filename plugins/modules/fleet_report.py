#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_report
short_description: Write the fleet report (JSON, Markdown, HTML, JUnit) from what the roles recorded per device
version_added: 0.1.0
description:
  - Builds one report from every device's preflight result, findings, changes and errors, and writes
    C(report.json) (versioned schema, see C(docs/report.schema.json)), C(report.md), C(report.html) and
    C(junit.xml) (one test case per device and area, always; an area that did not run is skipped with the
    reason, an area that failed is an error, unresolved critical findings are a failure) into O(report_dir).
    C(report.json) gives the same outcome per device and area in C(areas).
  - C(report.html) is one self-contained page (no external asset, no network, works from C(file://), prints) with a
    fleet picture (a bar of device statuses and an area-by-device matrix, grouped by inventory group or by status,
    each cell linking to its device), filters by status, area, finding, severity, FortiOS version, inventory group
    and run-to-run change plus a search on device names, all kept in the URL so a link can be shared, sortable
    columns, and per device on demand its findings with what to do, its changes, its errors and its HA,
    FortiManager and VDOM context when the run knew it.
  - Run-to-run changes. The report is compared with the previous one (O(previous_report), by default the newest
    C(report.json) beside O(report_dir)), per device and finding (id, object, VDOM) what is new, fixed, still open,
    or not checked this time (gone, but its area did not run), in C(report.json) (C(since_previous)), C(report.md)
    and C(report.html).
  - Normally used through the C(fortifleet.auth.report) role, once per run on the controller.
  - Device status is one of C(error), C(unreachable), C(auth_failed), C(needs_human), C(drift) (in check mode, would be
    changed), C(fixed) and C(ok).
author:
  - fortifleet.auth contributors (@fortifleet)
options:
  hosts:
    description:
      - Device name to a dict with C(preflight), C(findings), C(changes), C(errors), C(address) and C(ran), and
        optionally C(groups) (its inventory groups), C(topology) and C(handled_through).
      - Exactly one of O(hosts) and O(devices) is required.
    type: dict
  devices:
    description:
      - Inventory host names. The action plugin reads each device's record from the inventory (its
        C(fortifleet_result), or the C(fortifleet_preflight), C(fortifleet_findings), C(fortifleet_changes) and
        C(fortifleet_errors) facts the roles recorded) and its inventory groups (C(group_names)), and puts the values
        of its secret variables (access tokens, admin passwords, licence codes, that is the variables of the
        collection's C(no_log) options) in O(redact_devices).
      - Resolved by the action plugin (also with C(fortifleet_execution=module)); without it, give O(hosts).
    type: list
    elements: str
  spool:
    description:
      - With O(devices), the spool file of a M(fortifleet.auth.fleet) run (its return value C(spool)). A device's
        record is read there rather than from its C(fortifleet_result); the roles' facts still win for a device
        they ran for. The file is removed after the report (when the fleet task made it).
    type: path
  report_dir:
    description: Directory for the report files (created when missing).
    type: path
    default: fortifleet-report
  run_name:
    description: Name of the run (for example the playbook name).
    type: str
    default: fortifleet
  check_mode_run:
    description:
      - Whether the run was a check-mode (diagnose) run; changes then count as drift and no device is C(fixed).
      - When not true, the mode comes from the devices' records; a record of a task that ran in check mode (the
        fleet task, an area role under C(--check) or with C(check_mode true)) makes the report a check-mode report.
    type: bool
  usable_states:
    description: Access states in which a device was usable; every other device is in RV(left_out).
    type: list
    elements: str
    default: [ok, forbidden]
  started:
    description: Start time of the run (ISO 8601).
    type: str
  previous_report:
    description:
      - The previous run's C(report.json), or the directory that holds it, to compare this run with.
      - Empty (the default) compares with the newest C(report.json) in the parent directory of O(report_dir), that is the
        report directories of earlier runs beside this one, or O(report_dir) itself before it is overwritten.
      - C(none) turns the comparison off. A previous report that cannot be read gives a warning and a report
        without the comparison.
    type: str
    default: ""
  redact:
    description: Strings that must never appear in the report (tokens, passwords, licence codes); replaced by asterisks.
    type: list
    elements: str
    default: []
  redact_devices:
    description:
      - Device name to the strings that must never appear in that device's part of the report (its tokens,
        passwords, licence codes); replaced by asterisks there, and in any other device's part where one stands as a
        word of its own. With O(devices) the action plugin fills it from each device's secret variables.
      - Redacting per device keeps the report linear in the fleet size; O(redact) applies to every device.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: In check mode the report is built and summarised but no file is written.
  diff_mode:
    support: none
    description: Writes report files only.
  platform:
    support: full
    platforms: all
    description: Runs on the controller.
"""

EXAMPLES = r"""
- name: Write the report of this run
  fortifleet.auth.fleet_report:
    hosts: "{{ report_hosts }}"
    report_dir: ./fortifleet-report
    run_name: diagnose
    check_mode_run: true
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
  description: The run's mode as the report gives it (C(check) or C(apply)).
  returned: always
  type: str
  sample: check
left_out:
  description:
    - Devices without usable REST API access, whatever the reason (refused token, unreachable, or an access
      C(error) such as refused input or a failed access probe). A device whose access works but one of whose
      areas failed is not left out (its status is C(error)).
  returned: always
  type: list
  elements: str
  sample: [fgt-004]
rotation_refused:
  description:
    - Devices whose asked-for key rotation was refused before it ran (the key file could not be written). The
      C(fortifleet.auth.report) role fails the run for them after the report is written.
  returned: always
  type: list
  elements: str
since_previous:
  description:
    - The comparison with the previous report (its path and run, and how many findings are new, fixed, still open
      and not checked), or null when there was none. The per-device lists are in C(report.json).
  returned: always
  type: dict
  sample:
    path: /srv/reports/2-remediate/report.json
    run: {name: remediate, mode: apply, started: "2026-01-05T10:00:00Z", finished: "2026-01-05T10:02:10Z"}
    counts: {new: 1, fixed: 11, open: 18, not_checked: 0}
    devices_added: []
    devices_gone: []
files:
  description: Paths of the files written.
  returned: always
  type: dict
  sample:
    report.json: fortifleet-report/report.json
"""

from ansible_collections.fortifleet.auth.plugins.module_utils._report import fleet_report as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_module


def main():
    run_module(logic)


if __name__ == "__main__":
    main()
