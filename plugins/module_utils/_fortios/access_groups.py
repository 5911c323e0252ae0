# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which accprofile permission group each API path needs.

Internal API of fortifleet.auth: may change in any release.

A 403 from FortiOS is an HTML page that never says what is missing, so the
collection names the group itself. The table follows the "Access group" of
each endpoint in the FNDN-generated PHP library (fortios-api.md §5, source P); cmdb
tables follow the same grouping as their GUI area.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Longest prefix wins. Keys are "<api>/<path>".
ACCESS_GROUPS = {
    "monitor/user/fortitoken": "authgrp",
    "cmdb/user/fortitoken": "authgrp",
    "cmdb/user/local": "authgrp",
    "cmdb/user": "authgrp",
    "monitor/endpoint-control": "utmgrp.endpoint-control",
    "cmdb/endpoint-control": "utmgrp.endpoint-control",
    "cmdb/system/ftm-push": "sysgrp",
    "cmdb/system/api-user": "sysgrp.admin",
    "cmdb/system/admin": "sysgrp.admin",
    "cmdb/system/accprofile": "sysgrp.admin",
    "monitor/system/api-user": "sysgrp.admin",
    "cmdb/system/global": "sysgrp.cfg",
    "cmdb/system/central-management": "sysgrp.cfg",
    "monitor/system/central-management": "sysgrp.cfg",
    "monitor/system/fortiguard": "sysgrp.cfg",
    # troubleshooting.md G3: grouped like the other FortiGuard endpoints (ASSUMED: P does not list this one)
    "monitor/fortiguard": "sysgrp.cfg",
    "cmdb/system/fortiguard": "sysgrp.cfg",
    "cmdb/system/interface": "netgrp",
    "monitor/system/interface": "netgrp.cfg",
    "cmdb/certificate": "vpngrp",
    "monitor/system/available-certificates": "any",
    "monitor/system/status": "any",
    "monitor/license/status": "any",
    "cmdb/system": "sysgrp",
}


# fortios-api.md §4 "Operations reserved to super_admin" (FOS#370, TF#331, troubleshooting.md G5): creating or
# changing an administrator or a REST API administrator, and generating its key, succeed only with the
# super_admin profile itself, whatever a custom profile grants.
SUPER_ADMIN_WRITES = ("cmdb/system/api-user", "cmdb/system/admin", "monitor/system/api-user/generate-key")
# troubleshooting.md F/G5 (FOS#226): global objects need an access profile with `scope global` in multi-VDOM mode.
GLOBAL_OBJECTS = ("cmdb/system/ftm-push", "cmdb/system/global", "cmdb/system/admin", "cmdb/system/api-user",
                  "cmdb/system/accprofile", "cmdb/system/central-management", "cmdb/system/fortiguard",
                  "monitor/system/api-user/generate-key")
READ, WRITE = "read", "read-write"

