# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.fleet: preflight, then diagnose or remediate each area, per device.

Internal API of fortifleet.auth: may change in any release.

One device's run is a chain of the collection's own module calls (fortigate_info,
ftm_push, fortitoken, fortitoken_license, ems_connector, api_user), each
validated with that module's argument spec, exactly as the area roles chain
them as tasks. The roles run this same code for their host; the fleet
action runs it for a whole play batch in a thread pool, because Ansible
spends about 14 ms of controller time per host and task (measured:
benchmarks/README.md), which a 500-device fleet cannot afford for 40 tasks.
Check mode is diagnose: every would-be change is reported as drift.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import api_user as _api_user
from ansible_collections.fortifleet.auth.plugins.module_utils._ems import ems_connector as _ems
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info as _fortigate_info
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken_license as _fortitoken_license
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken as _fortitoken_module
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import ftm_push as _ftm_push
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import TaskContext, execute

AREAS = ("api_access", "ftm_push", "fortitoken", "ems_connector")
DEFAULT_AREAS = ["ftm_push", "fortitoken", "ems_connector"]
USABLE_STATES = ["ok", "forbidden"]

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
    fortitoken_memory_file=dict(type="path", default=_fortitoken_license.DEFAULT_MEMORY),
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
    api_access_trusthost_mode=dict(type="str", default="add", choices=["add", "replace"]),
    api_access_allow_any_trusthost=dict(type="bool", default=False),
    api_access_accprofile=dict(type="str", default=""),
    api_access_vdoms=dict(type="list", elements="str", default=[]),
    api_access_cors_allow_origin=dict(type="str", default=""),
    api_access_rotate_key=dict(type="bool", default=False),
    api_access_key_dir=dict(type="path", default="fortifleet-keys"),
)
# The area each setting belongs to (its name's prefix), so a device only checks what it will use.
SETTING_AREA = dict((name, next(a for a in AREAS if name.startswith(a + "_"))) for name in SETTINGS_SPEC)

ARGUMENT_SPEC = with_connection(dict(
    areas=dict(type="list", elements="str", default=list(DEFAULT_AREAS), choices=list(AREAS)),
    preflight=dict(type="bool", default=True),
    usable_states=dict(type="list", elements="str", default=list(USABLE_STATES)),
    settings=dict(type="dict", default={}),
    workers=dict(type="int"),
    api_user=dict(type="str"),
    admin_password=dict(type="str", no_log=True),
    diagnostic_access_token=dict(type="str", no_log=True),
    controller_address=dict(type="str"),
))

# Module name -> (argument spec, logic, AnsibleModule keywords): what each step validates against.
STEPS = {
    "fortigate_info": (_fortigate_info.ARGUMENT_SPEC, _fortigate_info.run, {}),
    "ftm_push": (_ftm_push.ARGUMENT_SPEC, _ftm_push.run, {"mutually_exclusive": _ftm_push.MUTUALLY_EXCLUSIVE}),
    "fortitoken": (_fortitoken_module.ARGUMENT_SPEC, _fortitoken_module.run, {}),
    "fortitoken_license": (_fortitoken_license.ARGUMENT_SPEC, _fortitoken_license.run,
                           _fortitoken_license.MODULE_KWARGS),
    "ems_connector": (_ems.ARGUMENT_SPEC, _ems.run, {}),
    "api_user": (_api_user.ARGUMENT_SPEC, _api_user.run, {}),
}
CHANGE_KEYS = ("added", "imported", "reimported", "activated", "provisioned", "bindings")
_SERIAL = re.compile(r"FTK[A-Z0-9]+")


def validate_settings(raw, areas):
    """The settings of ``areas`` with defaults and types applied; raises InputError naming the variable."""
    wanted = dict((k, v) for k, v in SETTINGS_SPEC.items() if SETTING_AREA[k] in areas)
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


def device_settings(raw, areas, api_user=None):
    """validate_settings, with the one default that depends on another variable: api_access_user is the
    connection's api_user (fortigate_api_user), as in the api_access role's defaults."""
    settings = validate_settings(raw, areas)
    if "api_access_user" in settings and not settings["api_access_user"]:
        settings["api_access_user"] = api_user or ""
    return settings


# Settings whose values are secrets: scrubbed from every record, even when the device is refused.
SECRET_SETTINGS = tuple(k for k, v in SETTINGS_SPEC.items() if v.get("no_log"))


def new_record(address, preflight=None):
    """What a run records for one device (the report role's input)."""
    return {"address": address, "ran": True, "preflight": preflight or {}, "findings": [], "changes": [],
            "errors": [], "notes": [], "diff": [], "warnings": []}


