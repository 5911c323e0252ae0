"""Issue 19, 10,000 devices on one controller: the fleet pool's size, the records streamed to a spool instead of
held in the task's result, and the report's redaction in linear time."""
import json
import os
import stat

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import device as _fleet
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import fleet, summary
from ansible_collections.fortifleet.auth.plugins.module_utils._report import model

OPTIONS = {"areas": ["ftm_push"], "usable_states": ["ok"]}
TOKEN_A = "tokA0123456789abcdefghijklmnop"
TOKEN_B = "tokB0123456789abcdefghijklmnop"


class Name(str):
    """A device name that counts its comparisons: a list's membership test compares with every element (quadratic in
    the fleet size), a set's with about one."""
    compared = 0

    def __eq__(self, other):
        Name.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def _names(count):
    Name.compared = 0
    return [Name("d%05d" % i) for i in range(count)]


def _record(access="ok", changes=(), errors=(), warnings=()):
    record = _fleet.new_record("192.0.2.1", preflight={"access": access, "version": "7.4.4"})
    record.update(changes=list(changes), errors=list(errors), warnings=list(warnings), diff=[{"before": {}}])
    return record


def test_the_pool_defaults_to_an_io_bound_size_never_larger_than_the_batch():
    assert fleet.DEFAULT_WORKERS == 64
    assert fleet.pool_size(None, 1000) == 64  # not forks (5 by default): devices wait on the network
    assert fleet.pool_size(None, 10) == 10  # never more threads than devices
    assert fleet.pool_size(8, 1000) == 8 and fleet.pool_size("200", 1000) == 200  # the option or fortifleet_workers
    assert fleet.pool_size(None, 0) == 1


def test_the_spool_holds_every_record_and_the_result_only_the_count(tmp_path, monkeypatch):
    monkeypatch.setattr(fleet.tempfile, "tempdir", str(tmp_path))
    spool = fleet.new_spool()
    assert os.path.basename(os.path.dirname(spool)).startswith(fleet.SPOOL_PREFIX)
    collected = fleet.Collector(keep=False, spool=spool)
    collected.add("a", _record(changes=[{"area": "ftm_push", "changed_keys": ["status"]}], warnings=["w1"]))
    collected.add("b", _record("token_rejected", warnings=["w1", "w2"]))
    collected.close()
    assert stat.S_IMODE(os.stat(spool).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(spool)).st_mode) == 0o700
    result = fleet.task_result(collected, ["a", "b"], True, OPTIONS, 1.0)
    assert "records" not in result and result["spool"] == spool and result["changed"] is True
    assert result["summary"]["line"] == "2 devices: 1 usable, 1 changed or drifting, 0 with errors; left out: b (token_rejected)"
    assert result["warnings"] == ["w1", "w2"] and len(result["diff"]) == 2
    spooled = fleet.read_spool(spool)
    assert sorted(spooled) == ["a", "b"] and spooled["a"]["changes"][0]["changed_keys"] == ["status"]
    assert "diff" not in spooled["a"] and spooled["b"]["preflight"]["access"] == "token_rejected"
    assert list(fleet.read_spool(spool, ["b", "not-in-the-run"])) == ["b"]
    fleet.remove_spool(spool)
    assert not os.path.exists(os.path.dirname(spool))


def test_kept_records_are_returned_as_before_and_the_spool_is_optional():
    collected = fleet.Collector(keep=True)
    collected.add("a", _record())
    result = fleet.task_result(collected, ["a"], True, OPTIONS, 0.5)
    assert list(result["records"]) == ["a"] and result["records"]["a"]["preflight"]["access"] == "ok"
    assert "spool" not in result


def test_only_a_spool_the_fleet_task_made_is_removed(tmp_path):
    mine = tmp_path / "report" / "records.jsonl"
    mine.parent.mkdir()
    mine.write_text("{}\n")
    fleet.remove_spool(str(mine))  # not in a directory of the fleet task's: left alone
    assert mine.exists()


def test_the_fleet_count_is_linear_in_the_fleet_size():
    records = dict((name, _record("ok" if i % 2 else "timeout")) for i, name in enumerate(_names(4000)))
    count = summary.summary(records, ["ok"])
    assert Name.compared < 4 * 4000  # sorting compares with < only; membership tests at most a few times per name
    assert count["usable"] == 2000 and len(count["left_out"]) == 2000 and count["left_out"][0] == "d00000"
    assert count["line"].endswith("and %d more" % (2000 - summary.LEFT_OUT_SHOWN))


def _host(text, access="ok"):
    return {"ran": True, "areas": ["ftm_push"], "preflight": {"access": access, "version": "7.4.4"},
            "errors": ["ftm_push: %s" % text]}


def test_each_device_is_redacted_of_its_own_secrets_and_of_any_other_device_token_standing_alone():
    hosts = {"a": _host("refused token %s!" % TOKEN_A), "b": _host("saw %s, and x%sy" % (TOKEN_A, TOKEN_B)),
             "c": _host("its password is pw-c-123456 (inside: zzpw-c-123456zz)")}
    report = model.build(hosts, "diagnose", True, secrets=["shared-secret-1"],
                         device_secrets={"a": [TOKEN_A], "b": [TOKEN_B], "c": ["pw-c-123456"]})
    text = json.dumps(report)
    # a's own token in a's data, b's own token even inside a word, and a's token standing alone in b's data.
    assert TOKEN_A not in text and TOKEN_B not in text and "pw-c-123456" not in text
    errors = dict((d["name"], d["errors"][0]) for d in report["devices"])
    assert errors["a"] == "ftm_push: refused token %s!" % model.REDACTED
    assert errors["b"] == "ftm_push: saw %s, and x%sy" % (model.REDACTED, model.REDACTED)
    assert errors["c"] == "ftm_push: its password is %s (inside: zz%szz)" % (model.REDACTED, model.REDACTED)


