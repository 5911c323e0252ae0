# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""FortiOS versions and the table of version-dependent fields and behaviours.

Internal API of fortifleet.auth: may change in any release.

Every version rule of the collection lives in the two tables below, as data.
Sources are the fact pages in docs/reference/ (fortios-api.md, troubleshooting.md), cited per row.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# The newest FortiOS release whose rules the collection knows. Newer firmware
# gets a warning and the newest known rules (users asked for exactly this
# fallback in fortinet.fortios #269). troubleshooting.md G6: Fortinet's collection 2.6.0 adds 7.6.7 and
# 8.0.0 with no change named for the objects we touch; 8.0.0's schema was not seen, so it stays "newer".
NEWEST_KNOWN = "7.6.7"

# Releases the collection has rules or facts for (the emulator serves a profile of each);
# troubleshooting.md G1: 7.4.10-7.4.12 and 7.6.6-7.6.7 bound the hardware-token defect below.
KNOWN_RELEASES = ("6.4.9", "6.4.15", "7.0.7", "7.0.12", "7.2.8", "7.4.4", "7.4.8", "7.4.10", "7.4.11", "7.4.12",
                  "7.6.4", "7.6.5", "7.6.6", "7.6.7")

_VERSION_RE = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:[,\s].*)?$")


class FortiOSVersion(object):
    """A FortiOS release number such as ``v7.4.4`` or ``7.0.12``."""

    __slots__ = ("major", "minor", "patch")

    def __init__(self, major, minor=0, patch=0):
        self.major = int(major)
        self.minor = int(minor)
        self.patch = int(patch)

    @classmethod
    def parse(cls, text):
        """Parse ``v7.4.4``, ``7.4.4`` or ``7.4``; raise ValueError otherwise."""
        if isinstance(text, FortiOSVersion):
            return text
        match = _VERSION_RE.match(str(text or ""))
        if not match:
            raise ValueError("'%s' is not a FortiOS version (expected e.g. 7.4.4 or v7.4.4)" % (text,))
        return cls(match.group(1), match.group(2), match.group(3) or 0)

    def as_tuple(self):
        return (self.major, self.minor, self.patch)

    def __eq__(self, other):
        return self.as_tuple() == _coerce(other).as_tuple()

    def __ne__(self, other):
        return not self == other

    def __lt__(self, other):
        return self.as_tuple() < _coerce(other).as_tuple()

    def __le__(self, other):
        return self.as_tuple() <= _coerce(other).as_tuple()

    def __gt__(self, other):
        return self.as_tuple() > _coerce(other).as_tuple()

    def __ge__(self, other):
        return self.as_tuple() >= _coerce(other).as_tuple()

    def __hash__(self):
        return hash(self.as_tuple())

    def __str__(self):
        return "%d.%d.%d" % self.as_tuple()

    def __repr__(self):
        return "FortiOSVersion('%s')" % self

    @property
    def is_newer_than_known(self):
        return self > NEWEST_KNOWN


def _coerce(value):
    return value if isinstance(value, FortiOSVersion) else FortiOSVersion.parse(value)


# Half-open ranges [first, end): ``None`` as end means "still present".
# A field absent from a table is treated as always present.
FIELD_RANGES = {
    # fortios-api.md §1 and troubleshooting A1/A2.
    "system/ftm-push": {
        "status": [("6.0.0", None)],
        "server-port": [("6.0.0", None)],
        # Still in the schema on every version, but not effective from 6.4.10.
        "server-ip": [("6.0.0", None)],
        # COMM 195578: `set server` from 6.4.10 (the collection samples first show it at 7.0.0).
        "server": [("6.4.10", None)],
        "server-cert": [("6.4.0", None)],
        "proxy": [("7.4.1", None)],
        # C proves 7.6.4; the first release is UNCONFIRMED, so 7.6.4 it is.
        "interface": [("7.6.4", None)],
    },
    # fortios-api.md §3: attribute table of endpoint-control/fctems.
    "endpoint-control/fctems": {
        "ems-id": [("7.0.8", "7.1.0"), ("7.2.1", None)],
        # fortios-api.md §3: `status` only exists where the table is keyed by ems-id (C v_range); name-keyed
        # releases have no status field, an entry there is active as long as it exists.
        "status": [("7.0.8", "7.1.0"), ("7.2.1", None)],
        "dirty-reason": [("7.0.8", "7.1.0"), ("7.2.1", None)],
        "serial-number": [("6.2.0", "6.2.8"), ("7.0.8", "7.1.0"), ("7.2.1", None)],
        "tenant-id": [("7.2.1", None)],
        "capabilities": [("7.0.0", None)],
        "interface-select-method": [("7.0.6", "7.1.0"), ("7.2.1", None)],
        "interface": [("7.0.6", "7.1.0"), ("7.2.1", None)],
        "trust-ca-cn": [("7.0.12", "7.1.0"), ("7.2.4", None)],
        "verifying-ca": [("7.4.2", None)],
        "cloud-authentication-access-key": [("7.4.4", None)],
        "fortinetone-cloud-authentication": [("6.2.0", None)],
        "preserve-ssl-session": [("7.0.1", "7.4.5")],
    },
    # fortios-api.md §4/§7: Fortinet says 7.4.5 (the collection schema first shows 7.6.1).
    "system/global": {
        "rest-api-key-url-query": [("7.4.5", None)],
    },
}