# What each module sends: (what for, api, path, method). docs/least-privilege.md is generated from this table by
# tools/least_privilege.py (a unit test fails when it drifts), and every 403 hint is worded from the same data.
MODULE_REQUESTS = {
    "fortigate_info": [
        ("system facts", "monitor", "system/status", "GET"), ("licence", "monitor", "license/status", "GET"),
        ("hostname, VDOM mode", "cmdb", "system/global", "GET"),
        ("ftm_push subset", "cmdb", "system/ftm-push", "GET"), ("ftm_push subset", "cmdb", "system/interface", "GET"),
        ("ftm_push subset", "cmdb", "certificate/local", "GET"),
        ("ftm_push subset: trusted hosts of administrators", "cmdb", "system/admin", "GET"),
        ("ftm_push subset: FortiGuard path", "monitor", "fortiguard/service-communication-stats", "GET"),
        ("ftm_push subset: FortiGuard proxy", "cmdb", "system/fortiguard", "GET"),
        ("fortitoken subset", "cmdb", "user/fortitoken", "GET"), ("fortitoken subset", "monitor", "user/fortitoken", "GET"),
        ("fortitoken subset: bindings", "cmdb", "user/local", "GET"),
        ("fortitoken subset: central management", "cmdb", "system/central-management", "GET"),
        ("fortitoken subset: FortiGuard", "monitor", "system/fortiguard/server-info", "GET"),
        ("ems subset", "cmdb", "endpoint-control/fctems", "GET"),
        ("ems subset", "monitor", "endpoint-control/ems/status", "GET"),
        ("api_access subset", "cmdb", "system/api-user", "GET"),
    ],
    "ftm_push": [
        ("push settings", "cmdb", "system/ftm-push", "PUT"), ("allowaccess ftm", "cmdb", "system/interface", "PUT"),
    ],
    "fortitoken": [
        ("add / delete tokens (re-import)", "cmdb", "user/fortitoken", "POST"),
        ("add / delete tokens (re-import)", "cmdb", "user/fortitoken", "DELETE"),
        ("unbind / re-bind users", "cmdb", "user/local", "PUT"),
        ("unbind / re-bind administrators", "cmdb", "system/admin", "PUT"),
        ("activate, provision, send activation", "monitor", "user/fortitoken/activate", "POST"),
    ],
    "fortitoken_license": [
        ("import a licence code or the trial tokens", "monitor", "user/fortitoken/import-mobile", "POST"),
    ],
    "ems_connector": [
        ("the connector", "cmdb", "endpoint-control/fctems", "PUT"),
        ("verify the EMS certificate", "monitor", "endpoint-control/ems/verify-cert", "POST"),
    ],
    "api_user": [
        ("create or change the REST API administrator", "cmdb", "system/api-user", "POST"),
        ("create or change the REST API administrator", "cmdb", "system/api-user", "PUT"),
        ("read its access profile", "cmdb", "system/accprofile", "GET"),
        ("generate (rotate) its key", "monitor", "system/api-user/generate-key", "POST"),
    ],
}
# The roles run these modules (roles/*: the fleet module runs each area's steps).
ROLE_MODULES = {
    "preflight": ["fortigate_info"], "report": [],
    "ftm_push": ["fortigate_info", "ftm_push"], "fortitoken": ["fortigate_info", "fortitoken", "fortitoken_license"],
    "ems_connector": ["fortigate_info", "ems_connector"], "api_access": ["fortigate_info", "api_user"],
}


def _matches(key, prefixes):
    return any(key == p or key.startswith(p + "/") for p in prefixes)


def permission(api, path, method):
    """What a request needs: {"group", "level", "super_admin", "global"}."""
    key = "%s/%s" % (api, path.strip("/"))
    write = method != "GET"
    return {"group": access_group(api, path), "level": WRITE if write else READ,
            "super_admin": write and _matches(key, SUPER_ADMIN_WRITES), "global": _matches(key, GLOBAL_OBJECTS)}


def permission_text(api, path, method):
    """The profile words of a 403 hint: "read-write permission on 'sysgrp.admin', the super_admin profile itself ..."."""
    need = permission(api, path, method)
    text = "%s permission on '%s'" % (need["level"], need["group"] or "this area")
    if need["super_admin"]:
        text += (", and the super_admin profile itself (only super_admin may create or change administrators and "
                 "REST API administrators or generate their keys, whatever a custom profile grants; it is assigned "
                 "from the CLI by another super_admin)")
    if need["global"]:
        text += ", with `set scope global` on the profile when the FortiGate runs multiple VDOMs (a global object)"
    return text


def access_group(api, path):
    """The accprofile group for ``api`` ("cmdb"/"monitor") and ``path``, or None."""
    key = "%s/%s" % (api, path.strip("/"))
    best = None
    for prefix, group in ACCESS_GROUPS.items():
        if key == prefix or key.startswith(prefix + "/"):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, group)
    return best[1] if best else None
