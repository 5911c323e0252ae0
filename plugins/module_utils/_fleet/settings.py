# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every role's options, defined once: the roles' defaults and argument specs and the fleet's per-device settings.

``ROLE_SETTINGS`` is the one table. ``tools/role_settings.py`` writes each role's ``defaults/main.yml`` and
``meta/argument_specs.yml`` from it (``--check``, run by ``make test``, fails when they are stale), and
``SETTINGS_SPEC``, the settings of a fleet run, is derived from it.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access.api_user import ARGUMENT_SPEC as API_USER_SPEC
from ansible_collections.fortifleet.auth.plugins.module_utils._config import areas
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken.fortitoken_license import DEFAULT_MEMORY
from ansible_collections.fortifleet.auth.plugins.module_utils._info.fortigate_info import SUBSET_ORDER
from ansible_collections.fortifleet.auth.plugins.module_utils._task import journal

# The settings pass values straight to these module options: the same choices.
TRUSTHOST_MODES = API_USER_SPEC["trusthost_mode"]["choices"]

# What an option of ROLE_SETTINGS may say:
# - type, elements, choices, default, no_log: as in an Ansible argument spec. ``default`` is the default the role's
#   argument spec documents, and the value of the role's defaults/main.yml unless ``role_default`` says otherwise.
# - description: a string or a list of strings (paragraphs), as in the role's argument spec.
# - role_default: the value of the role's defaults/main.yml when it is not ``default`` (a Jinja template; the
#   argument spec then documents ``default``).
# - fleet_default: the default of the fleet's setting when ``default`` is a template the fleet fills in itself
#   (device_settings, the fleet action).
# no_log is for the fleet (SECRET_SETTINGS); the generated argument specs leave it out, as they did before.
OPTION_KEYS = ("type", "elements", "choices", "default", "no_log", "description", "role_default", "fleet_default")
# The keys of an option that make its fleet setting (an ArgumentSpecValidator spec).
SPEC_KEYS = ("type", "elements", "choices", "default", "no_log")

