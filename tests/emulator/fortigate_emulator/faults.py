"""Fault injection (transport/HTTP level; applied before authentication)."""

from __future__ import annotations

import random

KNOWN = {"latency_ms", "error_rate", "error_status", "error_format", "reset_rate", "truncate_rate",
         "slow_body_ms", "html_error_rate", "force_429", "fail_next", "seed", "down", "tls"}


def validate(spec: dict) -> dict:
    if not isinstance(spec, dict):
        raise ValueError("faults must be a JSON object")
    unknown = set(spec) - KNOWN
    if unknown:
        raise ValueError(f"unknown fault keys: {sorted(unknown)}")
    fn = spec.get("fail_next")
    if fn is not None:
        if not isinstance(fn, dict) or int(fn.get("count", 0)) < 0:
            raise ValueError("fail_next must be {count: N, status: 503|'reset'|'truncate'}")
        st = fn.get("status", 503)
        if not (isinstance(st, int) or st in ("reset", "truncate", "html")):
            raise ValueError("fail_next.status must be an HTTP status, 'reset', 'truncate' or 'html'")
        if fn.get("match") is not None and not isinstance(fn.get("match"), str):
            raise ValueError("fail_next.match must be a string (a part of the request path)")
    return spec


def install(dev, spec: dict, base_seed: int = 0):
    spec = dict(validate(spec))
    dev.faults = spec
    seed = spec.get("seed", base_seed)
    dev.fault_state = {"rng": random.Random(f"{seed}:{dev.index}"),
                       "fail_next": int((spec.get("fail_next") or {}).get("count", 0))}


def pick(dev, path=""):
    """Decide the fault for this request: None or (kind, arg).  kind in
    reset | truncate | status (JSON error) | html | 429.
    fail_next.match limits fail_next to requests whose path contains it (e.g. "generate-key"),
    so a test can lose exactly the answer of one action."""
    f = dev.faults
    if not f:
        return None
    st = dev.fault_state
    match = (f.get("fail_next") or {}).get("match")
    if st.get("fail_next", 0) > 0 and (not match or match in path):
        st["fail_next"] -= 1
        s = (f.get("fail_next") or {}).get("status", 503)
        if s == "reset":
            return ("reset", None)
        if s == "truncate":
            return ("truncate", None)
        if s == "html":
            return ("html", 500)
        return ("status", int(s))
    if f.get("force_429"):
        return ("429", None)
    rng = st["rng"]
    if f.get("reset_rate") and rng.random() < float(f["reset_rate"]):
        return ("reset", None)
    if f.get("error_rate") and rng.random() < float(f["error_rate"]):
        status = int(f.get("error_status", 503))
        return ("html", status) if f.get("error_format") == "html" else ("status", status)
    if f.get("html_error_rate") and rng.random() < float(f["html_error_rate"]):
        return ("html", 500)
    if f.get("truncate_rate") and rng.random() < float(f["truncate_rate"]):
        return ("truncate", None)
    return None
