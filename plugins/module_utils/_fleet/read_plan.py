# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A device's read plan: the reads its preflight and areas will make, declared up front, so that they go out in
parallel (at most the client's fan-out at a time) right after the first request has proven the token, and the
diagnoses then find them in the client's read cache.

Internal API of fortifleet.auth: may change in any release.

docs/requests.md lists every read, when it is made and why. A read is planned only when the diagnosis of a
healthy device makes it; reads that only explain a symptom (the FortiGuard statistics, the per-entry EMS status,
the HA members) are left to the code that needs them. A read the plan forgets is only slower (the code asks the
device itself); a read the plan makes in vain costs one request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import vdoms as _vdoms
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import web_ui
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import FortiOSVersion, behaviour

# (api, path, params, scope): scope "global", "vdom" (the task's VDOM) or a VDOM's name.
GLOBAL_SETTINGS = ("cmdb", "system/global", None, "global")
LICENSE = ("monitor", "license/status", None, "vdom")
TOKEN_MAP = ("monitor", "user/fortitoken", None, "vdom")
EMS_SUMMARY = ("monitor", "endpoint-control/ems/status-summary", None, "vdom")
ADMINS = ("cmdb", "system/admin", None, "vdom")
CENTRAL_MANAGEMENT = ("cmdb", "system/central-management", None, "global")
HA_SETTINGS = ("cmdb", "system/ha", None, "global")

# What each preflight subset and each area reads on every device (their diagnoses, in _<area>/diagnosis.py).
SUBSET_READS = {
    # _api_access/diagnosis.py: the access probes, the URL-token setting (7.4.5+).
    "api_access": [("cmdb", "system/ftm-push", None, "global"), TOKEN_MAP, EMS_SUMMARY, GLOBAL_SETTINGS],
    # _system/diagnosis.py and topology.py: VDOM mode, licence, HA mode, central management.
    "system": [GLOBAL_SETTINGS, LICENSE, HA_SETTINGS, CENTRAL_MANAGEMENT],
}
AREA_READS = {
    # _ftm_push/diagnosis.py: the push settings, interfaces (callback, allowaccess), certificates, administrators.
    "ftm_push": [("cmdb", "system/ftm-push", None, "global"), ("cmdb", "system/interface", None, "vdom"),
                 ("cmdb", "certificate/local", None, "vdom"), ADMINS, GLOBAL_SETTINGS, LICENSE],
    # _fortitoken/diagnosis.py: tokens (config and runtime), their users and administrators, FortiManager,
    # FortiGuard (license/status).
    "fortitoken": [("cmdb", "user/fortitoken", None, "vdom"), TOKEN_MAP, ("cmdb", "user/local", None, "vdom"),
                   ADMINS, CENTRAL_MANAGEMENT, LICENSE],
    # _ems/diagnosis.py: the connector table, the licence (evaluation), the summary of every connector's state.
    "ems_connector": [("cmdb", "endpoint-control/fctems", None, "global"), LICENSE, EMS_SUMMARY],
    "api_access": [],
}
# Per-VDOM tables the areas sweep on a multi-VDOM unit (troubleshooting.md F).
VDOM_READS = {
    "fortitoken": [("cmdb", "user/fortitoken", None), ("monitor", "user/fortitoken", None),
                   ("cmdb", "user/local", None)],
}


def first_wave(subsets, roles, answered=()):
    """The reads every device of this run makes after the token is proven, in order, each once; ``answered``: the
    reads the proving answer made needless (settled())."""
    plan = []
    for read in [r for s in subsets for r in SUBSET_READS.get(s, [])] + \
            [r for role in roles for r in AREA_READS.get(role, [])]:
        if read not in plan and read not in answered:
            plan.append(read)
    return plan


def settled(client):
    """The reads web-ui/state already answered (_fortios/web_ui.py): system/ha when it says standalone,
    system/central-management when it says not centrally managed; _system/topology.py then reads neither."""
    return [read for read, known in ((HA_SETTINGS, web_ui.standalone(client)),
                                     (CENTRAL_MANAGEMENT, web_ui.unmanaged(client))) if known]


def vdom_wave(client, roles, version):
    """On a multi-VDOM unit, the per-VDOM reads of every VDOM (read once the VDOM list is known); else none."""
    mode = _vdoms.vdom_mode(client)
    if mode not in _vdoms.MULTI_VDOM_MODES:
        return []
    names = _vdoms.vdom_names(client) or []
    plan = []
    for vdom in names:
        for role in roles:
            plan.extend((api, path, params, vdom) for api, path, params in VDOM_READS.get(role, []))
        if "ems_connector" in roles and behaviour("fctems_override", version):
            plan.append(("cmdb", "endpoint-control/settings", None, vdom))  # fortios-api.md §3 fctems-override
    return plan


def planner(subsets, roles):
    """What the client runs once the token is proven (FortiOSClient.proven): the first wave, then, on a
    multi-VDOM unit, the VDOM list and the per-VDOM wave."""
    def run(client):
        try:
            version = FortiOSVersion.parse(client.device.get("version"))
        except ValueError:
            version = None
        client.prefetch(first_wave(subsets, roles, settled(client)))
        if version is None:
            return
        try:
            client.prefetch(vdom_wave(client, roles, version))
        except err.FortiOSError:
            return  # the areas read (and report) what they need themselves
    return run
