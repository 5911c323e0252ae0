import json
import os
import re
import xml.etree.ElementTree as ET

import jsonschema

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info as _fortigate_info  # noqa: F401  pylint: disable=unused-import
from ansible_collections.fortifleet.auth.plugins.module_utils._report import model as rep
from ansible_collections.fortifleet.auth.plugins.module_utils._report import render

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SECRET = "Sup3rSecretToken0123456789abcd"

HOSTS = {
    "fgt-ok": {"ran": True, "preflight": {"access": "ok", "version": "7.4.4", "serial": "S1", "system": {"model": "M"}}},
    "fgt-fixed": {"ran": True, "preflight": {"access": "ok"}, "changes": [{"area": "ftm_push", "changed_keys": ["status"]}]},
    "fgt-human": {"ran": True, "preflight": {"access": "ok"},
                  "findings": [fnd.finding("FTM_PUSH_PORT_CONFLICT", "x", port=4433, service="admin-sport")]},
    "fgt-401": {"ran": True, "preflight": {"access": "token_rejected"},
                "findings": [fnd.finding("API_TOKEN_REJECTED", "token %s refused" % SECRET)]},
    "fgt-down": {"ran": True, "preflight": {"access": "unreachable"}},
    "fgt-err": {"ran": True, "preflight": {"access": "ok"}, "errors": ["fortitoken: <b>boom</b> | x"]},
}
for _record in HOSTS.values():
    _record["areas"] = ["ftm_push", "fortitoken", "ems_connector"]


def test_statuses_summary_and_redaction():
    report = rep.build(HOSTS, "remediate", False, secrets=[SECRET])
    status = dict((d["name"], d["status"]) for d in report["devices"])
    assert status == {"fgt-ok": "ok", "fgt-fixed": "fixed", "fgt-human": "needs_human", "fgt-401": "auth_failed",
                      "fgt-down": "unreachable", "fgt-err": "error"}
    assert SECRET not in json.dumps(report) and rep.REDACTED in json.dumps(report)
    human = report["summary"]["human_actions"]
    assert [a["id"] for a in human] == ["API_TOKEN_REJECTED", "FTM_PUSH_PORT_CONFLICT"]  # critical first
    with open(os.path.join(ROOT, "docs", "report.schema.json")) as handle:
        jsonschema.validate(report, json.load(handle))


def test_check_mode_changes_are_drift():
    report = rep.build({"a": {"ran": True, "preflight": {"access": "ok"}, "changes": [{"area": "ftm_push"}]}},
                       "diagnose", True)
    assert report["devices"][0]["status"] == "drift"


def test_renderers_escape_and_parse():
    report = rep.build(HOSTS, "run <1>", False)
    html = render.render_html(report)
    assert "<b>boom</b>" not in html and "&lt;b&gt;boom&lt;/b&gt;" in html
    assert html.count('<tr id="dev-') == len(HOSTS) and "src=" not in html and "@import" not in html
    # Self-contained: every link stays in the page.
    assert re.findall(r'href="([^#][^"]*)"', html) == [] and "url(" not in html
    junit = ET.fromstring(render.render_junit(report).split("\n", 1)[1])
    suite = junit.find("testsuite")
    assert int(suite.get("tests")) == len(HOSTS) * len(rep.AREAS)
    failed = sorted(c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None)
    assert failed == ["fgt-401.api_access", "fgt-down.api_access", "fgt-human.ftm_push"]
    errors = sorted(c.get("name") for c in suite.findall("testcase") if c.find("error") is not None)
    assert errors == ["fgt-err.fortitoken"]
    skipped = sorted(c.get("name") for c in suite.findall("testcase") if c.find("skipped") is not None)
    assert skipped == sorted("%s.%s" % (n, a) for n in ("fgt-401", "fgt-down") for a in rep.AREAS if a != "api_access")
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("3", "1", "8")
    markdown = render.render_markdown(report)
    assert "<b>boom</b> \\| x" in markdown  # table cells keep their pipes escaped
    assert rep.summary_lines(report)[0].startswith("fortifleet.auth run <1> (apply): 6 devices:")


def test_the_secret_variables_are_those_of_the_no_log_options():
    from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.fleet import secret_variables
    assert sorted(secret_variables()) == ["fortigate_access_token", "fortigate_admin_password",
                                          "fortigate_diagnostic_access_token", "fortitoken_license_codes",
                                          "fortitoken_reimport_license_code"]


def test_a_device_input_is_the_fleet_record_unless_the_roles_recorded_facts():
    record = {"ran": True, "preflight": {"access": "ok"}, "findings": [], "changes": [{"area": "ems"}], "errors": []}
    fleet_only = {"fortifleet_result": record}
    assert rep.device_input("a", fleet_only.get) is record
    roles = {"fortifleet_result": record, "fortifleet_preflight": {"access": "forbidden"},
             "fortifleet_findings": [{"id": "X"}], "ansible_host": "192.0.2.9"}
    assert rep.device_input("b", roles.get) == {
        "preflight": {"access": "forbidden"}, "findings": [{"id": "X"}], "changes": [], "errors": [],
        "address": "192.0.2.9", "ran": True, "areas": [], "skipped_areas": [], "check_mode": False}
    assert rep.device_input("c", {}.get) == {"preflight": {}, "findings": [], "changes": [], "errors": [],
                                             "address": "c", "ran": False, "areas": [], "skipped_areas": [],
                                             "check_mode": False}


def test_secret_values_take_every_element_of_a_list_and_skip_unset_ones():
    from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.fleet import secret_values
    values = {"fortigate_access_token": "tok-123456", "fortitoken_license_codes": ["AAAA-1", "BBBB-2"],
              "fortigate_admin_password": ""}
    assert secret_values(values.get, ["fortigate_access_token", "fortitoken_license_codes",
                                      "fortigate_admin_password", "fortigate_diagnostic_access_token"]) == {
        "tok-123456", "AAAA-1", "BBBB-2"}
