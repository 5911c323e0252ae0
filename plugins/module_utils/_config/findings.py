# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The findings model shared by every diagnosis, and the catalogue of finding ids.

Internal API of fortifleet.auth: may change in any release.

A finding is a plain dict (it travels through Ansible results and reports):
``id`` (stable UPPER_SNAKE name), ``severity`` (critical/warning/info),
``area`` (api_access/ftm_push/fortitoken/ems/system), ``summary``, ``detail``,
``remediation`` (what the collection does, or what a human must do and where)
and ``auto_fix`` (whether remediation can fix it without a human).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.fortifleet.auth.plugins.module_utils._config.areas import IDS as AREAS

SEVERITIES = ("critical", "warning", "info")
_ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")

# id -> definition. Every id the code can emit is defined here, so the docs
# catalogue can be checked against it.
CATALOGUE = {}


def define(finding_id, severity, area, summary, remediation, auto_fix=False):
    """Register a finding id with its fixed properties."""
    if not _ID_RE.match(finding_id):
        raise ValueError("finding id %r is not UPPER_SNAKE" % finding_id)
    if severity not in SEVERITIES or area not in AREAS:
        raise ValueError("finding %s: bad severity %r or area %r" % (finding_id, severity, area))
    if finding_id in CATALOGUE:
        raise ValueError("finding %s defined twice" % finding_id)
    CATALOGUE[finding_id] = {
        "severity": severity, "area": area, "summary": summary, "remediation": remediation,
        "auto_fix": bool(auto_fix),
    }


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(text, values):
    """``text`` with each ``{name}`` of ``values`` replaced by its value; anything else, device data included
    (a certificate named ``Cert{0}``), is left as it is. Never str.format on text that may hold device strings."""
    if not values:
        return text
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def finding(finding_id, detail="", **values):
    """Build a finding from its definition; ``values`` fill {placeholders} in the texts."""
    spec = CATALOGUE[finding_id]
    out = {
        "id": finding_id,
        "severity": spec["severity"],
        "area": spec["area"],
        "summary": fill(spec["summary"], values),
        "detail": fill(detail, values),
        "remediation": fill(spec["remediation"], values),
        "auto_fix": spec["auto_fix"],
    }
    # The object the finding concerns (a token serial, an EMS entry, an interface): reports group by it.
    concerned = next((values[k] for k in OBJECT_VALUES if values.get(k) not in (None, "")), None)
    if concerned is not None:
        out["object"] = str(concerned)
    return out


# An EMS finding names both the connector (name) and this FortiGate (serial): the connector is what it concerns.
OBJECT_VALUES = ("name", "serial", "interface", "api_user", "user")


def worst(findings):
    """The highest severity among findings, or None."""
    for severity in SEVERITIES:
        if any(f["severity"] == severity for f in findings):
            return severity
    return None


# Findings of the collection's own transactions (the journal, _task/journal.py), whatever the diagnosis.
define("API_KEY_ROTATION_INCOMPLETE", "critical", "api_access",
       "A key rotation of api-user '{user}' did not complete: the device's key may have changed",
       "Find the working key: try {places} (0600 files on the controller). If none works, regenerate the key of "
       "'{user}' with another administrator (GUI System > Administrators, or CLI: execute api-user generate-key "
       "{user}) and store it where automation reads it. Then remove the journal entry {journal}. A run that "
       "rotates the key again (api_access_rotate_key) also completes it.")
