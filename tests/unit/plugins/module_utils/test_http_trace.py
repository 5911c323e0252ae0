"""Issue 15: the -vvv HTTP trace (one line per request, never a secret) and one TLS warning."""
import warnings

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import client as fortios_client
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import FortiOSClient

from .fake_transport import FakeResponse, FakeSession, connection_reset, envelope

TOKEN = "tok3n-value-never-printed"
CODE = "ABCD-EFGH-IJKL-MNOP-QRST"


@pytest.fixture
def trace():
    lines = []
    fortios_client.set_trace(lines.append)
    yield lines
    fortios_client.set_trace(None)


def make(outcomes, **kw):
    return FortiOSClient("192.0.2.1", label="fgt-01", access_token=TOKEN, session=FakeSession(outcomes),
                         sleep=lambda s: None, **kw)


def test_one_line_per_request_with_method_path_query_keys_status_ms_and_retry(trace):
    client = make([connection_reset(), FakeResponse(200, envelope({"status": "enable"})),
                   FakeResponse(200, envelope({}))])
    client.get("system/ftm-push", scope="global")
    client.post("user/fortitoken", {"license": CODE})
    assert len(trace) == 3
    assert trace[0].startswith("fortifleet.auth HTTP fgt-01: GET /api/v2/cmdb/system/ftm-push?global -> ")
    assert trace[0].endswith("(retry 0)") and "unreachable" in trace[0]
    assert trace[1].startswith("fortifleet.auth HTTP fgt-01: GET /api/v2/cmdb/system/ftm-push?global -> 200 in ")
    assert trace[1].endswith(" ms (retry 1)")
    assert trace[2].startswith("fortifleet.auth HTTP fgt-01: POST /api/v2/cmdb/user/fortitoken?vdom -> 200 in ")
    text = "\n".join(trace)
    assert TOKEN not in text and CODE not in text and "root" not in text  # no header, body or query value


def test_no_trace_without_a_sink():
    fortios_client.set_trace(None)
    client = make([FakeResponse(200, envelope({}))])
    client.get("system/global")  # nothing to assert but that it works without a sink


def test_unverified_tls_silences_urllib3s_own_warning_only_then():
    from urllib3.exceptions import InsecureRequestWarning

    def silenced():
        return any(f[0] == "ignore" and f[2] is InsecureRequestWarning for f in warnings.filters)

    with warnings.catch_warnings():
        warnings.resetwarnings()
        make([])
        assert not silenced()
        make([], validate_certs=False)
        assert silenced()


# -- issue 15 #12: messages and facts that say where they come from -------------------------------------------------
@pytest.mark.parametrize("token", [TOKEN, None])
def test_the_401_message_ends_with_the_fix(token):
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err

    from .fake_transport import HTML_401

    client = FortiOSClient("192.0.2.1", label="fgt-01", access_token=token, session=FakeSession(
        [FakeResponse(401, text=HTML_401, reason="Unauthorized")]), sleep=lambda s: None)
    with pytest.raises(err.TokenRejectedError) as caught:
        client.get("system/status", api="monitor")
    text = str(caught.value)
    assert text.startswith("Failed to read monitor system/status on fgt-01: HTTP 401")
    last = text.rsplit(". Fix: ", 1)
    assert len(last) == 2 and "Fix:" not in last[0] and "fortigate_access_token" in last[1]


def test_url_token_acceptance_says_it_was_inferred_from_the_version():
    from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import diagnosis

    from .memory_client import MemoryClient, context

    for version, source in (("7.4.4", "version"), ("7.6.5", "config")):
        client = MemoryClient(objects={("system/global", None): {"rest-api-key-url-query": "disable"}},
                              version=version, monitor={"system/status": {}})
        facts, dummy = diagnosis.probe(context(client), client)
        assert facts["url_token_accepted_source"] == source
        assert facts["url_token_accepted"] is (source == "version")
