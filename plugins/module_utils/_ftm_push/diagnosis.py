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

import re

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._system import license as _license
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
fnd.define("FTM_PUSH_TRUSTED_HOSTS_ALL", "critical", "ftm_push",
           "Every administrator ({admins}) has trusted hosts: FortiToken Mobile push approvals are refused.",
           "Leave at least one administrator without trusted hosts (KB 277343): choose or create one administrator "
           "and unset all its trusted hosts (config system admin / edit <name> / unset trusthost1 ... trusthost10 / "
           "unset ip6-trusthost1 ... ip6-trusthost10 / end); protect it with a strong password and two-factor "
           "authentication, and limit where the GUI/SSH answer with the interface's allowaccess or a local-in policy "
           "instead. The collection never changes administrators.")
fnd.define("FTM_PUSH_FORTIGUARD_UNREACHABLE", "critical", "ftm_push",
           "The FortiGate cannot reach FortiGuard for {services}: push notifications and token registration leave "
           "through it.",
           "Check, on the FortiGate: that it resolves push.fortinet.com and the FortiGuard servers (execute ping "
           "push.fortinet.com; config system dns: working servers), that a default route leads to the Internet "
           "(get router info routing-table all), that outbound TCP 443 is allowed and not deep-inspected on the way, "
           "and {proxy}. Then look at System > FortiGuard.")

# troubleshooting.md G3: the FortiGuard services whose communication the monitor reports for push and FortiToken.
FORTIGUARD_SERVICES = ("fortitoken_registration", "forticare")
STATS_PATH = "fortiguard/service-communication-stats"
GUARD_SPEC = engine.ObjectSpec("system/fortiguard", scope="global", secret_keys=["proxy-password"])
ADMIN_SPEC = engine.ObjectSpec("system/admin", mkey="name", secret_keys=["password"])
# troubleshooting.md G2: the trusted-host fields of an administrator and the values that mean "not set".
TRUSTHOST_KEY = re.compile(r"^(ip6-)?trusthost\d+$")
UNSET_TRUSTHOSTS = ("", "0.0.0.0 0.0.0.0", "0.0.0.0/0", "0.0.0.0 0", "::/0", "::", "::/128 ::/0")


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
    found.extend(trusted_host_findings(client, facts, current.get("status") == "enable" or bool(wanted_server)))
    found.extend(fortiguard_findings(client, version, current, facts))
    return facts, found


# -- troubleshooting.md G2: push approvals and administrators' trusted hosts -------------------------------------
def restricted(admin):
    """Whether an administrator row has any trusted host set (trusthostN / ip6-trusthostN, or a trusthost table)."""
    for key, value in (admin or {}).items():
        if TRUSTHOST_KEY.match(str(key)) and " ".join(str(value or "").split()) not in UNSET_TRUSTHOSTS:
            return True
        if key == "trusthost" and isinstance(value, list):
            for entry in value:
                kind = (entry or {}).get("type") or "ipv4-trusthost"
                if " ".join(str((entry or {}).get(kind) or "").split()) not in UNSET_TRUSTHOSTS:
                    return True
    return False


def trusted_host_findings(client, facts, push_wanted):
    """FTM_PUSH_TRUSTED_HOSTS_ALL when every administrator has trusted hosts; nothing is ever changed."""
    try:
        admins = engine.read_table(client, ADMIN_SPEC)
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError as exc:
        facts["administrators"] = {"read": False, "error": exc.kind}
        return []
    names = sorted(str(a.get("name")) for a in admins)
    open_admins = [str(a.get("name")) for a in admins if not restricted(a)]
    facts["administrators"] = {"read": True, "count": len(names), "without_trusted_hosts": sorted(open_admins)}
    if admins and not open_admins and push_wanted:
        return [fnd.finding("FTM_PUSH_TRUSTED_HOSTS_ALL", "system/admin: %d administrator(s), all with trusted hosts"
                            % len(names), admins=", ".join(names))]
    return []


# -- troubleshooting.md G3: the FortiGuard path of push --------------------------------------------------------
_OK_WORDS = ("success", "succeeded", "succeed", "ok", "sent", "connected")
_FAIL_WORDS = ("fail", "failed", "failure", "error", "errors", "timeout", "timeouts", "unreachable")
_FLAG_KEYS = ("reachable", "connected", "is_connected", "status", "available")


