import pytest
from requests import exceptions as rexc

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import FortiOSClient

from .fake_transport import HTML_401, HTML_403, FakeResponse, FakeSession, connection_reset, envelope

TOKEN = "tok3n-value-never-printed"


def make(outcomes, **kw):
    session = FakeSession(outcomes)
    kw.setdefault("access_token", TOKEN)
    client = FortiOSClient("192.0.2.1", label="fgt-01", session=session, sleep=lambda s: None, **kw)
    return client, session


def test_token_only_in_bearer_header_and_tls_verified():
    client, session = make([FakeResponse(200, envelope({"hostname": "a"}))], ca_path="/ca.pem")
    client.get("system/status", api="monitor")
    call = session.calls[0]
    assert call["headers"]["Authorization"] == "Bearer " + TOKEN
    assert TOKEN not in call["url"] and TOKEN not in str(call["params"])
    assert call["url"] == "https://192.0.2.1:443/api/v2/monitor/system/status"
    assert call["params"] == {"vdom": "root"}
    assert call["verify"] == "/ca.pem"


def test_validate_certs_false_and_global_scope():
    client, session = make([FakeResponse(200, envelope({}))] * 1, validate_certs=False)
    client.get("system/global", scope="global")
    assert session.calls[0]["verify"] is False
    assert session.calls[0]["params"] == {"global": 1}


def test_envelope_object_and_list_and_device_info_kept():
    client, session = make([FakeResponse(200, envelope({"status": "enable"})),
                            FakeResponse(200, envelope([{"name": "a"}], version="v7.0.12"))])
    assert client.get("system/ftm-push").results == {"status": "enable"}
    assert client.get("user/local").results == [{"name": "a"}]
    assert client.device["version"] == "v7.0.12" and client.device["serial"] == "FGVM01TEST"


def test_global_list_of_envelopes_is_unwrapped():
    client, session = make([FakeResponse(200, [envelope({"hostname": "x"})])])
    assert client.get("system/global", scope="global").results == {"hostname": "x"}


def test_401_html_is_token_rejected_and_never_retried():
    client, session = make([FakeResponse(401, text=HTML_401, reason="Unauthorized")])
    with pytest.raises(err.TokenRejectedError) as info:
        client.get("system/status", api="monitor")
    assert len(session.calls) == 1
    exc = info.value
    assert str(exc).startswith("Failed to read monitor system/status on fgt-01: HTTP 401")
    assert "trusthost" in exc.hint and "429" in exc.hint
    assert TOKEN not in str(exc)


def test_401_without_token_says_so():
    client, session = make([FakeResponse(401, text=HTML_401)], access_token=None)
    with pytest.raises(err.TokenRejectedError) as info:
        client.get("system/status", api="monitor")
    assert "No access token" in info.value.hint


def test_403_names_the_accprofile_group_and_vdom():
    client, session = make([FakeResponse(403, text=HTML_403, reason="Forbidden")])
    with pytest.raises(err.PermissionDeniedError) as info:
        client.put("system/ftm-push", {"status": "enable"})
    assert info.value.access_group == "sysgrp"
    assert "read-write" in info.value.hint and "VDOM 'root'" in info.value.hint
    assert str(info.value).startswith("Failed to update system/ftm-push on fgt-01")


def test_403_on_fortitoken_names_authgrp():
    client, session = make([FakeResponse(403, text=HTML_403)])
    with pytest.raises(err.PermissionDeniedError) as info:
        client.get("user/fortitoken", api="monitor")
    assert info.value.access_group == "authgrp" and "read permission" in info.value.hint


def test_429_is_lockout_and_not_retried():
    client, session = make([FakeResponse(429, text="<html>429</html>")])
    with pytest.raises(err.LockedOutError) as info:
        client.get("system/status", api="monitor")
    assert len(session.calls) == 1 and "wait" in info.value.hint


