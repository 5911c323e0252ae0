"""The report says what happened: check mode is reported as check, --limit and --tags keep the report and it
covers exactly the hosts that ran (issue: truthful results)."""
import json
import os
import subprocess
import sys

from .conftest import fleet_fixture
from .harness import ansible_env

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
# The first four seed scenarios are the ftm-push ones (fortigate_emulator.scenarios.SEED_SCENARIOS).
seeds6 = fleet_fixture(devices=6, scenario="seeds")


def playbook(emu, name, report_dir, *extra):
    return subprocess.run([PLAYBOOK, "-i", emu.inventory, name, "-e", "fortifleet_report_dir=%s" % report_dir]
                          + list(extra), capture_output=True, text=True, env=ansible_env(), timeout=600)


def report_of(report_dir):
    with open(os.path.join(str(report_dir), "report.json")) as handle:
        return json.load(handle)


def writes(emu):
    return [r for r in emu.audit() if r["write"]]


def fresh(emu):
    emu.reset()
    emu.clear_faults()
    emu.clear_audit()
    return emu


def test_a_remediate_playbook_under_check_reports_check_mode_and_drift_never_fixed(seeds6, tmp_path):
    emu = fresh(seeds6)
    proc = playbook(emu, "fortifleet.auth.remediate_ftm_push", tmp_path / "r", "--check")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert writes(emu) == []
    report = report_of(tmp_path / "r")
    assert report["run"]["mode"] == "check"
    statuses = [d["status"] for d in report["devices"]]
    assert "fixed" not in statuses and "drift" in statuses, statuses
    with open(tmp_path / "r" / "report.md") as handle:
        assert "Mode: **check**" in handle.read()


def test_limit_keeps_the_report_and_it_covers_exactly_the_hosts_that_ran(seeds6, tmp_path):
    emu = fresh(seeds6)
    names = sorted(d["name"] for d in emu.devices())
    proc = playbook(emu, "fortifleet.auth.diagnose", tmp_path / "r", "--limit", names[0])
    assert proc.returncode == 0, proc.stdout[-3000:]
    report = report_of(tmp_path / "r")
    assert [d["name"] for d in report["devices"]] == [names[0]]
    assert report["run"]["devices"] == 1
    ran = set(r["device"] for r in emu.audit())
    assert ran == {names[0]}, ran


def test_tags_keep_the_report(seeds6, tmp_path):
    emu = fresh(seeds6)
    proc = playbook(emu, "fortifleet.auth.diagnose", tmp_path / "r", "--tags", "nothing-matches-this")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert os.path.exists(tmp_path / "r" / "report.json"), proc.stdout[-3000:]


# -- Acceptance 1: every shipped playbook, check and apply, with and without --limit --------------------------------
import concurrent.futures  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402

PLAYBOOK_AREAS = {
    "diagnose": ["ftm_push", "fortitoken", "ems"],
    "remediate": ["ftm_push", "fortitoken", "ems"],
    "remediate_ftm_push": ["ftm_push"],
    "remediate_fortitoken": ["fortitoken"],
    "remediate_ems": ["ems"],
    "remediate_api_access": ["api_access"],
}
AREA_PATHS = {"ftm_push": ("ftm-push", "system/interface"), "fortitoken": ("fortitoken",),
              "ems": ("fctems", "endpoint-control"), "api_access": ("api-user",)}
# Devices with a failing read, by position in the fleet: an auxiliary read (system/global), an area's own read
# (cmdb user/fortitoken), and the access probe itself (the device is not usable).
GLOBAL_404, FORTITOKEN_500, PROBE_404 = 1, 2, 3
truth_fleets = [fleet_fixture(devices=7, scenario="seeds") for _ in range(3)]
truth_a, truth_b, truth_c = truth_fleets


