"""merge_reports (_report/merge.py): the slices of a job-sliced run merged into the report a single run writes, the
HA secondary whose primary is in another slice, and every refusal (before anything is written)."""
import json
import os

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import topology as fleet_topology
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._report import merge
from ansible_collections.fortifleet.auth.plugins.module_utils._report import merge_reports
from ansible_collections.fortifleet.auth.plugins.module_utils._report import model
from ansible_collections.fortifleet.auth.plugins.module_utils._report.render import RENDERERS, write
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_task

ROLES = ["ftm_push", "fortitoken", "ems_connector"]
# The fields of a report that are timings or paths: the only ones a merged report may differ in.
TIMINGS = (("run", "started"), ("run", "finished"))

PRIMARY, SECONDARY = "FGT-P", "FGT-S"


def _ha(role):
    return {"ha": {"mode": "a-p", "group_name": "FGT-HA-1", "group_id": 1, "role": role, "primary_serial": PRIMARY,
                   "members": [{"serial": PRIMARY}, {"serial": SECONDARY}], "in_sync": True}}


def record(serial, access="ok", findings=(), changes=(), errors=(), topology=None, **extra):
    out = {"ran": True, "address": "192.0.2.%d" % (len(serial) % 200), "areas": list(ROLES),
           "preflight": {"access": access, "version": "7.4.4", "serial": serial, "system": {"model": "FGVM"}},
           "findings": list(findings), "changes": list(changes), "errors": list(errors), "groups": ["branch"]}
    if topology is not None:
        out["topology"] = topology
    out.update(extra)
    return out


def finding(fid, severity, area, auto_fix=False):
    """A finding as the records hold it (_config/findings.py finding)."""
    return {"id": fid, "severity": severity, "area": area, "summary": "%s on this device" % fid,
            "remediation": "fix %s" % fid, "auto_fix": auto_fix, "object": "cmdb %s" % area}


def push_disabled():
    return finding("FTM_PUSH_DISABLED", "warning", "ftm_push", auto_fix=True)


def fleet(check_mode):
    """name -> record of one run over the whole fleet (the single run), as the fleet task records them."""
    change = [{"area": "ftm_push", "object": "cmdb system/ftm-push", "changed_keys": ["status"],
               "check_mode": check_mode}]
    return {
        "fgt-a": record("A1", check_mode=check_mode),
        "fgt-b": record("B1", findings=[push_disabled()], changes=change),
        "fgt-c": record("C1", access="token_rejected", findings=[finding("API_TOKEN_REJECTED", "critical", "api_access")]),
        # two areas with texts of their own: the page numbers them in the report's area order
        "fgt-d": record("D1", errors=["fortitoken: read failed"],
                        findings=[finding("FTM_PUSH_FORTIGUARD_UNREACHABLE", "critical", "ftm_push")]),
        "fgt-p": record(PRIMARY, topology=_ha("primary"), findings=[push_disabled()], changes=change),
        # the single run hands the cluster to the primary's entry (_fleet/device.py _handled_elsewhere)
        "fgt-s": record(SECONDARY, topology=_ha("secondary"), handled_through="fgt-p", skipped_areas=list(ROLES)),
    }


def secondary_alone(check_mode):
    """The secondary's record in a slice without its primary: preflight findings, HA_SECONDARY_ONLY, then its areas
    held (_fleet/device.py _run_area: their would-be changes dropped, their fixes left to a human), and an area's
    error, as _fleet/device.py _areas_phase records them."""
    only = fleet_topology.plan({"fgt-s": {"topology": _ha("secondary"), "preflight": {"serial": SECONDARY}}},
                               ["fgt-s"])["fgt-s"]["findings"]
    held = dict(push_disabled(), auto_fix=False)
    return record(SECONDARY, topology=_ha("secondary"), findings=only + [held],
                  errors=["ems_connector: ems status read failed"], check_mode=check_mode)


