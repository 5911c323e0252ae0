"""Fault injection (transport/HTTP level; applied before authentication)."""

from __future__ import annotations

import random
import time

KNOWN = {"latency_ms", "jitter_ms", "error_rate", "error_status", "error_format", "reset_rate", "truncate_rate",
         "slow_body_ms", "html_error_rate", "force_429", "fail_next", "seed", "down", "tls", "stall", "down_from", "fail_path"}
# stall / down_from pick one request precisely: the nth (1-based) whose method and path match.
_TRIGGER_KEYS = {"method", "match", "nth"}


def _validate_trigger(name, spec, extra):
    if not isinstance(spec, dict):
        raise ValueError(f"{name} must be an object")
    unknown = set(spec) - _TRIGGER_KEYS - set(extra)
    if unknown:
        raise ValueError(f"unknown {name} keys: {sorted(unknown)}")
    methods = spec.get("method")
    methods = [methods] if isinstance(methods, str) or methods is None else methods
    if not isinstance(methods, list) or not all(m in (None, "GET", "POST", "PUT", "DELETE") for m in methods):
        raise ValueError(f"{name}.method must be GET, POST, PUT or DELETE, or a list of them")
    if spec.get("match") is not None and not isinstance(spec["match"], str):
        raise ValueError(f"{name}.match must be a string (a part of the request path)")
    if not isinstance(spec.get("nth", 1), int) or spec.get("nth", 1) < 1:
        raise ValueError(f"{name}.nth must be an integer >= 1")


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
    if spec.get("fail_path") is not None:
        fp = spec["fail_path"]
        _validate_trigger("fail_path", fp, ("status",))
        if not fp.get("match"):
            raise ValueError("fail_path.match must name a part of the request path")
        if not isinstance(fp.get("status", 404), int) or not 400 <= fp.get("status", 404) <= 599:
            raise ValueError("fail_path.status must be an HTTP error status (400-599)")
    if spec.get("stall") is not None:
        st = spec["stall"]
        _validate_trigger("stall", st, ("ms", "when"))
        if not isinstance(st.get("ms"), (int, float)) or st["ms"] < 0:
            raise ValueError("stall.ms must be a number of milliseconds >= 0")
        if st.get("when", "after") not in ("before", "after"):
            raise ValueError("stall.when must be 'before' (hold, then apply) or 'after' (apply, then hold the answer)")
    if spec.get("down_from") is not None:
        df = spec["down_from"]
        _validate_trigger("down_from", df, ("seconds", "mode"))
        if not isinstance(df.get("seconds"), (int, float)) or df["seconds"] <= 0:
            raise ValueError("down_from.seconds must be a number > 0")
        if df.get("mode", "reset") not in ("reset", "silent"):
            raise ValueError("down_from.mode must be 'reset' or 'silent'")
    return spec


def install(dev, spec: dict, base_seed: int = 0):
    spec = dict(validate(spec))
    dev.faults = spec
    seed = spec.get("seed", base_seed)
    dev.fault_state = {"rng": random.Random(f"{seed}:{dev.index}"),
                       "fail_next": int((spec.get("fail_next") or {}).get("count", 0)),
                       "seen": {"stall": 0, "down_from": 0}, "down_until": 0.0}


def _matches(spec, method, path):
    wanted = spec.get("method")
    wanted = [wanted] if isinstance(wanted, str) else wanted
    return (not wanted or method in wanted) and (not spec.get("match") or spec["match"] in path)


def _nth(dev, name, method, path):
    """True for the request that is the nth match of fault ``name`` (each fault counts its own matches)."""
    spec = dev.faults.get(name)
    if not spec or not _matches(spec, method, path):
        return False
    dev.fault_state["seen"][name] += 1
    return dev.fault_state["seen"][name] == int(spec.get("nth", 1))


def down_now(dev, method, path, now=None):
    """down_from: None, or the mode ('reset'/'silent') in which this request goes unanswered.

    From the nth matching request on (that one included, not applied), every request of the device is cut for
    ``seconds``: a device that reboots or drops off the network in the middle of a transaction (ASSUMED: a
    rebooting FortiGate resets connections; 'silent' models a path that drops packets)."""
    now = time.monotonic() if now is None else now
    st = getattr(dev, "fault_state", None)
    if not st or not dev.faults:
        return None
    if now < st["down_until"]:
        return dev.faults["down_from"].get("mode", "reset")
    if _nth(dev, "down_from", method, path):
        st["down_until"] = now + float(dev.faults["down_from"]["seconds"])
        return dev.faults["down_from"].get("mode", "reset")
    return None


def stall(dev, method, path):
    """stall: None, or (seconds, 'before'|'after') for the nth matching request: its answer is held so a test can
    interrupt the client while the request is in flight, before or after the device applied it."""
    if not getattr(dev, "fault_state", None) or not dev.faults or not _nth(dev, "stall", method, path):
        return None
    spec = dev.faults["stall"]
    return float(spec["ms"]) / 1000.0, spec.get("when", "after")


def pick(dev, path="", method=None):
    """Decide the fault for this request: None or (kind, arg).  kind in
    reset | truncate | status (JSON error) | html | 429.
    fail_next.match limits fail_next to requests whose path contains it (e.g. "generate-key"),
    so a test can lose exactly the answer of one action. fail_path answers every request whose path contains
    its match (and whose method is fail_path.method, when given) with its status, until the faults are cleared."""
    f = dev.faults
    if not f:
        return None
    st = dev.fault_state
    fp = f.get("fail_path")
    # ASSUMED: one endpoint of a device failing for good (a read a firmware or profile does not serve) while the
    # others answer; a FortiOS-style JSON error with that status.
    if fp and fp["match"] in path and (method is None or _matches(fp, method, path)):
        return ("status", int(fp.get("status", 404)))
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


def latency_seconds(dev, f) -> float:
    """The delay before this answer: latency_ms, plus or minus up to jitter_ms (uniform, from the device's seeded
    generator), never below zero. A WAN link's round trip, not a FortiOS behaviour (benchmarks, issue 19)."""
    base = float(f.get("latency_ms") or 0)
    jitter = float(f.get("jitter_ms") or 0)
    if jitter:
        base += dev.fault_state["rng"].uniform(-jitter, jitter)
    return max(base, 0.0) / 1000.0
