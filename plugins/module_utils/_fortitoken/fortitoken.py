# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.fortitoken: tokens by serial, activation, and the safe re-import of migrated tokens.

Internal API of fortifleet.auth: may change in any release.

The re-import is a small transaction (ts B3/B5, facts §2: a token must be unassigned before it is deleted):
record every binding -> unbind -> delete -> re-import -> re-bind exactly as before. If a step fails, the
tokens are re-added by serial where they are missing and every binding is put back as recorded; the error
names the failed step and what was restored. activate/import-mobile are sent at most once per task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine as engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk
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

UNBOUND = {"two-factor": "disable", "fortitoken": ""}


class StepFailed(Exception):
    def __init__(self, step, error):
        super(StepFailed, self).__init__(step)
        self.step = step
        self.error = error


def validate(params):
    serials = [s.strip() for s in params["serials"]]
    for serial in serials:
        if not ftk.valid_serial(serial):
            raise err.InputError("serials", "%r is not a FortiToken serial number (FTK + 7-13 upper-case letters "
                                            "or digits, e.g. FTKMOB0123456789 or FTK2000123456789)" % serial[:40])
    if len(set(serials)) != len(serials):
        raise err.InputError("serials", "lists a serial twice")
    code = params.get("license_code")
    if code is not None and not ftk.LICENSE_CODE_RE.match(code.strip()):
        raise err.InputError("license_code", "is not a FortiToken Mobile licence code (5 groups of 4 hexadecimal "
                                             "characters, e.g. XXXX-XXXX-XXXX-XXXX-XXXX)")
    return serials


def _guard_fortimanager(ctx, client):
    managed = ftk.central_management(client)
    if managed["managed_by_fortimanager"] and not ctx.params["allow_fortimanager_managed"]:
        raise err.FortiFleetError(
            "FortiGate %s is managed by FortiManager %s: its FortiTokens come from FortiManager, so they are not "
            "activated or imported here (ts B2)." % (ctx.label, managed["fmg"] or ""),
            "Fix the tokens on FortiManager, or set allow_fortimanager_managed: true if this unit manages its own "
            "tokens.")


def _present(client, serials):
    rows = dict((t["serial-number"], t) for t in engine.read_table(client, ftk.TOKENS))
    return [s for s in serials if s in rows]


def _import(client, serials, code, ctx):
    """Add missing tokens: one import-mobile for the licence code, else one POST per serial."""
    if code:
        client.action("user/fortitoken/import-mobile", {"code": code.strip()})
    else:
        for serial in serials:
            client.post(ftk.TOKENS.path, {"serial-number": serial})
    missing = sorted(set(serials) - set(_present(client, serials)))
    if missing:
        raise err.FortiFleetError(
            "Failed to import FortiTokens on %s: %s did not appear after the import." % (ctx.label, ", ".join(missing)),
            "The licence code does not hold these serials, or FortiGuard does not know them for this unit.")


def _set_binding(client, binding, fields):
    spec = ftk.USERS if binding["kind"] == "user" else ftk.ADMINS
    client.put(spec.path, fields, mkey=binding["name"], headers=spec.extra_headers(client) if spec.extra_headers
               else None)


def _statuses(client, serials):
    status = ftk._status_map(client.get("user/fortitoken", api="monitor").results)
    return dict((s, status.get(s, "")) for s in serials)


def _send_activation(client, bindings):
    sent = []
    for binding in bindings:
        fields = binding["fields"]
        # "email/SMS as configured on the user" (facts §5: method email|sms; unset tries SMS first).
        method = "email" if fields.get("email-to") else ("sms" if fields.get("sms-phone") else None)
        body = {"token": fields["fortitoken"]}
        if method:
            body["method"] = method
        client.action("user/fortitoken/send-activation", body)
        sent.append({"token": fields["fortitoken"], "to": "%s %s" % (binding["kind"], binding["name"]),
                     "method": method or "default"})
    return sent


def _rollback(client, serials, bindings, code):
    """Put tokens and bindings back as recorded; return what was done and what could not be."""
    done, left = [], []
    try:
        have = set(_present(client, serials))
    except err.FortiOSError as exc:
        return done, ["could not read the tokens back (%s)" % exc.kind]
    for serial in serials:
        if serial not in have:
            try:
                client.post(ftk.TOKENS.path, {"serial-number": serial})
                done.append("token %s re-added by serial" % serial)
            except err.FortiOSError:
                left.append("token %s is missing: re-add it (config user fortitoken / edit %s)%s"
                            % (serial, serial, " or import its licence code again" if code else ""))
    for binding in bindings:
        try:
            _set_binding(client, binding, binding["fields"])
            done.append("%s %s bound to %s again" % (binding["kind"], binding["name"], binding["fields"]["fortitoken"]))
        except err.FortiOSError as exc:
            left.append("%s %s: set two-factor %s, fortitoken %s (%s)" % (
                binding["kind"], binding["name"], binding["fields"].get("two-factor"),
                binding["fields"].get("fortitoken"), exc.kind))
    return done, left


