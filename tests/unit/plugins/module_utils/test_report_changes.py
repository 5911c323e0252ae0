"""Run-to-run changes (_report/changes.py) and the HTML page's data (_report/html.py)."""
import importlib
import json
import os
import re
import time

import jsonschema

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._report import changes, html, model, render

# The finding definitions register when the diagnoses are imported (fortigate_info imports them all).
importlib.import_module("ansible_collections.fortifleet.auth.plugins.module_utils._info.fortigate_info")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
AREAS = ["ftm_push", "fortitoken", "ems_connector"]


def record(*findings, **extra):
    out = {"ran": True, "preflight": {"access": extra.pop("access", "ok"), "version": "7.4.4"}, "areas": AREAS,
           "findings": list(findings)}
    out.update(extra)
    return out


def token(serial):
    return fnd.finding("FORTITOKEN_NOT_ACTIVATED", "", serial=serial, status="new")


def schema():
    with open(os.path.join(ROOT, "docs", "report.schema.json")) as handle:
        return json.load(handle)


def test_new_fixed_open_per_device_and_object_and_not_checked_when_the_area_did_not_run():
    before = model.build({
        "a": record(token("FTK1"), token("FTK2"), fnd.finding("FTM_PUSH_DISABLED")),
        "b": record(fnd.finding("FTM_PUSH_DISABLED")),
        "gone": record(),
    }, "diagnose", True)
    after = model.build({
        "a": record(token("FTK2"), token("FTK3")),
        # b's token became unusable: its FTM push finding is not fixed, nobody looked.
        "b": record(fnd.finding("API_TOKEN_REJECTED"), access="token_rejected"),
        "new-device": record(fnd.finding("FTM_PUSH_DISABLED")),
    }, "diagnose", True)
    changes.compare(after, before, "/x/report.json")
    delta = after["since_previous"]["devices"]
    assert sorted(delta) == ["a", "b", "new-device"] and all("since_previous" not in d for d in after["devices"])
    ids = dict((name, dict((k, [(f["id"], f.get("object")) for f in v]) for k, v in d.items())) for name, d in delta.items())
    assert ids["a"] == {"new": [("FORTITOKEN_NOT_ACTIVATED", "FTK3")], "open": [("FORTITOKEN_NOT_ACTIVATED", "FTK2")],
                        "fixed": [("FORTITOKEN_NOT_ACTIVATED", "FTK1"), ("FTM_PUSH_DISABLED", None)], "not_checked": []}
    assert ids["b"] == {"new": [("API_TOKEN_REJECTED", None)], "open": [], "fixed": [],
                        "not_checked": [("FTM_PUSH_DISABLED", None)]}
    assert ids["new-device"]["new"] == [("FTM_PUSH_DISABLED", None)]
    since = after["since_previous"]
    assert since["counts"] == {"new": 3, "fixed": 2, "open": 1, "not_checked": 1}
    assert since["devices_added"] == ["new-device"] and since["devices_gone"] == ["gone"]
    assert since["run"]["name"] == "diagnose"
    jsonschema.validate(after, schema())
    markdown = render.render_markdown(after)
    assert "## Since the previous run" in markdown and "3 new, 2 fixed, 1 still open, 1 not checked" in markdown
    assert "| a | `FORTITOKEN_NOT_ACTIVATED` FTK3 | `FORTITOKEN_NOT_ACTIVATED` FTK1, `FTM_PUSH_DISABLED` |" in markdown


def test_the_default_previous_report_is_the_newest_beside_the_report_dir(tmp_path):
    old, newer = tmp_path / "1-diagnose", tmp_path / "2-remediate"
    render.write(model.build({"a": record(fnd.finding("FTM_PUSH_DISABLED"))}, "diagnose", True), str(old))
    render.write(model.build({"a": record()}, "remediate", False), str(newer))
    os.utime(str(old / "report.json"), (time.time() - 60, time.time() - 60))
    assert changes.find_previous(str(tmp_path / "3-diagnose")) == str(newer / "report.json")
    report = model.build({"a": record()}, "diagnose", True)
    assert changes.add_changes(report, str(tmp_path / "3-diagnose")) is None
    assert report["since_previous"]["run"]["name"] == "remediate"
    # Named explicitly (a directory or its report.json), the older one is used.
    report = model.build({"a": record()}, "diagnose", True)
    changes.add_changes(report, str(tmp_path / "3-diagnose"), str(old))
    assert changes.of_device(report, "a")["fixed"][0]["id"] == "FTM_PUSH_DISABLED"
    # 'none' turns it off; nothing beside the directory: no comparison.
    report = model.build({"a": record()}, "diagnose", True)
    assert changes.add_changes(report, str(tmp_path / "3"), "none") is None and "since_previous" not in report
    assert changes.find_previous(str(tmp_path / "empty" / "sub")) is None


