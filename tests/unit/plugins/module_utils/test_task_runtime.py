"""run_task: validation before any request, failures as results (never a traceback), secrets scrubbed."""
import types

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import ftm_push
from ansible_collections.fortifleet.auth.plugins.module_utils._task import runtime
from ansible_collections.fortifleet.auth.plugins.module_utils._task.argspec import with_connection

from .memory_client import MemoryClient

TOKEN = "tok-0123456789abcdef"


def widget(run, spec=None, kwargs=None):
    """A tiny logic module, fortifleet.auth.widget."""
    return types.SimpleNamespace(
        __name__="ansible_collections.fortifleet.auth.plugins.module_utils._widget.widget",
        ARGUMENT_SPEC=with_connection(spec if spec is not None else dict(
            name=dict(type="str", required=True), size=dict(type="int", default=3),
            secret=dict(type="str", no_log=True), first=dict(type="str"), second=dict(type="str"))),
        MODULE_KWARGS=kwargs if kwargs is not None else {"mutually_exclusive": [["first", "second"]]},
        run=run)


def must_not_run(ctx):
    raise AssertionError("the logic ran on invalid input")


def reads_status(ctx):
    ctx.client().get("system/status", api="monitor")
    return {"changed": False, "size": ctx.params["size"]}


def memory():
    return MemoryClient(monitor={"system/status": {"hostname": "fgt-001"}})


# -- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize("args, words", [
    ({}, "missing required arguments: name"),
    ({"name": "a", "size": "big"}, "size"),
    ({"name": "a", "colour": "red"}, "colour"),
    ({"name": "a", "first": "x", "second": "y"}, "mutually exclusive"),
])
def test_invalid_input_is_a_failed_result_before_any_request(args, words):
    client = memory()
    result, dummy = runtime.run_task(widget(must_not_run), dict(args, host="192.0.2.1"), client=client)
    assert result == {"failed": True, "changed": False, "error_kind": "invalid_input", "msg": result["msg"]}
    assert result["msg"].startswith("Invalid input for fortifleet.auth.widget: ") and words in result["msg"]
    assert client.requests_sent == 0


def test_valid_input_reaches_the_logic_with_defaults_and_counts_requests():
    client = memory()
    result, dummy = runtime.run_task(widget(reads_status), {"name": "a", "host": "192.0.2.1"}, client=client)
    assert result == {"changed": False, "size": 3, "requests": {"sent": 1, "retried": 0}}


def test_a_logic_that_sends_nothing_reports_no_requests():
    result, dummy = runtime.run_task(widget(lambda ctx: {"changed": True}), {"name": "a"})
    assert result == {"changed": True}


def test_check_and_diff_mode_reach_the_logic():
    seen = []
    runtime.run_task(widget(lambda ctx: seen.append((ctx.check_mode, ctx.diff, ctx.label)) or {}), {"name": "a"},
                     check_mode=1, diff=True, label="fgt-007")
    assert seen == [(True, True, "fgt-007")]


def test_the_module_name_is_the_logic_files_name():
    assert runtime.module_name(ftm_push) == "ftm_push"
    assert runtime.module_name(widget(must_not_run)) == "widget"


# -- failures ---------------------------------------------------------------------------------
def test_an_expected_error_is_a_failed_result_with_its_hint():
    def fails(ctx):
        raise err.InputError("name", "no such thing", "Give another name.")

    result, dummy = runtime.run_task(widget(fails), {"name": "a"})
    assert result["failed"] is True and result["changed"] is False
    assert result["error_kind"] == "invalid_input" and result["hint"] == "Give another name."
    assert result["msg"] == "Invalid value for 'name': no such thing. Give another name."


def test_a_device_refusal_keeps_its_fortios_fields_and_the_requests_sent():
    def refused(ctx):
        client = ctx.client()
        client.get("system/status", api="monitor")
        raise err.DeviceRefusedError("update", "system/ftm-push", client.label, "HTTP 500; FortiOS error -56",
                                     status=500, method="PUT", path="/api/v2/cmdb/system/ftm-push", error_code=-56,
                                     cli_error="Missing server address.")

    result, dummy = runtime.run_task(widget(refused), {"name": "a"}, client=memory())
    assert result["failed"] is True and result["error_kind"] == "device_refused"
    assert result["http_status"] == 500 and result["fortios_error"] == -56 and result["http_method"] == "PUT"
    assert result["cli_error"] == "Missing server address."
    assert result["msg"].startswith("Failed to update system/ftm-push on fgt-test")
    assert result["requests"] == {"sent": 1, "retried": 0}


def test_a_failure_after_a_change_keeps_changed_when_the_error_says_so():
    def half_done(ctx):
        exc = err.FortiFleetError("second step failed")
        exc.extra = {"changed": True, "changed_keys": ["status"]}
        raise exc

    result, dummy = runtime.run_task(widget(half_done), {"name": "a"})
    assert result["failed"] is True and result["changed"] is True and result["changed_keys"] == ["status"]


def test_a_bug_is_not_turned_into_a_result():
    # Programming errors propagate (the fleet records them as internal errors; an action shows the traceback).
    def broken(ctx):
        return {}["results"]

    with pytest.raises(KeyError):
        runtime.run_task(widget(broken), {"name": "a"})


