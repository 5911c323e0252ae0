# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Addresses, networks and FortiOS trusthost entries (validated with netaddr).

Internal API of fortifleet.auth: may change in any release.

FortiOS writes IPv4 networks as "a.b.c.d m.m.m.m" and IPv6 ones as a prefix
(fortios-api.md §4: trusthost `ipv4-trusthost` ipv4-classnet, `ipv6-trusthost`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

NETADDR_IMPORT_ERROR = None
try:
    import netaddr
except ImportError:  # pragma: no cover - reported to the user as a missing library
    netaddr = None
    NETADDR_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.errors import FortiFleetError, InputError

# How a trusthost list is applied, defined once (api_user, the api_access role, the fleet's settings):
# add keeps the api-user's trusted hosts and adds the missing ones; exact makes the list exactly the given one.
TRUSTHOST_MODES = ("add", "exact")
# Older words still accepted, with a deprecation warning.
TRUSTHOST_MODE_ALIASES = {"replace": "exact"}

IPV4_ANY = "0.0.0.0 0.0.0.0"
IPV6_ANY = "::/0"
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _require():
    if netaddr is None:
        raise FortiFleetError("The Python library 'netaddr' is required on the controller: %s" % NETADDR_IMPORT_ERROR)


def parse_network(value, field="network"):
    """An IPNetwork from "10.0.0.0/8", "10.0.0.0 255.0.0.0", "10.1.2.3" or an IPv6 prefix."""
    _require()
    text = str(value or "").strip()
    if not text or len(text) > 64 or any(c in text for c in "\r\n\t\"'\\;"):
        raise InputError(field, "%r is not an IPv4/IPv6 address or network" % (value,))
    if " " in text:
        address, dummy, mask = text.partition(" ")
        text = "%s/%s" % (address, mask.strip())
    try:
        network = netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise InputError(field, "%r is not an IPv4/IPv6 address or network" % (value,))
    if network.version == 4 and "/" in text and not _valid_v4_mask(text.split("/", 1)[1]):
        raise InputError(field, "%r has an invalid netmask" % (value,))
    return network.cidr


def _valid_v4_mask(mask):
    if mask.isdigit():
        return 0 <= int(mask) <= 32
    try:
        bits = int(netaddr.IPAddress(mask, version=4))
    except (netaddr.AddrFormatError, ValueError):
        return False
    inverted = (~bits) & 0xFFFFFFFF
    return inverted & (inverted + 1) == 0  # contiguous ones


def is_any(network):
    return network.prefixlen == 0


def allows_everything(networks):
    """The networks of one family that together cover every address (``0.0.0.0/1`` + ``128.0.0.0/1``,
    ``::/1`` + ``8000::/1``), as an IPNetwork of prefix 0 per family; empty when none does. An allow-all made of
    pieces is the same exposure as ``0.0.0.0/0``."""
    _require()
    out = []
    for version in (4, 6):
        merged = netaddr.cidr_merge([n for n in networks if n.version == version])
        out.extend(n for n in merged if n.prefixlen == 0)
    return out


def fortios_ipv4(network):
    """FortiOS ipv4-classnet text: "10.0.0.0 255.0.0.0"."""
    return "%s %s" % (network.network, network.netmask)


def trusthost_entry(network, entry_id):
    if network.version == 4:
        return {"id": entry_id, "type": "ipv4-trusthost", "ipv4-trusthost": fortios_ipv4(network)}
    return {"id": entry_id, "type": "ipv6-trusthost", "ipv6-trusthost": str(network)}


def entry_network(entry):
    """The network an api-user trusthost entry allows, or None for an unusable entry."""
    kind = entry.get("type") or "ipv4-trusthost"
    raw = entry.get(kind) or entry.get("ipv4-trusthost" if kind == "ipv4-trusthost" else "ipv6-trusthost")
    try:
        return parse_network(raw)
    except InputError:
        return None


def entry_networks(entries):
    """Networks of a trusthost table, dropping the unused default of the other family."""
    found = []
    for entry in entries or []:
        network = entry_network(entry)
        if network is not None and network not in found:
            found.append(network)
    return found


def address_in_entries(address, entries):
    _require()
    try:
        ip = netaddr.IPAddress(address)
    except (netaddr.AddrFormatError, ValueError):
        return False
    return any(ip in network for network in entry_networks(entries) if network.version == ip.version)


def is_ipv4(value):
    """A dotted-quad IPv4 address (inet_pton rules: no short forms such as "10.1")."""
    return netaddr is not None and netaddr.valid_ipv4(str(value or ""), netaddr.INET_PTON)


def valid_fqdn(value, max_length=253):
    """A DNS name of at least two labels whose last label is not numeric."""
    name = str(value or "").rstrip(".")
    labels = name.split(".")
    return (0 < len(name) <= max_length and len(labels) >= 2 and all(_LABEL.match(label) for label in labels)
            and not labels[-1].isdigit())


def looks_numeric(value):
    """Dots and digits only: meant as an IPv4 address, so never accepted as a name."""
    return all(part.isdigit() for part in str(value).split("."))
