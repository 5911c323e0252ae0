# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What FortiOS defects and FortiCare licence rules forbid the FortiToken re-import to do, decided before it runs.

Internal API of fortifleet.auth: may change in any release.

Two facts turn the re-import of migrated tokens (delete, then add again) from a repair into a loss:

* Bug 1218458 (troubleshooting.md G1): on the releases in ``versions.DEFECTS`` a hardware token cannot be
  activated or added again ("cmdb save error"). A hardware token deleted there stays lost until the
  firmware is fixed, so on those releases hardware tokens are never deleted nor re-imported; mobile tokens
  are not concerned.
* Licences belong to one unit (troubleshooting.md G4, KB 205363): a mobile token whose licence FortiCare
  registers to another serial ("token does not belong to product", FortiCare 31) comes back from a re-import
  no better than before; a trial token (FTMTRIAL licence) belongs to the unit whose trial it is. Only a
  human at FortiCare (or a new licence) can fix these, so they are not re-imported either.

``filter_plan`` takes those tokens out of a re-import plan (the one hook in ``reimport.make_plan``);
``review`` adds the findings that say why and what a human does (the one hook in ``diagnosis.diagnose``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import versions
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk

DEFECT = "1218458"
# troubleshooting.md G4: FortiCare's words when a token's licence is registered to another serial
# (error 31, KB 308115) and its summary error 17 (KB 424201); the monitor status may carry either.
NOT_THIS_UNIT = ("does not belong to product", "no valid token found")

fnd.define("FORTITOKEN_HARDWARE_ACTIVATION_DEFECT", "critical", "fortitoken",
           "Hardware FortiToken {serial} cannot be activated or added again on FortiOS {version} (bug 1218458: "
           "'cmdb save error'); the collection does not delete or re-import it.",
           "Leave the token in place and upgrade to FortiOS {fixed}, where bug 1218458 is fixed; the next remediate "
           "run then re-imports it. Until then, for FTK-200CD tokens only, ask Fortinet Customer Service for the "
           "token seed file and import it (GUI User & Authentication > FortiTokens > Create New > Hard Token > "
           "Import, or CLI: execute fortitoken import ftp|tftp <file> ...) (KB 428366, community post 222475). "
           "Other hardware models have no seed file: they wait for the fixed release.")
fnd.define("FORTITOKEN_LICENSE_TRANSFER_REQUIRED", "critical", "fortitoken",
           "The FortiToken Mobile licence {license} is registered to another unit ({serial}): a re-import cannot "
           "bring its tokens back, so none is re-imported.",
           "A human must move the licence in FortiCare: open a Customer Service ticket (not TAC) at "
           "support.fortinet.com to transfer licence {license} to this FortiGate's serial (the primary's in an HA "
           "cluster). Licences shipped before 2025-08-04 can be transferred; those shipped on or after 2025-08-04 "
           "only to an RMA replacement unit: otherwise buy a new FortiToken Mobile licence or migrate the tokens to "
           "FortiIdentity Cloud (KB 205363). A trial licence (FTMTRIAL) never moves: delete the trial tokens and "
           "import this unit's own trial tokens (KB 190171). Then run remediate again.")


def transfer_finding(detail):
    """The licence-transfer finding for an import that FortiCare refused with error 31 (fortitoken_license)."""
    return fnd.finding("FORTITOKEN_LICENSE_TRANSFER_REQUIRED", detail, serial="FortiCare error 31",
                       license="of this activation code")


def hardware_defects(version):
    """The defect ids that forbid deleting or re-importing hardware tokens on ``version``."""
    return versions.defects_affecting(version, "hardware")


def licence_elsewhere(status, row):
    """Whether a token's licence is known to belong to another unit: FortiCare's words in its status, or a
    trial licence (which belongs to the unit whose trial it is) on a token restored from a configuration."""
    low = str(status or "").lower()
    if any(words in low for words in NOT_THIS_UNIT):
        return True
    return ftk.token_type("", (row or {}).get("license")) == "trial"


def held_back(version, plan):
    """{serial: reason} of the plan's tokens the re-import must leave alone; reason "defect" or "licence"."""
    defects = hardware_defects(version)
    out = {}
    for serial in plan.serials:
        row = plan.rows.get(serial) or {}
        kind = ftk.token_type(serial, row.get("license"))
        if kind == "hardware" and defects:
            out[serial] = "defect"
        elif kind != "hardware" and licence_elsewhere(plan.statuses.get(serial), row):
            out[serial] = "licence"
    return out


def filter_plan(client, plan):
    """The plan without the tokens ``held_back`` (and their bindings); None when nothing is left to re-import."""
    if plan is None:
        return None
    keep = held_back(versions.device_version(client), plan)
    if not keep:
        return plan
    serials = [s for s in plan.serials if s not in keep]
    if not serials:
        return None
    bindings = [b for b in plan.bindings if b["fields"].get("fortitoken") in serials]
    return type(plan)(serials, dict((s, plan.rows[s]) for s in serials), plan.statuses, bindings, plan.code,
                      dict((s, plan.vdom_of(s)) for s in serials))


def _finding_for(version, token):
    serial = token["serial"]
    if token["type"] == "hardware" and token["state"] in ("migrated", "new") and hardware_defects(version):
        return fnd.finding("FORTITOKEN_HARDWARE_ACTIVATION_DEFECT", "status %s" % (token["status"] or "(none)"),
                           serial=serial, version=str(version), fixed=versions.fixed_releases(DEFECT))
    if token["type"] != "hardware" and token["state"] == "migrated" and licence_elsewhere(
            token["status"], {"license": token.get("license")}):
        return fnd.finding("FORTITOKEN_LICENSE_TRANSFER_REQUIRED", "status %s" % token["status"], serial=serial,
                           license=token.get("license") or "(none in the configuration)")
    return None


def review(client, tokens, found):
    """``found`` plus a finding for each token a known defect or licence rule concerns; the automatic fix of
    their other findings is withdrawn (the fleet re-imports only what a finding marks auto_fix)."""
    version = versions.device_version(client)
    extra = dict((t["serial"], f) for t in tokens for f in [_finding_for(version, t)] if f)
    if not extra:
        return found
    out = []
    for finding in found:
        concerned = extra.get(finding.get("object"))
        if concerned and finding["id"] in ("FORTITOKEN_MIGRATED", "FORTITOKEN_NOT_ACTIVATED"):
            finding = dict(finding, auto_fix=False, remediation="See %s." % concerned["id"])
        out.append(finding)
    return out + [extra[t["serial"]] for t in tokens if t["serial"] in extra]