def _given(args):
    """Module arguments without the ones the role would 'omit' (empty strings, zero ports, empty lists)."""
    return dict((k, v) for k, v in args.items() if v not in (None, "", 0, []) or isinstance(v, bool))


def _ids(findings):
    return [f.get("id") for f in findings or []]


class Device(object):
    """One FortiGate in a run: its options, settings and what was found, changed and said."""

    def __init__(self, name, params, settings, check_mode=False, diff=False):
        self.name = name
        self.params = params
        self.settings = settings
        self.check_mode = check_mode
        self.diff = diff
        self.record = new_record(params.get("host"))
        self.no_log_values = set()
        self.key_rotated = False
        self.requests = {"sent": 0, "retried": 0}
        self._base = TaskContext(params, check_mode=check_mode, diff=diff, label=name)

    def client(self):
        """One client (one HTTP connection) for every step with the task's own credential."""
        if self._base._client is None:
            self._base.client().shared_reads()
        return self._base._client

    def step(self, module, args):
        """Run one module's logic with these arguments on this device; returns its result dict."""
        spec, logic, kwargs = STEPS[module]
        params = dict((k, v) for k, v in self.params.items() if k in spec and v is not None)
        params.update(args)
        validation = ArgumentSpecValidator(spec, **kwargs).validate(params)
        self.no_log_values.update(validation._no_log_values)
        if validation.error_messages:
            return {"failed": True, "changed": False, "error_kind": "invalid_input",
                    "msg": "Invalid input for fortifleet.auth.%s: %s" % (module, "; ".join(validation.error_messages))}
        ctx = TaskContext(validation.validated_parameters, check_mode=self.check_mode, diff=self.diff,
                          label=self.name)
        shared = ctx.params.get("access_token") == self.params.get("access_token")
        if shared:
            ctx._client = self.client()
        result = execute(logic, ctx)
        if not shared and ctx._client is not None:
            self.requests["sent"] += ctx._client.requests_sent
            self.requests["retried"] += ctx._client.retries_done
        for warning in result.get("warnings", []):
            self.warn(warning)
        # The engine's diff headers already name the object and the device.
        diffs = result.get("diff") or []
        self.record["diff"].extend(diffs if isinstance(diffs, list) else [diffs])
        return result

    def warn(self, message):
        if message not in self.record["warnings"]:
            self.record["warnings"].append(message)

    def note(self, message):
        self.record["notes"].append("%s: %s" % (self.name, message))

    def error(self, area, message):
        self.record["errors"].append("%s: %s" % (area, message))

    def human_notes(self, findings, area=None):
        for f in findings:
            if not f.get("auto_fix") and (area is None or f.get("area") == area):
                self.note("%s: %s -> %s" % (f.get("id"), f.get("summary"), f.get("remediation")))

    def finish(self):
        if self._base._client is not None:
            self.requests["sent"] += self._base._client.requests_sent
            self.requests["retried"] += self._base._client.retries_done
        for warning in self._base.warnings:
            self.warn(warning)
        self.record["requests"] = dict(self.requests)
        return self.record


class AreaFailed(Exception):
    """A step whose failure ends its area (the role would have gone to its rescue)."""


def _must(result):
    if result.get("failed"):
        raise AreaFailed(result.get("msg") or "failed")
    return result


def _info(device, subsets, **extra):
    return _must(device.step("fortigate_info", dict(gather_subset=subsets, **_given(extra))))


def preflight(device, usable_states):
    """Probe API access and read the system facts; True when the device stays in the run."""
    info = device.step("fortigate_info", {"gather_subset": ["api_access", "system"]})
    facts = info.get("fortigate") or {}
    access = (facts.get("api_access") or {}).get("status", "ok")
    if info.get("failed"):
        access = "error"
        device.error("preflight", info.get("msg") or "failed")
    device.record["preflight"] = {
        "access": access, "version": facts.get("version"), "serial": facts.get("serial"),
        "system": facts.get("system") or {}, "api_access": facts.get("api_access") or {},
        "requests": info.get("requests") or {},
    }
    device.record["findings"].extend(info.get("findings") or [])
    return access in usable_states


