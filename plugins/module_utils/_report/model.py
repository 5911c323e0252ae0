# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report's data: one model built from what each device's run recorded.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.fortifleet.auth.plugins.module_utils._config import areas

SCHEMA_VERSION = 1
AREAS = areas.IDS
AUTH_FAILED = ("token_rejected", "trusthost_mismatch", "locked_out", "url_token_disabled")
UNREACHABLE = ("unreachable", "timeout", "tls_untrusted")
STATUS_ORDER = ("error", "unreachable", "auth_failed", "needs_human", "drift", "fixed", "ok")
REDACTED = "********"


# What the roles record per device as host facts (the report role's documented interface).
ROLE_FACTS = {"preflight": "fortifleet_preflight", "findings": "fortifleet_findings",
              "changes": "fortifleet_changes", "errors": "fortifleet_errors"}
# What the playbooks record per device from a fleet task: its whole record.
FLEET_RESULT = "fortifleet_result"


def device_input(name, get):
    """What the report knows of one device. ``get(variable)`` is the device's variable or None.

    The record of a fleet task (fortifleet_result), unless the roles ran for it and recorded their facts."""
    preflight = get(ROLE_FACTS["preflight"])
    result = get(FLEET_RESULT)
    if result is not None and preflight is None:
        return result
    out = dict((key, get(var) or []) for key, var in ROLE_FACTS.items() if key != "preflight")
    out.update(preflight=preflight or {}, address=get("ansible_host") or name, ran=preflight is not None)
    return out


def _redact(value, secrets):
    if isinstance(value, dict):
        return dict((k, _redact(v, secrets)) for k, v in value.items())
    if isinstance(value, list):
        return [_redact(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
    return value


def device_status(access, findings, changes, errors, check_mode):
    if errors:
        return "error"
    if access in UNREACHABLE:
        return "unreachable"
    if access in AUTH_FAILED:
        return "auth_failed"
    if any(f.get("severity") in ("critical", "warning") and not f.get("auto_fix") for f in findings):
        return "needs_human"
    if check_mode and (changes or any(f.get("auto_fix") for f in findings)):
        return "drift"
    if changes:
        return "fixed"
    return "ok"


def _unique_findings(findings):
    seen, out = set(), []
    for finding in findings or []:
        key = (finding.get("id"), finding.get("summary"))
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def build(hosts, run_name, check_mode, started=None, secrets=()):
    """The report dict. ``hosts`` maps a device name to what the roles recorded for it."""
    devices = []
    for name in sorted(hosts):
        data = hosts[name] or {}
        pre = data.get("preflight") or {}
        system = pre.get("system") or {}
        findings = _unique_findings(data.get("findings"))
        changes = list(data.get("changes") or [])
        errors = list(data.get("errors") or [])
        access = pre.get("access") or ("not_run" if not data.get("ran") else "ok")
        devices.append({
            "name": name, "address": data.get("address"), "access": access,
            "status": device_status(access, findings, changes, errors, check_mode),
            "version": pre.get("version"), "serial": pre.get("serial"), "model": system.get("model"),
            "findings": findings, "changes": changes, "errors": errors,
        })
    by_status = dict((s, 0) for s in STATUS_ORDER)
    by_id, human = {}, {}
    for device in devices:
        by_status[device["status"]] += 1
        for finding in device["findings"]:
            by_id[finding["id"]] = by_id.get(finding["id"], 0) + 1
            if not finding.get("auto_fix") and finding.get("severity") in ("critical", "warning"):
                entry = human.setdefault(finding["id"], {"id": finding["id"], "severity": finding["severity"],
                                                         "remediation": finding.get("remediation"), "devices": []})
                entry["devices"].append(device["name"])
    report = {
        "schema_version": SCHEMA_VERSION,
        "run": {"name": run_name, "mode": "check" if check_mode else "apply",
                "started": started or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "devices": len(devices)},
        "summary": {"by_status": by_status, "findings_by_id": dict(sorted(by_id.items())),
                    "human_actions": sorted(human.values(), key=lambda e: (e["severity"] != "critical", e["id"]))},
        "devices": devices,
    }
    return _redact(report, [s for s in secrets if s and len(s) >= 6])


def _short_list(names, most=8):
    return ", ".join(names[:most]) + (" ..." if len(names) > most else "")


def change_text(change):
    if change.get("request") and not change.get("changed_keys"):
        # A write whose step failed afterwards: sent, outcome unconfirmed.
        return "%s: %s (sent, not confirmed)" % (change.get("area"), change["request"])
    return "%s: %s" % (change.get("area"), ", ".join(str(k) for k in change.get("changed_keys") or []))


def summary_lines(report):
    run, s = report["run"], report["summary"]
    counts = ", ".join("%s %d" % (k, v) for k, v in s["by_status"].items() if v)
    lines = ["fortifleet.auth %s (%s): %d devices: %s" % (run["name"], run["mode"], run["devices"], counts or "none")]
    for action in s["human_actions"]:
        lines.append("  needs a human: %s on %d device(s): %s"
                     % (action["id"], len(action["devices"]), _short_list(action["devices"])))
    return lines
