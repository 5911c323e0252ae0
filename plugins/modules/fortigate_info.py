#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fortigate_info
short_description: Read a FortiGate's state and diagnose its authentication plumbing
version_added: 0.1.0
description:
  - Reads one FortiGate through the FortiOS REST API and returns facts and findings for the chosen subsets.
  - The C(api_access) subset probes the REST API once and classifies access as C(ok), C(token_rejected),
    C(trusthost_mismatch), C(forbidden), C(locked_out), C(tls_untrusted), C(unreachable) or C(timeout), with
    a finding for each problem. It never makes a second attempt with a refused token, and when access is not
    C(ok) (or only C(forbidden)) no other subset is read. It also reports whether the device accepts tokens in
    the URL query (FortiOS 7.4.5 and later refuse them by default).
  - The C(system) subset reads the hostname, model, serial, FortiOS version and build, VDOM mode and
    licence status.
  - The C(ftm_push) subset reads C(system/ftm-push), the interfaces, the local certificates and the admin ports, and
    reports FortiToken Mobile push problems (disabled, missing server certificate, no or legacy callback address,
    FQDN on a release without C(server), interface without C(ftm) access, port conflict, private address).
  - The C(ems) subset reads every FortiClient EMS entry (C(endpoint-control/fctems)), whether the release keys them
    by C(name) or by C(ems-id), with each entry's connection, authorization and certificate state (verified, signed
    by a known CA, fingerprint when the FortiGate shows it), capabilities, C(dirty-reason) and the FortiGate's
    licence type. It reports a disabled or unreachable EMS, an untrusted, CN-mismatched or unverified certificate,
    a FortiGate the EMS has not authorized (with the exact EMS menu path), an evaluation-licensed FortiGate, an EMS
    serial number mismatch and the EMS Cloud licence check.
  - The C(fortitoken) subset reads every FortiToken with its serial, type (mobile, hardware, trial), status,
    licence and the users and administrators bound to it, plus central management and FortiGuard reachability,
    and reports tokens that are not activated, migrated from another unit, locked, timed out or unassigned, a
    FortiManager-managed unit and an unreachable FortiGuard.
  - Never changes the device.
author:
  - fortifleet.auth contributors (@fortifleet)
requirements:
  - requests and netaddr (on the controller)
extends_documentation_fragment:
  - fortifleet.auth.connection
  - fortifleet.auth.connection.attributes
options:
  gather_subset:
    description:
      - Which areas to read. C(all) reads every subset.
    type: list
    elements: str
    default: [system]
    choices: [all, api_access, system, ftm_push, ems, fortitoken]
  api_user:
    description:
      - Name of the api-user that O(access_token) belongs to.
      - With O(diagnostic_access_token), lets the C(api_access) subset tell a trusthost mismatch from a refused
        token (FortiOS answers both with the same HTTP 401).
      - Defaults to the inventory variable C(fortigate_api_user).
    type: str
  diagnostic_access_token:
    description:
      - A second, working API token that can read C(system/api-user) (for example a read-only auditor
        api-user whose trusthost covers the controller).
      - Used only after the main token was refused, to read the api-user's trusthost list.
      - Defaults to the inventory variable C(fortigate_diagnostic_access_token).
    type: str
  ftm_push_server:
    description:
      - The callback address you want for FortiToken Mobile push, if any. The C(ftm_push) subset then reports an
        FQDN that the device's release cannot take.
    type: str
  controller_address:
    description:
      - The address the FortiGate sees for the controller, when NAT changes it.
      - Defaults to the inventory variable C(fortigate_controller_address), then to the local address the
        controller uses toward the device.
    type: str
attributes:
  check_mode:
    support: full
    description: The module never changes anything, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    support: full
    platforms: fortios
    description: FortiGate devices running FortiOS 6.4 to 7.6, through the REST API.
"""

EXAMPLES = r"""
- name: Read the version and licence of every FortiGate
  fortifleet.auth.fortigate_info:
    gather_subset: [system]
  register: info

