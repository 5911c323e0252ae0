# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The re-import of migrated FortiTokens as one journaled transaction: plan, execute one token at a time, recover.

Internal API of fortifleet.auth: may change in any release.

Tokens in a configuration taken from another unit work only after they are deleted and imported
again (troubleshooting.md B3); a token with a seed line but an error at run time is deleted and
added again by serial, without activating it (troubleshooting.md B5, KB 194508). A token must be
unassigned before it is deleted (fortios-api.md §2), so for EACH token in turn:

  unbind its users/admins -> delete it -> re-import it -> re-bind exactly as before -> verify

so an interruption touches at most one token's bindings. Before the first destructive request the
whole plan (every token with its row and status, every binding with its fields as read) goes into the
durable journal on the controller (``_task/journal.py``), and the step reached is written before each
request. The entry is closed only when a re-read shows every binding equal to the recorded one, field by
field, and every token present. A run that finds the entry open (the run was killed, the device went
away) calls ``recover``: missing tokens are re-added by serial and every binding is put back from the
journal, which completes the re-import of a token already deleted and rolls back one only unbound.

With a licence code, the re-import of each token is one import-mobile of the code: entering the code
again brings back the deleted tokens and leaves the existing ones alone (troubleshooting.md B7, KB 198420),
so each import brings back just the token deleted before it. The licence code is a secret: it is never
journaled, so recovery re-adds by serial (troubleshooting.md B5).

``make_plan`` only reads. ``plan_diffs`` says what the transaction will change, with the engine's
own diff shape (``engine.build_diff``/``engine.masked``), so check mode reports the same entries as a
real run without writing. Every unbind/re-bind goes through ``engine.ensure_present`` and every delete
through ``engine.ensure_absent`` (each reads before it writes and verifies what it wrote); an import is
an action sent at most once per token and never retried.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import firmware_defects
from ansible_collections.fortifleet.auth.plugins.module_utils._task import journal as journals

# What a user/admin holds while its token is deleted (fortios-api.md §2: two-factor and fortitoken).
UNBOUND = {"two-factor": "disable", "fortitoken": ""}
STEPS = ("unbind", "delete", "re-import", "re-bind", "re-read")
# troubleshooting.md B4: a token just added is `new`; it is not activated (troubleshooting.md B5/B6).
STATUS_AFTER_IMPORT = "new"
CLI_TABLE = {"user": "config user local", "admin": "config system admin"}
# The journal entry of a re-import (one per device, keyed by its serial).
KIND = "fortitoken-reimport"


class StepFailed(Exception):
    def __init__(self, step, error, serial=None):
        super(StepFailed, self).__init__(step)
        self.step = step
        self.error = error
        self.serial = serial


class Plan(object):
    """What the re-import will do, from reads only: the tokens, their rows and statuses, their bindings."""

    def __init__(self, serials, rows, statuses, bindings, code, vdoms=None):
        self.serials = list(serials)
        # serial -> its VDOM on a multi-VDOM unit (tokens are per VDOM: troubleshooting.md F); None: the task's own
        self.vdoms = dict((s, v) for s, v in (vdoms or {}).items() if v)
        self.rows = dict(rows)  # serial -> token row (normalised) as read before the transaction
        self.statuses = dict(statuses)
        self.bindings = list(bindings)  # as ftk.read_bindings records them
        self.code = (code or "").strip() or None

    def bound(self, serial):
        return [b for b in self.bindings if b["fields"].get("fortitoken") == serial]

    def vdom_of(self, serial):
        return self.vdoms.get(serial)

    def token_vdoms(self):
        """The VDOMs the plan's tokens live in, in order; [None] (the task's own) on a unit without VDOMs."""
        out = []
        for serial in self.serials:
            if self.vdom_of(serial) not in out:
                out.append(self.vdom_of(serial))
        return out or [None]

    def summary(self):
        """The result's ``bindings`` key (each with its ``vdom`` on a multi-VDOM unit)."""
        return [dict(kind=b["kind"], name=b["name"], token=b["fields"]["fortitoken"],
                     **({"vdom": b["vdom"]} if b.get("vdom") else {})) for b in self.bindings]

    def journal_data(self):
        """What the journal keeps: no secret (the token seed and activation code are left out, the licence code
        is never stored; only whether one was used)."""
        tokens = [dict({"serial": s, "status": self.statuses.get(s, ""),
                        "row": dict((k, v) for k, v in self.rows[s].items() if k not in ftk.TOKENS.secret_keys)},
                       **({"vdom": self.vdom_of(s)} if self.vdom_of(s) else {}))
                  for s in self.serials]
        return {"tokens": tokens, "bindings": self.bindings, "import": "license_code" if self.code else "serial"}

    @classmethod
    def from_entry(cls, entry):
        data = entry.get("data") or {}
        tokens = data.get("tokens") or []
        return cls([t["serial"] for t in tokens], dict((t["serial"], t.get("row") or {}) for t in tokens),
                   dict((t["serial"], t.get("status", "")) for t in tokens), data.get("bindings") or [], None,
                   dict((t["serial"], t.get("vdom")) for t in tokens))


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


