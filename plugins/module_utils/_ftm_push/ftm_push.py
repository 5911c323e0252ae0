# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FortiToken Mobile push (config system ftm-push): diagnosis and the ftm_push module's logic.

Internal API of fortifleet.auth: may change in any release.

Facts: fortios-api-facts.md §1 and troubleshooting-facts.md section A.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine as engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import (
    behaviour, device_version, field_supported, first_version_with, ftm_push_default_certs)

PATH = "system/ftm-push"
UNSET_IP = "0.0.0.0"
DEFAULT_PORT = 4433  # facts §1 / ts A1
# facts §1: ftm-push is set in the global scope in multi-VDOM mode.
SPEC = engine.ObjectSpec(PATH, scope="global")
IFACE_SPEC = engine.ObjectSpec("system/interface", mkey="name", canonical={"allowaccess": engine.space_set})
# RFC 1918 and the RFC 6598 shared (CGNAT) range: a phone on the Internet cannot call back to these.
PRIVATE_NETS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
FQDN_MAX = 127  # facts §1: ftm-push server, max 127 characters

fnd.define("FTM_PUSH_DISABLED", "critical", "ftm_push",
           "FortiToken Mobile push is disabled (config system ftm-push, status disable).",
           "The collection enables it (fortifleet.auth.ftm_push status: enable).", auto_fix=True)
fnd.define("FTM_PUSH_SERVER_CERT_MISSING", "critical", "ftm_push",
           "ftm-push server-cert is {problem}: phones show 'invalid server certificate' when approving.",
           "The collection sets server-cert to {fix} (the factory certificate of this FortiOS version, or the one "
           "you chose).", auto_fix=True)
fnd.define("FTM_PUSH_SERVER_UNSET", "critical", "ftm_push",
           "No callback address is set for FortiToken Mobile push ({field} is empty).",
           "Give the public address or FQDN phones call back to (ftm_push_server), or the WAN interface to take it "
           "from (ftm_push_server_from_interface); the collection then writes it.")
fnd.define("FTM_PUSH_LEGACY_SERVER_IP", "critical", "ftm_push",
           "Only the legacy server-ip ({address}) is set; FortiOS {version} ignores it and needs 'server'.",
           "The collection moves the address to 'server' and clears 'server-ip' (FortiOS 6.4.10+ rejects "
           "server-ip alone with error -56).", auto_fix=True)
fnd.define("FTM_PUSH_FQDN_UNSUPPORTED", "critical", "ftm_push",
           "The wanted callback {server} is a name, but FortiOS {version} only takes an IPv4 server-ip.",
           "Use the public IPv4 address on this unit, or upgrade to FortiOS 6.4.10 or later, which has "
           "'server' with FQDN support.")
fnd.define("FTM_PUSH_NO_FTM_ACCESS", "critical", "ftm_push",
           "Interface {interface} receives the push callback but its allowaccess lacks 'ftm'.",
           "The collection adds 'ftm' to allowaccess of {interface}, keeping its other values.", auto_fix=True)
fnd.define("FTM_PUSH_PORT_CONFLICT", "critical", "ftm_push",
           "The push callback port {port} is also used by {service}.",
           "Move one of them: change ftm-push server-port (ftm_push_server_port) or the other service's port. "
           "No other FortiGate service may listen on the push port.")
fnd.define("FTM_PUSH_PRIVATE_ADDRESS", "warning", "ftm_push",
           "The callback address {address} is private (RFC 1918/CGNAT): phones on the Internet cannot reach it.",
           "If the FortiGate is behind NAT, set the upstream public address (or an FQDN that follows it) as the "
           "server and forward TCP {port} on the upstream router to {address}:{port}. A human must do the "
           "port-forward.")

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


# -- reading -------------------------------------------------------------------------------
def interface_address(row):
    """The IPv4 address of a cmdb interface row ("a.b.c.d m.m.m.m"), or None."""
    text = str((row or {}).get("ip") or "").split()
    return text[0] if text and text[0] != UNSET_IP and net.is_ipv4(text[0]) else None


def allowaccess(row):
    return engine.space_set((row or {}).get("allowaccess"))


def blank(value):
    return str(value or "").strip() in ("", UNSET_IP)


def read_state(client):
    """Everything the diagnosis and the module need, in one place."""
    version = device_version(client)
    current = engine.read(client, SPEC)
    interfaces = dict((row.get("name"), row) for row in engine.read_table(client, IFACE_SPEC))
    certs = local_certificates(client)
    return version, current or {}, interfaces, certs


