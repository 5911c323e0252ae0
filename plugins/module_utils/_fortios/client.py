# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one FortiOS REST client of fortifleet.auth.

Internal API of fortifleet.auth: may change in any release.

Rules it enforces for every caller:
- the token goes in ``Authorization: Bearer`` only, never in the URL
  (7.4.5+ refuses URL tokens by default; fortios-api.md §7);
- TLS verification is on unless the caller turns it off;
- bounded, jittered retries only for idempotent requests and only on
  connection errors, timeouts, truncated bodies and 502/503/504;
- never a retry after 401 (three failed key attempts in 60 s lock the source
  out with 429; fortios-api.md §7) and never a retry of a non-idempotent action.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import hashlib
import json
import os
import random
import threading
import time
import traceback
import warnings

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urllib import quote

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests import exceptions as rexc
except ImportError:  # pragma: no cover - reported by the caller with missing_required_lib
    requests = None
    rexc = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

try:
    from urllib3.exceptions import InsecureRequestWarning
except ImportError:  # pragma: no cover - requests brings urllib3
    InsecureRequestWarning = None

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.access_groups import access_group, permission_text
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import transport, vdoms
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import FortiOSVersion, behaviour

DEFAULT_RETRIES = 2
# At most this many requests of one device in flight at once (docs/requests.md: a FortiGate's admin web server is
# small, and the fleet runs many devices at once).
FAN_OUT = 5
# The key field of the tables whose rows are also read one by one (fortios-api.md §2 objects that point at a token,
# §5 interfaces and certificates): a row read is answered from the table read earlier.
ROW_KEYS = {"system/interface": "name", "system/admin": "name", "user/local": "name", "certificate/local": "name",
            "user/fortitoken": "serial-number", "certificate/ca": "name"}
_MISSING = object()


RETRY_STATUSES = (502, 503, 504)
BACKOFF_CAP = 8.0

_DETAIL_KEYS = ("forticare_error_code", "forticare_error_message", "status_message")
_VERBS = {"GET": "read", "PUT": "update", "POST": "create", "DELETE": "delete"}

# FortiOS internal error codes (fortios-api.md §6) with the fix the user needs.
ERROR_CODE_HINTS = {
    -3: "A referenced object does not exist on the device (a datasource such as a certificate or interface name).",
    -5: "An entry with this key already exists.",
    -7: "The value conflicts with another setting (e.g. ftm-push 'server' together with 'server-ip' or 'interface').",
    -8: "The device rejected an IP address.",
    -23: "The entry is still used by other objects; remove those references first.",
    -56: "An empty value is not allowed. For ftm-push on FortiOS 6.4.10+, set 'server' instead of 'server-ip'.",
    -650: "An integer is outside its valid range.",
    -651: "The device rejected the value, or this FortiOS version has no such field.",
    -8102: "FortiOS 7.6.5+ asks for the administrator password for this change: give 'admin_password'.",
}


