"""/api/v2/cmdb/... handlers: envelopes (fortios-api.md §6) and per-table validation."""

from __future__ import annotations

import copy
import ipaddress

from . import envelope as E
from . import monitor
from . import versions
from .scenarios import TOKEN_ERROR_MIGRATED, new_ems_runtime, _fctems_row
from .state import SCHEMA, mask_row

ENABLE = ("enable", "disable")


def split_path(path: str):
    p, _, n = path.partition("/")
    return p, n


# --- validation helpers --------------------------------------------------------

def _opt(body, field, allowed):
    if field in body and body[field] not in allowed:
        raise E.err_invalid_value(body[field])


def _int(body, field, lo, hi):
    if field in body:
        val = body[field]
        try:
            iv = int(val)
        except (TypeError, ValueError):
            raise E.err_invalid_value(val)
        if not lo <= iv <= hi:
            raise E.err_range(val)  # fortios-api.md §6: -650 integer not within valid range
        body[field] = iv


def _ipv4(body, field):
    if field in body:
        try:
            ipaddress.IPv4Address(str(body[field]))
        except ValueError:
            # fortios-api.md §6: -8 invalid IP (hfortix table). Text ASSUMED.
            raise E.ApiError(-8, ["invalid ip address", "",
                                  f"value parse error before '{body[field]}'",
                                  "Command fail. Return code -8", ""])


def _datasource(dev, body, field, table, allow_empty=True):
    if field in body:
        val = str(body[field]).strip()
        if not val and allow_empty:
            return
        if dev.row(table, val) is None:
            raise E.err_datasource(val)  # fortios-api.md §6 ISS #197: -3 entry not found in datasource


def _check_versions(dev, path, body):
    for field in body:
        if not versions.field_allowed(dev.version, path, field):
            raise E.err_field_not_on_version(field)  # ASSUMED form, see envelope.err_field_not_on_version


# --- per-table validators (body = incoming fields; result = merged object) ---------

def v_ftm_push(dev, body, result, old):
    _opt(body, "status", ENABLE)
    _int(body, "server-port", 1, 65535)  # fortios-api.md §1: 1-65535
    _ipv4(body, "server-ip")
    _opt(body, "proxy", ENABLE)
    # fortios-api.md §1: server-cert datasource certificate.local.name
    _datasource(dev, body, "server-cert", "certificate/local")
    _datasource(dev, body, "interface", "system/interface")  # fortios-api.md §1: datasource system.interface.name
    if "server" in body and len(str(body["server"])) > 127:
        raise E.ApiError(-72, ["value too long", "Command fail. Return code -72"])  # fortios-api.md §1: max 127; code per fortios-api.md §6
    result.update(body)
    if versions.rule(dev.version, "ftm_server_required"):
        server = str(result.get("server", "")).strip()
        sip = str(result.get("server-ip", "0.0.0.0")).strip()
        iface = str(result.get("interface", "")).strip()
        if server and sip not in ("", "0.0.0.0"):
            raise E.err_conflict("server and server-ip cannot both be set")  # troubleshooting.md A2 (code ASSUMED)
        if server and iface:
            raise E.err_conflict("server and interface cannot both be set")  # troubleshooting.md A2 (code ASSUMED)
        if not server and sip not in ("", "0.0.0.0"):
            # fortios-api.md §1, troubleshooting.md A2: 6.4.10+ -> -56 "Missing server address.".  ASSUMED: like the CLI's
            # "object check", it is evaluated on the resulting object for ANY write to ftm-push.
            raise E.err_missing_server_address()


def v_global(dev, body, result, old):
    _opt(body, "vdom-mode", ("no-vdom", "multi-vdom", "split-vdom"))
    _opt(body, "rest-api-key-url-query", ENABLE)
    if "hostname" in body and not str(body["hostname"]).strip():
        raise E.err_invalid_value(body["hostname"])
    result.update(body)


def v_central(dev, body, result, old):
    _opt(body, "type", ("none", "fortimanager", "fortiguard"))
    result.update(body)
    dev.rt["fmg"] = {"connection": "up" if result.get("type") == "fortimanager" and result.get("fmg") else "none"}


def v_fortitoken(dev, body, result, old):
    _opt(body, "status", ("active", "lock"))  # fortios-api.md §2, troubleshooting.md B4: status active|lock
    if old is None:
        monitor.refuse_hardware_token(dev, body.get("serial-number"))  # troubleshooting.md G1: adding one fails
    _int(body, "activation-expire", 0, 4294967295)
    result.update(body)


