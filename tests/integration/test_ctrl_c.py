"""Ctrl-C stops the fleet (issue 14): after SIGINT to ansible-playbook, nothing of the run keeps going.

A fleet run holds one thread per device; an answer the device holds back keeps its thread waiting. Before the fix
ansible-playbook exited on Ctrl-C while its worker process lived on, its device threads still sending requests (and
writing) seconds later. Here SIGINT goes to the ansible-playbook process only, as a terminal's Ctrl-C would to the
foreground process, with one device's answer held and the others slow: once ansible-playbook has exited, no
request reaches any device and no process of the run is left. The same when ansible-playbook's process group is
killed (SIGKILL, as the kill-point harness used to do): Ansible's worker runs in a session of its own, so the
signal never reaches it, and before the fix it ran the whole fleet to the end, orphaned.
"""
import os
import signal
import subprocess
import time

import pytest

from fortigate_emulator.testing import running_emulator

from .harness import ansible_env
from .killpoints import PLAYBOOK, processes_of

HELD_SECONDS = 20.0


@pytest.fixture(scope="module")
def cfleet():
    with running_emulator(devices=6, scenario="seeds", profile="7.4.4", port="auto", lockout_seconds=60) as emu:
        yield emu


@pytest.mark.parametrize("kind", ["sigint", "sigkill-group"])
def test_interruption_stops_every_device_and_leaves_no_process(cfleet, tmp_path, kind):
    emu = cfleet
    emu.reset()
    emu.clear_faults()
    emu.clear_audit()
    names = [d["name"] for d in emu.devices()]
    emu.set_faults({"latency_ms": 300})
    # One device holds the answer of its first write (applied, answer late): its thread waits on it.
    emu.set_faults({"stall": {"method": ["PUT", "POST", "DELETE"], "nth": 1, "ms": HELD_SECONDS * 1000,
                              "when": "after"}}, name=names[1])
    proc = subprocess.Popen([PLAYBOOK, "-i", emu.inventory, "fortifleet.auth.remediate", "-f", "3",
                             "-e", "fortigate_timeout=%d" % (HELD_SECONDS + 10),
                             "-e", "fortifleet_report_dir=%s" % (tmp_path / "report")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ansible_env(),
                            start_new_session=True, cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 90
        while not [r for r in emu.audit(names[1]) if r["write"]] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [r for r in emu.audit(names[1]) if r["write"]], "the held write was never reached"
        time.sleep(0.5)
        if kind == "sigint":
            proc.send_signal(signal.SIGINT)  # ansible-playbook only, not its process group
        else:
            os.killpg(proc.pid, signal.SIGKILL)  # ansible-playbook's group: the worker is not in it
        output, _ = proc.communicate(timeout=60)
        time.sleep(1)  # requests already in flight (300 ms latency) are audited when answered
        exited = len(emu.audit())
        time.sleep(3)
        later = emu.audit()
        left = processes_of(emu.inventory)
        assert left == [], "processes of the run still alive after ansible-playbook exited: %s" % left
        assert later[exited:] == [], "requests after ansible-playbook exited: %s" % [
            (r["device"], r["method"], r["path"]) for r in later[exited:]]
        assert "Traceback" not in output, output[-3000:]
    finally:
        for pid in processes_of(emu.inventory):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        emu.clear_faults()