def reimport(ctx, client, serials, statuses):
    """The transaction for tokens in the migrated error state."""
    params = ctx.params
    broken = [s for s in serials if ftk.is_migrated(statuses.get(s), None)]
    result = {"reimported": broken, "bindings": []}
    if not broken:
        return False, result
    bindings = ftk.read_bindings(client, set(broken))  # step 1: record
    result["bindings"] = [dict(kind=b["kind"], name=b["name"], token=b["fields"]["fortitoken"]) for b in bindings]
    if ctx.check_mode:
        return True, result
    steps = (
        ("unbind", lambda: [_set_binding(client, b, UNBOUND) for b in bindings]),
        ("delete", lambda: [client.delete(ftk.TOKENS.path, s) for s in broken]),
        ("re-import", lambda: _import(client, broken, params.get("license_code"), ctx)),
        ("re-bind", lambda: [_set_binding(client, b, b["fields"]) for b in bindings]),
    )
    try:
        for step, action in steps:
            try:
                action()
            except (err.FortiFleetError, err.FortiOSError) as exc:
                raise StepFailed(step, exc)
    except StepFailed as failure:
        done, left = _rollback(client, broken, bindings, params.get("license_code"))
        code = ftk.forticare_error(failure.error) if isinstance(failure.error, err.FortiOSError) else None
        summary = "Rolled back: %s." % ("; ".join(done) or "nothing needed")
        if left:
            summary += " ROLLBACK INCOMPLETE, do by hand: %s." % "; ".join(left)
        error = err.FortiFleetError(
            "Failed to re-import FortiTokens %s on %s at step '%s': %s %s"
            % (", ".join(broken), ctx.label, failure.step, failure.error, summary),
            failure.error.hint if hasattr(failure.error, "hint") else None)
        error.findings = [ftk.forticare_finding(code, str(failure.error))] if code else []
        error.extra = {"failed_step": failure.step, "rollback": {"done": done, "left": left}}
        raise error
    if params["send_activation"]:
        result["activation_sent"] = _send_activation(client, bindings)
    return True, result


def _activate(ctx, client, serials, statuses, out):
    """activate for `new` tokens, provision for timed-out ones: each action at most once per task."""
    new = [s for s in serials if statuses.get(s, "").lower() == "new"]
    timed_out = [s for s in serials if statuses.get(s, "").lower() == "provision timeout"]
    out["activated"], out["provisioned"] = new, timed_out
    if not (new or timed_out) or ctx.check_mode:
        return bool(new or timed_out), statuses
    if new:
        client.action("user/fortitoken/activate", {"tokens": new})
    if timed_out:
        client.action("user/fortitoken/provision", {"tokens": timed_out})
    if ctx.params["send_activation"]:
        out["activation_sent"] = _send_activation(client, ftk.read_bindings(client, set(new + timed_out)))
    return True, _statuses(client, serials)


def _absent(ctx, client, serials):
    present = _present(client, serials)
    bound = ftk.read_bindings(client, set(present))
    if bound:
        raise err.InputError("serials", "%s still bound to %s; unassign them first (nothing was deleted)" % (
            ", ".join(sorted(set(b["fields"]["fortitoken"] for b in bound))),
            ", ".join("%s %s" % (b["kind"], b["name"]) for b in bound)))
    if present and not ctx.check_mode:
        for serial in present:
            client.delete(ftk.TOKENS.path, serial)
    return bool(present), {"deleted": present}


def run(ctx):
    params = ctx.params
    serials = validate(params)
    client = ctx.client()
    state = params["state"]
    if state == "absent":
        changed, out = _absent(ctx, client, serials)
        return dict(out, changed=changed, state=state)
    if state in ("active", "reimported"):
        _guard_fortimanager(ctx, client)
    changed, out = False, {"state": state, "added": []}
    missing = sorted(set(serials) - set(_present(client, serials)))
    mobile_missing = [s for s in missing if s.startswith("FTKMOB")]
    if mobile_missing and not params.get("license_code"):
        raise err.InputError("license_code", "needed to import mobile tokens %s that the device does not have"
                             % ", ".join(mobile_missing))
    if missing:
        changed, out["added"] = True, missing
        if not ctx.check_mode:
            _import(client, missing, params.get("license_code"), ctx)
    statuses = _statuses(client, serials)
    if state == "reimported":
        # KB 194508: a re-added token is not activated again (hardware tokens lock on first activation).
        did, details = reimport(ctx, client, serials, statuses)
        changed = changed or did
        out.update(details)
        statuses = _statuses(client, serials) if did and not ctx.check_mode else statuses
    if state == "active":
        did, statuses = _activate(ctx, client, serials, statuses, out)
        changed = changed or did
    out["tokens"] = [{"serial": s, "status": statuses.get(s, "")} for s in serials]
    out["changed"] = changed
    return out
