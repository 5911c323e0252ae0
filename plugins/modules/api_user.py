#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: api_user
short_description: Manage a FortiGate REST API admin (api-user) and rotate its key safely
version_added: 0.1.0
description:
  - Makes sure an api-user (C(config system api-user)) trusts the given networks and has the given admin
    profile, VDOMs and CORS origin. Only the options you give are compared and written.
  - Optionally regenerates the api-user's key. The key is requested exactly once (never retried), written
    atomically with mode 0600 to O(key_file) before anything else, then checked against the device.
author:
  - fortifleet.auth contributors (@fortifleet)
requirements:
  - requests and netaddr (on the controller)
extends_documentation_fragment:
  - fortifleet.auth.connection
  - fortifleet.auth.connection.attributes
options:
  name:
    description: Name of the api-user.
    type: str
    required: true
  trusthost:
    description:
      - Networks the api-user must trust, as C(10.0.0.0/8), C(10.0.0.0 255.0.0.0), a single address or an
        IPv6 prefix.
      - A network that allows every address (C(0.0.0.0/0), C(::/0)) is refused unless O(allow_any_trusthost)
        is true (FortiOS refuses "Allow all" in its GUI too).
    type: list
    elements: str
  trusthost_mode:
    description:
      - V(add) keeps the existing trusted hosts and adds the missing ones.
      - V(exact) makes the list exactly O(trusthost).
      - V(replace) is a deprecated alias of V(exact) (a warning says so); it will be removed in 2.0.0.
    type: str
    choices: [add, exact, replace]
    default: add
  allow_any_trusthost:
    description:
      - Accept trusthost networks that allow every address.
      - The check is on the union of the networks, in V(add) mode together with the trusted hosts the api-user
        already has, so V(0.0.0.0/1) with V(128.0.0.0/1), or V(::/1) with V(8000::/1), count as allow-all too.
    type: bool
    default: false
  accprofile:
    description: Admin profile (C(config system accprofile)) of the api-user. Required to create one.
    type: str
  vdoms:
    description: VDOMs the api-user may use (the whole list; the C(vdom) field of the api-user).
    type: list
    elements: str
  cors_allow_origin:
    description: Value of C(cors-allow-origin). Avoid C(*).
    type: str
  comments:
    description: Comment on the api-user.
    type: str
  regenerate_key:
    description:
      - Generate a new key. The old key stops working at once.
      - The request is never repeated. If its answer is lost, the task fails, says so and explains how to
        recover, because the old key may already be invalid.
      - Always reports C(changed) (rotation is an action, not a state); guard it with C(when).
      - "Before the request: O(key_file) is proven writable (a test file is created and removed beside it), it must
        be a regular file or absent, its name and path must fit the filesystem's limits and the filesystem must
        have free space; then the intent is recorded in the journal (connection option O(journal_dir)). Any
        failure there stops the task before the key changes."
      - "After the request: the key is written before anything else. Ctrl-C or SIGTERM wait until it is written.
        If O(key_file) cannot take it anyway, it goes to C(<journal_dir>/<serial>.api-key.<name>) (mode 0600,
        never printed) and the task fails saying that the device key changed and where the key is."
      - "If the run dies with the request in flight, the journal entry stays open and the next run (diagnose
        included) reports the finding C(API_KEY_ROTATION_INCOMPLETE) with the steps for a human."
      - "The task's own token is not sent to this device again in this run once generate-key was sent (lock-out
        guard: it can only fail from then on)."
    type: bool
    default: false
  key_file:
    description:
      - File to write the new key to (mode 0600, written atomically and fsync'd). Its directory must exist and it
        must be a regular file or absent (never a device node, FIFO, directory or a symlink to one).
      - Required with O(regenerate_key) unless O(return_key) is true.
    type: path
  return_key:
    description:
      - Also return the new key as RV(api_key). The whole task result is then marked no_log, so it is
        censored in output; the registered variable holds the key.
    type: bool
    default: false
  verify_new_key:
    description:
      - After rotation, check once that the device accepts the new key.
      - HTTP 401 fails the task (the key is refused, e.g. trusthost), HTTP 403 fails it naming the admin profile;
        5xx answers and timeouts only warn that the key could not be verified yet. The key is stored in every
        case.
    type: bool
    default: true
  admin_password:
    description:
      - Password of the administrator, sent in the C(X-Admin-Passwd) header that FortiOS 7.6.5 and later ask for
        when api-users change or keys are generated (error -8102 otherwise).
      - Sent only to FortiOS 7.6.5 and later.
      - Defaults to the inventory variable C(fortigate_admin_password).
    type: str
attributes:
  check_mode:
    support: full
    description: Reports exactly what a real run would change; key rotation is reported as a change and not done.
  diff_mode:
    support: full
    description: Shows before and after of the options given; the key never appears.
  platform:
    support: full
    platforms: fortios
    description: FortiGate devices running FortiOS 6.4 to 7.6, through the REST API.
notes:
  - Creating or changing a REST API administrator and generating its key succeed only with the C(super_admin)
    profile itself, even when a custom profile grants read-write on C(sysgrp.admin) (Fortinet's answers in
    fortinet-ansible-dev/ansible-galaxy-fortios-collection issue 370 and fortinetdev/terraform-provider-fortios
    issue 331). The token of the task must therefore belong to an api-user with C(accprofile super_admin), which
    another super_admin sets from the CLI (the GUI does not offer it).
  - On a FortiGate with multiple VDOMs, api-users are global objects; a profile other than C(super_admin) would also
    need C(set scope global) (fortinet-ansible-dev/ansible-galaxy-fortios-collection issue 226).
  - From FortiOS 7.6.5 the change also needs the administrator's password confirmed (I(admin_password), sent as the
    C(X-Admin-Passwd) header; issue 409 there).
  - The profile each module and role needs is listed in C(docs/least-privilege.md) of the collection.
