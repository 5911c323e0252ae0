# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FortiToken Mobile push (config system ftm-push): what the FortiGate holds and what is wrong (subset ftm_push).

Internal API of fortifleet.auth: may change in any release.

Facts: fortios-api.md §1 and troubleshooting.md A.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import (
    behaviour, device_version, field_supported, ftm_push_default_certs)

PATH = "system/ftm-push"
UNSET_IP = "0.0.0.0"
DEFAULT_PORT = 4433  # fortios-api.md §1 / troubleshooting.md A1
# fortios-api.md §1: ftm-push is set in the global scope in multi-VDOM mode.
SPEC = engine.ObjectSpec(PATH, scope="global")
IFACE_SPEC = engine.ObjectSpec("system/interface", mkey="name", canonical={"allowaccess": engine.space_set})
# RFC 1918 and the RFC 6598 shared (CGNAT) range: a phone on the Internet cannot call back to these.
PRIVATE_NETS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
FQDN_MAX = 127  # fortios-api.md §1: ftm-push server, max 127 characters

fnd.define("FTM_PUSH_DISABLED", "critical", "ftm_push",
           "FortiToken Mobile push is disabled (config system ftm-push, status disable).",
           "The collection enables it (fortifleet.auth.ftm_push status: enable) once a callback address is set; "
           "without one it stays disabled and FTM_PUSH_SERVER_UNSET says what to give.", auto_fix=True)
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
        # fortios-api.md §5: available-certificates needs only the "any" access group.
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
            fix = default_cert(version, certs) or "a local certificate"
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
        for finding in found:
            if finding["id"] == "FTM_PUSH_DISABLED" and not wanted_server:
                # The collection does not enable push without a callback address (ftm_push.py): a human gives it.
                finding["auto_fix"] = False
                finding["detail"] += "; not enabled while no callback address is set (FTM_PUSH_SERVER_UNSET)"
    if wanted_server and not uses_server and not net.is_ipv4(wanted_server):
        found.append(fnd.finding("FTM_PUSH_FQDN_UNSUPPORTED", "", server=wanted_server, version=str(version)))
    iface = callback_interface(current, interfaces, address)
    facts["callback_interface"] = iface
    # Where the callback would arrive with the wanted server: none when it is an FQDN or an upstream (NAT) address.
    facts["wanted_server_interface"] = (
        next((name for name, row in sorted(interfaces.items()) if interface_address(row) == wanted_server), None)
        if wanted_server else None)
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


def default_cert(version, certs):
    """The factory certificate of this version that exists on the device, or None."""
    for name in ftm_push_default_certs(version):
        if name in certs:
            return name
    return None
