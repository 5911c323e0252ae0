# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.ftm_push: configure config system ftm-push the way this FortiOS version needs.

Internal API of fortifleet.auth: may change in any release.

Facts: fortios-api.md §1 and troubleshooting.md A.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import behaviour, field_supported, first_version_with
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push.diagnosis import (
    FQDN_MAX, IFACE_SPEC, PATH, SPEC, UNSET_IP, allowaccess, blank, callback_address, callback_interface,
    default_cert, interface_address, read_state)
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection

ARGUMENT_SPEC = with_connection(dict(
    status=dict(type="str", choices=["enable", "disable"]),
    server=dict(type="str"),
    server_from_interface=dict(type="str"),
    server_port=dict(type="int"),
    server_cert=dict(type="str"),
    proxy=dict(type="str", choices=["enable", "disable"]),
    interface=dict(type="str"),
    allow_ftm_access=dict(type="bool", default=False),
    ftm_access_interface=dict(type="str"),
))
MUTUALLY_EXCLUSIVE = [["server", "server_from_interface"], ["server", "interface"],
                      ["server_from_interface", "interface"]]
MODULE_KWARGS = {"mutually_exclusive": MUTUALLY_EXCLUSIVE}


# -- the module ----------------------------------------------------------------------------
def _validate_static(params):
    port = params.get("server_port")
    if port is not None and not 1 <= port <= 65535:
        raise err.InputError("server_port", "%s is outside 1-65535" % port)
    server = params.get("server")
    if server is not None:
        if server.strip() != server or not server:
            raise err.InputError("server", "%r is empty or has surrounding spaces" % server)
        if not net.is_ipv4(server) and (net.looks_numeric(server) or not net.valid_fqdn(server, FQDN_MAX)):
            raise err.InputError("server", "%r is neither an IPv4 address nor a valid FQDN (max 127 characters)"
                                 % server)
        if net.is_ipv4(server) and server == UNSET_IP:
            raise err.InputError("server", "0.0.0.0 is not a callback address")
    for field in ("server_cert", "interface", "server_from_interface", "ftm_access_interface"):
        value = params.get(field)
        if value is not None and (not value.strip() or len(value) > 35 or any(c in value for c in "\r\n\"'\\/")):
            raise err.InputError(field, "%r is not a FortiOS object name (at most 35 characters, no quotes, "
                                        "slashes or line breaks)" % value)


def _validate_for_device(params, version, interfaces, certs):
    server = params.get("server")
    uses_server = behaviour("ftm_push_uses_server", version)
    if server and not net.is_ipv4(server) and not uses_server:
        raise err.InputError("server", "%s is an FQDN, but FortiOS %s only has the IPv4 'server-ip' (FQDN needs "
                                       "%s or later)" % (server, version, first_version_with(PATH, "server")))
    for option, field in (("interface", "interface"), ("proxy", "proxy"), ("server_cert", "server-cert")):
        if params.get(option) is not None and not field_supported(PATH, field, version):
            raise err.InputError(option, "FortiOS %s has no ftm-push '%s' (it exists from %s)"
                                 % (version, field, first_version_with(PATH, field)))
    for option in ("interface", "server_from_interface", "ftm_access_interface"):
        name = params.get(option)
        if name is not None and name not in interfaces:
            raise err.InputError(option, "interface '%s' does not exist on the device" % name)
    cert = params.get("server_cert")
    if cert is not None and cert not in certs:
        raise err.InputError("server_cert", "certificate '%s' does not exist on the device (local certificates: %s)"
                             % (cert, ", ".join(sorted(certs)) or "none"))


