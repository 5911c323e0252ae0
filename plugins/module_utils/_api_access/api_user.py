# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.api_user: trusthost, profile, VDOMs and key rotation of a REST API admin.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import client_from_params
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import critical
from ansible_collections.fortifleet.auth.plugins.module_utils._task.files import atomic_write, prove_writable, writable_path
from ansible_collections.fortifleet.auth.plugins.module_utils._task.journal import Journal, JournalError

ARGUMENT_SPEC = with_connection(dict(
    name=dict(type="str", required=True),
    trusthost=dict(type="list", elements="str"),
    trusthost_mode=dict(type="str", choices=list(net.TRUSTHOST_MODES) + sorted(net.TRUSTHOST_MODE_ALIASES),
                        default="add"),
    allow_any_trusthost=dict(type="bool", default=False),
    accprofile=dict(type="str"),
    vdoms=dict(type="list", elements="str"),
    cors_allow_origin=dict(type="str"),
    comments=dict(type="str"),
    regenerate_key=dict(type="bool", default=False),
    key_file=dict(type="path"),
    return_key=dict(type="bool", default=False),
    verify_new_key=dict(type="bool", default=True),
    admin_password=dict(type="str", no_log=True),
))
MODULE_KWARGS = {}

# fortios-api.md §4 field limits.
_LIMITS = {"name": 35, "accprofile": 35, "vdoms": 79, "cors_allow_origin": 269, "comments": 255}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.@-]+$")


def _trusthost_canonical(entries):
    """Trusthost tables compare by the networks they allow, not by entry ids."""
    return sorted(str(n) for n in net.entry_networks(entries or []))


def _vdom_canonical(value):
    return sorted(str(v.get("name") if isinstance(v, dict) else v) for v in (value or []))


SPEC = engine.ObjectSpec(
    "system/api-user", mkey="name", scope="global", secret_keys=["api-key"],
    canonical={"trusthost": _trusthost_canonical, "vdom": _vdom_canonical},
    extra_headers=lambda client: client.admin_headers_if_required())


def validate(params):
    """Every input problem, before any request is sent."""
    for field, limit in _LIMITS.items():
        values = params.get(field)
        for value in (values if isinstance(values, list) else [values]):
            if value is None:
                continue
            if len(value) > limit:
                raise err.InputError(field, "longer than %d characters" % limit)
            if field in ("name", "accprofile", "vdoms") and not _SAFE_NAME.match(value):
                raise err.InputError(field, "%r contains characters FortiOS object names cannot hold "
                                            "(use letters, digits, '_', '-', '.', '@')" % value)
            if any(c in value for c in "\r\n\x00"):
                raise err.InputError(field, "contains a line break or NUL character")
    networks = []
    for raw in params.get("trusthost") or []:
        network = net.parse_network(raw, "trusthost")
        if network not in networks:
            networks.append(network)
    refuse_allow_all(networks, params)
    if net.TRUSTHOST_MODE_ALIASES.get(params["trusthost_mode"], params["trusthost_mode"]) == "exact" \
            and params.get("trusthost") == []:
        raise err.InputError("trusthost", "an empty list with trusthost_mode exact would leave no trusted host")
    if params["regenerate_key"] and not (params.get("key_file") or params["return_key"]):
        raise err.InputError("key_file", "regenerate_key needs key_file (or return_key: true): the new key is "
                                         "shown only once")
    key_file = params.get("key_file")
    if key_file and not writable_path(key_file):
        raise err.InputError("key_file", "%s is not a writable file path (its directory must exist)" % key_file)
    if key_file and params["regenerate_key"]:
        reason = prove_writable(key_file)
        if reason:
            raise err.InputError("key_file", "%s; the key was not rotated" % reason)
    return networks


def trusthost_mode(ctx):
    """The mode, with the deprecated alias mapped to its one word (net.TRUSTHOST_MODES)."""
    mode = ctx.params["trusthost_mode"]
    if mode in net.TRUSTHOST_MODE_ALIASES:
        ctx.warn("trusthost_mode '%s' is deprecated and will be removed in 2.0.0: write '%s'."
                 % (mode, net.TRUSTHOST_MODE_ALIASES[mode]))
        mode = net.TRUSTHOST_MODE_ALIASES[mode]
    return mode


