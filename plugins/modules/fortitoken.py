#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fortitoken
short_description: Manage FortiTokens by serial, activate them, and repair migrated tokens without losing a user binding
version_added: 0.1.0
description:
  - V(present) makes sure the tokens exist (hardware tokens are added by serial; mobile tokens need O(license_code)).
  - V(active) also activates the tokens that are not yet active (C(new)) with one activate call, and provisions
    again the ones whose activation timed out, with one provision call.
  - V(absent) deletes the tokens; it refuses to delete a token still bound to a user or administrator.
  - V(reimported) repairs tokens copied from another unit (a seed in the configuration, but an activation error at
    run time). It records every user/admin binding, then one token at a time unbinds its users and administrators,
    deletes it, re-imports it (the licence code for mobile tokens when given, which brings back just the deleted
    token as KB 198420 says; otherwise by serial as KB 194508 says), re-binds them exactly as before and reads them
    back, so an interruption can touch at most one token's bindings.
    If a step fails, the token is re-added by serial and every binding is restored; the error names the failed
    step, what was restored and what is left to do by hand. Tokens in any other state are left alone. Following
    KB 194508, re-imported tokens are not activated (hardware tokens lock on their first activation); use
    O(send_activation) or a later V(active) run.
  - Before its first write, V(reimported) records the plan in the journal on the controller (O(journal_dir)), with every
    token (serial, configuration without seed or activation code, status), every user/admin binding as read, and
    the step reached, updated before each step. The licence code is never written there. The entry is removed only
    when every binding reads back equal to the recorded one, field by field, and every token is present.
  - If a run is interrupted (Ctrl-C, a killed job, a device that goes away), the entry stays. Every later run that
    reads the device reports it (fortifleet.auth.fortigate_info subset V(fortitoken) gives the critical finding
    C(FORTITOKEN_REIMPORT_INCOMPLETE), naming each user/admin whose binding is missing and each missing token), and
    this module, in any O(state), first finishes it from the journal. Missing tokens are re-added by serial, every
    binding is put back as recorded and verified, then the entry is removed. In check mode it only reports what it
    would restore and plans nothing else. When the device cannot be read, the error lists the CLI lines to type.
  - Unbinding, re-binding and deleting read the object first, write only what differs and read it back to verify.
  - activate, provision and import are sent at most once per task, and never retried.
author:
  - fortifleet.auth contributors (@fortifleet)
requirements:
  - requests (on the controller)
extends_documentation_fragment:
  - fortifleet.auth.connection
  - fortifleet.auth.connection.attributes