def test_run_wide_secrets_are_redacted_everywhere_as_before():
    report = model.build({"a": _host("x shared-secret-1 y"), "b": _host("shared-secret-1")}, "shared-secret-1 run",
                         True, secrets=["shared-secret-1", "short"])
    text = json.dumps(report)
    assert "shared-secret-1" not in text and report["run"]["name"] == "%s run" % model.REDACTED


def test_a_finding_on_every_device_lists_each_device_once_in_linear_time():
    finding = {"id": "FTM_PUSH_SERVER_UNSET", "severity": "warning", "area": "ftm_push", "summary": "s",
               "remediation": "r", "auto_fix": False}
    hosts = dict((name, {"ran": True, "preflight": {"access": "ok"}, "findings": [finding, dict(finding, summary="t")]})
                 for name in _names(3000))
    report = model.build(hosts, "diagnose", True)
    assert Name.compared < 4 * 3000
    action = report["summary"]["human_actions"][0]
    assert action["devices"] == sorted(hosts) and report["summary"]["findings_by_id"]["FTM_PUSH_SERVER_UNSET"] == 6000


@pytest.mark.parametrize("spooled, fact, expected", [
    ({"preflight": {"access": "ok"}, "src": "spool"}, {"src": "fact"}, "spool"),
    (None, {"src": "fact"}, "fact"),
])
def test_the_report_takes_a_device_record_from_the_spool_before_its_fact(spooled, fact, expected):
    variables = {model.FLEET_RESULT: fact}
    assert model.device_input("a", variables.get, spooled)["src"] == expected
    # The roles' facts win over both: the roles ran for that device.
    variables[model.ROLE_FACTS["preflight"]] = {"access": "ok"}
    assert "src" not in model.device_input("a", variables.get, spooled)


def test_the_device_pool_does_not_walk_every_pending_device_at_each_completion(monkeypatch):
    """concurrent.futures.wait() looks at every pending future each time it wakes up: with one wake-up per finished
    device that is quadratic in the fleet size. The pool hears of each device once."""
    import concurrent.futures
    import time

    from ansible_collections.fortifleet.auth.plugins.module_utils._task import runtime

    looked_at = []
    real_wait = concurrent.futures.wait

    def counting_wait(futures, *args, **kwargs):
        looked_at.append(len(futures))
        return real_wait(futures, *args, **kwargs)

    monkeypatch.setattr(runtime.concurrent.futures, "wait", counting_wait)
    done = []
    runtime.run_pool(range(600), lambda item: time.sleep(0.001) or item * 2,
                     lambda item, future: done.append((item, future.result())), workers=8)
    assert sorted(done) == [(i, i * 2) for i in range(600)]
    assert sum(looked_at) < 10 * 600


class _Session(object):
    closed = False

    def close(self):
        self.closed = True


def test_a_finished_device_gives_back_its_connection_and_record():
    """Between the two phases every device is held; once it is finished its connection and record are let go, so
    that a large run does not keep every device's TLS connection and record until the last device ends."""
    devices = [_fleet.Device(name, {"host": "192.0.2.1", "access_token": "t"}, {}, check_mode=True)
               for name in ("a", "b")]
    sessions = []
    for device in devices:
        client = type("Client", (), {})()
        client.session = _Session()
        sessions.append(client.session)
        device._base._client = client

    def phase(items, work, done, workers):  # a sequential pool
        import concurrent.futures
        for device in items:
            future = concurrent.futures.Future()
            future.set_result(device.name == "a")  # a passes its preflight, b is left out
            done(device, future)

    got = []
    fleet.run_batch(devices, {"areas": [], "usable_states": ["ok"]}, lambda device, record: got.append(
        (device.name, record["check_mode"])), 2, fleet=False, pool=phase)
    assert sorted(got) == [("a", True), ("b", True)]
    assert [s.closed for s in sessions] == [True, True] and [d.record for d in devices] == [None, None]


def test_a_device_waiting_for_the_areas_phase_holds_no_open_connection(monkeypatch):
    """Every device that passed its preflight waits for the others' preflights: its connections are closed (in its
    worker) before the areas phase starts (10,000 idle TLS connections exhausted the file descriptors); its record
    is kept for the areas."""
    device = _fleet.Device("a", {"host": "192.0.2.1", "access_token": "t"}, {}, check_mode=True)
    client = type("Client", (), {})()
    client.session = _Session()
    device._base._client = client
    seen = []
    monkeypatch.setattr(fleet.dev, "run_preflight_phase", lambda d, *args: True)
    monkeypatch.setattr(fleet.dev, "run_areas_phase",
                        lambda d, *args: seen.append((d.name, client.session.closed, d.record is not None)))

    def phase(items, work, done, workers):  # a sequential pool that runs the work
        import concurrent.futures
        for item in items:
            future = concurrent.futures.Future()
            future.set_result(work(item))
            done(item, future)

    fleet.run_batch([device], {"areas": [], "usable_states": ["ok"], "preflight": True, "preflight_subsets": []},
                    lambda d, r: None, 1, fleet=False, pool=phase)
    assert seen == [("a", True, True)]