def test_500_with_error_and_cli_error_list_gets_code_hint():
    body = {"http_method": "POST", "status": "error", "http_status": 500, "error": -8102,
            "cli_error": ["admin's password required."], "version": "v7.6.5"}
    client, session = make([FakeResponse(500, body)])
    with pytest.raises(err.DeviceRefusedError) as info:
        client.post("system/api-user", {"name": "x"})
    exc = info.value
    assert exc.error_code == -8102 and exc.cli_error == "admin's password required."
    assert "admin_password" in exc.hint
    assert len(session.calls) == 1


def test_cli_error_string_form():
    body = {"status": "error", "http_status": 500, "error": -56,
            "cli_error": "Missing server address.\nobject check operator error, -56, discard the setting\n"}
    client, session = make([FakeResponse(500, body)])
    with pytest.raises(err.DeviceRefusedError) as info:
        client.put("system/ftm-push", {"server-ip": "1.2.3.4"})
    assert "server" in info.value.hint and "Missing server address." in str(info.value)


@pytest.mark.parametrize("first", [
    FakeResponse(503, text="busy", reason="Service Unavailable"),
    FakeResponse(502, text="bad gateway"),
    FakeResponse(200, text='{"http_method": "GET", "resu'),
])
def test_transient_failures_of_idempotent_requests_are_retried(first):
    client, session = make([first, FakeResponse(200, envelope({"ok": 1}))])
    assert client.get("system/ftm-push").results == {"ok": 1}
    assert len(session.calls) == 2 and client.retries_done == 1


def test_connection_reset_retried_for_put():
    client, session = make([connection_reset(), FakeResponse(200, envelope({}))])
    client.put("system/ftm-push", {"status": "enable"})
    assert len(session.calls) == 2


def test_retries_are_bounded():
    client, session = make([FakeResponse(503, text="x")] * 5, retries=2)
    with pytest.raises(err.ServerError):
        client.get("system/ftm-push")
    assert len(session.calls) == 3


def test_backoff_is_jittered_and_growing():
    delays = []
    session = FakeSession([FakeResponse(503, text="x")] * 4)
    client = FortiOSClient("h", session=session, sleep=delays.append, retries=3, backoff=1.0)
    with pytest.raises(err.ServerError):
        client.get("x")
    assert len(delays) == 3
    assert 0.5 <= delays[0] <= 1.5 and 1.0 <= delays[1] <= 3.0 and 2.0 <= delays[2] <= 6.0


def test_non_idempotent_action_never_repeated_and_lost_answer_is_ambiguous():
    client, session = make([rexc.ReadTimeout("read timed out"), FakeResponse(200, envelope({}))])
    with pytest.raises(err.AmbiguousResultError) as info:
        client.action("system/api-user/generate-key", {"api-user": "x"})
    assert len(session.calls) == 1
    assert "not repeated" in info.value.hint


def test_non_idempotent_action_refused_connection_is_plain_unreachable():
    refused = rexc.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
    client, session = make([refused])
    with pytest.raises(err.UnreachableError):
        client.action("user/fortitoken/activate", {"tokens": ["FTK"]})
    assert len(session.calls) == 1


def test_post_create_not_retried_on_503():
    client, session = make([FakeResponse(503, text="x"), FakeResponse(200, envelope({}))])
    with pytest.raises(err.ServerError):
        client.post("user/local", {"name": "a"})
    assert len(session.calls) == 1


@pytest.mark.parametrize("text,why", [
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
     "not signed by a CA"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired", "expired"),
    ("hostname '127.0.1.1' doesn't match '127.0.1.2'", "does not match"),
])
def test_tls_errors_are_classified(text, why):
    client, session = make([rexc.SSLError(text)])
    with pytest.raises(err.TLSError) as info:
        client.get("system/status", api="monitor")
    assert why in str(info.value) and "ca_path" in info.value.hint
    assert len(session.calls) == 1


@pytest.mark.parametrize("message", ["CA cert does not include key usage extension",
                                     "Basic Constraints of CA cert not marked critical",
                                     "Missing Authority Key Identifier"])
