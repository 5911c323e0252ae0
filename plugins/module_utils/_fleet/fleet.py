# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Logic of fortifleet.auth.fleet: preflight, then diagnose or remediate each area, per device.

Internal API of fortifleet.auth: may change in any release.

The roles run this code for their host; the fleet action (plugins/action/fleet.py) runs ``prepare`` and
``device.run_device`` for a whole play batch in a thread pool, because Ansible spends about 14 ms of controller
time per host and task (measured: benchmarks/README.md), which a 500-device fleet cannot afford for 40 tasks.
Check mode is diagnose: every would-be change is reported as drift.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import sys
import tempfile
import threading
import time

from ansible_collections.fortifleet.auth.plugins.module_utils._config import areas
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import device as dev
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.settings import SECRET_SETTINGS, device_settings
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import topology as fleet_topology
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.summary import progress_line, summary
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._info.fortigate_info import SUBSET_ORDER
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import INVENTORY_VARS, with_connection
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import Validation, run_pool, scrub

DEFAULT_AREAS = ["ftm_push", "fortitoken", "ems_connector"]
# The fleet pool's size when neither ``workers`` nor the variable ``fortifleet_workers`` says otherwise. A device's
# run is I/O bound: behind a WAN link most of its time is spent waiting for answers (100 ms per round trip is
# common), so the pool, not the controller's CPU, decides the speed; the pool never outgrows the batch. With the
# client's per-device read fan-out (at most FAN_OUT = 5 requests in flight per device) a run opens at most workers x 5
# connections. Measured: README "Large fleets", benchmarks/README.md.
DEFAULT_WORKERS = 64
WORKERS_VARIABLE = "fortifleet_workers"
# Where a run's spooled records go: one JSON line per device, written as each device finishes (spool_records).
SPOOL_PREFIX = "fortifleet-records-"
SPOOL_FILE = "records.jsonl"

ARGUMENT_SPEC = with_connection(dict(
    areas=dict(type="list", elements="str", default=list(DEFAULT_AREAS), choices=list(areas.ROLES)),
    preflight=dict(type="bool", default=True),
    preflight_subsets=dict(type="list", elements="str", default=list(dev.PREFLIGHT_SUBSETS),
                           choices=list(SUBSET_ORDER)),
    usable_states=dict(type="list", elements="str", default=list(dev.USABLE_STATES)),
    settings=dict(type="dict", default={}),
    workers=dict(type="int"),
    return_records=dict(type="bool", default=True),
    spool_records=dict(type="bool", default=False),
    api_user=dict(type="str"),
    admin_password=dict(type="str", no_log=True),
    diagnostic_access_token=dict(type="str", no_log=True),
    controller_address=dict(type="str"),
))
MODULE_KWARGS = {}
# Task options that say how the run goes, not how to reach one device.
RUN_OPTIONS = ("areas", "preflight", "preflight_subsets", "usable_states", "settings", "workers", "return_records",
               "spool_records")


def pool_size(workers, devices):
    """Threads for a batch of ``devices``: ``workers`` (the option, else fortifleet_workers) or DEFAULT_WORKERS,
    never more than the devices, at least one."""
    return max(1, min(int(workers or DEFAULT_WORKERS), devices or 1))


def secret_variables():
    """Inventory variables that hold secrets: those of the no_log options (connection and settings)."""
    names = [var for option, var in sorted(INVENTORY_VARS.items()) if ARGUMENT_SPEC.get(option, {}).get("no_log")]
    return names + [name for name in SECRET_SETTINGS if name not in names]


def secret_values(get, names):
    """The values of the variables ``names`` (``get(name)`` -> value or None), each element of a list on its own."""
    values = set()
    for name in names:
        value = get(name)
        values.update(str(v) for v in (value if isinstance(value, list) else [value]) if v not in (None, ""))
    return values


_CONTROL = re.compile(u"[\x00-\x1f\x7f]")


def safe_text(exc):
    """An exception's text on one line, for a device's record."""
    return _CONTROL.sub(" ", "%s: %s" % (type(exc).__name__, exc)).strip()


def refused_record(name, address, message):
    """The record of a device refused before any request."""
    record = dev.new_record(address, preflight={"access": "error"})
    record["errors"].append(message)
    return record


def crashed_record(device, exc):
    """A device whose run raised what it should not have: what it recorded so far, its writes, and the error."""
    device.error(device.area, "internal error, please report it: %s" % safe_text(exc))
    try:
        record = device.finish()
    except Exception:  # pylint: disable=broad-except
        record = device.record
    record.setdefault("check_mode", device.check_mode)
    return record


def _name_variables(message, name):
    """Each option named in a validation message, with the inventory variable it comes from and the device."""
    for option, var in INVENTORY_VARS.items():
        message = message.replace("'%s'" % option, "'%s' (inventory variable %s of %s)" % (option, var, name))
    return message.replace("'host'", "'host' (ansible_host of %s)" % name)


