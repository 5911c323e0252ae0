# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a fleet run does for REST API access on one device (role fortifleet.auth.api_access).

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.steps import given, must, record_change


def run(device, s):
    """Repair a trusthost mismatch with the diagnostic credential, or ensure the api-user as configured."""
    user = s["api_access_user"]
    pre = device.record["preflight"]
    access = pre.get("access") or "ok"
    controller = (pre.get("api_access") or {}).get("controller_address")
    diagnostic = device.params.get("diagnostic_access_token")
    if not user:
        device.note("set api_access_user (or fortigate_api_user) to manage the REST API admin.")
        return []
    results = []
    if access == "trusthost_mismatch":
        if diagnostic and controller:
            results.append(must(device.step("api_user", dict(
                name=user, trusthost=[controller], access_token=diagnostic))))
        else:
            device.note("the controller's address is outside the api-user's trusthost and no diagnostic "
                        "credential is available to repair it: add it on the FortiGate (System > Administrators).")
    elif access in ("ok", "forbidden"):
        rotate = s["api_access_rotate_key"]
        results.append(must(device.step("api_user", given(dict(
            name=user, trusthost=s["api_access_trusthosts"], trusthost_mode=s["api_access_trusthost_mode"],
            allow_any_trusthost=s["api_access_allow_any_trusthost"], accprofile=s["api_access_accprofile"],
            vdoms=s["api_access_vdoms"], cors_allow_origin=s["api_access_cors_allow_origin"], regenerate_key=rotate,
            key_file=os.path.join(s["api_access_key_dir"], device.name + ".key") if rotate else "")))))
    for result in results:
        if result.get("key_rotated") and not device.check_mode:
            device.key_rotated = True
        if result.get("changed"):
            record_change(device, "api_access", "system/api-user/" + user, result,
                          key_rotated=bool(result.get("key_rotated")))
    return []
