"""Control API (plain HTTP JSON on 127.0.0.1) for tests: state, audit, scenarios, faults, secrets."""

from __future__ import annotations

from aiohttp import web

from . import faults, scenarios, vdoms
from .state import SCHEMA
from .tls import TLS_MODES


def _j(data, status=200):
    return web.json_response(data, status=status)


def build_app(fleet) -> web.Application:
    app = web.Application(client_max_size=8 * 1024 * 1024)
    r = app.router

    def dev_or_404(request):
        dev = fleet.by_name.get(request.match_info["name"])
        if dev is None:
            raise web.HTTPNotFound(text='{"error": "no such device"}', content_type="application/json")
        return dev

    async def body(request):
        if not request.can_read_body:
            return {}
        try:
            return await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text='{"error": "invalid JSON"}', content_type="application/json")

    async def health(request):
        return _j({"status": "ok", "devices": len(fleet.devices), "seq": fleet.seq,
                   "audit_max": fleet.audit.maxlen, "audit_dropped": fleet.audit_dropped})

    async def devices(request):
        return _j([d.summary() for d in fleet.devices])

    async def state(request):
        return _j(dev_or_404(request).dump())

    async def secrets_(request):
        dev = dev_or_404(request)
        # loopback test helper: current secrets of the device (never logged/audited)
        return _j({"api_user": scenarios.API_USER, "api_key": dev.api_keys.get(scenarios.API_USER),
                   "api_keys": dict(dev.api_keys), "admin_password": dev.admin_password,
                   "inventory_token": dev.inventory_token, "license_codes": list(dev.license_codes)})

    def _since(request):
        try:
            return int(request.query.get("since", "0"))
        except ValueError:
            raise web.HTTPBadRequest(text='{"error": "since must be an integer"}', content_type="application/json")

    async def audit(request):
        since = _since(request)
        return _j([a for a in fleet.audit if a["seq"] > since])

    async def audit_clear(request):
        fleet.audit.clear()
        return _j({"cleared": True, "seq": fleet.seq})

    async def dev_audit(request):
        dev = dev_or_404(request)
        since = _since(request)
        return _j([a for a in fleet.audit if a["device"] == dev.name and a["seq"] > since])

    async def dev_audit_clear(request):
        dev = dev_or_404(request)
        keep = [a for a in fleet.audit if a["device"] != dev.name]
        fleet.audit.clear()
        fleet.audit.extend(keep)
        return _j({"cleared": True, "seq": fleet.seq})

    def _scenario_name(data):
        name = data.get("scenario") if isinstance(data, dict) else None
        if name not in scenarios.ALL_SCENARIOS:
            raise web.HTTPBadRequest(text='{"error": "unknown scenario", "known": %s}' %
                                     str(scenarios.ALL_SCENARIOS).replace("'", '"'), content_type="application/json")
        return name

    async def dev_scenario(request):
        dev = dev_or_404(request)
        name = _scenario_name(await body(request))
        fleet.apply_scenario(dev, name)
        return _j(dev.summary())

    async def fleet_scenario(request):
        data = await body(request)
        if data.get("scenario") == "seeds":
            spread = scenarios.seeds_scenarios(fleet.opts.devices)  # the whole fleet's, also in a shard (server.py)
            names = [spread[dev.index - 1] for dev in fleet.devices]
        else:
            names = [_scenario_name(data)] * len(fleet.devices)
        for dev, name in zip(fleet.devices, names):
            fleet.apply_scenario(dev, name)
        return _j([d.summary() for d in fleet.devices])

    async def _set_faults(dev, spec):
        try:
            faults.install(dev, spec, fleet.seed)
        except (ValueError, TypeError) as exc:
            raise web.HTTPBadRequest(text='{"error": "%s"}' % str(exc).replace('"', "'"),
                                     content_type="application/json")
        if "tls" in spec:
            await _set_tls(dev, spec["tls"])
        await fleet.set_down(dev, bool(spec.get("down")))

    async def _set_tls(dev, mode):
        if mode not in TLS_MODES:
            raise web.HTTPBadRequest(text='{"error": "unknown tls mode"}', content_type="application/json")
        if dev.tls_fault != mode:
            dev.tls_fault = mode
            await fleet.restart_device(dev)  # takes effect for new connections

    async def dev_faults(request):
        dev = dev_or_404(request)
        await _set_faults(dev, await body(request))
        return _j({"device": dev.name, "faults": dev.faults})

    async def dev_faults_clear(request):
        dev = dev_or_404(request)
        await _set_faults(dev, {})
        return _j({"device": dev.name, "faults": {}})

    async def fleet_faults(request):
        spec = await body(request)
        for dev in fleet.devices:
            await _set_faults(dev, spec)
        return _j({"devices": len(fleet.devices), "faults": spec})

    async def fleet_faults_clear(request):
        for dev in fleet.devices:
            await _set_faults(dev, {})
        return _j({"devices": len(fleet.devices), "faults": {}})

    async def dev_tls(request):
        dev = dev_or_404(request)
        await _set_tls(dev, (await body(request)).get("mode", "ok"))
        return _j(dev.summary())

    async def fleet_tls(request):
        mode = (await body(request)).get("mode", "ok")
        for dev in fleet.devices:
            await _set_tls(dev, mode)
        return _j({"mode": mode})

    async def ems_approve(request):
        dev = dev_or_404(request)
        data = await body(request)
        which = data.get("ems") if isinstance(data, dict) else None
        approved = []
        for key, st in dev.rt.get("ems", {}).items():
            if which is None or str(which) == key:
                st["approved"] = bool(data.get("approved", True)) if isinstance(data, dict) else True
                approved.append(key)
        return _j({"device": dev.name, "approved": approved})

    async def config_put(request):
        dev = dev_or_404(request)
        data = await body(request) if request.method != "DELETE" else None
        # ?vdom=<name>: that VDOM's own tables (vdoms.py); synchronous inside, so no other request sees the swap
        with vdoms.scoped(dev, request.query.get("vdom")):
            return _config_put(dev, request, data)

    def _config_put(dev, request, data):
        tail = request.match_info["tail"].strip("/")
        parts = tail.split("/")
        path = "/".join(parts[:2])
        if path not in SCHEMA:
            raise web.HTTPNotFound(text='{"error": "unknown cmdb table"}', content_type="application/json")
        replace = request.query.get("replace") in ("1", "true")
        if request.method == "DELETE":
            if len(parts) > 2:
                dev.table(path).pop("/".join(parts[2:]), None)
            else:
                dev.config[path] = {}
            dev.bump()
            return _j({"deleted": tail})
        if dev.is_singleton(path):
            if replace:
                dev.config[path] = data
            else:
                dev.singleton(path).update(data)
            out = dev.singleton(path)
        else:
            mk = dev.mkey(path)
            key = "/".join(parts[2:]) or str(data.get(mk, ""))
            if not key:
                raise web.HTTPBadRequest(text='{"error": "mkey required"}', content_type="application/json")
            row = dev.row(path, key)
            if row is None or replace:
                row = {mk: int(key) if mk == "ems-id" else key}
                dev.table(path)[key] = row
            row.update(data)
            out = row
            if path == "endpoint-control/fctems" and out.get("server") and key not in dev.rt.setdefault("ems", {}):
                dev.rt["ems"][key] = scenarios.new_ems_runtime(dev, key)
            if path == "user/fortitoken":
                dev.rt.setdefault("tokens", {}).setdefault(key, "new")
        dev.bump()  # raw writes change the revision too
        return _j({"path": path, "config": out})

    async def runtime_put(request):
        dev = dev_or_404(request)
        data = await body(request)
        for k, v in data.items():
            if isinstance(v, dict) and isinstance(dev.rt.get(k), dict):
                for kk, vv in v.items():
                    if isinstance(vv, dict) and isinstance(dev.rt[k].get(kk), dict):
                        dev.rt[k][kk].update(vv)
                    else:
                        dev.rt[k][kk] = vv
            else:
                dev.rt[k] = v
        return _j(dev.dump()["runtime"])

    async def _reset_dev(dev):
        fleet.apply_scenario(dev, dev.start_scenario)
        await _set_faults(dev, dict(fleet.fleet_faults))
        await _set_tls(dev, fleet.opts.tls_fault)

    async def reset_all(request):
        for dev in fleet.devices:
            await _reset_dev(dev)
        fleet.audit.clear()
        return _j({"reset": len(fleet.devices), "seq": fleet.seq})

    async def reset_dev(request):
        dev = dev_or_404(request)
        await _reset_dev(dev)
        keep = [a for a in fleet.audit if a["device"] != dev.name]
        fleet.audit.clear()
        fleet.audit.extend(keep)
        return _j(dev.summary())

    r.add_get("/health", health)
    r.add_get("/devices", devices)
    r.add_get("/devices/{name}/state", state)
    r.add_get("/devices/{name}/secrets", secrets_)
    r.add_get("/audit", audit)
    r.add_delete("/audit", audit_clear)
    r.add_get("/devices/{name}/audit", dev_audit)
    r.add_delete("/devices/{name}/audit", dev_audit_clear)
    r.add_put("/devices/{name}/scenario", dev_scenario)
    r.add_put("/scenario", fleet_scenario)
    r.add_put("/devices/{name}/faults", dev_faults)
    r.add_delete("/devices/{name}/faults", dev_faults_clear)
    r.add_put("/faults", fleet_faults)
    r.add_delete("/faults", fleet_faults_clear)
    r.add_put("/devices/{name}/tls", dev_tls)
    r.add_put("/tls", fleet_tls)
    r.add_post("/devices/{name}/ems/approve", ems_approve)
    r.add_put("/devices/{name}/config/{tail:.+}", config_put)
    r.add_delete("/devices/{name}/config/{tail:.+}", config_put)
    r.add_put("/devices/{name}/runtime", runtime_put)
    r.add_post("/reset", reset_all)
    r.add_post("/devices/{name}/reset", reset_dev)
    return app
