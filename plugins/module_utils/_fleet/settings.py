# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The per-device settings of a fleet run: the area roles' variables, defined once.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access.api_user import ARGUMENT_SPEC as API_USER_SPEC
from ansible_collections.fortifleet.auth.plugins.module_utils._config import areas
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken.fortitoken_license import DEFAULT_MEMORY

# The settings pass values straight to these module options: the same choices.
TRUSTHOST_MODES = API_USER_SPEC["trusthost_mode"]["choices"]

# The area roles' variables with the roles' defaults (tests/unit/test_fleet_settings.py keeps the two
# equal). A device takes each from the task's 'settings', else its inventory variable of the same name.
SETTINGS_SPEC = dict(
    ftm_push_remediate=dict(type="bool", default=True),
    ftm_push_status=dict(type="str", default="enable", choices=["enable", "disable"]),
    ftm_push_server=dict(type="str", default=""),
    ftm_push_server_from_interface=dict(type="str", default=""),
    ftm_push_server_port=dict(type="int", default=0),
    ftm_push_server_cert=dict(type="str", default=""),
    ftm_push_proxy=dict(type="str", default=""),
    ftm_push_interface=dict(type="str", default=""),
    ftm_push_allow_ftm_access=dict(type="bool", default=True),
    ftm_push_access_interface=dict(type="str", default=""),
    fortitoken_remediate=dict(type="bool", default=True),
    fortitoken_license_codes=dict(type="list", elements="str", default=[], no_log=True),
    fortitoken_import_trial=dict(type="bool", default=False),
    fortitoken_reimport_migrated=dict(type="bool", default=True),
    fortitoken_reimport_license_code=dict(type="str", default="", no_log=True),
    fortitoken_activate=dict(type="bool", default=True),
    fortitoken_send_activation=dict(type="bool", default=False),
    fortitoken_allow_fortimanager_managed=dict(type="bool", default=False),
    fortitoken_memory_file=dict(type="path", default=DEFAULT_MEMORY),
    ems_connector_remediate=dict(type="bool", default=True),
    ems_connector_name=dict(type="str", default=""),
    ems_connector_server=dict(type="str", default=""),
    ems_connector_https_port=dict(type="int", default=0),
    ems_connector_status=dict(type="str", default="enable"),
    ems_connector_trust_ca_cn=dict(type="str", default=""),
    ems_connector_verifying_ca=dict(type="str", default=""),
    ems_connector_interface=dict(type="str", default=""),
    ems_connector_source_ip=dict(type="str", default=""),
    ems_connector_expected_fingerprint=dict(type="str", default=""),
    ems_connector_trust_on_first_use=dict(type="bool", default=False),
    ems_connector_wait_for_authorization=dict(type="bool", default=False),
    ems_connector_authorization_timeout=dict(type="int", default=300),
    ems_connector_poll_interval=dict(type="int", default=10),
    # Defaults that depend on other variables: api_access_user is fortigate_api_user, api_access_key_dir is
    # <playbook_dir>/fortifleet-keys; both are filled in by the caller.
    api_access_user=dict(type="str", default=""),
    api_access_trusthosts=dict(type="list", elements="str", default=[]),
    api_access_trusthost_mode=dict(type="str", default="add", choices=list(TRUSTHOST_MODES)),
    api_access_allow_any_trusthost=dict(type="bool", default=False),
    api_access_accprofile=dict(type="str", default=""),
    api_access_vdoms=dict(type="list", elements="str", default=[]),
    api_access_cors_allow_origin=dict(type="str", default=""),
    api_access_rotate_key=dict(type="bool", default=False),
    api_access_key_dir=dict(type="path", default="fortifleet-keys"),
)
# The role each setting belongs to (its name's prefix), so a device only checks what it will use.
SETTING_AREA = dict((name, next(r for r in areas.ROLES if name.startswith(r + "_"))) for name in SETTINGS_SPEC)


def validate_settings(raw, roles):
    """The settings of ``areas`` with defaults and types applied; raises InputError naming the variable."""
    wanted = dict((k, v) for k, v in SETTINGS_SPEC.items() if SETTING_AREA[k] in roles)
    unknown = sorted(k for k in raw if k not in SETTINGS_SPEC)
    if unknown:
        raise err.InputError(unknown[0], "is not a setting of fortifleet.auth.fleet",
                             "Settings are the area roles' variables: %s." % ", ".join(sorted(SETTINGS_SPEC)))
    codes = raw.get("fortitoken_license_codes")
    if isinstance(codes, str):
        # The role refuses a string too: a comma inside a code would silently split it.
        raise err.InputError("fortitoken_license_codes", "must be a list of licence codes, not a string",
                             "Write it as a YAML list.")
    result = ArgumentSpecValidator(wanted).validate(dict((k, v) for k, v in raw.items() if k in wanted))
    if result.error_messages:
        raise err.InputError("settings", "; ".join(result.error_messages), "Fix the variable named above.")
    return result.validated_parameters


def device_settings(raw, roles, api_user=None):
    """validate_settings, with the one default that depends on another variable: api_access_user is the
    connection's api_user (fortigate_api_user), as in the api_access role's defaults."""
    settings = validate_settings(raw, roles)
    if "api_access_user" in settings and not settings["api_access_user"]:
        settings["api_access_user"] = api_user or ""
    return settings


# Settings whose values are secrets: scrubbed from every record, even when the device is refused.
SECRET_SETTINGS = tuple(k for k, v in SETTINGS_SPEC.items() if v.get("no_log"))
