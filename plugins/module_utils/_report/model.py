# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report's data: one model built from what each device's run recorded.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time

from ansible_collections.fortifleet.auth.plugins.module_utils._config import areas
from ansible_collections.fortifleet.auth.plugins.module_utils._report import topology as report_topology

# 2: devices' inventory groups and the run-to-run changes (since_previous).
SCHEMA_VERSION = 2
AREAS = areas.IDS
AUTH_FAILED = ("token_rejected", "trusthost_mismatch", "locked_out", "url_token_disabled")
UNREACHABLE = ("unreachable", "timeout", "tls_untrusted")
STATUS_ORDER = ("error", "unreachable", "auth_failed", "needs_human", "drift", "fixed", "ok")
REDACTED = "********"
# Access states in which a device stays in the run (the preflight's default usable_states).
USABLE = ("ok", "forbidden")
# The outcome of one area on one device (report.json ``areas``, one JUnit test case each).
OUTCOMES = ("passed", "failed", "error", "skipped")


# What the roles record per device as host facts (the report role's documented interface).
ROLE_FACTS = {"preflight": "fortifleet_preflight", "findings": "fortifleet_findings",
              "changes": "fortifleet_changes", "errors": "fortifleet_errors", "areas": "fortifleet_areas",
              "skipped_areas": "fortifleet_skipped_areas", "check_mode": "fortifleet_check_mode"}
# What the playbooks record per device from a fleet task: its whole record.
FLEET_RESULT = "fortifleet_result"


def device_input(name, get, spooled=None):
    """What the report knows of one device. ``get(variable)`` is the device's variable or None.

    The record of a fleet task (``spooled``, the record its spool holds, else fortifleet_result), unless the roles
    ran for it and recorded their facts."""
    preflight = get(ROLE_FACTS["preflight"])
    result = spooled if spooled is not None else get(FLEET_RESULT)
    if result is not None and preflight is None:
        return result
    out = dict((key, get(var) or []) for key, var in ROLE_FACTS.items() if key not in ("preflight", "check_mode"))
    out.update(preflight=preflight or {}, address=get("ansible_host") or name, ran=preflight is not None,
               check_mode=bool(get(ROLE_FACTS["check_mode"])))
    return out


# Redaction in linear time. Each device's data is redacted of its own secrets (the values of its secret variables)
# and the run's (``secrets``), exactly, wherever they occur; the report is then searched once for any secret of any
# other device standing as a word of its own (a token, a licence code): redacting every string with every device's
# secrets made the report quadratic in the fleet size (10,000 devices: 10,000 secrets x every string).
MIN_SECRET = 6
_WORDS = (re.compile(r"\w+"), re.compile(r"[^\s\"'<>,;:()\[\]{}|]+"))


def _secrets(values):
    return sorted(set(s for s in values or () if s and len(s) >= MIN_SECRET), key=lambda s: (-len(s), s))


def _stray_secrets(value, secrets):
    """The ``secrets`` that stand as a word of their own somewhere in ``value`` (one pass over its JSON text)."""
    if not secrets:
        return []
    text = json.dumps(value, ensure_ascii=False)
    words = set()
    for pattern in _WORDS:
        for word in pattern.findall(text):
            words.add(word)
            words.add(word.strip(".=-+/~"))
    return sorted(words & secrets)


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


def ran_in_check_mode(data):
    """Whether a device's run was a check-mode run: its record says so, or a change it recorded does."""
    return bool(data.get("check_mode")) or any(c.get("check_mode") for c in data.get("changes") or [])


def _area_of(error):
    """The area an error of a device's record ("<area or role>: message") belongs to."""
    head = error.split(":", 1)[0].strip()
    if head in areas.BY_ROLE:
        return areas.of_role(head)
    return head if head in AREAS else "api_access"  # preflight, input: the device's access


def area_outcomes(data, access, findings, errors, usable=USABLE):
    """Per area: passed, failed (unresolved critical findings), error (the area failed) or skipped, with why.

    ``data['areas']`` lists the areas the run was asked for (area ids or role names)."""
    asked = set(areas.of_role(a) if a in areas.BY_ROLE else a for a in data.get("areas") or [])
    skipped = set(areas.of_role(a) if a in areas.BY_ROLE else a for a in data.get("skipped_areas") or [])
    errors_by_area = {}
    for error in errors:
        errors_by_area.setdefault(_area_of(error), []).append(error)
    out = {}
    for area in AREAS:
        critical = [f for f in findings if f.get("area") == area and f.get("severity") == "critical"]
        if area in errors_by_area:
            out[area] = {"outcome": "error", "message": "; ".join(errors_by_area[area])}
        elif area == "api_access" and access == "not_run":
            out[area] = {"outcome": "skipped", "message": "the preflight did not run for this device"}
        elif area == "api_access" and access not in usable:
            out[area] = {"outcome": "failed", "message": "; ".join(
                "%s: %s" % (f["id"], f.get("summary", "")) for f in critical) or "REST API access is %s" % access}
        elif area != "api_access" and access not in usable:
            out[area] = {"outcome": "skipped", "message": "the device was left out of the run: REST API access is %s"
                         % access}
        elif area not in ("api_access", "system") and area not in asked:
            out[area] = {"outcome": "skipped", "message": "not part of this run"}
        elif area in skipped:
            out[area] = {"outcome": "skipped", "message": "did not run on this device (see its notes)"}
        elif critical:
            out[area] = {"outcome": "failed", "message": "; ".join(
                "%s: %s" % (f["id"], f.get("summary", "")) for f in critical)}
        else:
            out[area] = {"outcome": "passed"}
    return out