def make_plan(client, serials, statuses, code, located=None):
    """Record: the migrated tokens among ``serials``, the VDOM of each, and every user/admin bound to them (reads
    only). ``located`` is ``ftk.locate`` of the VDOMs swept (default: the task's own VDOM).

    None when no token is in the migrated state."""
    # The seed tells a migrated token from another GUI "Error" (troubleshooting.md B3).
    located = located if located is not None else ftk.locate(client)
    rows = dict((s, row) for s, (vdom, row) in located.items())
    broken = [s for s in serials if ftk.is_migrated(statuses.get(s), rows.get(s))]
    if not broken:
        return None
    where = dict((s, located[s][0]) for s in broken if s in located)
    plan = Plan(broken, dict((s, rows.get(s) or {"serial-number": s}) for s in broken), statuses, [], code, where)
    # A token's users are in its VDOM, administrators are global (troubleshooting.md F).
    plan.bindings = ftk.read_bindings(client, set(broken), plan.token_vdoms())
    return firmware_defects.filter_plan(client, plan)  # troubleshooting.md G1/G4: never what cannot come back


def label(client, spec, mkey, vdom=None):
    """The engine's object label, with its VDOM on a multi-VDOM unit."""
    name = engine.object_label(client, spec, mkey)
    return "%s (VDOM %s)" % (name, vdom) if vdom else name


def unbind_diff(client, binding):
    spec = spec_of(binding)
    return engine.build_diff(spec, binding["fields"], UNBOUND, label(client, spec, binding["name"],
                                                                     binding.get("vdom")))


def rebind_diff(client, binding):
    spec = spec_of(binding)
    unbound = dict(binding["fields"], **UNBOUND)
    name = label(client, spec, binding["name"], binding.get("vdom"))
    return engine.build_diff(spec, unbound, binding["fields"], name)


def delete_diff(client, plan, serial):
    name = label(client, ftk.TOKENS, serial, plan.vdom_of(serial))
    return {"before": engine.masked(ftk.TOKENS, plan.rows[serial]), "after": {},
            "before_header": name, "after_header": name}


def token_diffs(client, plan, statuses_after=None, bindings_after=None):
    """One entry per token: its status and the users/admins bound to it, before and after the re-import.

    In check mode (no ``*_after``) the after side is the plan: status ``new``, the same bindings."""
    out = []
    for serial in plan.serials:
        name = label(client, ftk.TOKENS, serial, plan.vdom_of(serial))
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
    """The engine entries of every step, in the order a real run makes them (check mode reports these):
    per token, its unbinds, its delete, its import, its re-binds."""
    out = []
    for serial in plan.serials:
        bound = plan.bound(serial)
        out.extend([unbind_diff(client, b) for b in bound] + [delete_diff(client, plan, serial)]
                   + import_diffs(client, [serial], plan.code) + [rebind_diff(client, b) for b in bound])
    return out


# -- verification ---------------------------------------------------------------------------------------