def test_an_unreadable_previous_report_is_a_warning_not_a_failure(tmp_path):
    bad = tmp_path / "bad" / "report.json"
    bad.parent.mkdir()
    bad.write_text("{not json")
    report = model.build({"a": record()}, "diagnose", True)
    why = changes.add_changes(report, str(tmp_path / "new"), str(bad))
    assert "is not JSON" in why and "since_previous" not in report
    why = changes.add_changes(report, str(tmp_path / "new"), str(tmp_path / "missing.json"))
    assert why.startswith("No run-to-run changes in this report: the previous report cannot read")


def test_groups_topology_and_handled_through_reach_the_report_and_the_page():
    topology = {"ha": {"mode": "a-p", "group_name": "hq-cluster", "role": "secondary", "in_sync": False,
                       "members": [{"serial": "S1", "hostname": "fgt-a", "primary": True}]},
                "fortimanager": {"managed": True, "type": "fortimanager", "address": "192.0.2.9"},
                "vdom_mode": "multi-vdom", "vdoms": ["root", "branch"]}
    report = model.build({"fgt-b": record(groups=["site_a", "hq"], topology=topology, handled_through="fgt-a"),
                          "fgt-c": record(groups=["site_b"])}, "diagnose", True)
    device = report["devices"][0]
    assert device["groups"] == ["hq", "site_a"] and device["topology"] == topology and device["handled_through"] == "fgt-a"
    assert "topology" not in report["devices"][1]
    jsonschema.validate(report, schema())
    page = html.render_html(report)
    assert '<option value="hq">hq</option>' in page and ">hq + site_a <small>" in page
    data = json.loads(re.search(r'<script id="report-data" type="application/json">(.*?)</script>', page).group(1))
    assert data["devices"][0]["topology"] == topology and data["devices"][0]["handled_through"] == "fgt-a"
    assert 'id="clusters"' not in page
    report["clusters"] = [{"name": "hq-cluster", "primary": None, "members": ["fgt-b"], "serials": ["S2"], "in_sync": False}]
    page = html.render_html(report)
    assert "<td>hq-cluster</td><td>not in the inventory</td><td>fgt-b</td><td><b>no</b></td>" in page


def test_the_page_has_one_cell_per_device_and_area_and_its_data_cannot_close_the_script():
    evil = "</script><script>alert(1)</script>"
    report = model.build({"fgt-1": record(fnd.finding("FTM_PUSH_DISABLED")),
                          "fgt-2": record(errors=["fortitoken: " + evil])}, "diagnose", True)
    page = html.render_html(report)
    cells = re.findall(r'<i class="c s-(\w+)" role="img" data-area="(\w+)" data-outcome="(\w+)"', page)
    assert len(cells) == 2 * len(model.AREAS)
    assert ("failed", "ftm_push", "failed") in cells and ("error", "fortitoken", "error") in cells
    assert evil not in page and page.count("<script") == 2
    data = json.loads(re.search(r'<script id="report-data" type="application/json">(.*?)</script>', page).group(1))
    assert "fortitoken: " + evil in data["texts"]


def test_a_passed_area_with_a_change_or_a_human_warning_is_shown_as_such():
    changed = {"area": "ftm_push", "changed_keys": ["status"]}
    report = model.build({"a": record(changes=[changed]),
                          "b": record(fnd.finding("SYSTEM_EVALUATION_LICENSE"))}, "remediate", False)
    a, b = report["devices"]
    assert html.cell_state(a, "ftm_push") == "changed" and html.cell_state(a, "ems") == "passed"
    assert html.cell_state(b, "system") == "warning"