def with_failing_reads(emu):
    names = sorted(d["name"] for d in fresh(emu).devices())
    emu.set_faults({"fail_path": {"match": "cmdb/system/global", "status": 404, "method": "GET"}}, names[GLOBAL_404])
    emu.set_faults({"fail_path": {"match": "cmdb/user/fortitoken", "status": 500, "method": "GET"}},
                   names[FORTITOKEN_500])
    # both proving reads (web-ui/state, then system/status: _fortios/web_ui.py) answer 404
    emu.set_faults({"fail_path": {"match": "monitor/", "status": 404}}, names[PROBE_404])
    return names


def junit_cases(report_dir):
    suite = ET.parse(os.path.join(str(report_dir), "junit.xml")).getroot().find("testsuite")
    out = {}
    for case in suite.findall("testcase"):
        kind = next((k for k in ("failure", "error", "skipped") if case.find(k) is not None), "passed")
        out[case.get("name")] = {"failure": "failed"}.get(kind, kind)
    return out


def truth_problems(emu, names, book, check, limit, proc, report_dir):
    """Everything in which the report, the JUnit file or the exit code disagree with the emulator's audit."""
    label = "%s %s%s" % (book, "check" if check else "apply", " --limit" if limit else "")
    problems = []
    if proc.returncode != 0:
        return ["%s: exit %d (no device was asked to fail the run):\n%s" % (label, proc.returncode, proc.stdout[-2500:])]
    report, cases = report_of(report_dir), junit_cases(report_dir)
    audit = emu.audit()
    hosts = limit or names
    wrote = dict((n, [r for r in audit if r["device"] == n and r["write"]]) for n in names)
    check_run = check or book == "diagnose"
    if report["run"]["mode"] != ("check" if check_run else "apply"):
        problems.append("%s: mode %s" % (label, report["run"]["mode"]))
    if sorted(d["name"] for d in report["devices"]) != sorted(hosts):
        problems.append("%s: report covers %s" % (label, [d["name"] for d in report["devices"]]))
    if set(r["device"] for r in audit) - set(hosts):
        problems.append("%s: requests to devices outside the run" % label)
    if len(cases) != len(hosts) * 5:
        problems.append("%s: %d JUnit cases for %d devices" % (label, len(cases), len(hosts)))
    for d in report["devices"]:
        name, sent = d["name"], wrote[d["name"]]
        if check_run and sent:
            problems.append("%s: %s received writes in check mode" % (label, name))
        if d["status"] == "fixed" and not sent:
            problems.append("%s: %s reported fixed without a write" % (label, name))
        if d["status"] == "drift" and sent:
            problems.append("%s: %s reported drift but received writes" % (label, name))
        if sent and not d["changes"]:
            problems.append("%s: %s received writes the report does not show" % (label, name))
        for area in ("api_access", "system", "ftm_push", "fortitoken", "ems"):
            outcome, junit = d["areas"][area]["outcome"], cases["%s.%s" % (name, area)]
            if outcome != junit:
                problems.append("%s: %s.%s is %s in report.json, %s in JUnit" % (label, name, area, outcome, junit))
            asked = area in PLAYBOOK_AREAS[book] or area in ("api_access", "system")
            area_writes = [r for r in sent if any(p in r["path"] for p in AREA_PATHS.get(area, ()))]
            if not asked and junit != "skipped":
                problems.append("%s: %s.%s was not part of the run but is %s" % (label, name, area, junit))
            if junit == "skipped" and area_writes:
                problems.append("%s: %s.%s is skipped but received writes" % (label, name, area))
        position = names.index(name)
        if position == PROBE_404:
            if d["access"] in ("ok", "forbidden") or sent or any(
                    cases["%s.%s" % (name, a)] != "skipped" for a in PLAYBOOK_AREAS[book] if a != "api_access"):
                problems.append("%s: %s (probe fails) is %s/%s" % (label, name, d["access"], d["areas"]))
        elif position == GLOBAL_404:
            if d["access"] != "ok" or cases["%s.system" % name] != "error":
                problems.append("%s: %s (system/global 404) is access %s, system %s"
                                % (label, name, d["access"], cases["%s.system" % name]))
            for area in PLAYBOOK_AREAS[book]:
                if area != "api_access" and cases["%s.%s" % (name, area)] == "skipped":
                    problems.append("%s: %s lost %s for a failed system/global read" % (label, name, area))
        elif position == FORTITOKEN_500 and "fortitoken" in PLAYBOOK_AREAS[book]:
            if d["access"] != "ok" or cases["%s.fortitoken" % name] != "error":
                problems.append("%s: %s (fortitoken read 500) is access %s, fortitoken %s"
                                % (label, name, d["access"], cases["%s.fortitoken" % name]))
    return problems


