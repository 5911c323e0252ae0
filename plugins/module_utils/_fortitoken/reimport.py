# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The re-import of migrated FortiTokens as one transaction: plan, execute, roll back.

Internal API of fortifleet.auth: may change in any release.

Tokens in a configuration taken from another unit work only after they are deleted and imported
again (troubleshooting.md B3); a token with a seed line but an error at run time is deleted and
added again by serial, without activating it (troubleshooting.md B5, KB 194508). A token must be
unassigned before it is deleted (fortios-api.md §2), so the transaction is:

  record every binding -> unbind -> delete -> re-import -> re-bind exactly as before -> re-read.

``make_plan`` only reads. ``plan_diffs`` says what the transaction will change, with the engine's
own diff shape (``engine.build_diff``/``engine.masked``), so check mode reports the same entries as a
real run without writing. ``execute`` runs it: every unbind/re-bind goes through
``engine.ensure_present`` and every delete through ``engine.ensure_absent`` (each reads before it
writes and verifies what it wrote); the import is an action sent at most once and never retried.
When a step fails, ``rollback`` puts every token back (re-added by serial where it is missing) and
every binding back as recorded, through the engine, and says what it did and what a human must do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk

# What a user/admin holds while its token is deleted (fortios-api.md §2: two-factor and fortitoken).
UNBOUND = {"two-factor": "disable", "fortitoken": ""}
STEPS = ("unbind", "delete", "re-import", "re-bind", "re-read")
# troubleshooting.md B4: a token just added is `new`; it is not activated (troubleshooting.md B5/B6).
STATUS_AFTER_IMPORT = "new"
CLI_TABLE = {"user": "config user local", "admin": "config system admin"}


class StepFailed(Exception):
    def __init__(self, step, error):
        super(StepFailed, self).__init__(step)
        self.step = step
        self.error = error


class Plan(object):
    """What the re-import will do, from reads only: the tokens, their rows and statuses, their bindings."""

    def __init__(self, serials, rows, statuses, bindings, code):
        self.serials = list(serials)
        self.rows = dict(rows)  # serial -> token row (normalised) as read before the transaction
        self.statuses = dict(statuses)
        self.bindings = list(bindings)  # as ftk.read_bindings records them
        self.code = (code or "").strip() or None

    def bound(self, serial):
        return [b for b in self.bindings if b["fields"].get("fortitoken") == serial]

    def summary(self):
        """The result's ``bindings`` key."""
        return [dict(kind=b["kind"], name=b["name"], token=b["fields"]["fortitoken"]) for b in self.bindings]


# -- reads and the import action (also used by state present) ----------------------------------------

def import_tokens(client, serials, code, host):
    """Add missing tokens: one import-mobile for the licence code, else one POST per serial.

    Not idempotent, so sent once and never retried (the client does not retry POSTs); then the
    token table is read back and every serial must be there (troubleshooting.md B7: a licence code
    that does not hold a serial gives no error, the serial is just left out)."""
    if code:
        client.action("user/fortitoken/import-mobile", {"code": code.strip()})
    else:
        for serial in serials:
            client.post(ftk.TOKENS.path, {"serial-number": serial})
    have = ftk.token_rows(client)
    missing = sorted(set(serials) - set(have))
    if missing:
        raise err.FortiFleetError(
            "Failed to import FortiTokens on %s: %s did not appear after the import." % (host, ", ".join(missing)),
            "The licence code does not hold these serials, or FortiGuard does not know them for this unit.")
    return have


def import_diffs(client, serials, code):
    """Diff entries of an import: each token absent before, present after."""
    how = "imported with the licence code (import-mobile)" if code else "added by serial"
    return [{"before": {}, "after": {"serial-number": s},
             "before_header": engine.object_label(client, ftk.TOKENS, s),
             "after_header": "%s (%s)" % (engine.object_label(client, ftk.TOKENS, s), how)} for s in serials]


# -- the plan -----------------------------------------------------------------------------------------

def spec_of(binding):
    return ftk.USERS if binding["kind"] == "user" else ftk.ADMINS


def describe(binding):
    """'user alice (two-factor fortitoken)'."""
    return "%s %s (two-factor %s)" % (binding["kind"], binding["name"], binding["fields"].get("two-factor") or "unset")