# -- secrets ----------------------------------------------------------------------------------
def test_no_log_values_are_returned_and_scrubbed_everywhere():
    def echoes(ctx):
        return {"changed": False, "msg": "used %s and %s" % (ctx.params["access_token"], ctx.params["secret"]),
                "nested": [{"token": ctx.params["access_token"]}]}

    result, no_log = runtime.run_task(widget(echoes), {"name": "a", "access_token": TOKEN, "secret": "hunter22"})
    assert {TOKEN, "hunter22"} <= no_log
    clean = runtime.scrub(result, no_log)
    assert TOKEN not in repr(clean) and "hunter22" not in repr(clean)
    assert clean["nested"][0]["token"] != TOKEN and clean["changed"] is False


def test_no_log_values_are_returned_even_for_invalid_input():
    result, no_log = runtime.run_task(widget(must_not_run), {"name": "a", "access_token": TOKEN, "size": "x"})
    assert result["failed"] and TOKEN in no_log


def test_scrub_ignores_empty_secrets():
    assert runtime.scrub({"a": "", "b": "text"}, {"", None}) == {"a": "", "b": "text"}


def test_the_token_comes_from_the_environment_and_is_still_no_log(monkeypatch):
    monkeypatch.setenv("FORTIOS_ACCESS_TOKEN", TOKEN)
    seen = []
    dummy, no_log = runtime.run_task(widget(lambda ctx: seen.append(ctx.params["access_token"]) or {}),
                                     {"name": "a"})
    assert seen == [TOKEN] and TOKEN in no_log


# -- the client and its warning -----------------------------------------------------------------
def made_clients(monkeypatch):
    made = []

    def factory(params, label, access_token=None):
        made.append((params["host"], label))
        return memory()

    monkeypatch.setattr(runtime, "client_from_params", factory)
    return made


def test_an_unverified_certificate_is_warned_about_once(monkeypatch):
    made = made_clients(monkeypatch)

    def twice(ctx):
        assert ctx.client() is ctx.client()
        return {}

    result, dummy = runtime.run_task(widget(twice), {"name": "a", "host": "192.0.2.1", "validate_certs": False},
                                     label="fgt-001")
    assert made == [("192.0.2.1", "fgt-001")]
    assert result["warnings"] == [runtime.INSECURE_WARNING % "fgt-001"]
    assert "ca_path" in result["warnings"][0]


@pytest.mark.parametrize("args", [{"validate_certs": True}, {"validate_certs": False, "use_ssl": False}])
def test_no_warning_with_verified_tls_or_plain_http(monkeypatch, args):
    made_clients(monkeypatch)
    result, dummy = runtime.run_task(widget(reads_status), dict(args, name="a", host="192.0.2.1"))
    assert "warnings" not in result


def test_a_shared_client_is_used_as_given_without_a_new_one(monkeypatch):
    made = made_clients(monkeypatch)
    client = memory()
    runtime.run_task(widget(reads_status), {"name": "a", "validate_certs": False}, client=client)
    assert made == [] and client.requests_sent == 1


def test_no_host_is_an_input_error_naming_host():
    result, dummy = runtime.run_task(widget(reads_status), {"name": "a"})
    assert result["failed"] and result["error_kind"] == "invalid_input" and "'host'" in result["msg"]


# -- a real module's logic ---------------------------------------------------------------------
def push_device(**push):
    row = {"status": "disable", "server": "203.0.113.7", "server-ip": "0.0.0.0", "server-port": 4433,
           "server-cert": "Fortinet_GUI_Server", "proxy": "enable"}
    row.update(push)
    return MemoryClient({("system/ftm-push", None): row,
                         ("system/interface", "port1"): {"name": "port1", "ip": "203.0.113.7 255.255.255.0",
                                                         "allowaccess": "ping https"},
                         ("certificate/local", "Fortinet_GUI_Server"): {"name": "Fortinet_GUI_Server"}})


def test_a_real_module_runs_on_the_given_client():
    client = push_device()
    result, no_log = runtime.run_task(ftm_push, {"status": "enable", "access_token": TOKEN}, client=client)
    assert result["changed"] is True and result["changed_keys"] == ["status"]
    assert client.writes == [("PUT", "system/ftm-push", None, {"status": "enable"})]
    assert result["requests"]["sent"] == client.requests_sent and TOKEN in no_log


def test_a_real_module_in_check_mode_writes_nothing():
    client = push_device()
    result, dummy = runtime.run_task(ftm_push, {"status": "enable", "allow_ftm_access": True}, check_mode=True,
                                     diff=True, client=client)
    assert result["changed"] is True and client.writes == []
    assert result["changed_keys"] == ["status", "interface/port1/allowaccess"] and len(result["diff"]) == 2


def test_a_real_modules_mutually_exclusive_options_are_refused_before_any_request():
    client = push_device()
    result, dummy = runtime.run_task(ftm_push, {"server": "push.example.net", "interface": "port1"}, client=client)
    assert result["error_kind"] == "invalid_input" and "fortifleet.auth.ftm_push" in result["msg"]
    assert "mutually exclusive" in result["msg"] and client.requests_sent == 0


def test_a_real_modules_input_error_is_a_result_not_a_traceback():
    client = push_device()
    result, dummy = runtime.run_task(ftm_push, {"server": "0.0.0.0"}, client=client)
    assert result["failed"] and result["error_kind"] == "invalid_input" and "'server'" in result["msg"]
    assert result["changed"] is False and client.requests_sent == 0
    assert result["requests"] == {"sent": 0, "retried": 0}  # the given client is reported, with nothing sent


def test_a_validation_warning_reaches_the_result_as_text():
    logic = widget(lambda ctx: {}, spec=dict(name=dict(type="str", aliases=["n"])), kwargs={})
    result, dummy = runtime.run_task(logic, {"name": "a", "n": "b"})
    assert result["warnings"] and all(isinstance(w, str) and "name" in w for w in result["warnings"])