"""

EXAMPLES = r"""
- name: Let the automation subnet reach the API, without dropping existing trusted hosts
  fortifleet.auth.api_user:
    name: automation
    trusthost:
      - 192.0.2.0/24
      - 2001:db8::/64

- name: Pin the profile and VDOMs, and show the change
  fortifleet.auth.api_user:
    name: automation
    accprofile: automation_profile
    vdoms: [root]
  diff: true

- name: Rotate the key and keep it in a 0600 file
  fortifleet.auth.api_user:
    name: automation
    regenerate_key: true
    key_file: "/secure/keys/{{ inventory_hostname }}.key"
    admin_password: "{{ vault_admin_password }}"  # FortiOS 7.6.5+
"""

RETURN = r"""
api_user:
  description: The api-user after the change (the prediction in check mode), without its key.
  returned: success
  type: dict
  sample:
    name: automation
    accprofile: automation_profile
    vdom: [{name: root}]
    trusthost:
      - {id: 1, type: ipv4-trusthost, ipv4-trusthost: "192.0.2.0 255.255.255.0"}
operation:
  description: What was (or would be) done to the api-user (V(create) or V(update)), or null when nothing changed.
  returned: success
  type: str
  sample: update
changed_keys:
  description: FortiOS fields that changed (or would change).
  returned: success
  type: list
  elements: str
  sample: [trusthost]
key_rotated:
  description: Whether a new key was generated.
  returned: success
  type: bool
key_file:
  description: Where the new key was written.
  returned: when the key was rotated
  type: str
key_verified:
  description: Whether the device accepted the new key.
  returned: when the key was rotated
  type: bool
api_key:
  description: The new key, only with O(return_key); the task result is then censored.
  returned: when the key was rotated and return_key is true
  type: str
requests:
  description: HTTP requests this task sent and how many were retries.
  returned: always
  type: dict
error_kind:
  description: On failure, the class of the error.
  returned: failure
  type: str
  sample: ambiguous
hint:
  description: On failure, what to do about it.
  returned: failure
  type: str
"""

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import api_user as logic
from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import run_module


def main():
    run_module(logic)


if __name__ == "__main__":
    main()
