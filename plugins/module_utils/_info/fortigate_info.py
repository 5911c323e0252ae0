# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.fortigate_info: read-only facts and findings, one subset per area.

Internal API of fortifleet.auth: may change in any release.

Each subset is its area's diagnosis (``_<area>/diagnosis.py``); this file only runs them in order. Each subset
gives its own data or its own typed error (``errors``): a read that fails costs only what depends on it, and the
access classification comes from the ``api_access`` probe alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import diagnosis as api_access
from ansible_collections.fortifleet.auth.plugins.module_utils._config import areas
from ansible_collections.fortifleet.auth.plugins.module_utils._ems import diagnosis as ems
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import vdoms
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as fortitoken
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import interrupted
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import diagnosis as ftm_push
from ansible_collections.fortifleet.auth.plugins.module_utils._system import diagnosis as system
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection

# Subsets in the order they run (the areas' order): access first (nothing else is read when it fails),
# then 'system', because the others need the version.
SUBSET_ORDER = list(areas.IDS)

ARGUMENT_SPEC = with_connection(dict(
    gather_subset=dict(type="list", elements="str", default=["system"], choices=["all"] + SUBSET_ORDER),
    api_user=dict(type="str"),
    diagnostic_access_token=dict(type="str", no_log=True),
    controller_address=dict(type="str"),
    ftm_push_server=dict(type="str"),
))
MODULE_KWARGS = {}


def global_settings(client, facts=None, needed_for=None):
    """``system/global`` (the admin ports, ...), or None when it cannot be read: a failed auxiliary read costs only
    the checks that need it, and says so in ``facts['incomplete']``."""
    try:
        glob = client.get("system/global", scope="global").results
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError as exc:
        if facts is not None and needed_for:
            facts.setdefault("incomplete", {})[needed_for] = "%s (%s)" % (READ_FAILED_NOTE, exc)
        return None
    return glob if isinstance(glob, dict) else None


READ_FAILED_NOTE = "not checked against system/global (the admin ports): it could not be read"


def gather_api_access(ctx, client, facts):
    facts["api_access"], found = api_access.probe(ctx, client)
    return found


def gather_ftm_push(ctx, client, facts):
    glob = global_settings(client, facts, "ftm_push")
    if glob is None and "ftm_push" in facts.get("incomplete", {}):
        ctx.warn("%s: FortiToken Mobile push port %s" % (ctx.label, facts["incomplete"]["ftm_push"]))
    facts["ftm_push"], found = ftm_push.diagnose(client, ctx.params.get("ftm_push_server"), glob)
    return found


def gather_ems(ctx, client, facts):
    facts["ems"], found = ems.diagnose(client, vdoms.vdoms_to_sweep(client, ctx.params, facts.get("topology")))
    return found


def gather_fortitoken(ctx, client, facts):
    # Every VDOM on a multi-VDOM unit (troubleshooting.md F); the system subset's topology, when gathered, has them.
    sweep = vdoms.vdoms_to_sweep(client, ctx.params, facts.get("topology"))
    facts["fortitoken"], found = fortitoken.diagnose(client, sweep)
    # A re-import an earlier run left open in the journal (_fortitoken/interrupted.py).
    return interrupted.findings(ctx.params, client) + found


GATHERERS = {"api_access": gather_api_access, "system": system.gather, "ftm_push": gather_ftm_push,
             "ems": gather_ems, "fortitoken": gather_fortitoken}


def selected_subsets(requested):
    wanted = set(SUBSET_ORDER) if "all" in requested else set(requested)
    return [name for name in SUBSET_ORDER if name in wanted]


def _gather(ctx, client, subset, facts, findings):
    """One subset: its data, or its own typed error in ``facts['errors']`` (the other subsets still run)."""
    try:
        findings.extend(GATHERERS[subset](ctx, client, facts))
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError as exc:
        facts.setdefault("errors", {})[subset] = err.read_failure(exc)
        scope = vdoms.scope_finding(exc)  # a 403 on a global object from a VDOM-scoped token
        if scope is not None and scope["summary"] not in [f.get("summary") for f in findings]:
            findings.append(scope)
        if subset == "api_access":
            # The probe itself could not classify access: the device is not usable (nothing else is read).
            facts["api_access"] = {"status": "error", "http_status": exc.status, "detail": str(exc)}


def run(ctx):
    client = ctx.client()
    facts = {"host": ctx.label}
    findings = []
    subsets = selected_subsets(ctx.params["gather_subset"])
    # A read-only task: subsets that need the same object (system/global, the version) read it once.
    with client.read_only():
        for subset in subsets:
            try:
                _gather(ctx, client, subset, facts, findings)
            except err.DEVICE_GONE as exc:
                if "api_access" not in subsets:
                    raise
                # The probe said the device was usable, then it stopped answering or refused the token.
                facts.setdefault("errors", {})[subset] = err.read_failure(exc)
                facts["skipped_subsets"] = [s for s in subsets if s not in facts and s not in facts["errors"]]
                break
            access = facts.get("api_access", {}).get("status", "ok")
            if access not in ("ok", "forbidden"):
                # Without working access nothing else can be read, and a second failed key attempt
                # would bring the source closer to a lock-out (fortios-api.md §7).
                facts["skipped_subsets"] = [s for s in subsets if s not in facts and s != "api_access"]
                break
    return {"changed": False, "fortigate": facts, "findings": findings}