def slice_dirs(tmp_path, run_name, check_mode, count=2, records=None):
    """The fleet's devices dealt to ``count`` slices as AWX does (host i in slice i mod count, name order), each
    slice's report written by the report's own code."""
    hosts = records or fleet(check_mode)
    names = sorted(hosts)
    dirs = []
    for index in range(count):
        mine = dict((n, hosts[n]) for n in names[index::count])
        if "fgt-s" in mine and "fgt-p" not in mine:
            mine["fgt-s"] = secondary_alone(check_mode)
        path = tmp_path / ("slice-%d" % index)
        write(model.build(mine, run_name, check_mode), str(path))
        dirs.append(str(path))
    return dirs


def without_timings(report):
    report = json.loads(json.dumps(report))
    for outer, inner in TIMINGS:
        report[outer].pop(inner, None)
    return report


def warnings():
    out = []
    return out, out.append


@pytest.mark.parametrize("check_mode", [True, False], ids=["diagnose", "remediate"])
def test_the_merged_slices_equal_the_single_run_apart_from_timings(tmp_path, check_mode):
    name = "diagnose" if check_mode else "remediate"
    single = model.build(fleet(check_mode), name, check_mode)
    dirs = slice_dirs(tmp_path, name, check_mode)
    said, warn = warnings()
    merged, paths, reconciled = merge.merged_report(dirs, None, 2, str(tmp_path / "merged"), "none",
                                                    list(model.USABLE), warn)
    assert without_timings(merged) == without_timings(single)
    # the secondary's slice did not see its primary; the merged entry is the single run's: handled through it
    assert reconciled == {"fgt-s": "fgt-p"} and said == []
    secondary = [d for d in merged["devices"] if d["name"] == "fgt-s"][0]
    assert secondary["changes"] == [] and secondary["handled_through"] == "fgt-p"
    assert paths == [os.path.join(d, "report.json") for d in dirs]
    # every file the same, once the timings are the same (the page numbers its texts in the areas' order)
    merged["run"].update((k, single["run"][k]) for unused_outer, k in TIMINGS)
    for name, render in RENDERERS.items():
        assert render(merged) == render(single), name


def test_the_merged_run_spans_its_slices(tmp_path):
    dirs = slice_dirs(tmp_path, "diagnose", True)
    for index, (started, finished) in enumerate([("2026-01-05T10:00:00Z", "2026-01-05T10:03:00Z"),
                                                 ("2026-01-05T10:00:30Z", "2026-01-05T10:02:00Z")]):
        path = os.path.join(dirs[index], "report.json")
        report = json.load(open(path))
        report["run"].update(started=started, finished=finished)
        json.dump(report, open(path, "w"))
    merged = merge.merged_report(dirs, None, None, str(tmp_path / "m"), "none", list(model.USABLE), print)[0]
    assert (merged["run"]["started"], merged["run"]["finished"]) == ("2026-01-05T10:00:00Z", "2026-01-05T10:03:00Z")


def test_a_secondary_whose_slice_wrote_keeps_its_entry_with_a_warning(tmp_path):
    hosts = fleet(False)
    dirs = slice_dirs(tmp_path, "remediate", False, records=hosts)
    # a slice that wrote through the secondary (it must not: the merge never hides a write)
    path = [os.path.join(d, "report.json") for d in dirs if "fgt-s" in open(os.path.join(d, "report.json")).read()][0]
    report = json.load(open(path))
    entry = [d for d in report["devices"] if d["name"] == "fgt-s"][0]
    entry["changes"] = [{"area": "ftm_push", "object": "cmdb system/ftm-push", "changed_keys": ["status"],
                         "check_mode": False}]
    json.dump(report, open(path, "w"))
    said, warn = warnings()
    merged, unused_paths, reconciled = merge.merged_report(dirs, None, None, str(tmp_path / "m"), "none",
                                                           list(model.USABLE), warn)
    assert reconciled == {}
    kept = [d for d in merged["devices"] if d["name"] == "fgt-s"][0]
    assert kept["changes"] == entry["changes"] and "handled_through" not in kept
    assert len(said) == 1 and "fgt-s" in said[0] and "shows writes" in said[0]