def refuse_allow_all(networks, params, field="trusthost", already=""):
    """'Allow all' in pieces (0.0.0.0/1 + 128.0.0.0/1) is still allow-all: the check is on the union."""
    every = net.allows_everything(networks)
    if every and not params["allow_any_trusthost"]:
        raise err.InputError(field, "%s%s together allow every IPv%d address; FortiOS refuses 'Allow all' in "
                                    "its GUI and so does this module unless allow_any_trusthost is true"
                             % (already, ", ".join(str(n) for n in networks if n.version == every[0].version),
                                every[0].version))


def _desired_trusthost(current, networks, mode):
    entries = list((current or {}).get("trusthost") or [])
    if mode == "exact":
        return [net.trusthost_entry(n, i + 1) for i, n in enumerate(networks)]
    have = net.entry_networks(entries)
    next_id = max([int(e.get("id") or 0) for e in entries] + [0]) + 1
    for network in networks:
        if network not in have:
            entries.append(net.trusthost_entry(network, next_id))
            next_id += 1
    return entries


def _desired(params, current, networks, mode):
    desired = {"name": params["name"]}
    if params.get("trusthost") is not None:
        desired["trusthost"] = _desired_trusthost(current, networks, mode)
        if mode == "add":
            # What the device will trust is the union with what it trusts already.
            refuse_allow_all(net.entry_networks(desired["trusthost"]), params,
                             already="with the trusthosts the api-user already has, ")
    if params.get("vdoms") is not None:
        desired["vdom"] = [{"name": v} for v in params["vdoms"]]
    for option in ("accprofile", "cors_allow_origin", "comments"):
        if params.get(option) is not None:
            desired[option.replace("_", "-")] = params[option]
    return desired


def _public(obj):
    return None if obj is None else dict((k, v) for k, v in obj.items() if k != "api-key")


def _lost_answer(name, exc, journal_path):
    return err.AmbiguousResultError(
        action="run", obj="monitor system/api-user/generate-key", host=exc.host, status=exc.status,
        detail="the request for a new key of api-user '%s' was sent but its answer was lost (%s), so the new "
               "key is unknown and the old key may already be invalid" % (name, exc.message.split(": ", 1)[-1]),
        hint="generate-key was not sent again. To recover, log in with another administrator (GUI or a second "
             "API token) and regenerate the key of '%s' (CLI: execute api-user generate-key %s), then store it "
             "in the inventory; or re-run this task with a working access_token of another api-user. Then remove "
             "the journal entry %s." % (name, name, journal_path))


# Why the lock-out guard retired a token (the last %s is the inventory name of the entry that rotated the key).
RETIRED_SENT = "was retired: generate-key was sent for api-user '%s' on %s"
RETIRED_REGENERATED = "was retired: the key of api-user '%s' on %s was regenerated"
_RETIRED_BY = re.compile(r"^was retired: (?:generate-key was sent for api-user '[^']*'|the key of api-user '[^']*') "
                         r"on (\S+?)(?: was regenerated)?$")


def rotated_by(reason):
    """The inventory name whose key rotation retired a token (from the guard's reason), or None."""
    match = _RETIRED_BY.match(reason or "")
    return match.group(1) if match else None


# The journal kind of a key rotation (_task/journal.py), one entry per device.
ROTATION = "api-key-rotation"


def fallback_path(journal, serial, name):
    """Where a new key goes when its key file cannot take it: beside the journal, 0600, never printed."""
    return os.path.join(journal.directory, "%s.api-key.%s" % (re.sub(r"[^A-Za-z0-9_.-]", "_", str(serial)), name))


def rotation_finding(entry, journal):
    """API_KEY_ROTATION_INCOMPLETE for an open rotation entry: what is known and what a human must do."""
    data = entry.get("data") or {}
    fallback = data.get("fallback")
    where = []
    if entry.get("step") == "stored-fallback" and fallback:
        known = "the new key was received and written to %s (the key file could not take it)" % fallback
    elif entry.get("step") == "answer-lost":
        known = "generate-key was sent but its answer was lost: the new key is unknown"
    else:
        known = "generate-key was sent and the run stopped before its outcome was recorded"
    for path in (data.get("key_file"), fallback):
        if path:
            where.append(path)
    return fnd.finding(
        "API_KEY_ROTATION_INCOMPLETE",
        "%s (journal entry %s, opened %s)" % (known, journal.path(entry["serial"], entry["kind"]), entry.get("opened")),
        user=data.get("api_user") or "?", places=" or ".join(where) or "nowhere",
        journal=journal.path(entry["serial"], entry["kind"]))


