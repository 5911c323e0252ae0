"""FortiOS JSON envelopes, error bodies and HTML pages (fortios-api.md §6)."""

from __future__ import annotations

from . import versions


class ApiError(Exception):
    """A FortiOS CLI-level failure surfaced through REST (fortios-api.md §6: HTTP 500 with error/cli_error)."""

    def __init__(self, code: int, cli_lines, http_status: int = 500, extra=None):
        super().__init__(code)
        self.code = code
        self.cli_lines = [cli_lines] if isinstance(cli_lines, str) else list(cli_lines)
        self.http_status = http_status
        self.extra = extra or {}


class HttpStatus(Exception):
    """Non-500 JSON errors without `error` key (404, 405, 424...)."""

    def __init__(self, http_status: int, extra=None):
        super().__init__(http_status)
        self.http_status = http_status
        self.extra = extra or {}


# --- error catalogue (one place) -------------------------------------------

def err_missing_server_address():
    # fortios-api.md §1, troubleshooting.md A2 (KB 195578): exact CLI text and code -56
    return ApiError(-56, ["Missing server address.",
                          "object check operator error, -56, discard the setting",
                          "Command fail. Return code -56"])


def err_conflict(what: str):
    # troubleshooting.md A2: "you cannot set both server and server-ip / server and interface; the CLI errors"
    # ASSUMED: code -7 "value conflicts with system settings" (hfortix table, fortios-api.md §6) and text
    return ApiError(-7, [f"{what}",
                         "value conflicts with system settings",
                         "object check operator error, -7, discard the setting",
                         "Command fail. Return code -7"])


def err_datasource(value: str):
    # fortios-api.md §6 ISS #197: "entry not found in datasource\n\nvalue parse error before 'x'\nCommand fail. Return code -3\n"
    return ApiError(-3, ["entry not found in datasource", "",
                         f"value parse error before '{value}'",
                         "Command fail. Return code -3", ""])


def err_range(value):
    # fortios-api.md §6: -650 "integer value not within valid range" (hfortix table); text ASSUMED
    return ApiError(-650, ["value out of range", "",
                           f"value parse error before '{value}'",
                           "Command fail. Return code -650", ""])


def err_field_not_on_version(field: str):
    # ASSUMED (single place): an attribute that does not exist on this version is refused
    # with -651 "input value is invalid" (hfortix table, fortios-api.md §6) and a parse-error text.
    return ApiError(-651, [f"command parse error before '{field}'",
                           "Command fail. Return code -651", ""])


def err_invalid_value(value):
    # fortios-api.md §6: -651 "input value is invalid" (hfortix; also quoted in troubleshooting.md B8). Text ASSUMED.
    return ApiError(-651, ["input value is invalid", "",
                           f"value parse error before '{value}'",
                           "Command fail. Return code -651", ""])


def err_duplicate():
    # fortios-api.md §6 (T #244): duplicate -> "object already exists" / nret=-5, HTTP 500
    return ApiError(-5, ["object already exists", "Command fail. Return code -5", ""])


def err_entry_used():
    # fortios-api.md §2: UNCONFIRMED; ASSUMED -23 "entry is used" (code table in fortios-api.md §6) for deleting a referenced token
    return ApiError(-23, ["entry is used", "Command fail. Return code -23", ""])


def err_max_entries():
    # fortios-api.md §6: -4 maximum number of entries reached (hfortix table). ASSUMED usage for ems-id out of range
    return ApiError(-4, ["maximum number of entries has been reached",
                         "Command fail. Return code -4", ""])


def err_admin_password():
    # fortios-api.md §4/§6 (ISS #409): 7.6.5 -8102, cli_error ["admin's password required."]
    return ApiError(-8102, ["admin's password required."])


def err_generic(message: str):
    # ASSUMED: generic CLI failure wrapper -9999 (seen after fctems verify failures, troubleshooting.md C4)
    return ApiError(-9999, [message, "Command fail. Return code -9999"])


# --- envelopes ---------------------------------------------------------------

def base(dev, method: str, path: str, name: str, vdom: str) -> dict:
    # fortios-api.md §6: keys of the GET envelope
    return {
        "http_method": method,
        "revision": dev.revision_str(),
        "vdom": vdom,
        "path": path,
        "name": name,
        "serial": dev.serial,
        "version": versions.version_string(dev.version),
        "build": dev.build,
    }


def error_body(dev, method, path, name, vdom, err: ApiError, mkey=None) -> dict:
    # fortios-api.md §6 ISS #409 shape: action, build, cli_error, error, http_method, http_status, name,
    # path, revision, revision_changed false, serial, status error, vdom, version
    body = base(dev, method, path, name, vdom)
    if versions.rule(dev.version, "cli_error_list"):
        cli = [ln for ln in err.cli_lines if ln != ""]  # fortios-api.md §6: list on 7.6.5
    else:
        cli = "\n".join(err.cli_lines)  # fortios-api.md §6: string on older releases (ISS #197)
        if not cli.endswith("\n") and len(err.cli_lines) > 1:
            cli += "\n"
    body.update({
        "action": "",
        "status": "error",
        "http_status": err.http_status,
        "error": err.code,
        "cli_error": cli,
        "revision_changed": False,
    })
    if mkey is not None:
        body["mkey"] = mkey
    body.update(err.extra)
    return body


def status_body(dev, method, path, name, vdom, http_status, mkey=None, extra=None) -> dict:
    # fortios-api.md §6 (rapid7 PR #1027): 404 body has no `error` key; 405 for POST to a singleton (ISS #17)
    body = base(dev, method, path, name, vdom)
    body["status"] = "error"
    body["http_status"] = http_status
    if mkey is not None:
        body["mkey"] = mkey
    if extra:
        body.update(extra)
    return body


# --- HTML pages (fortios-api.md §6: 401/403 bodies are HTML, ISS #384, T #339) -----------

HTML_401 = (
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
    "<title>401 Authorization Required</title>\n</head><body>\n<h1>Authorization Required</h1>\n"
    "<p>This server could not verify that you\nare authorized to access the document\nrequested.</p>\n"
    "</body></html>\n"
)
HTML_403 = (
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
    "<title>403 Forbidden</title>\n</head><body>\n<h1>Forbidden</h1>\n"
    "<p>You don't have permission to access this resource.</p>\n</body></html>\n"
)
# fortios-api.md §6 table: 429 "Access temporarily blocked - maximum failed authentications reached".
# ASSUMED: body is HTML like the other httpsd auth-layer answers (401/403 are HTML, ISS #384).
HTML_429 = (
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
    "<title>429 Too Many Requests</title>\n</head><body>\n<h1>Too Many Requests</h1>\n"
    "<p>Access temporarily blocked. Maximum failed authentications reached.</p>\n</body></html>\n"
)
# ASSUMED: generic httpsd 500/503 HTML pages (used by faults only)
HTML_500 = (
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
    "<title>500 Internal Server Error</title>\n</head><body>\n<h1>Internal Server Error</h1>\n"
    "<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>\n"
    "</body></html>\n"
)


def html_page(status: int) -> str:
    if status == 401:
        return HTML_401
    if status == 403:
        return HTML_403
    if status == 429:
        return HTML_429
    if status == 500:
        return HTML_500
    return (f"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>{status} Error</title>\n"
            f"</head><body>\n<h1>Error {status}</h1>\n</body></html>\n")
