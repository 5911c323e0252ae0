# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a fleet run does for FortiTokens on one device (role fortifleet.auth.fortitoken).

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.steps import given, ids, info, must
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken.interrupted import FINDING as INCOMPLETE

SERIAL_IN_TEXT = re.compile(r"FTK[A-Z0-9]+")
# Keys of a fortitoken/fortitoken_license result that describe its change (copied into the record's changes).
CHANGE_KEYS = ("added", "imported", "reimported", "activated", "provisioned", "bindings")


def plan(facts, findings):
    """(managed by FortiManager, [(vdom, migrated serials)] in the order found, tokens to activate)."""
    managed = (facts.get("central_management") or {}).get("managed_by_fortimanager")
    migrated = []
    for f in findings:
        if f.get("id") == "FORTITOKEN_MIGRATED":
            found = SERIAL_IN_TEXT.search(f.get("summary") or "")
            if found:
                # One re-import per VDOM (tokens and their users are per VDOM: troubleshooting.md F), so each change
                # of the record carries its VDOM.
                vdom = f.get("vdom")
                group = next((g for g in migrated if g[0] == vdom), None)
                if group is None:
                    group = (vdom, [])
                    migrated.append(group)
                group[1].append(found.group(0))
    to_activate = [t.get("serial") for t in facts.get("tokens") or []
                   if t.get("type") != "hardware" and t.get("bound_to")]
    return managed, migrated, to_activate


def interrupted_serials(findings):
    """The tokens of a re-import an earlier run left open (FORTITOKEN_REIMPORT_INCOMPLETE names them all)."""
    serials = []
    for f in findings:
        if f.get("id") == INCOMPLETE:
            serials.extend(s for s in SERIAL_IN_TEXT.findall(f.get("summary") or "") if s not in serials)
    return serials


def resume(device, serials):
    """Finish the interrupted re-import from the journal before anything else (the fortitoken module does it first,
    whatever its state); the result of that step."""
    return device.step("fortitoken", dict(serials=serials, state="present"))


def run(device, s):
    """Finish an interrupted re-import, diagnose, import licences, re-import migrated tokens, activate bound ones,
    diagnose again."""
    before = info(device, ["fortitoken"])
    pending = interrupted_serials(before["findings"]) if s["fortitoken_remediate"] else []
    if pending and device.check_mode:
        device.note("an interrupted FortiToken re-import of %s is open in the journal: remediate finishes it "
                    "before anything else." % ", ".join(pending))
        return before["findings"]
    if pending:
        resumed = resume(device, pending)
        if resumed.get("failed"):
            # Nothing else is done on a device in the middle of a transaction; the error carries the by-hand lines.
            device.error("fortitoken", resumed.get("msg") or "failed")
            return before["findings"]
        if resumed.get("changed"):
            device.record["changes"].append({"area": "fortitoken", "check_mode": False,
                                             "resumed": (resumed.get("resumed") or {}).get("done") or []})
        before = info(device, ["fortitoken"])
        if INCOMPLETE in ids(before["findings"]):
            return before["findings"]
    facts = before["fortigate"].get("fortitoken") or {}
    managed, migrated, to_activate = plan(facts, before["findings"])
    # FortiManager: the fleet's one write guard decides (_config/central_management.py); a held area runs in check
    # mode and reports the change to make on FortiManager, so the modules' own guard is not asked again here.
    allow_fmg = True
    go = s["fortitoken_remediate"] and (facts.get("fortiguard") or {}).get("reachable") is not False
    if s["fortitoken_remediate"] and (facts.get("fortiguard") or {}).get("reachable") is False:
        # Only a determined "not connected" blocks, and never silently (an undetermined reading blocks nothing).
        device.note("FortiGuard is not reachable (%s): no FortiToken licence is imported and no token activated or "
                    "re-imported until it is." % ((facts.get("fortiguard") or {}).get("source") or "reading"))
    steps, trial = [], {}
    if go:
        for code in s["fortitoken_license_codes"]:
            steps.append(device.step("fortitoken_license", dict(
                license_code=code, memory_file=s["fortitoken_memory_file"], allow_fortimanager_managed=allow_fmg)))
        if s["fortitoken_import_trial"]:
            trial = must(device.step("fortitoken_license", dict(trial=True, allow_fortimanager_managed=allow_fmg)))
        for vdom, serials in (migrated if s["fortitoken_reimport_migrated"] else []):
            step = device.step("fortitoken", given(dict(
                serials=serials, state="reimported", license_code=s["fortitoken_reimport_license_code"],
                send_activation=s["fortitoken_send_activation"], allow_fortimanager_managed=allow_fmg,
                vdoms=[vdom] if vdom else None)))
            if vdom:
                step["vdom"] = vdom
            steps.append(step)
        if s["fortitoken_activate"] and to_activate:
            steps.append(device.step("fortitoken", dict(
                serials=to_activate, state="active", send_activation=s["fortitoken_send_activation"],
                allow_fortimanager_managed=allow_fmg)))
    changed = trial.get("changed") or any(step.get("changed") for step in steps)
    after = info(device, ["fortitoken"]) if changed and not device.check_mode else before
    for step in steps:
        # A refused licence or token comes back as findings for a human; only a failure without a
        # finding is an error of the run (the role tolerated these steps the same way).
        if step.get("failed") and not step.get("findings"):
            device.error("fortitoken", step.get("msg") or "failed")
        if step.get("changed"):
            change = dict((k, step[k]) for k in CHANGE_KEYS + ("vdom",) if k in step)
            change.update(area="fortitoken", check_mode=device.check_mode)
            device.record["changes"].append(change)
    found = list(after["findings"])
    if not (after["fortigate"].get("fortitoken") or {}).get("tokens") and not s["fortitoken_license_codes"] \
            and not trial.get("changed"):
        # troubleshooting.md B9: FortiCare answers 14/10 only to an import; the device shows no licence state.
        found.append(fnd.finding("FORTITOKEN_LICENSE_NOT_CHECKED", "user/fortitoken is empty"))
    # The re-diagnosis already compares an open journal entry with the device: one such finding per device.
    skip = (INCOMPLETE,) if INCOMPLETE in ids(found) else ()
    return found + [f for step in steps for f in step.get("findings") or [] if f.get("id") not in skip]
