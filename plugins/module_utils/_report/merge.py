# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reports of a job-sliced run's slices made into one fleet report (module fortifleet.auth.merge_reports).

Internal API of fortifleet.auth: may change in any release.

AWX job slicing runs one playbook as N jobs, each on every N-th host of the inventory in name order, and each writes
its own report. The merged report is the one a single run over the whole inventory writes, apart from timings: the
devices' entries are the slices' own, the summary and the clusters come from the report's own code (model.build,
topology.clusters), the run-to-run comparison from changes.add_changes.

One thing a slice cannot know: an HA secondary whose primary is in another slice. Its slice diagnoses it read-only
(HA_SECONDARY_ONLY: nothing is ever written through a secondary), where a single run hands the cluster to the
primary's entry and marks the secondary ``handled_through`` it. The merge decides as the single run does
(_fleet/topology.plan over the entries of every slice) and gives such a secondary the single run's entry. That
claims no write: the secondary's slice wrote nothing through it (a secondary whose entry shows a real write keeps
its entry, with a warning), and the primary's entry, unchanged, shows what was done to the cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.fortifleet.auth.plugins.module_utils._config import areas
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import topology as fleet_topology
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._report import changes
from ansible_collections.fortifleet.auth.plugins.module_utils._report import model

REPORT_FILE = changes.REPORT_FILE
# The finding a slice gives an HA secondary whose primary it does not see (_fleet/topology.py).
SECONDARY_ONLY = "HA_SECONDARY_ONLY"
RUN_KEYS = ("name", "mode")


def _refuse(field, reason, hint):
    raise err.InputError(field, reason, hint)


def slice_files(slices, slices_dir):
    """The report.json of every slice: each of ``slices`` (a report directory or a report.json), then each
    subdirectory of ``slices_dir``. A slice without its report.json is refused: it did not finish, or wrote
    elsewhere, and a merged report without its devices would look complete."""
    paths = [(p, "slices") for p in slices or []]
    if slices_dir:
        try:
            names = sorted(n for n in os.listdir(slices_dir) if os.path.isdir(os.path.join(slices_dir, n)))
        except OSError as exc:
            _refuse("slices_dir", "cannot list %s (%s)" % (slices_dir, exc.strerror or exc),
                    "Give the directory that holds one report directory per slice job.")
        if not names:
            _refuse("slices_dir", "%s holds no slice directory" % slices_dir,
                    "Each slice job writes its report into a directory of its own under it (fortifleet_report_dir).")
        paths += [(os.path.join(slices_dir, n), "slices_dir") for n in names]
    out = []
    for path, field in paths:
        path = os.path.abspath(path)
        found = os.path.join(path, REPORT_FILE) if os.path.isdir(path) else path
        if not os.path.isfile(found):
            _refuse(field, "the slice %s has no %s" % (path, REPORT_FILE),
                    "Every slice's report is needed: a slice job that failed before its report play wrote nothing. "
                    "Run that slice again (or the whole run) before merging.")
        if found in out:
            _refuse(field, "the slice %s is given twice" % found, "Give each slice's report once.")
        out.append(found)
    return out


def load_slice(path):
    """One slice's report, or a refusal saying why it cannot be used."""
    try:
        with open(path) as handle:
            report = json.load(handle)
    except (IOError, OSError) as exc:
        _refuse("slices", "cannot read the slice %s (%s)" % (path, exc.strerror or exc),
                "Check that the merge job can read every slice's report directory.")
    except ValueError as exc:
        _refuse("slices", "the slice %s is not JSON (%s)" % (path, exc),
                "The file is damaged or cut short: run that slice again.")
    if not isinstance(report, dict) or not isinstance(report.get("devices"), list) \
            or not isinstance(report.get("run"), dict):
        _refuse("slices", "%s is not a fortifleet.auth report" % path, "Give the report.json a slice job wrote.")
    return report


def check_one_run(loaded):
    """Refuse slices that are not of one run of this report schema: another schema version, run name or mode."""
    versions = sorted(set(str(r.get("schema_version")) for unused_path, r in loaded))
    if versions != [str(model.SCHEMA_VERSION)]:
        _refuse("slices", "the slices have report schema version %s; this collection writes version %s"
                % (", ".join(versions), model.SCHEMA_VERSION),
                "Run every slice and the merge with the same fortifleet.auth release.")
    for key in RUN_KEYS:
        seen = {}
        for path, report in loaded:
            seen.setdefault(report["run"].get(key), []).append(path)
        if len(seen) > 1:
            _refuse("slices", "the slices are not of one run: run %s %s" % (key, "; ".join(
                "%s in %s" % (value, ", ".join(paths)) for value, paths in sorted(seen.items(), key=str))),
                "Merge only the slices of one launch (one playbook, one mode); keep each launch's slices in a "
                "directory of their own.")


