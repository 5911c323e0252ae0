# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CSS and JavaScript of report.html, inlined into the page: it loads nothing and works from file://.

Internal API of fortifleet.auth: may change in any release.

Colours are the Okabe-Ito palette (told apart with the common colour-vision deficiencies); every cell also says its
state in words (title and aria-label), and a skipped cell is hatched, not only grey.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Cell states of the matrix and device statuses, each with its colour (the page's legend is built from these).
CELL_COLOURS = {
    "passed": "#009E73", "changed": "#56B4E9", "warning": "#F0E442", "failed": "#D55E00", "error": "#CC79A7",
    "skipped": "#d9d9d9",
}
STATUS_COLOURS = {
    "ok": "#009E73", "fixed": "#56B4E9", "drift": "#0072B2", "needs_human": "#E69F00", "auth_failed": "#D55E00",
    "unreachable": "#555555", "error": "#CC79A7",
}

_CSS_BASE = """
:root{--fg:#1d1d1d;--muted:#5c5c5c;--line:#d0d0d0;--head:#eef1f6}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em 2em;color:var(--fg)}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.4em 0 .4em}
.meta{color:var(--muted);margin:0 0 1em}
.bar{display:flex;height:28px;border:1px solid var(--line);border-radius:4px;overflow:hidden;margin:.4em 0}
.bar button{border:0;margin:0;padding:0 4px;color:#fff;font:inherit;font-size:12px;white-space:nowrap;overflow:hidden;
 cursor:pointer;min-width:2px;text-shadow:0 0 2px #000}
.bar button.light{color:#000;text-shadow:none}
.legend{display:flex;flex-wrap:wrap;gap:.3em 1.2em;margin:.4em 0;color:var(--muted);font-size:12px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #777}
.group{margin:.5em 0 .8em}.group h3{font-size:13px;margin:.2em 0;font-weight:600}
.group h3 small{font-weight:400;color:var(--muted)}
.tiles{display:flex;flex-wrap:wrap;gap:5px 2px}
.t{display:inline-flex;flex-direction:column;gap:1px;text-decoration:none}
@media screen{.t.dim .c{background:#eee}}
.c{display:block;width:11px;height:7px;border:0}.big .c{width:18px;height:11px}.big .tiles{gap:3px}
.c:hover,.t:focus .c{outline:1px solid #000}
.s-skipped{background:repeating-linear-gradient(45deg,#d9d9d9 0 2px,#f4f4f4 2px 4px)}
form.filters{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:end;background:var(--head);padding:.6em .8em;
 border-radius:4px;position:sticky;top:0;z-index:2}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
form.filters select,form.filters input{font:inherit;padding:2px 4px;min-width:9em}
#shown{font-size:12px;color:var(--muted);margin:.4em 0}
table{border-collapse:collapse;margin:.5em 0;width:100%}
#devices{table-layout:fixed}#devices td{overflow-wrap:anywhere}
#devices>tbody>tr:not(.detail)>td{content-visibility:auto;contain-intrinsic-size:auto 2.2em}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:var(--head)}th[data-sort]{cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.status{font-weight:600;white-space:nowrap}
td.status::before{content:"";display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:50%;
 background:var(--dot,#999)}
button.x{border:1px solid var(--line);background:#fff;cursor:pointer;font:inherit;padding:0 5px;margin-right:4px}
tr.detail>td{background:#fafafa;padding:.6em 1em}
tr.hl>td{background:#fff8d6}
.detail h4{margin:.6em 0 .2em;font-size:13px}
.detail ul{margin:.2em 0 .4em;padding-left:1.3em}
.sev-critical{color:#b03a00;font-weight:600}.sev-warning{color:#7a5a00;font-weight:600}.sev-info{color:var(--muted)}
.k-new{color:#b03a00;font-weight:600}.k-fixed{color:#00664a;font-weight:600}.k-open{color:var(--muted)}
code{font-size:12px}
.muted{color:var(--muted)}
"""

_CSS_PRINT = """
@media print{
 body{margin:0;font-size:10px}
 form.filters,button.x,.noprint{display:none!important}
 .bar button,.c,.legend i,td.status::before{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 table{page-break-inside:auto}tr{page-break-inside:avoid}
 a{color:inherit;text-decoration:none}
 #devices>tbody>tr>td{content-visibility:visible}
}
"""


def css():
    """The page's stylesheet: the base rules, one rule per cell state and device status colour, and print rules."""
    colours = "".join(".s-%s{background:%s}" % (state, colour) for state, colour in CELL_COLOURS.items()
                      if state != "skipped")
    dots = "".join("tr[data-status=%s] td.status{--dot:%s}" % (status, colour)
                   for status, colour in STATUS_COLOURS.items())
    return _CSS_BASE + colours + dots + _CSS_PRINT


# The page's behaviour. Data: the JSON in #report-data (devices in table order, texts deduplicated in `texts`).
# Filters live in the URL's fragment (#status=error&area=ems&q=fgt-01&sort=version:desc), so a link keeps them;
# a fragment that names a device row (#dev-...) opens that row instead.
JS = r"""
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var T = data.texts, devices = data.devices, AREAS = data.areas, STATUS = data.status_order;
  var body = document.querySelector('#devices tbody');
  var rows = Array.prototype.slice.call(body.rows);
  var form = document.getElementById('filters');
  var tiles = document.querySelectorAll('.t');
  var FILTERS = ['status', 'area', 'finding', 'severity', 'version', 'group', 'delta', 'q'];
  var state = {sort: '', dir: ''};

  function t(i) { return i === null || i === undefined ? '' : T[i]; }
  function esc(s) {
    return String(s === null || s === undefined ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  // What each filter tests, computed once per device.
  var keys = devices.map(function (d) {
    var k = {status: d.status, version: d.version || '', name: d.name.toLowerCase(),
             group: {}, finding: {}, severity: {}, area: {}, delta: {}};
    (d.groups || []).forEach(function (g) { k.group[g] = 1; });
    d.findings.forEach(function (f) { k.finding[f.id] = 1; k.severity[f.severity] = 1; k.area[f.area] = 1; });
    AREAS.forEach(function (a) {
      var o = d.areas[a] && d.areas[a].outcome;
      if (o === 'failed' || o === 'error') { k.area[a] = 1; }
    });
    var sp = d.since_previous;
    if (sp) { Object.keys(sp).forEach(function (kind) { if (sp[kind].length) { k.delta[kind] = 1; } }); }
    return k;
  });
  function matches(k, f) {
    if (f.status && k.status !== f.status) { return false; }
    if (f.version && k.version !== f.version) { return false; }
    if (f.group && !k.group[f.group]) { return false; }
    if (f.finding && !k.finding[f.finding]) { return false; }
    if (f.severity && !k.severity[f.severity]) { return false; }
    if (f.area && !k.area[f.area]) { return false; }
    if (f.delta && !k.delta[f.delta]) { return false; }
    if (f.q && k.name.indexOf(f.q.toLowerCase()) < 0) { return false; }
    return true;
  }
  function apply() {
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i], ok = matches(keys[+row.dataset.i], state);
      row.hidden = !ok;
      if (row.nextElementSibling && row.nextElementSibling.classList.contains('detail')) {
        row.nextElementSibling.hidden = !ok;
      }
      if (ok) { shown++; }
    }
    for (var j = 0; j < tiles.length; j++) {
      tiles[j].classList.toggle('dim', !matches(keys[+tiles[j].dataset.i], state));
    }
    document.getElementById('shown').textContent = 'Showing ' + shown + ' of ' + rows.length + ' devices.';
  }
  function versionKey(v) {
    return (v || '').split(/[^0-9]+/).filter(Boolean).map(function (n) { return ('000000' + n).slice(-6); }).join('.');
  }
  var SORTERS = {
    name: function (d) { return d.name; },
    status: function (d) { return ('0' + STATUS.indexOf(d.status)).slice(-2); },
    access: function (d) { return d.access; },
    version: function (d) { return versionKey(d.version); },
    groups: function (d) { return (d.groups || []).join(','); },
    findings: function (d) { return ('00000' + d.findings.length).slice(-6); },
    changes: function (d) { return ('00000' + d.changes.length).slice(-6); },
    errors: function (d) { return ('00000' + d.errors.length).slice(-6); }
  };
  function sort() {
    document.querySelectorAll('#devices th[data-sort]').forEach(function (th) {
      th.setAttribute('aria-sort', th.dataset.sort === state.sort ? (state.dir === 'desc' ? 'descending' : 'ascending') : 'none');
    });
    var by = SORTERS[state.sort];
    if (!by) { return; }
    var sign = state.dir === 'desc' ? -1 : 1;
    var order = rows.slice().sort(function (a, b) {
      var x = by(devices[+a.dataset.i]), y = by(devices[+b.dataset.i]);
      return sign * (x < y ? -1 : x > y ? 1 : 0) || (+a.dataset.i - +b.dataset.i);
    });
    var frag = document.createDocumentFragment();
    order.forEach(function (row) {
      var detail = row.nextElementSibling && row.nextElementSibling.classList.contains('detail') ? row.nextElementSibling : null;
      frag.appendChild(row);
      if (detail) { frag.appendChild(detail); }
    });
    body.appendChild(frag);
  }
  function readHash() {
    var h = location.hash.replace(/^#/, '');
    if (/^dev-/.test(h)) { return false; }
    var p = new URLSearchParams(h);
    FILTERS.forEach(function (name) { state[name] = p.get(name) || ''; });
    var s = (p.get('sort') || '').split(':');
    state.sort = SORTERS[s[0]] ? s[0] : '';
    state.dir = s[1] === 'desc' ? 'desc' : 'asc';
    FILTERS.forEach(function (name) { if (form.elements[name]) { form.elements[name].value = state[name]; } });
    return true;
  }
  function writeHash() {
    var p = new URLSearchParams();
    FILTERS.forEach(function (name) { if (state[name]) { p.set(name, state[name]); } });
    if (state.sort) { p.set('sort', state.sort + ':' + state.dir); }
    var h = p.toString();
    history.replaceState(null, '', h ? '#' + h : location.pathname + location.search);
  }
  function list(items, render) {
    return items.length ? '<ul>' + items.map(function (x) { return '<li>' + render(x) + '</li>'; }).join('') + '</ul>' : '';
  }
  function ref(f) {
    return '<code>' + esc(f.id) + '</code>' + (f.object ? ' ' + esc(f.object) : '') + (f.vdom ? ' (VDOM ' + esc(f.vdom) + ')' : '');
  }
  function value(v) { return typeof v === 'object' ? JSON.stringify(v) : String(v); }
  function detailHtml(d) {
    var out = [];
    out.push('<h4>Areas</h4>' + list(AREAS, function (a) {
      var o = d.areas[a] || {outcome: 'passed'};
      var why = o.message !== undefined && o.message !== null ? ' \u2014 ' + esc(t(o.message)) : '';
      return esc(data.area_titles[a]) + ': <b>' + esc(o.outcome) + '</b>' + why;
    }));
    if (d.findings.length) {
      out.push('<h4>Findings</h4>' + list(d.findings, function (f) {
        return '<span class="sev-' + esc(f.severity) + '">' + esc(f.severity) + '</span> ' + ref(f) +
          (f.auto_fix ? ' <span class="muted">(fixed by remediate)</span>' : '') + ': ' + esc(t(f.summary)) +
          (t(f.detail) ? '<br><span class="muted">' + esc(t(f.detail)) + '</span>' : '') +
          '<br>What to do: ' + esc(t(f.remediation));
      }));
    }
    if (d.changes.length) {
      out.push('<h4>Changes' + (data.mode === 'check' ? ' (would be made)' : '') + '</h4>' + list(d.changes, function (c) {
        return Object.keys(c).filter(function (k) { return k !== 'check_mode' && c[k] !== null && !(Array.isArray(c[k]) && !c[k].length); })
          .map(function (k) { return esc(k) + ': <code>' + esc(value(c[k])) + '</code>'; }).join('; ');
      }));
    }
    if (d.errors.length) { out.push('<h4>Errors</h4>' + list(d.errors, function (e) { return esc(t(e)); })); }
    var sp = d.since_previous;
    if (sp) {
      out.push('<h4>Since the previous run</h4>' + list(['new', 'fixed', 'open', 'not_checked'].filter(function (k) { return sp[k].length; }), function (k) {
        return '<span class="k-' + k + '">' + k.replace('_', ' ') + '</span>: ' + sp[k].map(ref).join(', ');
      }) || '<p class="muted">No finding then, none now.</p>');
    }
    var topo = d.topology, ctx = [];
    if (topo && topo.ha) {
      var ha = topo.ha;
      ctx.push('HA: ' + esc(ha.mode || 'unknown') + (ha.group_name ? ', group ' + esc(ha.group_name) : '') +
        (ha.role ? ', this unit is ' + esc(ha.role) : '') +
        (ha.in_sync === false ? ', <b>out of sync</b>' : ha.in_sync ? ', in sync' : '') +
        (ha.members && ha.members.length ? ', members: ' + ha.members.map(function (m) {
          return esc(m.hostname || m.serial) + (m.primary ? ' (primary)' : '');
        }).join(', ') : ''));
    }
    if (topo && topo.fortimanager) {
      var fmg = topo.fortimanager;
      ctx.push('FortiManager: ' + (fmg.managed ? 'managed' + (fmg.address ? ' by ' + esc(fmg.address) : '') : 'not managed'));
    }
    if (topo && topo.vdom_mode) {
      ctx.push('VDOMs: ' + esc(topo.vdom_mode) + (topo.vdoms && topo.vdoms.length ? ' (' + topo.vdoms.map(esc).join(', ') + ')' : ''));
    }
    if (d.handled_through) { ctx.push('Handled through the HA primary ' + esc(d.handled_through)); }
    if (ctx.length) { out.push('<h4>Context</h4>' + list(ctx, function (x) { return x; })); }
    return out.join('');
  }
  function toggle(row, open) {
    var next = row.nextElementSibling, isOpen = next && next.classList.contains('detail');
    if (open === undefined) { open = !isOpen; }
    var button = row.querySelector('button.x');
    if (open && !isOpen) {
      var tr = document.createElement('tr');
      tr.className = 'detail';
      tr.innerHTML = '<td colspan="' + row.cells.length + '">' + detailHtml(devices[+row.dataset.i]) + '</td>';
      row.parentNode.insertBefore(tr, next);
    } else if (!open && isOpen) {
      next.parentNode.removeChild(next);
    }
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    button.textContent = open ? '\u25BE' : '\u25B8';
  }
  function reveal(i) {
    var row = document.getElementById('dev-' + devices[i].name);
    if (!row) { return; }
    if (row.hidden) {  // filtered out: clear the filters so that the row shows
      FILTERS.forEach(function (n) { state[n] = ''; if (form.elements[n]) { form.elements[n].value = ''; } });
      apply(); writeHash();
    }
    toggle(row, true);
    rows.forEach(function (r) { r.classList.remove('hl'); });
    row.classList.add('hl');
    row.scrollIntoView({block: 'center'});
    row.querySelector('button.x').focus();
  }
  body.addEventListener('click', function (ev) {
    var b = ev.target.closest('button.x');
    if (b) { toggle(b.closest('tr')); }
  });
  // A cell's tooltip is its aria-label, given on first hover (half the page's size at 1,000 devices).
  document.getElementById('matrix').addEventListener('mouseover', function (ev) {
    var c = ev.target.closest && ev.target.closest('.c');
    if (c && !c.title) { c.title = c.getAttribute('aria-label'); }
  });
  document.getElementById('matrix').addEventListener('click', function (ev) {
    var a = ev.target.closest('a.t');
    if (!a) { return; }
    ev.preventDefault();
    reveal(+a.dataset.i);
  });
  document.querySelectorAll('.bar button').forEach(function (b) {
    b.addEventListener('click', function () {
      state.status = state.status === b.dataset.status ? '' : b.dataset.status;
      form.elements.status.value = state.status; apply(); writeHash();
    });
  });
  document.querySelectorAll('#devices th[data-sort]').forEach(function (th) {
    th.addEventListener('click', function () {
      state.dir = state.sort === th.dataset.sort && state.dir === 'asc' ? 'desc' : 'asc';
      state.sort = th.dataset.sort; sort(); writeHash();
    });
  });
  form.addEventListener('input', function (ev) {
    if (!ev.target.name) { return; }
    state[ev.target.name] = ev.target.value; apply(); writeHash();
  });
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });
  form.addEventListener('reset', function () {
    setTimeout(function () { FILTERS.forEach(function (n) { state[n] = ''; }); apply(); writeHash(); }, 0);
  });
  window.addEventListener('hashchange', function () {
    var h = location.hash.replace(/^#/, '');
    if (/^dev-/.test(h)) {
      var row = document.getElementById(decodeURIComponent(h));
      if (row) { reveal(+row.dataset.i); }
      return;
    }
    readHash(); sort(); apply();
  });
  if (readHash()) {
    sort(); apply();
  } else {  // opened on a device's anchor
    apply();
    var row = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (row && row.dataset.i) { reveal(+row.dataset.i); }
  }
  window.fortifleetReadyAt = performance.now();
  document.documentElement.dataset.ready = '1';
})();
"""