class LockoutGuard(object):
    """The credentials (device address + token) this run must not send again.

    A device answers a wrong token and an untrusted source with the same 401, and three failed key attempts in
    60 s lock the source out (fortios-api.md §7). So after one 401 the run sends nothing more with that token to
    that device: not another step, area, role or retry. A token whose api-user's key was regenerated is retired
    the same way before generate-key is sent: it can only fail from then on.

    Kept in memory for the threads of one process (a fleet run), and, once ``configure``d with a private
    directory and the run's id, as marker files (a hash of address, port and token: no secret), so the next
    tasks of the same ansible-playbook run, each in its own worker process, see it too."""

    MAX_AGE = 24 * 3600  # markers of older runs are removed

    def __init__(self):
        self._lock = threading.Lock()
        self._refused = {}
        self.directory = None
        self.run_id = None

    def configure(self, directory, run_id):
        """Persist markers under ``directory`` (created 0700) for the run ``run_id``; None turns it off."""
        self.directory, self.run_id = None, None
        if not directory or not run_id:
            return
        try:
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o700)
            now = time.time()
            for name in os.listdir(directory):
                path = os.path.join(directory, name)
                if now - os.path.getmtime(path) > self.MAX_AGE:
                    os.unlink(path)
        except OSError:
            return  # without a usable directory the guard still holds within this process
        self.directory, self.run_id = directory, str(run_id)

    def reset(self):
        with self._lock:
            self._refused.clear()

    @staticmethod
    def key(host, port, token):
        raw = "%s\n%s\n%s" % (host, port, token or "")
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]

    def _marker(self, key):
        return os.path.join(self.directory, "%s.%s" % (self.run_id, key))

    def refused(self, key):
        """Why this credential must not be sent again in this run, or None."""
        with self._lock:
            reason = self._refused.get(key)
        if reason is None and self.directory:
            try:
                with open(self._marker(key)) as handle:
                    reason = handle.read().strip() or "refused earlier in this run"
            except (OSError, IOError):
                return None
            with self._lock:
                self._refused[key] = reason
        return reason

    def refuse(self, key, reason):
        with self._lock:
            self._refused.setdefault(key, reason)
        if self.directory:
            try:
                fd = os.open(self._marker(key), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(reason + "\n")
            except OSError:
                pass  # the in-memory guard still holds for this process


GUARD = LockoutGuard()

# Per thread: a callable told of every write request a client of this thread sends (a fleet device records them all,
# so the report lists every write even when a step fails after it).
_WRITE_LOG = threading.local()


@contextlib.contextmanager
def writes_reported_to(callback):
    """Within the block, every write request (any client made in this thread) is passed to ``callback(write)``."""
    previous = getattr(_WRITE_LOG, "callback", None)
    _WRITE_LOG.callback = callback
    try:
        yield
    finally:
        _WRITE_LOG.callback = previous


# The HTTP trace (-vvv): a callable that takes one line per request sent, or None. Process-wide, so the threads
# of a fleet run trace too; each Ansible task runs in its own worker process.
_TRACE = {"sink": None}


def set_trace(sink):
    """Send one line per HTTP request to ``sink(line)`` (None: no trace)."""
    _TRACE["sink"] = sink


def trace_line(label, method, path, query, status, seconds, retry):
    """What the trace says of one request: method, path, the query's keys (never its values), status or failure,
    milliseconds and retry number. Never a header, a body or a query value, so never a token, key, password or
    licence code."""
    keys = ",".join(sorted(str(k) for k in query or {}))
    return "fortifleet.auth HTTP %s: %s %s%s -> %s in %d ms (retry %d)" % (
        label, method, path, "?" + keys if keys else "", status, int(round(seconds * 1000)), retry)


def run_id():
    """An id of the ansible-playbook run this process belongs to: its parent's pid and start time (Ansible runs
    each task in a worker process forked by the one ansible-playbook process)."""
    parent = os.getppid()
    try:
        with open("/proc/%d/stat" % parent) as handle:
            started = handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IOError, IndexError):
        started = "0"
    return "%d-%s" % (parent, started)


class Response(object):
    """A successful FortiOS answer: the JSON envelope and its ``results``."""

    __slots__ = ("envelope", "status")

    def __init__(self, envelope, status):
        self.envelope = envelope
        self.status = status

    @property
    def results(self):
        return self.envelope.get("results")

    @property
    def revision_changed(self):
        return self.envelope.get("revision_changed")


def _cli_error_text(value):
    # fortios-api.md §6: a list on 7.6.5, a string on older releases.
    if isinstance(value, (list, tuple)):
        value = "\n".join(str(v) for v in value)
    return value.strip() if isinstance(value, str) else value


