"""Issue 19: a device's reads declared up front and sent in parallel once the token is proven; one read cache
(monitor answers too), emptied by a write; the lock-out guard holds across the parallel reads."""
import threading
import time

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import read_plan
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import FAN_OUT, FortiOSClient

from .fake_transport import HTML_401, FakeResponse, envelope
from .memory_client import MemoryClient

TOKEN = "tok3n-value-never-printed"


class TimedSession(object):
    """A thread-safe fake device: answers each request after ``delay`` seconds by ``answer(method, url, params)``,
    recording when each request was sent and answered and how many were in flight at once."""

    def __init__(self, answer, delay=0.05):
        self.answer = answer
        self.delay = delay
        self.headers = {}
        self.calls = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0

    def request(self, method, url, params=None, json=None, headers=None, timeout=None, verify=None):
        call = {"method": method, "url": url, "params": dict(params or {}), "sent": time.time(),
                "authorization": self.headers.get("Authorization")}
        with self.lock:
            self.calls.append(call)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            return self.answer(method, url, params or {})
        finally:
            call["answered"] = time.time()
            with self.lock:
                self.in_flight -= 1


def healthy(method, url, params):
    if url.endswith("/system/global"):
        return FakeResponse(200, envelope({"vdom-mode": "no-vdom", "admin-sport": 443}))
    return FakeResponse(200, envelope([] if "/cmdb/" in url else {}))


def client_on(session, **kw):
    client = FortiOSClient("192.0.2.1", label="fgt-01", access_token=TOKEN, session=session, sleep=lambda s: None,
                           **kw)
    return client.share_reads()


# -- the plan ---------------------------------------------------------------------------------------------------
def test_the_first_wave_has_each_read_of_the_preflight_and_the_areas_once():
    plan = read_plan.first_wave(["api_access", "system"], ["ftm_push", "fortitoken", "ems_connector"])
    assert len(plan) == len(set(plan)) == 13
    assert ("monitor", "license/status", None, "vdom") in plan  # read by three areas, planned once
    assert ("cmdb", "system/interface", None, "vdom") in plan
    # reads that only explain a symptom are left to the code that needs them
    assert not [r for r in plan if "service-communication-stats" in r[1] or r[1] in (
        "system/fortiguard", "endpoint-control/ems/status", "endpoint-control/ems/cert-status", "system/ha-checksums")]
    # a preflight run alone plans only the preflight's reads
    assert len(read_plan.first_wave(["api_access", "system"], [])) == 7


def test_the_vdom_wave_is_empty_without_vdoms_and_names_every_vdom_with_them():
    single = MemoryClient(objects={("system/global", None): {"vdom-mode": "no-vdom"}})
    assert read_plan.vdom_wave(single, ["fortitoken", "ems_connector"], None) == []
    multi = MemoryClient(objects={("system/global", None): {"vdom-mode": "multi-vdom"},
                                  ("system/vdom", "root"): {"name": "root"}, ("system/vdom", "v2"): {"name": "v2"}})
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import FortiOSVersion
    wave = read_plan.vdom_wave(multi, ["fortitoken", "ems_connector"], FortiOSVersion.parse("7.4.4"))
    assert ("cmdb", "user/fortitoken", None, "v2") in wave and ("monitor", "user/fortitoken", None, "root") in wave
    assert ("cmdb", "endpoint-control/settings", None, "v2") in wave  # fctems-override: 7.4.0+ only
    older = read_plan.vdom_wave(multi, ["ems_connector"], FortiOSVersion.parse("7.2.8"))
    assert older == []


# -- the read cache -----------------------------------------------------------------------------------------------
def test_prefetched_reads_are_answered_from_the_cache_and_a_write_empties_it():
    session = TimedSession(healthy, delay=0.01)
    client = client_on(session)
    client.get("system/status", api="monitor")
    client.prefetch(read_plan.first_wave(["api_access", "system"], ["ftm_push", "fortitoken", "ems_connector"]))
    sent = len(session.calls)
    assert sent == 14
    client.get("license/status", api="monitor")
    client.get("user/fortitoken", api="monitor")
    client.get("system/interface")
    assert len(session.calls) == sent  # nothing asked twice
    client.put("system/ftm-push", {"status": "enable"}, scope="global")
    client.get("license/status", api="monitor")
    assert [c["method"] for c in session.calls[sent:]] == ["PUT", "GET"]


def test_a_404_and_a_read_that_failed_after_its_retries_are_remembered_until_a_write():
    answers = {"system/fortiguard": [FakeResponse(404, {"status": "error", "http_status": 404})],
               "system/ha": [FakeResponse(502, text="bad gateway")] * 3 + [FakeResponse(200, envelope({}))],
               "system/ftm-push": [FakeResponse(200, envelope({}))]}

    def answer(method, url, params):
        return answers[url.rsplit("/cmdb/", 1)[1]].pop(0)
    session = TimedSession(answer, delay=0)
    client = client_on(session, retries=2)
    for dummy in range(2):
        try:
            client.get("system/fortiguard", scope="global")
        except err.NotFoundError:
            pass
    assert len(session.calls) == 1
    for dummy in range(2):
        try:
            client.get("system/ha", scope="global")  # 3 attempts, all 502; the second reader meets the same 502
            raise AssertionError("the 502 was not met")
        except err.ServerError:
            pass
    assert len(session.calls) == 4  # 1 + retries(2) for system/ha, however many readers
    client.put("system/ftm-push", {}, scope="global")  # a write: everything is read again
    assert client.get("system/ha", scope="global").results == {}
    assert len(session.calls) == 6