def test_a_secondary_whose_primary_was_left_out_stays_secondary_only(tmp_path):
    hosts = fleet(True)
    hosts["fgt-p"] = record(PRIMARY, access="unreachable", topology=_ha("primary"))
    hosts["fgt-s"] = secondary_alone(True)  # a single run does the same: the primary is not usable
    single = model.build(hosts, "diagnose", True)
    dirs = slice_dirs(tmp_path, "diagnose", True, records=hosts)
    merged, unused_paths, reconciled = merge.merged_report(dirs, None, None, str(tmp_path / "m"), "none",
                                                           list(model.USABLE), print)
    assert reconciled == {} and without_timings(merged) == without_timings(single)


def test_the_comparison_is_with_the_previous_merged_report_never_a_slice(tmp_path):
    slices = tmp_path / "reports"
    dirs = slice_dirs(slices, "diagnose", True)
    said, warn = warnings()
    # the merged report beside its slices: the newest report.json there is a slice of this very run
    merged = merge.merged_report(dirs, None, None, str(slices / "merged"), "", list(model.USABLE), warn)[0]
    assert "since_previous" not in merged and "is a slice of this run" in said[0]
    previous = tmp_path / "before"
    write(model.build(dict((n, record("X")) for n in ["fgt-a", "fgt-gone"]), "diagnose", True), str(previous))
    merged = merge.merged_report(dirs, None, None, str(tmp_path / "after"), str(previous), list(model.USABLE),
                                 print)[0]
    since = merged["since_previous"]
    assert since["devices_gone"] == ["fgt-gone"] and "fgt-b" in since["devices_added"]


def test_the_module_writes_the_four_files_and_returns_the_summary(tmp_path):
    dirs = slice_dirs(tmp_path, "diagnose", True)
    out, unused_secrets = run_task(merge_reports, {
        "slices_dir": str(tmp_path), "report_dir": str(tmp_path / "out" / "merged"), "expected_slices": 2,
        "previous_report": "none"})
    assert not out.get("failed"), out
    assert sorted(out["files"]) == ["junit.xml", "report.html", "report.json", "report.md"]
    assert out["mode"] == "check" and out["handled_through"] == {"fgt-s": "fgt-p"} and out["left_out"] == ["fgt-c"]
    assert out["summary_lines"][0].startswith("fortifleet.auth diagnose (check): 6 devices")
    assert out["slices"] == [os.path.join(d, "report.json") for d in dirs]
    check, unused_secrets = run_task(merge_reports, {"slices": dirs, "report_dir": str(tmp_path / "dry")}, check_mode=True)
    assert check["files"] == {} and not os.path.exists(str(tmp_path / "dry"))


# --- refusals: each before anything is written ---------------------------------------------------------------------

def refused(tmp_path, dirs, slices_dir=None, expected=None):
    out_dir = tmp_path / "merged-out"
    with pytest.raises(err.InputError) as caught:
        merge.merged_report(dirs, slices_dir, expected, str(out_dir), "none", list(model.USABLE), print)
    assert not out_dir.exists()
    return str(caught.value)


def edit(path, change):
    path = os.path.join(path, "report.json")
    report = json.load(open(path))
    change(report)
    json.dump(report, open(path, "w"))


def test_a_missing_slice_is_refused(tmp_path):
    dirs = slice_dirs(tmp_path, "diagnose", True)
    os.remove(os.path.join(dirs[1], "report.json"))
    assert "has no report.json" in refused(tmp_path, dirs)
    assert "has no report.json" in refused(tmp_path, None, slices_dir=str(tmp_path))  # an empty slice directory
    assert "slice-9 has no report.json" in refused(tmp_path, [dirs[0], str(tmp_path / "slice-9")])


def test_fewer_slices_than_expected_are_refused(tmp_path):
    assert len(slice_dirs(tmp_path, "diagnose", True, count=3)) == 3
    assert "4 slices were expected, 3 found" in refused(tmp_path, None, slices_dir=str(tmp_path), expected=4)