class FortiOSClient(object):
    """Talks to one FortiGate. One instance per task and device."""

    def __init__(self, host, port=443, access_token=None, validate_certs=True, ca_path=None, timeout=30,
                 vdom="root", use_ssl=True, retries=DEFAULT_RETRIES, backoff=0.5, label=None,
                 admin_password=None, session=None, sleep=time.sleep):
        if requests is None:
            raise err.FortiFleetError("The Python library 'requests' is required on the controller: %s"
                                      % REQUESTS_IMPORT_ERROR)
        self.host = host
        self.port = int(port)
        self.label = label or host
        self.vdom = vdom or "root"
        # Whether the unit has VDOMs: True/False once known (vdoms.vdom_mode), or when the task names VDOMs; else None.
        self.multi_vdom = None
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.admin_password = admin_password
        self._sleep = sleep
        # Connect fast, read as long as asked: a dead address should not cost a full read timeout.
        self.timeout = (min(float(timeout), 10.0), float(timeout))
        scheme = "https" if use_ssl else "http"
        address = "[%s]" % host if ":" in host and not host.startswith("[") else host
        self.base_url = "%s://%s:%d/api/v2" % (scheme, address, self.port)
        self.session = session or requests.Session()
        self.proxies = None  # an injected session keeps its own environment handling
        if session is None:
            # requests looks the proxy environment up again on every request (a quarter of a fleet run's controller
            # CPU, measured: benchmarks/README.md): once here, for this device's URL, NO_PROXY honoured. The CA
            # bundle never comes from the environment anyway (verify= below), nor .netrc credentials.
            self.proxies = requests.utils.get_environ_proxies(self.base_url)
            self.session.trust_env = False
        # Passed with every request: a session-level verify loses to REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
        # in requests' environment merge, which would silently ignore ca_path.
        self.verify = (ca_path or True) if validate_certs else False
        if session is None and use_ssl:
            transport.mount_shared_context(self.session, self.verify)  # the CA bundle loaded once per process
        if self.verify is False and use_ssl and InsecureRequestWarning is not None:
            # The task already warns once, in the collection's words (runtime.INSECURE_WARNING); urllib3's own
            # warning per request would reach the terminal through ansible-core's "errantly sent data to stderr".
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        self.session.headers.update({"Accept": "application/json"})
        if access_token:
            self.session.headers["Authorization"] = "Bearer %s" % access_token
        self.has_token = bool(access_token)
        self.guard = GUARD
        self._guard_key = LockoutGuard.key(host, self.port, access_token)
        # Kept from every answer (fortios-api.md §6: version, build and serial are in every envelope).
        self.device = {}
        self.requests_sent = 0
        self.retries_done = 0
        # The one read cache (see get()): answers by request, emptied by any request that is not a GET. Guarded by
        # a lock: a device's independent reads may go out in parallel (prefetch).
        self._memo = {}
        self._lock = threading.RLock()
        self._share = False  # keep every GET answer across tasks until a write (fleet runs)
        self._read_only_depth = 0  # inside read_only(): every GET answer, errors too
        # Called once with the first answer that proves the token (a fleet device plans its reads): see proven().
        self.read_planner = None
        self.fan_out = FAN_OUT

    def share_reads(self):
        """Answer repeated GETs (cmdb and monitor) from memory until the next request that is not a GET. Returns
        self.

        For a device's whole fleet run: several steps and areas read the same objects (license/status, the token
        map, system/admin), and a re-read after a write or an action always asks the device again. A failure is
        remembered too: a 404 or a 403 does not change without a write, and a read that failed after its retries
        (a 5xx, a reset, a timeout) is not sent again in the same run, so a failing device gets 1 + retries
        attempts per read, not that many per reader (test_reliability.py). A refused token (401, 429) never is: the
        lock-out guard stops that token anyway."""
        self._share = True
        return self

    def forget_failures(self):
        """Ask the device again for every read that failed: a rollback must not give up on a restore because a read
        failed once before it (answers stay remembered until the next write, as always)."""
        with self._lock:
            self._memo = dict((k, v) for k, v in self._memo.items() if isinstance(v, tuple))

    @contextlib.contextmanager
    def read_only(self):
        """A block that only reads (one fortigate_info task): every GET, failures included, is sent once;
        afterwards only what share_reads() keeps is kept."""
        with self._lock:
            self._read_only_depth += 1
        try:
            yield self
        finally:
            with self._lock:
                self._read_only_depth -= 1
                if not self._read_only_depth and not self._share:
                    self._memo = {}  # _fetch() remembers only what share_reads() keeps

    @contextlib.contextmanager
    def in_vdom(self, vdom):
        """Requests inside the block go to VDOM ``vdom`` (None: the task's own VDOM); per-VDOM tables (user/local,
        user/fortitoken, fctems-override: fortios-api.md §3, troubleshooting.md F) are read and written there."""
        if not vdom:
            yield self
            return
        before, self.vdom = self.vdom, vdom
        try:
            yield self
        finally:
            self.vdom = before

    def _scope_of(self, scope):
        """The query that selects the scope: ``global`` or the VDOM name. ``scope`` is "global", "vdom" (the
        task's VDOM, also None) or a VDOM's name (a read plan names the VDOM of each read)."""
        scope = scope or ("global" if self.vdom == "global" else "vdom")
        if scope == "global":
            return "global"
        return self.vdom if scope == "vdom" else scope

    # -- public helpers -------------------------------------------------
    def get(self, path, mkey=None, api="cmdb", params=None, scope=None, fresh=False):
        """A GET, answered from the read cache when reads are shared (share_reads, read_only). ``fresh``: always
        ask the device (a poll that waits for a state to change)."""
        memo = not fresh and (self._read_only_depth > 0 or self._share)
        if not memo:
            return self.request("GET", path, api=api, mkey=mkey, params=params, scope=scope)
        key = self._memo_key(api, path, mkey, params, scope)
        with self._lock:
            remembered = self._memo.get(key, _MISSING)
        if remembered is _MISSING:
            remembered = self._row_of_table(key)
        if remembered is _MISSING:
            remembered = self._fetch(key)
        if isinstance(remembered, BaseException):
            raise remembered
        envelope, status = remembered
        # A copy: callers normalise what they read.
        return Response(copy.deepcopy(envelope), status)

    def _memo_key(self, api, path, mkey, params, scope):
        # The VDOM is part of the request (a multi-VDOM sweep reads the same path in several VDOMs).
        return (api, path.strip("/"), mkey, self._scope_of(scope), tuple(sorted((params or {}).items())))

    def _fetch(self, key):
        """Send the GET of ``key`` and remember its answer or its failure (see share_reads()). Returns what was
        remembered; a refused token is raised, never remembered."""
        api, path, mkey, where, params = key
        try:
            answer = self.request("GET", path, api=api, mkey=mkey, params=dict(params), scope=where)
            remembered = (answer.envelope, answer.status)
        except err.FortiOSError as exc:
            if not _lasting(exc):
                raise
            remembered = exc
        with self._lock:
            self._memo[key] = remembered
        return remembered

    def _row_of_table(self, key):
        """A row read (``path/mkey``) answered from the whole table read earlier in the same scope: one object, one
        read (fortios-api.md §5, interfaces: cmdb system/interface/<name> is a row of system/interface). Only for
        tables whose key field is known; a row the table lacks is asked of the device (never a made-up 404)."""
        api, path, mkey, where, params = key
        field = ROW_KEYS.get(path)
        if api != "cmdb" or params or mkey is None or field is None:
            return _MISSING
        with self._lock:
            table = self._memo.get((api, path, None, where, ()), _MISSING)
        if not isinstance(table, tuple) or not isinstance(table[0].get("results"), list):
            return _MISSING
        envelope, status = table
        for row in envelope["results"]:
            if isinstance(row, dict) and str(row.get(field)) == str(mkey):
                return dict(envelope, results=[row]), status
        return _MISSING

    # -- the read plan: a device's independent reads, in parallel --------------------------------------------
    def proven(self):
        """The token works (a request of this client was answered): run the read plan once, if one was set. Never
        before: three failed key attempts in 60 s lock the source out (fortios-api.md §7), so no parallel request
        goes out with a token nothing has proven yet."""
        planner, self.read_planner = self.read_planner, None
        if planner is not None:
            planner(self)

    def prefetch(self, reads):
        """Send the GETs of ``reads`` ((api, path, params, scope) tuples; scope "global", "vdom" or a VDOM's name)
        that the read cache does not hold yet, at most ``fan_out`` at a time, into the read cache. Returns how many
        went out. Failures are not raised: the code that needs a read meets its error when it reads it, from the
        cache (the device is not asked again). After a 401 nothing more is sent (the lock-out guard
        refuses the token before each request, in every thread)."""
        if not self._share:
            return 0
        todo, seen = [], set()
        for api, path, params, scope in reads:
            key = self._memo_key(api, path, None, params, scope)
            with self._lock:
                known = key in self._memo
            if not known and key not in seen:
                seen.add(key)
                todo.append(key)
        if not todo or self.token_refused():
            return 0

        def fetch(key):
            if self.token_refused():
                return
            try:
                self._fetch(key)
            except Exception:  # pylint: disable=broad-except
                pass  # met again, by the code that needs it
        run_parallel(fetch, todo, self.fan_out)
        return len(todo)

    def put(self, path, body, mkey=None, scope=None, headers=None):
        return self.request("PUT", path, mkey=mkey, body=body, scope=scope, headers=headers)

    def post(self, path, body, scope=None, headers=None):
        return self.request("POST", path, body=body, scope=scope, headers=headers)

    def delete(self, path, mkey, scope=None, headers=None):
        """An already-absent object counts as deleted (fortios-api.md §6: the vendor client treats DELETE 404 as success);
        this also covers a retried DELETE whose first answer was lost."""
        try:
            return self.request("DELETE", path, mkey=mkey, scope=scope, headers=headers)
        except err.NotFoundError as exc:
            return Response({"status": "success", "http_status": 404, "already_absent": True}, exc.status)

    def action(self, path, body=None, scope=None, headers=None):
        """A monitor action (POST). Never retried: it is not idempotent."""
        return self.request("POST", path, api="monitor", body=body or {}, scope=scope, headers=headers,
                            idempotent=False)

    def admin_password_headers(self):
        """fortios-api.md §4: T's SDK sends X-Admin-Passwd on api-user/admin writes (7.6.5+)."""
        return {"X-Admin-Passwd": self.admin_password} if self.admin_password else {}

    def admin_headers_if_required(self):
        """The admin-password header, only to releases that ask for it (the password goes nowhere else)."""
        try:
            version = FortiOSVersion.parse(self.device.get("version"))
        except ValueError:
            return None
        if self.admin_password and behaviour("admin_password_required", version):
            return self.admin_password_headers()
        return None

    def retire_token(self, why):
        """Never send this client's token to this device again in this run (its key is being regenerated)."""
        self.guard.refuse(self._guard_key, why)

    def token_refused(self):
        """Why this client's token must not be sent again in this run (a 401, a rotated key), or None."""
        return self.guard.refused(self._guard_key)

    def _check_guard(self, ctx):
        reason = self.guard.refused(self._guard_key)
        if reason is not None:
            error = err.TokenRejectedError(
                detail="not sent: this token %s" % reason,
                hint="Three failed key attempts in 60 s lock this controller out (HTTP 429), so after one the run "
                     "sends nothing more with that token to this device. Fix the token (or put the rotated key "
                     "into the inventory) and run again.", **_kw(ctx))
            error.guarded = True
            raise error

    # -- core -------------------------------------------------------------
    def url(self, api, path, mkey=None):
        url = "%s/%s/%s" % (self.base_url, api, path.strip("/"))
        if mkey is not None and mkey != "":
            url += "/" + quote(str(mkey), safe="")
        return url

    def describe(self, api, path, mkey=None):
        obj = path.strip("/")
        if mkey is not None and mkey != "":
            obj += "/%s" % mkey
        return obj if api == "cmdb" else "monitor %s" % obj

    def request(self, method, path, api="cmdb", mkey=None, params=None, body=None, scope=None,
                headers=None, idempotent=None):
        if idempotent is None:
            idempotent = method in ("GET", "PUT", "DELETE")
        if method != "GET" and self._memo:
            with self._lock:
                self._memo.clear()
        query = dict(params or {})
        where = self._scope_of(scope)
        if where == "global":
            query["global"] = 1
        else:
            query["vdom"] = where
        action = _VERBS.get(method, method.lower()) if api == "cmdb" or method == "GET" else "run"
        ctx = {
            "action": action, "obj": self.describe(api, path, mkey), "host": self.label,
            "method": method, "path": "/api/v2/%s/%s" % (api, path.strip("/")), "api": api, "api_path": path,
            "vdom": where,
        }
        url = self.url(api, path, mkey)
        attempts = 1 + (self.retries if idempotent else 0)
        for attempt in range(attempts):
            self._check_guard(ctx)
            ctx["retry"] = attempt
            try:
                return self._send_once(method, url, query, body, headers, ctx)
            except err.FortiOSError as exc:
                if isinstance(exc, err.TokenRejectedError):
                    self.guard.refuse(self._guard_key, "was refused by %s with HTTP 401 earlier in this run"
                                      % self.label)
                if not (exc.transient and attempt + 1 < attempts):
                    if not idempotent and getattr(exc, "maybe_applied", False):
                        raise self._ambiguous(exc, ctx)
                    raise
                with self._lock:
                    self.retries_done += 1
                delay = min(BACKOFF_CAP, self.backoff * (2 ** attempt)) * random.uniform(0.5, 1.5)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, method, url, query, body, headers, ctx):
        if method == "GET" or getattr(_WRITE_LOG, "callback", None) is None:
            return self._send(method, url, query, body, headers, ctx)
        outcome = "unknown"
        try:
            answer = self._send(method, url, query, body, headers, ctx)
            outcome = "applied"
            return answer
        except err.FortiOSError as exc:
            # A clear refusal changed nothing; a lost answer may have.
            outcome = "unknown" if getattr(exc, "maybe_applied", False) else None
            raise
        finally:
            if outcome:
                _WRITE_LOG.callback({"method": method, "object": ctx["obj"], "outcome": outcome})

    def _send(self, method, url, query, body, headers, ctx):
        sink = _TRACE["sink"]
        if sink is None:
            return self._send_untraced(method, url, query, body, headers, ctx)
        started, outcome = time.time(), "no answer"
        try:
            answer = self._send_untraced(method, url, query, body, headers, ctx)
            outcome = answer.status
            return answer
        except err.FortiOSError as exc:
            outcome = exc.status or exc.kind
            raise
        finally:
            try:
                sink(trace_line(self.label, method, url[len(self.base_url) - len("/api/v2"):], query, outcome,
                                time.time() - started, ctx.get("retry", 0)))
            except Exception:  # pylint: disable=broad-except
                pass  # the trace must never cost a request its result

    def _send_untraced(self, method, url, query, body, headers, ctx):
        with self._lock:
            self.requests_sent += 1
        try:
            extra = {} if self.proxies is None else {"proxies": self.proxies}
            resp = self.session.request(method, url, params=query, json=body, headers=headers,
                                        timeout=self.timeout, verify=self.verify, **extra)
            text = resp.text
        except rexc.SSLError as exc:
            cause = _root_cause(exc)
            if any(mark in cause.lower() for mark in ("eof occurred", "unexpected_eof", "unexpected eof",
                                                      "connection reset", "bad record mac")):
                # Not a certificate problem: the connection was cut, possibly after the request was sent (a reused
                # keep-alive connection), so a non-idempotent action may have run.
                raise _maybe_applied(err.UnreachableError(
                    detail="the connection to %s:%d was cut (%s)" % (self.host, self.port, cause),
                    hint=_UNREACHABLE_HINT, **_kw(ctx)))
            raise self._tls_error(exc, ctx)
        except rexc.ConnectTimeout:
            raise err.UnreachableError(
                detail="no connection to %s:%d within %ss" % (self.host, self.port, self.timeout[0]),
                hint=_UNREACHABLE_HINT, **_kw(ctx))
        except (rexc.ReadTimeout, rexc.Timeout) as exc:
            raise _maybe_applied(err.RequestTimeoutError(
                detail="no answer within %ss (%s)" % (self.timeout[1], type(exc).__name__),
                hint="Check that the device is up and not overloaded, or raise 'timeout'.", **_kw(ctx)))
        except (rexc.ChunkedEncodingError, rexc.ContentDecodingError) as exc:
            raise _maybe_applied(err.ProtocolError(
                detail="the answer was cut off (%s)" % type(exc).__name__,
                hint="The connection dropped mid-answer; idempotent requests are retried.", **_kw(ctx)))
        except rexc.ConnectionError as exc:
            error = err.UnreachableError(
                detail="cannot connect to %s:%d (%s)" % (self.host, self.port, _root_cause(exc)),
                hint=_UNREACHABLE_HINT, **_kw(ctx))
            # A refused or failed connect never reached the device; a reset after sending may have.
            raise error if _never_sent(exc) else _maybe_applied(error)
        return self._parse(resp.status_code, resp.reason, text, ctx)

    def _parse(self, status, reason, text, ctx):
        body = None
        try:
            body = _json_loads(text)
        except ValueError:
            body = None
        if isinstance(body, list):
            # fortios-api.md §6: global scope answers a list of per-VDOM envelopes.
            body = body[0] if body and isinstance(body[0], dict) else None
        if isinstance(body, dict):
            for key in ("version", "build", "serial"):
                if body.get(key) is not None:
                    self.device[key] = body[key]
            status = int(body.get("http_status") or status)
        if status == 200 and isinstance(body, dict) and body.get("status", "success") == "success":
            return Response(body, status)
        if status == 200:
            raise _maybe_applied(err.ProtocolError(
                detail="HTTP 200 with a body that is not a FortiOS JSON answer (truncated or not JSON)",
                hint=None, status=status, **_kw(ctx)))
        raise self._http_error(status, reason, body, ctx)

    def _http_error(self, status, reason, body, ctx):
        code = body.get("error") if isinstance(body, dict) else None
        cli_error = _cli_error_text(body.get("cli_error")) if isinstance(body, dict) else None
        detail = ("HTTP %d %s" % (status, reason or "")).rstrip()
        if code is not None:
            detail += "; FortiOS error %s" % code
        if cli_error:
            detail += ": %s" % cli_error.replace("\n", " ").strip()
        kw = dict(_kw(ctx), status=status, error_code=code, cli_error=cli_error)
        # Extra keys some releases add to error bodies (e.g. forticare_error_message, troubleshooting.md B9).
        details = dict((k, body[k]) for k in _DETAIL_KEYS if isinstance(body, dict) and k in body)
        if status == 401:
            # README "Errors you can act on": what happened first, the fix last.
            hint = ("The device refused the API token: it is wrong, expired, regenerated or deleted, or the "
                    "controller's source address is outside the api-user's trusthost (NAT changes it), or a "
                    "token was sent in the URL to FortiOS 7.4.5+. It was not retried: three failed key attempts "
                    "in 60 s lock this source out (HTTP 429). Fix: put the api-user's current key into "
                    "fortigate_access_token (or access_token), or add the controller's address to the api-user's "
                    "trusthost.")
            if not self.has_token:
                hint = ("No access token was given, so the device answered 401. Fix: set fortigate_access_token "
                        "in the inventory (or access_token, or the environment variable FORTIOS_ACCESS_TOKEN).")
            return err.TokenRejectedError(detail=detail, hint=hint, **kw)
        if status == 403:
            group = access_group(ctx["api"], ctx["api_path"])
            need = permission_text(ctx["api"], ctx["api_path"], ctx["method"])  # docs/least-privilege.md
            hint = ("The token is valid but not allowed: %s needs %s; or VDOM '%s' is not assigned to the api-user. "
                    "Grant it in the api-user's access profile (config system accprofile) or its vdom list "
                    "(docs/least-privilege.md lists what each module needs)." % (ctx["obj"], need, ctx["vdom"]))
            if ctx["api"] == "cmdb" and vdoms.is_global_object(ctx["api_path"]):
                # troubleshooting.md F: a VDOM-scoped profile gets 403 on every global object (FOS#226), which only
                # exists on a unit with VDOMs: said outright when the unit is known to have them.
                if self.multi_vdom:
                    return err.ScopeNotGlobalError(detail=detail, hint=vdoms.SCOPE_GLOBAL_HINT % ctx["obj"] + " " + hint,
                                                   access_group=group, **kw)
                if self.multi_vdom is None:
                    hint += " If the unit has VDOMs: " + vdoms.SCOPE_GLOBAL_HINT % ctx["obj"]
            return err.PermissionDeniedError(detail=detail, hint=hint, access_group=group, **kw)
        if status == 429:
            return err.LockedOutError(
                detail=detail, hint="The device locked this source out after repeated failed key attempts "
                                    "(3 within 60 s). Fix the token, then wait for the lock-out to end "
                                    "before the next attempt.", **kw)
        if status in RETRY_STATUSES:
            return err.ServerError(detail=detail, hint="The device or a proxy in front of it is "
                                                       "overloaded or restarting.", **kw)
        if status == 404:
            return err.NotFoundError(detail=detail, hint="The object does not exist, or this FortiOS "
                                                         "version has no such endpoint.", **kw)
        hint = ERROR_CODE_HINTS.get(code) if isinstance(code, int) else None
        if body is None and status >= 500:
            hint = hint or "The device answered with an error page instead of JSON."
        error = err.DeviceRefusedError(detail=detail, hint=hint, **kw)
        error.details = details
        return error

    def _tls_error(self, exc, ctx):
        text = _root_cause(exc)
        low = text.lower()
        if any(mark in low for mark in _STRICT_X509_MARKS):
            return err.TLSError(
                detail="TLS verification failed: the certificate chain does not meet strict X.509 verification, "
                       "which Python 3.13 and later apply by default (%s)" % text,
                hint="A CA certificate in the chain lacks extensions a CA must carry (critical basicConstraints "
                     "CA:TRUE, keyUsage keyCertSign; a certificate it issued, an authority key identifier). Give "
                     "the device a properly issued certificate (config system global, set admin-server-cert) and "
                     "'ca_path' with the CA that signed it. Python 3.12 does not check this, but keep "
                     "'validate_certs' on either way.", **_kw(ctx))
        if "hostname" in low or "doesn't match" in low or "ip address mismatch" in low:
            why = "its name or address does not match the certificate"
        elif "expired" in low:
            why = "the device certificate has expired"
        elif "self signed" in low or "self-signed" in low or "local issuer" in low or "unknown ca" in low:
            why = "the device certificate is not signed by a CA the controller trusts"
        else:
            why = "the device certificate could not be verified"
        return err.TLSError(
            detail="TLS verification failed: %s (%s)" % (why, text),
            hint="Give 'ca_path' with the CA that signed the device certificate (FortiGates ship a "
                 "self-signed one), or set 'validate_certs: false' knowingly.", **_kw(ctx))

    def _ambiguous(self, exc, ctx):
        return err.AmbiguousResultError(
            detail="the request was sent but its answer was lost (%s)" % exc.message.split(": ", 1)[-1],
            hint="The action may or may not have run on the device. It was not repeated, because it is not "
                 "idempotent: check the device state before running it again.",
            status=exc.status, **_kw(ctx))