class SerialClaims(object):
    """Which inventory entry acts on which device (by the serial the preflight learnt), for one fleet run: two
    entries that reach the same FortiGate must not both rotate its key or re-import its tokens."""

    def __init__(self):
        self._lock = threading.Lock()
        self._owner = {}

    def claim(self, serial, name):
        """The entry that owns ``serial``: ``name`` if it is the first to claim it."""
        if not serial:
            return name
        with self._lock:
            return self._owner.setdefault(serial, name)


def prepare(name, connection, roles, raw_settings, check_mode=False, diff=False):
    try:
        return _prepare(name, connection, roles, raw_settings, check_mode, diff)
    except Exception as exc:  # pylint: disable=broad-except
        secrets = secret_values(raw_settings.get, SECRET_SETTINGS) | secret_values(connection.get, [
            k for k, v in ARGUMENT_SPEC.items() if v.get("no_log")])
        return None, refused_record(name, connection.get("host"), "input: %s cannot be prepared: %s"
                                    % (name, safe_text(exc))), secrets


def _prepare(name, connection, roles, raw_settings, check_mode=False, diff=False):
    """A ready Device for ``name``, or its record when its input is refused before any request.

    Returns (device or None, record, no_log values). ``connection`` holds the device's connection options,
    ``raw_settings`` its role variables as the inventory gives them."""
    validation = Validation(sys.modules[__name__], dict(connection, areas=roles))
    secrets = validation.no_log_values | secret_values(raw_settings.get, SECRET_SETTINGS)
    record = ran_with(dev.new_record(connection.get("host"), preflight={"access": "error"}), check_mode, roles)
    if validation.error:
        record["errors"].append("input: %s" % _name_variables(validation.error, name))
        return None, record, secrets
    params = validation.params
    if not params.get("host"):
        record["errors"].append("input: the inventory gives %s an empty ansible_host" % name)
        return None, record, secrets
    try:
        settings = device_settings(raw_settings, params["areas"], params.get("api_user"))
    except err.FortiFleetError as exc:
        record["errors"].append("input: %s (a variable of %s)" % (exc, name))
        return None, record, secrets
    return dev.Device(name, params, settings, check_mode, diff), record, secrets


def run_prepared(device, params, claims=None):
    """One device's whole run with the run options of ``params``; ``claims`` shared by the devices of a run."""
    record = dev.run_device(device, params["areas"], params["preflight"], params["usable_states"],
                            params["preflight_subsets"], claims=claims)
    return ran_with(record, device.check_mode, params["areas"])


def run_batch(devices, params, finished, workers, fleet=True, pool=run_pool):
    """Every device of a play batch in two phases on a pool of ``workers`` threads: every preflight, then the
    areas, so that an HA secondary knows whether its primary's entry acts on the cluster (_fleet/topology.py).
    ``finished(device, record)`` is called in the calling thread as each device ends; a device's crash becomes its
    record. ``fleet`` false (a role's task for one host) plans nothing: such a secondary is held by its topology."""
    claims = SerialClaims()
    go_on = []

    def done(phase):
        def callback(device, future):
            try:
                outcome = future.result()
            except Exception as exc:  # pylint: disable=broad-except
                # Never the whole task for one device: its record so far (writes included) plus the error.
                finished(device, crashed_record(device, exc))
                release(device)
                return
            if phase == "preflight" and outcome is True:
                go_on.append(device)
            else:
                finished(device, ran_with(device.record, device.check_mode, params["areas"]))
                release(device)
        return callback

    def preflight(device):
        outcome = dev.run_preflight_phase(device, params["areas"], params["preflight"], params["usable_states"],
                                          params["preflight_subsets"])
        close_connections(device)  # in the worker: closing TLS sockets in the calling thread held up every callback
        return outcome

    pool(devices, preflight, done("preflight"), workers)
    passed = set(id(d) for d in go_on)  # a set: a list's membership test made this quadratic in the fleet size
    ready = [d for d in devices if id(d) in passed]  # inventory order, whatever order the preflights ended in
    plan = fleet_topology.plan(dict((d.name, d.record) for d in ready), [d.name for d in ready]) if fleet else {}

    def run_areas(device):
        try:
            return dev.run_areas_phase(device, params["areas"], claims, plan.get(device.name))
        finally:
            close_connections(device)

    pool(ready, run_areas, done("areas"), workers)


def close_connections(device):
    """Close a device's open connections (its session stays usable and reconnects when the areas need it): between
    the two phases every device that passed its preflight waits, and 10,000 idle TLS connections held open ran the
    controller and the emulator out of file descriptors (measured, benchmarks/README.md). A healthy device's areas
    mostly answer from the reads its preflight fetched (docs/requests.md), so this rarely costs a new handshake."""
    client = device._base.used_client  # pylint: disable=protected-access
    session = getattr(client, "session", None)
    if session is not None:
        session.close()