# Every role of the collection: short_description, description and options, in the order of the generated files.
ROLE_SETTINGS = dict(
    ftm_push=dict(
        short_description="Diagnose and repair FortiToken Mobile push on every FortiGate",
        description=[
            "Diagnoses C(config system ftm-push) with M(fortifleet.auth.fortigate_info) (subset C(ftm_push)), "
            "repairs what can be repaired safely with M(fortifleet.auth.ftm_push), diagnoses again and reports what "
            "a human must still do (NAT port-forward on an upstream router, DNS for an FQDN, a port conflict).",
            "Empty values leave the device's setting as it is. Without O(ftm_push_server), the configured address is "
            "kept, written as C(server) or C(server-ip) as the version needs.",
            "Under C(--check) nothing is written and the drift is reported.",
            "Adds the remaining findings to the host fact C(fortifleet_findings) and the changes to "
            "C(fortifleet_changes).",
        ],
        options=dict(
            ftm_push_remediate=dict(
                type="bool", default=True,
                description="Repair what can be repaired; false only diagnoses."),
            ftm_push_status=dict(
                type="str", choices=["enable", "disable"], default="enable",
                description=[
                    "Wanted push status.",
                    "C(enable) is never written to a device without a callback address (C(server)/C(server-ip) or "
                    "C(interface)) when O(ftm_push_server) and O(ftm_push_server_from_interface) are empty: push "
                    "stays disabled and the report says what to give (C(FTM_PUSH_SERVER_UNSET))."]),
            ftm_push_server=dict(
                type="str", default="",
                description="Public IPv4 address or FQDN phones call back to (FQDN needs FortiOS 6.4.10+)."),
            ftm_push_server_from_interface=dict(
                type="str", default="",
                description="Take the callback address from this interface."),
            ftm_push_server_port=dict(
                type="int", default=0,
                description="Callback port; 0 leaves it as it is."),
            ftm_push_server_cert=dict(
                type="str", default="",
                description="Local certificate for the callback port; empty fixes only a missing one "
                            "(factory default)."),
            ftm_push_proxy=dict(
                type="str", default="",
                description="enable/disable the FortiGuard proxy for push (7.4.1+); empty leaves it."),
            ftm_push_interface=dict(
                type="str", default="",
                description="Dynamic-address interface for the callback (7.6.4+); empty leaves it."),
            ftm_push_allow_ftm_access=dict(
                type="bool", default=True,
                description=[
                    "Add C(ftm) to C(allowaccess) of the interface that receives the callback (keeping its other "
                    "values) when it lacks it (C(FTM_PUSH_NO_FTM_ACCESS)) and the interface is known.",
                    "On by default here and in fleet runs (it repairs a diagnosed problem), unlike the "
                    "M(fortifleet.auth.ftm_push) module's own O(fortifleet.auth.ftm_push#module:allow_ftm_access), "
                    "which is off by default. Set false to leave every interface alone."]),
            ftm_push_access_interface=dict(
                type="str", default="",
                description="The interface that receives the callback, when the address is on an upstream NAT "
                            "device."),
        ),
    ),
    fortitoken=dict(
        short_description="Diagnose and repair FortiToken activation, migrated tokens and licences",
        description=[
            "Diagnoses FortiTokens with M(fortifleet.auth.fortigate_info) (subset C(fortitoken)).",
            "On a FortiGate managed by FortiManager it stops there with a clear message (tokens come from "
            "FortiManager).",
            "Otherwise, when FortiGuard is reachable, it imports the given licence codes "
            "(M(fortifleet.auth.fortitoken_license)), re-imports tokens migrated from another unit without losing "
            "any user or administrator binding, and activates the bound mobile tokens that are not active "
            "(M(fortifleet.auth.fortitoken)); then diagnoses again and prints what a human must do (renew an expired "
            "licence, move a licence to the right serial, activate hardware tokens).",
            "Licence codes are never printed (the licence task is no_log).",
            "Adds the remaining findings to C(fortifleet_findings) and the changes to C(fortifleet_changes).",
        ],
        options=dict(
            fortitoken_remediate=dict(
                type="bool", default=True,
                description="Repair what can be repaired; false only diagnoses."),
            fortitoken_license_codes=dict(
                type="list", elements="str", default=[], no_log=True,
                description="FortiToken Mobile licence codes to import (secret)."),
            fortitoken_import_trial=dict(
                type="bool", default=False,
                description="Import the two free trial tokens when the unit has none."),
            fortitoken_reimport_migrated=dict(
                type="bool", default=True,
                description="Re-import tokens migrated from another unit (delete and re-import, bindings kept)."),
            fortitoken_reimport_license_code=dict(
                type="str", default="", no_log=True,
                description="Licence code to re-import migrated mobile tokens with (secret); empty re-adds them by "
                            "serial (KB 194508)."),
            fortitoken_activate=dict(
                type="bool", default=True,
                description="Activate bound mobile tokens that are not active, and provision timed-out ones "
                            "again."),
            fortitoken_send_activation=dict(
                type="bool", default=False,
                description="Send the activation code to each bound user/administrator by e-mail or SMS as "
                            "configured on them."),
            fortitoken_allow_fortimanager_managed=dict(
                type="bool", default=False,
                description="Remediate on FortiManager-managed units too."),
            # The role's argument spec has always said str; fortitoken_license's memory_file (a path) expands "~".
            fortitoken_memory_file=dict(
                type="str", default=DEFAULT_MEMORY,
                description="Controller-side memory of licence imports and refusals (see fortitoken_license)."),
        ),
    ),
    ems_connector=dict(
        short_description="Diagnose, configure, verify and await authorization of the FortiClient EMS connector",
        description=[
            "Diagnoses C(config endpoint-control fctems) with M(fortifleet.auth.fortigate_info) (subset C(ems)), "
            "configures the entry named O(ems_connector_name) and verifies its certificate with "
            "M(fortifleet.auth.ems_connector), waits for the EMS administrator to authorize the FortiGate when "
            "asked, diagnoses again and reports per device the step a human must still do (authorize the FortiGate "
            "on the EMS, import the CA chain, fix the licence, ...).",
            "Without O(ems_connector_name) it only diagnoses. Empty values leave the device's setting as it is.",
            "The certificate is verified only with O(ems_connector_expected_fingerprint) (a wrong one fails that "
            "host and changes nothing) or with O(ems_connector_trust_on_first_use).",
            "A wait that times out does not fail the host; the report says why and what is left.",
            "Under C(--check) nothing is written, verified or awaited, and the drift is reported.",
            "Adds the remaining findings to the host fact C(fortifleet_findings) and the changes to "
            "C(fortifleet_changes).",
        ],
        options=dict(
            ems_connector_remediate=dict(
                type="bool", default=True,
                description="Configure, verify and wait; false only diagnoses."),
            ems_connector_name=dict(
                type="str", default="",
                description="Name of the EMS entry to configure (the module finds or picks its C(ems-id)); empty "
                            "only diagnoses."),
            ems_connector_server=dict(
                type="str", default="",
                description="IPv4 address or FQDN of the EMS; needed to create the entry."),
            ems_connector_https_port=dict(
                type="int", default=0,
                description="HTTPS port of the EMS; 0 leaves it as it is."),
            ems_connector_status=dict(
                type="str", choices=["enable", "disable", ""], default="enable",
                description="Wanted status of the entry; empty leaves it."),
            ems_connector_trust_ca_cn=dict(
                type="str", choices=["enable", "disable", ""], default="",
                description="enable/disable trust of the EMS certificate CA and CN (7.0.12, 7.2.4+); empty leaves "
                            "it."),
            ems_connector_verifying_ca=dict(
                type="str", default="",
                description="CA certificate (in certificate/ca) that verifies the EMS certificate (7.4.2+); empty "
                            "leaves it."),
            ems_connector_interface=dict(
                type="str", default="",
                description="Outgoing interface toward the EMS (7.0.6+, 7.2.1+); empty leaves it."),
            ems_connector_source_ip=dict(
                type="str", default="",
                description="Source IPv4 address toward the EMS; empty leaves it."),
            ems_connector_expected_fingerprint=dict(
                type="str", default="",
                description="Fingerprint of the EMS server certificate, read on the EMS server; set it per host "
                            "when it differs."),
            ems_connector_trust_on_first_use=dict(
                type="bool", default=False,
                description="Accept whatever certificate the FortiGate sees, without a fingerprint (labs only)."),
            ems_connector_wait_for_authorization=dict(
                type="bool", default=False,
                description="Wait for the EMS administrator to authorize the FortiGate."),
            ems_connector_authorization_timeout=dict(
                type="int", default=300,
                description="Seconds to wait for authorization."),
            ems_connector_poll_interval=dict(
                type="int", default=10,
                description="Seconds between two status reads while waiting."),
        ),
    ),
    api_access=dict(
        short_description="Keep each FortiGate's REST API admin reachable and rotate its key safely",
        description=[
            "Applies M(fortifleet.auth.api_user) to one api-user per device, from the variables below.",
            "Empty values are left untouched on the device. Under C(--check) nothing is written and the change is "
            "reported; with C(--diff) the trusthost/profile/VDOM change is shown.",
            "The task's own token needs read-write on C(sysgrp.admin). If the token being used is the one rotated, "
            "update the inventory from the key file afterwards.",
            "Records what changed in the host fact C(fortifleet_changes).",
        ],
        options=dict(
            # The fleet takes the connection's api_user (fortigate_api_user) instead: device_settings.
            api_access_user=dict(
                type="str", default="{{ fortigate_api_user | default('') }}", fleet_default="",
                description=[
                    "Name of the api-user to manage. Defaults to the inventory variable C(fortigate_api_user); "
                    "when empty the role only says so.",
                    "When the preflight found a trusthost mismatch and C(fortigate_diagnostic_access_token) is "
                    "set, the role adds the controller's address to this api-user's trusthost with that "
                    "credential (run it through C(fortifleet.auth.remediate_api_access), whose preflight keeps "
                    "such devices in the play).",
                ]),
            api_access_trusthosts=dict(
                type="list", elements="str", default=[],
                description="Networks the api-user must trust (CIDR, \"address mask\", single address or IPv6 "
                            "prefix)."),
            api_access_trusthost_mode=dict(
                type="str", choices=list(TRUSTHOST_MODES), default="add",
                description="C(add) keeps existing trusted hosts and adds missing ones; C(exact) replaces the "
                            "list. C(replace) is a deprecated alias of C(exact) (a warning says so)."),
            api_access_allow_any_trusthost=dict(
                type="bool", default=False,
                description="Accept 0.0.0.0/0 or ::/0 in the trusthost list."),
            api_access_accprofile=dict(
                type="str", default="",
                description="Admin profile to set; empty leaves it as it is."),
            api_access_vdoms=dict(
                type="list", elements="str", default=[],
                description="VDOMs to assign (the whole list); empty leaves them as they are."),
            api_access_cors_allow_origin=dict(
                type="str", default="",
                description="CORS origin to set; empty leaves it as it is."),
            api_access_rotate_key=dict(
                type="bool", default=False,
                description="Regenerate the api-user's key once and write it to "
                            "C(<api_access_key_dir>/<inventory_hostname>.key) (mode 0600)."),
            # Empty: the state directory beside the journal (device_settings), never inside the installed collection
            # (a playbook run by its collection name has its playbook_dir there).
            api_access_key_dir=dict(
                type="str", default="",
                description=[
                    "Directory for rotated keys.",
                    "Empty (the default): C($XDG_STATE_HOME/fortifleet.auth/keys) (C(~/.local/state/fortifleet.auth/"
                    "keys); beside the journal directory when C(FORTIFLEET_JOURNAL_DIR) is set), created with mode "
                    "0700 when a rotation first needs it. A directory you name must exist.",
                    "A rotation the directory refuses (not writable) changes nothing on the device, fails the area "
                    "and makes the run's exit status non-zero after the report is written."]),
        ),
    ),
    preflight=dict(
        short_description="Probe every FortiGate's REST API access and leave out the devices that cannot be used",
        description=[
            "Runs M(fortifleet.auth.fleet) with no area (the preflight only) for the whole play batch in one task, "
            "which reads the O(preflight_subsets) of M(fortifleet.auth.fortigate_info) on every device (also under "
            "C(--check), since it only reads), on a pool of 64 threads (the variable C(fortifleet_workers) sets "
            "another size; not C(forks): a device's probe waits on the network).",
            "Prints one line per device and the count of the fleet, records each device's result in the host fact "
            "C(fortifleet_preflight) and adds its findings to C(fortifleet_findings).",
            "Devices whose access is not usable (refused token, trusthost mismatch, lock-out, TLS, unreachable, "
            "timeout, or an error such as refused input or a failed access probe) are reported and then removed "
            "from the rest of the play with C(meta end_host), so one bad device never stops the fleet run. "
            "With O(preflight_fail_on_error) they fail instead, which makes the play's exit status non-zero.",
        ],
        options=dict(
            preflight_subsets=dict(
                type="list", elements="str", choices=list(SUBSET_ORDER), default=["api_access", "system"],
                description="fortigate_info subsets to read."),
            preflight_fail_on_error=dict(
                type="bool", default=False,
                description=[
                    "Fail devices whose access is not usable, whatever the reason, instead of ending them quietly.",
                    "The playbooks and the report role honour it too: the run fails after the report is written."]),
            # Fleet-wide (FLEET_WIDE below): every area's write guard reads them (_config/central_management.py).
            fortimanager_local_writes=dict(
                type="bool", default=False,
                description=[
                    "Allow local writes on a FortiGate managed by FortiManager (C(config system central-management) "
                    "type C(fortimanager)).",
                    "By default every area only diagnoses such a unit and reports one C(MANAGED_BY_FORTIMANAGER) "
                    "finding per area that would write, naming the FortiManager and the change to make there. With "
                    "C(true) the area writes locally and warns that FortiManager will show the device as modified "
                    "(retrieve its configuration there, KB 225438).",
                    "A host or group variable, like the other settings: set it per device."]),
            ha_allow_out_of_sync_writes=dict(
                type="bool", default=False,
                description=[
                    "Allow writes on an HA cluster whose members are out of sync (C(HA_OUT_OF_SYNC)).",
                    "By default such a cluster is only diagnosed: a change made now would be synchronised over a "
                    "configuration that already differs."]),
            # forbidden: authenticated, some areas denied.
            preflight_usable_states=dict(
                type="list", elements="str", default=["ok", "forbidden"],
                description="Access states with which a device stays in the play."),
        ),
    ),
    report=dict(
        short_description="Write the fleet report of a fortifleet.auth run and print its summary",
        description=[
            "Run it once, on the controller (a play on C(localhost) after the device plays).",
            "Gathers what the other roles recorded per device (C(fortifleet_preflight), C(fortifleet_findings), "
            "C(fortifleet_changes), C(fortifleet_errors)) from C(hostvars), or, for a device without them, its "
            "record in C(fortifleet_result) (what the playbooks set per host from a M(fortifleet.auth.fleet) run), "
            "and writes C(report.json), C(report.md), C(report.html) and C(junit.xml) with "
            "M(fortifleet.auth.fleet_report), then prints a short summary.",
            "Tokens, admin passwords and licence codes found in the devices' variables are redacted from every "
            "file.",
        ],
        options=dict(
            report_dir=dict(
                type="str", default="./fortifleet-report",
                description="Directory for the report files."),
            report_hosts=dict(
                type="list", elements="str", default="the hosts of group fortifleet_target (default fortigates)",
                role_default="{{ groups[fortifleet_target | default('fortigates')] | default([]) }}",
                description="Devices to report on."),
            report_run_name=dict(
                type="str", default="fortifleet",
                description="Name of the run, shown in the report."),
            report_check_mode=dict(
                type="bool", default=None, role_default="{{ ansible_check_mode }}",
                description=[
                    "Whether the devices ran in check mode (the report's mode is C(check), changes count as drift "
                    "and no device is C(fixed)). Defaults to the run's C(--check).",
                    "The report is a check-mode report also when this is false but a device's record says it ran "
                    "in check mode (a task or play with C(check_mode: true)): the mode comes from what ran."]),
            report_started=dict(
                type="str", default="",
                description="Start time of the run (ISO 8601); empty uses the report time."),
            report_fail_on_unusable=dict(
                type="bool", default=False, role_default="{{ preflight_fail_on_error | default(false) }}",
                description=[
                    "Fail after writing the report when a device had no usable REST API access, whatever the "
                    "reason (refused token, trusthost, lock-out, TLS, unreachable, timeout, or an error such as "
                    "refused input or a failed access probe).",
                    "Defaults to C(preflight_fail_on_error), the preflight role's option of the same meaning.",
                ]),
            report_previous=dict(
                type="str", default="", role_default="{{ fortifleet_report_previous | default('') }}",
                description=[
                    "The previous run's C(report.json) (or its directory) to compare with: the report says per "
                    "device and finding what is new, fixed and still open.",
                    "Empty (the default, or C(fortifleet_report_previous) unset): the newest C(report.json) in the "
                    "parent directory of C(report_dir) (the report directories of earlier runs beside this one, "
                    "or this one before it is overwritten). C(none): no comparison."]),
            report_spool=dict(
                type="str", default="",
                description=[
                    "The spool file of a M(fortifleet.auth.fleet) run (its return value C(spool), with "
                    "C(spool_records=true)): each device's record, streamed there as the device finished. The "
                    "report reads the records there instead of from each host's C(fortifleet_result), and removes "
                    "the file.",
                    "The C(diagnose) and C(remediate) playbooks pass it. Empty: the records come from the hosts' "
                    "variables."]),
        ),
    ),
)