def mismatches(plan, rows, now, serials=None):
    """What the device shows (token rows ``rows``, bindings ``now``) that differs from the recorded state,
    field by field; only the tokens ``serials`` (all when None) and the bindings recorded for them."""
    wanted = plan.serials if serials is None else serials
    problems = ["token %s is missing" % s for s in wanted if s not in rows]
    # A user name can exist in several VDOMs: a binding is its kind, name and VDOM.
    current = dict(((b["kind"], b["name"], b.get("vdom")), b["fields"]) for b in now)
    for binding in plan.bindings:
        if binding["fields"].get("fortitoken") not in wanted:
            continue
        fields = current.get((binding["kind"], binding["name"], binding.get("vdom")))
        if fields is None:
            problems.append("%s is not bound to %s" % (who(binding), binding["fields"].get("fortitoken")))
            continue
        keys = engine.changed_keys(spec_of(binding), fields, binding["fields"])
        if keys:
            problems.append("%s differs in %s" % (who(binding), ", ".join(keys)))
    return problems


def who(binding):
    """'user alice', 'user alice in VDOM cust1'."""
    where = " in VDOM %s" % binding["vdom"] if binding.get("vdom") else ""
    return "%s %s%s" % (binding["kind"], binding["name"], where)


def read_back(client, plan):
    """(token rows, bindings of the plan's tokens) as the device shows them now, in the plan's VDOMs."""
    located = ftk.locate(client, plan.token_vdoms())
    rows = dict((s, row) for s, (vdom, row) in located.items())
    return rows, ftk.read_bindings(client, set(plan.serials), plan.token_vdoms())


def set_binding(client, binding, fields, diff=False):
    """engine.ensure_present of the binding fields on the existing user/admin, in its VDOM (re-reads and verifies)."""
    with client.in_vdom(binding.get("vdom")):
        return engine.ensure_present(client, spec_of(binding), fields, False, mkey=binding["name"], diff=diff,
                                     create=False)


# -- the transaction ----------------------------------------------------------------------------------

def open_journal(client, journal, plan, host):
    """Write the journal entry before the first destructive request; nothing is sent when it cannot be written."""
    serial = client.device.get("serial")
    if not serial:
        # Every answer carries the device serial (fortios-api.md §6); monitor system/status when none came yet.
        client.get("system/status", api="monitor")
        serial = client.device.get("serial")
    if not serial:
        raise err.FortiFleetError("Cannot re-import FortiTokens on %s: the device did not give its serial number, "
                                  "which keys the journal; nothing was changed." % host)
    try:
        return journal.open(serial, KIND, host, plan.journal_data())
    except (journals.JournalError, OSError, IOError) as exc:
        raise err.FortiFleetError(
            "Cannot re-import FortiTokens on %s: the journal cannot be written (%s); nothing was changed." % (host, exc),
            "Give journal_dir (inventory fortifleet_journal_dir, env FORTIFLEET_JOURNAL_DIR) a writable directory "
            "on a disk that is kept across runs.")


def execute(client, plan, host, journal):
    """Run the transaction one token at a time; returns (engine diff entries of the steps, bindings re-read at the end).

    Raises FortiFleetError with ``extra`` = failed_step and rollback when a step fails; the journal entry stays
    open unless the rollback verified the recorded state."""
    diffs = []
    entry = open_journal(client, journal, plan, host)

    def keep(result):
        if result["changed"]:
            diffs.append(result["diff"])

    def in_its_vdom(serial, action):
        with client.in_vdom(plan.vdom_of(serial)):  # the token's own VDOM (troubleshooting.md F)
            return action()

    def one_token(serial):
        bound = plan.bound(serial)
        steps = (
            ("unbind", lambda: [keep(set_binding(client, b, UNBOUND, diff=True)) for b in bound]),
            ("delete", lambda: in_its_vdom(serial, lambda: keep(engine.ensure_absent(client, ftk.TOKENS, serial,
                                                                                     False, diff=True)))),
            ("re-import", lambda: in_its_vdom(serial, lambda: (import_tokens(client, [serial], plan.code, host),
                                                               diffs.extend(import_diffs(client, [serial],
                                                                                         plan.code))))),
            ("re-bind", lambda: [keep(set_binding(client, b, b["fields"], diff=True)) for b in bound]),
            ("re-read", lambda: verify(client, plan, [serial])),
        )
        for step, action in steps:
            journal.update(entry, step=step, token=serial)  # before the request that makes the step
            try:
                action()
            except (err.FortiFleetError, err.FortiOSError) as exc:
                raise StepFailed(step, exc, serial)

    try:
        for serial in plan.serials:
            one_token(serial)
            entry.setdefault("done", []).append(serial)
        journal.update(entry, step="verify", token=None)
        try:
            now = verify(client, plan)
        except (err.FortiFleetError, err.FortiOSError) as exc:
            raise StepFailed("re-read", exc)
    except StepFailed as failure:
        raise _failed(client, plan, host, failure, journal, entry)
    journal.close(entry["serial"], KIND)
    return diffs, now


