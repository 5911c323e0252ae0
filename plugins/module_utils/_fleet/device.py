# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One device in a fleet run: its record, its module steps, its preflight and its areas.

Internal API of fortifleet.auth: may change in any release.

A device's run is a chain of the collection's own module calls (fortigate_info, ftm_push, fortitoken,
fortitoken_license, ems_connector, api_user), each validated with that module's argument spec by the same
run_task the action plugins use, on one shared client (one connection, cmdb reads shared until a write).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import api_user
from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import area_run as api_access_run
from ansible_collections.fortifleet.auth.plugins.module_utils._config import areas
from ansible_collections.fortifleet.auth.plugins.module_utils._config import central_management as guard
from ansible_collections.fortifleet.auth.plugins.module_utils._ems import area_run as ems_run
from ansible_collections.fortifleet.auth.plugins.module_utils._ems import ems_connector
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import read_plan
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import topology as fleet_topology
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.steps import AreaFailed
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import writes_reported_to
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import area_run as fortitoken_run
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken_license
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import interrupted
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import area_run as ftm_push_run
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import ftm_push
from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info
from ansible_collections.fortifleet.auth.plugins.module_utils._task.journal import Journal
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import (
    RunStopped, TaskContext, check_not_stopping, module_name, run_task)

USABLE_STATES = ["ok", "forbidden"]
PREFLIGHT_SUBSETS = ["api_access", "system"]

# The modules a device's steps run, by module name.
STEPS = dict((module_name(logic), logic) for logic in (
    fortigate_info, ftm_push, fortitoken, fortitoken_license, ems_connector, api_user))

# Role (the fleet's ``areas`` entry) -> what a fleet run does for it.
AREA_RUNNERS = {"api_access": api_access_run.run, "ftm_push": ftm_push_run.run, "fortitoken": fortitoken_run.run,
                "ems_connector": ems_run.run}


def new_record(address, preflight=None):
    """What a run records for one device (the report's input)."""
    return {"address": address, "ran": True, "preflight": preflight or {}, "findings": [], "changes": [],
            "errors": [], "notes": [], "diff": [], "warnings": []}


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
        self.area = "preflight"
        self.writes = []  # every write request sent to this device, by area (see finish)
        self.failed_areas = set()
        self.held = None  # why the current area writes nothing (central_management.writes_held), or None
        self.held_diffs = []  # the would-be changes of a held area, as engine diffs
        self.started = time.time()
        self._base = TaskContext(params, check_mode=check_mode, diff=diff, label=name)

    def client(self):
        """One client (one HTTP connection) for every step with the task's own credential."""
        if self._base.used_client is None:
            self._base.client().share_reads()
        return self._base.used_client

    def step(self, module, args):
        """Run one module's logic with these arguments on this device; returns its result dict."""
        check_not_stopping()  # Ctrl-C/SIGTERM: no new step starts (what was begun is in the journal)
        logic = STEPS[module]
        params = dict((k, v) for k, v in self.params.items() if k in logic.ARGUMENT_SPEC and v is not None)
        params.update(args)
        # A step with another credential (the diagnostic token) gets a client of its own.
        shared = params.get("access_token") == self.params.get("access_token")
        # A held area (FortiManager, HA) runs in check mode; its diff says what the change would have been.
        result, no_log_values = run_task(logic, params, check_mode=self.check_mode, diff=self.diff or bool(self.held),
                                         label=self.name, client=self.client() if shared else None)
        self.no_log_values.update(no_log_values)
        if not shared and result.get("requests"):
            self.requests["sent"] += result["requests"]["sent"]
            self.requests["retried"] += result["requests"]["retried"]
        for warning in result.get("warnings", []):
            self.warn(warning)
        # The engine's diff headers already name the object and the device.
        diffs = result.get("diff") or []
        diffs = diffs if isinstance(diffs, list) else [diffs]
        if self.held:
            self.held_diffs.extend(diffs)
        if self.diff:
            self.record["diff"].extend(diffs)
        return result

    def warn(self, message):
        if message not in self.record["warnings"]:
            self.record["warnings"].append(message)

    def note(self, message):
        self.record["notes"].append("%s: %s" % (self.name, message))

    def error(self, area, message):
        self.failed_areas.add(area)
        self.record["errors"].append("%s: %s" % (area, message))

    def human_notes(self, findings, area=None):
        for f in findings:
            if not f.get("auto_fix") and (area is None or f.get("area") == area):
                self.note("%s: %s -> %s" % (f.get("id"), f.get("summary"), f.get("remediation")))

    def wrote(self, write):
        self.writes.append(dict(write, area=self.area))

    def token_refused(self):
        """Why this device's token must not be sent again in this run (a 401, a rotated key), or None."""
        client = self._base.used_client
        return client.token_refused() if client is not None else None

    def _unrecorded_writes(self):
        """Writes of a failed area that its record does not show (the step failed after writing): the report lists
        them too, as sent and not confirmed. A write the device refused outright changed nothing."""
        recorded = set(c.get("object") for c in self.record["changes"])
        # An area whose transaction was left open (the device went away half-way; its finding says what to
        # restore) failed just as much, even though it reported a finding rather than an error.
        unfinished = set(f.get("area") for f in self.record["findings"] if str(f.get("id")).endswith("_INCOMPLETE"))
        for write in self.writes:
            obj = write["object"]
            area = areas.of_role(write["area"]) if write["area"] in areas.ROLES else write["area"]
            if write["area"] not in self.failed_areas and area not in unfinished:
                continue
            if obj in recorded or obj.replace("monitor ", "", 1) in recorded:
                continue
            recorded.add(obj)
            self.record["changes"].append({
                "area": area, "object": obj, "changed_keys": [], "request": "%s %s" % (write["method"], obj),
                "check_mode": self.check_mode, "unconfirmed": True})

    def finish(self):
        self._unrecorded_writes()
        client = self._base.used_client
        if client is not None:
            self.requests["sent"] += client.requests_sent
            self.requests["retried"] += client.retries_done
        for warning in self._base.warnings:
            self.warn(warning)
        self.record["requests"] = dict(self.requests)
        return self.record