def open_rotation(journal, serial, host=None):
    """The device's open key-rotation entry, or None (an unreadable entry counts as open: never ignored).

    Without a serial (the device refused the token, which is what an unfinished rotation leaves behind), the
    entry is found by the inventory name it was opened under."""
    if not serial:
        return _rotation_of_host(journal, host) if host else None
    try:
        return journal.read(serial, ROTATION)
    except JournalError as exc:
        return {"serial": serial, "kind": ROTATION, "step": "unreadable", "data": {"error": str(exc)}}


def _rotation_of_host(journal, host):
    for entry in journal.entries_of_kind(ROTATION):
        if entry.get("host") == host:
            return entry
    return None


def _key_of(answer, name, label):
    results = answer.results if isinstance(answer.results, dict) else {}
    # fortios-api.md §5: clients read results.access_token; the schema text names api_key.
    key = results.get("access_token") or results.get("api_key") or results.get("api-key")
    if not key:
        raise err.AmbiguousResultError(
            action="run", obj="monitor system/api-user/generate-key", host=label,
            detail="the device answered success but returned no key for api-user '%s'" % name,
            hint="The old key may already be invalid. Regenerate the key from the GUI or CLI "
                 "(execute api-user generate-key %s) and store it in the inventory." % name)
    return key


def _store(key, key_file, fallback):
    """Write the key to its file, else to the fallback; returns (where, why the key file failed or None).
    Called inside a critical section: nothing interrupts it."""
    if key_file:
        try:
            atomic_write(key_file, key + "\n")
            return key_file, None
        except (OSError, IOError) as exc:
            failure = "%s could not be written (%s)" % (key_file, exc.strerror or exc)
    else:
        failure = "no key_file was given"
    try:
        atomic_write(fallback, key + "\n")
    except (OSError, IOError) as exc:
        return None, "%s; the fallback %s could not be written either (%s)" % (failure, fallback, exc.strerror or exc)
    return fallback, failure


def _verify(ctx, client, name, key, stored):
    """Try the new key once. 401 = refused, 403 = trusthost/profile, anything transient = not verified yet."""
    check = client_from_params(ctx.params, ctx.label, access_token=key)
    try:
        check.get("system/status", api="monitor")
        return True
    except err.TokenRejectedError as exc:
        raise err.FortiOSError(
            action="verify", obj="the new key of api-user '%s'" % name, host=client.label,
            detail=exc.message.split(": ", 1)[-1], status=exc.status,
            hint="The new key was stored in %s but the device refused it (HTTP 401): the controller's address may "
                 "be outside the api-user's trusthost. It was not tried again (lock-out)." % stored)
    except err.PermissionDeniedError as exc:
        raise err.FortiOSError(
            action="verify", obj="the new key of api-user '%s'" % name, host=client.label,
            detail=exc.message.split(": ", 1)[-1], status=exc.status,
            hint="The new key was stored in %s and the device accepts it, but its admin profile or VDOMs do not "
                 "allow reading system/status: check the api-user's accprofile." % stored)
    except err.FortiOSError as exc:
        # 5xx, timeouts, resets: the device did not say anything about the key.
        ctx.warn("The new key of api-user '%s' on %s could not be verified (%s): the device did not answer "
                 "usefully, which says nothing about the key. It is stored in %s; try it later."
                 % (name, ctx.label, exc.message.split(": ", 1)[-1], stored))
        return False
    finally:
        client.requests_sent += check.requests_sent


def _not_applied(exc):
    """The device certainly did not rotate the key (refused, or the request never left)."""
    return isinstance(exc, (err.DeviceRefusedError, err.TokenRejectedError, err.PermissionDeniedError,
                            err.LockedOutError, err.NotFoundError, err.TLSError)) or (
        isinstance(exc, err.UnreachableError) and not getattr(exc, "maybe_applied", False))