# Behaviours that are not a single field. Same half-open ranges.
BEHAVIOUR_RANGES = {
    # fortios-api.md §1 / troubleshooting A2: `server-ip` alone is rejected (-56) from 6.4.10.
    "ftm_push_uses_server": [("6.4.10", None)],
    # fortios-api.md §3: fctems keyed by `name` up to 7.0.7, by integer `ems-id` from 7.0.8 / 7.2.1.
    "fctems_keyed_by_ems_id": [("7.0.8", "7.1.0"), ("7.2.1", None)],
    # fortios-api.md §5: monitor EMS calls take `ems_name` with the name key and `ems_id` after.
    "ems_monitor_takes_ems_id": [("7.0.8", "7.1.0"), ("7.2.1", None)],
    # fortios-api.md §7: a token in the URL query is refused by default from 7.4.5.
    "url_token_refused_by_default": [("7.4.5", None)],
    # fortios-api.md §4: api-user/admin writes and generate-key need the admin password from 7.6.5.
    "admin_password_required": [("7.6.5", None)],
    # fortios-api.md §6: cli_error became a list (7.6.5 sample); older builds send a string.
    "cli_error_is_list": [("7.6.5", None)],
    # fortios-api.md §3: per-VDOM endpoint-control fctems-override and settings `override` from 7.4.0.
    "fctems_override": [("7.4.0", None)],
}

# Known FortiOS defects that change what the collection may do, as data (troubleshooting.md G).
# ``affected``: half-open ranges like the tables above; ``fixed``: the releases that carry the fix.
DEFECTS = {
    # troubleshooting.md G1: activating a hardware token (by serial) fails with "cmdb save error".
    "1218458": {
        "summary": "hardware FortiToken activation fails with 'cmdb save error'",
        "affected": [("7.4.10", "7.4.12"), ("7.6.3", "7.6.7")],
        "fixed": ["7.4.12", "7.6.7", "8.0.0"],
        "token_types": ["hardware"],
        "sources": ["KB 428366", "Fortinet Community post 222475 (bug 1218458)", "KB 232153"],
    },
}


def defects_affecting(version, token_type=None):
    """The ids of the DEFECTS that ``version`` has (only those that concern ``token_type`` when given), sorted."""
    return sorted(key for key, defect in DEFECTS.items()
                  if _in_ranges(version, defect["affected"])
                  and (token_type is None or token_type in defect.get("token_types", [token_type])))


def fixed_releases(defect_id):
    """The releases that fix a defect, for messages ("7.4.12, 7.6.7 or 8.0.0")."""
    fixed = DEFECTS[defect_id]["fixed"]
    return ", ".join(fixed[:-1]) + " or " + fixed[-1] if len(fixed) > 1 else fixed[0]


# fortios-api.md §3: ems-id limits per release.
EMS_ID_MAX = [
    (("7.0.8", "7.1.0"), 5),
    (("7.2.1", "7.2.4"), 5),
    (("7.2.4", None), 7),
]

# fortios-api.md §1: factory default of ftm-push `server-cert`. The release where the
# default became Fortinet_GUI_Server is UNCONFIRMED (T wording implies 7.4.4),
# so callers must check which of the two exists on the device.
FTM_PUSH_DEFAULT_CERTS = [
    (("6.4.0", "7.4.4"), ["Fortinet_Factory", "Fortinet_GUI_Server"]),
    (("7.4.4", None), ["Fortinet_GUI_Server", "Fortinet_Factory"]),
]


def _in_ranges(version, ranges):
    version = _coerce(version)
    for first, end in ranges:
        if version >= first and (end is None or version < end):
            return True
    return False


def field_supported(path, field, version):
    """Whether ``field`` of cmdb table ``path`` exists on ``version``."""
    ranges = FIELD_RANGES.get(path, {}).get(field)
    return True if ranges is None else _in_ranges(version, ranges)


def unsupported_fields(path, fields, version):
    """The subset of ``fields`` that ``version`` does not have, sorted."""
    return sorted(f for f in fields if not field_supported(path, f, version))


def first_version_with(path, field):
    """The first release that has the field, for error messages."""
    ranges = FIELD_RANGES.get(path, {}).get(field)
    return ranges[0][0] if ranges else None


def behaviour(name, version):
    """Whether the named version-dependent behaviour applies to ``version``."""
    return _in_ranges(version, BEHAVIOUR_RANGES[name])


def _lookup(table, version):
    for ranges, value in table:
        if _in_ranges(version, [ranges]):
            return value
    return None


def ems_id_max(version):
    """Highest ems-id on this version, or None where fctems is keyed by name."""
    return _lookup(EMS_ID_MAX, version)


def ftm_push_default_certs(version):
    """Factory certificate candidates for ftm-push server-cert, most likely first."""
    return list(_lookup(FTM_PUSH_DEFAULT_CERTS, version) or [])


def parse_device_version(text, label):
    """A version string from a device; an unknown format is a clear error, not a traceback."""
    try:
        return FortiOSVersion.parse(text)
    except ValueError:
        from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.errors import FortiFleetError
        raise FortiFleetError(
            "FortiGate %s reported a FortiOS version the collection cannot read: %r." % (label, str(text)[:40]),
            "Nothing was changed. Check that the address really is a FortiGate's REST API (a proxy or another "
            "device answering would explain it), and report the version string if it is genuine.")


def device_version(client):
    """The FortiOS version of the device behind ``client`` (fortios-api.md §6: every envelope carries it)."""
    known = client.device.get("version")
    if not known:
        known = client.get("system/status", api="monitor").envelope.get("version")
    return parse_device_version(known, client.label)


def version_warning(version):
    """A warning text for firmware newer than the newest known, else None."""
    version = _coerce(version)
    if version.is_newer_than_known:
        return (
            "FortiOS %s is newer than the newest release this collection knows (%s); "
            "using the rules of %s. Report anything that behaves differently." % (version, NEWEST_KNOWN, NEWEST_KNOWN)
        )
    return None