TWO_FACTOR = ("disable", "fortitoken", "fortitoken-cloud", "email", "sms")  # fortios-api.md §2


def v_user_like(dev, body, result, old):
    _opt(body, "two-factor", TWO_FACTOR)
    _opt(body, "sms-server", ("fortiguard", "custom"))
    _datasource(dev, body, "fortitoken", "user/fortitoken")  # fortios-api.md §2: datasource user.fortitoken.serial-number
    if "accprofile" in body:
        _datasource(dev, body, "accprofile", "system/accprofile", allow_empty=False)
    _vdom_list(dev, body)
    result.update(body)


def _vdom_list(dev, body):
    if "vdom" in body:
        vd = body["vdom"]
        if isinstance(vd, str):
            vd = [{"name": x} for x in vd.split()]
        for ent in vd:
            if dev.row("system/vdom", ent.get("name", "")) is None:
                raise E.err_datasource(ent.get("name", ""))
        body["vdom"] = vd


def v_api_user(dev, body, result, old):
    if "api-key" in body:
        # fortios-api.md §4: the key is assigned by the FortiGate and cannot be supplied (ASSUMED error form)
        raise E.err_invalid_value("api-key")
    _opt(body, "peer-auth", ENABLE)
    _vdom_list(dev, body)
    if "trusthost" in body:
        ths = body["trusthost"] or []
        for i, ent in enumerate(ths):
            ent.setdefault("id", i + 1)
            ent.setdefault("type", "ipv4-trusthost")  # fortios-api.md §4 defaults
            ent.setdefault("ipv4-trusthost", "0.0.0.0 0.0.0.0")
            ent.setdefault("ipv6-trusthost", "::/0")
            try:
                ipaddress.IPv4Network(str(ent["ipv4-trusthost"]).replace(" ", "/"), strict=False)
            except ValueError:
                raise E.err_invalid_value(ent["ipv4-trusthost"])
    result.update(body)
    # fortios-api.md §4: accprofile is required and must exist (ISS #197 shows the -3 datasource error)
    if not result.get("accprofile") or dev.row("system/accprofile", result["accprofile"]) is None:
        raise E.err_datasource(result.get("accprofile", ""))


LEVELS = ("none", "read", "read-write", "custom")


def v_accprofile(dev, body, result, old):
    for g in ("sysgrp", "authgrp", "netgrp", "fwgrp", "vpngrp", "utmgrp", "loggrp", "secfabgrp"):
        _opt(body, g, LEVELS)
    if "utmgrp-permission" in body:
        for k, val in (body["utmgrp-permission"] or {}).items():
            if val not in LEVELS[:3]:
                raise E.err_invalid_value(val)
        merged = dict(result.get("utmgrp-permission") or {})
        merged.update(body["utmgrp-permission"] or {})
        body["utmgrp-permission"] = merged
    result.update(body)


def v_interface(dev, body, result, old):
    _opt(body, "role", ("wan", "lan", "dmz", "undefined"))
    if "ip" in body:
        try:
            ipaddress.IPv4Interface(str(body["ip"]).strip().replace(" ", "/"))
        except ValueError:
            raise E.err_invalid_value(body["ip"])
    if "allowaccess" in body and isinstance(body["allowaccess"], list):
        body["allowaccess"] = " ".join(body["allowaccess"])
    result.update(body)


def v_fctems(dev, body, result, old):
    mk = dev.mkey("endpoint-control/fctems")
    if mk == "ems-id":
        _int(body, "ems-id", 1, versions.fctems_max_id(dev.version))  # fortios-api.md §3: 1-5 / 1-7
    _opt(body, "status", ENABLE)
    _int(body, "https-port", 1, 65535)
    _opt(body, "interface-select-method", ("auto", "sdwan", "specify"))
    _opt(body, "trust-ca-cn", ENABLE)
    _opt(body, "dirty-reason", ("none", "mismatched-ems-sn"))
    _ipv4(body, "source-ip")
    _datasource(dev, body, "verifying-ca", "certificate/ca")  # fortios-api.md §3: datasource certificate.ca.name
    _datasource(dev, body, "interface", "system/interface")
    if isinstance(body.get("capabilities"), list):
        body["capabilities"] = " ".join(body["capabilities"])
    result.update(body)


VALIDATORS = {
    "system/ftm-push": v_ftm_push,
    "system/global": v_global,
    "system/central-management": v_central,
    "user/fortitoken": v_fortitoken,
    "user/local": v_user_like,
    "system/admin": v_user_like,
    "system/api-user": v_api_user,
    "system/accprofile": v_accprofile,
    "system/interface": v_interface,
    "endpoint-control/fctems": v_fctems,
}

