"""The kill-point harness: interrupt a transaction at each of its requests in turn, then run again and check.

A ``Transaction`` says how to prepare a device, which playbook runs it, which requests belong to it (the emulator's
``stall``/``down_from`` filter, counted from an uninterrupted run's audit) and what must hold after the rerun. Each
round drives every device of the fleet at once, each at its own kill point, so a round of ansible-playbook tries as
many kill points as there are devices. Interruptions (``KINDS``):

- ``sigint``: Ctrl-C to ansible-playbook while the request is in flight (the device applied it, its answer is held);
  then every process of the run must be gone (a critical section, the key being stored, may finish first);
- ``sigkill``: SIGKILL of every process of the run (ansible-playbook and its worker, which runs in a session of
  its own), the same moment;
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
HELD = 25.0  # seconds a request is held for sigint/sigkill by default (the client's timeout is longer)


class Transaction(object):
    """One transaction of the matrix: the FortiToken re-import, the key rotation."""

    def __init__(self, name, playbook, methods, count, prepare, snapshot, check, extra=(), triggers=None,
                 inventory=None, held=HELD, final_statuses=("ok", "fixed", "needs_human")):
        self.name = name
        self.playbook = playbook  # a playbook of the collection, run against the whole fleet
        self.methods = list(methods)  # the stall/down_from filter: the transaction's requests
        self.count = count  # count(audit records of one device) -> requests of the transaction
        self.prepare = prepare  # prepare(emu, device name): the device ready for the transaction
        self.snapshot = snapshot  # snapshot(emu, name) -> what must be true again after the rerun
        # check(emu, name, snapshot, journal_dir, device's entry of the run's report.json) -> list of problems
        self.check = check
        self.extra = list(extra)  # extra ansible-playbook arguments
        # triggers(audit records of one device) -> one stall/down_from filter per kill point; by default the
        # 1st..count-th request whose method is in ``methods``
        self.triggers = triggers or (lambda records: [{"method": self.methods, "nth": n}
                                                      for n in range(1, count(records) + 1)])
        # inventory(emu, tmp_path) -> the inventory of the rerun (an operator's update, e.g. a rotated key)
        self.inventory = inventory or (lambda emu, tmp_path: emu.inventory)
        self.held = held  # seconds a request is held for sigint/sigkill
        self.final_statuses = final_statuses  # the device's status after the rerun (check says which is right)


def processes_of(inventory):
    """pids of every process whose command line names ``inventory``: ansible-playbook and its workers."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                cmdline = handle.read().decode(errors="replace")
        except OSError:
            continue
        if inventory in cmdline and "fortigate_emulator" not in cmdline:
            found.append(int(pid))
    return found


def kill_all(pids, signum=signal.SIGKILL):
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def wait_gone(inventory, seconds):
    """Until no process of the run is left (True) or ``seconds`` passed (False)."""
    deadline = time.monotonic() + seconds
    while processes_of(inventory):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def playbook(emu, transaction, report_dir, *extra, background=False, inventory=None):
    cmd = [PLAYBOOK, "-i", inventory or emu.inventory, transaction.playbook, "-e", "fortifleet_report_dir=%s" % report_dir,
           "-f", "10"] + transaction.extra + list(extra)
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=ansible_env(), start_new_session=True)
    return subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(), timeout=600)


def report_devices(report_dir):
    """name -> the device's entry of the run's report.json ({} when the run died before its report)."""
    path = os.path.join(str(report_dir), "report.json")
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return dict((d["name"], d) for d in json.load(handle)["devices"])


def report_statuses(report_dir):
    return dict((name, d["status"]) for name, d in report_devices(report_dir).items())


def matches(record, trigger):
    methods = trigger.get("method")
    methods = [methods] if isinstance(methods, str) else methods
    return (not methods or record["method"] in methods) and trigger.get("match", "") in record["path"]


def _wait_for_held(emu, names, points, since, deadline):
    """Until each device has its kill-point request audited (applied; its answer is being held)."""
    while time.monotonic() < deadline:
        audit = emu.audit(since=since)
        reached = [n for n in names
                   if len([r for r in audit if r["device"] == n and matches(r, points[n])]) >= points[n]["nth"]]
        if len(reached) == len(names):
            return True
        time.sleep(0.2)
    return False


