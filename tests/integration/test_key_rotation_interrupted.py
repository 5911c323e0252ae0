"""Key rotation interrupted at each of its requests, then run again: the key file holds a key the device accepts,
or the run says exactly where the key is and what a human must do; never `ok`/`fixed` before it completed.

The generic kill-point matrix (re-import and rotation, every request) is tests/integration/test_interruption.py."""
import json
import os
import signal
import stat
import subprocess
import time

import pytest
import requests
import yaml

from .conftest import fleet_fixture, fresh
from .harness import BIN, ansible_env, run_playbook

API_USER = "fortifleet-automation"
rotation = fleet_fixture(devices=3, scenario="healthy", profile="7.4.4", lockout_seconds=60)


@pytest.fixture
def remu(rotation):
    return fresh(rotation)


def rotate_task(key_file, **extra):
    task = {"fortifleet.auth.api_user": dict({"name": API_USER, "regenerate_key": True, "key_file": str(key_file)},
                                             **extra), "register": "out"}
    return [task]


def generate_key_requests(emu, name):
    return [r for r in emu.audit(name) if "generate-key" in r["path"]]


def accepted(emu, name, key):
    url = emu.device(name)["url"] + "/api/v2/monitor/system/status"
    return requests.get(url, verify=emu.ca_path, timeout=10, headers={"Authorization": "Bearer " + key}).status_code


def diagnose(emu, tmp_path, name, token=None):
    """fortifleet.auth.fleet in check mode for one device: its record."""
    args = ["--limit", name, "--check"]
    if token:
        args += ["-e", "fortigate_access_token=%s" % token]
    task = {"fortifleet.auth.fleet": {"areas": ["api_access"]}, "register": "out"}
    run = run_playbook(tmp_path, emu.inventory, [task], args=args)
    return run, run.results[name]["record"]


def test_answer_lost_then_rerun_reports_incomplete_not_ok_then_a_new_rotation_completes(
        remu, tmp_path, private_journal):
    name = "fgt-001"
    key_file = tmp_path / "fgt-001.key"
    # The connection is reset after generate-key was sent: the answer is lost (fault acts before the device).
    remu.set_faults({"fail_next": {"count": 1, "status": "reset", "match": "generate-key"}}, name=name)
    first = run_playbook(tmp_path, remu.inventory, rotate_task(key_file), args=["--limit", name])
    result = first.results[name]
    assert result["failed"] and result["error_kind"] == "ambiguous", first
    assert len(generate_key_requests(remu, name)) == 1  # never repeated
    entries = [n for n in os.listdir(private_journal) if n.endswith(".api-key-rotation.json")]
    assert len(entries) == 1, os.listdir(private_journal)
    entry = json.loads((private_journal / entries[0]).read_text())
    assert entry["step"] == "answer-lost" and entry["data"]["api_user"] == API_USER
    assert stat.S_IMODE(os.stat(private_journal / entries[0]).st_mode) == 0o600
    assert remu.secrets(name)["api_key"] not in (private_journal / entries[0]).read_text()

    # The next run (diagnose) reports it instead of ok, with the human step.
    remu.clear_faults(name)
    (tmp_path / "d1").mkdir()
    run, record = diagnose(remu, tmp_path / "d1", name)
    ids = [f["id"] for f in record["findings"]]
    assert "API_KEY_ROTATION_INCOMPLETE" in ids, record
    found = [f for f in record["findings"] if f["id"] == "API_KEY_ROTATION_INCOMPLETE"][0]
    assert found["severity"] == "critical" and "execute api-user generate-key %s" % API_USER in found["remediation"]
    assert str(private_journal) in found["remediation"]

    # A run that rotates again completes it: the key file holds the key the device accepts, the entry is gone.
    (tmp_path / "r2").mkdir()
    again = run_playbook(tmp_path / "r2", remu.inventory, rotate_task(key_file), args=["--limit", name])
    assert again.rc == 0, again
    new = key_file.read_text().strip()
    assert new == remu.secrets(name)["api_key"] and accepted(remu, name, new) == 200
    assert [n for n in os.listdir(private_journal) if n.endswith(".json")] == []


