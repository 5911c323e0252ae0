# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.api_user: trusthost, profile, VDOMs and key rotation of a REST API admin.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import client_from_params
from ansible_collections.fortifleet.auth.plugins.module_utils._task.files import atomic_write, writable_path

ARGUMENT_SPEC = with_connection(dict(
    name=dict(type="str", required=True),
    trusthost=dict(type="list", elements="str"),
    trusthost_mode=dict(type="str", choices=["add", "exact"], default="add"),
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
        if net.is_any(network) and not params["allow_any_trusthost"]:
            raise err.InputError("trusthost", "%s allows every address; FortiOS refuses 'Allow all' in its "
                                              "GUI and so does this module unless allow_any_trusthost is true"
                                 % raw)
        if network not in networks:
            networks.append(network)
    if params["trusthost_mode"] == "exact" and params.get("trusthost") == []:
        raise err.InputError("trusthost", "an empty list with trusthost_mode exact would leave no trusted host")
    if params["regenerate_key"] and not (params.get("key_file") or params["return_key"]):
        raise err.InputError("key_file", "regenerate_key needs key_file (or return_key: true): the new key is "
                                         "shown only once")
    key_file = params.get("key_file")
    if key_file and not writable_path(key_file):
        raise err.InputError("key_file", "%s is not a writable file path (its directory must exist)" % key_file)
    return networks


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


def _desired(params, current, networks):
    desired = {"name": params["name"]}
    if params.get("trusthost") is not None:
        desired["trusthost"] = _desired_trusthost(current, networks, params["trusthost_mode"])
    if params.get("vdoms") is not None:
        desired["vdom"] = [{"name": v} for v in params["vdoms"]]
    for option in ("accprofile", "cors_allow_origin", "comments"):
        if params.get(option) is not None:
            desired[option.replace("_", "-")] = params[option]
    return desired


def _public(obj):
    return None if obj is None else dict((k, v) for k, v in obj.items() if k != "api-key")


def _lost_answer(name, exc):
    return err.AmbiguousResultError(
        action="run", obj="monitor system/api-user/generate-key", host=exc.host, status=exc.status,
        detail="the request for a new key of api-user '%s' was sent but its answer was lost (%s), so the new "
               "key is unknown and the old key may already be invalid" % (name, exc.message.split(": ", 1)[-1]),
        hint="generate-key was not sent again. To recover, log in with another administrator (GUI or a second "
             "API token) and regenerate the key of '%s' (CLI: execute api-user generate-key %s), then store it "
             "in the inventory; or re-run this task with a working access_token of another api-user."
             % (name, name))


def rotate_key(ctx, client, name):
    """Call generate-key exactly once; store the key before doing anything else with it."""
    params = ctx.params
    try:
        answer = client.action("system/api-user/generate-key", {"api-user": name}, headers=client.admin_headers_if_required())
    except err.AmbiguousResultError as exc:
        raise _lost_answer(name, exc)
    except err.DeviceRefusedError as exc:
        if exc.error_code == -8102:
            raise err.DeviceRefusedError(
                action=exc.action, obj=exc.obj, host=exc.host, detail=exc.message.split(": ", 1)[-1],
                hint="FortiOS 7.6.5+ asks for the administrator password to generate a key: set admin_password "
                     "(inventory fortigate_admin_password). No key was generated.", status=exc.status,
                method=exc.method, path=exc.path, error_code=exc.error_code, cli_error=exc.cli_error)
        raise
    results = answer.results if isinstance(answer.results, dict) else {}
    # fortios-api.md §5: clients read results.access_token; the schema text names api_key.
    key = results.get("access_token") or results.get("api_key") or results.get("api-key")
    if not key:
        raise err.AmbiguousResultError(
            action="run", obj="monitor system/api-user/generate-key", host=client.label,
            detail="the device answered success but returned no key for api-user '%s'" % name,
            hint="The old key may already be invalid. Regenerate the key from the GUI or CLI "
                 "(execute api-user generate-key %s) and store it in the inventory." % name)
    out = {"key_rotated": True, "key_file": params.get("key_file"), "key_verified": None}
    if params.get("key_file"):
        atomic_write(params["key_file"], key + "\n")
    if params["return_key"]:
        out["api_key"] = key
        out["_ansible_no_log"] = True  # the whole result is censored in output; register still holds the key
    if params["verify_new_key"]:
        check = client_from_params(params, ctx.label, access_token=key)
        try:
            check.get("system/status", api="monitor")
        except err.FortiOSError as exc:
            stored = " in %s" % params["key_file"] if params.get("key_file") else ""
            raise err.FortiOSError(
                action="verify", obj="the new key of api-user '%s'" % name, host=client.label,
                detail=exc.message.split(": ", 1)[-1],
                hint="The new key was stored%s but the device does not accept it from this controller: check the "
                     "api-user's trusthost and profile." % stored, status=exc.status)
        finally:
            client.requests_sent += check.requests_sent
        out["key_verified"] = True
    ctx.warn("The key of api-user '%s' on %s was regenerated: the old key no longer works. Store the new key%s "
             "wherever automation reads it (e.g. fortigate_access_token)."
             % (name, ctx.label, " from %s" % params["key_file"] if params.get("key_file") else ""))
    return out


def run(ctx):
    params = ctx.params
    networks = validate(params)
    client = ctx.client()
    name = params["name"]
    current = engine.read(client, SPEC, name)
    if current is None and not params.get("accprofile"):
        raise err.InputError("accprofile", "api-user '%s' does not exist on %s; creating it needs accprofile"
                             % (name, ctx.label))
    desired = _desired(params, current, networks)
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
    if params["regenerate_key"]:
        out["changed"] = True
        if not ctx.check_mode:
            out.update(rotate_key(ctx, client, name))
    return out
