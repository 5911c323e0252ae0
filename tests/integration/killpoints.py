"""The kill-point harness: interrupt a transaction at each of its requests in turn, then run again and check.

A ``Transaction`` says how to prepare a device, which playbook runs it, which requests belong to it (the emulator's
``stall``/``down_from`` filter, counted from an uninterrupted run's audit) and what must hold after the rerun. Each
round drives every device of the fleet at once, each at its own kill point, so a round of ansible-playbook tries as
many kill points as there are devices. Interruptions (``KINDS``):

- ``sigint``: Ctrl-C to ansible-playbook while the request is in flight (the device applied it, its answer is held);
- ``sigkill``: SIGKILL of the whole process group (the ansible-playbook fork running the task included), the same
  moment;
- ``down``: the device stops answering from that request on (never applied) for longer than every retry;
- ``latency``: the device applies the request but answers after ``fortigate_timeout``.

A kill point between two reads leaves the device exactly as the kill point at the write before it, so the
transactions' filters name their writes: every state an interruption can leave is tried.
"""
import json
import os
import signal
import subprocess
import sys
import time

from .harness import ansible_env

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
KINDS = ("sigint", "sigkill", "down", "latency")
TIMEOUT = 2  # fortigate_timeout of the down/latency runs
DOWN = 10.0  # seconds a device is down: longer than a device's whole run with every retry (resets fail at once)
HELD = 25.0  # seconds a request is held for sigint/sigkill (the client's timeout is longer)


class Transaction(object):
    """One transaction of the matrix (the key rotation is added the same way)."""

    def __init__(self, name, playbook, methods, count, prepare, snapshot, check, extra=()):
        self.name = name
        self.playbook = playbook  # a playbook of the collection, run against the whole fleet
        self.methods = list(methods)  # the stall/down_from filter: the transaction's requests
        self.count = count  # count(audit records of one device) -> requests of the transaction
        self.prepare = prepare  # prepare(emu, device name): the device ready for the transaction
        self.snapshot = snapshot  # snapshot(emu, name) -> what must be true again after the rerun
        self.check = check  # check(emu, name, snapshot, journal_dir) -> list of problems
        self.extra = list(extra)  # extra ansible-playbook arguments


def playbook(emu, transaction, report_dir, *extra, background=False):
    cmd = [PLAYBOOK, "-i", emu.inventory, transaction.playbook, "-e", "fortifleet_report_dir=%s" % report_dir,
           "-f", "10"] + transaction.extra + list(extra)
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=ansible_env(), start_new_session=True)
    return subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(), timeout=600)


def report_statuses(report_dir):
    path = os.path.join(str(report_dir), "report.json")
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return dict((d["name"], d["status"]) for d in json.load(handle)["devices"])


def _wait_for_held(emu, names, points, since, deadline):
    """Until each device has its kill-point request audited (applied; its answer is being held)."""
    while time.monotonic() < deadline:
        audit = emu.audit(since=since)
        reached = [n for n in names if len([r for r in audit if r["device"] == n and r["write"]]) >= points[n]]
        if len(reached) == len(names):
            return True
        time.sleep(0.2)
    return False


def interrupt_round(emu, transaction, kind, points, tmp_path, label):
    """Interrupt every device in ``points`` (name -> 1-based request index) with ``kind``; returns the report
    statuses of the interrupted run (empty when it was killed before its report) and its output."""
    names = sorted(points)
    since = emu.health()["seq"]
    for name in names:
        trigger = {"method": transaction.methods, "nth": points[name]}
        if kind == "down":
            spec = {"down_from": dict(trigger, seconds=DOWN)}
        elif kind == "latency":
            spec = {"stall": dict(trigger, ms=(TIMEOUT + 1) * 1000, when="after")}
        else:
            spec = {"stall": dict(trigger, ms=HELD * 1000, when="after")}
        emu.set_faults(spec, name=name)
    report_dir = tmp_path / ("%s-interrupted" % label)
    if kind in ("down", "latency"):
        run = playbook(emu, transaction, report_dir, "-e", "fortigate_timeout=%d" % TIMEOUT)
        output = run.stdout + run.stderr
        if kind == "down":
            cut = [r["time"] for r in emu.audit(since=since) if r.get("fault") == "down_from"]
            assert len(set(r["device"] for r in emu.audit(since=since) if r.get("fault"))) == len(names), output
            assert time.time() < min(cut) + DOWN, "the run outlived the outage: %s" % output[-2000:]
            time.sleep(max(0.0, max(cut) + DOWN + 0.3 - time.time()))  # every device is back
    else:
        proc = playbook(emu, transaction, report_dir, "-e", "fortigate_timeout=%d" % (HELD + 10), background=True)
        reached = _wait_for_held(emu, names, points, since, time.monotonic() + 60)
        if kind == "sigint":
            proc.send_signal(signal.SIGINT)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        try:
            output, _ = proc.communicate(timeout=HELD + 20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
        assert reached, "the kill points %s were not all reached: %s" % (points, output[-3000:])
        # After Ctrl-C, ansible-playbook exits but forks of it can linger, their fleet threads waiting for the held
        # answers (seen with ansible-core 2.19); they would write later, in the next round. End them as a
        # terminal's process group ends.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for name in names:
        emu.clear_faults(name=name)
    return report_statuses(report_dir), output


def run_matrix(emu, transaction, tmp_path, journal_dir, kinds=KINDS):
    """Every kill point of ``transaction`` with every kind of interruption; returns how many were tried."""
    names = [d["name"] for d in emu.devices()]
    # An uninterrupted run counts the requests of the transaction on each device.
    emu.reset()
    for name in names:
        transaction.prepare(emu, name)
    emu.clear_audit()
    clean = playbook(emu, transaction, tmp_path / "clean")
    assert clean.returncode == 0, clean.stdout[-3000:]
    audit = emu.audit()
    counts = dict((n, transaction.count([r for r in audit if r["device"] == n])) for n in names)
    assert min(counts.values()) >= 4, counts
    total = min(counts.values())
    tried = 0
    for kind in kinds:
        points = list(range(1, total + 1))
        for start in range(0, len(points), len(names)):
            round_points = dict(zip(names, points[start:start + len(names)]))
            emu.reset()
            for name in round_points:
                transaction.prepare(emu, name)
            before = dict((n, transaction.snapshot(emu, n)) for n in round_points)
            label = "%s-%d" % (kind, start)
            statuses, output = interrupt_round(emu, transaction, kind, round_points, tmp_path, label)
            assert "Traceback" not in output, output[-3000:]
            for name in round_points:
                problems = transaction.check(emu, name, before[name], journal_dir)
                if problems:
                    # not complete yet: the run must not have called it ok or fixed
                    assert statuses.get(name) not in ("ok", "fixed"), (kind, round_points[name], name, problems)
            rerun = playbook(emu, transaction, tmp_path / ("%s-rerun" % label))
            assert rerun.returncode == 0, (kind, round_points, rerun.stdout[-3000:])
            after = report_statuses(tmp_path / ("%s-rerun" % label))
            for name, point in round_points.items():
                problems = transaction.check(emu, name, before[name], journal_dir)
                assert problems == [], (kind, point, name, problems, rerun.stdout[-3000:])
                assert after.get(name) in ("ok", "fixed", "needs_human"), (kind, point, name, after)
            tried += len(round_points)
    return tried, total
