# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""report.html: one self-contained page (no external asset, works from file://, prints).

Internal API of fortifleet.auth: may change in any release.

The page is complete without JavaScript (the fleet picture, the device table, the run-to-run changes and what a
human must do are rendered here); the inlined script adds filters kept in the URL, sorting and per-device detail,
built on demand from the JSON the page carries (texts deduplicated: a 1,000-device fleet repeats the same
remediation texts).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    from html import escape as html_escape
except ImportError:  # pragma: no cover
    from cgi import escape as html_escape

from ansible_collections.fortifleet.auth.plugins.module_utils._config import areas
from ansible_collections.fortifleet.auth.plugins.module_utils._report import changes, html_assets
from ansible_collections.fortifleet.auth.plugins.module_utils._report.model import (
    AREAS, STATUS_ORDER, change_text, grouped_findings, plural)

# What a matrix cell's state says in words (its tooltip and aria-label).
CELL_LABELS = {
    "passed": "passed", "changed": "changed", "warning": "needs a human (warning)", "failed": "failed",
    "error": "error", "skipped": "skipped",
}
SHORT_AREA = {"api_access": "API", "system": "SYS", "ftm_push": "FTM", "fortitoken": "TOK", "ems": "EMS"}
DELTA_KINDS = ("new", "fixed", "open", "not_checked")


def _clean(text):
    # Control characters become U+FFFD, as in the other renderers (render.clean), so the reader sees them.
    return "".join(u"\ufffd" if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in str(text if text is not None else ""))


def _e(value):
    return html_escape(_clean(value), quote=True)


def cell_state(device, area):
    """What the matrix shows for one device and area: the area's outcome, and for a passed area whether it was
    changed (fixed, or would be in check mode) or has a warning a human must handle."""
    outcome = ((device.get("areas") or {}).get(area) or {}).get("outcome", "passed")
    if outcome != "passed":
        return outcome
    mine = [f for f in device["findings"] if f.get("area") == area]
    if any(f.get("severity") == "warning" and not f.get("auto_fix") for f in mine):
        return "warning"
    if any(c.get("area") in (area, areas.BY_ID[area].role) for c in device["changes"]):
        return "changed"
    return "passed"


def _cell_label(device, area, state, mode):
    label = CELL_LABELS[state]
    if state == "changed":
        label = "would change (drift)" if mode == "check" else "fixed"
    outcome = (device.get("areas") or {}).get(area) or {}
    ids = sorted(set(f["id"] for f in device["findings"] if f.get("area") == area))
    text = "%s, %s: %s" % (device["name"], areas.BY_ID[area].title, label)
    if outcome.get("message") and state == "error":
        text += " (%s)" % outcome["message"][:80]
    elif ids:
        text += " (%s)" % ", ".join(ids)
    return text


def _matrix_groups(devices):
    """(title, [device index]) per group: by inventory groups when the devices are in different ones (a device in
    several groups is shown once, under all of them joined), else by status."""
    by_status = dict((s, i) for i, s in enumerate(STATUS_ORDER))
    order = sorted(range(len(devices)), key=lambda i: (by_status.get(devices[i]["status"], 99), devices[i]["name"]))
    groups = {}
    # One group for everybody (the playbooks' 'fortigates') says nothing: then by status.
    if len(set(tuple(d.get("groups") or ()) for d in devices)) > 1:
        # A group every device is in (the playbooks' target group) says nothing: left out of the titles.
        common = set.intersection(*[set(d.get("groups") or ()) for d in devices])
        for i in order:
            own = [g for g in devices[i].get("groups") or [] if g not in common]
            groups.setdefault(" + ".join(own) or "(no group)", []).append(i)
        return sorted(groups.items())
    for i in order:
        groups.setdefault(devices[i]["status"], []).append(i)
    return [(s, groups[s]) for s in STATUS_ORDER if s in groups]


def _status_counts(devices, members):
    counts = {}
    for i in members:
        counts[devices[i]["status"]] = counts.get(devices[i]["status"], 0) + 1
    return ", ".join("%s %d" % (s, counts[s]) for s in STATUS_ORDER if s in counts)