def collect_devices(loaded):
    """name -> the device's entry; a device found in two slices is refused (AWX puts each host in one slice)."""
    devices, where = {}, {}
    for path, report in loaded:
        for device in report["devices"]:
            name = device.get("name")
            if name in where:
                _refuse("slices", "the device %s is in two slices: %s and %s" % (name, where[name], path),
                        "Slices of one run share no host; these are not the slices of one run, or one was given "
                        "twice under another name.")
            where[name] = path
            devices[name] = in_report_order(device)
    return devices


def in_report_order(device):
    """The entry with its areas in the order model.build gives them (report.json stores them sorted): the pages list
    a device's areas, and number its texts, in that order."""
    outcomes = device.get("areas")
    if isinstance(outcomes, dict):
        ordered = [a for a in model.AREAS if a in outcomes] + sorted(a for a in outcomes if a not in model.AREAS)
        device = dict(device, areas=dict((a, outcomes[a]) for a in ordered))
    return device


def _record(device):
    """What _fleet/topology and the report's clusters read of an entry, from its report entry."""
    return {"topology": device.get("topology"), "preflight": {"serial": device.get("serial")}}


def handled_through_plan(devices, usable):
    """secondary's name -> its primary's name, decided as the single run does (_fleet/topology.plan) over the entries
    of every slice that passed the preflight. Inventory order is name order, as AWX's slicing orders its hosts."""
    ready = sorted(name for name, d in devices.items() if d.get("access") in usable)
    plan = fleet_topology.plan(dict((name, _record(devices[name])) for name in ready), ready)
    return dict((name, decision["handled_through"]) for name, decision in plan.items()
                if decision.get("handled_through"))


def _ran_areas(device):
    """The areas a slice ran on the entry (beyond access and system, which every usable device has)."""
    outcomes = device.get("areas") or {}
    return [a for a in model.AREAS if a not in ("api_access", "system")
            and (outcomes.get(a) or {}).get("outcome", "skipped") != "skipped"]


def as_handled_through(device, primary, check_mode, usable):
    """The entry a single run writes for a secondary handled through ``primary``, from the secondary's slice entry:
    what its preflight found, and its areas skipped. The slice runs the preflight, then adds HA_SECONDARY_ONLY
    before any area (_fleet/device.py), so the findings before it are the preflight's; an error of an area names
    the area's role, one of the preflight names its subset."""
    findings = device.get("findings") or []
    cut = next(i for i, f in enumerate(findings) if f.get("id") == SECONDARY_ONLY)
    findings = findings[:cut]
    errors = [e for e in device.get("errors") or [] if e.split(":", 1)[0].strip() not in areas.ROLES]
    ran = _ran_areas(device)
    outcomes = model.area_outcomes({"areas": ran, "skipped_areas": ran}, device["access"], findings, errors, usable)
    for area, outcome in (device.get("areas") or {}).items():
        if area not in ("api_access", "system") and area not in ran:
            outcomes[area] = outcome  # not run in the slice either: its own reason stands
    merged = dict(device, findings=findings, changes=[], errors=errors, areas=outcomes, handled_through=primary,
                  status=model.device_status(device["access"], findings, [], errors, check_mode))
    return merged


def reconcile_clusters(devices, check_mode, usable, warn):
    """Give each secondary whose primary's entry acted in another slice the single run's entry. Returns
    secondary -> primary for the entries changed."""
    done = {}
    for name, primary in sorted(handled_through_plan(devices, usable).items()):
        device = devices[name]
        if device.get("handled_through") == primary:
            continue  # the primary was in the same slice: the slice decided as a single run does
        if not any(f.get("id") == SECONDARY_ONLY for f in device.get("findings") or []):
            continue  # a run without areas: nothing to hand over
        # A held area drops its would-be changes (_fleet/device.py _run_area): a change here was written.
        written = device.get("changes") or []
        if written:
            warn("%s is an HA secondary whose primary %s is in another slice, but its entry shows writes (%s): it "
                 "keeps its own entry in the merged report." % (name, primary, "; ".join(
                     model.change_text(c) for c in written)))
            continue
        devices[name] = as_handled_through(device, primary, check_mode, usable)
        done[name] = primary
    return done


