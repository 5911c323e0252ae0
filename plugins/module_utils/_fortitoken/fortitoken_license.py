# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.fortitoken_license: import a FortiToken Mobile licence code or the trial tokens.

Internal API of fortifleet.auth: may change in any release.

FortiOS cannot tell which tokens a code holds without importing it, so the module keeps a small memory on
the controller, keyed by a salted hash of (device serial, code) and never the code itself: the tokens an
import brought, and FortiCare refusals that cannot change (14 licence expired, 10 card not found; troubleshooting.md B9).
A code whose tokens are present is not imported again, and a permanently refused code is not sent again
unless asked, so a second run makes no write call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import hashlib
import json
import os
import time

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import firmware_defects
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection
from ansible_collections.fortifleet.auth.plugins.module_utils._task.files import atomic_write, writable_path

DEFAULT_MEMORY = "~/.cache/fortifleet/fortitoken-licences.json"

ARGUMENT_SPEC = with_connection(dict(
    license_code=dict(type="str", no_log=True),
    trial=dict(type="bool", default=False),
    serials=dict(type="list", elements="str"),
    memory_file=dict(type="path", default=DEFAULT_MEMORY),
    retry_refused=dict(type="bool", default=False),
    allow_fortimanager_managed=dict(type="bool", default=False),
))
MODULE_KWARGS = {"mutually_exclusive": [["license_code", "trial"]]}


def _key(device_serial, code):
    return hashlib.sha256(("fortifleet:%s:%s" % (device_serial, code.upper())).encode("utf-8")).hexdigest()[:32]


def _load(path):
    try:
        with open(path) as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except (IOError, OSError, ValueError):
        return {}


def _remember(path, key, entry):
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    # Forks of one run write the same file: read-modify-write under an exclusive lock, or entries get lost.
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        data = _load(path)
        data[key] = dict(entry, time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        atomic_write(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def validate(params):
    code = params.get("license_code")
    if not code and not params["trial"]:
        raise err.InputError("license_code", "give a licence code, or trial: true for the free trial tokens")
    if code and not ftk.valid_license_code(code):
        # Only the length has a public source (the 20-character code of the redemption certificate); FortiCare
        # judges the characters, and its refusal is classified below.
        raise err.InputError("license_code", "is not a FortiToken Mobile licence code (the 20 characters of the "
                                             "redemption certificate, dashes allowed, e.g. XXXX-XXXX-XXXX-XXXX-XXXX)")
    for serial in params.get("serials") or []:
        if not ftk.valid_serial(serial):
            raise err.InputError("serials", "%r is not a FortiToken serial number" % serial[:40])
    path = os.path.expanduser(params["memory_file"])
    if not params["trial"]:
        # A missing directory is created on the first write; an existing one must take the file.
        if os.path.exists(os.path.dirname(os.path.abspath(path))) and not writable_path(path):
            raise err.InputError("memory_file", "%s cannot be written" % params["memory_file"])
    return path


# troubleshooting.md G4 (KB 308115, KB 205363): FortiCare 31 means the licence is registered to another unit; only a
# licence transfer at FortiCare (or a new licence) fixes it, so the finding gives those steps, not the raw error.
NOT_THIS_UNIT = 31


def _refused(ctx, code, detail):
    finding = ftk.forticare_finding(code, detail)
    findings = [finding]
    if code == NOT_THIS_UNIT:
        finding = firmware_defects.transfer_finding(detail)
        findings = [finding]
    error = err.FortiFleetError("FortiCare refused the licence on %s: %s" % (ctx.label, detail), finding["remediation"])
    error.findings = findings
    error.extra = {"forticare_error": code}
    return error


def run(ctx):
    params = ctx.params
    memory = validate(params)
    client = ctx.client()
    managed = ftk.central_management(client)
    if managed["managed_by_fortimanager"] and not params["allow_fortimanager_managed"]:
        raise err.FortiFleetError("FortiGate %s is managed by FortiManager %s: licences are imported there, not here."
                                  % (ctx.label, managed["fmg"]), "Set allow_fortimanager_managed: true to override.")
    before = ftk.token_rows(client)
    if params["trial"]:
        trial = sorted(s for s, row in before.items() if ftk.token_type(s, row.get("license")) == "trial")
        if trial:
            return {"changed": False, "tokens": trial, "imported": []}
        if not ctx.check_mode:
            client.action("user/fortitoken/import-trial", {})
        after = ftk.token_rows(client) if not ctx.check_mode else before
        return {"changed": True, "imported": sorted(set(after) - set(before)), "tokens": sorted(after)}

    code = params["license_code"].strip()
    key = _key(client.device.get("serial") or ctx.label, code)
    known = _load(memory).get(key, {})
    expected = params.get("serials") or known.get("tokens") or []
    if expected and all(s in before for s in expected):
        return {"changed": False, "tokens": sorted(expected), "imported": []}
    if known.get("refused") in ftk.FORTICARE_PERMANENT and not params["retry_refused"]:
        detail = "refused with FortiCare error %s on %s; not sent again (retry_refused: true to retry)" % (
            known["refused"], known.get("time"))
        raise _refused(ctx, known["refused"], detail)
    if ctx.check_mode:
        return {"changed": True, "tokens": sorted(expected), "imported": []}
    try:
        client.action("user/fortitoken/import-mobile", {"code": code})
    except err.DeviceRefusedError as exc:
        forticare = ftk.forticare_error(exc)
        if forticare is None:
            raise
        if forticare in ftk.FORTICARE_PERMANENT:
            _remember(memory, key, {"refused": forticare})
        raise _refused(ctx, forticare, "FortiCare error %s (%s)" % (forticare, exc.cli_error or exc.message))
    after = ftk.token_rows(client)
    imported = sorted(set(after) - set(before))
    _remember(memory, key, {"tokens": imported or sorted(expected)})
    return {"changed": bool(imported), "imported": imported, "tokens": imported or sorted(expected)}
