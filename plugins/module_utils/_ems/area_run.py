# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a fleet run does for the FortiClient EMS connector on one device (role fortifleet.auth.ems_connector).

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.steps import AreaFailed, given, info, record_change


def run(device, s):
    """Diagnose, configure and verify the named entry, wait for authorization if asked, diagnose again."""
    before = info(device, ["ems"])
    name = s["ems_connector_name"]
    manage = s["ems_connector_remediate"] and bool(name)
    result, waited = {}, None
    if manage:
        fingerprint = s["ems_connector_expected_fingerprint"]
        result = device.step("ems_connector", given(dict(
            name=name, server=s["ems_connector_server"], https_port=s["ems_connector_https_port"],
            status=s["ems_connector_status"], trust_ca_cn=s["ems_connector_trust_ca_cn"],
            verifying_ca=s["ems_connector_verifying_ca"], interface=s["ems_connector_interface"],
            source_ip=s["ems_connector_source_ip"],
            verify_certificate=bool(fingerprint) or s["ems_connector_trust_on_first_use"],
            expected_fingerprint=fingerprint, trust_on_first_use=s["ems_connector_trust_on_first_use"])))
        if result.get("failed"):
            # The error is the run's, but the human steps found before it (authorize on the EMS, import the CA)
            # stay in the report: the findings below are kept, not replaced by the error.
            device.error("ems_connector", result.get("msg") or "failed")
        elif s["ems_connector_wait_for_authorization"] and not device.check_mode:
            waited = device.step("ems_connector", dict(
                name=name, wait_for_authorization=True,
                authorization_timeout=s["ems_connector_authorization_timeout"],
                poll_interval=s["ems_connector_poll_interval"]))
            if waited.get("failed"):
                device.note(waited.get("msg") or "the wait for authorization failed")
    if result.get("changed"):
        record_change(device, "ems", "endpoint-control/fctems/" + name, result)
    rediagnose = (result.get("changed") or waited is not None) and not device.check_mode
    if not rediagnose:
        return before["findings"]
    try:
        return info(device, ["ems"])["findings"]
    except AreaFailed as exc:
        device.error("ems_connector", "the diagnosis after the change failed: %s" % exc)
        return before["findings"]  # what a human must do, as found before the change