def build(hosts, run_name, check_mode, started=None, secrets=(), usable=USABLE, device_secrets=None):
    """The report dict. ``hosts`` maps a device name to what the roles recorded for it.

    ``secrets`` are redacted from every device; ``device_secrets`` (name -> secrets) from that device's data, and
    from any other device's where one stands as a word of its own (see _WORDS).
    The run is a check-mode run when ``check_mode`` says so or any device's record says it ran in check mode:
    one notion of run mode, from the task that ran to the report."""
    shared, own = _secrets(secrets), device_secrets or {}
    hosts = dict((name, _redact(data or {}, _secrets(list(own.get(name) or ()) + shared) if own.get(name) else shared))
                 for name, data in hosts.items())
    check_mode = bool(check_mode) or any(ran_in_check_mode(data or {}) for data in hosts.values())
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
            "areas": area_outcomes(data, access, findings, errors, usable),
            "groups": sorted(set(data.get("groups") or [])),
        })
        # The HA/FortiManager/VDOM context, when the run knew it (optional keys of the record).
        devices[-1].update((key, data[key]) for key in ("topology", "handled_through") if data.get(key) is not None)
    by_status = dict((s, 0) for s in STATUS_ORDER)
    by_id, human, listed = {}, {}, set()
    for device in devices:
        by_status[device["status"]] += 1
        for finding in device["findings"]:
            by_id[finding["id"]] = by_id.get(finding["id"], 0) + 1
            if not finding.get("auto_fix") and finding.get("severity") in ("critical", "warning"):
                entry = human.setdefault(finding["id"], {"id": finding["id"], "severity": finding["severity"],
                                                         "remediation": finding.get("remediation"), "devices": []})
                # A set beside the list: a list's membership test made this quadratic in the fleet size.
                if (finding["id"], device["name"]) not in listed:
                    listed.add((finding["id"], device["name"]))
                    entry["devices"].append(device["name"])
    report = {
        "schema_version": SCHEMA_VERSION,
        "run": {"name": run_name, "mode": "check" if check_mode else "apply",
                "started": started or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "devices": len(devices)},
        "summary": {"by_status": by_status, "findings_by_id": dict(sorted(by_id.items())),
                    "human_actions": sorted(human.values(), key=lambda e: (e["severity"] != "critical", e["id"]))},
        "devices": devices,
        "clusters": report_topology.clusters(hosts),
    }
    report["run"] = _redact(report["run"], shared)
    everyone = set(shared).union(*[_secrets(v) for v in own.values()]) if own else set()
    stray = _stray_secrets(report, everyone - set(shared))
    return _redact(report, stray) if stray else report


def rotation_refused(report):
    """The devices whose asked-for key rotation was refused before it ran (api_user refuses a key_file it cannot
    write: "Invalid value for 'key_file'"): the run must not look successful, since the key it was asked to
    rotate is still the old one."""
    return [d["name"] for d in report["devices"]
            if any(e.startswith("api_access:") and "'key_file'" in e for e in d["errors"])]


def left_out(report, usable=USABLE):
    """The devices without usable REST API access, whatever the reason (wrong token, unreachable, error)."""
    return [d["name"] for d in report["devices"] if d["access"] not in usable]


def grouped_findings(findings, most=5):
    """One text per finding id, with the objects it concerns and how many: 'FORTITOKEN_NOT_ACTIVATED: FTKMOB1,
    FTKMOB2 (2)'; an id without objects is just the id (with its count when repeated)."""
    order, objects, counts = [], {}, {}
    for finding in findings or []:
        fid = finding.get("id")
        if fid not in counts:
            order.append(fid)
            counts[fid], objects[fid] = 0, []
        counts[fid] += 1
        if finding.get("object") and finding["object"] not in objects[fid]:
            objects[fid].append(finding["object"])
    out = []
    for fid in order:
        names = objects[fid]
        text = fid
        if names:
            text += ": " + ", ".join(names[:most]) + (", ..." if len(names) > most else "")
        if counts[fid] > 1:
            text += " (%d)" % counts[fid]
        out.append(text)
    return out


def plural(count, word, words=None):
    """'1 device', '2 devices'."""
    return "%d %s" % (count, word if count == 1 else (words or word + "s"))


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
    lines = ["fortifleet.auth %s (%s): %s: %s" % (run["name"], run["mode"], plural(run["devices"], "device"),
                                                  counts or "none")]
    for action in s["human_actions"]:
        lines.append("  needs a human: %s on %s: %s"
                     % (action["id"], plural(len(action["devices"]), "device"), _short_list(action["devices"])))
    return lines