def _matrix(report):
    devices, mode = report["devices"], report["run"]["mode"]
    out = []
    for title, members in _matrix_groups(devices):
        tiles = []
        for i in members:
            d = devices[i]
            cells = []
            for area in AREAS:
                state = cell_state(d, area)
                label = _e(_cell_label(d, area, state, mode))
                outcome = ((d.get("areas") or {}).get(area) or {}).get("outcome", "passed")
                cells.append('<i class="c s-%s" role="img" data-area="%s" data-outcome="%s" aria-label="%s"></i>' % (
                    state, area, outcome, label))
            tiles.append('<a class="t" href="#dev-%s" data-i="%d" data-device="%s">%s</a>' % (
                _e(d["name"]), i, _e(d["name"]), "".join(cells)))
        out.append('<div class="group"><h3>%s <small>%s: %s</small></h3><div class="tiles">%s</div></div>' % (
            _e(title), plural(len(members), "device"), _e(_status_counts(devices, members)), "".join(tiles)))
    legend = "".join('<span><i class="s-%s"></i>%s</span>' % (s, _e(label)) for s, label in CELL_LABELS.items())
    return ('<p class="legend"><span>Each column is a device; its cells from top to bottom: %s.</span></p>'
            '<p class="legend">%s</p><div id="matrix"%s>%s</div>' % (
                _e(", ".join(a.title for a in areas.AREAS)), legend, ' class="big"' if len(devices) <= 200 else "",
                "".join(out)))


def _bar(report):
    total = max(1, report["run"]["devices"])
    parts = []
    for status in STATUS_ORDER:
        n = report["summary"]["by_status"].get(status, 0)
        if n:
            light = " light" if status in ("ok", "fixed", "needs_human", "error") else ""
            parts.append('<button type="button" class="st%s" data-status="%s" style="flex:%d 1 0;background:%s" '
                         'title="%s: %s" aria-label="%s: %s">%s %d</button>' % (
                             light, status, n * 1000 // total or 1, html_assets.STATUS_COLOURS[status], status,
                             plural(n, "device"), status, plural(n, "device"), status, n))
    return '<div class="bar" role="group" aria-label="Devices by status">%s</div>' % "".join(parts)


def _options(values, selected_label="any"):
    return '<option value="">%s</option>' % selected_label + "".join(
        '<option value="%s">%s</option>' % (_e(v), _e(v)) for v in values)


def _filters(report):
    devices = report["devices"]
    ids = sorted(set(f["id"] for d in devices for f in d["findings"]))
    versions = sorted(set(d["version"] for d in devices if d.get("version")),
                      key=lambda v: [int(p) if p.isdigit() else 0 for p in v.replace("-", ".").split(".")])
    groups = sorted(set(g for d in devices for g in d.get("groups") or []))
    fields = [
        ("status", "Status", _options([s for s in STATUS_ORDER if report["summary"]["by_status"].get(s)])),
        ("area", "Area with a problem", '<option value="">any</option>' + "".join(
            '<option value="%s">%s</option>' % (a.id, _e(a.title)) for a in areas.AREAS)),
        ("finding", "Finding", _options(ids)),
        ("severity", "Severity", _options(("critical", "warning", "info"))),
        ("version", "FortiOS", _options(versions)),
        ("group", "Inventory group", _options(groups)),
    ]
    if "since_previous" in report:
        fields.append(("delta", "Since the previous run", '<option value="">any</option>' + "".join(
            '<option value="%s">%s</option>' % (k, k.replace("_", " ")) for k in DELTA_KINDS)))
    selects = "".join('<label>%s<select name="%s">%s</select></label>' % (label, name, opts)
                      for name, label, opts in fields)
    return ('<form id="filters" class="filters" role="search">%s<label>Device name<input name="q" type="search" '
            'placeholder="fgt-0" autocomplete="off"></label><button type="reset">Clear</button></form>'
            '<p id="shown" aria-live="polite"></p>' % selects)


