"""An in-memory FortiGate behind the client's interface, for fast tests of every area's logic.

cmdb objects live in ``objects`` keyed by (path, mkey) (mkey None for a singleton); monitor answers in
``monitor`` keyed by path (a value, or a callable(params) -> value); monitor actions (POST) call ``actions[path]``
(a callable(client, body) -> results) and are recorded in ``calls``. Every write is recorded in ``writes`` as
(method, path, mkey, body). ``fail`` injects failures: (method, path, mkey) -> an exception raised on that request
(a list of exceptions is consumed one per request). ``stop_at = (n, "before"|"after")`` interrupts the n-th request
(counted by ``requests_sent``) with KeyboardInterrupt, before it reaches the device or after the device applied it
(its answer lost), as Ctrl-C or a killed process would.

VDOMs: ``objects`` holds the global objects and the per-VDOM tables (``PER_VDOM``) of the task's VDOM (root);
``vdom_objects[name]`` the per-VDOM tables of the other VDOMs. Inside ``in_vdom(name)`` ``objects`` shows that VDOM
(the global objects and its own tables), as the client's ``?vdom=name`` does; ``write_vdoms`` is the VDOM of each
write, in the order of ``writes``; ``forbidden_vdoms`` answer 403 to every request made in them.
"""
import contextlib
import copy

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import Response


def not_found(path, label="fgt-test"):
    return err.NotFoundError("read", path, label, "HTTP 404", status=404)


def refused(action, path, detail="HTTP 500; FortiOS error -1", label="fgt-test", code=-1, cli_error=None):
    return err.DeviceRefusedError(action, path, label, detail, status=500, error_code=code, cli_error=cli_error)


# Tables that exist once per VDOM (troubleshooting.md F); every other path is global.
PER_VDOM = ("user/fortitoken", "user/local", "endpoint-control/fctems-override", "endpoint-control/settings")