# OpenSSL's verify messages under X509_V_FLAG_X509_STRICT (ssl.VERIFY_X509_STRICT), which Python 3.13's
# create_default_context and urllib3 2.x on Python 3.13 set: checks a laxer verification does not make.
_STRICT_X509_MARKS = ("ca cert does not include key usage", "basic constraints of ca cert not marked critical",
                      "path length given without key usage keycertsign", "missing authority key identifier",
                      "missing subject key identifier", "key usage keycertsign invalid for non-ca cert",
                      "authority key identifier marked critical", "subject key identifier marked critical")

_UNREACHABLE_HINT = ("Check the address and port, that HTTPS administrative access is allowed on that "
                     "interface, and any firewall or NAT between the controller and the device.")


def _lasting(remembered):
    """Whether a read's outcome is kept until a write: an answer or any failure after its retries, but never a
    refused token (a 401 or 429, or a request the lock-out guard did not send): nothing more goes out with it."""
    if isinstance(remembered, tuple):
        return True
    return not (isinstance(remembered, (err.TokenRejectedError, err.LockedOutError))
                or getattr(remembered, "guarded", False))


def run_parallel(work, items, workers):
    """``work(item)`` for every item, in waves of at most ``workers`` threads; returns when all are done. A wave
    starts when the one before has answered, so a device's reads cost exactly ceil(items / workers) sequential
    round trips, whatever the latency of each request (threads pulling from a queue let a jittery chain grow)."""
    items = list(items)
    workers = max(1, int(workers))
    for start in range(0, len(items), workers):
        wave = items[start:start + workers]
        if len(wave) == 1:
            work(wave[0])
            continue
        # The calling thread takes the wave's first read itself: one thread fewer to start per wave.
        threads = [threading.Thread(target=work, args=(item,), name="fortifleet-read-%d" % n)
                   for n, item in enumerate(wave[1:], 1)]
        for thread in threads:
            thread.daemon = True
            thread.start()
        try:
            work(wave[0])
        finally:
            for thread in threads:
                thread.join()