_COLUMNS = (("name", "Device"), ("status", "Status"), ("access", "Access"), ("version", "FortiOS"),
            ("groups", "Groups"), ("findings", "Findings"), ("changes", "Changes"), ("errors", "Errors"))
# Column widths (%): the table's layout is fixed, so that 1,000 rows lay out fast.
_WIDTHS = (11, 10, 9, 6, 11, 23, 14, 16)


def _row(i, d):
    cells = [
        '<button type="button" class="x" aria-expanded="false" aria-label="Details of %s">&#9656;</button>%s'
        % (_e(d["name"]), _e(d["name"])),
        _e(d["access"]), _e(d["version"] or ""), _e(", ".join(d.get("groups") or [])),
        "<br>".join(_e(text) for text in grouped_findings(d["findings"])) or "-",
        "<br>".join(_e(change_text(c)) for c in d["changes"]) or "-",
        "<br>".join(_e(x) for x in d["errors"]) or "-"]
    return ('<tr id="dev-%s" data-i="%d" data-status="%s"><td>%s</td><td class="status">%s</td>%s</tr>' % (
        _e(d["name"]), i, _e(d["status"]), cells[0], _e(d["status"]), "".join("<td>%s</td>" % c for c in cells[1:])))


def _refs(items):
    return ", ".join("<code>%s</code>%s%s" % (
        _e(f["id"]), " " + _e(f["object"]) if f.get("object") else "", " (VDOM %s)" % _e(f["vdom"]) if f.get("vdom") else "")
        for f in items)


def _since_previous(report):
    since = report.get("since_previous")
    if not since:
        return ('<section id="since"><h2>Since the previous run</h2><p class="muted">No previous report to compare with '
                '(give <code>fortifleet_report_previous</code>, or write the reports of successive runs side by side).'
                '</p></section>')
    run, counts = since["run"], since["counts"]
    rows = []
    for d in report["devices"]:
        delta = changes.of_device(report, d["name"]) or {}
        if any(delta.get(k) for k in DELTA_KINDS):
            rows.append('<tr data-device="%s"><td><a href="#dev-%s">%s</a></td>%s</tr>' % (
                _e(d["name"]), _e(d["name"]), _e(d["name"]), "".join(
                    '<td data-kind="%s">%s</td>' % (k, _refs(delta.get(k) or [])) for k in DELTA_KINDS)))
    extra = ""
    if since["devices_added"]:
        extra += "<p>New in this run: %s.</p>" % _e(", ".join(since["devices_added"]))
    if since["devices_gone"]:
        extra += "<p>Not in this run (were in the previous one): %s.</p>" % _e(", ".join(since["devices_gone"]))
    return ('<section id="since"><h2>Since the previous run</h2><p>Compared with <b>%s</b> (%s, finished %s): '
            '<span class="k-new">%d new</span>, <span class="k-fixed">%d fixed</span>, %d still open, %d not checked '
            'this time.</p>%s%s<table id="since-table"><thead><tr><th>Device</th><th>New</th><th>Fixed</th><th>Still open'
            '</th><th>Not checked</th></tr></thead><tbody>%s</tbody></table>%s</section>' % (
                _e(run.get("name")), _e(run.get("mode")), _e(run.get("finished")), counts["new"], counts["fixed"],
                counts["open"], counts["not_checked"], extra,
                # A long table is folded (the filter 'Since the previous run' narrows the device table instead).
                "<details><summary>Per device (%d)</summary>" % len(rows) if len(rows) > 30 else "",
                "".join(rows) or '<tr><td colspan="5">No finding then, none now.</td></tr>',
                "</details>" if len(rows) > 30 else ""))


def _clusters(report):
    """The HA clusters of the run (report['clusters'], when the run knew them)."""
    clusters = report.get("clusters") or []
    if not clusters:
        return ""
    rows = "".join('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
        _e(c.get("name")), _e(c.get("primary") or "not in the inventory"), _e(", ".join(c.get("members") or [])),
        {True: "yes", False: "<b>no</b>"}.get(c.get("in_sync"), "unknown")) for c in clusters)
    return ('<h3>HA clusters</h3><table id="clusters"><thead><tr><th>Cluster</th><th>Primary</th><th>Members</th>'
            '<th>In sync</th></tr></thead><tbody>%s</tbody></table>' % rows)


