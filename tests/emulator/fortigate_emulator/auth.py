"""Token authentication, trusthost, VDOM/accprofile checks and lock-out (fortios-api.md §6/§7, troubleshooting.md D)."""

from __future__ import annotations

import ipaddress

from . import versions

FAIL_WINDOW = 60.0   # fortios-api.md §7 (ISS #285): "(1/3 attempts within 60s)"
FAIL_LIMIT = 3       # fortios-api.md §7 (ISS #285): 3 attempts

LEVEL = {"none": 0, "read": 1, "read-write": 2}
_ip_cache: dict = {}


def ip_int(ip: str) -> int:
    v = _ip_cache.get(ip)
    if v is None:
        try:
            v = int(ipaddress.IPv4Address(ip))
        except ValueError:
            v = -1  # IPv6 client: never matches an IPv4 trusthost
        if len(_ip_cache) < 100000:
            _ip_cache[ip] = v
    return v


class AuthFail(Exception):
    def __init__(self, status: int, outcome: str, detail: str = "", headers=None):
        super().__init__(outcome)
        self.status = status
        self.outcome = outcome
        self.detail = detail
        self.headers = headers or {}


def _record_failure(dev, ip, now, lockout_seconds):
    lst = [t for t in dev.failures.get(ip, ()) if now - t < FAIL_WINDOW]
    lst.append(now)
    if len(lst) >= FAIL_LIMIT:
        # fortios-api.md §7/§6 table: after the threshold the source is blocked for some time (429).
        # ASSUMED: the 3rd failure itself still answers 401; later requests get 429 for
        # `lockout_seconds` (duration ASSUMED, default 60).
        dev.locked_until[ip] = now + lockout_seconds
        dev.failures.pop(ip, None)
    else:
        dev.failures[ip] = lst


def permission(dev, user: str, group) -> int:
    """Level (0 none, 1 read, 2 read-write) the api-user's accprofile grants on `group`."""
    if group is None or group[0] == "any":
        return 2  # fortios-api.md §5: access group "any"
    row = dev.row("system/api-user", user) or {}
    pname = row.get("accprofile", "")
    if pname == "super_admin":
        return 2  # fortios-api.md §4: super_admin has every permission
    prof = dev.row("system/accprofile", pname)
    if prof is None:
        return 0
    grp, sub = group
    val = prof.get(grp, "none")
    if val == "custom":
        val = (prof.get(f"{grp}-permission") or {}).get(sub or "", "none")
    return LEVEL.get(val, 0)


def authenticate(dev, headers, query, client_ip, now, lockout_seconds, vdom, group, write, is_global):
    """Returns the api-user name, or raises AuthFail."""
    until = dev.locked_until.get(client_ip)
    if until is not None:
        if now < until:
            raise AuthFail(429, "locked_out")  # fortios-api.md §6 table: 429 = max failed authentications reached
        del dev.locked_until[client_ip]
    token = None
    auth = headers.get("Authorization")
    if auth and auth[:7].lower() == "bearer ":
        token = auth[7:].strip()  # fortios-api.md §7: Authorization: Bearer <token>
    qtoken = query.get("access_token")
    if qtoken is not None:
        if versions.rule(dev.version, "url_token_rule") and \
                dev.singleton("system/global").get("rest-api-key-url-query") != "enable":
            # fortios-api.md §7 (COMM 357228), troubleshooting.md D: 401, "REST API key in URL parameters is disabled",
            # reply carries www-authenticate: error="invalid_token".
            # ASSUMED: refused even when a Bearer header is also sent (2.4.2 fix removed the URL
            # parameter although the header was already sent), and not counted as a failed attempt.
            raise AuthFail(401, "bad_key", "url_token_disabled",
                           {"WWW-Authenticate": 'error="invalid_token"'})
        if token is None:
            token = qtoken  # fortios-api.md §7: before 7.4.5 the query token is accepted
    if not token:
        # ASSUMED: no credential at all -> 401, not counted as a failed key attempt
        raise AuthFail(401, "no_token")
    user = dev.key_index.get(token)
    if user is None:
        _record_failure(dev, client_ip, now, lockout_seconds)
        raise AuthFail(401, "bad_key")  # fortios-api.md §7: bad/regenerated/deleted token -> 401 HTML
    ipn = ip_int(client_ip)
    ths = dev.trusthosts(user)
    if ths and not any((ipn & m) == n for n, m in ths):
        # fortios-api.md §7 (T #47): "Peer not trusted" -> 401, same body as a bad key.
        # ASSUMED (conservative): counted as a failed attempt for the lock-out.
        _record_failure(dev, client_ip, now, lockout_seconds)
        raise AuthFail(401, "untrusted")
    row = dev.row("system/api-user", user) or {}
    vdoms = {v.get("name") for v in row.get("vdom", []) or []}
    if not is_global and vdom not in vdoms:
        # troubleshooting.md D (KB 344460): VDOM not assigned to the api-user -> 403
        # (fortios-api.md §7 says UNCONFIRMED; follow troubleshooting.md D)
        raise AuthFail(403, "forbidden", "vdom")
    need = 2 if write else 1
    if permission(dev, user, group) < need:
        raise AuthFail(403, "forbidden", "accprofile")  # fortios-api.md §7, troubleshooting.md D: accprofile lacks permission
    return user
