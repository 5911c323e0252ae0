#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet
short_description: Diagnose or remediate the authentication plumbing of one FortiGate or a whole fleet in one task
version_added: 0.2.0
description:
  - Runs, per device, the preflight (REST API access and system facts) and then each area of O(areas)
    (C(ftm_push), C(fortitoken), C(ems_connector), C(api_access)). Each area reads, repairs what can be repaired
    safely and reads again, with the collection's own modules and their input checks (M(fortifleet.auth.fortigate_info),
    M(fortifleet.auth.ftm_push), M(fortifleet.auth.fortitoken), M(fortifleet.auth.fortitoken_license),
    M(fortifleet.auth.ems_connector), M(fortifleet.auth.api_user)), exactly as the area roles do.
  - In check mode nothing is written and every would-be change is reported (this is how the C(diagnose)
    playbook reports drift).
  - A device whose API access is not in O(usable_states) is left out after the preflight; an area that fails is
    recorded and the next area runs. The task itself fails only on invalid task options.
  - After the C(api_access) area rotates a device's key, that device's remaining areas are skipped with a note, because the
    task's token is refused from then on, and every further request would count toward the lock-out.
  - "Lock-out guard: after one HTTP 401 from a device, or once generate-key was sent for it, the task's token is not
    sent to that device again in this run: not by another area, another role's task or a retry (markers keyed by
    the run and a hash of address, port and token, beside the journal directory O(journal_dir)). The device's
    remaining areas are skipped with a note."
  - "Per-device isolation: a bad connection variable or setting (a C(fortigate_ca_path) that is not a readable file,
    C(fortigate_port) outside 1-65535, a token with whitespace, a line break in any value, ...) fails that device
    alone, before any request, with an error naming the variable and the device; an unexpected error fails that
    device alone too. The task, every device's line and the report always complete, and every write a device
    received is in its record (a write whose step failed afterwards is listed as sent, not confirmed)."
  - "Duplicates: inventory entries that reach the same FortiGate (the same serial, learnt in the preflight) are acted
    on once, by the first to finish its preflight; the others are reported as reaching the same FortiGate and do
    nothing."
  - With C(run_once=true) the task runs every host of the play batch at once, in a pool of O(workers) threads on the
    controller, prints one progress line per device as it finishes and a count at the end, and returns every
    device's record in RV(records) and, with O(spool_records), in a spool file for the role
    C(fortifleet.auth.report) (C(report_spool)), as the playbooks do. This is what the C(diagnose) and C(remediate) playbooks do, because Ansible costs about
    14 ms of controller time per host and task, which a 500-device fleet cannot afford for the 40 tasks the roles
    run per device.
  - In a fleet run each device takes its connection options and settings from its own inventory variables
    (C(ansible_host), C(fortigate_access_token), C(ftm_push_server), ...); play C(vars) are not host variables, so
    put fleet-wide values in group variables, in extra variables (C(-e)) or in O(settings).
  - Without C(run_once) it runs for the task's host only (the area roles use it that way).
  - Runs inside the controller (action plugin). With C(fortifleet_execution=module) it runs as a classic module,
    for the task's host only.
author:
  - fortifleet.auth contributors (@fortifleet)
requirements:
  - requests and netaddr (on the controller)
extends_documentation_fragment:
  - fortifleet.auth.connection
  - fortifleet.auth.connection.attributes
options:
  areas:
    description:
      - The areas to diagnose or remediate after the preflight, in this order.
    type: list
    elements: str
    default: [ftm_push, fortitoken, ems_connector]
    choices: [api_access, ftm_push, fortitoken, ems_connector]
  preflight:
    description:
      - Probe REST API access and read the system facts first, and leave out devices whose access is not usable.
      - The area roles set this to V(false) because the C(fortifleet.auth.preflight) role ran before them.
    type: bool
    default: true
  preflight_subsets:
    description:
      - The M(fortifleet.auth.fortigate_info) subsets the preflight reads (the C(fortifleet.auth.preflight) role passes
        its C(preflight_subsets)).
    type: list
    elements: str
    default: [api_access, system]
    choices: [api_access, system, ftm_push, fortitoken, ems]
  usable_states:
    description:
      - API access states with which a device stays in the run after the preflight.
      - Add C(trusthost_mismatch) for the C(api_access) area to repair a trusthost with O(diagnostic_access_token).
    type: list
    elements: str
    default: [ok, forbidden]
  settings:
    description:
      - Values of the area roles' variables for every device, for example C(ftm_push_server) or
        C(fortitoken_license_codes). See the argument specs of the roles C(fortifleet.auth.ftm_push),
        C(fortifleet.auth.fortitoken), C(fortifleet.auth.ems_connector) and C(fortifleet.auth.api_access) for the
        names, types and defaults.
      - A setting given here wins over the device's inventory variable of the same name; a setting given in
        neither place takes the role's default.
      - An unknown name, a wrong type or a licence-code list given as a string fails the device before any
        request, naming the variable.
    type: dict
    default: {}
  workers:
    description:
      - Threads for a fleet run (C(run_once=true)), each running one device at a time; never more than the devices.
      - Defaults to the variable C(fortifleet_workers), else 64 (not C(forks)). A device's run waits on the network
        most of the time (each request is a round trip to the FortiGate, tens to hundreds of milliseconds over a
        WAN), so the pool size, not the controller's CPU, decides how fast a large fleet is done; the client sends
        at most 5 requests at once per device (docs/requests.md), so a run opens at most O(workers) x 5 connections. Lower it when a
        firewall or proxy between the controller and the devices limits connections.
    type: int
  return_records:
    description:
      - Return every device's record in RV(records) (fleet runs). With V(false) only the count is returned, and the
        records are in the spool (O(spool_records)) for the report, so that a large fleet's records are not held in
        the task's result and in every host's variables.
      - The playbooks set it from C(fortifleet_host_events).
    type: bool
    default: true
  spool_records:
    description:
      - Write each device's record, as the device finishes, to a spool file (JSON lines, mode 0600, in a directory
        of its own inside ansible-playbook's temporary directory of the run, which it removes as it exits) and return
        its path in RV(spool). The
        C(fortifleet.auth.report) role reads the records there (C(report_spool)) and removes the file.
      - Records are scrubbed of secrets before they are written, exactly as in RV(records).
    type: bool
    default: false
  api_user:
    description:
      - Name of the api-user that O(access_token) belongs to (see M(fortifleet.auth.fortigate_info)), and the
        default of the C(api_access_user) setting.
      - Defaults to the inventory variable C(fortigate_api_user).
    type: str
  diagnostic_access_token:
    description:
      - A second, working API token, used by the preflight to tell a trusthost mismatch from a refused token and by
        the C(api_access) area to repair the trusthost.
      - Defaults to the inventory variable C(fortigate_diagnostic_access_token).
    type: str
  admin_password:
    description:
      - Administrator password for the C(X-Admin-Passwd) header of api-user changes on FortiOS 7.6.5 and later.
      - Defaults to the inventory variable C(fortigate_admin_password).
    type: str
  controller_address:
    description:
      - The address the FortiGate sees for the controller, when NAT changes it.
      - Defaults to the inventory variable C(fortigate_controller_address).
    type: str
