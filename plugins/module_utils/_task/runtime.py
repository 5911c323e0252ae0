# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one way a module's logic runs: validate with its argument spec, run, scrub no_log values.

Internal API of fortifleet.auth: may change in any release.

A module's logic is a file ``X.py`` (module ``fortifleet.auth.X``) exporting ``ARGUMENT_SPEC``, ``MODULE_KWARGS``
(AnsibleModule keywords such as ``mutually_exclusive``) and ``run(ctx) -> dict``, which reads validated
parameters from ``ctx`` and raises FortiFleetError subclasses on failure. ``run_task`` serves the action
plugins (controller side), the fleet's per-device steps and, through ``run_module``, the classic module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import concurrent.futures
import contextlib
import json
import os
import queue
import re
import signal
import threading
import time

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urllib import quote, quote_plus

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import client_from_params
from ansible_collections.fortifleet.auth.plugins.module_utils._task import files

PLAIN_HTTP_WARNING = ("use_ssl is false for %s: the API token travels in clear text over HTTP and anyone on the "
                      "path can read it. Use HTTPS (use_ssl: true) with ca_path.")
INSECURE_WARNING = ("validate_certs is false for %s: the device certificate is not checked, so anyone on the "
                    "path can read the API token. Give ca_path instead.")


def module_name(logic):
    """``fortifleet.auth.X`` runs the logic file ``X.py``."""
    return logic.__name__.rsplit(".", 1)[-1]


class TaskContext(object):
    """Validated parameters, check/diff mode and warnings of one task on one device.

    ``client`` gives a client to share (a fleet run uses one connection per device for every step)."""

    def __init__(self, params, check_mode=False, diff=False, label=None, client=None):
        self.params = params
        self.check_mode = bool(check_mode)
        self.diff = bool(diff)
        self.label = label or params.get("host")
        self.warnings = []
        self._client = client

    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    @property
    def used_client(self):
        """The client this task made or was given, or None when it sent nothing."""
        return self._client

    def client(self):
        """The FortiOS client for this task (one per task; reuses its HTTP connection)."""
        if self._client is None:
            p = self.params
            if not p.get("host"):
                raise err.InputError("host", "no FortiGate address given",
                                     "Set 'host', or run through the action plugin so that ansible_host "
                                     "or the inventory name is used.")
            if not p.get("validate_certs", True) and p.get("use_ssl", True):
                self.warn(INSECURE_WARNING % self.label)
            if not p.get("use_ssl", True) and p.get("access_token"):
                self.warn(PLAIN_HTTP_WARNING % self.label)
            self._client = client_from_params(p, self.label)
        return self._client


def _warning_text(warning):
    """The validator's warnings are dicts: {'warning': text} or, for an option set with its alias, {'option', 'alias'}."""
    if isinstance(warning, dict):
        if warning.get("warning"):
            return str(warning["warning"])
        if "option" in warning and "alias" in warning:
            return "Both option %s and its alias %s are set." % (warning["option"], warning["alias"])
    return str(warning)


# Characters refused in every string a task takes: FortiOS's CLI reads a line break as the end of a command
# (a newline in a value is a second command) and a NUL ends the value early.
_CONTROL = re.compile(u"[\x00-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s")
# Options naming a file the collection writes: a regular file or nothing there yet, never a device node, FIFO,
# directory or a symlink to one (the atomic rename would replace it with a regular file).
WRITTEN_FILE_OPTIONS = ("key_file", "memory_file")
# no_log options whose values are lists of strings to hide, not secrets sent anywhere.
_NOT_SENT_SECRETS = ("redact",)
PORT_RANGE = (1, 65535)


def _strings(value):
    """(suffix, text) of every string in an option's value (a list's elements, a dict's values)."""
    if isinstance(value, str):
        yield "", value
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            for suffix, text in _strings(item):
                yield "[%d]%s" % (index, suffix), text
    elif isinstance(value, dict):
        for key, item in value.items():
            for suffix, text in _strings(item):
                yield "[%s]%s" % (key, suffix), text


