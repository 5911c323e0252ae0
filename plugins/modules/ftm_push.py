#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ftm_push
short_description: Configure FortiToken Mobile push (config system ftm-push) the right way for each FortiOS version
version_added: 0.1.0
description:
  - Ensures the FortiToken Mobile push settings of a FortiGate. Only the options given are compared and written,
    plus what FortiOS requires to keep the settings consistent.
  - Writes the callback address to C(server) on FortiOS 6.4.10 and later and to C(server-ip) before, and clears a
    stale C(server-ip) when it writes C(server) (FortiOS 6.4.10+ refuses C(server-ip) alone with error -56, and
    C(server) together with C(server-ip)).
  - Without O(server), the address already configured is kept; a legacy C(server-ip) on 6.4.10+ is moved to
    C(server).
  - Without O(server_cert), an empty or missing C(server-cert) is set to the factory certificate of the version
    (C(Fortinet_Factory), or C(Fortinet_GUI_Server) on newer releases), whichever exists on the device.
  - Optionally adds C(ftm) to the C(allowaccess) of the interface that receives the callback, keeping every other
    value.
author:
  - fortifleet.auth contributors (@fortifleet)
requirements:
  - requests and netaddr (on the controller)
extends_documentation_fragment:
  - fortifleet.auth.connection
  - fortifleet.auth.connection.attributes
options:
  status:
    description:
      - Turn push on or off.
      - C(enable) is held back (push stays disabled, RV(held_back) says why and a warning names the step left) when
        the device has no callback address (C(server)/C(server-ip) or C(interface)) and none is given, because push
        without one would only be a new broken state.
    type: str
    choices: [enable, disable]
  server:
    description:
      - Public IPv4 address or FQDN (at most 127 characters) that phones call back to.
      - An FQDN needs FortiOS 6.4.10 or later. If the FortiGate is behind NAT, give the upstream public address and
        forward the push port there.
      - Mutually exclusive with O(server_from_interface) and O(interface).
    type: str
  server_from_interface:
    description: Use the IPv4 address of this interface as O(server).
    type: str
  server_port:
    description: Callback port (1-65535; FortiOS default 4433). No other service may use it.
    type: int
  server_cert:
    description: Local certificate presented on the callback port. It must exist on the device.
    type: str
  proxy:
    description: Send push requests through the FortiGuard proxy (FortiOS 7.4.1 and later).
    type: str
    choices: [enable, disable]
  interface:
    description:
      - Use this interface's (dynamic) address for the callback, instead of O(server) (FortiOS 7.6.4 and later).
        C(server) is cleared, since FortiOS refuses both.
    type: str
  allow_ftm_access:
    description:
      - Make sure the interface that receives the callback allows C(ftm) access (appends C(ftm), keeping the other
        C(allowaccess) values).
      - Off by default in this module. The C(fortifleet.auth.ftm_push) role and the fleet runs (playbooks) turn it on
        by default (C(ftm_push_allow_ftm_access=true)) because the missing C(ftm) access is a diagnosed problem
        (C(FTM_PUSH_NO_FTM_ACCESS)); they only ask for it when the receiving interface is known.
    type: bool
    default: false
  ftm_access_interface:
    description:
      - The interface that receives the callback, when it cannot be derived (the callback address is on an upstream
        NAT device). Defaults to O(server_from_interface), O(interface), or the interface that holds the address.
    type: str
attributes:
  check_mode:
    support: full
    description: Reports exactly what a real run would change, without writing.
  diff_mode:
    support: full
    description: Shows before and after of the ftm-push fields and the interface's allowaccess that change.
  platform:
    support: full
    platforms: fortios
    description: FortiGate devices running FortiOS 6.4 to 7.6, through the REST API.
notes:
  - The token of the task needs read-write on C(sysgrp) for ftm-push and on C(netgrp) for O(allow_ftm_access).
"""

EXAMPLES = r"""
- name: Enable push with the WAN address, the factory certificate and ftm access on wan1
  fortifleet.auth.ftm_push:
    status: enable
    server_from_interface: wan1
    allow_ftm_access: true

- name: A FortiGate behind NAT, reached by a dynamic-DNS name
  fortifleet.auth.ftm_push:
    status: enable
    server: fgt-branch-01.example.net
    server_port: 4433
    allow_ftm_access: true
    ftm_access_interface: wan1

- name: Just repair what is broken (empty certificate, legacy server-ip), keeping the address
  fortifleet.auth.ftm_push:
    status: enable
"""

RETURN = r"""
ftm_push:
  description: The ftm-push settings after the change (the prediction in check mode).
  returned: success
  type: dict
  sample:
    status: enable
    server: 203.0.113.10
    server-ip: 0.0.0.0
    server-port: 4433
    server-cert: Fortinet_Factory
held_back:
  description: Why C(status=enable) was not written (no callback address), and what to give.
  returned: when enabling was held back
  type: str
changed_keys:
  description: Fields that changed (or would change); interface changes appear as C(interface/<name>/allowaccess).
  returned: success
  type: list
  elements: str
  sample: [server, server-ip]
version:
  description: FortiOS version of the device, which decided C(server) versus C(server-ip).
  returned: success
  type: str
  sample: 7.4.4
callback_interface:
  description: The interface whose allowaccess was checked, with O(allow_ftm_access).
  returned: success
  type: str
  sample: wan1
requests:
  description: HTTP requests this task sent and how many were retries.
  returned: always
  type: dict
error_kind:
  description: On failure, the class of the error (C(invalid_input) for bad options, found before any write).
  returned: failure
  type: str
"""

from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import ftm_push as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_module


def main():
    run_module(logic)


if __name__ == "__main__":
    main()
