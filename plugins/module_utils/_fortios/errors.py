# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Typed errors of fortifleet.auth, each with the fix in its hint.

Internal API of fortifleet.auth: may change in any release.

Messages start with the action and the object, e.g.
"Failed to update system/ftm-push on fgt-01: HTTP 403 ...", and the status,
FortiOS error code and cli_error are kept as separate fields (the peer
collection buries them in a raw blob: "Error in repo").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class FortiFleetError(Exception):
    """Base of every error the collection raises on purpose."""

    kind = "error"

    def __init__(self, message, hint=None):
        super(FortiFleetError, self).__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self):
        return "%s %s" % (self.message, self.hint) if self.hint else self.message

    # Set by callers that know more: findings this failure means, and extra result fields.
    findings = ()
    extra = None

    def to_result(self):
        """Fields for a failed task result (never contains a secret)."""
        result = {"msg": str(self), "error_kind": self.kind, "hint": self.hint}
        if self.findings:
            result["findings"] = list(self.findings)
        result.update(self.extra or {})
        return result


class InputError(FortiFleetError):
    """Bad task input, found before any request is sent."""

    kind = "invalid_input"

    def __init__(self, field, reason, hint=None):
        super(InputError, self).__init__("Invalid value for '%s': %s." % (field, reason), hint)
        self.field = field


class FortiOSError(FortiFleetError):
    """A request to a FortiGate failed."""

    kind = "error"
    # Whether the same request may be sent again (only for idempotent requests).
    transient = False

    def __init__(self, action, obj, host, detail, hint=None, status=None, method=None, path=None,
                 error_code=None, cli_error=None):
        message = "Failed to %s %s on %s: %s" % (action, obj, host, detail)
        super(FortiOSError, self).__init__(message, hint)
        self.action = action
        self.obj = obj
        self.host = host
        self.status = status
        self.method = method
        self.path = path
        self.error_code = error_code
        self.cli_error = cli_error
        self.details = {}

    def to_result(self):
        result = super(FortiOSError, self).to_result()
        result.update({
            "http_status": self.status,
            "http_method": self.method,
            "path": self.path,
            "fortios_error": self.error_code,
            "cli_error": self.cli_error,
        })
        return result


class TokenRejectedError(FortiOSError):
    """HTTP 401: the device did not accept the API token."""

    kind = "token_rejected"


class PermissionDeniedError(FortiOSError):
    """HTTP 403: the token is valid but not allowed to do this."""

    kind = "forbidden"

    def __init__(self, *args, **kwargs):
        self.access_group = kwargs.pop("access_group", None)
        super(PermissionDeniedError, self).__init__(*args, **kwargs)


class ScopeNotGlobalError(PermissionDeniedError):
    """HTTP 403 on a global object: a VDOM-scoped admin profile cannot reach the global scope (FOS#226)."""

    kind = "scope_not_global"


class LockedOutError(FortiOSError):
    """HTTP 429: the source is locked out after failed key attempts."""

    kind = "locked_out"


class NotFoundError(FortiOSError):
    """HTTP 404: the object or endpoint does not exist."""

    kind = "not_found"


class DeviceRefusedError(FortiOSError):
    """The device refused the request (424/500/400/405 with error/cli_error)."""

    kind = "device_refused"


class ServerError(FortiOSError):
    """502/503/504: the device or a proxy in front of it is overloaded."""

    kind = "server_error"
    transient = True


class ProtocolError(FortiOSError):
    """The answer was not the JSON FortiOS sends (truncated, HTML, garbage)."""

    kind = "protocol"
    transient = True


class TLSError(FortiOSError):
    """The device certificate could not be verified."""

    kind = "tls_untrusted"


class UnreachableError(FortiOSError):
    """No TCP/TLS connection could be made, or it was reset."""

    kind = "unreachable"
    transient = True


class RequestTimeoutError(FortiOSError):
    """The device did not answer within the timeout."""

    kind = "timeout"
    transient = True


class NotAppliedError(FortiOSError):
    """The device said success but the re-read shows another value."""

    kind = "not_applied"


class AmbiguousResultError(FortiOSError):
    """A non-idempotent action was sent but its answer was lost."""

    kind = "ambiguous"


# Failures after which no further request to the device can succeed in this task: the token is refused (a second
# failed key attempt brings a lock-out closer, fortios-api.md §7), or the device cannot be reached at all.
DEVICE_GONE = (TokenRejectedError, LockedOutError, TLSError, UnreachableError, RequestTimeoutError)


def read_failure(exc):
    """A failed read as data (a subset's typed error in fortigate_info): kind, HTTP status, path and text."""
    return {"kind": exc.kind, "http_status": getattr(exc, "status", None), "path": getattr(exc, "path", None),
            "message": str(exc)}