def value_problems(spec, params):
    """What the argument spec cannot say, for every module alike: (option, reason) pairs. Reasons never quote a
    secret's value."""
    problems = []
    for name, option in spec.items():
        value = params.get(name)
        if value is None or option.get("type") == "dict" or name in _NOT_SENT_SECRETS:
            continue  # dicts (the fleet's settings) are checked by their own spec; redact lists are never sent
        secret = option.get("no_log") and name not in _NOT_SENT_SECRETS
        for suffix, text in _strings(value):
            field = name + suffix
            if secret and _WHITESPACE.search(text):
                problems.append((field, "contains whitespace or a control character (a stray newline or space "
                                        "from a vault or a copy and paste?); the value is a secret and is not shown"))
            elif _CONTROL.search(text):
                problems.append((field, "contains a line break or another control character (character %d), "
                                        "which no FortiOS value, address or FQDN may hold: FortiOS would read it "
                                        "as the end of a command"
                                 % ord(_CONTROL.search(text).group(0))))
    port = params.get("port") if "port" in spec else None
    if isinstance(port, int) and not PORT_RANGE[0] <= port <= PORT_RANGE[1]:
        problems.append(("port", "%d is not a TCP port (1-65535)" % port))
    for name in ("timeout",):
        if name in spec and isinstance(params.get(name), int) and params[name] <= 0:
            problems.append((name, "must be at least 1 second"))
    if "retries" in spec and isinstance(params.get("retries"), int) and params["retries"] < 0:
        problems.append(("retries", "cannot be negative"))
    host = params.get("host") if "host" in spec else None
    if isinstance(host, str) and _WHITESPACE.search(host):
        problems.append(("host", "contains whitespace"))
    ca_path = params.get("ca_path") if "ca_path" in spec else None
    if ca_path and not _CONTROL.search(ca_path):
        if not os.path.isfile(ca_path):
            problems.append(("ca_path", "%s is not a file (missing, or a directory)" % ca_path))
        elif not os.access(ca_path, os.R_OK):
            problems.append(("ca_path", "%s cannot be read" % ca_path))
    for name in WRITTEN_FILE_OPTIONS:
        path = params.get(name) if name in spec else None
        if path and not _CONTROL.search(path):
            reason = files.not_a_regular_file(path)
            if reason:
                problems.append((name, reason))
    return problems


def problems_text(problems):
    return "; ".join("Invalid value for '%s': %s." % (field, reason) for field, reason in problems)


class Validation(object):
    """The outcome of checking a task's arguments: parameters or an error message, and the no_log values."""

    def __init__(self, logic, args, only=None):
        """``only``: check just these options of the spec (the fleet's run options, the same for every device)."""
        self.module = module_name(logic)
        if only is None:
            validator = ArgumentSpecValidator(logic.ARGUMENT_SPEC, **logic.MODULE_KWARGS)
        else:
            validator = ArgumentSpecValidator(dict((k, v) for k, v in logic.ARGUMENT_SPEC.items() if k in only))
        result = validator.validate(args)
        # Ansible keeps the no_log values on a private attribute; AnsibleModule and community.crypto read it too.
        self.no_log_values = set(result._no_log_values)
        self.params = result.validated_parameters
        self.warnings = [_warning_text(w) for w in result._warnings]
        self.error = None
        messages = list(result.error_messages)
        if not messages:
            spec = logic.ARGUMENT_SPEC if only is None else dict(
                (k, v) for k, v in logic.ARGUMENT_SPEC.items() if k in only)
            problems = value_problems(spec, self.params)
            if problems:
                messages.append(problems_text(problems))
        if messages:
            self.error = "Invalid input for fortifleet.auth.%s: %s" % (self.module, "; ".join(messages))

    def failed_result(self):
        return {"failed": True, "changed": False, "error_kind": "invalid_input", "msg": self.error}


def execute(logic_run, ctx):
    """Run ``logic_run(ctx)`` and turn expected errors into a failed result (never a traceback)."""
    try:
        result = logic_run(ctx) or {}
    except err.FortiFleetError as exc:
        result = exc.to_result()
        result["failed"] = True
        result.setdefault("changed", False)
    result.setdefault("changed", False)
    if ctx.used_client is not None:
        result["requests"] = {"sent": ctx.used_client.requests_sent, "retried": ctx.used_client.retries_done}
    if ctx.warnings:
        result["warnings"] = list(ctx.warnings)
    return result


