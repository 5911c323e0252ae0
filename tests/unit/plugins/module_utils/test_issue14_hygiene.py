"""Issue 14: pure logic of key-rotation safety, the lock-out guard and input hygiene."""
import json
import os
import signal
import stat
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import api_user
from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import networks as net
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import FortiOSClient
from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info
from ansible_collections.fortifleet.auth.plugins.module_utils._report import render
from ansible_collections.fortifleet.auth.plugins.module_utils._task import files, runtime
from ansible_collections.fortifleet.auth.plugins.module_utils._task.journal import Journal

from .fake_transport import HTML_401, FakeResponse, FakeSession, envelope
from .memory_client import MemoryClient, context

KEY = "N3wKeyFromTheDevice0123456789x"
assert fortigate_info.ARGUMENT_SPEC  # imported for the findings its diagnoses register


# -- findings never format device data ------------------------------------------------------------------------
def test_device_data_with_braces_is_not_a_format_string():
    found = fnd.finding("FTM_PUSH_SERVER_CERT_MISSING", "server-cert='Cert{0}' {problem}", problem="Cert{0} {x}")
    assert found["detail"] == "server-cert='Cert{0}' Cert{0} {x}"
    assert "{" in fnd.finding("API_TOKEN_REJECTED", "a {0} b {}")["detail"]


# -- allow-all in pieces ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("pieces,version", [(["0.0.0.0/1", "128.0.0.0/1"], 4), (["::/1", "8000::/1"], 6),
                                            (["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"], 4)])
def test_union_of_networks_that_allows_everything(pieces, version):
    every = net.allows_everything([net.parse_network(p) for p in pieces])
    assert [n.version for n in every] == [version]
    with pytest.raises(err.InputError) as caught:
        api_user.refuse_allow_all([net.parse_network(p) for p in pieces], {"allow_any_trusthost": False})
    assert caught.value.field == "trusthost"
    api_user.refuse_allow_all([net.parse_network(p) for p in pieces], {"allow_any_trusthost": True})


def test_networks_that_do_not_cover_everything():
    assert net.allows_everything([net.parse_network(p) for p in ("0.0.0.0/1", "128.0.0.0/2", "::/1")]) == []


# -- scrubbing escaped forms ------------------------------------------------------------------------------------
def test_scrub_covers_repr_json_and_url_quoted_forms():
    secret = "tok\"en\\with\nodd"
    texts = ["header %r" % ("Bearer " + secret), json.dumps({"t": secret}), "q=%s" % runtime.quote(secret, safe="")]
    scrubbed = runtime.scrub(texts, {secret})
    for original, text in zip(texts, scrubbed):
        for form in runtime.escaped_forms(secret):
            assert form not in text, (form, text)
        assert "********" in text


# -- central value checks ---------------------------------------------------------------------------------------
def test_value_problems_name_the_field_without_echoing_a_secret(tmp_path):
    spec = api_user.ARGUMENT_SPEC
    params = {"access_token": "SecretValue\n", "comments": "a\x00b", "port": 65536, "timeout": 0, "retries": -1,
              "ca_path": str(tmp_path / "missing.pem"), "key_file": "/dev/null", "host": "a b"}
    problems = dict(runtime.value_problems(spec, params))
    assert set(problems) == {"access_token", "comments", "port", "timeout", "retries", "ca_path", "key_file", "host"}
    assert "SecretValue" not in json.dumps(problems)


