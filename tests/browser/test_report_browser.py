"""report.html in a real browser (headless Chromium): the report of a 24-device emulator fleet after real
ansible-playbook runs (diagnose, remediate, then diagnose again after the fleet changed), and a generated
1,000-device report. Expected sets come from report.json, never from the page's own code.

FORTIFLEET_SCREENSHOTS=<dir> (make report-screenshots) also saves the screenshots the docs use."""
import os
import re
import time

import pytest
import yaml

from fortigate_emulator.testing import running_emulator

from . import synthetic
from .conftest import run_playbook
from tests.integration.harness import ansible_env

SHOTS = os.environ.get("FORTIFLEET_SCREENSHOTS")
AREAS = ("api_access", "system", "ftm_push", "fortitoken", "ems")
# Groups the test's second inventory file gives: every device in one site, every fourth also in 'hq'.
SITES = ("site_north", "site_south")


def shot(page_or_element, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page_or_element.screenshot(path=os.path.join(SHOTS, name))


def url(report_dir, fragment=""):
    return "file://%s%s" % (os.path.join(str(report_dir), "report.html"), fragment)


def groups_inventory(path, names):
    hosts = {}
    for i, name in enumerate(sorted(names)):
        hosts.setdefault(SITES[i % 2], {})[name] = None
        if i % 4 == 0:
            hosts.setdefault("hq", {})[name] = None
    with open(path, "w") as handle:
        yaml.safe_dump({"all": {"children": dict((g, {"hosts": h}) for g, h in hosts.items())}}, handle)


@pytest.fixture(scope="module")
def fleet20(tmp_path_factory, browser):
    """Three real runs of a 24-device fleet (every seed scenario and four healthy units) (seed scenarios); between the 2nd and 3rd, one healthy device's EMS
    connector loses its authorization and one unauthorized device is authorized on the EMS."""
    base = tmp_path_factory.mktemp("reports")
    with running_emulator(devices=24, scenario="seeds", port="auto") as emu:
        devices = emu.devices()
        names = [d["name"] for d in devices]
        groups = str(base / "groups.yml")
        groups_inventory(groups, names)
        inventories, env = [emu.inventory, groups], ansible_env()
        run_playbook(inventories, "fortifleet.auth.diagnose", str(base / "1-diagnose"), env)
        run_playbook(inventories, "fortifleet.auth.remediate", str(base / "2-remediate"), env)
        broken = next(d["name"] for d in devices if d["scenario"] == "healthy")
        authorized = next(d["name"] for d in devices if d["scenario"] == "ems-not-authorized")
        emu.set_scenario("ems-not-authorized", name=broken)
        emu.approve_ems(authorized)
        run_playbook(inventories, "fortifleet.auth.diagnose", str(base / "3-diagnose"), env)
    reports = dict((n, synthetic.load(str(base / n))) for n in ("1-diagnose", "2-remediate", "3-diagnose"))
    return {"dir": base / "3-diagnose", "report": reports["3-diagnose"], "before": reports["2-remediate"],
            "first_dir": base / "1-diagnose", "first": reports["1-diagnose"],
            "broken": broken, "authorized": authorized, "names": sorted(names)}


@pytest.fixture(scope="module")
def fleet1000(tmp_path_factory):
    base = tmp_path_factory.mktemp("fleet1000")
    report_dir = synthetic.write_fleet(str(base), 1000)
    return {"dir": report_dir, "report": synthetic.load(report_dir)}


def names(report, keep):
    return sorted(d["name"] for d in report["devices"] if keep(d))


def problem_areas(device):
    return set(f["area"] for f in device["findings"]) | set(
        a for a, o in device["areas"].items() if o["outcome"] in ("failed", "error"))


def set_filter(page, name, value):
    element = page.page.locator("#filters [name=%s]" % name)
    if name == "q":
        element.fill(value)
    else:
        element.select_option(value)


def test_the_20_device_report_has_no_console_error_and_one_matrix_cell_per_device_and_area(fleet20, open_page):
    page = open_page(url(fleet20["dir"]))
    report = fleet20["report"]
    cells = page.page.eval_on_selector_all(
        "#matrix .t", "ts => ts.map(t => [t.dataset.device, Array.from(t.querySelectorAll('.c')).map("
                      "c => [c.dataset.area, c.dataset.outcome, c.className, c.getAttribute('aria-label')])])")
    assert sorted(device for device, _ in cells) == fleet20["names"]
    outcomes = dict((d["name"], d["areas"]) for d in report["devices"])
    for device, row in cells:
        assert [area for area, _, _, _ in row] == list(AREAS), device
        for area, outcome, classes, label in row:
            assert outcome == outcomes[device][area]["outcome"], (device, area)
            if outcome != "passed":  # a passed area may be shown as changed or warning, never anything else
                assert "s-%s" % outcome in classes.split(), (device, area, classes)
            assert label.startswith("%s, " % device) and len(label) > len(device) + 5, label
    # The seed mix has every outcome but a clean one in this run: failed access, skipped areas, errors.
    assert set(o for _, row in cells for _, o, _, _ in row) >= {"passed", "failed", "skipped", "error"}
    shot(page.page, "report-fleet.png")
    assert page.errors == []


def test_each_filter_and_the_search_narrow_the_rows_to_the_expected_devices(fleet20, open_page):
    report, page = fleet20["report"], open_page(url(fleet20["dir"]))
    devices, since = report["devices"], fleet20["report"]["since_previous"]["devices"]
    assert page.visible_devices() == fleet20["names"]
    cases = [
        ("status", "needs_human", lambda d: d["status"] == "needs_human"),
        ("status", "auth_failed", lambda d: d["status"] == "auth_failed"),
        ("area", "ems", lambda d: "ems" in problem_areas(d)),
        ("area", "api_access", lambda d: "api_access" in problem_areas(d)),
        ("finding", "EMS_NOT_AUTHORIZED", lambda d: any(f["id"] == "EMS_NOT_AUTHORIZED" for f in d["findings"])),
        ("severity", "critical", lambda d: any(f["severity"] == "critical" for f in d["findings"])),
        ("severity", "info", lambda d: any(f["severity"] == "info" for f in d["findings"])),
        ("version", devices[0]["version"], lambda d: d["version"] == devices[0]["version"]),
        ("group", "hq", lambda d: "hq" in d["groups"]),
        ("group", SITES[1], lambda d: SITES[1] in d["groups"]),
        ("delta", "new", lambda d: bool(since[d["name"]]["new"])),
        ("delta", "fixed", lambda d: bool(since[d["name"]]["fixed"])),
        ("q", "FGT-01", lambda d: "fgt-01" in d["name"]),
    ]
    for name, value, keep in cases:
        expected = names(report, keep)
        assert expected and expected != fleet20["names"], (name, value)  # the case really narrows
        set_filter(page, name, value)
        assert page.visible_devices() == expected, (name, value)
        set_filter(page, name, "")
        assert page.visible_devices() == fleet20["names"]
    # Filters combine; the inventory's groups reached the report through the report role.
    set_filter(page, "group", "hq")
    set_filter(page, "status", "needs_human")
    assert page.visible_devices() == names(report, lambda d: "hq" in d["groups"] and d["status"] == "needs_human")
    assert sorted(report["devices"][0]["groups"]) == sorted(["fortigates", SITES[0], "hq"])
    assert page.errors == []


def version_key(version):
    return [int(p) for p in re.findall(r"\d+", version or "")]


def test_sorting_works_and_stays_while_filtering(fleet20, open_page):
    page = open_page(url(fleet20["dir"]))
    version = dict((d["name"], d["version"]) for d in fleet20["report"]["devices"])
    page.page.click("#devices th[data-sort=version]")
    order = [version_key(version[n]) for n in page.visible_devices()]
    assert order == sorted(order) and order[0] != order[-1]
    page.page.click("#devices th[data-sort=version]")
    order = [version_key(version[n]) for n in page.visible_devices()]
    assert order == sorted(order, reverse=True)
    page.page.click("#devices th[data-sort=name]")
    page.page.click("#devices th[data-sort=name]")
    assert page.visible_devices() == sorted(fleet20["names"], reverse=True)
    set_filter(page, "group", "hq")
    shown = page.visible_devices()
    assert shown == sorted(shown, reverse=True) and len(shown) < len(fleet20["names"])
    assert page.errors == []


def test_the_url_keeps_the_filter_and_the_sort(fleet20, open_page):
    report, page = fleet20["report"], open_page(url(fleet20["dir"]))
    set_filter(page, "severity", "critical")
    set_filter(page, "q", "fgt-01")
    page.page.click("#devices th[data-sort=status]")
    link = page.page.url
    assert "severity=critical" in link and "q=fgt-01" in link and "sort=status" in link
    expected = page.visible_devices()
    assert expected == [n for n in expected if "fgt-01" in n] and expected
    again = open_page(link)
    assert again.visible_devices() == expected
    assert again.page.input_value("#filters [name=severity]") == "critical"
    assert again.page.input_value("#filters [name=q]") == "fgt-01"
    assert again.page.get_attribute("#devices th[data-sort=status]", "aria-sort") == "ascending"
    # A hand-written link works the same.
    status = open_page(url(fleet20["dir"], "#status=needs_human"))
    assert status.visible_devices() == names(report, lambda d: d["status"] == "needs_human")
    assert page.errors == again.errors == status.errors == []


def finding_keys(items):
    return sorted((f["id"], f.get("object")) for f in items)


def test_the_run_to_run_section_lists_the_new_fixed_and_open_findings(fleet20, open_page):
    report, before = fleet20["report"], fleet20["before"]
    page = open_page(url(fleet20["dir"]))
    table = page.page.eval_on_selector_all(
        "#since-table tbody tr[data-device]", "rows => rows.map(r => [r.dataset.device, Object.fromEntries("
        "Array.from(r.querySelectorAll('td[data-kind]')).map(td => [td.dataset.kind, "
        "Array.from(td.querySelectorAll('code')).map(c => c.textContent).sort()]))])")
    shown = dict(table)
    then = dict((d["name"], d) for d in before["devices"])
    for device in report["devices"]:
        old = set((f["id"], f.get("object")) for f in then[device["name"]]["findings"])
        now = set((f["id"], f.get("object")) for f in device["findings"])
        expected = {"new": sorted(i for i, _ in now - old), "open": sorted(i for i, _ in now & old),
                    "fixed": sorted(i for i, _ in old - now)}
        if not any(expected.values()):
            assert device["name"] not in shown
            continue
        row = shown[device["name"]]
        assert row["new"] == expected["new"] and row["open"] == expected["open"], device["name"]
        assert sorted(row["fixed"] + row["not_checked"]) == expected["fixed"], device["name"]
    # What changed on the fleet between the runs.
    assert "EMS_NOT_AUTHORIZED" in shown[fleet20["broken"]]["new"]
    assert "EMS_NOT_AUTHORIZED" in shown[fleet20["authorized"]]["fixed"]
    text = page.page.inner_text("#since")
    assert "Compared with remediate" in text
    counts = report["since_previous"]["counts"]
    assert "%d new" % counts["new"] in text and "%d fixed" % counts["fixed"] in text and counts["new"] >= 1
    shot(page.page.locator("#since"), "report-since-previous.png")
    assert page.errors == []


def test_a_matrix_cell_opens_the_device_row_with_its_findings_remediation_and_context(fleet20, open_page):
    report, page = fleet20["report"], open_page(url(fleet20["dir"]))
    device = next(d for d in report["devices"] if d["status"] == "needs_human")
    page.page.click("#matrix .t[data-device='%s'] .c[data-area=ems]" % device["name"])
    detail = page.page.locator("#dev-%s + tr.detail" % device["name"])
    detail.wait_for()
    text = detail.inner_text()
    for finding in device["findings"]:
        assert finding["id"] in text and finding["remediation"][:60] in text
    assert "Since the previous run" in text
    shot(page.page, "report-device-detail.png")
    errored = next(d for d in report["devices"] if d["errors"])
    page.page.click("#dev-%s button.x" % errored["name"])
    assert errored["errors"][0][:80] in page.page.locator("#dev-%s + tr.detail" % errored["name"]).inner_text()
    assert page.errors == []


FILTER_MS = """([name, value]) => {
  const t = performance.now(), el = document.querySelector('#filters [name=' + name + ']');
  el.value = value; el.dispatchEvent(new Event('input', {bubbles: true})); void document.body.offsetHeight;
  return performance.now() - t; }"""


def filter_ms(page, name, value):
    """Milliseconds from choosing ``value`` in filter ``name`` (from no filter) to the page laid out again."""
    set_filter(page, name, "")
    return page.page.evaluate(FILTER_MS, [name, value])


def test_a_cell_of_a_filtered_out_device_clears_the_filters_in_a_report_without_a_previous_run(fleet20, open_page):
    report = fleet20["first"]
    assert "since_previous" not in report  # the first run had nothing to compare with
    page = open_page(url(fleet20["first_dir"], "#status=ok"))
    hidden = next(d["name"] for d in report["devices"] if d["status"] != "ok")
    assert hidden not in page.visible_devices()
    assert "No previous report to compare with" in page.page.inner_text("#since")
    page.page.click("#matrix .t[data-device='%s'] .c[data-area=api_access]" % hidden)
    assert page.visible_devices() == fleet20["names"]
    assert page.page.locator("#dev-%s + tr.detail" % hidden).is_visible()
    assert page.page.input_value("#filters [name=status]") == "" and "status=" not in page.page.url
    assert page.errors == []


def test_1000_devices_open_filter_and_search(fleet1000, open_page, record_property):
    report = fleet1000["report"]
    # The best of three opens: the machine is shared, and the figure is the page's, not the neighbours'.
    opens = []
    for _ in range(3):
        started = time.perf_counter()
        page = open_page(url(fleet1000["dir"]), width=1400, height=1000)
        # In the browser: from the start of the navigation to the script's end (the page filterable).
        opens.append((page.page.evaluate("window.fortifleetReadyAt"), time.perf_counter() - started))
    ready_ms, opened = min(opens)
    assert page.page.locator("#matrix .c").count() == 1000 * len(AREAS)
    assert len(page.visible_devices()) == 1000
    timings = {}
    for name, value, keep in (
            ("status", "needs_human", lambda d: d["status"] == "needs_human"),
            ("finding", "FTM_PUSH_DISABLED", lambda d: any(f["id"] == "FTM_PUSH_DISABLED" for f in d["findings"])),
            ("group", "datacenter", lambda d: "datacenter" in d["groups"]),
            ("delta", "new", lambda d: bool(report["since_previous"]["devices"][d["name"]]["new"]))):
        timings[name] = min(filter_ms(page, name, value) for _ in range(3))
        set_filter(page, name, value)
        assert page.visible_devices() == names(report, keep), name
        set_filter(page, name, "")
    page.page.locator("#filters [name=q]").fill("fgt-01")
    assert page.visible_devices() == names(report, lambda d: "fgt-01" in d["name"])
    figures = {"open_ms": round(ready_ms, 1), "open_with_driver_s": round(opened, 3),
               "filter_ms": dict((k, round(v, 1)) for k, v in timings.items()),
               "html_bytes": os.path.getsize(os.path.join(fleet1000["dir"], "report.html"))}
    # The timings are figures, not a pass mark (a shared 2-core machine moved them from 378 ms to 1,344 ms): they
    # go to the JUnit properties and the output; the under-a-second goal is measured by `make bench`
    # (benchmarks/report_browser.py).
    record_property("fleet1000", figures)
    print("1,000-device report: %s" % figures)
    since = report["since_previous"]["counts"]
    assert since["new"] and since["fixed"] and since["open"]
    page.page.locator("#filters [name=q]").fill("")
    page.page.evaluate("window.scrollTo(0, 0)")
    shot(page.page, "report-1000-devices.png")
    assert page.errors == []