def run_task(logic, args, check_mode=False, diff=False, label=None, client=None):
    """Validate ``args`` against the logic's argument spec, then run it.

    Returns (result, no_log_values); the caller scrubs the values wherever the result goes."""
    validation = Validation(logic, args)
    if validation.error:
        return validation.failed_result(), validation.no_log_values
    ctx = TaskContext(validation.params, check_mode=check_mode, diff=diff, label=label, client=client)
    for warning in validation.warnings:
        ctx.warn(warning)
    return execute(logic.run, ctx), validation.no_log_values


def escaped_forms(secret):
    """The ways a secret can appear once some layer has escaped it: repr (an exception message quoting a header),
    JSON (a serialised body), URL-quoted (a query string); each differs from the secret when it holds a quote,
    a backslash, whitespace or a control character."""
    text = str(secret)
    forms = set([text, repr(text)[1:-1], json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1],
                 quote(text, safe=""), quote_plus(text, safe="")])
    if len(text.strip()) >= 6:
        forms.add(text.strip())  # a secret with a stray newline, shown without it
    return set(f for f in forms if f)


def scrub(value, no_log_values):
    """``value`` without any of the secrets (tokens, passwords, licence codes, new keys), escaped forms included."""
    secrets = set()
    for secret in no_log_values:
        if secret:
            secrets |= escaped_forms(secret)
    return remove_values(value, secrets)


def run_module(logic):
    """The classic-module entry point: same logic, run on the target by AnsibleModule."""
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=logic.ARGUMENT_SPEC, supports_check_mode=True, **logic.MODULE_KWARGS)
    problems = value_problems(logic.ARGUMENT_SPEC, module.params)
    if problems:
        module.fail_json(msg="Invalid input for fortifleet.auth.%s: %s" % (module_name(logic), problems_text(problems)),
                         error_kind="invalid_input", changed=False)
    ctx = TaskContext(module.params, check_mode=module.check_mode, diff=module._diff)
    result = execute(logic.run, ctx)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


# -- critical sections ---------------------------------------------------------------------------------------------
# Some steps produce something that exists only once: generate-key answers with the new key and the old one stops
# working at once (fortios-api.md §5). If the run dies between that answer and the key file, the key is lost.
# Ansible's worker process dies on the spot on SIGINT/SIGTERM (it restores the default action and signals itself),
# so no ``finally`` would run. Inside ``critical()`` the two signals are held back instead, and delivered, to the
# handler that was there before, when the last critical section of the process ends. Signal handlers can only be
# set from the main thread: ``install_signal_holder()`` is called there (the action plugins, the classic module);
# the fleet's device threads then just count their critical sections.

_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None)


