# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.fortigate_info: read-only facts and findings per subset.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import probe as _api_access
from ansible_collections.fortifleet.auth.plugins.module_utils._ems import ems_connector as _ems
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import tokens as _fortitoken
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import ftm_push as _ftm_push
from ansible_collections.fortifleet.auth.plugins.module_utils._system import license as _license
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import (
    NEWEST_KNOWN, parse_device_version, version_warning)

# Subsets in the order they run: access first (nothing else is read when it fails),
# then 'system', because the others need the version.
SUBSET_ORDER = ["api_access", "system", "ftm_push", "ems", "fortitoken"]

ARGUMENT_SPEC = with_connection(dict(
    gather_subset=dict(type="list", elements="str", default=["system"], choices=["all"] + SUBSET_ORDER),
    api_user=dict(type="str"),
    diagnostic_access_token=dict(type="str", no_log=True),
    controller_address=dict(type="str"),
    ftm_push_server=dict(type="str"),
))


class ReadCache(object):
    """Per-task memo of GETs, so subsets that need the same object read it once."""

    def __init__(self, client):
        self.client = client
        self._answers = {}

    def __getattr__(self, name):
        return getattr(self.client, name)

    def get(self, path, mkey=None, api="cmdb", params=None, scope=None):
        key = (api, path, mkey, scope, tuple(sorted((params or {}).items())))
        if key not in self._answers:
            try:
                self._answers[key] = (self.client.get(path, mkey=mkey, api=api, params=params, scope=scope), None)
            except err.FortiOSError as exc:
                self._answers[key] = (None, exc)
        answer, error = self._answers[key]
        if error is not None:
            raise error
        return answer


# license/status field names are UNCONFIRMED (facts §5); these are the values
# that mean "not valid" / "not registered" across the shapes seen in clients.
_VM_INVALID = ("vm_invalid", "invalid", "expired", "vm_expired", "no_license")
_FORTICARE_OK = ("registered", "licensed", "valid")


def _license_findings(lic):
    found = []
    vm_status = _license.text(lic["vm_status"])
    if vm_status and vm_status in _VM_INVALID:
        found.append(fnd.finding("SYSTEM_VM_LICENSE_INVALID", "license/status reports vm.status={status}",
                                 status=lic["vm_status"]))
    if lic["evaluation"]:
        found.append(fnd.finding("SYSTEM_EVALUATION_LICENSE", "license/status reports an evaluation licence"))
    fc_status = _license.text(lic["forticare_status"])
    if fc_status and fc_status not in _FORTICARE_OK:
        found.append(fnd.finding("SYSTEM_FORTICARE_UNREGISTERED", "license/status reports forticare.status={status}",
                                 status=lic["forticare_status"]))
    return found


def gather_system(ctx, client, facts):
    status = client.get("system/status", api="monitor")
    results = status.results if isinstance(status.results, dict) else {}
    envelope = status.envelope
    version = parse_device_version(envelope.get("version") or client.device.get("version"), client.label)
    glob = client.get("system/global", scope="global").results
    glob = glob if isinstance(glob, dict) else {}
    lic = _license.read(client)
    facts["system"] = {
        "hostname": results.get("hostname") or glob.get("hostname"),
        # monitor system/status field names are UNCONFIRMED (facts §5); web-ui/state shows these.
        "model": results.get("model"),
        "model_name": results.get("model_name"),
        "model_number": results.get("model_number"),
        "serial": envelope.get("serial"),
        "version": str(version),
        "build": envelope.get("build"),
        "vdom_mode": glob.get("vdom-mode", "no-vdom"),
        "license": {k: v for k, v in lic.items() if k != "raw"},
    }
    facts["version"] = str(version)
    facts["serial"] = envelope.get("serial")
    found = _license_findings(lic)
    warning = version_warning(version)
    if warning:
        ctx.warn(warning)
        found.append(fnd.finding("SYSTEM_FIRMWARE_NEWER_THAN_KNOWN", "", version=str(version), known=NEWEST_KNOWN))
    return found


def gather_api_access(ctx, client, facts):
    facts["api_access"], found = _api_access.probe(ctx, client)
    return found


def _global_settings(client):
    try:
        glob = client.get("system/global", scope="global").results
    except err.PermissionDeniedError:
        return None
    return glob if isinstance(glob, dict) else None


def gather_ftm_push(ctx, client, facts):
    facts["ftm_push"], found = _ftm_push.diagnose(client, ctx.params.get("ftm_push_server"),
                                                  _global_settings(client))
    return found


def gather_ems(ctx, client, facts):
    facts["ems"], found = _ems.diagnose(client)
    return found


def gather_fortitoken(ctx, client, facts):
    facts["fortitoken"], found = _fortitoken.diagnose(client)
    return found


GATHERERS = {"api_access": gather_api_access, "system": gather_system, "ftm_push": gather_ftm_push,
             "ems": gather_ems, "fortitoken": gather_fortitoken}


def selected_subsets(requested):
    wanted = set(SUBSET_ORDER) if "all" in requested else set(requested)
    return [name for name in SUBSET_ORDER if name in wanted]


def run(ctx):
    client = ReadCache(ctx.client())
    facts = {"host": ctx.label}
    findings = []
    subsets = selected_subsets(ctx.params["gather_subset"])
    for subset in subsets:
        try:
            findings.extend(GATHERERS[subset](ctx, client, facts))
        except err.PermissionDeniedError as exc:
            if "api_access" not in subsets:
                raise
            # Already reported as API_PERMISSION_DENIED: keep going with what can be read.
            facts.setdefault("errors", {})[subset] = str(exc)
        access = facts.get("api_access", {}).get("status", "ok")
        if access not in ("ok", "forbidden"):
            # Without working access nothing else can be read, and a second failed key attempt
            # would bring the source closer to a lock-out (facts §7).
            facts["skipped_subsets"] = [s for s in subsets if s not in facts and s != "api_access"]
            break
    return {"changed": False, "fortigate": facts, "findings": findings}
