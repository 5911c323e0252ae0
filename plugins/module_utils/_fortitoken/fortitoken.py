# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.fortitoken: tokens by serial, activation, and the safe re-import of migrated tokens.

Internal API of fortifleet.auth: may change in any release.

Every config change goes through the config engine (``_config/engine.py``), so check mode and --diff work as in
the other modules: a token delete is ``engine.ensure_absent``, each unbind/re-bind of a user or administrator is
``engine.ensure_present`` on its binding fields. Importing a token is an action (import-mobile, or a POST by
serial): not idempotent, so it is sent at most once and never retried, but it has a diff entry (absent -> present).
activate/provision/send-activation are sent at most once per task and never in check mode.

The re-import of migrated tokens (troubleshooting.md B3/B5, KB 194508; fortios-api.md §2: a token must be
unassigned before it is deleted) is a journaled transaction in ``reimport.py``, one token at a time: unbind ->
delete -> re-import -> re-bind exactly as before -> verify, rolled back when a step fails. Check mode computes its
plan and reports the same diff entries without writing. Whatever the state, a re-import interrupted by an earlier
run (its journal entry is still open, ``interrupted.py``) is finished first, before anything else is read or
written for the task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import vdoms as _vdoms
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import interrupted
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import reimport as transaction
from ansible_collections.fortifleet.auth.plugins.module_utils._task.journal import Journal
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection

ARGUMENT_SPEC = with_connection(dict(
    serials=dict(type="list", elements="str", required=True),
    state=dict(type="str", choices=["present", "active", "absent", "reimported"], default="present"),
    license_code=dict(type="str", no_log=True),
    send_activation=dict(type="bool", default=False),
    allow_fortimanager_managed=dict(type="bool", default=False),
    admin_password=dict(type="str", no_log=True),
))
MODULE_KWARGS = {}


def validate(params):
    serials = [s.strip() for s in params["serials"]]
    for serial in serials:
        if not ftk.valid_serial(serial):
            raise err.InputError("serials", "%r is not a FortiToken serial number (FTK + 7-13 upper-case letters "
                                            "or digits, e.g. FTKMOB0123456789 or FTK2000123456789)" % serial[:40])
    if len(set(serials)) != len(serials):
        raise err.InputError("serials", "lists a serial twice")
    code = params.get("license_code")
    if code is not None and not ftk.valid_license_code(code):
        raise err.InputError("license_code", "is not a FortiToken Mobile licence code (the 20 characters of the "
                                             "redemption certificate, dashes allowed, e.g. XXXX-XXXX-XXXX-XXXX-XXXX)")
    return serials


def _guard_fortimanager(ctx, client):
    # troubleshooting.md B2: KB 194508 skips activation on a unit managed by FortiManager. User-facing texts cite
    # only public sources (the KB), never the internal reference sections.
    managed = ftk.central_management(client)
    if managed["managed_by_fortimanager"] and not ctx.params["allow_fortimanager_managed"]:
        raise err.FortiFleetError(
            "FortiGate %s is managed by FortiManager %s: its FortiTokens come from FortiManager, so they are not "
            "activated or imported here (KB 194508)." % (ctx.label, managed["fmg"] or ""),
            "Fix the tokens on FortiManager, or set allow_fortimanager_managed: true if this unit manages its own "
            "tokens.")


class Where(object):
    """The VDOMs of the task (``_fortios/vdoms.py``) and the VDOM each token lives in (tokens are per VDOM:
    troubleshooting.md F). On a unit without VDOMs everything is in the task's own VDOM (None)."""

    def __init__(self, ctx, client):
        self.client = client
        self.sweep = _vdoms.vdoms_to_sweep(client, ctx.params)
        self.readable = list(self.sweep.vdoms)
        self.located = {}
        self.refresh()
        for warning in self.sweep.warnings:
            ctx.warn("%s: %s" % (ctx.label, warning))

    def refresh(self):
        """Read the token table of each VDOM; one the token cannot read (403) is left out with a warning."""
        self.located = {}
        for vdom in list(self.readable):
            try:
                self.located.update((s, v) for s, v in ftk.locate(self.client, [vdom]).items()
                                    if s not in self.located)
            except err.PermissionDeniedError as exc:
                if not self.sweep.tagged:
                    raise
                self.readable.remove(vdom)
                self.sweep.unreadable(vdom, exc)
        return self

    def vdom_of(self, serial):
        return self.located.get(serial, (None, None))[0]

    @property
    def home(self):
        """Where missing tokens are imported: the first VDOM of the task (fortigate_vdom, else the first listed)."""
        return self.readable[0] if self.readable else None

    def by_vdom(self, serials):
        """[(vdom, [serials])] in the order of the VDOMs."""
        out = []
        for vdom in self.readable:
            mine = [s for s in serials if self.vdom_of(s) == vdom]
            if mine:
                out.append((vdom, mine))
        return out

    def map(self, serials):
        """serial -> VDOM, for the result (multi-VDOM units only)."""
        return dict((s, self.vdom_of(s)) for s in serials if self.vdom_of(s)) if self.sweep.tagged else {}