def area_ftm_push(device, s):
    wanted_server = s["ftm_push_server"]
    before = _info(device, ["ftm_push"], ftm_push_server=wanted_server)
    result = {}
    if s["ftm_push_remediate"]:
        facts = before["fortigate"].get("ftm_push") or {}
        access_known = bool(s["ftm_push_access_interface"] + s["ftm_push_server_from_interface"]
                            + s["ftm_push_interface"]) or bool(facts.get("callback_interface"))
        server = wanted_server if "FTM_PUSH_FQDN_UNSUPPORTED" not in _ids(before["findings"]) else ""
        result = _must(device.step("ftm_push", _given(dict(
            status=s["ftm_push_status"], server=server,
            server_from_interface=s["ftm_push_server_from_interface"], server_port=s["ftm_push_server_port"],
            server_cert=s["ftm_push_server_cert"], proxy=s["ftm_push_proxy"], interface=s["ftm_push_interface"],
            allow_ftm_access=s["ftm_push_allow_ftm_access"] and access_known,
            ftm_access_interface=s["ftm_push_access_interface"]))))
    after = before
    if result.get("changed"):
        device.record["changes"].append({"area": "ftm_push", "object": "system/ftm-push",
                                         "changed_keys": result.get("changed_keys"),
                                         "check_mode": device.check_mode})
        if not device.check_mode:
            after = _info(device, ["ftm_push"], ftm_push_server=wanted_server)
    return after["findings"]


def _fortitoken_plan(facts, findings):
    managed = (facts.get("central_management") or {}).get("managed_by_fortimanager")
    migrated = []
    for f in findings:
        if f.get("id") == "FORTITOKEN_MIGRATED":
            found = _SERIAL.search(f.get("summary") or "")
            if found:
                migrated.append(found.group(0))
    to_activate = [t.get("serial") for t in facts.get("tokens") or []
                   if t.get("type") != "hardware" and t.get("bound_to")]
    return managed, migrated, to_activate


def area_fortitoken(device, s):
    before = _info(device, ["fortitoken"])
    facts = before["fortigate"].get("fortitoken") or {}
    managed, migrated, to_activate = _fortitoken_plan(facts, before["findings"])
    allow_fmg = s["fortitoken_allow_fortimanager_managed"]
    go = (s["fortitoken_remediate"] and (not managed or allow_fmg)
          and (facts.get("fortiguard") or {}).get("reachable") is not False)
    if managed and not allow_fmg:
        device.note("managed by FortiManager %s: FortiTokens come from FortiManager, so nothing is activated or "
                    "imported here." % (facts.get("central_management") or {}).get("fmg"))
    steps, trial = [], {}
    if go:
        for code in s["fortitoken_license_codes"]:
            steps.append(device.step("fortitoken_license", dict(
                license_code=code, memory_file=s["fortitoken_memory_file"], allow_fortimanager_managed=allow_fmg)))
        if s["fortitoken_import_trial"]:
            trial = _must(device.step("fortitoken_license", dict(trial=True, allow_fortimanager_managed=allow_fmg)))
        if s["fortitoken_reimport_migrated"] and migrated:
            steps.append(device.step("fortitoken", _given(dict(
                serials=migrated, state="reimported", license_code=s["fortitoken_reimport_license_code"],
                send_activation=s["fortitoken_send_activation"], allow_fortimanager_managed=allow_fmg))))
        if s["fortitoken_activate"] and to_activate:
            steps.append(device.step("fortitoken", dict(
                serials=to_activate, state="active", send_activation=s["fortitoken_send_activation"],
                allow_fortimanager_managed=allow_fmg)))
    changed = trial.get("changed") or any(step.get("changed") for step in steps)
    after = _info(device, ["fortitoken"]) if changed and not device.check_mode else before
    for step in steps:
        # A refused licence or token comes back as findings for a human; only a failure without a
        # finding is an error of the run (the role tolerated these steps the same way).
        if step.get("failed") and not step.get("findings"):
            device.error("fortitoken", step.get("msg") or "failed")
        if step.get("changed"):
            change = dict((k, step[k]) for k in CHANGE_KEYS if k in step)
            change.update(area="fortitoken", check_mode=device.check_mode)
            device.record["changes"].append(change)
    return after["findings"] + [f for step in steps for f in step.get("findings") or []]


