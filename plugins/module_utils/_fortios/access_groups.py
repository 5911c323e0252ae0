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
    "cmdb/system/interface": "netgrp",
    "monitor/system/interface": "netgrp.cfg",
    "cmdb/certificate": "vpngrp",
    "monitor/system/available-certificates": "any",
    "monitor/system/status": "any",
    "monitor/license/status": "any",
    "cmdb/system": "sysgrp",
}


def access_group(api, path):
    """The accprofile group for ``api`` ("cmdb"/"monitor") and ``path``, or None."""
    key = "%s/%s" % (api, path.strip("/"))
    best = None
    for prefix, group in ACCESS_GROUPS.items():
        if key == prefix or key.startswith(prefix + "/"):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, group)
    return best[1] if best else None
