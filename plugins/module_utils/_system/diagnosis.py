# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The system area: what the FortiGate is (model, serial, FortiOS version, VDOM mode, licence, topology) and what is
wrong.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import web_ui
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import NEWEST_KNOWN, parse_device_version, version_warning
from ansible_collections.fortifleet.auth.plugins.module_utils._system import license as _license
from ansible_collections.fortifleet.auth.plugins.module_utils._system import topology as _topology

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
    status = web_ui.status(client)  # the probe's answer when it ran: web-ui/state, else system/status
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
        # system/status field names are UNCONFIRMED; web-ui/state shows these (fortios-api.md §5).
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
    # HA, FortiManager and VDOMs: the fleet groups clusters and guards writes with it (_system/topology.py).
    facts["topology"], found, warnings = _topology.read(client, facts["serial"], facts["system"]["vdom_mode"])
    for warning in warnings:
        ctx.warn("%s: %s" % (ctx.label, warning))
    found.extend(_license_findings(lic))
    warning = version_warning(version)
    if warning:
        ctx.warn(warning)
        found.append(fnd.finding("SYSTEM_FIRMWARE_NEWER_THAN_KNOWN", "", version=str(version), known=NEWEST_KNOWN))
    return found