def release(device):
    """What a finished device no longer needs: its HTTP connection (a 10,000-device run otherwise holds 10,000 TLS
    connections and their buffers until the last device ends) and its record (``finished`` kept what the run
    returns)."""
    close_connections(device)
    device.record = None


def ran_with(record, check_mode, roles):
    """The record says how it ran: in check mode or not (the report's mode follows it) and which areas it was asked
    for (the report's per-area outcome: an area not asked for is skipped)."""
    record["check_mode"] = bool(check_mode)
    record["areas"] = list(roles)
    return record


class Collector(object):
    """What a run keeps of its finished devices: the records (``keep``), or only what the task's result and the count
    need, each record going to the spool file (``spool``, JSON lines) as it finishes. A 10,000-device run then holds
    no record twice: the report reads the spool (fleet_report's ``spool``)."""

    def __init__(self, keep=True, spool=None):
        self.keep = keep
        self.records = {}
        self.diffs, self.warnings, self.changed = [], [], False
        self._warned = set()  # a set: a list's membership test made the warnings quadratic in the fleet size
        self.spool = spool
        self._spool = open_spool(spool) if spool else None

    def __len__(self):
        return len(self.records)

    def add(self, name, record):
        """Record ``name``'s finished (scrubbed) record."""
        self.diffs.extend(record.pop("diff", []))
        for warning in record.get("warnings", []):
            if warning not in self._warned:
                self._warned.add(warning)
                self.warnings.append(warning)
        self.changed = self.changed or bool(record["changes"])
        if self._spool is not None:
            self._spool.write(json.dumps({"name": name, "record": record}, sort_keys=True, default=str) + "\n")
        self.records[name] = record if self.keep else light_record(record)

    def close(self):
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def light_record(record):
    """What the fleet's count (summary) and progress need of a record."""
    return {"preflight": {"access": (record.get("preflight") or {}).get("access")}, "errors": list(record["errors"]),
            "changes": [dict(area=c.get("area")) for c in record["changes"]]}


def new_spool(parent=None):
    """A new spool file path in a directory of its own (0700) in ``parent`` (the action plugin gives Ansible's
    temporary directory of this run, which ansible-playbook removes when it exits, Ctrl-C included), else in the
    controller's temporary directory."""
    return os.path.join(tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=parent), SPOOL_FILE)


def open_spool(path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w")


def read_spool(path, names=None):
    """The records of a spool file (name -> record), only those of ``names`` when given."""
    wanted = set(names) if names is not None else None
    records = {}
    with open(path) as handle:
        for line in handle:
            entry = json.loads(line)
            if wanted is None or entry["name"] in wanted:
                records[entry["name"]] = entry["record"]
    return records


def remove_spool(path):
    """Remove a spool file and its directory when the fleet task made them (a name of SPOOL_PREFIX)."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.basename(directory).startswith(SPOOL_PREFIX) or os.path.basename(path) != SPOOL_FILE:
        return
    for remove, target in ((os.unlink, path), (os.rmdir, directory)):
        try:
            remove(target)
        except OSError:
            pass


def task_result(records, names, fleet, options, seconds):
    """The task's result: every record of the batch (``records``: a dict or a Collector) with the fleet's count, or
    one device's ``record`` with its progress line; the diffs and warnings of all devices."""
    collected = records
    if not isinstance(records, Collector):
        collected = Collector()
        for name in names:
            collected.add(name, records[name])
    out = {"changed": collected.changed, "seconds": round(seconds, 3), "devices": len(names)}
    if fleet:
        # Registered, not a fact: Ansible deep-copies facts for every hostvars access, which made the report
        # play quadratic in the fleet size (measured: minutes at 500 devices).
        if collected.keep:
            out["records"] = collected.records
        if collected.spool:
            out["spool"] = collected.spool
        out["summary"] = summary(collected.records, options["usable_states"], preflight_only=not options["areas"])
    else:
        out["record"] = collected.records[names[0]]
        out["line"] = progress_line(names[0], collected.records[names[0]])
    if collected.diffs:
        out["diff"] = collected.diffs
    if collected.warnings:
        out["warnings"] = collected.warnings
    return out


def run(ctx):
    """The classic module: one device (the one the connection options name)."""
    started = time.time()
    params = ctx.params
    connection = dict((k, v) for k, v in params.items() if k not in RUN_OPTIONS)
    name = ctx.label or params.get("host")
    device, record, secrets = prepare(name, connection, params["areas"], params["settings"], ctx.check_mode, ctx.diff)
    if device is not None:
        try:
            record = run_prepared(device, params)
        except Exception as exc:  # pylint: disable=broad-except
            record = crashed_record(device, exc)
        secrets |= device.no_log_values
    out = task_result({name: scrub(record, secrets)}, [name], False, params, time.time() - started)
    for warning in out.pop("warnings", []):
        ctx.warn(warning)
    if device is None:
        out.update(failed=True, msg="; ".join(record["errors"]))
    return out