def make_plan(client, serials, statuses, code):
    """Step 1, record: the migrated tokens among ``serials`` and every user/admin bound to them (reads only).

    None when no token is in the migrated state."""
    rows = ftk.token_rows(client)  # the seed tells a migrated token from another GUI "Error" (troubleshooting.md B3)
    broken = [s for s in serials if ftk.is_migrated(statuses.get(s), rows.get(s))]
    if not broken:
        return None
    bindings = ftk.read_bindings(client, set(broken))
    return Plan(broken, dict((s, rows.get(s) or {"serial-number": s}) for s in broken), statuses, bindings, code)


def unbind_diff(client, binding):
    spec = spec_of(binding)
    return engine.build_diff(spec, binding["fields"], UNBOUND, engine.object_label(client, spec, binding["name"]))


def rebind_diff(client, binding):
    spec = spec_of(binding)
    unbound = dict(binding["fields"], **UNBOUND)
    return engine.build_diff(spec, unbound, binding["fields"], engine.object_label(client, spec, binding["name"]))


def delete_diff(client, plan, serial):
    name = engine.object_label(client, ftk.TOKENS, serial)
    return {"before": engine.masked(ftk.TOKENS, plan.rows[serial]), "after": {},
            "before_header": name, "after_header": name}


def token_diffs(client, plan, statuses_after=None, bindings_after=None):
    """One entry per token: its status and the users/admins bound to it, before and after the re-import.

    In check mode (no ``*_after``) the after side is the plan: status ``new``, the same bindings."""
    out = []
    for serial in plan.serials:
        name = engine.object_label(client, ftk.TOKENS, serial)
        before_bound = [describe(b) for b in plan.bound(serial)]
        if bindings_after is None:
            after_bound = before_bound
        else:
            after_bound = [describe(b) for b in bindings_after if b["fields"].get("fortitoken") == serial]
        status = STATUS_AFTER_IMPORT if statuses_after is None else statuses_after.get(serial, "")
        out.append({
            "before": {"serial-number": serial, "status": plan.statuses.get(serial, ""), "bound_to": before_bound},
            "after": {"serial-number": serial, "status": status, "bound_to": after_bound},
            "before_header": "%s: migrated, %d binding(s) recorded and removed" % (name, len(before_bound)),
            "after_header": "%s: deleted, %s, %d binding(s) restored" % (
                name, "imported with the licence code" if plan.code else "re-added by serial", len(after_bound)),
        })
    return out


def plan_diffs(client, plan):
    """The engine entries of every step, in the order a real run makes them (check mode reports these)."""
    return ([unbind_diff(client, b) for b in plan.bindings]
            + [delete_diff(client, plan, s) for s in plan.serials]
            + import_diffs(client, plan.serials, plan.code)
            + [rebind_diff(client, b) for b in plan.bindings])


# -- the transaction ----------------------------------------------------------------------------------

def _mismatches(plan, rows, now):
    """What the re-read shows that differs from the recorded state."""
    problems = ["token %s is missing" % s for s in plan.serials if s not in rows]
    current = dict(((b["kind"], b["name"]), b["fields"]) for b in now)
    for binding in plan.bindings:
        fields = current.get((binding["kind"], binding["name"]))
        if fields is None:
            problems.append("%s %s is not bound to %s" % (binding["kind"], binding["name"],
                                                          binding["fields"].get("fortitoken")))
            continue
        keys = engine.changed_keys(spec_of(binding), fields, binding["fields"])
        if keys:
            problems.append("%s %s differs in %s" % (binding["kind"], binding["name"], ", ".join(keys)))
    return problems


def set_binding(client, binding, fields, diff=False):
    """engine.ensure_present of the binding fields on the existing user/admin (re-reads and verifies)."""
    return engine.ensure_present(client, spec_of(binding), fields, False, mkey=binding["name"], diff=diff,
                                 create=False)


