#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: fortitoken_license
short_description: Import a FortiToken Mobile licence code, or the free trial tokens, once
version_added: 0.1.0
description:
  - Imports the tokens of a FortiToken Mobile licence code (C(execute fortitoken-mobile import)), or the two free
    trial tokens every FortiGate has.
  - Idempotent. FortiOS cannot say which tokens a code holds without importing it, so the module remembers on the
    controller, in O(memory_file), the tokens each import brought, keyed by a salted hash of the device serial and
    the code (never the code itself). A code whose tokens are present is not imported again; give O(serials) to
    decide without that memory.
  - FortiCare refusals become findings (C(FORTICARE_LICENSE_EXPIRED) for error 14, C(FORTICARE_CARD_NOT_FOUND) for
    10, C(FORTITOKEN_LICENSE_TRANSFER_REQUIRED) for 31, C(FORTICARE_ACTIVATION_CODE_INVALID) for 40), matched by
    number and by text. Errors 14 and 10 cannot change, so such a code is not sent again unless O(retry_refused) is
    true.
  - Error 31 means the licence is registered to another unit. FortiToken Mobile licences shipped from 2025-08-04 move
    only to an RMA replacement (Fortinet KB 205363), so the finding gives the FortiCare steps a human takes.
author:
  - fortifleet.auth contributors (@fortifleet)
requirements:
  - requests (on the controller)
extends_documentation_fragment:
  - fortifleet.auth.connection
  - fortifleet.auth.connection.attributes
options:
  license_code:
    description: The licence code from the redemption certificate (C(XXXX-XXXX-XXXX-XXXX-XXXX)). Never printed.
    type: str
  trial:
    description: Import the free trial tokens instead (skipped when trial tokens are present).
    type: bool
    default: false
  serials:
    description: The token serials the code holds, if known; the import is skipped when all are present.
    type: list
    elements: str
  memory_file:
    description: Controller-side file (mode 0600) with what earlier imports brought and which codes FortiCare refused.
    type: path
    default: ~/.cache/fortifleet/fortitoken-licences.json
  retry_refused:
    description: Send a code again although FortiCare refused it permanently before (errors 14 and 10).
    type: bool
    default: false
  allow_fortimanager_managed:
    description: Import on a FortiGate managed by FortiManager (refused by default; FortiManager provides the tokens).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Predicts an import when the tokens are not known to be present; nothing is sent.
  diff_mode:
    support: none
    description: An import is an action, not a field change.
  platform:
    support: full
    platforms: fortios
    description: FortiGate devices running FortiOS 6.4 to 7.6, through the REST API.
"""

EXAMPLES = r"""
- name: Import the mobile tokens of a licence
  fortifleet.auth.fortitoken_license:
    license_code: "{{ vault_ftm_license_code }}"
  register: licence

- name: Import the two free trial tokens
  fortifleet.auth.fortitoken_license:
    trial: true
"""

RETURN = r"""
imported:
  description: Serials the import added.
  returned: success
  type: list
  elements: str
  sample: [FTKMOB0123456789, FTKMOB0123456790]
tokens:
  description: Serials of this licence (or of the trial) known on the device.
  returned: success
  type: list
  elements: str
forticare_error:
  description: The FortiCare error code of a refused licence.
  returned: when FortiCare refused the code
  type: int
  sample: 14
findings:
  description: Findings for a refused licence.
  returned: when FortiCare refused the code
  type: list
  elements: dict
requests:
  description: HTTP requests this task sent and how many were retries.
  returned: always
  type: dict
"""

from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken_license as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_module


def main():
    run_module(logic)


if __name__ == "__main__":
    main()