def area_ems_connector(device, s):
    before = _info(device, ["ems"])
    name = s["ems_connector_name"]
    manage = s["ems_connector_remediate"] and bool(name)
    result, waited = {}, None
    if manage:
        fingerprint = s["ems_connector_expected_fingerprint"]
        result = _must(device.step("ems_connector", _given(dict(
            name=name, server=s["ems_connector_server"], https_port=s["ems_connector_https_port"],
            status=s["ems_connector_status"], trust_ca_cn=s["ems_connector_trust_ca_cn"],
            verifying_ca=s["ems_connector_verifying_ca"], interface=s["ems_connector_interface"],
            source_ip=s["ems_connector_source_ip"],
            verify_certificate=bool(fingerprint) or s["ems_connector_trust_on_first_use"],
            expected_fingerprint=fingerprint, trust_on_first_use=s["ems_connector_trust_on_first_use"]))))
        if s["ems_connector_wait_for_authorization"] and not device.check_mode:
            waited = device.step("ems_connector", dict(
                name=name, wait_for_authorization=True,
                authorization_timeout=s["ems_connector_authorization_timeout"],
                poll_interval=s["ems_connector_poll_interval"]))
            if waited.get("failed"):
                device.note(waited.get("msg") or "the wait for authorization failed")
    if result.get("changed"):
        device.record["changes"].append({"area": "ems", "object": "endpoint-control/fctems/" + name,
                                         "changed_keys": result.get("changed_keys"),
                                         "check_mode": device.check_mode})
    rediagnose = (result.get("changed") or waited is not None) and not device.check_mode
    return (_info(device, ["ems"]) if rediagnose else before)["findings"]


def area_api_access(device, s):
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
            results.append(_must(device.step("api_user", dict(
                name=user, trusthost=[controller], access_token=diagnostic))))
        else:
            device.note("the controller's address is outside the api-user's trusthost and no diagnostic "
                        "credential is available to repair it: add it on the FortiGate (System > Administrators).")
    elif access in ("ok", "forbidden"):
        rotate = s["api_access_rotate_key"]
        results.append(_must(device.step("api_user", _given(dict(
            name=user, trusthost=s["api_access_trusthosts"], trusthost_mode=s["api_access_trusthost_mode"],
            allow_any_trusthost=s["api_access_allow_any_trusthost"], accprofile=s["api_access_accprofile"],
            vdoms=s["api_access_vdoms"], cors_allow_origin=s["api_access_cors_allow_origin"], regenerate_key=rotate,
            key_file=os.path.join(s["api_access_key_dir"], device.name + ".key") if rotate else "")))))
    for result in results:
        if result.get("key_rotated") and not device.check_mode:
            device.key_rotated = True
        if result.get("changed"):
            device.record["changes"].append({"area": "api_access", "object": "system/api-user/" + user,
                                             "changed_keys": result.get("changed_keys") or [],
                                             "key_rotated": bool(result.get("key_rotated")),
                                             "check_mode": device.check_mode})
    return []


AREA_RUNNERS = {"api_access": area_api_access, "ftm_push": area_ftm_push, "fortitoken": area_fortitoken,
                "ems_connector": area_ems_connector}


def run_device(device, areas, run_preflight=True, usable_states=None):
    """Preflight, then each area; a failed area is recorded and the next one runs. Returns the record."""
    started = time.time()
    try:
        if run_preflight and not preflight(device, usable_states or USABLE_STATES):
            device.record["skipped_areas"] = list(areas)
            return device.finish()
        for index, area in enumerate(areas):
            try:
                remaining = AREA_RUNNERS[area](device, device.settings)
            except (AreaFailed, err.FortiFleetError) as exc:
                device.error(area, str(exc))
                continue
            except Exception as exc:  # pylint: disable=broad-except
                # A bug on one device must not cost the other devices of the fleet their run.
                device.error(area, "internal error, please report it: %s: %s" % (type(exc).__name__, exc))
                continue
            device.record["findings"].extend(remaining)
            device.human_notes(remaining, area="ems" if area == "ems_connector" else None)
            left = list(areas[index + 1:])
            if device.key_rotated and left:
                # The task's token is now refused: every further request would be a failed key attempt, and
                # three in 60 s lock the controller out (facts §7).
                device.record["skipped_areas"] = left
                device.note("the api-user's key was rotated, so %s did not run: put the new key (in the key "
                            "file) into the inventory and run again." % ", ".join(left))
                break
        return device.finish()
    finally:
        device.record["seconds"] = round(time.time() - started, 3)


def scrub(record, secrets):
    """The record without any of this device's secrets (tokens, passwords, licence codes, new keys)."""
    return remove_values(record, set(s for s in secrets if s))


def run(ctx):
    """The classic module: one device (the one the connection options name)."""
    params = ctx.params
    settings = device_settings(params["settings"], params["areas"], params.get("api_user"))
    device = Device(ctx.label or params.get("host"), params, settings, ctx.check_mode, ctx.diff)
    record = run_device(device, params["areas"], params["preflight"], params["usable_states"])
    for warning in record.get("warnings", []):
        ctx.warn(warning)
    out = {"changed": bool(record["changes"]), "record": record}
    if record["diff"]:
        out["diff"] = record["diff"]
    return out