def same_unit_in_two_slices(devices, usable, warn):
    """Two entries of one FortiGate (one serial) in two slices both acted on it, where a single run acts once."""
    by_serial = {}
    for name in sorted(devices):
        d = devices[name]
        # An entry whose areas did not run (a duplicate its own slice caught, a secondary) did not act.
        if d.get("serial") and d.get("access") in usable and _ran_areas(d):
            by_serial.setdefault(d["serial"], []).append(name)
    for serial, names in sorted(by_serial.items()):
        if len(names) > 1:
            warn("%s reach the same FortiGate (serial %s) from different slices, and each slice acted on it: keep "
                 "one inventory entry per FortiGate." % (" and ".join(names), serial))


def summary_and_clusters(devices, run_name, check_mode, usable):
    """``summary`` and ``clusters`` of the merged report, computed by model.build (the code a single run's report
    uses) from what each entry says; build's statuses must be the entries' own."""
    hosts = dict((name, dict(_record(d), ran=True, findings=d.get("findings"), changes=d.get("changes"),
                             errors=d.get("errors"), preflight=dict(_record(d)["preflight"], access=d.get("access"))))
                 for name, d in devices.items())
    built = model.build(hosts, run_name, check_mode, usable=usable)
    differ = [d["name"] for d in built["devices"] if d["status"] != devices[d["name"]].get("status")]
    if differ:
        _refuse("slices", "the status of %s does not follow from its entry" % ", ".join(differ[:5]),
                "The slices were written by another fortifleet.auth release: merge with the release that ran them.")
    return built["summary"], built["clusters"]


def merge(loaded, usable, warn):
    """The merged report from the slices' reports ([(path, report)]); returns (report, reconciled secondaries)."""
    check_one_run(loaded)
    devices = collect_devices(loaded)
    run = loaded[0][1]["run"]
    check_mode = run.get("mode") == "check"
    reconciled = reconcile_clusters(devices, check_mode, usable, warn)
    same_unit_in_two_slices(devices, usable, warn)
    summary, clusters = summary_and_clusters(devices, run.get("name"), check_mode, usable)
    started = [r["run"].get("started") for unused_path, r in loaded if r["run"].get("started")]
    finished = [r["run"].get("finished") for unused_path, r in loaded if r["run"].get("finished")]
    report = {
        "schema_version": model.SCHEMA_VERSION,
        # The run spans its slices: the first one's start to the last one's end (ISO 8601 UTC sorts as text).
        "run": {"name": run.get("name"), "mode": run.get("mode"), "started": min(started) if started else None,
                "finished": max(finished) if finished else None, "devices": len(devices)},
        "summary": summary,
        "devices": [devices[name] for name in sorted(devices)],
        "clusters": clusters,
    }
    return report, reconciled


def previous_for(report_dir, previous, slice_paths, warn):
    """The previous report to compare with (as fleet_report's previous_report), never one of this run's slices:
    by default the newest report.json beside report_dir, which is a slice when the slices sit beside it."""
    path = changes.previous_path(report_dir, previous)
    if path is None:
        return "none"
    found = os.path.join(path, REPORT_FILE) if os.path.isdir(path) else path
    if os.path.abspath(found) in slice_paths:
        warn("No run-to-run changes in the merged report: the previous report %s is a slice of this run. Keep the "
             "slices' directories apart from the merged reports' (docs/job-slicing.md), or give previous_report."
             % found)
        return "none"
    return path


def merged_report(slices, slices_dir, expected, report_dir, previous, usable, warn):
    """Everything before writing: the slices found and checked, the merged report with its run-to-run changes.
    Returns (report, the slices' report.json paths, secondary -> primary of the reconciled entries); refuses
    (err.InputError) before anything is written."""
    paths = slice_files(slices, slices_dir)
    if expected is not None and expected != len(paths):
        _refuse("expected_slices", "%d slices were expected, %d found (%s)" % (expected, len(paths), ", ".join(paths)),
                "A slice job that did not write its report is missing: run it again before merging.")
    report_dir = os.path.abspath(report_dir)
    if os.path.join(report_dir, REPORT_FILE) in paths:
        _refuse("report_dir", "%s is a slice's own report directory" % report_dir,
                "Write the merged report into a directory of its own: merging into a slice would overwrite it.")
    loaded = [(path, load_slice(path)) for path in paths]
    report, reconciled = merge(loaded, usable, warn)
    why_not = changes.add_changes(report, report_dir, previous_for(report_dir, previous, paths, warn))
    if why_not:
        warn(why_not)
    return report, paths, reconciled