def verify(client, plan, serials=None):
    """Re-read and compare with the recorded state field by field; FortiFleetError when anything differs."""
    rows, now = read_back(client, plan)
    problems = mismatches(plan, rows, now, serials)
    if problems:
        raise err.FortiFleetError("the re-read after the re-bind shows: %s." % "; ".join(problems),
                                  "Another process changed the tokens or the users while the task ran.")
    return now


def _failed(client, plan, host, failure, journal, entry):
    done, left = rollback(client, plan)
    if not left:
        left = _close_if_verified(client, plan, journal, entry)
    code = ftk.forticare_error(failure.error) if isinstance(failure.error, err.FortiOSError) else None
    summary = "Rolled back: %s." % ("; ".join(done) or "nothing needed")
    if left:
        summary += " ROLLBACK INCOMPLETE, do by hand: %s. The journal %s keeps what must be restored." % (
            "; ".join(left), journal.path(entry["serial"], KIND))
    where = " (token %s)" % failure.serial if failure.serial else ""
    error = err.FortiFleetError(
        "Failed to re-import FortiTokens %s on %s at step '%s'%s: %s %s"
        % (", ".join(plan.serials), host, failure.step, where, failure.error, summary),
        getattr(failure.error, "hint", None))
    error.findings = [ftk.forticare_finding(code, str(failure.error))] if code else []
    error.extra = {"failed_step": failure.step, "rollback": {"done": done, "left": left}}
    return error


def _close_if_verified(client, plan, journal, entry):
    """Close the entry when a re-read confirms every token and binding as recorded; else what is left."""
    try:
        rows, now = read_back(client, plan)
    except err.FortiOSError as exc:
        return ["could not read the device back to confirm (%s): %s" % (exc.kind, by_hand_text(plan))]
    problems = mismatches(plan, rows, now)
    if problems:
        return problems
    journal.close(entry["serial"], KIND)
    return []


def in_vdom_cli(vdom, lines):
    """CLI lines entered in a VDOM (config vdom / edit <name>), as a multi-VDOM unit needs for per-VDOM tables."""
    return "config vdom / edit %s / %s / end" % (vdom, lines) if vdom else lines


def token_cli(plan, serial):
    return in_vdom_cli(plan.vdom_of(serial), "config user fortitoken / edit %s / end" % serial)


def by_hand(binding):
    """The CLI a human types to put a binding back as recorded (in its VDOM; administrators are global)."""
    fields = binding["fields"]
    sets = ["set %s %s" % (k, fields[k]) for k in ftk.BINDING_FIELDS if fields.get(k) not in (None, "")]
    lines = "%s / edit %s / %s / end" % (CLI_TABLE[binding["kind"]], binding["name"], " / ".join(sets))
    return in_vdom_cli(binding.get("vdom"), lines)


def by_hand_lines(plan):
    """Everything a human restores when the device cannot be read: each token, then each binding."""
    return [token_cli(plan, s) for s in plan.serials] + [by_hand(b) for b in plan.bindings]


def by_hand_text(plan):
    return "make sure tokens %s exist, then %s" % (", ".join(plan.serials),
                                                   "; ".join(by_hand(b) for b in plan.bindings) or "nothing else")


