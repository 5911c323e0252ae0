# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""VDOMs: which objects are global, and which VDOMs a task sweeps.

Internal API of fortifleet.auth: may change in any release.

Facts: troubleshooting.md F (FortiTokens and local users are per VDOM, KB 194364; global objects need an access
profile with scope global, FOS#226; a fixed ``?vdom=root`` breaks tokens limited to other VDOMs, FOS#345),
fortios-api.md §1 (ftm-push is global), §3 (fctems is global, fctems-override and endpoint-control settings are per
VDOM).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err

# The cmdb objects that live in the global scope (troubleshooting.md F, fortios-api.md §1/§3/§4): a VDOM-scoped
# api-user gets 403 on them. The one list the client, the diagnoses and the emulator's tests rely on.
GLOBAL_OBJECTS = ("system/ftm-push", "endpoint-control/fctems", "system/api-user", "system/admin", "system/global",
                  "system/vdom", "system/accprofile", "system/central-management")

# The public source of the rule (user-facing texts cite public sources only).
SCOPE_GLOBAL_SOURCE = "https://github.com/fortinet-ansible-dev/ansible-galaxy-fortios-collection/issues/226"
SCOPE_GLOBAL_HINT = ("%s is global: the api-user's accprofile needs scope global (and the api-user the VDOMs it "
                     "manages): config system accprofile / edit <profile> / set scope global. A profile limited to "
                     "VDOMs gets HTTP 403 on every global object (" + SCOPE_GLOBAL_SOURCE + "). If the profile "
                     "already has scope global, the permission is what is missing:")

MULTI_VDOM_MODES = ("multi-vdom", "split-vdom")

fnd.define("API_SCOPE_NOT_GLOBAL", "critical", "api_access",
           "The API token cannot read {object}: this object is global and the api-user's admin profile is limited "
           "to VDOMs (HTTP 403).",
           "This object is global: the api-user's accprofile needs scope global (and the api-user the VDOMs it "
           "manages): config system accprofile / edit <profile> / set scope global / end, then config system "
           "api-user / edit <name> / set vdom <every VDOM it manages> / end. A profile limited to VDOMs gets HTTP "
           "403 on ftm-push, fctems, api-user, admin and global (" + SCOPE_GLOBAL_SOURCE + ").")


def scope_finding(exc):
    """API_SCOPE_NOT_GLOBAL for a ScopeNotGlobalError (a 403 on a global object), else None."""
    if not isinstance(exc, err.ScopeNotGlobalError):
        return None
    return fnd.finding("API_SCOPE_NOT_GLOBAL", exc.message, object=exc.obj)


def is_global_object(path):
    """Whether the cmdb path (``system/admin``, ``system/admin/<name>`` too) is a global object."""
    path = str(path or "").strip("/")
    return any(path == p or path.startswith(p + "/") for p in GLOBAL_OBJECTS)


def requested(params):
    """The VDOMs the task names: ``vdoms`` (fortigate_vdoms), else ``vdom`` (fortigate_vdom) alone, else None."""
    listed = [v for v in (params.get("vdoms") or []) if v]
    if listed:
        return listed
    return [params["vdom"]] if params.get("vdom") and params["vdom"] != "global" else None


class Sweep(object):
    """The VDOMs a per-VDOM area reads and writes on one device.

    ``vdoms`` is ``[None]`` on a unit without VDOMs (the task's own VDOM, and no ``vdom`` key on findings);
    ``tagged`` says whether findings and changes carry their VDOM; ``warnings`` the VDOMs that could not be read."""

    def __init__(self, mode, vdoms, tagged):
        self.mode = mode
        self.vdoms = list(vdoms)
        self.tagged = tagged
        self.warnings = []
        self.unreadable_vdoms = []  # (vdom, error kind)
        self.scope_errors = []  # ScopeNotGlobalError of the global objects that could not be read

    def tag(self, item, vdom):
        """``item`` with ``vdom`` when the sweep is tagged (a finding, a change, a token)."""
        if self.tagged and vdom:
            item["vdom"] = vdom
        return item

    def unreadable(self, vdom, exc):
        """A VDOM the token cannot read (403): a warning naming the VDOM, not a crash."""
        self.unreadable_vdoms.append((vdom, exc.kind))
        self.warnings.append("VDOM %s could not be read (%s): its FortiTokens and users were not checked. Assign "
                             "the VDOM to the api-user (config system api-user / edit <name> / set vdom ...) or "
                             "leave it out of fortigate_vdoms." % (vdom, exc.kind))


def vdom_mode(client, topology=None):
    """``no-vdom``, ``multi-vdom`` or ``split-vdom`` (system/global ``vdom-mode``), from ``topology`` when the
    preflight already read it; None when it cannot be read."""
    if topology and topology.get("vdom_mode"):
        client.multi_vdom = topology["vdom_mode"] in MULTI_VDOM_MODES
        return topology["vdom_mode"]
    try:
        glob = client.get("system/global", scope="global").results
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError:
        return None
    glob = glob[0] if isinstance(glob, list) and glob else glob
    mode = (glob or {}).get("vdom-mode", "no-vdom") if isinstance(glob, dict) else None
    if mode is not None:
        client.multi_vdom = mode in MULTI_VDOM_MODES  # the client words a 403 on a global object with it
    return mode


def vdom_names(client, topology=None):
    """The VDOMs of the device (cmdb system/vdom, global), from ``topology`` when given; None when unreadable."""
    if topology and topology.get("vdoms"):
        return list(topology["vdoms"])
    try:
        rows = client.get("system/vdom", scope="global").results
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError:
        return None
    return [r.get("name") for r in rows or [] if isinstance(r, dict) and r.get("name")]


def vdoms_to_sweep(client, params, topology=None):
    """The Sweep of one task: in multi-/split-VDOM mode every VDOM the device lists (or ``fortigate_vdoms``; or
    ``fortigate_vdom`` alone), tagged; without VDOMs the task's own VDOM, untagged. ``topology`` is the record's
    ``topology`` (vdom_mode, vdoms) when the preflight has it, which saves the two reads."""
    mode = vdom_mode(client, topology)
    named = requested(params)
    if mode is None and params.get("vdoms"):
        # system/global is global: a VDOM-scoped token cannot read the mode, but the VDOMs were named.
        return Sweep(mode, named, True)
    if mode not in MULTI_VDOM_MODES:
        return Sweep(mode, [None], False)
    if named:
        return Sweep(mode, named, True)
    names = vdom_names(client, topology)
    if not names:
        # system/vdom is global: a VDOM-scoped token cannot list the VDOMs (troubleshooting.md F); its own VDOM.
        sweep = Sweep(mode, [client.vdom], True)
        sweep.warnings.append("The VDOM list (system/vdom, a global object) could not be read: only VDOM %s was "
                              "checked. Give the VDOMs in fortigate_vdoms, or give the api-user's accprofile "
                              "scope global." % client.vdom)
        return sweep
    return Sweep(mode, names, True)
