# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The Python argument spec twin of this fragment is module_utils/_argspec.py.
    DOCUMENTATION = r"""
options:
  host:
    description:
      - Address or name of the FortiGate.
      - When the module runs through its action plugin (the default), it defaults to the inventory's
        C(ansible_host), then to the inventory name.
    type: str
  port:
    description:
      - HTTPS (or HTTP) port of the FortiGate administrative interface.
      - Defaults to the inventory variable C(fortigate_port) when that is set.
    type: int
    default: 443
  access_token:
    description:
      - REST API token of an api-user (C(config system api-user)).
      - Sent only as a C(Bearer) token in the C(Authorization) header, never in the URL (FortiOS 7.4.5 and
        later refuse tokens in the URL by default).
      - Defaults to the inventory variable C(fortigate_access_token), then to the environment variable
        E(FORTIOS_ACCESS_TOKEN).
    type: str
  validate_certs:
    description:
      - Verify the FortiGate's TLS certificate. Turning this off prints a warning, because the token can
        then be read by anyone on the path.
      - Defaults to the inventory variable C(fortigate_validate_certs) when that is set.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) that signed the FortiGate's certificate.
      - Defaults to the inventory variable C(fortigate_ca_path) when that is set.
    type: path
  use_ssl:
    description:
      - Use HTTPS. Set to C(false) only for lab devices that serve plain HTTP.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for an answer (the connection itself is given at most 10 seconds).
    type: int
    default: 30
  retries:
    description:
      - How many times an idempotent request is repeated after a connection error, a timeout, a cut-off
        answer or HTTP 502/503/504, with jittered exponential backoff.
      - An HTTP 401 is never retried (three failed key attempts in 60 seconds lock the source out), and
        non-idempotent actions such as activation, licence import or key generation are never repeated.
    type: int
    default: 2
  vdom:
    description:
      - VDOM of the requests. Use C(global) for the global scope. If not set, C(root).
      - On a unit in C(multi-vdom) or C(split-vdom) mode, the per-VDOM objects (FortiTokens and local users, the EMS
        override table C(fctems-override)) are read in every VDOM of the unit; when this option is given alone,
        only in this VDOM. Global objects (C(ftm-push), C(fctems), C(api-user), C(admin), C(global)) are always
        read in the global scope.
      - If not set, the inventory variable C(fortigate_vdom) is used.
    type: str
  vdoms:
    description:
      - On a multi-VDOM unit, the VDOMs whose FortiTokens, local users and EMS overrides are checked and fixed
        (the whole list). If not set, every VDOM of the unit (or only O(vdom) when that is given).
      - A VDOM the token cannot read (HTTP 403) is reported as a warning naming the VDOM.
      - If not set, the inventory variable C(fortigate_vdoms) is used.
    type: list
    elements: str
  journal_dir:
    description:
      - Directory of the journal on the controller, where a transaction that can lose something if it is
        interrupted (a FortiToken re-import, an API key rotation) is recorded before its first write, so the
        next run can finish it or roll it back.
      - Created with mode 0700 on first use; one 0600 JSON file per device and transaction, named after its
        serial number (C(<serial>.fortitoken-reimport.json), C(<serial>.api-key-rotation.json)).
      - The same directory holds the memory of actions done but not confirmed (C(<serial>.unconfirmed-actions),
        hashes only), so they are not sent again while the device shows the same state.
      - It never holds a secret, except the new API key that a key file could not take
        (C(<serial>.api-key.<api-user>), 0600), which the next run verifies and moves to the key file.
      - Keep it on storage that outlives the run (on AWX, a persistent volume), or an interrupted transaction
        cannot be resumed.
      - If not set, the inventory variable C(fortifleet_journal_dir) is used, then the environment variable
        E(FORTIFLEET_JOURNAL_DIR), then C(~/.local/state/fortifleet.auth/journal) (or under E(XDG_STATE_HOME)).
    type: path
notes:
  - The module runs inside the controller process through its action plugin; it then reads the
    connection defaults from the inventory variables named above. Set the variable C(fortifleet_execution)
    (or the environment variable E(FORTIFLEET_EXECUTION)) to C(module) to run it as a classic module instead.
"""

    ATTRIBUTES = r"""
attributes:
  action_group:
    description: Use C(group/fortifleet.auth.fortigate) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - fortifleet.auth.fortigate
"""
