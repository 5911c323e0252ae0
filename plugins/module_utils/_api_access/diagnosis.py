# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The api_access probe: one classification of a device's REST API access.

Internal API of fortifleet.auth: may change in any release.

The probe sends the token once. A 401 is never followed by another attempt
with that token (fortios-api.md §7: 3 failed key attempts in 60 s lock the source out),
and nothing else is read from a device whose access is not ``ok``.

FortiOS answers a wrong token and an untrusted source with the same HTML 401
(fortios-api.md §7), so a trusthost mismatch can only be told apart with a second,
working credential (``diagnostic_access_token``) that can read the api-user's
trusthost list.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import web_ui
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import client_from_params
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.networks import address_in_entries
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import behaviour, parse_device_version

STATUSES = ("ok", "token_rejected", "trusthost_mismatch", "url_token_disabled", "forbidden", "locked_out",
            "tls_untrusted", "unreachable", "timeout")

# Error kind of the first request -> access status.
_KIND_STATUS = {
    "token_rejected": "token_rejected",
    "forbidden": "forbidden",
    "locked_out": "locked_out",
    "tls_untrusted": "tls_untrusted",
    "unreachable": "unreachable",
    "timeout": "timeout",
}

STATUS_FINDING = {
    "token_rejected": "API_TOKEN_REJECTED",
    "trusthost_mismatch": "API_TRUSTHOST_MISMATCH",
    "url_token_disabled": "API_URL_TOKEN_DISABLED",
    "forbidden": "API_PERMISSION_DENIED",
    "locked_out": "API_LOCKED_OUT",
    "tls_untrusted": "API_TLS_UNTRUSTED",
    "unreachable": "API_UNREACHABLE",
    "timeout": "API_UNREACHABLE",
}

# One cheap read per permission group the collection's roles need (fortios-api.md §5 access groups).
AREA_PROBES = [
    ("sysgrp", "ftm-push and api-users", "cmdb", "system/ftm-push", "global"),
    ("authgrp", "FortiTokens", "monitor", "user/fortitoken", None),
    ("utmgrp.endpoint-control", "the EMS connector", "monitor", "endpoint-control/ems/status-summary", None),
]

fnd.define("API_TOKEN_REJECTED", "critical", "api_access",
           "The FortiGate refused the API token (HTTP 401).",
           "Check the token in the inventory against the api-user on the device: it is wrong, expired, "
           "regenerated or deleted. If it was regenerated, update the inventory; otherwise generate a new key "
           "(System > Administrators > the REST API admin > Regenerate, or fortifleet.auth.api_user with "
           "regenerate_key) and store it. The collection made one attempt only: three failures in 60 s lock "
           "the source out.")
fnd.define("API_TRUSTHOST_MISMATCH", "critical", "api_access",
           "The controller's address {source} is outside the trusthost list of api-user '{api_user}' "
           "(HTTP 401).",
           "Add the address the FortiGate sees for the controller (after NAT) to the api-user's trusthost, "
           "e.g. with the fortifleet.auth.api_access role (api_access_trusthosts) run with a working "
           "credential such as the diagnostic one; or run the automation from an allowed address.")
fnd.define("API_URL_TOKEN_DISABLED", "info", "api_access",
           "FortiOS {version} refuses API tokens in the URL query (rest-api-key-url-query is disabled).",
           "Nothing to do for fortifleet.auth, which sends the token only in the Authorization header. Other tools "
           "that send ?access_token= (fortinet.fortios before 2.4.2, old scripts) get HTTP 401 here: switch them "
           "to the Authorization: Bearer header. Enabling rest-api-key-url-query is possible but exposes tokens "
           "in logs and proxies.")
fnd.define("API_PERMISSION_DENIED", "critical", "api_access",
           "The API token is valid but its admin profile lacks read access to {areas}.",
           "Give the api-user's accprofile read-write on {groups} (config system accprofile), and check that the "
           "VDOM is assigned to the api-user. A missing group makes the matching remediation impossible.")
fnd.define("API_LOCKED_OUT", "critical", "api_access",
           "The FortiGate has locked this source out after repeated failed key attempts (HTTP 429).",
           "Fix the token first, then wait for the lock-out period to end before any other attempt; each new "
           "failure extends the lock-out. Find who else uses a wrong token from this address.")
fnd.define("API_TLS_UNTRUSTED", "critical", "api_access",
           "The FortiGate's TLS certificate could not be verified.",
           "Give ca_path (inventory fortigate_ca_path) with the CA that signed the device certificate, or install "
           "a certificate signed by your CA on the FortiGate (config system global, admin-server-cert). Use "
           "validate_certs: false only knowingly.")