def preflight_rotation(ctx, client):
    """Everything that must hold BEFORE generate-key: the key file can be written, the journal can be written.
    Returns the journal and the fallback path."""
    params = ctx.params
    if params.get("key_file"):
        reason = prove_writable(params["key_file"])
        if reason:
            raise err.InputError("key_file", "%s; the key was not rotated" % reason)
    journal = Journal(params.get("journal_dir"))
    try:
        journal.ensure()
    except JournalError as exc:
        raise err.InputError("journal_dir", "%s; the key was not rotated (the journal records the rotation "
                                            "before it is sent)" % exc)
    return journal


def rotate_key(ctx, client, name):
    """Call generate-key exactly once; store the key before doing anything else with it.

    Before: the key file is proven writable and the intent is in the durable journal. The old token is retired
    in the lock-out guard (it can only fail from now on). Between sending and storing, Ctrl-C/SIGTERM wait
    (interrupts.critical). If the key file cannot take the key, it goes to a 0600 fallback beside the journal,
    and the run stops for this device saying where it is."""
    params = ctx.params
    journal = preflight_rotation(ctx, client)
    serial = client.device.get("serial") or ctx.label
    key_file = params.get("key_file")
    fallback = fallback_path(journal, serial, name)
    intent = {"api_user": name, "key_file": key_file, "fallback": fallback}
    entry = journal.open(serial, ROTATION, ctx.label, intent, step="generate-key")
    stored, failure = None, None
    with critical():
        try:
            answer = client.action("system/api-user/generate-key", {"api-user": name},
                                   headers=client.admin_headers_if_required())
        except err.AmbiguousResultError as exc:
            client.retire_token(RETIRED_SENT % (name, ctx.label))
            journal.update(entry, step="answer-lost")
            raise _lost_answer(name, exc, journal.path(serial, ROTATION))
        except err.FortiOSError as exc:
            if _not_applied(exc):
                journal.close(serial, ROTATION)
            else:
                client.retire_token(RETIRED_SENT % (name, ctx.label))
            if isinstance(exc, err.DeviceRefusedError) and exc.error_code == -8102:
                raise err.DeviceRefusedError(
                    action=exc.action, obj=exc.obj, host=exc.host, detail=exc.message.split(": ", 1)[-1],
                    hint="FortiOS 7.6.5+ asks for the administrator password to generate a key: set admin_password "
                         "(inventory fortigate_admin_password). No key was generated.", status=exc.status,
                    method=exc.method, path=exc.path, error_code=exc.error_code, cli_error=exc.cli_error)
            raise
        client.retire_token(RETIRED_REGENERATED % (name, ctx.label))
        key = _key_of(answer, name, ctx.label)
        if not key_file:
            stored, failure = None, None  # return_key: the key travels only in the (no_log) result
            journal.close(serial, ROTATION)
        else:
            # The key first: nothing else happens before it is on disk.
            stored, failure = _store(key, key_file, fallback)
        if stored == key_file and key_file:
            journal.close(serial, ROTATION)
        elif stored:
            journal.update(entry, step="stored-fallback")
        else:
            journal.update(entry, step="key-lost")
    if stored is None and key_file:
        raise err.FortiFleetError(
            "The key of api-user '%s' on %s CHANGED (the old key no longer works) but could not be stored: %s."
            % (name, ctx.label, failure),
            "Regenerate it from the GUI or CLI (execute api-user generate-key %s) with another administrator, "
            "store it, then remove the journal entry %s." % (name, journal.path(serial, ROTATION)))
    if stored != key_file and key_file:
        error = err.FortiFleetError(
            "The key of api-user '%s' on %s CHANGED (the old key no longer works); %s, so it was written to %s "
            "(mode 0600) instead." % (name, ctx.label, failure, stored),
            "Move it to where automation reads it (e.g. fortigate_access_token) or to %s, then remove the "
            "journal entry %s." % (key_file, journal.path(serial, ROTATION)))
        error.extra = {"key_rotated": True, "key_file": stored, "changed": True}
        raise error
    out = {"key_rotated": True, "key_file": stored, "key_verified": None}
    if params["return_key"]:
        out["api_key"] = key
        out["_ansible_no_log"] = True  # the whole result is censored in output; register still holds the key
    if params["verify_new_key"]:
        out["key_verified"] = _verify(ctx, client, name, key, stored)
    ctx.warn("The key of api-user '%s' on %s was regenerated: the old key no longer works. Store the new key "
             "from %s wherever automation reads it (e.g. fortigate_access_token)."
             % (name, ctx.label, stored or "the registered result (return_key)"))
    return out


