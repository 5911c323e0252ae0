"""Figures from the audit: requests and sequential round trips per device (issue 19's targets).

A device's sequential round trips are the longest chain of its requests in which each one was received only after
the previous one was answered: with a WAN latency L, a device's run cannot take less than that many times L.
Meaningful with a latency fault (`latency_ms`); without one, answers are so quick that overlaps are rare.
"""

from __future__ import annotations

import collections


def sequential_round_trips(records) -> int:
    """The longest chain of non-overlapping requests among ``records`` (audit entries of one device)."""
    timed = sorted((r for r in records if r.get("received") is not None), key=lambda r: r["received"])
    chain = []
    for i, rec in enumerate(timed):
        before = [chain[j] for j in range(i) if timed[j]["time"] <= rec["received"]]
        chain.append(1 + max(before, default=0))
    return max(chain, default=0)


def per_device(records) -> dict:
    """{device: {"requests": n, "writes": n, "round_trips": n}} for a list of audit entries."""
    by_device = collections.defaultdict(list)
    for rec in records:
        by_device[rec["device"]].append(rec)
    return {name: {"requests": len(recs), "writes": sum(1 for r in recs if r.get("write")),
                   "round_trips": sequential_round_trips(recs)}
            for name, recs in by_device.items()}