def test_an_unreadable_or_foreign_slice_is_refused(tmp_path):
    dirs = slice_dirs(tmp_path, "diagnose", True)
    with open(os.path.join(dirs[1], "report.json"), "w") as handle:
        handle.write('{"devices": [')  # cut short
    assert "is not JSON" in refused(tmp_path, dirs)
    with open(os.path.join(dirs[1], "report.json"), "w") as handle:
        handle.write('{"hello": 1}')
    assert "is not a fortifleet.auth report" in refused(tmp_path, dirs)
    os.chmod(os.path.join(dirs[1], "report.json"), 0)
    if os.geteuid() != 0:  # root reads any file
        assert "cannot read the slice" in refused(tmp_path, dirs)


def test_slices_of_different_runs_are_refused(tmp_path):
    dirs = slice_dirs(tmp_path, "diagnose", True)
    edit(dirs[1], lambda r: r["run"].update(name="remediate"))
    message = refused(tmp_path, dirs)
    assert "not of one run: run name" in message and "diagnose in" in message and "remediate in" in message
    edit(dirs[1], lambda r: r["run"].update(name="diagnose", mode="apply"))
    assert "run mode" in refused(tmp_path, dirs)


def test_slices_of_another_schema_version_are_refused(tmp_path):
    dirs = slice_dirs(tmp_path, "diagnose", True)
    edit(dirs[0], lambda r: r.update(schema_version=1))
    assert "schema version 1, %d" % model.SCHEMA_VERSION in refused(tmp_path, dirs)


def test_a_device_in_two_slices_is_refused(tmp_path):
    dirs = slice_dirs(tmp_path, "diagnose", True)
    twin = json.load(open(os.path.join(dirs[0], "report.json")))["devices"][0]
    edit(dirs[1], lambda r: r["devices"].append(twin))
    message = refused(tmp_path, dirs)
    assert "the device %s is in two slices" % twin["name"] in message
    assert "the slice" in refused(tmp_path, [dirs[0], dirs[0]])  # the same slice twice


def test_merging_into_a_slice_directory_is_refused(tmp_path):
    dirs = slice_dirs(tmp_path, "diagnose", True)
    before = open(os.path.join(dirs[0], "report.json")).read()
    with pytest.raises(err.InputError) as caught:
        merge.merged_report(dirs, None, None, dirs[0], "none", list(model.USABLE), print)
    assert "is a slice's own report directory" in str(caught.value)
    assert open(os.path.join(dirs[0], "report.json")).read() == before


def test_a_slice_from_another_release_whose_statuses_do_not_follow_is_refused(tmp_path):
    dirs = slice_dirs(tmp_path, "diagnose", True)
    edit(dirs[0], lambda r: r["devices"][0].update(status="ok", errors=["system: boom"]))
    assert "does not follow from its entry" in refused(tmp_path, dirs)


def test_two_entries_of_one_fortigate_in_two_slices_are_named_in_a_warning(tmp_path):
    hosts = fleet(True)
    hosts["fgt-a2"] = record("A1", check_mode=True)  # fgt-a's FortiGate again, under another name
    # and a third time in fgt-a's own slice, which acted once (_fleet/device.py _duplicate: its areas skipped)
    hosts["fgt-a3"] = record("A1", check_mode=True, skipped_areas=list(ROLES), duplicate_of="fgt-a")
    dirs = slice_dirs(tmp_path, "diagnose", True, records=hosts)
    names = [[e["name"] for e in json.load(open(os.path.join(d, "report.json")))["devices"]] for d in dirs]
    assert {"fgt-a", "fgt-a3"} <= set(names[0]) and "fgt-a2" in names[1]
    said, warn = warnings()
    merge.merged_report(dirs, None, None, str(tmp_path / "m"), "none", list(model.USABLE), warn)
    assert len(said) == 1 and "fgt-a and fgt-a2 reach the same FortiGate (serial A1)" in said[0]