# Tables whose writes need X-Admin-Passwd on 7.6.5 (fortios-api.md §4: T SDK)
ADMIN_PASSWD_PATHS = ("system/api-user", "system/admin")


# --- side effects after a successful write ------------------------------------------

def after_write(dev, path, key, old, new, method):
    if path == "endpoint-control/fctems" and new is not None:
        rt = dev.rt.setdefault("ems", {})
        st = rt.get(key)
        if st is None and new.get("server"):
            rt[key] = new_ems_runtime(dev, key)
        elif st is not None and old is not None and (
                old.get("server") != new.get("server") or old.get("https-port") != new.get("https-port")):
            st["verified"] = False  # ASSUMED: pointing the entry elsewhere drops the verification
    if path == "user/fortitoken" and method == "POST":
        # troubleshooting.md B5: a deleted token is re-added with `config user fortitoken / edit <SN>`;
        # ASSUMED: serials FortiGuard knows for this device come back as `new`, others error.
        known = dev.rt.setdefault("fortiguard_tokens", {})
        dev.rt["tokens"][key] = "new" if key in known else TOKEN_ERROR_MIGRATED
    if path == "system/global":
        dev.trust_cache = None


# --- request handlers --------------------------------------------------------------

def _rows_out(rows):
    return [mask_row(r) for r in rows]


def handle(dev, method, path, mkey, body, vdom):
    """Returns (http_status, body dict)."""
    p, n = split_path(path)
    if path not in SCHEMA:
        # ASSUMED: unknown cmdb table -> 404 in the missing-entry shape
        return 404, E.status_body(dev, method, p, n, vdom, 404)
    singleton = dev.is_singleton(path)
    try:
        if method == "GET":
            return _get(dev, path, p, n, mkey, vdom, singleton)
        if method == "POST":
            return _post(dev, path, p, n, mkey, body, vdom, singleton)
        if method == "PUT":
            return _put(dev, path, p, n, mkey, body, vdom, singleton)
        if method == "DELETE":
            return _delete(dev, path, p, n, mkey, vdom, singleton)
    except E.ApiError as err:
        return err.http_status, E.error_body(dev, method, p, n, vdom, err, mkey)
    except E.HttpStatus as hs:
        return hs.http_status, E.status_body(dev, method, p, n, vdom, hs.http_status, mkey, hs.extra)
    return 405, E.status_body(dev, method, p, n, vdom, 405)


def _get(dev, path, p, n, mkey, vdom, singleton):
    env = E.base(dev, "GET", p, n, vdom)
    if singleton:
        if mkey is not None:
            return 404, E.status_body(dev, "GET", p, n, vdom, 404, mkey)  # ASSUMED
        env["results"] = mask_row(dev.singleton(path))  # fortios-api.md §6: object for singletons
    elif mkey is not None:
        row = dev.row(path, mkey)
        if row is None:
            return 404, E.status_body(dev, "GET", p, n, vdom, 404, mkey)  # fortios-api.md §6 rapid7 404 shape
        env["results"] = [mask_row(row)]  # fortios-api.md §6: list even by mkey (collection indexes [0])
        env["mkey"] = _typed_key(dev, path, mkey)
    else:
        rows = _rows_out(dev.table(path).values())
        env["results"] = rows
        env["size"] = len(rows)            # fortios-api.md §6: H lists size/matched_count (third-party)
        env["matched_count"] = len(rows)
    env["status"] = "success"
    env["http_status"] = 200
    return 200, env


def _typed_key(dev, path, key):
    if dev.mkey(path) == "ems-id":
        try:
            return int(key)
        except (TypeError, ValueError):
            return key
    return key


def _write_ok(dev, method, p, n, vdom, old_rev, changed, mkey):
    env = E.base(dev, method, p, n, vdom)
    env.update({"status": "success", "http_status": 200, "old_revision": old_rev,
                "revision_changed": changed})  # fortios-api.md §6: revision_changed / old_revision
    if mkey is not None:
        env["mkey"] = mkey
    return 200, env


