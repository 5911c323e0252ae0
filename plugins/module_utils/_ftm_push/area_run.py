# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a fleet run does for FortiToken Mobile push on one device (role fortifleet.auth.ftm_push).

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.steps import given, ids, info, must, record_change


def run(device, s):
    """Diagnose, repair what is safe (unless ftm_push_remediate is false), diagnose again; returns the findings left."""
    wanted_server = s["ftm_push_server"]
    before = info(device, ["ftm_push"], ftm_push_server=wanted_server)
    result = {}
    if s["ftm_push_remediate"]:
        facts = before["fortigate"].get("ftm_push") or {}
        # The module adds ftm to the interface that receives the callback: only ask when it can find one, i.e. it is
        # named, or it holds the (wanted) callback address. An upstream NAT address stays a finding for a human.
        receiving = facts.get("wanted_server_interface") if wanted_server else facts.get("callback_interface")
        access_known = bool(s["ftm_push_access_interface"] + s["ftm_push_server_from_interface"]
                            + s["ftm_push_interface"]) or bool(receiving)
        server = wanted_server if "FTM_PUSH_FQDN_UNSUPPORTED" not in ids(before["findings"]) else ""
        result = must(device.step("ftm_push", given(dict(
            status=s["ftm_push_status"], server=server,
            server_from_interface=s["ftm_push_server_from_interface"], server_port=s["ftm_push_server_port"],
            server_cert=s["ftm_push_server_cert"], proxy=s["ftm_push_proxy"], interface=s["ftm_push_interface"],
            allow_ftm_access=s["ftm_push_allow_ftm_access"] and access_known,
            ftm_access_interface=s["ftm_push_access_interface"]))))
    if result.get("held_back"):
        device.note(result["held_back"])
    after = before
    if result.get("changed"):
        record_change(device, "ftm_push", "system/ftm-push", result)
        if not device.check_mode:
            after = info(device, ["ftm_push"], ftm_push_server=wanted_server)
    return after["findings"]