def repeated_401s(records):
    """Devices that answered 401 more than once in these audit records (one run): a lock-out in the making."""
    counts = {}
    for r in records:
        if r.get("status") == 401:
            counts[r["device"]] = counts.get(r["device"], 0) + 1
    return dict((d, n) for d, n in counts.items() if n > 1)


def interrupt_round(emu, transaction, kind, points, tmp_path, label):
    """Interrupt every device in ``points`` (name -> its kill point: a stall/down_from filter) with ``kind``;
    returns the report statuses of the interrupted run (empty when it was killed before its report) and its
    output."""
    names = sorted(points)
    since = emu.health()["seq"]
    held = transaction.held
    for name in names:
        trigger = points[name]
        if kind == "down":
            spec = {"down_from": dict(trigger, seconds=DOWN)}
        elif kind == "latency":
            spec = {"stall": dict(trigger, ms=(TIMEOUT + 1) * 1000, when="after")}
        else:
            spec = {"stall": dict(trigger, ms=held * 1000, when="after")}
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
        proc = playbook(emu, transaction, report_dir, "-e", "fortigate_timeout=%d" % (held + 10), background=True)
        reached = _wait_for_held(emu, names, points, since, time.monotonic() + 60)
        if kind == "sigint":
            proc.send_signal(signal.SIGINT)  # ansible-playbook only, as a terminal's Ctrl-C
        else:
            kill_all(processes_of(emu.inventory))
        try:
            output, _ = proc.communicate(timeout=held + 20)
        except subprocess.TimeoutExpired:
            kill_all(processes_of(emu.inventory))
            output, _ = proc.communicate()
        assert reached, "the kill points %s were not all reached: %s" % (points, output[-3000:])
        # Nothing of the run may outlive it: a worker left behind would write later. Only a critical section
        # (the key being stored) may keep it until the held answer arrives.
        gone = wait_gone(emu.inventory, held + 10)
        left = processes_of(emu.inventory)
        kill_all(left)
        assert gone, "processes of the run still alive after %s: %s\n%s" % (kind, left, output[-3000:])
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
    triggers = dict((n, transaction.triggers([r for r in audit if r["device"] == n])) for n in names)
    assert min(len(t) for t in triggers.values()) >= 2, triggers
    total = min(len(t) for t in triggers.values())
    tried = 0
    for kind in kinds:
        points = list(range(total))
        for start in range(0, len(points), len(names)):
            round_points = dict((name, triggers[name][index])
                                for name, index in zip(names, points[start:start + len(names)]))
            emu.reset()
            for name in round_points:
                transaction.prepare(emu, name)
            before = dict((n, transaction.snapshot(emu, n)) for n in round_points)
            label = "%s-%d" % (kind, start)
            since = emu.health()["seq"]
            statuses, output = interrupt_round(emu, transaction, kind, round_points, tmp_path, label)
            assert "Traceback" not in output, output[-3000:]
            for name in round_points:
                problems = transaction.check(emu, name, before[name], journal_dir, None)
                if problems:
                    # not complete yet: the run must not have called it ok or fixed
                    assert statuses.get(name) not in ("ok", "fixed"), (kind, round_points[name], name, problems)
            assert repeated_401s(emu.audit(since=since)) == {}, (kind, round_points)
            since = emu.health()["seq"]
            rerun = playbook(emu, transaction, tmp_path / ("%s-rerun" % label),
                             inventory=transaction.inventory(emu, tmp_path / ("%s-inventory" % label)))
            assert rerun.returncode == 0, (kind, round_points, rerun.stdout[-3000:])
            assert repeated_401s(emu.audit(since=since)) == {}, (kind, round_points)
            after = report_devices(tmp_path / ("%s-rerun" % label))
            for name, point in round_points.items():
                problems = transaction.check(emu, name, before[name], journal_dir, after.get(name))
                assert problems == [], (kind, point, name, problems, rerun.stdout[-3000:])
                assert after.get(name, {}).get("status") in transaction.final_statuses, (kind, point, name, after)
            tried += len(round_points)
    return tried, total
