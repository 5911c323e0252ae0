"""Fleet playbooks, the four report files, and a 100-device run with bad devices."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import jsonschema
import requests

from fortigate_emulator.testing import running_emulator

from .conftest import fleet_fixture
from .harness import ROOT, ansible_env

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
SCHEMA = os.path.join(ROOT, "docs", "report.schema.json")


def playbook(emu, name, report_dir, *extra):
    return subprocess.run([PLAYBOOK, "-i", emu.inventory, "-f", "20", name, "-e",
                           "fortifleet_report_dir=%s" % report_dir] + list(extra),
                          capture_output=True, text=True, env=ansible_env(), timeout=900)


def load(report_dir):
    with open(os.path.join(report_dir, "report.json")) as handle:
        return json.load(handle)


class TableParser(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self)
        self.rows, self.external, self.scripts, self.in_body_table, self.table = 0, [], 0, False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if attrs.get(key) and not attrs[key].startswith("#"):  # links inside the page are fine
                self.external.append(attrs[key])
        if tag == "table":
            self.table = attrs.get("id")
        if tag == "tbody" and self.table == "devices":
            self.in_body_table = True
        elif tag == "tr" and self.in_body_table:
            self.rows += 1
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body_table = False


seeds20 = fleet_fixture(devices=20, scenario="seeds")


def test_diagnose_writes_four_valid_reports_and_never_writes_to_devices(seeds20, tmp_path):
    seeds20.reset()
    seeds20.clear_audit()
    proc = playbook(seeds20, "fortifleet.auth.diagnose", tmp_path / "r", "-vvv")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert [r for r in seeds20.audit() if r["write"]] == []  # diagnose never writes
    report = load(tmp_path / "r")
    with open(SCHEMA) as handle:
        jsonschema.validate(report, json.load(handle))
    assert report["run"] == dict(report["run"], name="diagnose", mode="check", devices=20)
    devices = dict((d["name"], d) for d in report["devices"])
    scenarios = dict((d["name"], d["scenario"]) for d in seeds20.devices())
    for name, scenario in scenarios.items():
        status = devices[name]["status"]
        if scenario.startswith("ftm-push") or scenario in ("token-not-activated", "token-migrated"):
            assert status == "drift", (name, scenario, status)  # remediate would fix it
        if scenario in ("api-token-rejected", "api-trusthost-mismatch"):
            assert status == "auth_failed" and devices[name]["access"] == "token_rejected"
        if scenario == "healthy":
            assert status == "ok", (name, devices[name])
    # junit: one test case per device and area, failures for unresolved critical findings
    suite = ET.parse(tmp_path / "r" / "junit.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 20 * 5 and int(suite.get("tests")) == 100
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures")) == len(failed) > 0
    critical = set("%s.%s" % (d["name"], f["area"]) for d in report["devices"] for f in d["findings"]
                   if f["severity"] == "critical")
    assert critical <= set(failed)
    # html: self-contained (its data and its code inline), one sortable device-table row per device
    parser = TableParser()
    html = (tmp_path / "r" / "report.html").read_text()
    parser.feed(html)
    assert parser.rows == 20 and parser.external == [] and parser.scripts == 2
    assert 'data-sort="version"' in html and '<script id="report-data" type="application/json">' in html
    markdown = (tmp_path / "r" / "report.md").read_text()
    for section in ("## Devices by status", "## Findings by id", "## What a human must do", "## Devices"):
        assert section in markdown
    # the play prints a short summary at the end
    assert "fortifleet.auth diagnose (check): 20 devices" in proc.stdout
    # no secret anywhere
    secrets = []
    for name in scenarios:
        s = seeds20.secrets(name)
        secrets += [s["api_key"], s["admin_password"], s["inventory_token"]] + list(s["license_codes"])
    blobs = [proc.stdout, proc.stderr] + [(tmp_path / "r" / f).read_text() for f in os.listdir(tmp_path / "r")]
    leaks = [secret for secret in secrets for blob in blobs if secret and secret in blob]
    assert leaks == []


def test_hundred_devices_with_ten_bad_ones(tmp_path):
    with running_emulator(devices=100, scenario="seeds", port="auto") as emu:
        inventory_bad = {}
        names = [d["name"] for d in emu.devices() if d["scenario"] == "healthy"][:10]
        for name in names[:5]:
            emu.set_faults({"down": True}, name=name)
            inventory_bad[name] = "unreachable"
        for name in names[5:]:
            device = emu.device(name)
            # regenerate the key behind the inventory's back: the inventory token is now refused
            answer = requests.post(device["url"] + "/api/v2/monitor/system/api-user/generate-key",
                                   json={"api-user": "fortifleet-automation"}, verify=emu.ca_path, timeout=10,
                                   headers={"Authorization": "Bearer " + emu.secrets(name)["api_key"]})
            assert answer.status_code == 200
            inventory_bad[name] = "token_rejected"
        proc = playbook(emu, "fortifleet.auth.remediate", tmp_path / "r")
        assert proc.returncode == 0, proc.stdout[-3000:]
        report = load(tmp_path / "r")
        devices = dict((d["name"], d) for d in report["devices"])
        assert len(devices) == 100
        for name, access in inventory_bad.items():
            assert devices[name]["access"] == access, devices[name]
            assert devices[name]["status"] in ("unreachable", "auth_failed")
        others = [d for n, d in devices.items() if n not in inventory_bad]
        scenarios = dict((d["name"], d["scenario"]) for d in emu.devices())
        assert len(others) == 90
        bad_others = [d["name"] for d in others if d["status"] in ("unreachable", "auth_failed")
                      and not scenarios[d["name"]].startswith("api-")]
        assert bad_others == []
        fixed = [d for d in others if scenarios[d["name"]].startswith("ftm-push")
                 or scenarios[d["name"]] in ("token-not-activated", "token-migrated")]
        assert fixed and all(d["status"] == "fixed" for d in fixed), [(d["name"], d["status"]) for d in fixed
                                                                       if d["status"] != "fixed"]
        failed_keys = [r for r in emu.audit() if r["auth"] in ("bad_key", "untrusted")]
        per_device = {}
        for r in failed_keys:
            per_device[r["device"]] = per_device.get(r["device"], 0) + 1
        assert max(per_device.values()) == 1  # never more than one failed key attempt per device


push4 = fleet_fixture(devices=4, scenario="ftm-push-disabled", profile="7.4.4")


def test_fleet_task_takes_each_devices_settings_from_its_inventory_and_shows_a_diff_per_device(push4, tmp_path):
    """One task for the fleet, yet per-device settings: a device told not to remediate is left alone, a device
    with a wrongly typed setting is refused before any request, and --diff shows each device's own change."""
    push4.reset()
    push4.clear_audit()
    names = sorted(d["name"] for d in push4.devices())
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(open(push4.inventory).read())
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars" / (names[1] + ".yml")).write_text("ftm_push_remediate: false\n")
    (tmp_path / "host_vars" / (names[2] + ".yml")).write_text("ftm_push_server_port: many\n")
    proc = subprocess.run([PLAYBOOK, "-i", str(inventory), "-f", "4", "fortifleet.auth.remediate_ftm_push", "--diff",
                           "-e", "fortifleet_report_dir=%s" % (tmp_path / "r")],
                          capture_output=True, text=True, env=ansible_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    devices = dict((d["name"], d) for d in load(tmp_path / "r")["devices"])
    written = set(r["device"] for r in push4.audit() if r["write"])
    assert written == {names[0], names[3]}
    assert devices[names[0]]["status"] == devices[names[3]]["status"] == "fixed"
    assert devices[names[1]]["changes"] == [] and "FTM_PUSH_DISABLED" in [f["id"] for f in devices[names[1]]["findings"]]
    assert devices[names[2]]["status"] == "error" and "ftm_push_server_port" in devices[names[2]]["errors"][0]
    assert [r for r in push4.audit() if r["device"] == names[2]] == []  # refused before any request
    for name in (names[0], names[3]):
        assert "+++ after: system/ftm-push on %s" % name in proc.stdout  # the diff header names the device
    assert "[4/4]" in proc.stdout and "4 devices: 3 usable" in proc.stdout


def test_one_bad_connection_variable_fails_that_device_alone_with_the_report_complete(push4, tmp_path):
    """Issue 14: a CA file that does not exist, port 65536 and a token with a stray newline each fail their
    device alone, before any request, naming the variable and the device; the other device is remediated, every
    device has its line and the report is written."""
    push4.reset()
    push4.clear_audit()
    names = sorted(d["name"] for d in push4.devices())
    token = push4.secrets(names[2])["inventory_token"]
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(open(push4.inventory).read())
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars" / (names[0] + ".yml")).write_text("fortigate_ca_path: /nonexistent/ca.pem\n")
    (tmp_path / "host_vars" / (names[1] + ".yml")).write_text("fortigate_port: 65536\n")
    (tmp_path / "host_vars" / (names[2] + ".yml")).write_text("fortigate_access_token: %s\n" % json.dumps(token + "\n"))
    proc = subprocess.run([PLAYBOOK, "-i", str(inventory), "-f", "4", "fortifleet.auth.remediate_ftm_push",
                           "-e", "fortifleet_report_dir=%s" % (tmp_path / "r")],
                          capture_output=True, text=True, env=ansible_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "[4/4]" in proc.stdout
    devices = dict((d["name"], d) for d in load(tmp_path / "r")["devices"])
    for name, variable in ((names[0], "fortigate_ca_path"), (names[1], "fortigate_port"),
                           (names[2], "fortigate_access_token")):
        assert devices[name]["status"] == "error", devices[name]
        assert variable in devices[name]["errors"][0] and name in devices[name]["errors"][0], devices[name]
        assert [r for r in push4.audit() if r["device"] == name] == []  # refused before any request
    assert token not in proc.stdout + proc.stderr
    assert devices[names[3]]["status"] == "fixed"
    ET.parse(str(tmp_path / "r" / "junit.xml"))


def test_two_inventory_entries_of_one_device_act_once(push4, tmp_path):
    """Issue 14: two entries reaching the same FortiGate (same serial): one acts, the other is reported as its
    duplicate; one generate-key, never a second one that kills the first key."""
    push4.reset()
    push4.clear_audit()
    name = sorted(d["name"] for d in push4.devices())[0]
    inventory = yaml_load(push4.inventory)
    hosts = inventory["all"]["children"]["fortigates"]["hosts"] if "children" in inventory["all"] \
        else inventory["all"]["hosts"]
    hosts["alias-of-" + name] = dict(hosts[name])
    path = tmp_path / "inventory.yml"
    path.write_text(json.dumps(inventory))
    keys = tmp_path / "keys"
    keys.mkdir()
    proc = subprocess.run([PLAYBOOK, "-i", str(path), "-f", "4", "--limit", "%s,alias-of-%s" % (name, name),
                           "fortifleet.auth.remediate_api_access", "-e", "fortifleet_report_dir=%s" % (tmp_path / "r"),
                           "-e", json.dumps({"api_access_user": "fortifleet-automation", "api_access_rotate_key": True,
                                             "api_access_key_dir": str(keys)})],
                          capture_output=True, text=True, env=ansible_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert len([r for r in push4.audit() if "generate-key" in r["path"]]) == 1
    written = sorted(os.listdir(keys))
    assert len(written) == 1
    assert (keys / written[0]).read_text().strip() == push4.secrets(name)["api_key"]
    assert "ROLLBACK INCOMPLETE" not in proc.stdout
    assert "reaches the same FortiGate" in proc.stdout or "reaches the same FortiGate" in (
        tmp_path / "r" / "report.md").read_text() or any(
        "reaches the same FortiGate" in n for d in load(tmp_path / "r")["devices"] for n in d.get("errors", []))


def yaml_load(path):
    import yaml
    with open(path) as handle:
        return yaml.safe_load(handle)


def test_keys_default_outside_the_collection_and_a_refused_rotation_fails_the_run(push4, tmp_path, private_journal):
    """Issue 15 #10: rotated keys go to the state directory beside the journal (0700, created on first use), never
    into the installed collection; a rotation the key directory refuses fails the run after the report."""
    push4.reset()
    push4.clear_audit()
    first, second = sorted(d["name"] for d in push4.devices())[:2]
    settings = {"api_access_user": "fortifleet-automation", "api_access_rotate_key": True}

    def remediate(name, report, **extra):
        return subprocess.run([PLAYBOOK, "-i", push4.inventory, "--limit", name, "fortifleet.auth.remediate_api_access",
                               "-e", "fortifleet_report_dir=%s" % report, "-e", json.dumps(dict(settings, **extra))],
                              capture_output=True, text=True, env=ansible_env(), timeout=600)

    proc = remediate(first, tmp_path / "r1")
    assert proc.returncode == 0, proc.stdout[-3000:]
    keys = private_journal.parent / "keys"  # beside the journal (conftest sets FORTIFLEET_JOURNAL_DIR)
    assert oct(os.stat(str(keys)).st_mode & 0o777) == "0o700"
    assert (keys / ("%s.key" % first)).read_text().strip() == push4.secrets(first)["api_key"]

    locked = tmp_path / "not-a-directory"  # refused even as root (a read-only directory is not, for root)
    locked.write_text("x")
    push4.clear_audit()
    proc = remediate(second, tmp_path / "r2", api_access_key_dir=str(locked))
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "key rotation was refused on %s" % second in " ".join(proc.stdout.split())
    assert [r for r in push4.audit() if "generate-key" in r["path"]] == []
    device = load(tmp_path / "r2")["devices"][0]
    assert device["status"] == "error" and device["areas"]["api_access"]["outcome"] == "error"