# The device is gone (no connection, no answer, locked out, token refused): every further request of the rollback
# would fail the same way after its retries, and a refused token must not be tried again (fortios-api.md §7).
GONE = ("unreachable", "timeout", "tls_untrusted", "token_rejected", "locked_out")


def rollback(client, plan):
    """Put tokens and bindings back as recorded, through the engine; return (done, left).

    A missing token is re-added by serial (troubleshooting.md B5, KB 194508), never imported with the
    licence code again: the import is not retried. A binding whose token could not be put back is not
    written (FortiOS refuses a fortitoken that does not exist: fortios-api.md §2 datasource). Once the device is
    gone, nothing more is sent: what is left is listed with the CLI to type. The same function recovers an
    interrupted transaction from its journal entry (``recover``)."""
    done, left, missing = [], [], set()
    gone = []
    client.forget_failures()  # the step that failed may have been a read: the rollback asks the device afresh
    try:
        have = set(ftk.locate(client, plan.token_vdoms()))
    except err.FortiOSError as exc:
        have = None
        if exc.kind in GONE:
            gone.append(exc.kind)
        left.append("could not read the tokens back (%s): make sure %s exist (config user fortitoken / edit "
                    "<serial> / end)" % (exc.kind, ", ".join(plan.serials)))
    for serial in plan.serials:
        if have is None or serial in have:
            continue
        if gone:
            missing.add(serial)
            left.append("token %s is missing: re-add it (%s)" % (serial, token_cli(plan, serial)))
            continue
        try:
            with client.in_vdom(plan.vdom_of(serial)):
                engine.ensure_present(client, ftk.TOKENS, {"serial-number": serial}, False, mkey=serial)
            done.append("token %s re-added by serial%s" % (
                serial, " in VDOM %s" % plan.vdom_of(serial) if plan.vdom_of(serial) else ""))
        except err.FortiOSError as exc:
            missing.add(serial)
            if exc.kind in GONE:
                gone.append(exc.kind)
            # The POST may have been refused, or the re-read that verifies it failed: a human checks.
            left.append("token %s is missing, re-adding it failed (%s): re-add it (%s)%s" % (
                serial, exc.kind, token_cli(plan, serial), " or import its licence code again" if plan.code else ""))
    for binding in plan.bindings:
        name = who(binding)
        token = binding["fields"].get("fortitoken")
        if token in missing:
            left.append("%s: once token %s is back, %s" % (name, token, by_hand(binding)))
            continue
        if gone:
            left.append("%s may not be bound as before (%s, nothing more was sent): %s" % (name, gone[0],
                                                                                           by_hand(binding)))
            continue
        try:
            result = set_binding(client, binding, binding["fields"])
        except err.FortiOSError as exc:
            if exc.kind in GONE:
                gone.append(exc.kind)
            left.append("%s is not bound as before (%s): %s" % (name, exc.kind, by_hand(binding)))
            continue
        if result["changed"]:
            done.append("%s bound to %s again" % (name, token))
    return done, left


def recover(client, journal, entry, host):
    """Finish an interrupted transaction from its journal entry: re-add every missing token by serial, put every
    binding back as recorded, verify field by field, then close the entry. Returns what was done; raises
    FortiFleetError (the entry stays open) with the exact steps left for a human."""
    plan = Plan.from_entry(entry)
    done, left = rollback(client, plan)
    if not left:
        left = _close_if_verified(client, plan, journal, entry)
    if left:
        where = " of token %s" % entry["token"] if entry.get("token") else ""
        error = err.FortiFleetError(
            "The interrupted FortiToken re-import on %s (journal %s, stopped at step '%s'%s) could not be finished: "
            "%s. Restored so far: %s." % (host, journal.path(entry["serial"], KIND), entry.get("step"), where,
                                          "; ".join(left), "; ".join(done) or "nothing"),
            "Run again when the device answers; or restore by hand: %s, then delete the journal file."
            % " ; ".join(by_hand_lines(plan)))
        error.extra = {"resume": {"done": done, "left": left, "journal": journal.path(entry["serial"], KIND)}}
        raise error
    return done
