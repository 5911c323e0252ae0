# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report's files: the model rendered as JSON, Markdown, HTML (html.py) and JUnit XML.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
from xml.sax.saxutils import escape as xml_escape

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._report.changes import KINDS, of_device
from ansible_collections.fortifleet.auth.plugins.module_utils._report.html import render_html
from ansible_collections.fortifleet.auth.plugins.module_utils._report.model import (
    AREAS, STATUS_ORDER, change_text, grouped_findings, plural)
from ansible_collections.fortifleet.auth.plugins.module_utils._task.files import atomic_write


# Characters XML 1.0 cannot hold at all (not even as references): C0 controls but tab/LF/CR, and U+FFFE/U+FFFF.
# Device data (a hostname, a cli_error) may contain them; junit.xml must stay well-formed XML.
_XML_INVALID = re.compile(u"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# In Markdown and HTML every control character (line breaks included) is shown as a visible mark.
_CONTROL = re.compile(u"[\x00-\x1f\x7f]")


def clean(text):
    """``text`` without control characters: each becomes U+FFFD, so the reader sees that something was there."""
    return _CONTROL.sub(u"\ufffd", str(text if text is not None else ""))


def _x(text, entities=None):
    """XML-escaped text with the characters XML cannot hold replaced."""
    return xml_escape(_XML_INVALID.sub(u"\ufffd", str(text if text is not None else "")), entities or {})


def _xa(text):
    """An XML attribute value."""
    return _x(clean(text), {'"': "&quot;"})


def _md(text):
    return clean(str(text if text is not None else "").replace("\n", " ")).replace("|", "\\|")


def _refs(items):
    return ", ".join("`%s`%s" % (f["id"], " " + _md(f["object"]) if f.get("object") else "") for f in items)


def _markdown_since_previous(report):
    since = report.get("since_previous")
    out = ["", "## Since the previous run", ""]
    if not since:
        return out + ["No previous report to compare with."]
    counts = since["counts"]
    out += ["Compared with **%s** (%s, finished %s): %d new, %d fixed, %d still open, %d not checked this time."
            % (_md(since["run"].get("name")), _md(since["run"].get("mode")), _md(since["run"].get("finished")),
               counts["new"], counts["fixed"], counts["open"], counts["not_checked"]), ""]
    if since["devices_added"]:
        out += ["New in this run: %s." % _md(", ".join(since["devices_added"])), ""]
    if since["devices_gone"]:
        out += ["Not in this run (were in the previous one): %s." % _md(", ".join(since["devices_gone"])), ""]
    out += ["| Device | New | Fixed | Still open | Not checked |", "| --- | --- | --- | --- | --- |"]
    rows = [(d["name"], of_device(report, d["name"])) for d in report["devices"]]
    rows = [(name, delta) for name, delta in rows if delta and any(delta[k] for k in KINDS)]
    for name, delta in rows:
        out.append("| %s | %s |" % (_md(name), " | ".join(_refs(delta[k]) or "-" for k in KINDS)))
    return out if rows else out + ["| - | - | - | - | - |"]


def render_markdown(report):
    run, s = report["run"], report["summary"]
    out = ["# FortiGate authentication report: %s" % _md(run["name"]), "",
           "Mode: **%s** · devices: %d · started %s · finished %s"
           % (run["mode"], run["devices"], run["started"], run["finished"]), "",
           "## Devices by status", "", "| Status | Devices |", "| --- | --- |"]
    for status in STATUS_ORDER:
        names = [d["name"] for d in report["devices"] if d["status"] == status]
        if names:
            out.append("| %s | %d: %s |" % (status, len(names), _md(", ".join(names))))
    out += ["", "## Findings by id", "", "| Finding | Devices |", "| --- | --- |"]
    out += ["| `%s` | %d |" % (fid, n) for fid, n in s["findings_by_id"].items()] or ["| none | 0 |"]
    out += ["", "## What a human must do", ""]
    if not s["human_actions"]:
        out.append("Nothing.")
    for action in s["human_actions"]:
        out += ["### %s (%s, %s)" % (action["id"], action["severity"], plural(len(action["devices"]), "device")), "",
                _md(action["remediation"]), "", "Devices: %s" % _md(", ".join(action["devices"])), ""]
    out += cluster_lines(report)
    out += _markdown_since_previous(report)
    out += ["", "## Devices", "", "| Device | Status | Access | FortiOS | Findings | Changes | Errors |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for d in report["devices"]:
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            _md(d["name"]), d["status"], _md(d["access"]), _md(d["version"] or ""),
            _md("; ".join(grouped_findings(d["findings"]))) or "-",
            _md("; ".join(change_text(c) for c in d["changes"]) or handled_text(d)) or "-",
            _md("; ".join(d["errors"])) or "-"))
    return "\n".join(out) + "\n"