def _maybe_applied(error):
    error.maybe_applied = True
    return error


def _never_sent(exc):
    seen, depth = exc, 0
    while isinstance(seen, BaseException) and depth < 8:
        name = type(seen).__name__
        if name in ("NewConnectionError", "ConnectionRefusedError", "NameResolutionError", "gaierror"):
            return True
        nxt = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = nxt or getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        depth += 1
    return False


def client_from_params(params, label, access_token=None):
    """A client for the connection options of a task; ``access_token`` replaces the task's token (a second
    credential, a freshly generated key)."""
    client = FortiOSClient(
        host=params["host"], port=params["port"],
        access_token=params.get("access_token") if access_token is None else access_token,
        validate_certs=params["validate_certs"], ca_path=params.get("ca_path"), timeout=params["timeout"],
        vdom=params["vdom"], use_ssl=params["use_ssl"], retries=params["retries"], label=label,
        admin_password=params.get("admin_password"))
    if params.get("vdoms") or params.get("vdom") not in (None, "root", "global"):
        client.multi_vdom = True  # the task names VDOMs other than root: the unit has VDOMs
    return client


def _kw(ctx):
    return {"action": ctx["action"], "obj": ctx["obj"], "host": ctx["host"], "method": ctx["method"],
            "path": ctx["path"]}


def _root_cause(exc):
    seen = exc
    for dummy in range(6):
        inner = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        inner = inner or getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if not isinstance(inner, BaseException):
            break
        seen = inner
    return str(seen) or type(seen).__name__


def _json_loads(text):
    if not text or not text.lstrip().startswith(("{", "[")):
        raise ValueError("not JSON")
    return json.loads(text)
