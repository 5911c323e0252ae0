"""Issue 15 acceptance 3: -vvv of fortifleet.auth.remediate shows one trace line per request the devices received,
and none of the fleet's secrets; unverified TLS gives the collection's one warning, not urllib3's."""
import os
import re
import subprocess
import sys

from .conftest import fleet_fixture, fresh
from .harness import ansible_env

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
traced = fleet_fixture(devices=5, scenario="seeds")
TRACE = re.compile(r"fortifleet\.auth HTTP (\S+): (GET|POST|PUT|DELETE) (\S+) -> (\S+) in \d+ ms \(retry \d+\)")


def run(emu, tmp_path, *extra):
    return subprocess.run([PLAYBOOK, "-i", emu.inventory, "fortifleet.auth.remediate",
                           "-e", "fortifleet_report_dir=%s" % (tmp_path / "report")] + list(extra),
                          capture_output=True, text=True, env=ansible_env(), timeout=600)


def fleet_secrets(emu):
    found = set()
    for device in emu.devices():
        s = emu.secrets(device["name"])
        found.update(str(s[k]) for k in ("api_key", "admin_password", "inventory_token") if s.get(k))
        found.update(str(code) for code in s.get("license_codes") or [])
    return found


def test_vvv_traces_every_request_and_no_secret(traced, tmp_path):
    emu = fresh(traced)
    proc = run(emu, tmp_path, "-vvv")
    assert proc.returncode == 0, proc.stdout[-3000:]
    audit = emu.audit()
    lines = TRACE.findall(proc.stdout)
    assert len(audit) > 20
    by_device = {}
    for label, method, path, dummy in lines:
        by_device.setdefault(label, []).append((method, path.split("?")[0]))
    for name in set(r["device"] for r in audit):
        sent = sorted((r["method"], r["path"]) for r in audit if r["device"] == name)
        assert sorted(by_device.get(name, [])) == sent, name
    assert len(lines) == len(audit)
    output = proc.stdout + proc.stderr
    leaked = [s for s in fleet_secrets(emu) if s in output]
    assert leaked == []


def test_no_trace_below_vvv(traced, tmp_path):
    proc = run(fresh(traced), tmp_path, "-vv")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert not TRACE.search(proc.stdout)


def test_unverified_tls_warns_once_in_the_collections_words(traced, tmp_path):
    proc = run(fresh(traced), tmp_path, "-e", "fortigate_validate_certs=false", "--check")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert "validate_certs is false for" in output
    assert "InsecureRequestWarning" not in output and "errantly" not in output