def cluster_text(cluster):
    sync = {True: "in sync", False: "OUT OF SYNC", None: "sync state unknown"}[cluster.get("in_sync")]
    return "%s: primary %s; members %s; serials %s; %s" % (
        cluster["name"], cluster.get("primary") or "not in the inventory", ", ".join(cluster["members"]),
        ", ".join(cluster["serials"]), sync)


def cluster_lines(report):
    """The Markdown "Clusters" section (HA clusters, each once), or nothing."""
    clusters = report.get("clusters") or []
    if not clusters:
        return []
    return ["", "## Clusters", ""] + ["- %s" % _md(cluster_text(c)) for c in clusters]


def handled_text(device):
    return "handled through %s" % device["handled_through"] if device.get("handled_through") else ""


def render_junit(report):
    """One test case per device and area, always: an area that did not run is skipped (with why), an area that
    failed is an error, unresolved critical findings are a failure."""
    cases, counts = [], {"failed": 0, "error": 0, "skipped": 0}
    for d in report["devices"]:
        for area in AREAS:
            outcome = (d.get("areas") or {}).get(area) or {"outcome": "passed"}
            kind, message = outcome["outcome"], outcome.get("message") or ""
            body = ""
            if kind == "failed":
                ids = [f["id"] for f in d["findings"] if f.get("area") == area and f.get("severity") == "critical"]
                first = ids[0] if ids else d["status"].upper()
                body = "<failure message=\"%s\" type=\"%s\">%s</failure>" % (_xa(first), _xa(first), _x(message))
            elif kind == "error":
                body = "<error message=\"%s\" type=\"area_error\">%s</error>" % (_xa(message[:200]), _x(message))
            elif kind == "skipped":
                body = "<skipped message=\"%s\"/>" % _xa(message)
            if kind in counts:
                counts[kind] += 1
            cases.append("<testcase classname=\"fortifleet.%s\" name=\"%s\">%s</testcase>" % (
                _xa(area), _xa("%s.%s" % (d["name"], area)), body))
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites><testsuite name=\"fortifleet.auth %s\" tests=\"%d\" "
            "failures=\"%d\" errors=\"%d\" skipped=\"%d\">%s</testsuite></testsuites>\n" % (
                _xa(report["run"]["name"]), len(cases), counts["failed"], counts["error"], counts["skipped"],
                "".join(cases)))


RENDERERS = {
    "report.json": lambda r: json.dumps(r, indent=2, sort_keys=True) + "\n",
    "report.md": render_markdown,
    "report.html": render_html,
    "junit.xml": render_junit,
}


def write(report, report_dir):
    if not os.path.isdir(report_dir):
        try:
            os.makedirs(report_dir, 0o750)
        except OSError as exc:
            raise err.InputError("report_dir", "cannot create %s (%s)" % (report_dir, exc))
    paths = {}
    for name, render in RENDERERS.items():
        path = os.path.join(report_dir, name)
        atomic_write(path, render(report), 0o640)
        paths[name] = path
    return paths