class _State(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.active = 0
        self.pending = []
        self.previous = {}
        self.delivering = False


_STATE = _State()

# Set once the run is being stopped (a signal arrived, or the main thread was interrupted): device threads check
# it between steps (RunStopped), so nothing new starts while a critical section finishes.
STOP = threading.Event()


class RunStopped(Exception):
    """Raised at a step boundary once the run is being stopped (Ctrl-C, SIGTERM, ansible-playbook gone)."""

    def __init__(self):
        super(RunStopped, self).__init__("the run was interrupted (Ctrl-C or SIGTERM) before this step")


def check_not_stopping():
    """Called before each step of a device: raises RunStopped once the run is being stopped."""
    if STOP.is_set():
        raise RunStopped()


def critical_active():
    with _STATE.lock:
        return _STATE.active


def _handler(signum, frame):
    STOP.set()  # whatever happens next, no device starts another step
    with _STATE.lock:
        if _STATE.active and not _STATE.delivering:
            if signum not in _STATE.pending:
                _STATE.pending.append(signum)
            return
        _STATE.delivering = False
    previous = _STATE.previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
    elif previous == signal.SIG_DFL:
        # The default action (end the process), exactly as if we had never been here.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def signal_holder_installed():
    """Whether the holding handler is in place, as the signal module says: another handler set after ours (a library,
    a test) replaces it without telling us, and a critical section must then put it back."""
    return all(signal.getsignal(signum) is _handler for signum in _SIGNALS)


def install_signal_holder():
    """Put the holding handler in front of the current SIGINT/SIGTERM handlers. Main thread only; else a no-op
    (returns False)."""
    if threading.current_thread() is not threading.main_thread():
        return signal_holder_installed()
    for signum in _SIGNALS:
        current = signal.getsignal(signum)
        if current is not _handler:
            _STATE.previous[signum] = current
            signal.signal(signum, _handler)
    return True


def uninstall_signal_holder():
    """Give the signals back to the handlers that were there before (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum, previous in list(_STATE.previous.items()):
        if signal.getsignal(signum) is _handler:
            signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
    _STATE.previous.clear()


def held_signals():
    """Signals held back so far (for the caller's journal: the run is being stopped)."""
    with _STATE.lock:
        return list(_STATE.pending)


@contextlib.contextmanager
def critical():
    """A block during which SIGINT/SIGTERM wait. The held-back signal is delivered when the last block ends."""
    temporary = not signal_holder_installed() and install_signal_holder()
    with _STATE.lock:
        _STATE.active += 1
    try:
        yield
    finally:
        with _STATE.lock:
            _STATE.active -= 1
            deliver = _STATE.pending if not _STATE.active else []
            _STATE.pending = [] if deliver else _STATE.pending
            _STATE.delivering = bool(deliver)
        for signum in deliver:
            os.kill(os.getpid(), signum)  # runs _handler in the main thread, which now passes it on
        if temporary and not deliver:
            uninstall_signal_holder()


# -- the fleet's device pool ---------------------------------------------------------------------------------------
# Ansible's worker process gets SIGINT/SIGTERM from ansible-playbook (Ctrl-C, an AWX job cancelled). A signal is
# handled only by the main thread, and only when it runs Python code: the pool's threads block both signals, so the
# kernel always interrupts the main thread, and the main thread never waits longer than POLL_SECONDS without
# looking. If it is interrupted (KeyboardInterrupt, SystemExit, ansible-playbook gone), no new device or step
# starts, pending devices are cancelled, critical sections finish (the key being stored), and the interruption goes
# on: the worker exits instead of waiting for every device (a ``with ThreadPoolExecutor`` block would wait).

POLL_SECONDS = 0.2
CRITICAL_GRACE_SECONDS = 30.0


def _block_stop_signals():
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)


def wait_for_critical(timeout=CRITICAL_GRACE_SECONDS):
    """Until no critical section runs (True), or ``timeout`` seconds (False)."""
    deadline = time.monotonic() + timeout
    while critical_active():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


class ParentGone(KeyboardInterrupt):
    """ansible-playbook exited (its signal never reached this worker): stop as if interrupted."""


def run_pool(items, work, done, workers):
    """``work(item)`` for every item on ``workers`` threads; ``done(item, future)`` in the calling thread as each
    finishes. An interruption of the calling thread stops the pool (see above) and is raised again."""
    parent = os.getppid()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers), initializer=_block_stop_signals)
    # Each future reports itself on a queue as it finishes: concurrent.futures.wait() walks every pending future at
    # each wake-up, which made a 10,000-device pool quadratic in the fleet size.
    finished = queue.Queue()
    try:
        futures = {}
        for item in items:
            future = pool.submit(work, item)
            futures[future] = item
            future.add_done_callback(finished.put)
        while futures:
            try:
                future = finished.get(timeout=POLL_SECONDS)
            except queue.Empty:
                future = None
            if future is not None:
                done(futures.pop(future), future)
            if futures and os.getppid() != parent:
                raise ParentGone("ansible-playbook exited while this task was running")
    except BaseException:
        STOP.set()
        pool.shutdown(wait=False, cancel_futures=True)
        wait_for_critical()
        raise
    pool.shutdown(wait=True)