- name: Same, with the connection given explicitly
  fortifleet.auth.fortigate_info:
    host: 192.0.2.10
    access_token: "{{ vault_fortigate_token }}"
    ca_path: /etc/ssl/fortigate-ca.pem

- name: Classify REST API access and tell a trusthost mismatch from a wrong token
  fortifleet.auth.fortigate_info:
    gather_subset: [api_access, system]
    api_user: automation
    diagnostic_access_token: "{{ vault_auditor_token }}"
  register: access

- name: Show what needs attention
  ansible.builtin.debug:
    msg: "{{ item.id }}: {{ item.summary }} -> {{ item.remediation }}"
  loop: "{{ info.findings }}"
"""

RETURN = r"""
fortigate:
  description: Facts read from the device, one key per subset.
  returned: success
  type: dict
  contains:
    host:
      description: The device label used in messages (the inventory name when run through the action plugin).
      type: str
      sample: fgt-01
    version:
      description: FortiOS version.
      type: str
      sample: 7.4.4
    serial:
      description: Serial number.
      type: str
      sample: FGVM02TM25000001
    api_access:
      description:
        - The C(api_access) subset.
        - C(url_token_accepted_source) says where C(url_token_accepted) comes from. C(version) means it was inferred
          from the FortiOS version (before 7.4.5 there is no setting and URL tokens are accepted), and C(config)
          means it was read from C(system/global rest-api-key-url-query). It is null when that could not be read.
      type: dict
      returned: when the api_access subset is gathered
      sample:
        status: ok
        http_status: null
        detail: null
        forbidden_groups: []
        url_token_accepted: false
        url_token_accepted_source: config
    topology:
      description:
        - Read with the C(system) subset. C(ha) (cmdb system/ha, and monitor system/ha-checksums unless standalone)
          has C(mode), C(group_name), C(group_id), C(role), C(primary_serial), C(members) and C(in_sync).
          C(fortimanager) (system central-management) has C(managed), C(type) and C(address). Then C(vdom_mode) and
          C(vdoms).
        - A read that fails or is forbidden gives null values and a warning, never a failed task.
      type: dict
      returned: when the system subset is gathered
      sample:
        ha: {mode: a-p, group_name: FGT-HA-1, group_id: 1, role: primary, primary_serial: FGVM02TM25000001,
             members: [{serial: FGVM02TM25000001, hostname: null, primary: true}], in_sync: true}
        fortimanager: {managed: false, type: null, address: null}
        vdom_mode: no-vdom
        vdoms: [root]
    skipped_subsets:
      description: Subsets not read because API access failed (or the device stopped answering after the probe).
      type: list
      elements: str
      returned: when access failed
      sample: [system]
    errors:
      description:
        - Each subset whose read failed, with its own typed error (C(kind) such as C(not_found), C(forbidden),
          C(server_error); C(http_status), C(path), C(message)). The other subsets are still read, and the task
          does not fail for it. A subset that read its main object keeps its data (for example C(system) when only
          C(system/global) failed, with C(vdom_mode) null).
        - The access classification (C(api_access.status)) comes from the access probe alone; a device whose token
          works is usable even when another read fails.
      type: dict
      returned: when a read failed
      sample:
        system: {kind: not_found, http_status: 404, path: /api/v2/cmdb/system/global,
                 message: "Failed to read cmdb system/global on fgt-01: HTTP 404"}
    incomplete:
      description: Checks of a subset that could not be made because an auxiliary read failed, and why.
      type: dict
      returned: when an auxiliary read failed
      sample:
        ftm_push: "not checked against system/global (the admin ports): it could not be read (...)"
    ftm_push:
      description: The C(ftm_push) subset.
      type: dict
      returned: when the ftm_push subset is gathered
      sample:
        config: {status: enable, server: 203.0.113.10, server-port: 4433, server-cert: Fortinet_Factory}
        callback_address: 203.0.113.10
        callback_interface: port1
        server_field: server
    ems:
      description:
        - The C(ems) subset. C(entries) lists the configured EMS entries; C(key_field) says how the release keys
          them, and C(reference) how the FortiGate CLI names each one (C(execute fctems verify <reference>)).
        - On a multi-VDOM unit on FortiOS 7.4.0+, C(override_vdoms) lists the VDOMs whose C(endpoint-control settings)
          has C(override enable), and C(override_entries) their C(fctems-override) connectors, each with its C(vdom),
          checked like the global ones (their findings carry C(vdom)); C(override_unreadable) the VDOMs that could not
          be read.
      type: dict
      returned: when the ems subset is gathered
      sample:
        version: 7.4.4
        key_field: ems-id
        ems_id_max: 7
        free_ems_ids: [2, 3, 4, 5, 6, 7]
        fortigate_serial: FGVM02TM25000001
        license: {type: evaluation, evaluation: true}
        entries:
          - name: ems01
            ems_id: 1
            reference: "1"
            server: ems.example.com
            https_port: 443
            enabled: true
            connection: connected
            authorized: false
            capabilities: [fabric-auth, silent-approval, websocket]
            dirty_reason: none
            serial_number: FCTEMS8800000001
            cloud: false
            cloud_access_key_set: false
            certificate: {verified: true, authenticated_by_ca: true, fingerprint: "3a:5f:...:c2"}
            state: {connected: true, authorized: false, error_code: -8,
                    error_message: "EMS server connection failed. Authentication failed"}
    fortitoken:
      description:
        - The C(fortitoken) subset.
        - On a multi-VDOM unit every VDOM is read (or O(vdoms), or O(vdom) alone); each token carries its C(vdom),
          C(vdom_mode) and C(vdoms) say what was swept, and every finding carries its C(vdom). A VDOM the token cannot
          read gives the warning finding C(FORTITOKEN_VDOM_UNREADABLE).
      type: dict
      returned: when the fortitoken subset is gathered
      sample:
        tokens:
          - serial: FTKMOB1234567890
            type: mobile
            status: provisioned
            config_status: active
            license: EFTM0A1B2C3D
            has_seed: true
            bound_to: [{kind: user, name: alice, two_factor: fortitoken}]
            vdom: root
        vdom_mode: multi-vdom
        vdoms: [root, cust1]
        central_management: {type: none, fmg: "", managed_by_fortimanager: false}
        fortiguard: {reachable: true, token_server_status: reachable, servers: 1}
    system:
      description: The C(system) subset.
      type: dict
      returned: when the system subset is gathered
      sample:
        hostname: fgt-01
        model: FGVM64
        model_name: FortiGate
        model_number: VM64
        serial: FGVM02TM25000001
        version: 7.4.4
        build: 2662
        vdom_mode: no-vdom
        license:
          forticare_status: registered
          vm_status: vm_valid
          evaluation: false
findings:
  description: Problems found, each with a stable id, severity, area, summary, detail, remediation and auto_fix.
  returned: success
  type: list
  elements: dict
  sample:
    - id: SYSTEM_EVALUATION_LICENSE
      severity: warning
      area: system
      summary: The FortiGate runs on an evaluation licence.
      detail: license/status reports an evaluation licence
      remediation: Apply a full licence for production use.
      auto_fix: false
requests:
  description: HTTP requests this task sent and how many of them were retries.
  returned: always
  type: dict
  sample:
    sent: 3
    retried: 0
error_kind:
  description: On failure, the class of the error.
  returned: failure
  type: str
  sample: token_rejected
hint:
  description: On failure, what to do about it.
  returned: failure
  type: str
http_status:
  description: On a failed request, the HTTP status.
  returned: failure
  type: int
  sample: 401
fortios_error:
  description: On a failed request, the FortiOS internal error code, when the device gave one.
  returned: failure
  type: int
  sample: -56
cli_error:
  description: On a failed request, the FortiOS CLI error text, when the device gave one.
  returned: failure
  type: str
"""

from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_module


def main():
    run_module(logic)


if __name__ == "__main__":
    main()