def test_a_row_read_is_answered_from_the_table_read_before():
    def answer(method, url, params):
        return FakeResponse(200, envelope([{"name": "port1", "allowaccess": "https ftm"}, {"name": "port2"}]))
    session = TimedSession(answer, delay=0)
    client = client_on(session)
    client.get("system/interface")
    assert client.get("system/interface", mkey="port1").results == [{"name": "port1", "allowaccess": "https ftm"}]
    assert len(session.calls) == 1
    client.get("system/interface", mkey="port9")  # not in the table: asked, never a made-up 404
    assert len(session.calls) == 2


# -- fan-out and the lock-out guard ----------------------------------------------------------------------------
def test_parallel_reads_never_exceed_the_fan_out():
    session = TimedSession(healthy, delay=0.05)
    client = client_on(session)
    reads = [("cmdb", "table/%d" % n, None, "vdom") for n in range(11)]
    started = time.time()
    assert client.prefetch(reads) == 11
    assert session.most_in_flight == FAN_OUT
    # ceil(11 / FAN_OUT) waves of 50 ms, not 11 sequential requests
    assert time.time() - started < 0.05 * (11 // FAN_OUT + 2)


def test_a_401_in_one_parallel_read_stops_every_other_request_with_that_token():
    def answer(method, url, params):
        if url.endswith("/table/2"):
            return FakeResponse(401, text=HTML_401, reason="Unauthorized")
        return FakeResponse(200, envelope([]))
    session = TimedSession(answer, delay=0.05)
    client = client_on(session)
    client.prefetch([("cmdb", "table/%d" % n, None, "vdom") for n in range(12)])
    refused = next(c for c in session.calls if c["url"].endswith("/table/2"))
    after = [c for c in session.calls if c["sent"] >= refused["answered"]]
    assert after == [] and len(session.calls) <= FAN_OUT + 2  # only what was already in flight
    assert client.token_refused()
    try:
        client.get("system/status", api="monitor")
    except err.TokenRejectedError as exc:
        assert exc.guarded
    assert [c for c in session.calls if c["sent"] >= refused["answered"]] == []


def test_the_plan_waits_for_the_proving_request():
    session = TimedSession(healthy, delay=0.01)
    client = client_on(session)
    ran = []
    client.read_planner = lambda c: ran.append(len(session.calls))
    assert ran == []  # nothing goes out before the token is proven
    client.get("system/status", api="monitor")
    client.proven()
    client.proven()  # once only
    assert ran == [1]


def test_reads_are_not_prefetched_without_a_shared_cache():
    session = TimedSession(healthy, delay=0)
    client = FortiOSClient("192.0.2.1", label="fgt-01", access_token=TOKEN, session=session, sleep=lambda s: None)
    assert client.prefetch([("cmdb", "system/global", None, "global")]) == 0 and session.calls == []


def test_a_planned_read_that_failed_after_its_retries_is_not_sent_again_by_any_reader():
    """Retries stay bounded per read (1 + retries): the plan's failed attempts count, every reader meets the error."""
    def answer(method, url, params):
        return FakeResponse(503, text="busy")
    session = TimedSession(answer, delay=0)
    client = client_on(session, retries=2)
    client.prefetch([("monitor", "license/status", None, "vdom")])
    assert len(session.calls) == 3
    try:
        client.get("license/status", api="monitor")
        raise AssertionError("the 503 was not met")
    except err.ServerError:
        pass
    assert len(session.calls) == 3  # not a 4th attempt
    try:
        client.get("license/status", api="monitor")  # a later reader too
        raise AssertionError("the 503 was not met")
    except err.ServerError:
        pass
    assert len(session.calls) == 3


def test_a_rollback_asks_again_for_the_reads_that_failed_and_keeps_the_answers():
    """reimport.rollback() calls forget_failures(): a restore must not give up because a read failed before it."""
    answers = {"user/local": [FakeResponse(503, text="busy")] * 3 + [FakeResponse(200, envelope([]))],
               "user/fortitoken": [FakeResponse(200, envelope([]))]}

    def answer(method, url, params):
        return answers[url.rsplit("/cmdb/", 1)[1]].pop(0)
    session = TimedSession(answer, delay=0)
    client = client_on(session, retries=2)
    client.get("user/fortitoken")
    try:
        client.get("user/local")
        raise AssertionError("the 503 was not met")
    except err.ServerError:
        pass
    client.forget_failures()
    assert client.get("user/local").results == [] and client.get("user/fortitoken").results == []
    assert len(session.calls) == 5  # user/fortitoken once, user/local 3 + 1
