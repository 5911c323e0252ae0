"""Sequential round trips from audit timestamps (fortigate_emulator.audit_stats)."""

from fortigate_emulator.audit_stats import per_device, sequential_round_trips


def _req(device, received, answered, write=False):
    return {"device": device, "received": received, "time": answered, "write": write}


def test_a_chain_of_requests_one_after_the_other_counts_each():
    recs = [_req("a", 0.0, 0.1), _req("a", 0.1, 0.2), _req("a", 0.25, 0.3)]
    assert sequential_round_trips(recs) == 3


def test_overlapping_requests_count_once():
    # one request, then four at once (a fan-out), then one more after all of them
    recs = [_req("a", 0.0, 0.1)] + [_req("a", 0.11 + i * 0.001, 0.2 + i * 0.01) for i in range(4)]
    recs.append(_req("a", 0.24, 0.3))
    assert sequential_round_trips(recs) == 3


def test_per_device_counts_requests_writes_and_round_trips():
    recs = [_req("a", 0.0, 0.1), _req("b", 0.0, 0.1, write=True), _req("a", 0.05, 0.15)]
    assert per_device(recs) == {"a": {"requests": 2, "writes": 0, "round_trips": 1},
                                "b": {"requests": 1, "writes": 1, "round_trips": 1}}


def test_entries_without_a_receive_time_are_left_out():
    assert sequential_round_trips([{"device": "a", "time": 1.0}]) == 0
