"""Python 3.13 verifies certificates strictly (VERIFY_X509_STRICT): a chain whose CA lacks keyUsage is refused there
and accepted by Python 3.12 and older. The integration suite runs on both (make test: oldest and newest core), so each
run proves its side; the refusal must name the cause and what to do."""
import os
import subprocess
import sys

from fortigate_emulator.testing import running_emulator

from .harness import ROOT, ansible_env

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
INFO_PLAY = os.path.join(ROOT, "tests", "integration", "info_play.yml")
STRICT_PYTHON = sys.version_info >= (3, 13)


def test_ca_without_key_usage(tmp_path):
    with running_emulator(devices=1, scenario="healthy", port="auto", tls_fault="strict-ca") as emu:
        proc = subprocess.run([PLAYBOOK, "-i", emu.inventory, INFO_PLAY], capture_output=True, text=True,
                              env=ansible_env(), timeout=600)
        if STRICT_PYTHON:
            assert proc.returncode != 0
            assert "strict X.509 verification" in proc.stdout
            assert "CA cert does not include key usage extension" in proc.stdout
            assert "properly issued certificate" in proc.stdout and "ca_path" in proc.stdout
            assert "not signed by a CA the controller trusts" not in proc.stdout
            assert emu.audit() == []  # refused in the handshake: no request reached the device
        else:
            assert proc.returncode == 0, proc.stdout[-3000:]
            audit = emu.audit()
            assert ("/api/v2/monitor/web-ui/state", 200) in [(a["path"], a["status"]) for a in audit]
            assert all(a["status"] == 200 for a in audit)