def test_not_a_regular_file(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(str(fifo))
    assert "FIFO" in files.not_a_regular_file(str(fifo))
    assert "device node" in files.not_a_regular_file("/dev/null")
    assert "directory" in files.not_a_regular_file(str(tmp_path))
    link = tmp_path / "link"
    os.symlink("/dev/null", str(link))
    assert "device node" in files.not_a_regular_file(str(link))
    assert files.not_a_regular_file(str(tmp_path / "absent")) is None


def test_prove_writable_sees_a_full_disk_and_a_long_name(tmp_path, monkeypatch):
    assert files.prove_writable(str(tmp_path / "k.key")) is None
    assert os.listdir(str(tmp_path)) == []  # the probe file is gone
    assert "too long" in files.prove_writable(str(tmp_path / ("k" * 250)))

    class Full(object):
        f_bavail, f_frsize = 1, 4096
    monkeypatch.setattr(files.os, "statvfs", lambda path: Full())
    assert "full" in files.prove_writable(str(tmp_path / "k.key"))


# -- report writers ---------------------------------------------------------------------------------------------
def test_junit_stays_valid_xml_with_control_characters_in_device_data():
    device = {"name": "fgt\x01bad", "status": "error", "access": "error", "version": None, "findings": [],
              "changes": [], "errors": ["cli_error: \x00\x1b[31mred\x7f"]}
    report = {"run": {"name": "run\x02", "mode": "apply", "started": "s", "finished": "f", "devices": 1},
              "summary": {"by_status": {"error": 1}, "findings_by_id": {}, "human_actions": []},
              "devices": [device]}
    ET.fromstring(render.render_junit(report).encode("utf-8"))
    assert "\x00" not in render.render_markdown(report) and "\x1b" not in render.render_html(report)


# -- lock-out guard ---------------------------------------------------------------------------------------------
def _client(outcomes, token="tok"):
    return FortiOSClient("192.0.2.1", access_token=token, session=FakeSession(outcomes), sleep=lambda s: None)


def test_after_one_401_nothing_more_is_sent_with_that_token_by_any_client_of_the_run():
    first = _client([FakeResponse(401, text=HTML_401, reason="Unauthorized")])
    with pytest.raises(err.TokenRejectedError):
        first.get("system/status", api="monitor")
    second = _client([])  # another step, area or role of the same run: same device, same token
    with pytest.raises(err.TokenRejectedError) as caught:
        second.get("system/ftm-push")
    assert getattr(caught.value, "guarded", False) and second.session.calls == []
    other = _client([FakeResponse(200, envelope({}))], token="another")
    other.get("system/ftm-push")  # another credential is not affected


def test_the_guard_persists_across_processes_of_one_run(tmp_path):
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import LockoutGuard
    one, two = LockoutGuard(), LockoutGuard()
    one.configure(str(tmp_path / "g"), "run-1")
    two.configure(str(tmp_path / "g"), "run-1")
    key = LockoutGuard.key("192.0.2.1", 443, "tok")
    one.refuse(key, "was refused")
    assert two.refused(key) == "was refused"
    assert "tok" not in "".join(os.listdir(str(tmp_path / "g")))
    three = LockoutGuard()
    three.configure(str(tmp_path / "g"), "run-2")
    assert three.refused(key) is None


# -- key rotation -----------------------------------------------------------------------------------------------
def _rotation(tmp_path, key_file, **extra):
    client = MemoryClient({("system/api-user", "auto"): {"name": "auto", "accprofile": "p"}},
                          actions={"system/api-user/generate-key": lambda c, body: {"access_token": KEY}})
    params = dict({"name": "auto", "regenerate_key": True, "key_file": str(key_file), "verify_new_key": False,
                   "journal_dir": str(tmp_path / "journal")}, **extra)
    return client, context(client, params, spec=api_user.ARGUMENT_SPEC)


def test_key_file_that_cannot_take_the_key_sends_it_to_the_fallback_and_says_the_key_changed(tmp_path, monkeypatch):
    key_file = tmp_path / "k.key"
    client, ctx = _rotation(tmp_path, key_file)
    real = files.atomic_write

    def failing(path, text, mode=0o600):
        if path == str(key_file):
            raise OSError(28, "No space left on device")
        return real(path, text, mode)
    monkeypatch.setattr(api_user, "atomic_write", failing)
    result = runtime.execute(api_user.run, ctx)
    fallback = api_user.fallback_path(Journal(str(tmp_path / "journal")), "FGVM01TEST", "auto")
    assert result["failed"] and "CHANGED" in result["msg"] and fallback in result["msg"]
    assert KEY not in json.dumps(result)
    assert open(fallback).read().strip() == KEY and stat.S_IMODE(os.stat(fallback).st_mode) == 0o600
    entry = Journal(str(tmp_path / "journal")).read("FGVM01TEST", api_user.ROTATION)
    assert entry["step"] == "stored-fallback" and KEY not in json.dumps(entry)
    assert client.retired  # the old token is never sent again in this run
    finding = api_user.rotation_finding(entry, Journal(str(tmp_path / "journal")))
    assert finding["id"] == "API_KEY_ROTATION_INCOMPLETE" and fallback in finding["detail"]


def test_a_timeout_on_generate_key_leaves_an_open_entry_and_is_never_repeated(tmp_path):
    key_file = tmp_path / "k.key"
    client, ctx = _rotation(tmp_path, key_file)
    timeout = err.RequestTimeoutError(action="run", obj="monitor system/api-user/generate-key", host="fgt",
                                      detail="no answer")
    client.fail[("ACTION", "system/api-user/generate-key", None)] = err.AmbiguousResultError(
        action="run", obj="monitor system/api-user/generate-key", host="fgt", detail=timeout.message)
    result = runtime.execute(api_user.run, ctx)
    assert result["error_kind"] == "ambiguous"
    entry = Journal(str(tmp_path / "journal")).read("FGVM01TEST", api_user.ROTATION)
    assert entry["step"] == "answer-lost"
    assert len([c for c in client.calls if c[0] == "system/api-user/generate-key"]) == 1


def test_sigint_while_the_key_is_being_stored_waits_until_it_is_stored(tmp_path, monkeypatch):
    key_file = tmp_path / "k.key"
    client, ctx = _rotation(tmp_path, key_file)
    real = files.atomic_write

    def interrupted_write(path, text, mode=0o600):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands while the key is on its way to the disk
        return real(path, text, mode)
    monkeypatch.setattr(api_user, "atomic_write", interrupted_write)
    # Ctrl-C as an interactive ansible-playbook gets it (a pytest-xdist worker may have another SIGINT handler).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            runtime.execute(api_user.run, ctx)
    finally:
        runtime.uninstall_signal_holder()
        signal.signal(signal.SIGINT, previous)
    assert key_file.read_text().strip() == KEY
    assert Journal(str(tmp_path / "journal")).read("FGVM01TEST", api_user.ROTATION) is None


def _fallback_kept(tmp_path, monkeypatch, key_file):
    """A rotation whose key file could not take the key: the key is in the fallback, the entry open."""
    client, ctx = _rotation(tmp_path, key_file)
    real = files.atomic_write

    def full_disk(path, text, mode=0o600):
        if path == str(key_file):
            raise OSError(28, "No space left on device")
        return real(path, text, mode)
    monkeypatch.setattr(api_user, "atomic_write", full_disk)
    assert runtime.execute(api_user.run, ctx)["failed"]
    monkeypatch.setattr(api_user, "atomic_write", real)
    return api_user.fallback_path(Journal(str(tmp_path / "journal")), "FGVM01TEST", "auto")


def _next_run(tmp_path, monkeypatch, device_answers):
    client = MemoryClient({("system/api-user", "auto"): {"name": "auto", "accprofile": "p"}})
    probes = []

    def key_client(ctx, key):
        probes.append(key)
        return device_answers()
    monkeypatch.setattr(api_user, "key_client", key_client)
    ctx = context(client, {"name": "auto", "journal_dir": str(tmp_path / "journal")}, spec=api_user.ARGUMENT_SPEC)
    return runtime.execute(api_user.run, ctx), probes


def test_next_run_moves_a_fallback_key_the_device_accepts_to_the_key_file(tmp_path, monkeypatch):
    key_file = tmp_path / "k.key"
    fallback = _fallback_kept(tmp_path, monkeypatch, key_file)
    result, probes = _next_run(tmp_path, monkeypatch, lambda: MemoryClient({}, monitor={"system/status": {}}))
    assert probes == [KEY]  # verified against the device first
    assert key_file.read_text().strip() == KEY and stat.S_IMODE(os.stat(str(key_file)).st_mode) == 0o600
    assert not os.path.exists(fallback)
    assert Journal(str(tmp_path / "journal")).read("FGVM01TEST", api_user.ROTATION) is None
    assert not result.get("findings") and not result.get("failed") and result["changed"]
    assert KEY not in json.dumps(result) and any("was moved to" in w for w in result["warnings"])


def test_a_fallback_key_the_device_refuses_stays_with_its_finding(tmp_path, monkeypatch):
    key_file = tmp_path / "k.key"
    fallback = _fallback_kept(tmp_path, monkeypatch, key_file)

    class Refusing(MemoryClient):
        def get(self, *args, **kwargs):
            raise err.TokenRejectedError(action="read", obj="monitor system/status", host="fgt", status=401,
                                         detail="HTTP 401 Unauthorized")
    result, probes = _next_run(tmp_path, monkeypatch, lambda: Refusing({}))
    assert probes == [KEY] and not key_file.exists() and os.path.exists(fallback)
    assert [f["id"] for f in result["findings"]] == ["API_KEY_ROTATION_INCOMPLETE"]
    assert KEY not in json.dumps(result)