fnd.define("API_UNREACHABLE", "critical", "api_access",
           "The FortiGate's REST API could not be reached ({status}).",
           "Check the address and port in the inventory, that HTTPS administrative access is allowed on the "
           "interface (allowaccess https), the admin-sport, and any firewall or NAT on the path.")


def controller_address(host, port):
    """The local address the controller uses toward the device (before any NAT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        probe = socket.socket(family, socket.SOCK_DGRAM)
        try:
            probe.connect((host, int(port)))  # UDP connect sends nothing; it only picks a route
            return probe.getsockname()[0]
        finally:
            probe.close()
    except (OSError, ValueError):
        return None


def _trusthost_check(ctx, client, params):
    """With a second credential, decide between token_rejected and trusthost_mismatch."""
    api_user = params.get("api_user")
    token = params.get("diagnostic_access_token")
    if not (api_user and token):
        return None, "FortiOS does not tell a wrong token from an untrusted source; give diagnostic_access_token " \
                     "and api_user to tell them apart."
    second = client_from_params(params, ctx.label, access_token=token)
    try:
        rows = second.get("system/api-user", mkey=api_user, scope="global").results or []
    except err.FortiOSError as exc:
        return None, "The diagnostic credential could not read api-user '%s' (%s)." % (api_user, exc.kind)
    finally:
        client.requests_sent += second.requests_sent
    row = rows[0] if isinstance(rows, list) and rows else (rows if isinstance(rows, dict) else {})
    source = params.get("controller_address") or controller_address(params["host"], params["port"])
    entries = row.get("trusthost") or []
    if source and entries and not address_in_entries(source, entries):
        return {"source": source, "api_user": api_user}, None
    return None, "api-user '%s' trusts %s, so the token itself is refused." % (api_user, source)


def _area_probes(client):
    denied = []
    for group, label, api, path, scope in AREA_PROBES:
        try:
            client.get(path, api=api, scope=scope)
        except err.PermissionDeniedError:
            denied.append((group, label))
        except err.FortiOSError:
            continue  # not a permission question; the subset that needs it reports it
    return denied


def _url_token_state(client, version):
    """Whether URL tokens are accepted, and where that comes from: ``(True, "version")`` before 7.4.5, which has no
    setting and accepts them (fortios-api.md §7); ``(bool, "config")`` from system/global; ``(None, None)`` when
    system/global cannot be read. The collection never sends one."""
    if not behaviour("url_token_refused_by_default", version):
        return True, "version"
    try:
        glob = client.get("system/global", scope="global").results or {}
    except err.DEVICE_GONE:
        raise
    except err.FortiOSError:
        return None, None
    return (glob.get("rest-api-key-url-query") or "disable") == "enable", "config"


def probe(ctx, client):
    """Classify access. Returns (facts, findings)."""
    facts = {"status": "ok", "http_status": None, "detail": None, "forbidden_groups": [],
             "url_token_accepted": None, "url_token_accepted_source": None}
    try:
        # web-ui/state, else system/status (_fortios/web_ui.py): one request proves the token.
        status = web_ui.status(client)
    except err.FortiOSError as exc:
        facts["status"] = _KIND_STATUS.get(exc.kind, "unreachable")
        facts["http_status"] = exc.status
        facts["detail"] = str(exc)
        findings = []
        if facts["status"] == "token_rejected":
            mismatch, note = _trusthost_check(ctx, client, ctx.params)
            if mismatch:
                facts["status"] = "trusthost_mismatch"
                facts["controller_address"] = mismatch["source"]
                findings.append(fnd.finding("API_TRUSTHOST_MISMATCH", exc.message, **mismatch))
            else:
                findings.append(fnd.finding("API_TOKEN_REJECTED", "%s %s" % (exc.message, note or "")))
        else:
            findings.append(fnd.finding(STATUS_FINDING[facts["status"]], str(exc), status=facts["status"]))
        return facts, findings

    findings = []
    version = parse_device_version(status.envelope.get("version"), client.label)
    # The token works: a fleet device's planned reads may now go out in parallel (_fleet/read_plan.py).
    proven = getattr(client, "proven", None)
    if proven is not None:
        proven()
    denied = _area_probes(client)
    if denied:
        facts["status"] = "forbidden"
        facts["forbidden_groups"] = [group for group, dummy in denied]
        findings.append(fnd.finding(
            "API_PERMISSION_DENIED", "HTTP 403 on reads that need: %s" % ", ".join(g for g, d in denied),
            areas=", ".join("%s (%s)" % (label, group) for group, label in denied),
            groups=", ".join(g for g, d in denied)))
    facts["url_token_accepted"], facts["url_token_accepted_source"] = _url_token_state(client, version)
    if facts["url_token_accepted"] is False:
        findings.append(fnd.finding("API_URL_TOKEN_DISABLED", "system/global rest-api-key-url-query is not "
                                                              "enabled", version=str(version)))
    return facts, findings
