# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The proving read: monitor ``web-ui/state``, else monitor ``system/status``.

Internal API of fortifleet.auth: may change in any release.

web-ui/state answers in one request what system/status answers (the envelope's version, serial and build:
fortios-api.md §6; hostname and model) and, besides, the VDOM mode, the HA mode and whether the unit is centrally
managed (fortios-api.md §5, "Reading fewer times": one 7.0.6 capture). A standalone, unmanaged unit then needs no
read of cmdb system/ha and system/central-management (docs/requests.md). Its access group and the releases that
have it are UNCONFIRMED: anything but a usable 200 (a 404, a 403, another shape) falls back to system/status, as
before. A 401 is the token refused: raised at once, never retried, nothing else sent (fortios-api.md §7).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err

PATH = "web-ui/state"
# Kept on the client by status(): the usable web-ui/state answer, or False when it was not usable.
ATTRIBUTE = "web_ui_state"
_FALL_BACK = (err.NotFoundError, err.PermissionDeniedError, err.DeviceRefusedError, err.ProtocolError)
# The keys that make the answer usable as the proving read (the capture has them, like system/status).
_NEEDED = ("hostname", "model")


def _usable(answer):
    results = answer.results
    return isinstance(results, dict) and all(k in results for k in _NEEDED) and bool(answer.envelope.get("version"))


def status(client):
    """The answer that proves the token and says what the unit is (results: hostname, model...; envelope: version,
    serial, build): web-ui/state when it answers a usable 200, else system/status. Errors of the read that counts
    are raised as they are (a 401 on web-ui/state at once: no second request with a refused token)."""
    known = getattr(client, ATTRIBUTE, None)
    if known:
        return known
    if known is None:
        try:
            answer = client.get(PATH, api="monitor")
        except _FALL_BACK:
            answer = None
        if answer is not None and _usable(answer):
            setattr(client, ATTRIBUTE, answer)
            return answer
        setattr(client, ATTRIBUTE, False)
    return client.get("system/status", api="monitor")


def state(client):
    """The usable web-ui/state results this client holds (status() read them), else None. Never sends a request."""
    known = getattr(client, ATTRIBUTE, None)
    return known.results if known else None


def standalone(client):
    """True only when web-ui/state says outright that the unit is not in an HA cluster: ``ha_mode`` 0 (the capture)
    or "standalone". Anything else, or missing, is None: read cmdb system/ha."""
    ha_mode = (state(client) or {}).get("ha_mode", None)
    if ha_mode is not True and ha_mode is not False and str(ha_mode).strip().lower() in ("0", "standalone"):
        return True
    return None


def unmanaged(client):
    """True only when web-ui/state says ``centrally_managed`` false (a boolean, as in the capture). Missing or
    another value is None: read cmdb system/central-management."""
    return True if (state(client) or {}).get("centrally_managed", None) is False else None