def preflight(device, usable_states, subsets=None, roles=None):
    """Probe API access and read the system facts; True when the device stays in the run."""
    subsets = list(subsets or PREFLIGHT_SUBSETS)
    if "api_access" in subsets:
        # Once the probe's first request has proven the token, the reads of the preflight and of the areas go out
        # in parallel (_fleet/read_plan.py, docs/requests.md); the steps then find them in the client's cache.
        device.client().read_planner = read_plan.planner(subsets, [r for r in roles or [] if r in AREA_RUNNERS])
    info = device.step("fortigate_info", {"gather_subset": subsets})
    facts = info.get("fortigate") or {}
    access = (facts.get("api_access") or {}).get("status", "ok")
    if info.get("failed"):
        access = "error"
        device.error("preflight", info.get("msg") or "failed")
    # Access comes from the probe alone; a failed read of another subset is that area's error.
    for subset, failure in sorted((facts.get("errors") or {}).items()):
        device.error(subset, failure["message"])
    device.record["preflight"] = {
        "access": access, "version": facts.get("version"), "serial": facts.get("serial"),
        "system": facts.get("system") or {}, "api_access": facts.get("api_access") or {},
        "requests": info.get("requests") or {},
    }
    if facts.get("topology"):
        # The shared schema's record["topology"]; the preflight keeps a copy for the per-host roles' areas.
        device.record["topology"] = device.record["preflight"]["topology"] = facts["topology"]
    device.record["findings"].extend(info.get("findings") or [])
    device.record["findings"].extend(unfinished_transactions(device))
    return access in usable_states


def unfinished_transactions(device):
    """Findings for the device's open key-rotation journal entry (any run, diagnose included, reports it)."""
    serial = device.record["preflight"].get("serial")
    journal = Journal(device.params.get("journal_dir"))
    entry = api_user.open_rotation(journal, serial, host=device.name)
    return [api_user.rotation_finding(entry, journal)] if entry is not None else []


