# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An interrupted FortiToken re-import: finding it in the journal, reporting it, and resuming it first.

Internal API of fortifleet.auth: may change in any release.

The re-import (``reimport.py``) journals its plan before its first destructive request and closes the entry only
once every binding is verified. An entry still open means a run died in the middle (Ctrl-C, a killed job, a device
that went away): every run looks for it. The diagnosis (subset ``fortitoken``) reports it as the critical finding
FORTITOKEN_REIMPORT_INCOMPLETE with each user/admin whose binding is missing or differs and each missing token;
the fortitoken module, whatever its state, finishes it before anything else (``resume``); and a device that cannot
be read gets the same finding with the exact CLI lines to restore by hand, taken from the journal.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import reimport as transaction
from ansible_collections.fortifleet.auth.plugins.module_utils._task import journal as journals

FINDING = "FORTITOKEN_REIMPORT_INCOMPLETE"

# Not auto_fix: until the entry is closed the device is never reported ok or fixed (_report/model.py: a critical
# finding that is not auto_fix makes the device needs_human), even when remediate will finish it.
fnd.define(FINDING, "critical", "fortitoken",
           "The FortiToken re-import of {serials} was interrupted at step '{step}' (journal {journal}): {missing}.",
           "Run remediate (the fortitoken area) or fortifleet.auth.fortitoken on this device: before anything else "
           "it re-adds the missing tokens by serial (KB 194508) and restores every user/admin binding exactly as "
           "journaled, verifies them and closes the journal entry. If the device cannot be reached, restore by "
           "hand on its CLI: {by_hand}; then delete the journal file.")


def journal_of(params):
    """The journal of the task's ``journal_dir`` (default: journal.default_directory())."""
    return journals.Journal(params.get("journal_dir"))


def device_serial(client):
    """The device serial (in every answer, fortios-api.md §6; monitor system/status when none came yet)."""
    if not client.device.get("serial"):
        client.get("system/status", api="monitor")
    return client.device.get("serial")


def open_entry(params, client):
    """The device's open re-import entry, or None."""
    serial = device_serial(client)
    return journal_of(params).read(serial, transaction.KIND) if serial else None


def entries_for_host(params, host):
    """Open re-import entries recorded for the inventory name ``host`` (a device that cannot be read gives no
    serial)."""
    return [e for e in journal_of(params).entries_of_kind(transaction.KIND) if e.get("host") == host]


def finding(journal, entry, missing):
    plan = transaction.Plan.from_entry(entry)
    step = entry.get("step") or "planned"
    if entry.get("token"):
        step += " of token %s" % entry["token"]
    missing = "; ".join(missing) or "nothing is missing now, the entry is still to be verified and closed"
    return fnd.finding(FINDING, "opened %s on %s" % (entry.get("opened"), entry.get("host")),
                       serials=", ".join(plan.serials), step=step, journal=journal.path(entry["serial"], entry["kind"]),
                       missing=missing, by_hand=" ; ".join(transaction.by_hand_lines(plan)))


def findings(params, client):
    """The diagnosis hook: [FORTITOKEN_REIMPORT_INCOMPLETE] when the device has an open entry, naming each
    user/admin whose binding differs from the journal (field by field) and each missing token; else []."""
    try:
        entry = open_entry(params, client)
    except journals.JournalError as exc:
        raise err.FortiFleetError("The FortiToken journal of this device cannot be read: %s." % exc)
    if entry is None:
        return []
    plan = transaction.Plan.from_entry(entry)
    rows, now = transaction.read_back(client, plan)
    return [finding(journal_of(params), entry, transaction.mismatches(plan, rows, now))]


def offline_findings(params, host, missing=None):
    """The finding of each open entry recorded for the inventory name ``host``, with the by-hand lines: for a
    device that cannot be read (``missing`` unknown), or a rollback that could not finish (``missing`` its list)."""
    journal = journal_of(params)
    return [finding(journal, entry, missing or ["the device cannot be read, so nothing could be compared"])
            for entry in entries_for_host(params, host)]


def resume(ctx, client):
    """Before anything else the fortitoken module does: finish an open entry of this device.

    Returns None (nothing open), or what was done / would be done (check mode writes nothing). Raises
    FortiFleetError with the finding and the by-hand lines when it cannot be finished."""
    try:
        entry = open_entry(ctx.params, client)
    except err.FortiOSError as exc:
        pending = entries_for_host(ctx.params, ctx.label)
        if not pending:
            raise
        error = err.FortiFleetError(
            "%s The FortiToken re-import interrupted earlier on %s is still open; restore by hand on the device: "
            "%s" % (exc, ctx.label, " ; ".join(transaction.by_hand_lines(transaction.Plan.from_entry(pending[0])))),
            "Run again when the device answers: the collection then finishes it from the journal.")
        error.findings = offline_findings(ctx.params, ctx.label)
        raise error
    except journals.JournalError as exc:
        raise err.FortiFleetError("The FortiToken journal of %s cannot be read: %s." % (ctx.label, exc))
    if entry is None:
        return None
    journal = journal_of(ctx.params)
    if ctx.check_mode:
        plan = transaction.Plan.from_entry(entry)
        rows, now = transaction.read_back(client, plan)
        return {"journal": journal.path(entry["serial"], transaction.KIND), "done": [], "check_mode": True,
                "findings": [finding(journal, entry, transaction.mismatches(plan, rows, now))]}
    try:
        done = transaction.recover(client, journal, entry, ctx.label)
    except err.FortiFleetError as exc:
        exc.findings = list(exc.findings or []) + [finding(journal, entry, (exc.extra or {}).get("resume", {}).get(
            "left") or [])]
        raise
    return {"journal": journal.path(entry["serial"], transaction.KIND), "done": done}