def _human(report):
    actions = report["summary"]["human_actions"]
    if not actions:
        return "<p>Nothing.</p>"
    return "<ul>%s</ul>" % "".join(
        '<li><b>%s</b> (%s, <a href="#finding=%s">%s</a>): %s<br><span class="muted">%s</span></li>' % (
            _e(a["id"]), _e(a["severity"]), _e(a["id"]), plural(len(a["devices"]), "device"), _e(a["remediation"]),
            _e(_first(a["devices"]))) for a in actions)


def _first(names, most=12):
    """A long device list is cut: the link on the count filters the table to all of them."""
    return ", ".join(names[:most]) + (" and %d more" % (len(names) - most) if len(names) > most else "")


def page_data(report):
    """What the script needs, as JSON: the devices in table order with their texts replaced by indexes into
    ``texts`` (each distinct text once)."""
    texts, index = [], {}

    def text(value):
        if value in (None, ""):
            return None
        if value not in index:
            index[value] = len(texts)
            texts.append(value)
        return index[value]

    devices = []
    for d in report["devices"]:
        findings = []
        for f in d["findings"]:
            item = dict((k, f.get(k)) for k in ("id", "severity", "area", "object", "vdom", "auto_fix")
                        if f.get(k) is not None)
            item.update(summary=text(f.get("summary")), detail=text(f.get("detail")),
                        remediation=text(f.get("remediation")))
            findings.append(item)
        entry = dict((k, d.get(k)) for k in ("name", "status", "access", "version", "changes", "groups"))
        entry["areas"] = dict((area, dict(outcome, message=text(outcome.get("message"))))
                              for area, outcome in (d.get("areas") or {}).items())
        entry.update(findings=findings, errors=[text(e) for e in d["errors"]])
        for key in ("topology", "handled_through"):
            if d.get(key) is not None:
                entry[key] = d[key]
        if changes.of_device(report, d["name"]) is not None:
            entry["since_previous"] = changes.of_device(report, d["name"])
        devices.append(entry)
    return {"texts": texts, "devices": devices, "areas": list(AREAS), "status_order": list(STATUS_ORDER),
            "area_titles": dict((a.id, a.title) for a in areas.AREAS), "mode": report["run"]["mode"]}


def _json_for_script(value):
    """JSON that cannot end its <script> element early."""
    return (json.dumps(value, separators=(",", ":"), sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace(u"\u2028", "\\u2028").replace(u"\u2029", "\\u2029"))


def render_html(report):
    run = report["run"]
    head = "".join('<th data-sort="%s" aria-sort="none" scope="col">%s</th>' % (key, title) for key, title in _COLUMNS)
    rows = "".join(_row(i, d) for i, d in enumerate(report["devices"]))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>FortiGate authentication report: %s</title><style>%s</style></head><body>"
        "<h1>FortiGate authentication report: %s</h1>"
        '<p class="meta">Mode <b>%s</b> &middot; %s &middot; started %s &middot; finished %s</p>'
        '<section id="fleet"><h2>Fleet</h2>%s%s</section>'
        "%s"
        '<section id="human"><h2>What a human must do</h2>%s</section>'
        '<section id="devices-section"><h2>Devices</h2>'
        '<noscript><p>Filters, sorting and the detail of each device need JavaScript.</p></noscript>%s'
        '<table id="devices"><colgroup>%s</colgroup><thead><tr>%s</tr></thead><tbody>%s</tbody></table></section>'
        '<script id="report-data" type="application/json">%s</script><script>%s</script></body></html>\n' % (
            _e(run["name"]), html_assets.css(), _e(run["name"]), _e(run["mode"]), plural(run["devices"], "device"),
            _e(run["started"]), _e(run["finished"]), _bar(report), _matrix(report) + _clusters(report),
            _since_previous(report),
            _human(report), _filters(report), "".join('<col style="width:%d%%">' % w for w in _WIDTHS), head, rows,
            _json_for_script(page_data(report)), html_assets.JS))