class MemoryClient(object):
    """An in-memory FortiOS with the client's interface; records writes."""

    label = "fgt-test"

    def __init__(self, objects=None, apply_writes=True, monitor=None, actions=None, version="7.4.4",
                 serial="FGVM01TEST", mkeys=None):
        self.objects = copy.deepcopy(objects or {})
        self.writes = []
        self.calls = []
        self.apply_writes = apply_writes
        self.monitor = dict(monitor or {})
        self.actions = dict(actions or {})
        self.fail = {}
        # The key field of each table, for POSTs (default: name).
        self.mkeys = dict({"user/fortitoken": "serial-number", "endpoint-control/fctems": "name"}, **(mkeys or {}))
        self.device = {"version": "v%s" % version, "serial": serial, "build": 1}
        self.requests_sent = 0
        self.retries_done = 0
        self.admin_password = None
        self.stop_at = None
        self.retired = []  # why the token was retired (FortiOSClient.retire_token: the lock-out guard)
        self.vdom = "root"
        self.vdom_objects = {}
        self.write_vdoms = []
        self.forbidden_vdoms = set()

    @contextlib.contextmanager
    def in_vdom(self, vdom):
        if not vdom or vdom == self.vdom:
            yield self
            return
        home, before = self.objects, self.vdom
        mine = self.vdom_objects.setdefault(vdom, {})
        self.objects = dict([(k, v) for k, v in home.items() if k[0] not in PER_VDOM] + list(mine.items()))
        self.vdom = vdom
        try:
            yield self
        finally:
            view, self.objects, self.vdom = self.objects, home, before
            for key in [k for k in home if k[0] not in PER_VDOM]:
                del home[key]
            home.update((k, v) for k, v in view.items() if k[0] not in PER_VDOM)
            mine.clear()
            mine.update((k, v) for k, v in view.items() if k[0] in PER_VDOM)

    def _stop(self, when):
        """Interrupt the run here when ``stop_at`` names this request and this moment."""
        if self.stop_at == (self.requests_sent, when):
            self.stop_at = None
            raise KeyboardInterrupt("interrupted at request %d (%s)" % (self.requests_sent, when))

    # -- failure injection -------------------------------------------------------------------
    def _maybe_fail(self, method, path, mkey=None):
        if self.vdom in self.forbidden_vdoms:
            raise err.PermissionDeniedError("read", path, self.label, "HTTP 403 Forbidden", status=403)
        for key in ((method, path, mkey), (method, path, None)):
            if key in self.fail:
                outcome = self.fail[key]
                if isinstance(outcome, list):
                    if not outcome:
                        continue
                    outcome = outcome.pop(0)
                    if outcome is None:
                        return
                raise outcome

    # -- the client's interface ---------------------------------------------------------------
    def share_reads(self):
        return self

    def forget_failures(self):
        pass  # nothing is remembered here

    @contextlib.contextmanager
    def read_only(self):
        yield self

    def admin_headers_if_required(self):
        return None

    def retire_token(self, why):
        self.retired.append(why)

    def get(self, path, mkey=None, scope=None, params=None, api="cmdb", fresh=False):
        self.requests_sent += 1
        self._stop("before")
        self._maybe_fail("GET", path, mkey)
        self._stop("after")
        if api == "monitor":
            if path not in self.monitor:
                raise not_found(path, self.label)
            answer = self.monitor[path]
            answer = answer(params or {}) if callable(answer) else copy.deepcopy(answer)
            return Response({"results": answer, "version": self.device["version"], "serial": self.device["serial"]},
                            200)
        if mkey is None and (path, None) in self.objects:
            return Response({"results": copy.deepcopy(self.objects[(path, None)])}, 200)
        if mkey is None:
            rows = [copy.deepcopy(v) for (p, k), v in sorted(self.objects.items(), key=str) if p == path]
            return Response({"results": rows}, 200)
        if (path, mkey) not in self.objects:
            raise not_found(path, self.label)
        return Response({"results": [dict(copy.deepcopy(self.objects[(path, mkey)]), q_origin_key=mkey)]}, 200)

    def put(self, path, body, mkey=None, scope=None, headers=None):
        self.requests_sent += 1
        self._stop("before")
        self._maybe_fail("PUT", path, mkey)
        self.writes.append(("PUT", path, mkey, body))
        self.write_vdoms.append(self.vdom)
        if self.apply_writes:
            self.objects[(path, mkey)].update(copy.deepcopy(body))
        self._stop("after")
        return Response({"status": "success"}, 200)

    def post(self, path, body, scope=None, headers=None):
        self.requests_sent += 1
        self._stop("before")
        key = body.get(self.mkeys.get(path, "name"))
        self._maybe_fail("POST", path, key)
        self.writes.append(("POST", path, None, body))
        self.write_vdoms.append(self.vdom)
        if self.apply_writes:
            self.objects[(path, key)] = copy.deepcopy(body)
        self._stop("after")
        return Response({"status": "success"}, 200)

    def delete(self, path, mkey, scope=None, headers=None):
        self.requests_sent += 1
        self._stop("before")
        self._maybe_fail("DELETE", path, mkey)
        self.writes.append(("DELETE", path, mkey, None))
        self.write_vdoms.append(self.vdom)
        if self.apply_writes:
            self.objects.pop((path, mkey), None)
        self._stop("after")
        return Response({"status": "success"}, 200)

    def action(self, path, body=None, scope=None, headers=None):
        self.requests_sent += 1
        self._stop("before")
        self.calls.append((path, copy.deepcopy(body)))
        self._maybe_fail("ACTION", path)
        handler = self.actions.get(path)
        results = handler(self, body or {}) if handler else {}
        self._stop("after")
        return Response({"status": "success", "results": results}, 200)


def context(client, params=None, check_mode=False, diff=False, spec=None):
    """A TaskContext for a module's logic, on this client, with the spec's defaults filled in."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import TaskContext

    values = dict({"host": "192.0.2.1"}, **(params or {}))
    if spec is not None:
        checked = ArgumentSpecValidator(spec).validate(values)
        assert not checked.error_messages, checked.error_messages
        values = checked.validated_parameters
    return TaskContext(values, check_mode=check_mode, diff=diff, label=client.label, client=client)


WAN_IP = "203.0.113.7"


def ftm_push_row(version, **values):
    """A healthy ftm-push singleton as the emulator's baseline shapes it for ``version`` (a tuple)."""
    row = {"status": "enable", "server-port": 4433, "server-ip": "0.0.0.0"}
    if version >= (6, 4, 10):
        row["server"] = WAN_IP
    else:
        row["server-ip"] = WAN_IP  # 6.4.9 and earlier: server-ip is the setting
    if version >= (6, 4, 0):
        row["server-cert"] = "Fortinet_GUI_Server" if version >= (7, 4, 4) else "Fortinet_Factory"
    if version >= (7, 4, 1):
        row["proxy"] = "enable"
    if version >= (7, 6, 4):
        row["interface"] = ""
    row.update(values)
    return row