def _run_books(emu, books, tmp_path):
    problems = []
    for book in books:
        names = with_failing_reads(emu)
        limit = [names[GLOBAL_404], names[PROBE_404], names[0]]
        # check, check --limit, apply --limit, apply: each run's report is compared with that run's audit alone.
        for check, lim in ((True, None), (True, limit), (False, limit), (False, None)):
            if book == "diagnose" and not check:
                continue  # diagnose is always a check run; --check changes nothing
            emu.clear_audit()
            report_dir = tmp_path / ("%s-%s-%s" % (book, check, bool(lim)))
            extra = (["--check"] if check else []) + (["--limit", ",".join(lim)] if lim else [])
            proc = playbook(emu, "fortifleet.auth.%s" % book, report_dir, *extra)
            problems.extend(truth_problems(emu, names, book, check, lim, proc, report_dir))
    return problems


def test_every_shipped_playbook_reports_what_the_devices_saw(truth_a, truth_b, truth_c, tmp_path):
    plan = [(truth_a, ["remediate", "remediate_api_access"]),
            (truth_b, ["remediate_ftm_push", "remediate_fortitoken"]),
            (truth_c, ["remediate_ems", "diagnose"])]
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(plan)) as pool:
        results = list(pool.map(lambda job: _run_books(job[0], job[1], tmp_path), plan))
    problems = [p for found in results for p in found]
    assert problems == [], "\n".join(problems)


def test_fail_on_error_fails_the_run_for_every_unusable_device_after_the_report(truth_a, tmp_path):
    names = with_failing_reads(truth_a)
    proc = playbook(truth_a, "fortifleet.auth.remediate_ftm_push", tmp_path / "r", "--check",
                    "-e", "preflight_fail_on_error=true")
    assert proc.returncode != 0, proc.stdout[-3000:]
    report = report_of(tmp_path / "r")  # written before the run failed
    unusable = [d["name"] for d in report["devices"] if d["access"] not in ("ok", "forbidden")]
    assert unusable == [names[PROBE_404]], unusable
    assert "1 device without usable REST API access: %s" % names[PROBE_404] in " ".join(proc.stdout.split())
    # a usable device with a failed read is not a reason to fail the run
    assert names[GLOBAL_404] not in proc.stdout.split("without usable REST API access")[-1].split("\n")[0]


def test_a_licence_the_device_cannot_show_is_reported_as_not_checked(truth_b, tmp_path):
    """Issue 15 #11: token-license-expired / token-card-not-found devices have no token and no licence state on the
    device (troubleshooting.md B9: FortiCare answers only to an import): the report says the check was not
    possible and why, instead of a bare ok."""
    emu = fresh(truth_b)
    names = sorted(d["name"] for d in emu.devices())
    scenarios = dict((d["name"], d["scenario"]) for d in emu.devices())
    expired = next(n for n in names if scenarios[n] == "token-license-expired")
    proc = playbook(emu, "fortifleet.auth.diagnose", tmp_path / "r", "--limit", "%s,%s" % (expired, names[0]))
    assert proc.returncode == 0, proc.stdout[-3000:]
    found = dict((d["name"], [f for f in d["findings"] if f["id"] == "FORTITOKEN_LICENSE_NOT_CHECKED"])
                 for d in report_of(tmp_path / "r")["devices"])
    assert len(found[expired]) == 1 and "KB 194508" in found[expired][0]["remediation"]
    assert found[names[0]] == []  # a device with tokens is checked on the device itself