# The roles whose variables are the fleet's per-device settings (the area roles), and those settings as an
# ArgumentSpecValidator spec. A device takes each from the task's 'settings', else its inventory variable of the
# same name, else this default.
AREA_ROLES = tuple(role for role in ROLE_SETTINGS if role in areas.ROLES)


def _fleet_spec(option):
    spec = dict((k, copy.deepcopy(option[k])) for k in SPEC_KEYS if k in option)
    if "fleet_default" in option:
        spec["default"] = copy.deepcopy(option["fleet_default"])
    return spec


# Settings of every area rather than of one role (the topology guards), documented with the preflight role where a
# play starts; they are host or group variables like the area roles' settings.
FLEET_WIDE = ("fortimanager_local_writes", "ha_allow_out_of_sync_writes")
SETTINGS_SPEC = dict((name, _fleet_spec(option)) for role in AREA_ROLES
                     for name, option in ROLE_SETTINGS[role]["options"].items())
SETTINGS_SPEC.update((name, _fleet_spec(ROLE_SETTINGS["preflight"]["options"][name])) for name in FLEET_WIDE)
# The role each setting belongs to, so a device only checks what it will use.
SETTING_AREA = dict((name, role) for role in AREA_ROLES for name in ROLE_SETTINGS[role]["options"])
SETTING_AREA.update((name, "preflight") for name in FLEET_WIDE)


