# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The system area: what the FortiGate is (model, serial, FortiOS version, VDOM mode, licence) and what is wrong.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import hashlib
import json
import os
import time

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import NEWEST_KNOWN, parse_device_version, version_warning
from ansible_collections.fortifleet.auth.plugins.module_utils._system import license as _license
from ansible_collections.fortifleet.auth.plugins.module_utils._task.files import atomic_write

fnd.define("SYSTEM_FIRMWARE_NEWER_THAN_KNOWN", "info", "system",
           "FortiOS {version} is newer than the newest release this collection knows ({known}).",
           "Nothing to do now: the newest known rules are used. Upgrade fortifleet.auth when a release "
           "that knows {version} is out, and report anything that behaves differently.")
fnd.define("SYSTEM_VM_LICENSE_INVALID", "critical", "system",
           "The FortiGate-VM licence is not valid ({status}).",
           "Upload a valid VM licence (System > FortiGuard) or register the VM with FortiCare; an unlicensed "
           "VM refuses most API calls with HTTP 401.")
fnd.define("SYSTEM_EVALUATION_LICENSE", "warning", "system",
           "The FortiGate runs on an evaluation licence.",
           "Evaluation licences limit FortiGuard services, and FortiClient EMS is known not to authorize "
           "evaluation-licensed FortiGates. Apply a full licence for production use.")
fnd.define("SYSTEM_FORTICARE_UNREGISTERED", "warning", "system",
           "The FortiGate is not registered with FortiCare ({status}).",
           "Register the unit with FortiCare (System > FortiGuard > FortiCare); FortiToken licences and "
           "EMS Cloud need a registered unit.")


# license/status field names are UNCONFIRMED (fortios-api.md §5); these are the values
# that mean "not valid" / "not registered" across the shapes seen in clients.
_VM_INVALID = ("vm_invalid", "invalid", "expired", "vm_expired", "no_license")
_FORTICARE_OK = ("registered", "licensed", "valid")


def _license_findings(lic):
    found = []
    vm_status = _license.text(lic["vm_status"])
    if vm_status and vm_status in _VM_INVALID:
        found.append(fnd.finding("SYSTEM_VM_LICENSE_INVALID", "license/status reports vm.status={status}",
                                 status=lic["vm_status"]))
    if lic["evaluation"]:
        found.append(fnd.finding("SYSTEM_EVALUATION_LICENSE", "license/status reports an evaluation licence"))
    fc_status = _license.text(lic["forticare_status"])
    if fc_status and fc_status not in _FORTICARE_OK:
        found.append(fnd.finding("SYSTEM_FORTICARE_UNREGISTERED", "license/status reports forticare.status={status}",
                                 status=lic["forticare_status"]))
    return found


def gather(ctx, client, facts):
    """The system facts (hostname, model, serial, version, VDOM mode, licence) and their findings."""
    status = client.get("system/status", api="monitor")
    results = status.results if isinstance(status.results, dict) else {}
    envelope = status.envelope
    version = parse_device_version(envelope.get("version") or client.device.get("version"), client.label)
    try:
        glob = client.get("system/global", scope="global").results
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError as exc:
        # An auxiliary read (hostname fallback, VDOM mode): the version and serial above stand without it.
        facts.setdefault("errors", {})["system"] = err.read_failure(exc)
        glob = None
    glob = glob if isinstance(glob, dict) else {}
    lic = _license.read(client)
    facts["system"] = {
        "hostname": results.get("hostname") or glob.get("hostname"),
        # monitor system/status field names are UNCONFIRMED (fortios-api.md §5); web-ui/state shows these.
        "model": results.get("model"),
        "model_name": results.get("model_name"),
        "model_number": results.get("model_number"),
        "serial": envelope.get("serial"),
        "version": str(version),
        "build": envelope.get("build"),
        "vdom_mode": glob.get("vdom-mode", "no-vdom") if "system" not in facts.get("errors", {}) else None,
        "license": {k: v for k, v in lic.items() if k != "raw"},
    }
    facts["version"] = str(version)
    facts["serial"] = envelope.get("serial")
    found = _license_findings(lic)
    warning = version_warning(version)
    if warning:
        ctx.warn(warning)
        found.append(fnd.finding("SYSTEM_FIRMWARE_NEWER_THAN_KNOWN", "", version=str(version), known=NEWEST_KNOWN))
    return found


# -- actions done on this FortiGate but not confirmed by its re-read ("done, not confirmed") ----------------
# An action (verify-cert, activate) is not idempotent, so it must not be sent again on every run just because
# the device words its state in a way the collection cannot confirm. Each such action is remembered on the
# controller with the evidence it was sent on (device serial, object, the state read before it); a later run
# sends it again only when that evidence changed. Nothing secret is stored: the key is a hash, the entry holds
# the action name, the object name and a time.
def unconfirmed_path():
    """``$XDG_STATE_HOME/fortifleet.auth/unconfirmed-actions.json`` (``~/.local/state`` when unset)."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "fortifleet.auth", "unconfirmed-actions.json")


def unconfirmed_key(serial, action, obj, evidence):
    text = json.dumps([serial, action, obj, evidence], sort_keys=True, default=str)
    return hashlib.sha256(("fortifleet:" + text).encode("utf-8")).hexdigest()[:32]


def _load_unconfirmed(path):
    try:
        with open(path) as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except (IOError, OSError, ValueError):
        return {}


def sent_before(serial, action, obj, evidence, path=None):
    """The entry of the same action sent on the same evidence and not confirmed, or None."""
    return _load_unconfirmed(path or unconfirmed_path()).get(unconfirmed_key(serial, action, obj, evidence))


def remember(serial, action, obj, evidence, path=None):
    """Record an unconfirmed action; a failure to record is returned (the action itself is done)."""
    path = path or unconfirmed_path()
    try:
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        # Devices of one fleet run record from threads: read-modify-write under an exclusive lock.
        with open(path + ".lock", "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            data = _load_unconfirmed(path)
            data[unconfirmed_key(serial, action, obj, evidence)] = {
                "action": action, "object": obj, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            atomic_write(path, json.dumps(data, indent=1, sort_keys=True) + "\n")
    except (IOError, OSError) as exc:
        return str(exc)
    return None