attributes:
  check_mode:
    support: full
    description: Nothing is written; every change a real run would make is reported, with the same decision.
  diff_mode:
    support: full
    description: Returns the before and after of every object that changes or would change, one entry per device
      and object, headed with the device's name.
  platform:
    support: full
    platforms: fortios
    description: FortiGate devices running FortiOS 6.4 to 7.6, through the REST API.
notes:
  - The progress lines and the summary are printed by the controller while the task runs; the per-device results are
    in RV(records) and in the fleet report.
seealso:
  - module: fortifleet.auth.fleet_report
  - module: fortifleet.auth.fortigate_info
"""

EXAMPLES = r"""
- name: Diagnose every FortiGate of the play in one task (what fortifleet.auth.diagnose does)
  fortifleet.auth.fleet:
  run_once: true
  check_mode: true
  register: fortifleet_run

- name: Keep each device's record for the report role
  ansible.builtin.set_fact:
    fortifleet_result: "{{ fortifleet_run.records[inventory_hostname] }}"

- name: Repair FortiToken Mobile push on the whole fleet, 50 devices at a time
  fortifleet.auth.fleet:
    areas: [ftm_push]
    workers: 50
    settings:
      ftm_push_server: push.example.com
  run_once: true

- name: Repair a trusthost mismatch with a second credential
  fortifleet.auth.fleet:
    areas: [api_access]
    usable_states: [ok, forbidden, trusthost_mismatch]
  run_once: true
"""

RETURN = r"""
spool:
  description: The spool file holding every device's record, one JSON line C({"name", "record"}) each.
  returned: when run_once is true and O(spool_records) is true
  type: str
records:
  description: Host name to record (fleet runs only).
  returned: when run_once is true and O(return_records) is true
  type: dict
  contains:
    preflight:
      description: Access state, FortiOS version, serial, system facts and the API access probe.
      type: dict
    findings:
      description: Open findings after the run (each with id, area, severity, summary, remediation, auto_fix).
      type: list
      elements: dict
    changes:
      description: What changed, or would change in check mode, per area and object.
      type: list
      elements: dict
    errors:
      description: "Areas that failed, as C(area: message)."
      type: list
      elements: str
    notes:
      description: What a human must still do, one line each.
      type: list
      elements: str
    requests:
      description: HTTP requests sent and retried for this device.
      type: dict
    topology:
      description:
        - Where the device stands, from the preflight (absent when unknown). C(ha) has C(mode) (standalone, a-p,
          a-a), C(group_name), C(group_id), C(role) (primary, secondary or null when unknown), C(primary_serial),
          C(members) (serial, hostname, primary) and C(in_sync) (null when unknown). C(fortimanager) has C(managed),
          C(type) and C(address) (system central-management). C(vdom_mode) and C(vdoms) (names).
        - The fleet runs every preflight first, then the areas. An HA cluster's areas run once, through the entry
          that reaches its primary; a secondary whose primary's entry is in the run is not acted on (see
          C(handled_through)); a secondary alone is diagnosed read-only with C(HA_SECONDARY_ONLY). Nothing is written
          to an out-of-sync cluster (C(HA_OUT_OF_SYNC)) unless C(ha_allow_out_of_sync_writes), or locally to a
          FortiManager-managed unit (one C(MANAGED_BY_FORTIMANAGER) per area with the FortiManager-side change) unless
          C(fortimanager_local_writes).
      type: dict
      returned: when the preflight read the system subset
    handled_through:
      description: For an HA secondary, the inventory name of the primary's entry through which its cluster was
        handled in this run.
      type: str
      returned: for such a secondary
record:
  description: The same record for the task's host.
  returned: when run_once is false
  type: dict
summary:
  description: Counts of a fleet run, and the names of devices left out, with errors and changed.
  returned: when run_once is true
  type: dict
  sample:
    line: "20 devices: 18 usable, 9 changed or drifting, 0 with errors; left out: fgt-004 (token_rejected)"
    usable: 18
    left_out: [fgt-004, fgt-011]
    with_errors: []
    changed: [fgt-001]
devices:
  description: Number of devices run.
  returned: always
  type: int
seconds:
  description: Wall time of the run.
  returned: always
  type: float
"""

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import fleet as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_module


def main():
    run_module(logic)


if __name__ == "__main__":
    main()