def validate_settings(raw, roles):
    """The settings of the ``roles`` with defaults and types applied; raises InputError naming the variable."""
    wanted = dict((k, v) for k, v in SETTINGS_SPEC.items() if SETTING_AREA[k] in roles or k in FLEET_WIDE)
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
    if "api_access_key_dir" in settings and not settings["api_access_key_dir"]:
        settings["api_access_key_dir"] = default_key_directory(create=settings.get("api_access_rotate_key"))
    elif settings.get("api_access_key_dir"):
        settings["api_access_key_dir"] = os.path.expanduser(settings["api_access_key_dir"])
    return settings


def default_key_directory(create=False):
    """Where rotated keys go by default: ``keys`` beside the journal directory (the user's state home), created
    0700 when ``create`` (a rotation needs it). A failure to create it is left to the rotation to report."""
    directory = os.path.join(os.path.dirname(os.path.abspath(journal.default_directory())), "keys")
    if create and not os.path.isdir(directory):
        try:
            os.makedirs(directory, 0o700)
        except OSError:
            pass  # api_user refuses the rotation with the reason (not writable), before any request
    return directory


# Settings whose values are secrets: scrubbed from every record, even when the device is refused.
SECRET_SETTINGS = tuple(k for k, v in SETTINGS_SPEC.items() if v.get("no_log"))
