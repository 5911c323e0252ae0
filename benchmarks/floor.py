"""The floor: plain Python that makes exactly the HTTP requests a recorded run made, nothing else.

Two floors:
  * `replay`: each device's requests in order, one after the other (the 100-device comparison);
  * `replay_fanout`: with a WAN latency, "every device's necessary reads, each device's independent reads in
    parallel": each device's distinct reads of the recorded run, the first alone (a client learns the firmware
    first), then the rest concurrently, at most FANOUT in flight per device (the per-device bound our code uses),
    on a pool of as many devices at a time as our fleet pool.

The requests come from the emulator's audit of our run (method, path, query; bodies are never
recorded, so the floor replays only reads: it is run against the audit of `diagnose`, which is
read-only). One job per device keeps that device's request order; a thread pool of the same size as
Ansible's forks runs the jobs, with a requests.Session per thread, the device's Bearer token from the
inventory and TLS verification against the emulator's CA.
"""
import collections
import concurrent.futures
import threading
import time

import requests
import yaml


def inventory_hosts(path):
    with open(path) as handle:
        inv = yaml.safe_load(handle)
    top = inv["all"]
    hosts = dict(top.get("hosts") or {})
    for group in (top.get("children") or {}).values():
        hosts.update(group.get("hosts") or {})
    return top.get("vars") or {}, hosts


def requests_by_device(audit):
    """{device: [(method, path, query), ...]} in the order the emulator saw them (API paths only)."""
    out = collections.OrderedDict()
    for rec in sorted(audit, key=lambda r: r["seq"]):
        if not rec["path"].startswith("/api/v2/"):
            continue
        out.setdefault(rec["device"], []).append((rec["method"], rec["path"], rec.get("query") or ""))
    return out


def replay(audit, inventory, workers, reads_only=True):
    """Replay the audit's requests per device; returns wall seconds, request count and status counts."""
    all_vars, hosts = inventory_hosts(inventory)
    ca_path = all_vars.get("fortigate_ca_path")
    jobs = requests_by_device(audit)
    if reads_only:
        writes = sum(1 for reqs in jobs.values() for method, _, _ in reqs if method != "GET")
        if writes:
            raise ValueError("the floor replays reads only, the audit has %d writes" % writes)
    local = threading.local()

    def session():
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify=
        return local.session

    def run_device(name):
        host = hosts[name]
        base = "https://%s:%s" % (host.get("ansible_host", name), host.get("fortigate_port", 443))
        headers = {"Authorization": "Bearer %s" % host["fortigate_access_token"]}
        statuses = collections.Counter()
        sess = session()
        for method, path, query in jobs[name]:
            url = base + path + ("?" + query if query else "")
            resp = sess.request(method, url, headers=headers, verify=ca_path, timeout=30)
            resp.content  # read the whole body, as a client must
            statuses[resp.status_code] += 1
        return statuses

    return _timed_pool(run_device, jobs, workers)


def _timed_pool(run_device, jobs, workers):
    """Every device of ``jobs`` through ``run_device`` on ``workers`` threads: wall time and the statuses counted."""
    start = time.monotonic()
    total = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for statuses in pool.map(run_device, list(jobs)):
            total.update(statuses)
    elapsed = time.monotonic() - start
    return {"seconds": round(elapsed, 2), "requests": sum(total.values()), "devices": len(jobs),
            "workers": workers, "statuses": dict((str(k), v) for k, v in sorted(total.items()))}


try:  # requests in flight per device: the same bound as our fleet's per-device fan-out (docs/requests.md)
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import FAN_OUT as FANOUT
except ImportError:  # the collection not importable (run outside the project's layout): the documented bound
    FANOUT = 5


def _distinct(reqs):
    """The requests in order, each (method, path, query) once: a second identical read is never necessary."""
    seen = set()
    return [r for r in reqs if not (r in seen or seen.add(r))]


def replay_fanout(audit, inventory, workers, fanout=FANOUT):
    """The latency floor: per device the first read alone, the rest FANOUT at a time; WORKERS devices at a time.

    Each lane of a device has its own requests.Session (its own connection, as a per-device fan-out needs), closed
    when the device is done. Returns wall seconds, request counts and status counts."""
    all_vars, hosts = inventory_hosts(inventory)
    ca_path = all_vars.get("fortigate_ca_path")
    recorded = requests_by_device(audit)
    writes = sum(1 for reqs in recorded.values() for method, _, _ in reqs if method != "GET")
    if writes:
        raise ValueError("the floor replays reads only, the audit has %d writes" % writes)
    jobs = collections.OrderedDict((name, _distinct(reqs)) for name, reqs in recorded.items())

    def run_device(name):
        host = hosts[name]
        base = "https://%s:%s" % (host.get("ansible_host", name), host.get("fortigate_port", 443))
        headers = {"Authorization": "Bearer %s" % host["fortigate_access_token"]}
        statuses = collections.Counter()
        lock = threading.Lock()
        first, rest = jobs[name][0], iter(jobs[name][1:])

        def call(sess, req):
            method, path, query = req
            resp = sess.request(method, base + path + ("?" + query if query else ""), headers=headers,
                                verify=ca_path, timeout=30)
            resp.content  # read the whole body, as a client must
            with lock:
                statuses[resp.status_code] += 1

        def lane(sess):
            while True:
                with lock:
                    req = next(rest, None)
                if req is None:
                    return
                call(sess, req)

        sessions = [requests.Session() for _ in range(max(1, min(fanout, len(jobs[name]) - 1)))]
        for sess in sessions:
            sess.trust_env = False  # REQUESTS_CA_BUNDLE would override verify=
        try:
            call(sessions[0], first)
            threads = [threading.Thread(target=lane, args=(sess,)) for sess in sessions[1:]]
            for thread in threads:
                thread.start()
            lane(sessions[0])
            for thread in threads:
                thread.join()
        finally:
            for sess in sessions:
                sess.close()
        return statuses

    return dict(_timed_pool(run_device, jobs, workers), fanout=fanout,
                recorded_requests=sum(len(r) for r in recorded.values()))