options:
  serials:
    description: Token serial numbers (C(FTK) and 7 to 13 upper-case letters or digits, such as C(FTKMOB0123456789)).
    type: list
    elements: str
    required: true
  state:
    description: What to make true for the tokens.
    type: str
    choices: [present, active, absent, reimported]
    default: present
  license_code:
    description:
      - FortiToken Mobile licence code from the redemption certificate (C(XXXX-XXXX-XXXX-XXXX-XXXX)), used to import
        missing mobile tokens and to re-import migrated ones.
    type: str
  send_activation:
    description:
      - After re-import or activation, send the activation code to each bound user or administrator by e-mail or
        SMS, as configured on them.
    type: bool
    default: false
  allow_fortimanager_managed:
    description:
      - Allow V(active) and V(reimported) on a FortiGate managed by FortiManager. By default they refuse, because such
        a unit gets its tokens from FortiManager.
    type: bool
    default: false
  admin_password:
    description:
      - Administrator password for the C(X-Admin-Passwd) header that FortiOS 7.6.5+ asks for when administrators
        change (re-binding an administrator's token). Defaults to the inventory variable C(fortigate_admin_password).
    type: str
attributes:
  check_mode:
    support: full
    description:
      - Reports what would be added, activated, deleted or re-imported, and which bindings would be recorded, without
        writing. For V(reimported) the plan is computed and gives the same C(changed) and the same diff entries as a
        real run.
  diff_mode:
    support: full
    description:
      - One entry per token added or deleted (absent before, present after, or the reverse).
      - For V(reimported), one entry per token with its status and the users and administrators bound to it before
        and after (the bindings removed and restored), then the before and after of every unbind, delete, import and
        re-bind. Seeds, activation codes and the licence code never appear.
      - Activation and provisioning are actions, not field changes; C(activated) and C(provisioned) list them.
  platform:
    support: full
    platforms: fortios
    description: FortiGate devices running FortiOS 6.4 to 7.6, through the REST API.
notes:
  - The token of the task needs read-write on C(authgrp) (and the C(super_admin) profile to re-bind administrators,
    see C(docs/least-privilege.md)).
  - With O(state=reimported), FortiOS builds with bug 1218458 (7.4.10, 7.4.11, 7.6.3 to 7.6.6) never get a hardware
    token deleted or re-imported (it could not be activated again there), and a token whose licence belongs to
    another unit is not re-imported either; the C(fortitoken) subset of M(fortifleet.auth.fortigate_info) reports
    why.
  - On a unit in C(multi-vdom) or C(split-vdom) mode, FortiTokens and local users are per VDOM (KB 194364). The module
    finds each token in the VDOMs it sweeps (every VDOM of the unit, or O(vdoms), or O(vdom) alone) and deletes,
    re-imports, activates and re-binds it in its own VDOM; administrators are global. The journal of V(reimported)
    records the VDOM of every token and user binding, and a resumed run restores each binding in its VDOM. Missing
    tokens (V(present)) are imported into the first VDOM swept. A VDOM the token cannot read is left out with a
    warning that names it.
"""

EXAMPLES = r"""
- name: Activate the tokens that are not active yet
  fortifleet.auth.fortitoken:
    serials: [FTKMOB0123456789, FTKMOB0123456790]
    state: active

- name: Repair tokens migrated from another unit, keeping every user binding
  fortifleet.auth.fortitoken:
    serials: "{{ migrated_serials }}"
    state: reimported
    license_code: "{{ vault_ftm_code }}"
    send_activation: true
"""

RETURN = r"""
tokens:
  description: Each token with its run-time status after the task, and its C(vdom) on a multi-VDOM unit.
  returned: success
  type: list
  elements: dict
  sample: [{serial: FTKMOB0123456789, status: provisioning}, {serial: FTKMOB0123456790, status: new, vdom: cust1}]
added:
  description: Serials that were (or would be) added.
  returned: success
  type: list
  elements: str
activated:
  description: Serials that were (or would be) activated.
  returned: with state active
  type: list
  elements: str
provisioned:
  description: Serials that were (or would be) provisioned again after a timeout.
  returned: with state active
  type: list
  elements: str
reimported:
  description: Serials that were (or would be) re-imported.
  returned: with state reimported
  type: list
  elements: str
bindings:
  description: The user and administrator bindings recorded before the re-import, restored afterwards (a user's
    C(vdom) on a multi-VDOM unit; administrators are global).
  returned: with state reimported
  type: list
  elements: dict
  sample: [{kind: user, name: alice, token: FTKMOB0123456789}, {kind: user, name: alice, token: FTKMOB0123456790,
            vdom: cust1}]
activation_sent:
  description: Activations sent, with the method used.
  returned: when send_activation is true
  type: list
  elements: dict
deleted:
  description: Serials that were (or would be) deleted.
  returned: with state absent
  type: list
  elements: str
failed_step:
  description:
    - On a failed re-import, the step that failed (C(unbind), C(delete), C(re-import), C(re-bind), or C(re-read), the
      final check that every token and binding is back as recorded).
  returned: failure
  type: str
resumed:
  description:
    - When an interrupted re-import of this device was open in the journal, what was restored from it first
      (C(done)) and the journal file (C(journal)); in check mode what would be done, with the finding.
  returned: when an interrupted re-import was found
  type: dict
rollback:
  description:
    - On a failed re-import, what was restored (C(done)) and what must be done by hand (C(left), with the CLI to
      type). Nothing is written again for a binding whose token could not be put back.
  returned: failure
  type: dict
  sample: {done: ["token FTKMOB0123456789 re-added by serial", "user alice bound to FTKMOB0123456789 again"], left: []}
findings:
  description: On failure, the findings the error means (for example a FortiCare licence error).
  returned: failure
  type: list
  elements: dict
requests:
  description: HTTP requests this task sent and how many were retries.
  returned: always
  type: dict
"""

from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_module


def main():
    run_module(logic)


if __name__ == "__main__":
    main()
