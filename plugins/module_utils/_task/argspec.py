# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection options every module takes (doc fragment fortifleet.auth.connection).

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import env_fallback

CONNECTION_ARGSPEC = dict(
    host=dict(type="str"),
    port=dict(type="int", default=443),
    access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["FORTIOS_ACCESS_TOKEN"])),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    use_ssl=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=2),
    # None: root, and on a multi-VDOM unit the per-VDOM areas sweep every VDOM (_fortios/vdoms.py).
    vdom=dict(type="str"),
    vdoms=dict(type="list", elements="str"),
    # _task/journal.py: where interrupted transactions are recorded (never a secret in it).
    journal_dir=dict(type="path", fallback=(env_fallback, ["FORTIFLEET_JOURNAL_DIR"])),
)

# Inventory variables the action plugins read when the task does not set the
# option (host falls back to ansible_host, then the inventory name).
INVENTORY_VARS = {
    "port": "fortigate_port",
    "access_token": "fortigate_access_token",
    "validate_certs": "fortigate_validate_certs",
    "ca_path": "fortigate_ca_path",
    "use_ssl": "fortigate_use_ssl",
    "timeout": "fortigate_timeout",
    "retries": "fortigate_retries",
    "vdom": "fortigate_vdom",
    "vdoms": "fortigate_vdoms",
    "journal_dir": "fortifleet_journal_dir",
    "admin_password": "fortigate_admin_password",
    "api_user": "fortigate_api_user",
    "diagnostic_access_token": "fortigate_diagnostic_access_token",
    "controller_address": "fortigate_controller_address",
}


def with_connection(options):
    """A module argument spec: the connection options plus the module's own."""
    spec = copy.deepcopy(CONNECTION_ARGSPEC)
    spec.update(copy.deepcopy(options))
    return spec
