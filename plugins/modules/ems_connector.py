#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ems_connector
short_description: Configure, verify and await authorization of the FortiClient EMS connector (config endpoint-control fctems)
version_added: 0.1.0
description:
  - Ensures one FortiClient EMS entry of a FortiGate, named by O(name) on every FortiOS version. Up to 7.0.7 the table
    is keyed by C(name); from 7.0.8 (7.0 branch) and 7.2.1 it is keyed by C(ems-id), and the module then uses the
    entry whose C(name) matches, or else the lowest unused C(ems-id) (1-5, or 1-7 from 7.2.4).
  - Only the options given are compared and written. A new entry is created enabled.
  - With O(verify_certificate), verifies (accepts) the EMS server certificate, like C(execute fctems verify), only when
    its fingerprint is O(expected_fingerprint). When the FortiGate shows the certificate (it does once a known CA
    signs it), a different fingerprint fails before anything is written. When it does not (the CA is unknown), the
    fingerprint goes to the FortiGate, which refuses a different certificate and changes nothing.
  - Trust on first use (accept whatever certificate the FortiGate sees) happens only with O(trust_on_first_use).
  - With O(wait_for_authorization), polls the connector's status until the EMS administrator authorizes the FortiGate
    (EMS Administration > Fabric Devices, or Fabric & Connectors > Fabric Devices on newer EMS). Authorization is a
    manual step on the EMS; nothing on the FortiGate can do it. On timeout the task fails and says what is left,
    including that evaluation-licensed FortiGates are known not to get authorized.
author:
  - fortifleet.auth contributors (@fortifleet)
requirements:
  - requests and netaddr (on the controller)
extends_documentation_fragment:
  - fortifleet.auth.connection
  - fortifleet.auth.connection.attributes
options:
  name:
    description:
      - Name of the EMS entry (at most 35 characters). It identifies the entry on every FortiOS version.
    type: str
    required: true
  server:
    description:
      - IPv4 address or FQDN (at most 255 characters) of the EMS. Needed to create the entry.
      - For a multi-tenant EMS use C(<site>.<global FQDN>), which the FortiGate must be able to resolve.
    type: str
  https_port:
    description: HTTPS port of the EMS (1-65535; FortiOS default 443).
    type: int
  status:
    description:
      - Enable or disable the entry. FortiOS up to 7.0.7 (and 7.2.0) has no C(status) field; there C(enable) is
        always true and C(disable) is refused (delete the entry instead).
      - Defaults to C(enable) for a new entry and to the current value otherwise.
    type: str
    choices: [enable, disable]
  trust_ca_cn:
    description: Trust the EMS certificate issuer (CA) and common name (CN) for certificate auto-renewal (FortiOS 7.0.12 and 7.2.4 or later).
    type: str
    choices: [enable, disable]
  verifying_ca:
    description:
      - The lowest CA certificate of the EMS certificate chain installed on the FortiGate (FortiOS 7.4.2 and later).
        It must exist in C(certificate/ca).
    type: str
  interface:
    description:
      - Outgoing interface toward the EMS (FortiOS 7.0.6+ and 7.2.1+); sets C(interface-select-method specify).
    type: str
  source_ip:
    description: Source IPv4 address toward the EMS (C(0.0.0.0) means any).
    type: str
  verify_certificate:
    description: Verify (accept) the EMS server certificate. Needs O(expected_fingerprint) or O(trust_on_first_use).
    type: bool
    default: false
  expected_fingerprint:
    description:
      - Fingerprint of the EMS server certificate (SHA-256 or SHA-1, hex with or without colons). Read it on the EMS
        server itself, not over the network path you want to protect.
    type: str
  trust_on_first_use:
    description:
      - Accept whatever certificate the FortiGate sees now, without a fingerprint to compare. Only for labs or when the
        path is trusted; the fingerprint is reported in a warning. Works only when the FortiGate shows the certificate.
    type: bool
    default: false
  wait_for_authorization:
    description: Wait until the EMS has authorized the FortiGate.
    type: bool
    default: false
  authorization_timeout:
    description: How long to wait for authorization, in seconds (1-86400).
    type: int
    default: 300
  poll_interval:
    description: Seconds between two status reads while waiting (1-3600).
    type: int
    default: 10
attributes:
  check_mode:
    support: full
    description: Reports exactly what a real run would change, without writing, verifying or waiting.
  diff_mode:
    support: full
    description: Shows before and after of the fctems fields that change.
  platform:
    support: full
    platforms: fortios
    description: FortiGate devices running FortiOS 6.4 to 7.6, through the REST API.
notes:
  - The token of the task needs read-write on C(utmgrp.endpoint-control).
  - Authorizing the FortiGate is done by a human on the EMS. The module only waits for it.
  - The module manages the global C(endpoint-control fctems) table. On FortiOS 7.4.0+ a VDOM with
    C(config endpoint-control settings) / C(set override enable) uses its own C(fctems-override) table instead;
    M(fortifleet.auth.fortigate_info) (subset C(ems)) diagnoses those connectors per VDOM, and this module does not
    change them yet.
"""

EXAMPLES = r"""
- name: Point the FortiGate at the EMS and accept its certificate by fingerprint
  fortifleet.auth.ems_connector:
    name: ems-hq
    server: ems.example.com
    https_port: 443
    verify_certificate: true
    expected_fingerprint: "3A:5F:...:C2"

- name: Then wait up to ten minutes for the EMS administrator to authorize it
  fortifleet.auth.ems_connector:
    name: ems-hq
    wait_for_authorization: true
    authorization_timeout: 600
    poll_interval: 15

- name: Pin the verifying CA (FortiOS 7.4.2+) and the outgoing interface
  fortifleet.auth.ems_connector:
    name: ems-hq
    verifying_ca: EMS_Root_CA
    interface: port1
"""

RETURN = r"""
ems:
  description: The entry after the change (the prediction in check mode), with its certificate and authorization state.
  returned: success
  type: dict
  sample:
    name: ems-hq
    key_field: ems-id
    ems_id: 1
    reference: "1"
    config: {ems-id: 1, name: ems-hq, server: ems.example.com, https-port: 443, status: enable}
    certificate: {verified: true, authenticated_by_ca: true, fingerprint: "3A:5F:...:C2"}
    fingerprint_checked: true
    authorized: true
changed_keys:
  description: Fields that changed (or would change); C(certificate) when the certificate was (or would be) verified.
  returned: success
  type: list
  elements: str
  sample: [server, certificate]
version:
  description: FortiOS version of the device, which decided the key and the fields.
  returned: success
  type: str
  sample: 7.4.4
polls:
  description: How many status reads the wait took.
  returned: when O(wait_for_authorization) waited
  type: int
license:
  description: The FortiGate's licence type, when the wait timed out.
  returned: on authorization timeout
  type: dict
  sample: {type: evaluation, evaluation: true}
requests:
  description: HTTP requests this task sent and how many were retries.
  returned: always
  type: dict
error_kind:
  description:
    - On failure, the class of the error. C(invalid_input) for bad options (found before any write), C(authorization_timeout)
      when the EMS did not authorize the FortiGate in time.
  returned: failure
  type: str
"""

from ansible_collections.fortifleet.auth.plugins.module_utils._ems import ems_connector as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_module


def main():
    run_module(logic)


if __name__ == "__main__":
    main()