def _desired_push(params, version, current, interfaces, certs):
    """The ftm-push keys to ensure, consistent with what this version accepts."""
    uses_server = behaviour("ftm_push_uses_server", version)
    desired = {}
    for option, field in (("status", "status"), ("server_port", "server-port"), ("proxy", "proxy")):
        if params.get(option) is not None:
            desired[field] = params[option]
    address = params.get("server")
    if params.get("server_from_interface"):
        address = interface_address(interfaces[params["server_from_interface"]])
        if address is None:
            raise err.InputError("server_from_interface", "interface '%s' has no IPv4 address"
                                 % params["server_from_interface"])
    if params.get("interface"):
        # FortiOS rejects server together with interface (troubleshooting.md A2): clear server.
        desired.update({"interface": params["interface"], "server": ""})
    elif address is None and uses_server and blank(current.get("server")) and not blank(current.get("server-ip")):
        address = current.get("server-ip")  # keep the legacy address, written the way this version needs
    if address is not None:
        if uses_server:
            desired["server"] = address
            if field_supported(PATH, "interface", version) and not blank(current.get("interface")):
                desired["interface"] = ""
        else:
            desired["server-ip"] = address
    if uses_server and ("server" in desired or "interface" in desired) and not blank(current.get("server-ip")):
        desired["server-ip"] = UNSET_IP  # troubleshooting.md A2: server and server-ip together are refused (-56/-7)
    if field_supported(PATH, "server-cert", version):
        cert = params.get("server_cert")
        if cert is None and str(current.get("server-cert") or "").strip() not in certs:
            cert = default_cert(version, certs)
        if cert is not None:
            desired["server-cert"] = cert
    return desired, address


def _access_interface(params, current, interfaces, address):
    name = params.get("ftm_access_interface") or params.get("server_from_interface") or params.get("interface")
    name = name or callback_interface(current, interfaces, address)
    if name is None:
        raise err.InputError("ftm_access_interface", "no interface holds the callback address %s (NAT?): name the "
                                                     "interface that receives the callback" % (address or "(unset)"))
    return name


HELD_BACK = ("FortiToken Mobile push was left disabled: it has no callback address (server/server-ip or interface), "
             "and enabling it would only make phones wait for a push that cannot arrive. Give ftm_push_server (or "
             "ftm_push_server_from_interface) and run again.")


def _hold_back_enable(desired, current, version):
    """Never enable push without a callback address (a new broken state): drop ``status: enable`` from ``desired``
    and say why, or None."""
    if desired.get("status") != "enable" or current.get("status") == "enable":
        return None
    merged = dict(current)
    merged.update(desired)
    if callback_address(version, merged) is not None or not blank(merged.get("interface")):
        return None
    del desired["status"]
    return HELD_BACK


def run(ctx):
    params = ctx.params
    _validate_static(params)
    client = ctx.client()
    version, current, interfaces, certs = read_state(client)
    _validate_for_device(params, version, interfaces, certs)
    desired, address = _desired_push(params, version, current, interfaces, certs)
    held_back = _hold_back_enable(desired, current, version)
    if held_back:
        ctx.warn("%s: %s" % (ctx.label, held_back))
    access_iface = None
    if params["allow_ftm_access"]:
        merged = dict(current)
        merged.update(desired)
        access_iface = _access_interface(params, merged, interfaces, address or callback_address(version, merged))
    diffs = []
    push = engine.ensure_present(client, SPEC, desired, ctx.check_mode, diff=ctx.diff)
    changed_keys = list(push["changed_keys"])
    if "diff" in push:
        diffs.append(push["diff"])
    iface_result = None
    if access_iface:
        row = interfaces[access_iface]
        current_access = str(row.get("allowaccess") or "").strip()
        # Append, so the diff shows exactly one word added and every other value stays.
        wanted = current_access if "ftm" in allowaccess(row) else (current_access + " ftm").strip()
        iface_result = engine.ensure_present(client, IFACE_SPEC, {"name": access_iface, "allowaccess": wanted},
                                             ctx.check_mode, mkey=access_iface, diff=ctx.diff)
        if iface_result["changed"]:
            changed_keys.append("interface/%s/allowaccess" % access_iface)
        if "diff" in iface_result:
            diffs.append(iface_result["diff"])
    out = {"changed": push["changed"] or bool(iface_result and iface_result["changed"]),
           "changed_keys": changed_keys, "ftm_push": push["after"], "version": str(version),
           "callback_interface": access_iface}
    if held_back:
        out["held_back"] = held_back
    if diffs:
        out["diff"] = diffs
    return out