def key_client(ctx, key):
    """A client of the same device that sends ``key`` (a key kept by an earlier rotation)."""
    return client_from_params(ctx.params, ctx.label, access_token=key)


def complete_from_fallback(ctx, client, journal, entry):
    """An earlier rotation stored its key in the fallback beside the journal (the key file could not take it).
    If the device accepts that key and the key file can take it now, move it there and close the entry; True
    when done. Otherwise the entry stays open and its finding says where the key is. The key is never printed."""
    data = entry.get("data") or {}
    fallback, key_file, name = data.get("fallback"), data.get("key_file"), data.get("api_user")
    if not (fallback and key_file and os.path.isfile(fallback)) or prove_writable(key_file):
        return False
    try:
        with open(fallback) as handle:
            key = handle.read().strip()
    except (IOError, OSError):
        return False
    if not key:
        return False
    probe = key_client(ctx, key)
    try:
        # One read with the stored key (fortios-api.md §5: the key generate-key answered is the one in force
        # unless another rotation followed). A 401 is not retried (lock-out, fortios-api.md §7).
        probe.get("system/status", api="monitor")
    except err.FortiOSError as exc:
        ctx.warn("The key of api-user '%s' kept in %s was not moved to %s: the device did not accept it (%s)."
                 % (name, fallback, key_file, exc.message.split(": ", 1)[-1].replace(key, "********")))
        return False
    finally:
        client.requests_sent += probe.requests_sent
    with critical():
        atomic_write(key_file, key + "\n")
        journal.close(entry["serial"], ROTATION)
        os.unlink(fallback)
    ctx.warn("The key of api-user '%s' on %s that an earlier run kept in %s (the device accepts it) was moved to "
             "%s; the journal entry is closed. Store it wherever automation reads it."
             % (name, ctx.label, fallback, key_file))
    return True


def run(ctx):
    params = ctx.params
    networks = validate(params)
    client = ctx.client()
    name = params["name"]
    current = engine.read(client, SPEC, name)
    if current is None and not params.get("accprofile"):
        raise err.InputError("accprofile", "api-user '%s' does not exist on %s; creating it needs accprofile"
                             % (name, ctx.label))
    desired = _desired(params, current, networks, trusthost_mode(ctx))
    try:
        result = engine.ensure_present(client, SPEC, desired, ctx.check_mode, mkey=name, diff=ctx.diff)
    except err.DeviceRefusedError as exc:
        if exc.error_code == -8102:
            exc.hint = ("FortiOS 7.6.5+ asks for the administrator password to change api-users: set admin_password "
                        "(inventory fortigate_admin_password). Nothing was changed.")
        raise
    out = {"changed": result["changed"], "operation": result["operation"], "changed_keys": result["changed_keys"],
           "api_user": _public(result["after"]), "key_rotated": False}
    if "diff" in result:
        out["diff"] = result["diff"]
    journal = Journal(params.get("journal_dir"))
    pending = open_rotation(journal, client.device.get("serial") or ctx.label)
    if params["regenerate_key"]:
        out["changed"] = True
        if not ctx.check_mode:
            # A new rotation supersedes an unfinished one: its key is known once this one completes.
            out.update(rotate_key(ctx, client, name))
            return out
    if pending is not None and pending.get("step") == "stored-fallback" and not ctx.check_mode:
        if complete_from_fallback(ctx, client, journal, pending):
            out["changed"] = True
            out["key_file"] = (pending.get("data") or {}).get("key_file")
            pending = None
    if pending is not None:
        out["findings"] = [rotation_finding(pending, journal)]
        ctx.warn("An earlier key rotation on %s did not complete: %s" % (ctx.label, out["findings"][0]["detail"]))
    return out