def _count(value):
    try:
        return int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _tally(node, totals, depth=0):
    """Walk an answer of unknown shape: sum counters named like success/failure, note explicit flags."""
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            _tally(item, totals, depth + 1)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        low = str(key).lower()
        words = set(re.split(r"[^a-z]+", low))
        number = _count(value)
        if number is not None and not isinstance(value, str) and words & set(_OK_WORDS):
            totals["ok"] += number
        elif number is not None and not isinstance(value, str) and words & set(_FAIL_WORDS):
            totals["fail"] += number
        elif low in _FLAG_KEYS and (isinstance(value, bool) or str(value).lower() in _OK_WORDS + _FAIL_WORDS
                                    + ("up", "down", "reachable")):
            good = value if isinstance(value, bool) else str(value).lower() in _OK_WORDS + ("up", "reachable")
            totals["flags"].append(bool(good))
        elif isinstance(value, (dict, list)):
            _tally(value, totals, depth + 1)


def stats_reachability(results):
    """True/False/None from a service-communication-stats answer (its shape is UNCONFIRMED, troubleshooting.md G3):
    explicit flags first; else successes mean reachable, failures without any success mean not; else None."""
    totals = {"ok": 0, "fail": 0, "flags": []}
    _tally(results, totals)
    if totals["flags"]:
        return any(totals["flags"])
    if totals["ok"]:
        return True
    if totals["fail"]:
        return False
    return None


def fortiguard_services(client):
    """{service: True/False/None}; a service the release does not know (404, refused) is left out."""
    out = {}
    for service in FORTIGUARD_SERVICES:
        try:
            answer = client.get(STATS_PATH, api="monitor", params={"service_type": service, "timeslot": "1_hour"})
        except err.DEVICE_GONE:
            raise
        except err.FortiOSError:
            continue
        out[service] = stats_reachability(answer.results)
    return out


def fortiguard_proxy(client, version, current):
    """How push reaches FortiGuard: "direct", or the FortiGuard proxy ftm-push `proxy enable` uses (7.4.1+)."""
    if not field_supported(PATH, "proxy", version) or current.get("proxy") != "enable":
        return {"ftm_push_proxy": current.get("proxy"), "proxy": None}
    try:
        guard = engine.read(client, GUARD_SPEC) or {}
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError:
        return {"ftm_push_proxy": "enable", "proxy": "unknown"}
    server = str(guard.get("proxy-server-ip") or "").strip()
    if blank(server):
        return {"ftm_push_proxy": "enable", "proxy": None}
    return {"ftm_push_proxy": "enable", "proxy": "%s:%s" % (server, guard.get("proxy-server-port") or "")}


def _connected_per_license(client):
    """license/status ``fortiguard.connected`` (fortios-api.md §5, captures; the same read the system subset
    makes): True, False or None (unreadable, or the answer does not say)."""
    try:
        return _license.read(client)["fortiguard_connected"]
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError:
        return None


def fortiguard_findings(client, version, current, facts):
    """FTM_PUSH_FORTIGUARD_UNREACHABLE. The per-service statistics and the FortiGuard proxy only explain a
    symptom: they are read only when license/status does not already say the unit is connected to FortiGuard
    (docs/requests.md), and the proxy only when a service is down."""
    if _connected_per_license(client) is True:
        facts["fortiguard"] = {"services": {}, "proxy": {"ftm_push_proxy": current.get("proxy"), "proxy": None},
                               "connected": True, "source": _license.PATH}
        return []
    services = fortiguard_services(client)
    down = sorted(s for s, reachable in services.items() if reachable is False)
    proxy = fortiguard_proxy(client, version, current) if down else {"ftm_push_proxy": current.get("proxy"),
                                                                     "proxy": None}
    facts["fortiguard"] = {"services": services, "proxy": proxy, "connected": None, "source": STATS_PATH}
    if not down:
        return []
    if proxy["proxy"] and proxy["proxy"] != "unknown":
        advice = ("that the FortiGuard proxy %s answers and lets the FortiGate through (ftm-push proxy is enable, so "
                  "push uses the proxy of config system fortiguard)" % proxy["proxy"])
    elif proxy["ftm_push_proxy"] == "enable":
        advice = ("the proxy: ftm-push proxy is enable, so push uses the FortiGuard proxy settings (config system "
                  "fortiguard proxy-server-ip/port), and none could be read or none is set: push goes direct")
    else:
        advice = "that nothing upstream requires a proxy (ftm-push has no proxy setting or it is disabled)"
    return [fnd.finding("FTM_PUSH_FORTIGUARD_UNREACHABLE", "%s: no successful communication" % STATS_PATH,
                        services=", ".join(down), proxy=advice)]


def default_cert(version, certs):
    """The factory certificate of this version that exists on the device, or None."""
    for name in ftm_push_default_certs(version):
        if name in certs:
            return name
    return None