def _duplicate(device, claims):
    """True when another inventory entry of this run already acts on the same FortiGate (same serial)."""
    if claims is None:
        return False
    owner = claims.claim(device.record["preflight"].get("serial"), device.name)
    if owner == device.name:
        return False
    device.record["duplicate_of"] = owner
    device.note("reaches the same FortiGate (serial %s) as %s, which acts on it in this run: nothing was done "
                "through this entry. Remove one of the two inventory entries."
                % (device.record["preflight"].get("serial"), owner))
    return True


def run_device(device, roles, run_preflight=True, usable_states=None, preflight_subsets=None, claims=None):
    """Preflight, then each area (by role name); a failed area is recorded and the next one runs. Returns the
    record. (A fleet runs the two phases apart: every preflight first, then the areas; see _fleet/fleet.py.)"""
    if not run_preflight_phase(device, roles, run_preflight, usable_states, preflight_subsets):
        return device.record
    return run_areas_phase(device, roles, claims)


def run_preflight_phase(device, roles, run_preflight=True, usable_states=None, preflight_subsets=None):
    """The preflight; True when the areas are to run, else the device's record is finished."""
    with writes_reported_to(device.wrote):
        try:
            return _preflight_phase(device, roles, run_preflight, usable_states, preflight_subsets)
        finally:
            device.record["seconds"] = round(time.time() - device.started, 3)


def run_areas_phase(device, roles, claims=None, decision=None):
    """The areas after the preflight; ``decision`` is the fleet's plan for this entry (_fleet/topology.py plan).
    Returns the record."""
    with writes_reported_to(device.wrote):
        try:
            return _areas_phase(device, roles, claims, decision)
        finally:
            device.record["seconds"] = round(time.time() - device.started, 3)


def _preflight_phase(device, roles, run_preflight, usable_states, preflight_subsets):
    check_not_stopping()
    if not run_preflight or preflight(device, usable_states or USABLE_STATES, preflight_subsets, roles):
        if not run_preflight and device.record["preflight"].get("topology"):
            device.record["topology"] = device.record["preflight"]["topology"]  # a role after the preflight role
        return True
    device.record["skipped_areas"] = list(roles)
    owner = api_user.rotated_by(device.token_refused())
    if owner and owner != device.name:
        # Same address, port and token as an entry that rotated the key in this run (before this one's
        # preflight could read the serial): the same FortiGate, acted on through that entry.
        device.record["duplicate_of"] = owner
        device.note("reaches the same FortiGate (same address, port and token) as %s, which rotated its "
                    "key in this run: nothing was done through this entry. Remove one of the two inventory "
                    "entries." % owner)
        device.finish()
        return False
    # An interrupted re-import of this device: what to restore by hand, from the journal.
    device.record["findings"].extend(interrupted.offline_findings(device.params, device.name))
    device.finish()
    return False


def _handled_elsewhere(device, roles, decision):
    """A secondary whose primary's entry acts on the cluster in this run: nothing runs here."""
    primary = decision["handled_through"]
    device.record["handled_through"] = primary
    device.record["skipped_areas"] = list(roles)
    device.note("HA secondary of cluster %s: handled through the primary %s (its entry in this run makes the "
                "cluster's changes; configuration synchronises to every member)."
                % (fleet_topology._topology.cluster_name((device.record.get("topology") or {}).get("ha") or {}),
                   primary))