def test_long_key_file_name_fails_before_generate_key(remu, tmp_path):
    name = "fgt-002"
    key_file = tmp_path / ("k" * 250)
    old = remu.secrets(name)["api_key"]
    run = run_playbook(tmp_path, remu.inventory, rotate_task(key_file), args=["--limit", name])
    result = run.results[name]
    assert result["failed"] and "key_file" in result["msg"] and "too long" in result["msg"], result
    assert generate_key_requests(remu, name) == []
    assert remu.secrets(name)["api_key"] == old and accepted(remu, name, old) == 200


def test_key_file_that_is_a_fifo_is_refused_and_kept(remu, tmp_path):
    name = "fgt-002"
    key_file = tmp_path / "fifo.key"
    os.mkfifo(str(key_file))
    run = run_playbook(tmp_path, remu.inventory, rotate_task(key_file), args=["--limit", name])
    result = run.results[name]
    assert result["failed"] and "key_file" in result["msg"] and "FIFO" in result["msg"], result
    assert stat.S_ISFIFO(os.stat(str(key_file)).st_mode)  # never replaced by a regular file
    assert [r for r in remu.audit(name) if r["write"]] == []


def test_verification_meeting_503s_stores_the_key_and_does_not_blame_the_trusthost(remu, tmp_path):
    name = "fgt-003"
    key_file = tmp_path / "fgt-003.key"
    remu.set_faults({"fail_next": {"count": 3, "status": 503, "match": "system/status"}}, name=name)
    run = run_playbook(tmp_path, remu.inventory, rotate_task(key_file), args=["--limit", name])
    result = run.results[name]
    assert not result.get("failed"), result
    assert result["key_rotated"] is True and result["key_verified"] is False
    assert "trusthost" not in run.output.split("could not be verified")[-1][:300]
    assert "could not be verified" in run.output
    new = key_file.read_text().strip()
    assert new == remu.secrets(name)["api_key"] and accepted(remu, name, new) == 200


def test_fleet_after_a_rotation_never_sends_the_old_key(remu, tmp_path):
    """api_access first with a rotation, then the other areas: they are skipped for that device, no 401."""
    name = "fgt-001"
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    run = run_playbook(tmp_path, remu.inventory, [{"fortifleet.auth.fleet": {
        "areas": ["api_access", "ftm_push", "fortitoken", "ems_connector"],
        "settings": {"api_access_user": API_USER, "api_access_rotate_key": True,
                     "api_access_key_dir": str(key_dir)}}, "register": "out"}], args=["--limit", name])
    assert run.rc == 0, run
    record = run.results[name]["record"]
    assert record["skipped_areas"] == ["ftm_push", "fortitoken", "ems_connector"]
    assert [r for r in remu.audit(name) if r["status"] == 401] == []
    assert (key_dir / (name + ".key")).read_text().strip() == remu.secrets(name)["api_key"]


def _ansible_playbook(tmp_path, inventory, tasks):
    play = [{"hosts": "fortigates", "gather_facts": False, "tasks": tasks}]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    return subprocess.Popen([os.path.join(BIN, "ansible-playbook"), "-i", inventory, str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=ansible_env(), cwd=str(tmp_path))


def test_sigint_while_generate_key_is_in_flight_still_stores_the_key(remu, tmp_path, private_journal):
    name = "fgt-003"
    key_file = tmp_path / "fgt-003.key"
    old = remu.secrets(name)["api_key"]
    # Every answer takes 2.5 s: wide enough to interrupt while generate-key is on the wire.
    remu.set_faults({"latency_ms": 2500}, name=name)
    proc = _ansible_playbook(tmp_path, remu.inventory,
                             [dict(rotate_task(key_file)[0], when="inventory_hostname == '%s'" % name)])
    deadline = time.time() + 120
    # The emulator audits a request when it arrives, then waits 2.5 s before answering.
    while time.time() < deadline and not generate_key_requests(remu, name):
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    output = proc.communicate(timeout=120)[0]
    remu.clear_faults(name)
    assert len(generate_key_requests(remu, name)) == 1, output
    new = remu.secrets(name)["api_key"]
    assert new != old  # the device did rotate its key
    assert key_file.exists(), output
    assert key_file.read_text().strip() == new and accepted(remu, name, new) == 200
    assert stat.S_IMODE(os.stat(str(key_file)).st_mode) == 0o600
    assert new not in output
    assert [n for n in os.listdir(private_journal) if n.endswith(".json")] == []