def _present(where, serials):
    return [s for s in serials if s in where.located]


def _statuses(client, serials, where=None):
    # monitor user/fortitoken: a map of the tokens and their status (fortios-api.md §5; keys: ftk.status_map), per VDOM.
    status = {}
    for vdom in (where.readable if where is not None else [None]):
        with client.in_vdom(vdom):
            status.update(ftk.status_map(client.get("user/fortitoken", api="monitor").results))
    return dict((s, status.get(s, "")) for s in serials)


def _send_activation(client, bindings):
    sent = []
    for binding in bindings:
        fields = binding["fields"]
        # "email/SMS as configured on the user" (fortios-api.md §5: method email|sms; unset tries SMS first).
        method = "email" if fields.get("email-to") else ("sms" if fields.get("sms-phone") else None)
        body = {"token": fields["fortitoken"]}
        if method:
            body["method"] = method
        with client.in_vdom(binding.get("vdom")):
            client.action("user/fortitoken/send-activation", body)
        sent.append({"token": fields["fortitoken"], "to": transaction.who(binding), "method": method or "default"})
    return sent


def _reimport(ctx, client, serials, statuses, out, diffs, where):
    """State reimported: the plan in check mode, the transaction in a real run. Returns (changed, statuses)."""
    params = ctx.params
    plan = transaction.make_plan(client, serials, statuses, params.get("license_code"), where.located)  # record
    out["reimported"] = plan.serials if plan else []
    out["bindings"] = plan.summary() if plan else []
    if plan is None:
        return False, statuses
    if ctx.check_mode:
        diffs.extend(transaction.token_diffs(client, plan) + transaction.plan_diffs(client, plan))
        return True, statuses
    journal = interrupted.journal_of(params)
    try:
        step_diffs, bindings_after = transaction.execute(client, plan, ctx.label, journal)
    except err.FortiFleetError as exc:
        if (exc.extra or {}).get("rollback", {}).get("left"):
            # The journal entry stays open: every later run reports it and finishes it first.
            exc.findings = list(exc.findings or []) + interrupted.offline_findings(
                params, ctx.label, exc.extra["rollback"]["left"])
        raise
    if params["send_activation"]:
        out["activation_sent"] = _send_activation(client, plan.bindings)
    # KB 194508: a re-added token is not activated again (hardware tokens lock on first activation).
    try:
        statuses = _statuses(client, serials, where)
    except err.FortiOSError as exc:
        # The transaction is done and verified: a failed status read must not turn it into "nothing changed".
        ctx.warn("The re-import of %s on %s completed and every binding was restored, but the token statuses "
                 "could not be read afterwards (%s)." % (", ".join(plan.serials), ctx.label, exc.kind))
        statuses = dict(statuses, **dict((s, "unknown") for s in plan.serials))
    diffs.extend(transaction.token_diffs(client, plan, statuses, bindings_after) + step_diffs)
    return True, statuses