def _areas_phase(device, roles, claims, decision):
    check_not_stopping()
    if roles and _duplicate(device, claims):
        device.record["skipped_areas"] = list(roles)
        return device.finish()
    decision = decision or {}
    if roles and decision.get("handled_through"):
        _handled_elsewhere(device, roles, decision)
        return device.finish()
    topology = device.record.get("topology")
    if roles and topology is None:
        topology = _guard_topology(device)
    if roles:
        device.record["findings"].extend(decision.get("findings") or [])
        if not decision and fleet_topology._topology.is_secondary(topology):
            # The per-host roles do not see the other entries: the primary's own entry makes the changes.
            device.record["findings"].append(fleet_topology.handled_through_finding(device.record))
    for index, role in enumerate(roles):
        device.area = role
        refused = device.token_refused()
        if refused:
            # fortios-api.md §7: after one failed key attempt (or a rotated key) the token can only fail again,
            # and three failures in 60 s lock the controller out. The rest of this device waits for a new key.
            device.record["skipped_areas"] = list(roles[index:])
            device.note("the task's token %s, so %s did not run: put the working key into the inventory and run "
                        "again." % (refused, ", ".join(roles[index:])))
            break
        try:
            remaining = _run_area(device, role, topology)
        except RunStopped as exc:
            device.record["skipped_areas"] = list(roles[index:])
            device.error(role, str(exc))
            break
        except (AreaFailed, err.FortiFleetError) as exc:
            device.error(role, str(exc))
            continue
        except Exception as exc:  # pylint: disable=broad-except
            # A bug on one device must not cost the other devices of the fleet their run.
            device.error(role, "internal error, please report it: %s: %s" % (type(exc).__name__, exc))
            continue
        device.record["findings"].extend(remaining)
        device.human_notes(remaining, area=areas.of_role(role))
        left = list(roles[index + 1:])
        if device.key_rotated and left:
            # The task's token is now refused: every further request would be a failed key attempt, and
            # three in 60 s lock the controller out (fortios-api.md §7).
            device.record["skipped_areas"] = left
            device.note("the api-user's key was rotated, so %s did not run: put the new key (in the key "
                        "file) into the inventory and run again." % ", ".join(left))
            break
    return device.finish()


def _guard_topology(device):
    """An area role run without the preflight still needs to know whether it may write: HA and central management,
    read directly (two or three requests). Unknown (a failed read) holds nothing, with a warning."""
    client = device.client()
    warnings = []
    try:
        managed = fleet_topology._topology.fortimanager(client, warnings)
        ha = fleet_topology._topology.ha(client, client.device.get("serial"), warnings)
    except err.FortiOSError as exc:
        device.warn("%s: the HA and FortiManager state could not be read before the areas (%s): the areas run "
                    "unguarded" % (device.name, exc))
        return None
    for warning in warnings:
        device.warn("%s: %s" % (device.name, warning))
    return {"ha": ha, "fortimanager": managed}


HELD_NOTES = {
    "ha_secondary": "HA secondary: nothing is written through it (the primary makes the cluster's changes)",
    "ha_out_of_sync": "the HA cluster is out of sync (HA_OUT_OF_SYNC): nothing is written until it is in sync",
    "fortimanager": "managed by FortiManager: the change belongs there (MANAGED_BY_FORTIMANAGER)",
}


def _run_area(device, role, topology):
    """One area, held (check mode, nothing written) when the topology says so (_config/central_management.py);
    returns the findings left, with the FortiManager finding of a held area that would have written."""
    area = areas.of_role(role)
    held = guard.writes_held(topology, device.settings, role)
    if not held:
        before = len(device.writes)
        remaining = AREA_RUNNERS[role](device, device.settings)
        if guard.is_managed(topology) and device.writes[before:]:
            device.warn(guard.LOCAL_WRITE_WARNING % (device.name, guard.fmg_address(topology)))
        return remaining
    saved_mode, first_change = device.check_mode, len(device.record["changes"])
    device.check_mode, device.held, device.held_diffs = True, held, []
    try:
        remaining = AREA_RUNNERS[role](device, device.settings)
    finally:
        device.check_mode, device.held = saved_mode, None
    # The would-be changes are not changes of this run (nothing was written): they leave the record's changes,
    # and a human sees them in the finding or the note.
    would = device.record["changes"][first_change:]
    del device.record["changes"][first_change:]
    if would and guard.fortimanager_held(topology, device.settings, role):
        remaining = list(remaining) + [guard.fortimanager_finding(area, topology, would, device.held_diffs)]
    elif would:
        keys = sorted(set(k for c in would for k in (c.get("changed_keys") or [])))
        device.note("%s: not written, %s; it would change %s." % (
            role, HELD_NOTES[held], ", ".join(keys) or ", ".join(str(c.get("object") or area) for c in would)))
    device.held_diffs = []
    # Nothing through this entry will make these fixes (remediate holds the area the same way): they wait for a human.
    return [_not_through_this_entry(f, held) for f in remaining]


def _not_through_this_entry(finding, held):
    if not finding.get("auto_fix"):
        return finding
    return dict(finding, auto_fix=False, remediation="%s Not done through this inventory entry: %s." % (
        finding.get("remediation") or "", HELD_NOTES[held]))
