"""The fleet: devices, listeners (one aiohttp event loop) and the FortiOS request path."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import random
import secrets
import socket
import struct
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field

from aiohttp import web

from . import auth as A
from . import cmdb, faults, ha, monitor, scenarios, vdoms, versions
from . import envelope as E
from .state import SCHEMA, Device
from .tls import TLSManager

for _name in ("aiohttp.server", "aiohttp.access", "aiohttp.web", "aiohttp.internal", "asyncio"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)  # no per-request logging

JSON_HEADERS = {"Content-Type": "application/json"}
HTML_HEADERS = {"Content-Type": "text/html; charset=iso-8859-1"}


@dataclass
class Options:
    devices: int = 3
    scenario: str = "healthy"
    profile: str = versions.DEFAULT_PROFILE
    http: bool = False
    port: int = 10443
    single_address: bool = False
    state_dir: str = ""
    faults: dict = field(default_factory=dict)
    tls_fault: str = "ok"
    lockout_seconds: float = 60.0
    seed: int | None = None
    control_port: int = 0
    inventory: str = ""
    ha_pairs: str = ""  # "1-2,5-6" (ha.py)
    audit_max: int = 0  # entries kept (oldest dropped first); 0: sized for the fleet (audit_capacity)
    shard: int = 1  # this process serves devices i with (i - 1) % shards == shard - 1 (README "10,000 devices")
    shards: int = 1


def in_shard(index: int, opts: Options) -> bool:
    """Whether device INDEX (1-based) is served by this process: one of `shards` processes share the fleet, each
    with its own open-files limit (one listening socket per device, plus the client connections)."""
    return (index - 1) % opts.shards == opts.shard - 1


# Audit entries kept per device by default: a diagnose plus a remediate and a second remediate of the seeds mix make
# at most ~100 requests per device (benchmarks/README.md), so a whole benchmark's runs between resets fit.
AUDIT_PER_DEVICE = 200
AUDIT_MIN = 200000


def audit_capacity(opts: Options) -> int:
    """How many audit entries the fleet keeps: --audit-max, or 200 per device (at least 200,000).

    An entry costs about 0.6-0.8 KB of the emulator's memory (measured with tracemalloc, README "10,000 devices"):
    a 10,000-device diagnose (24 requests per device, 240,000 entries) holds ~150-190 MB; the cap, 2,000,000 entries,
    would be reached only if every device made 200 requests before the next reset or audit clear (~1.5 GB)."""
    return opts.audit_max if opts.audit_max > 0 else max(AUDIT_MIN, AUDIT_PER_DEVICE * opts.devices)


def device_address(i: int, opts: Options):
    if opts.single_address:
        return "127.0.0.1", opts.port + i - 1
    # 127.0.1.1 .. 127.0.1.254, then 127.0.2.1 ... (avoid .0 and .255)
    return f"127.0.{1 + (i - 1) // 254}.{(i - 1) % 254 + 1}", opts.port


def _abort(request):
    tr = request.transport
    if tr is None:
        return
    sock = tr.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST
        except OSError:
            pass
    tr.abort()


class Fleet:
    def __init__(self, opts: Options):
        self.opts = opts
        if not opts.state_dir:
            opts.state_dir = tempfile.mkdtemp(prefix="fortigate-emulator-")
        os.makedirs(opts.state_dir, exist_ok=True)
        self.seed = opts.seed if opts.seed is not None else secrets.randbits(48)
        self.devices: list[Device] = []
        self.by_name: dict = {}
        self.by_sock: dict = {}
        self.by_index: dict = {}
        self.audit = collections.deque(maxlen=audit_capacity(opts))
        self.audit_dropped = 0  # entries pushed out by the cap (GET /health says it: a benchmark must see 0)
        self.seq = 0
        self.tls = None if opts.http else TLSManager(opts.state_dir)
        self.runner = None
        self.sites: dict = {}
        self.fleet_faults = dict(opts.faults or {})
        self._build()

    # -- construction ---------------------------------------------------------------
    def _build(self):
        o = self.opts
        if o.profile != "mixed" and o.profile not in versions.PROFILES:
            raise ValueError(f"unknown profile {o.profile!r}; known: {', '.join(versions.PROFILE_ORDER)} or mixed")
        if o.scenario == "seeds":
            scen = scenarios.seeds_scenarios(o.devices)
        elif o.scenario in scenarios.ALL_SCENARIOS:
            scen = [o.scenario] * o.devices
        else:
            raise ValueError(f"unknown scenario {o.scenario!r}")
        faults.validate(self.fleet_faults)
        if not 1 <= o.shard <= o.shards:
            raise ValueError(f"shard {o.shard}/{o.shards}: the shard is a number from 1 to {o.shards}")
        for i in range(1, o.devices + 1):
            if not in_shard(i, o):
                continue
            requested = versions.PROFILE_ORDER[(i - 1) % len(versions.PROFILE_ORDER)] if o.profile == "mixed" else o.profile
            addr, port = device_address(i, o)
            dev = Device(i, requested, addr, port)
            dev.requested_version = requested
            dev.start_scenario = scen[i - 1]
            self.devices.append(dev)
            self.by_name[dev.name] = dev
            self.by_sock[(addr, port)] = dev
            self.by_index[i] = dev
            self.apply_scenario(dev, scen[i - 1])
            dev.tls_fault = o.tls_fault
            faults.install(dev, self.fleet_faults, self.seed)
            dev.down = bool(self.fleet_faults.get("down"))
        self.ha_pairs = ha.parse_pairs(o.ha_pairs) if o.ha_pairs else (
            ha.seeds_pairs(scen) if o.scenario == "seeds" else [])
        # A pair split across two shards cannot share one configuration: it is left out (README "10,000 devices").
        self.ha_pairs = [p for p in self.ha_pairs if in_shard(p[0], o) == in_shard(p[1], o)]
        for dev in self.devices:
            self.relink_ha(dev)

    def apply_scenario(self, dev: Device, scenario: str):
        version = scenarios.forced_version(scenario, dev.requested_version)
        dev.version = version
        dev.build = versions.PROFILES[version]["build"]
        rng = random.Random(f"{self.seed}:{dev.index}")  # same secrets for every scenario/reset
        ha.unlink(dev)  # an HA member is rebuilt on its own, then paired again (relink_ha)
        scenarios.apply_scenario(dev, scenario, rng, self.opts.http)
        dev.failures.clear()
        dev.locked_until.clear()
        if getattr(self, "ha_pairs", None):
            self.relink_ha(dev)

    def relink_ha(self, dev: Device):
        """An HA member's pair again after its scenario rebuilt its configuration (ha.py)."""
        ha.unlink(dev)
        for group, (first, second) in enumerate(self.ha_pairs, start=1):
            if dev.index in (first, second) and first in self.by_index and second in self.by_index:
                ha.link(self.by_index[first], self.by_index[second], group)

    # -- listeners ------------------------------------------------------------------
    async def start(self):
        server = web.Server(self.handle, access_log=None)
        self.runner = web.ServerRunner(server, access_log=None, handle_signals=False)
        await self.runner.setup()
        await asyncio.gather(*(self.start_device(d) for d in self.devices if not d.down))

    async def start_device(self, dev: Device):
        ctx = None
        if self.tls is not None:
            ctx = self.tls.context(dev.name, dev.address, dev.hostname(), dev.tls_fault)
        site = web.TCPSite(self.runner, dev.address, dev.port, ssl_context=ctx, reuse_address=True, backlog=1024)
        await site.start()
        self.sites[dev.name] = site

    async def stop_device(self, dev: Device):
        site = self.sites.pop(dev.name, None)
        if site is not None:
            await site.stop()

    async def restart_device(self, dev: Device):
        await self.stop_device(dev)
        if not dev.down:
            await self.start_device(dev)

    async def set_down(self, dev: Device, down: bool):
        if down == dev.down and (down or dev.name in self.sites):
            return
        dev.down = down
        if down:
            await self.stop_device(dev)
        elif dev.name not in self.sites:
            await self.start_device(dev)

    async def stop(self):
        if self.runner is not None:
            await self.runner.cleanup()

    # -- audit ------------------------------------------------------------------------
    def record(self, dev, request, status, auth_outcome, write, action=None, fault=None, detail=None):
        self.seq += 1
        qs = request.query_string
        if "access_token" in qs:
            pairs = urllib.parse.parse_qsl(qs, keep_blank_values=True)
            qs = urllib.parse.urlencode([(k, "REMOVED" if k == "access_token" else v) for k, v in pairs])
        # received: when the request arrived; time: when it was answered (both wall clock; sequential round trips
        # per device are counted from them, benchmarks/round_trips.py).
        rec = {"seq": self.seq, "device": dev.name, "received": request.get("received"), "time": time.time(),
               "method": request.method,
               "path": request.path, "query": qs, "status": status, "source_ip": request.remote,
               "auth": auth_outcome, "write": write}
        if action:
            rec["action"] = action
        if fault:
            rec["fault"] = fault
        if detail:
            rec["auth_detail"] = detail
        if len(self.audit) == self.audit.maxlen:
            self.audit_dropped += 1
        self.audit.append(rec)

    # -- request path -------------------------------------------------------------------
    async def handle(self, request):
        request["received"] = time.time()
        tr = request.transport
        sock = tr.get_extra_info("sockname") if tr is not None else None
        dev = self.by_sock.get((sock[0], sock[1])) if sock else None
        if dev is None:
            return web.Response(status=404)
        if dev.down:
            _abort(request)  # device disappeared: kill even kept-alive connections
            return web.Response(status=503)
        f = dev.faults
        held = None
        if f and (f.get("down_from") or f.get("stall")):
            mode = faults.down_now(dev, request.method, request.path) if f.get("down_from") else None
            if mode is not None:
                self.record(dev, request, 0, "not_checked", request.method in ("POST", "PUT", "DELETE"),
                            fault="down_from")
                if mode == "silent":
                    await asyncio.sleep(float(f["down_from"]["seconds"]))
                _abort(request)
                return web.Response(status=503)
            held = faults.stall(dev, request.method, request.path) if f.get("stall") else None
            if held is not None and held[1] == "before":
                # Shielded: a device applies a request whose client has gone away meanwhile.
                return await asyncio.shield(self._held(dev, request, f, held))
        return await self._answer(dev, request, f, held)

    async def _held(self, dev, request, f, held):
        await request.read()  # the body now: the connection may be gone when the hold ends (read() caches it)
        await asyncio.sleep(held[0])
        return await self._answer(dev, request, f, held)

    async def _answer(self, dev, request, f, held):
        if f:
            if f.get("latency_ms") or f.get("jitter_ms"):
                await asyncio.sleep(faults.latency_seconds(dev, f))
            fault = faults.pick(dev, request.path, request.method)
        else:
            fault = None
        write = request.method in ("POST", "PUT", "DELETE")
        # ASSUMED: faults act before authentication; audit auth outcome is then "not_checked"
        if fault is not None and fault[0] != "truncate":
            kind, arg = fault
            if kind == "reset":
                self.record(dev, request, 0, "not_checked", write, fault="reset")
                _abort(request)
                return web.Response(status=500)
            if kind == "429":
                self.record(dev, request, 429, "not_checked", write, fault="force_429")
                return web.Response(status=429, text=E.HTML_429, headers=HTML_HEADERS)
            if kind == "html":
                self.record(dev, request, arg, "not_checked", write, fault="html_error")
                return web.Response(status=arg, text=E.html_page(arg), headers=HTML_HEADERS)
            if kind == "status":
                self.record(dev, request, arg, "not_checked", write, fault="error")
                body = {"http_method": request.method, "status": "error", "http_status": arg,
                        "serial": dev.serial, "version": versions.version_string(dev.version), "build": dev.build}
                return web.json_response(body, status=arg)  # ASSUMED FortiOS-style JSON error
        status, body, extra_headers, html = await self.process(dev, request)
        if held is not None and held[1] == "after":
            await asyncio.sleep(held[0])  # applied and audited; the answer is held
        payload = body.encode() if html else json.dumps(body).encode()
        headers = dict(HTML_HEADERS if html else JSON_HEADERS)
        if extra_headers:
            headers.update(extra_headers)
        slow = f.get("slow_body_ms") if f else None
        if fault is not None or slow:
            resp = web.StreamResponse(status=status, headers=headers)
            resp.content_length = len(payload)
            await resp.prepare(request)
            if slow:
                await asyncio.sleep(float(slow) / 1000.0)  # headers sent, body stalls
            if fault is not None:  # truncate: half of the body, then reset
                await resp.write(payload[: max(1, len(payload) // 2)])
                _abort(request)
                return resp
            await resp.write(payload)
            await resp.write_eof()
            return resp
        return web.Response(status=status, body=payload, headers=headers)

    async def process(self, dev, request):
        """Returns (status, body(dict|str), extra headers, is_html)."""
        method = request.method
        raw = request.raw_path.split("?", 1)[0]
        parts = [urllib.parse.unquote(p) for p in raw.split("/") if p != ""]
        write = method in ("POST", "PUT", "DELETE")
        if len(parts) < 5 or parts[0] != "api" or parts[1] != "v2" or parts[2] not in ("cmdb", "monitor"):
            # Not an API path (e.g. the vendor collection's POST /logout): nothing was written, and
            # the audit's `write` means cmdb POST/PUT/DELETE or a monitor action POST (README).
            self.record(dev, request, 404, "not_checked", False)
            return 404, E.html_page(404), None, True  # ASSUMED: non-API paths -> HTML 404
        kind = parts[2]
        q = request.query
        vdom = q.get("vdom", "root")
        star = vdom == "*"  # fortios-api.md §5 captures: `?vdom=*` answers one envelope per VDOM (vdoms.py)
        is_global = q.get("global") in ("1", "true") or vdom == "global" or star
        action = None
        mkey = None
        if kind == "cmdb":
            path = f"{parts[3]}/{parts[4]}"
            mkey = "/".join(parts[5:]) or None
            group = SCHEMA.get(path, (None, ("any", None)))[1]
        else:
            path = "/".join(parts[3:])
            ep = monitor.ENDPOINTS.get(path)
            group = ep[1] if ep else ("any", None)
            write = method == "POST"
            if method == "POST":
                action = monitor.split(path)[2] or path
        try:
            user = A.authenticate(dev, request.headers, q, request.remote or "", time.monotonic(),
                                  self.opts.lockout_seconds, vdom, group, write, is_global)
            vdoms.check_scope(dev, user, kind, path, is_global and not star)  # troubleshooting.md F
        except A.AuthFail as fail:
            self.record(dev, request, fail.status, fail.outcome, write, action, detail=fail.detail or None)
            return fail.status, E.html_page(fail.status), fail.headers, True  # fortios-api.md §6: HTML 401/403
        body = {}
        if method in ("POST", "PUT"):
            raw_body = await request.read()
            if raw_body.strip():
                try:
                    body = json.loads(raw_body)
                except ValueError:
                    self.record(dev, request, 400, "ok", write, action)
                    p, n = cmdb.split_path(path)
                    return 400, E.status_body(dev, method, p, n, vdom, 400), None, False  # ASSUMED
        pvdom = "root" if is_global else vdom
        # fortios-api.md §4/§6 (ISS #409): 7.6.5 writes of api-user/admin and generate-key need X-Admin-Passwd.
        # ASSUMED: token-authenticated requests need it too (UNCONFIRMED in fortios-api.md §4).
        if versions.rule(dev.version, "admin_passwd_header") and (
                (kind == "cmdb" and write and path in cmdb.ADMIN_PASSWD_PATHS)
                or (kind == "monitor" and path in monitor.ADMIN_PASSWD_ACTIONS)):
            if request.headers.get("X-Admin-Passwd") != dev.admin_password:
                p, n = cmdb.split_path(path)
                if kind == "monitor":
                    p, n, _a = monitor.split(path)
                err = E.error_body(dev, method, p, n, pvdom, E.err_admin_password())
                self.record(dev, request, 500, "ok", write, action)
                return 500, err, None, False
        if kind == "cmdb" and not vdoms.path_exists(dev, path):
            p, n = cmdb.split_path(path)
            status, result = 404, E.status_body(dev, method, p, n, pvdom, 404)  # fortios-api.md §3: 7.4.0+ only
        elif kind == "cmdb":
            # Global objects are shared; per-VDOM tables are the VDOM's own (vdoms.py, troubleshooting.md F).
            if is_global and method == "GET":
                # fortios-api.md §6: ?global=1 -> list of per-VDOM envelopes
                outs = []
                for v in vdoms.user_vdoms(dev, user):
                    with vdoms.scoped(dev, v):
                        outs.append(cmdb.handle(dev, "GET", path, mkey, None, v))
                status = outs[0][0]
                result = [o[1] for o in outs]
            else:
                with vdoms.scoped(dev, pvdom):
                    status, result = cmdb.handle(dev, method, path, mkey, body, pvdom)
        else:
            params = {k: v for k, v in q.items() if k not in ("access_token", "vdom", "global")}
            if isinstance(body, dict):
                params.update(body)
            if star and method == "GET":
                # fortios-api.md §5 captures (central-management/status, 7.4.5): one envelope per VDOM
                outs = []
                for v in vdoms.user_vdoms(dev, user):
                    with vdoms.scoped(dev, v, monitor=True):
                        outs.append(monitor.handle(dev, path, method, params, v, self))
                status, result = outs[0][0], [o[1] for o in outs]
            else:
                with vdoms.scoped(dev, pvdom, monitor=True):
                    status, result = monitor.handle(dev, path, method, params, pvdom, self)
            if is_global and not star and method == "GET":
                result = [result]  # fortios-api.md §6: list of per-VDOM envelopes (ASSUMED for monitor too)
        self.record(dev, request, status, "ok", write, action)
        return status, result, None, False
