"""Embedding: run fortifleet.auth.diagnose through ansible-runner's Python API (the way CI/CD systems
and portals embed Ansible) against the emulator, then read the report and the per-host events.

This is the pipeline recipe of the README and of docs/rst/guide/pipelines.rst.
"""
import json
import os

import ansible_runner
import jsonschema
import pytest

from fortigate_emulator.testing import running_emulator

from .harness import ROOT, ansible_env

SCHEMA = os.path.join(ROOT, "docs", "report.schema.json")
RESULT_TASK = "Result of this device"


@pytest.fixture(scope="module")
def seeds10():
    with running_emulator(devices=10, scenario="seeds", port="auto") as emu:
        yield emu


def test_diagnose_through_ansible_runner(seeds10, tmp_path):
    seeds10.reset()
    seeds10.clear_audit()
    report_dir = tmp_path / "report"
    (tmp_path / "runner").mkdir()
    env = ansible_env()
    run = ansible_runner.run(
        private_data_dir=str(tmp_path / "runner"),
        playbook="fortifleet.auth.diagnose",
        inventory=seeds10.inventory,
        extravars={"fortifleet_report_dir": str(report_dir)},
        envvars={key: env[key] for key in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_LOCAL_TEMP", "ANSIBLE_HOME",
                                           "ANSIBLE_NOCOLOR", "PATH")},
        forks=10,
        quiet=True,
        timeout=600,
    )
    stdout = run.stdout.read()
    assert run.status == "successful" and run.rc == 0, stdout[-3000:]

    # the report, as a pipeline reads it
    with open(report_dir / "report.json") as handle:
        report = json.load(handle)
    with open(SCHEMA) as handle:
        jsonschema.validate(report, json.load(handle))
    devices = {d["name"]: d for d in report["devices"]}
    scenarios = {d["name"]: d["scenario"] for d in seeds10.devices()}
    assert set(devices) == set(scenarios) and report["run"]["name"] == "diagnose" and report["run"]["mode"] == "check"
    for name, scenario in scenarios.items():
        if scenario == "healthy":
            assert devices[name]["status"] == "ok", devices[name]
        if scenario == "api-token-rejected":
            assert devices[name]["status"] == "auth_failed"
    assert [r for r in seeds10.audit() if r["write"]] == []  # diagnose never writes

    # the per-host events: one result per device, in runner_on_ok with the device's record
    events = list(run.events)
    kinds = {e["event"] for e in events}
    assert {"playbook_on_start", "playbook_on_play_start", "runner_on_ok", "playbook_on_stats"} <= kinds
    probes = {e["event_data"]["host"]: e["event_data"]["res"] for e in events
              if e["event"] == "runner_on_ok" and e["event_data"].get("task") == RESULT_TASK}
    assert set(probes) == set(scenarios)
    for name, res in probes.items():
        record = res["ansible_facts"]["fortifleet_result"]
        assert record["preflight"]["access"] == devices[name]["access"], (name, record, devices[name]["access"])
        assert "findings" in record
    # no failed or unreachable host event: bad devices are reported, not failed
    assert not [e for e in events if e["event"] in ("runner_on_failed", "runner_on_unreachable")
                and not e["event_data"].get("ignore_errors")]
    stats = run.stats
    assert set(stats["ok"]) >= set(scenarios) and not stats["failures"] and not stats["dark"]

    # no secret in the events or artifacts
    secrets = [seeds10.secrets(name)["api_key"] for name in scenarios]
    blob = json.dumps(events) + stdout
    assert [s for s in secrets if s and s in blob] == []
