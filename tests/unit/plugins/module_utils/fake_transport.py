"""A scripted stand-in for requests.Session, so client tests need no socket."""
import json

from requests import exceptions as rexc


class FakeResponse(object):
    def __init__(self, status, body=None, text=None, reason="OK"):
        self.status_code = status
        self.reason = reason
        self.text = text if text is not None else json.dumps(body)


def envelope(results, status=200, **extra):
    body = {"http_method": "GET", "results": results, "status": "success" if status == 200 else "error",
            "http_status": status, "serial": "FGVM01TEST", "version": "v7.4.4", "build": 2662,
            "vdom": "root", "revision": "1"}
    body.update(extra)
    return body


HTML_401 = "<!DOCTYPE HTML><html><body><h1>401 Authorization Required</h1></body></html>"
HTML_403 = "<!DOCTYPE HTML><html><body><h1>403 Forbidden</h1></body></html>"


class FakeSession(object):
    """Answers requests from a list of scripted outcomes (responses or exceptions)."""

    def __init__(self, outcomes):
        self.outcomes = list(outcomes)
        self.calls = []
        self.headers = {}
        self.verify = True

    def request(self, method, url, params=None, json=None, headers=None, timeout=None, verify=None):
        self.calls.append({"method": method, "url": url, "params": dict(params or {}), "json": json,
                           "headers": dict(self.headers, **(headers or {})), "timeout": timeout,
                           "verify": verify})
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def connection_reset():
    return rexc.ConnectionError(ConnectionResetError(104, "Connection reset by peer"))
