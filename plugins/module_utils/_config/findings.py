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


def finding(finding_id, detail="", **values):
    """Build a finding from its definition; ``values`` fill {placeholders} in the texts."""
    spec = CATALOGUE[finding_id]
    return {
        "id": finding_id,
        "severity": spec["severity"],
        "area": spec["area"],
        "summary": spec["summary"].format(**values),
        "detail": detail.format(**values) if values else detail,
        "remediation": spec["remediation"].format(**values),
        "auto_fix": spec["auto_fix"],
    }


def worst(findings):
    """The highest severity among findings, or None."""
    for severity in SEVERITIES:
        if any(f["severity"] == severity for f in findings):
            return severity
    return None