def execute(client, plan, host):
    """Run the transaction; returns (engine diff entries of the steps, bindings re-read at the end).

    Raises FortiFleetError with ``extra`` = failed_step and rollback when a step fails."""
    diffs = []

    def keep(result):
        if result["changed"]:
            diffs.append(result["diff"])

    def unbind():
        for binding in plan.bindings:
            keep(set_binding(client, binding, UNBOUND, diff=True))

    def delete():
        for serial in plan.serials:
            keep(engine.ensure_absent(client, ftk.TOKENS, serial, False, diff=True))

    def reimport():
        import_tokens(client, plan.serials, plan.code, host)
        diffs.extend(import_diffs(client, plan.serials, plan.code))

    def rebind():
        for binding in plan.bindings:
            keep(set_binding(client, binding, binding["fields"], diff=True))

    reread_bindings = []

    def reread():
        rows = ftk.token_rows(client)
        now = ftk.read_bindings(client, set(plan.serials))
        problems = _mismatches(plan, rows, now)
        if problems:
            raise err.FortiFleetError("the re-read after the re-bind shows: %s." % "; ".join(problems),
                                      "Another process changed the tokens or the users while the task ran.")
        reread_bindings.extend(now)

    actions = dict(zip(STEPS, (unbind, delete, reimport, rebind, reread)))
    try:
        for step in STEPS:
            try:
                actions[step]()
            except (err.FortiFleetError, err.FortiOSError) as exc:
                raise StepFailed(step, exc)
    except StepFailed as failure:
        raise _failed(client, plan, host, failure)
    return diffs, reread_bindings


def _failed(client, plan, host, failure):
    done, left = rollback(client, plan)
    code = ftk.forticare_error(failure.error) if isinstance(failure.error, err.FortiOSError) else None
    summary = "Rolled back: %s." % ("; ".join(done) or "nothing needed")
    if left:
        summary += " ROLLBACK INCOMPLETE, do by hand: %s." % "; ".join(left)
    error = err.FortiFleetError(
        "Failed to re-import FortiTokens %s on %s at step '%s': %s %s"
        % (", ".join(plan.serials), host, failure.step, failure.error, summary),
        getattr(failure.error, "hint", None))
    error.findings = [ftk.forticare_finding(code, str(failure.error))] if code else []
    error.extra = {"failed_step": failure.step, "rollback": {"done": done, "left": left}}
    return error


def _by_hand(binding):
    """The CLI a human types to put a binding back as recorded."""
    fields = binding["fields"]
    sets = ["set %s %s" % (k, fields[k]) for k in ftk.BINDING_FIELDS if fields.get(k) not in (None, "")]
    return "%s / edit %s / %s / end" % (CLI_TABLE[binding["kind"]], binding["name"], " / ".join(sets))


def rollback(client, plan):
    """Put tokens and bindings back as recorded, through the engine; return (done, left).

    A missing token is re-added by serial (troubleshooting.md B5, KB 194508), never imported with the
    licence code again: the import is not retried. A binding whose token could not be put back is not
    written (FortiOS refuses a fortitoken that does not exist: fortios-api.md §2 datasource)."""
    done, left, missing = [], [], set()
    try:
        have = set(ftk.token_rows(client))
    except err.FortiOSError as exc:
        have = None
        left.append("could not read the tokens back (%s): make sure %s exist (config user fortitoken / edit "
                    "<serial> / end)" % (exc.kind, ", ".join(plan.serials)))
    for serial in plan.serials:
        if have is None or serial in have:
            continue
        try:
            engine.ensure_present(client, ftk.TOKENS, {"serial-number": serial}, False, mkey=serial)
            done.append("token %s re-added by serial" % serial)
        except err.FortiOSError as exc:
            missing.add(serial)
            # The POST may have been refused, or the re-read that verifies it failed: a human checks.
            left.append("token %s is missing, re-adding it failed (%s): re-add it (config user fortitoken / edit %s "
                        "/ end)%s" % (serial, exc.kind, serial, " or import its licence code again" if plan.code else ""))
    for binding in plan.bindings:
        who = "%s %s" % (binding["kind"], binding["name"])
        token = binding["fields"].get("fortitoken")
        if token in missing:
            left.append("%s: once token %s is back, %s" % (who, token, _by_hand(binding)))
            continue
        try:
            result = set_binding(client, binding, binding["fields"])
        except err.FortiOSError as exc:
            left.append("%s is not bound as before (%s): %s" % (who, exc.kind, _by_hand(binding)))
            continue
        if result["changed"]:
            done.append("%s bound to %s again" % (who, token))
    return done, left
