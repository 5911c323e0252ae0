"""The api_access probe: one classification of REST API access, and nothing more sent after a 401."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import diagnosis as dx
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err

from .memory_client import MemoryClient, context

USER = "fortifleet-automation"
CONTROLLER = "198.51.100.7"
DIAGNOSTIC_TOKEN = "diag-token-0123456789"


class RecordingClient(MemoryClient):
    """A MemoryClient that also remembers every read (api, path)."""

    def __init__(self, *args, **kwargs):
        super(RecordingClient, self).__init__(*args, **kwargs)
        self.reads = []

    def get(self, path, mkey=None, scope=None, params=None, api="cmdb"):
        self.reads.append((api, path))
        return super(RecordingClient, self).get(path, mkey=mkey, scope=scope, params=params, api=api)


def fortigate(version="7.4.4", url_query=None):
    objects = {("system/ftm-push", None): {"status": "enable", "server": "203.0.113.7", "server-port": 4433}}
    glob = {"hostname": "fgt-001", "admin-sport": 443}
    if url_query is not None:
        glob["rest-api-key-url-query"] = url_query
    objects[("system/global", None)] = glob
    return RecordingClient(objects, version=version, monitor={
        # the keys of the 7.0.6 capture (fortios-api.md §5, "Reading fewer times")
        "web-ui/state": {"hostname": "fgt-001", "model": "FGVM64", "model_name": "FortiGate", "model_number": "VM64",
                         "vdom_mode": "no-vdom", "ha_mode": 0, "is_ha_master": 1, "centrally_managed": False},
        "system/status": {"model_name": "FortiGate", "model_number": "VM64", "hostname": "fgt-001"},
        "user/fortitoken": [],
        "endpoint-control/ems/status-summary": {"total": 1, "connected": 1, "authorized": 1, "entries": []}})


def fail_first(client, exc):
    client.fail[("GET", "web-ui/state", None)] = exc


def probe(client, **params):
    base = {"host": "192.0.2.1", "port": 443}
    base.update(params)
    ctx = context(client, base)
    facts, found = dx.probe(ctx, client)
    return facts, [f["id"] for f in found], found


def rejected(status=401):
    return err.TokenRejectedError("read", "monitor system/status", "fgt-test", "HTTP 401 Unauthorized", status=status)


class SecondCredential(object):
    """Stands in for client_from_params: the client made with the diagnostic token."""

    def __init__(self, monkeypatch, row=None, failure=None):
        self.made = []
        self.row = row
        self.failure = failure
        monkeypatch.setattr(dx, "client_from_params", self)

    def __call__(self, params, label, access_token=None):
        objects = {("system/api-user", USER): self.row} if self.row is not None else {}
        second = RecordingClient(objects)
        if self.failure is not None:
            second.fail[("GET", "system/api-user", USER)] = self.failure
        self.made.append((access_token, second))
        return second


def trusthost(*networks):
    return {"name": USER, "accprofile": "fortifleet_api",
            "trusthost": [{"id": i + 1, "type": "ipv4-trusthost", "ipv4-trusthost": n, "ipv6-trusthost": "::/0"}
                          for i, n in enumerate(networks)]}


# -- ok and forbidden -------------------------------------------------------------------------
def test_working_access_is_ok_with_one_read_per_permission_group():
    client = fortigate()
    facts, found_ids, dummy = probe(client)
    assert facts["status"] == "ok" and found_ids == [] and facts["forbidden_groups"] == []
    assert client.reads == [("monitor", "web-ui/state"), ("cmdb", "system/ftm-push"),
                            ("monitor", "user/fortitoken"), ("monitor", "endpoint-control/ems/status-summary")]
    assert facts["url_token_accepted"] is True  # before 7.4.5 URL tokens are not refused by default
    assert client.writes == []


# -- the proving read: web-ui/state, else system/status (_fortios/web_ui.py) --------------------------------
@pytest.mark.parametrize("failure", [
    err.NotFoundError("read", "monitor web-ui/state", "fgt-test", "HTTP 404", status=404),  # a release without it
    err.PermissionDeniedError("read", "monitor web-ui/state", "fgt-test", "HTTP 403", status=403),  # its group
    "another shape",
])
def test_a_web_ui_state_that_is_not_a_usable_200_falls_back_to_system_status(failure):
    client = fortigate()
    if failure == "another shape":
        client.monitor["web-ui/state"] = [{"hostname": "fgt-001"}]
    else:
        client.fail[("GET", "web-ui/state", None)] = failure
    facts, found_ids, dummy = probe(client)
    assert facts["status"] == "ok" and found_ids == []
    assert client.reads[:2] == [("monitor", "web-ui/state"), ("monitor", "system/status")]
    assert client.reads.count(("monitor", "system/status")) == 1


def test_a_401_on_web_ui_state_is_the_token_refused_after_one_request(monkeypatch):
    second = SecondCredential(monkeypatch)
    client = fortigate()
    fail_first(client, rejected())
    facts, found_ids, dummy = probe(client)
    assert facts["status"] == "token_rejected" and found_ids == ["API_TOKEN_REJECTED"]
    assert client.reads == [("monitor", "web-ui/state")] and client.requests_sent == 1 and second.made == []


def test_a_401_on_the_fallback_is_the_token_refused_too():
    client = fortigate()
    client.fail[("GET", "web-ui/state", None)] = err.NotFoundError("read", "web-ui/state", "fgt-test", "HTTP 404",
                                                                   status=404)
    client.fail[("GET", "system/status", None)] = rejected()
    facts, found_ids, dummy = probe(client)
    assert facts["status"] == "token_rejected" and found_ids == ["API_TOKEN_REJECTED"]
    assert client.reads == [("monitor", "web-ui/state"), ("monitor", "system/status")]


def test_each_missing_permission_group_is_named():
    client = fortigate()
    for path, api in (("user/fortitoken", "monitor"), ("endpoint-control/ems/status-summary", "monitor")):
        client.fail[("GET", path, None)] = err.PermissionDeniedError("read", path, "fgt-test", "HTTP 403", status=403)
    facts, found_ids, found = probe(client)
    assert facts["status"] == "forbidden"
    assert facts["forbidden_groups"] == ["authgrp", "utmgrp.endpoint-control"]
    assert found_ids == ["API_PERMISSION_DENIED"]
    assert "FortiTokens (authgrp)" in found[0]["summary"] and "the EMS connector" in found[0]["summary"]
    assert "authgrp, utmgrp.endpoint-control" in found[0]["remediation"]


def test_an_error_that_is_not_a_403_on_an_area_read_is_not_a_permission_problem():
    client = fortigate()
    client.fail[("GET", "user/fortitoken", None)] = err.NotFoundError(
        "read", "user/fortitoken", "fgt-test", "HTTP 404", status=404)
    facts, found_ids, dummy = probe(client)
    assert facts["status"] == "ok" and found_ids == []


@pytest.mark.parametrize("version, setting, accepted, found", [
    ("7.4.4", None, True, []),  # no such setting: URL tokens work
    ("7.4.5", "disable", False, ["API_URL_TOKEN_DISABLED"]),
    ("7.6.5", None, False, ["API_URL_TOKEN_DISABLED"]),  # refused by default
    ("7.6.5", "enable", True, []),
])
def test_url_token_refusal_is_an_info_finding_from_7_4_5(version, setting, accepted, found):
    facts, found_ids, findings = probe(fortigate(version, url_query=setting))
    assert facts["status"] == "ok" and facts["url_token_accepted"] is accepted and found_ids == found
    if found:
        assert findings[0]["severity"] == "info" and version in findings[0]["summary"]


def test_an_unreadable_global_leaves_the_url_token_state_unknown():
    client = fortigate("7.6.5")
    client.fail[("GET", "system/global", None)] = err.PermissionDeniedError(
        "read", "system/global", "fgt-test", "HTTP 403", status=403)
    facts, found_ids, dummy = probe(client)
    assert facts["url_token_accepted"] is None and found_ids == []


# -- failures of the first request -------------------------------------------------------------
@pytest.mark.parametrize("exc, status, finding", [
    (err.LockedOutError("read", "system/status", "fgt-test", "HTTP 429", status=429), "locked_out", "API_LOCKED_OUT"),
    (err.UnreachableError("connect to", "fgt-test", "fgt-test", "connection refused"), "unreachable",
     "API_UNREACHABLE"),
    (err.RequestTimeoutError("read", "system/status", "fgt-test", "no answer within 5s"), "timeout",
     "API_UNREACHABLE"),
    (err.TLSError("connect to", "fgt-test", "fgt-test", "certificate verify failed"), "tls_untrusted",
     "API_TLS_UNTRUSTED"),
    (err.ServerError("read", "system/status", "fgt-test", "HTTP 503", status=503), "unreachable", "API_UNREACHABLE"),
])
def test_a_failed_first_request_is_classified_and_nothing_else_is_read(exc, status, finding):
    client = fortigate()
    fail_first(client, exc)
    facts, found_ids, found = probe(client)
    assert facts["status"] == status and found_ids == [finding]
    assert facts["http_status"] == exc.status and str(exc) in facts["detail"]
    assert client.reads == [("monitor", "web-ui/state")]


def test_unreachable_names_the_status_in_the_summary():
    client = fortigate()
    fail_first(client, err.RequestTimeoutError("read", "system/status", "fgt-test", "no answer"))
    dummy, dummy_ids, found = probe(client)
    assert "(timeout)" in found[0]["summary"]


def test_a_rejected_token_without_a_second_credential_is_token_rejected_after_one_request(monkeypatch):
    second = SecondCredential(monkeypatch, row=trusthost("10.99.0.0 255.255.0.0"))
    client = fortigate()
    fail_first(client, rejected())
    facts, found_ids, found = probe(client, api_user=USER, controller_address=CONTROLLER)
    assert facts["status"] == "token_rejected" and facts["http_status"] == 401
    assert found_ids == ["API_TOKEN_REJECTED"]
    assert "give diagnostic_access_token and api_user" in found[0]["detail"]
    assert client.requests_sent == 1 and second.made == []


def test_a_controller_outside_the_trusthost_is_a_trusthost_mismatch(monkeypatch):
    second = SecondCredential(monkeypatch, row=trusthost("10.99.0.0 255.255.0.0"))
    client = fortigate()
    fail_first(client, rejected())
    facts, found_ids, found = probe(client, api_user=USER, diagnostic_access_token=DIAGNOSTIC_TOKEN,
                                    controller_address=CONTROLLER)
    assert facts["status"] == "trusthost_mismatch" and facts["controller_address"] == CONTROLLER
    assert found_ids == ["API_TRUSTHOST_MISMATCH"]
    assert CONTROLLER in found[0]["summary"] and "'%s'" % USER in found[0]["summary"]
    # The task's token was sent once; the only other request used the diagnostic token.
    assert client.reads == [("monitor", "web-ui/state")]
    assert [token for token, dummy in second.made] == [DIAGNOSTIC_TOKEN]
    assert second.made[0][1].reads == [("cmdb", "system/api-user")]
    assert client.requests_sent == 2  # the second credential's request is counted too


def test_a_trusted_controller_means_the_token_itself_is_wrong(monkeypatch):
    SecondCredential(monkeypatch, row=trusthost("10.99.0.0 255.255.0.0", "198.51.100.0 255.255.255.0"))
    client = fortigate()
    fail_first(client, rejected())
    facts, found_ids, found = probe(client, api_user=USER, diagnostic_access_token=DIAGNOSTIC_TOKEN,
                                    controller_address=CONTROLLER)
    assert facts["status"] == "token_rejected" and found_ids == ["API_TOKEN_REJECTED"]
    assert "trusts %s" % CONTROLLER in found[0]["detail"]


def test_an_unreadable_api_user_leaves_it_token_rejected(monkeypatch):
    SecondCredential(monkeypatch, row=trusthost("10.99.0.0 255.255.0.0"), failure=rejected())
    client = fortigate()
    fail_first(client, rejected())
    facts, found_ids, found = probe(client, api_user=USER, diagnostic_access_token=DIAGNOSTIC_TOKEN,
                                    controller_address=CONTROLLER)
    assert facts["status"] == "token_rejected"
    assert "could not read api-user '%s' (token_rejected)" % USER in found[0]["detail"]


def test_an_api_user_without_trusthost_entries_is_not_a_mismatch(monkeypatch):
    SecondCredential(monkeypatch, row={"name": USER, "trusthost": []})
    client = fortigate()
    fail_first(client, rejected())
    facts, dummy, dummy_found = probe(client, api_user=USER, diagnostic_access_token=DIAGNOSTIC_TOKEN,
                                      controller_address=CONTROLLER)
    assert facts["status"] == "token_rejected"


def test_without_a_given_controller_address_the_routed_source_address_is_used(monkeypatch):
    SecondCredential(monkeypatch, row=trusthost("10.99.0.0 255.255.0.0"))
    asked = []
    monkeypatch.setattr(dx, "controller_address", lambda host, port: asked.append((host, port)) or "192.0.2.200")
    client = fortigate()
    fail_first(client, rejected())
    facts, dummy, dummy_found = probe(client, api_user=USER, diagnostic_access_token=DIAGNOSTIC_TOKEN)
    assert asked == [("192.0.2.1", 443)]
    assert facts["status"] == "trusthost_mismatch" and facts["controller_address"] == "192.0.2.200"