def test_strict_x509_refusal_names_the_cause(message):
    # Python 3.13 verifies strictly: the hint must name that cause, not "not signed by a CA the controller trusts"
    text = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: %s (_ssl.c:1028)" % message
    client, session = make([rexc.SSLError(text)])
    with pytest.raises(err.TLSError) as info:
        client.get("system/status", api="monitor")
    assert info.value.kind == "tls_untrusted"
    assert "strict X.509 verification" in str(info.value) and "Python 3.13" in str(info.value)
    assert "properly issued certificate" in info.value.hint and "ca_path" in info.value.hint
    assert "keyUsage" in info.value.hint
    assert len(session.calls) == 1


def test_404_not_found_and_mkey_is_url_quoted():
    client, session = make([FakeResponse(404, {"status": "error", "http_status": 404})])
    with pytest.raises(err.NotFoundError):
        client.get("user/local", mkey="a/b c")
    assert session.calls[0]["url"].endswith("/api/v2/cmdb/user/local/a%2Fb%20c")


def test_admin_password_header():
    client, session = make([FakeResponse(200, envelope({}))], admin_password="pw")
    client.put("system/api-user", {"accprofile": "p"}, mkey="u", headers=client.admin_password_headers())
    assert session.calls[0]["headers"]["X-Admin-Passwd"] == "pw"


def test_html_500_is_device_refused_with_hint():
    client, session = make([FakeResponse(500, text="<html>Internal Server Error</html>")])
    with pytest.raises(err.DeviceRefusedError) as info:
        client.get("system/ftm-push")
    assert "error page" in info.value.hint


def test_delete_of_an_absent_object_is_success_even_after_a_lost_answer():
    client, session = make([connection_reset(), FakeResponse(404, {"status": "error", "http_status": 404})])
    answer = client.delete("user/fortitoken", "FTKMOB0123456789")
    assert answer.envelope["already_absent"] is True and len(session.calls) == 2


def test_share_reads_answers_every_repeated_get_cmdb_and_monitor_until_a_write():
    client, session = make([FakeResponse(200, envelope({"status": "disable"})),
                            FakeResponse(200, envelope({"hostname": "a"})),
                            FakeResponse(200, envelope({})),
                            FakeResponse(200, envelope({"status": "enable"})),
                            FakeResponse(200, envelope({"hostname": "b"}))])
    client.share_reads()
    first = client.get("system/ftm-push", scope="global")
    first.results["status"] = "changed by a caller"  # callers normalise in place: the memory must not see it
    assert client.get("system/ftm-push", scope="global").results == {"status": "disable"}
    client.get("system/status", api="monitor")
    # issue 19: a monitor answer is read once per device run too (license/status was read 3 times)
    assert client.get("system/status", api="monitor").results == {"hostname": "a"}
    client.put("system/ftm-push", {"status": "enable"}, scope="global")  # a write empties the memory
    assert client.get("system/ftm-push", scope="global").results == {"status": "enable"}  # re-read after a write
    assert client.get("system/status", api="monitor").results == {"hostname": "b"}
    assert [c["method"] for c in session.calls] == ["GET", "GET", "PUT", "GET", "GET"]
    assert client.requests_sent == 5


def test_reads_are_not_shared_unless_asked():
    client, session = make([FakeResponse(200, envelope({"a": 1})), FakeResponse(200, envelope({"a": 2}))])
    client.get("system/global")
    assert client.get("system/global").results == {"a": 2}
    assert len(session.calls) == 2


def test_the_proxy_environment_is_read_once_per_device_with_no_proxy_honoured(monkeypatch):
    """requests would look the environment up on every request (a quarter of a fleet run's CPU): the client reads it
    once for its device and turns the session's own lookup off; NO_PROXY still exempts a device."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "198.51.100.7")
    behind = FortiOSClient("192.0.2.1", access_token="t")
    assert behind.proxies["https"] == "http://proxy.example:3128"
    assert behind.session.trust_env is False
    assert FortiOSClient("198.51.100.7", access_token="t").proxies == {}