def _post(dev, path, p, n, mkey, body, vdom, singleton):
    if singleton:
        raise E.HttpStatus(405)  # fortios-api.md §6 (ISS #17): POST to a singleton -> 405
    if not isinstance(body, dict):
        raise E.HttpStatus(400)  # ASSUMED: non-object body
    mk = dev.mkey(path)
    body = copy.deepcopy(body)
    _check_versions(dev, path, body)
    key = body.get(mk)
    if key is None or str(key).strip() == "":
        if mkey is not None:
            key = mkey
        else:
            # fortios-api.md §6 table: 424 = missing required attribute (ASSUMED for a POST without mkey)
            raise E.HttpStatus(424)
    key_s = str(key)
    if dev.row(path, key_s) is not None:
        raise E.err_duplicate()  # fortios-api.md §6 (T #244): duplicate -> HTTP 500, -5
    if path == "endpoint-control/fctems":
        result = _fctems_row(dev, int(key) if mk == "ems-id" and str(key).isdigit() else key, False)
        if versions.field_allowed(dev.version, path, "status"):
            result["status"] = "disable"  # fortios-api.md §3: `status` (default disable) exists only from 7.0.8 / 7.2.1
    else:
        result = {}
    result[mk] = key
    validator = VALIDATORS.get(path)
    if validator:
        validator(dev, body, result, None)
    else:
        result.update(body)
    if mk == "ems-id":
        result["ems-id"] = int(result["ems-id"])
        key_s = str(result["ems-id"])
    if path == "system/api-user":
        result["api-key"] = ""  # no key until generate-key (fortios-api.md §4/§5)
    old_rev = dev.revision_str()
    dev.table(path)[key_s] = result
    dev.bump()
    after_write(dev, path, key_s, None, result, "POST")
    return _write_ok(dev, "POST", p, n, vdom, old_rev, True, result[mk])


def _put(dev, path, p, n, mkey, body, vdom, singleton):
    if not isinstance(body, dict):
        raise E.HttpStatus(400)
    body = copy.deepcopy(body)
    _check_versions(dev, path, body)
    if singleton:
        old = dev.singleton(path)
        key_s = None
    else:
        if mkey is None:
            raise E.HttpStatus(405)  # ASSUMED: PUT on a table URL without mkey
        old = dev.row(path, mkey)
        if old is None:
            # fortios-api.md §6 (ISS #167): PUT to a missing mkey -> 404
            raise E.HttpStatus(404)
        key_s = str(mkey)
        body.pop(dev.mkey(path), None)  # ASSUMED: renaming through PUT is not supported
    result = copy.deepcopy(old)
    validator = VALIDATORS.get(path)
    if validator:
        validator(dev, body, result, old)
    else:
        result.update(body)
    changed = result != old
    old_rev = dev.revision_str()
    before = copy.deepcopy(old)
    if changed:
        if singleton:
            dev.config[path] = result
        else:
            dev.table(path)[key_s] = result
        dev.bump()  # brief: revision increments only when something changed
        after_write(dev, path, key_s, before, result, "PUT")
    out_key = None if singleton else _typed_key(dev, path, key_s)
    return _write_ok(dev, "PUT", p, n, vdom, old_rev, changed, out_key)


def _references(dev, path, key):
    refs = []
    if path == "user/fortitoken":
        for tbl in ("user/local", "system/admin"):
            for r in dev.table(tbl).values():
                if r.get("fortitoken") == key:
                    refs.append(f"{tbl}:{r.get('name')}")
    if path == "system/accprofile":
        for tbl in ("system/api-user", "system/admin"):
            for r in dev.table(tbl).values():
                if r.get("accprofile") == key:
                    refs.append(f"{tbl}:{r.get('name')}")
    if path == "certificate/local":
        if dev.singleton("system/ftm-push").get("server-cert", "").strip() == key:
            refs.append("system/ftm-push")
    return refs


def _delete(dev, path, p, n, mkey, vdom, singleton):
    if singleton or mkey is None:
        raise E.HttpStatus(405)  # ASSUMED: DELETE of a singleton / whole table not supported
    row = dev.row(path, mkey)
    if row is None:
        raise E.HttpStatus(404)  # fortios-api.md §6: DELETE of a missing entry -> 404 (idempotent for the collection)
    if _references(dev, path, str(mkey)):
        raise E.err_entry_used()  # fortios-api.md §2: UNCONFIRMED; ASSUMED -23 "entry is used"
    old_rev = dev.revision_str()
    del dev.table(path)[str(mkey)]
    if path == "system/api-user":
        dev.drop_key(str(mkey))  # deleted api-user: its key stops working (troubleshooting.md D)
    if path == "user/fortitoken":
        dev.rt.get("tokens", {}).pop(str(mkey), None)
    if path == "endpoint-control/fctems":
        dev.rt.get("ems", {}).pop(str(mkey), None)
    dev.bump()
    return _write_ok(dev, "DELETE", p, n, vdom, old_rev, True, _typed_key(dev, path, mkey))