def _activate(ctx, client, serials, statuses, out, where):
    """activate for `new` tokens, provision for timed-out ones: each action at most once per task, only on a
    status that was understood, and not again on a later run while the device shows the same unconfirmed state."""
    serial_of_device = client.device.get("serial") or ctx.label
    memory = Journal(ctx.params.get("journal_dir"))

    def wanted(state, action):
        picked = []
        for s in serials:
            if ftk.canonical_status(statuses.get(s)) != state:
                continue
            if memory.sent_before(serial_of_device, action, s, statuses.get(s)):
                ctx.warn("%s of FortiToken %s on %s was done on an earlier run but not confirmed (status still '%s'): "
                         "not sent again while the status stays the same. Check 'diagnose fortitoken info'."
                         % (action, s, ctx.label, statuses.get(s)))
                continue
            picked.append(s)
        return picked

    new, timed_out = wanted("new", "activate"), wanted("provision timeout", "provision")
    out["activated"], out["provisioned"] = new, timed_out
    if not (new or timed_out) or ctx.check_mode:
        return bool(new or timed_out), statuses
    # Each action in the VDOM of its tokens (the FortiToken Mobile commands are per VDOM: troubleshooting.md F).
    for vdom, mine in where.by_vdom(new):
        with client.in_vdom(vdom):
            client.action("user/fortitoken/activate", {"tokens": mine})
    for vdom, mine in where.by_vdom(timed_out):
        with client.in_vdom(vdom):
            client.action("user/fortitoken/provision", {"tokens": mine})
    if ctx.params["send_activation"]:
        out["activation_sent"] = _send_activation(client, ftk.read_bindings(client, set(new + timed_out),
                                                                            where.readable or [None]))
    after = _statuses(client, serials, where)
    for action, state, sent in (("activate", "new", new), ("provision", "provision timeout", timed_out)):
        for s in sent:
            if ftk.canonical_status(after.get(s)) == state or ftk.canonical_status(after.get(s)) == "unknown":
                # Done, not confirmed: the device took the action but its re-read does not show the effect.
                memory.remember(serial_of_device, action, s, after.get(s))
                ctx.warn("%s of FortiToken %s on %s: done, not confirmed (the status read afterwards is '%s')."
                         % (action, s, ctx.label, after.get(s)))
                out.setdefault("not_confirmed", []).append(s)
    return True, after


def _absent(ctx, client, serials, diffs, where):
    present = _present(where, serials)
    bound = ftk.read_bindings(client, set(present), where.readable or [None])
    if bound:
        # fortios-api.md §2: a token must be unassigned before it is deleted.
        raise err.InputError("serials", "%s still bound to %s; unassign them first (nothing was deleted)" % (
            ", ".join(sorted(set(b["fields"]["fortitoken"] for b in bound))),
            ", ".join(transaction.who(b) for b in bound)))
    deleted = []
    for serial in present:
        with client.in_vdom(where.vdom_of(serial)):
            result = engine.ensure_absent(client, ftk.TOKENS, serial, ctx.check_mode, diff=True)
        if result["changed"]:
            deleted.append(serial)
            diffs.append(result["diff"])
    return bool(deleted), {"deleted": deleted}


def _finish(ctx, out, diffs):
    if ctx.diff and diffs:
        out["diff"] = diffs
    return out


def run(ctx):
    params = ctx.params
    serials = validate(params)
    client = ctx.client()
    state = params["state"]
    diffs = []
    resumed = interrupted.resume(ctx, client)  # an interrupted re-import first, whatever the state
    if resumed is not None and ctx.check_mode:
        # The device is mid-transaction: nothing else is planned until remediate has finished it.
        return _finish(ctx, {"changed": True, "state": state, "resumed": resumed,
                             "findings": resumed.pop("findings")}, diffs)
    if resumed is not None:
        ctx.warn("%s: an interrupted FortiToken re-import was finished from the journal first (%s)."
                 % (ctx.label, "; ".join(resumed["done"]) or "everything was already in place"))
    where = Where(ctx, client)
    if state == "absent":
        changed, out = _absent(ctx, client, serials, diffs, where)
        return _finish(ctx, dict(out, changed=changed or bool(resumed and resumed["done"]), state=state,
                                 **({"resumed": resumed} if resumed else {})), diffs)
    if state in ("active", "reimported"):
        _guard_fortimanager(ctx, client)
    changed, out = False, {"state": state, "added": []}
    missing = sorted(set(serials) - set(_present(where, serials)))
    mobile_missing = [s for s in missing if s.startswith("FTKMOB")]
    code = params.get("license_code")
    if mobile_missing and not code:
        raise err.InputError("license_code", "needed to import mobile tokens %s that the device does not have"
                             % ", ".join(mobile_missing))
    if missing:
        changed, out["added"] = True, missing
        if not ctx.check_mode:
            with client.in_vdom(where.home):  # missing tokens go to the task's first VDOM
                transaction.import_tokens(client, missing, code, ctx.label)
            where.refresh()
        diffs.extend(transaction.import_diffs(client, missing, code))
    statuses = _statuses(client, serials, where)
    if state == "reimported":
        did, statuses = _reimport(ctx, client, serials, statuses, out, diffs, where)
        changed = changed or did
    if state == "active":
        did, statuses = _activate(ctx, client, serials, statuses, out, where)
        changed = changed or did
    out["tokens"] = [dict({"serial": s, "status": statuses.get(s, "")},
                          **({"vdom": where.vdom_of(s)} if where.map([s]) else {})) for s in serials]
    if resumed is not None:
        out["resumed"] = resumed
        changed = changed or bool(resumed["done"])
    out["changed"] = changed
    return _finish(ctx, out, diffs)