def local_certificates(client):
    try:
        rows = engine.read_table(client, engine.ObjectSpec("certificate/local", mkey="name"))
        return set(row.get("name") for row in rows)
    except err.PermissionDeniedError:
        # facts §5: available-certificates needs only the "any" access group.
        results = client.get("system/available-certificates", api="monitor").results or []
        return set(row.get("name") for row in results if isinstance(row, dict))


def callback_address(version, current):
    """The address phones call back to, as the device is configured now."""
    if behaviour("ftm_push_uses_server", version):
        return None if blank(current.get("server")) else current.get("server")
    return None if blank(current.get("server-ip")) else current.get("server-ip")


def callback_interface(current, interfaces, address):
    """The interface that receives the callback: `interface` (7.6.4+), else the owner of the address."""
    if not blank(current.get("interface")):
        return current.get("interface")
    for name, row in sorted(interfaces.items()):
        if address and interface_address(row) == address:
            return name
    return None


def _is_private(address):
    if not net.is_ipv4(address):
        return False
    ip = net.netaddr.IPAddress(address)
    return any(ip in net.netaddr.IPNetwork(block) for block in PRIVATE_NETS)


def diagnose(client, wanted_server=None, glob=None):
    """Facts and findings for the ftm_push subset."""
    version, current, interfaces, certs = read_state(client)
    found = []
    uses_server = behaviour("ftm_push_uses_server", version)
    address = callback_address(version, current)
    facts = {"config": current, "callback_address": address, "callback_interface": None,
             "server_field": "server" if uses_server else "server-ip"}
    if current.get("status") != "enable":
        found.append(fnd.finding("FTM_PUSH_DISABLED", "status is %s" % current.get("status")))
    if field_supported(PATH, "server-cert", version):
        cert = str(current.get("server-cert") or "").strip()
        if not cert or cert not in certs:
            fix = _default_cert(version, certs) or "a local certificate"
            problem = "empty" if not cert else "'%s', which does not exist" % cert
            found.append(fnd.finding("FTM_PUSH_SERVER_CERT_MISSING", "server-cert=%r" % current.get("server-cert"),
                                     problem=problem, fix=fix))
    legacy = uses_server and address is None and not blank(current.get("server-ip"))
    if legacy:
        address = current.get("server-ip")
        facts["callback_address"] = address
        found.append(fnd.finding("FTM_PUSH_LEGACY_SERVER_IP", "server empty, server-ip=%s" % address,
                                 address=address, version=str(version)))
    elif address is None and blank(current.get("interface")):
        found.append(fnd.finding("FTM_PUSH_SERVER_UNSET", "", field="server" if uses_server else "server-ip"))
    if wanted_server and not uses_server and not net.is_ipv4(wanted_server):
        found.append(fnd.finding("FTM_PUSH_FQDN_UNSUPPORTED", "", server=wanted_server, version=str(version)))
    iface = callback_interface(current, interfaces, address)
    facts["callback_interface"] = iface
    if iface and iface in interfaces and "ftm" not in allowaccess(interfaces[iface]):
        found.append(fnd.finding("FTM_PUSH_NO_FTM_ACCESS", "allowaccess=%s" % interfaces[iface].get("allowaccess"),
                                 interface=iface))
    port = int(current.get("server-port") or DEFAULT_PORT)
    for key, service in (("admin-sport", "HTTPS administrative access (admin-sport)"),
                         ("admin-port", "HTTP administrative access (admin-port)")):
        if glob and str(glob.get(key)) == str(port):
            found.append(fnd.finding("FTM_PUSH_PORT_CONFLICT", "system/global %s=%s" % (key, glob.get(key)),
                                     port=port, service=service))
    if address and _is_private(address):
        found.append(fnd.finding("FTM_PUSH_PRIVATE_ADDRESS", "", address=address, port=port))
    return facts, found


# -- the module ----------------------------------------------------------------------------
def _default_cert(version, certs):
    for name in ftm_push_default_certs(version):
        if name in certs:
            return name
    return None


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
        # FortiOS rejects server together with interface (ts A2): clear server.
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
        desired["server-ip"] = UNSET_IP  # ts A2: server and server-ip together are refused (-56/-7)
    if field_supported(PATH, "server-cert", version):
        cert = params.get("server_cert")
        if cert is None and str(current.get("server-cert") or "").strip() not in certs:
            cert = _default_cert(version, certs)
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


def run(ctx):
    params = ctx.params
    _validate_static(params)
    client = ctx.client()
    version, current, interfaces, certs = read_state(client)
    _validate_for_device(params, version, interfaces, certs)
    desired, address = _desired_push(params, version, current, interfaces, certs)
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
    if diffs:
        out["diff"] = diffs
    return out
