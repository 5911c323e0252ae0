"""fortifleet.auth.api_user: trusthost, profile and key rotation of the REST API admin (no sockets)."""
import os
import stat

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import api_user
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err

from .memory_client import MemoryClient, context, refused

USER = "fortifleet-automation"
PATH = "system/api-user"
GENERATE = "system/api-user/generate-key"
NEW_KEY = "Hq3x7N0kQ5rj4bsm8fGcyn1gd9wt6p"


def api_user_row(**values):
    """An api-user as the emulator's baseline holds it (secrets masked as FortiOS shows them)."""
    row = {"name": USER, "comments": "fortifleet automation", "api-key": "ENC XXXXXXXXXXXXXXXX",
           "accprofile": "fortifleet_api", "vdom": [{"name": "root"}], "schedule": "", "cors-allow-origin": "",
           "peer-auth": "disable", "peer-group": "",
           "trusthost": [{"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "127.0.0.0 255.0.0.0",
                          "ipv6-trusthost": "::/0"}]}
    row.update(values)
    return row


def fortigate(exists=True, key=NEW_KEY, **values):
    objects = {(PATH, USER): api_user_row(**values)} if exists else {}
    return MemoryClient(objects, actions={GENERATE: lambda client, body: {"access_token": key}})


def run(client, check_mode=False, diff=False, **params):
    params.setdefault("name", USER)
    return api_user.run(context(client, params, check_mode=check_mode, diff=diff, spec=api_user.ARGUMENT_SPEC))


class KeyChecker(object):
    """Stands in for client_from_params: the second client that tries the new key."""

    def __init__(self, monkeypatch, failure=None):
        self.made = []
        self.failure = failure
        monkeypatch.setattr(api_user, "client_from_params", self)

    def __call__(self, params, label, access_token=None):
        check = MemoryClient(monitor={"system/status": {"hostname": "fgt-001"}})
        if self.failure is not None:
            check.fail[("GET", "system/status", None)] = self.failure
        self.made.append((access_token, check))
        return check


# -- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize("params, field", [
    ({"trusthost": ["0.0.0.0/0"]}, "trusthost"),
    ({"trusthost": ["0.0.0.0 0.0.0.0"]}, "trusthost"),
    ({"trusthost": ["::/0"]}, "trusthost"),
    ({"trusthost": ["192.0.2.0/33"]}, "trusthost"),
    ({"trusthost": ["10.0.0.0 255.0.255.0"]}, "trusthost"),  # non-contiguous mask
    ({"trusthost": ["not-an-address"]}, "trusthost"),
    ({"trusthost": [], "trusthost_mode": "exact"}, "trusthost"),
    ({"name": "bad name"}, "name"), ({"name": "x" * 36}, "name"), ({"accprofile": "prof;rm"}, "accprofile"),
    ({"vdoms": ["root", "v/2"]}, "vdoms"), ({"comments": "two\nlines"}, "comments"),
    ({"regenerate_key": True}, "key_file"),
])
def test_bad_input_is_refused_before_any_request(params, field):
    client = fortigate()
    with pytest.raises(err.InputError) as caught:
        run(client, **params)
    assert caught.value.field == field
    assert client.requests_sent == 0


def test_allow_all_is_refused_with_the_reason_and_accepted_only_when_asked():
    with pytest.raises(err.InputError) as caught:
        run(fortigate(), trusthost=["0.0.0.0/0"])
    assert "allow_any_trusthost" in str(caught.value)
    client = fortigate()
    result = run(client, trusthost=["0.0.0.0/0"], allow_any_trusthost=True)
    assert result["changed"] and client.writes[0][3]["trusthost"][-1]["ipv4-trusthost"] == "0.0.0.0 0.0.0.0"


def test_a_key_file_in_a_missing_directory_is_refused_before_any_request(tmp_path):
    client = fortigate()
    with pytest.raises(err.InputError) as caught:
        run(client, regenerate_key=True, key_file=str(tmp_path / "missing" / "fgt.key"))
    assert caught.value.field == "key_file" and client.requests_sent == 0


def test_creating_an_api_user_needs_an_accprofile():
    client = fortigate(exists=False)
    with pytest.raises(err.InputError) as caught:
        run(client, trusthost=["192.0.2.10"])
    assert caught.value.field == "accprofile" and client.writes == []


# -- trusthost -----------------------------------------------------------------------------------
def test_create_posts_the_user_with_its_trusthost_entries():
    client = fortigate(exists=False)
    result = run(client, accprofile="fortifleet_api", trusthost=["192.0.2.0/24", "2001:db8::/32"], vdoms=["root"])
    assert client.writes == [("POST", PATH, None, {
        "name": USER, "accprofile": "fortifleet_api", "vdom": [{"name": "root"}],
        "trusthost": [{"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "192.0.2.0 255.255.255.0"},
                      {"id": 2, "type": "ipv6-trusthost", "ipv6-trusthost": "2001:db8::/32"}]})]
    assert result["operation"] == "create" and result["changed"] and result["key_rotated"] is False


def test_add_mode_appends_missing_networks_after_the_existing_entries():
    client = fortigate()
    result = run(client, trusthost=["192.0.2.10", "10.0.0.0/8", "127.0.0.0 255.0.0.0"])
    assert client.writes == [("PUT", PATH, USER, {"trusthost": [
        {"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "127.0.0.0 255.0.0.0", "ipv6-trusthost": "::/0"},
        {"id": 2, "type": "ipv4-trusthost", "ipv4-trusthost": "192.0.2.10 255.255.255.255"},
        {"id": 3, "type": "ipv4-trusthost", "ipv4-trusthost": "10.0.0.0 255.0.0.0"}]})]
    assert result["changed_keys"] == ["trusthost"]


def test_add_mode_with_networks_already_trusted_changes_nothing():
    client = fortigate()
    result = run(client, trusthost=["127.0.0.0/8", "127.0.0.0 255.0.0.0"])
    assert result["changed"] is False and client.writes == []


def test_exact_mode_replaces_the_list_and_renumbers():
    client = fortigate()
    run(client, trusthost=["198.51.100.0/24"], trusthost_mode="exact")
    assert client.writes == [("PUT", PATH, USER, {"trusthost": [
        {"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "198.51.100.0 255.255.255.0"}]})]


def test_exact_mode_compares_networks_not_entry_ids():
    client = fortigate(trusthost=[{"id": 7, "type": "ipv4-trusthost", "ipv4-trusthost": "10.0.0.0 255.0.0.0"}])
    assert run(client, trusthost=["10.0.0.0/8"], trusthost_mode="exact")["changed"] is False
    assert client.writes == []


def test_profile_vdoms_and_cors_are_written_only_when_they_differ():
    client = fortigate()
    result = run(client, accprofile="fortifleet_api", vdoms=["root"], cors_allow_origin="https://ops.example.com")
    assert client.writes == [("PUT", PATH, USER, {"cors-allow-origin": "https://ops.example.com"})]
    assert result["changed_keys"] == ["cors-allow-origin"]
    client.writes = []
    assert run(client, accprofile="fortifleet_api", vdoms=["root"],
               cors_allow_origin="https://ops.example.com")["changed"] is False
    assert client.writes == []


def test_the_result_never_holds_the_stored_key():
    result = run(fortigate(), diff=True, comments="rotated quarterly")
    assert "api-key" not in result["api_user"] and result["api_user"]["comments"] == "rotated quarterly"
    assert "XXXX" not in repr(result)


def test_check_mode_predicts_the_change_and_writes_nothing():
    client = fortigate()
    check = run(client, check_mode=True, diff=True, trusthost=["192.0.2.10"])
    assert client.writes == [] and check["changed"] and check["changed_keys"] == ["trusthost"]
    real = run(fortigate(), diff=True, trusthost=["192.0.2.10"])
    assert check["diff"] == real["diff"]


def test_the_admin_password_error_on_a_write_says_what_to_set():
    client = fortigate()
    client.fail[("PUT", PATH, USER)] = refused("update", PATH, code=-8102)
    with pytest.raises(err.DeviceRefusedError) as caught:
        run(client, comments="x")
    assert "admin_password" in caught.value.hint and "Nothing was changed" in caught.value.hint


# -- key rotation -------------------------------------------------------------------------------
def test_rotation_calls_generate_key_once_and_stores_the_key_in_a_private_file(tmp_path, monkeypatch):
    checker = KeyChecker(monkeypatch)
    key_file = tmp_path / "fgt-001.key"
    ctx = context(fortigate(), {"name": USER, "regenerate_key": True, "key_file": str(key_file)},
                  spec=api_user.ARGUMENT_SPEC)
    client = ctx.client()
    result = api_user.run(ctx)
    assert client.calls == [(GENERATE, {"api-user": USER})]
    assert key_file.read_text() == NEW_KEY + "\n"
    assert stat.S_IMODE(os.stat(str(key_file)).st_mode) == 0o600
    assert result["changed"] and result["key_rotated"] and result["key_verified"] is True
    assert result["key_file"] == str(key_file) and "api_key" not in result
    assert NEW_KEY not in repr(result)
    assert [token for token, dummy in checker.made] == [NEW_KEY]  # the new key is tried, once
    assert any("regenerated" in w and "old key no longer works" in w for w in ctx.warnings)
    # The check with the new key is one GET, and it counts toward the task's requests (two reads + generate-key).
    assert checker.made[0][1].requests_sent == 1 and client.requests_sent == 4


def test_return_key_gives_the_key_in_a_no_log_result(monkeypatch):
    KeyChecker(monkeypatch)
    result = run(fortigate(), regenerate_key=True, return_key=True, verify_new_key=False)
    assert result["api_key"] == NEW_KEY and result["_ansible_no_log"] is True
    assert result["key_verified"] is None


def test_rotation_in_check_mode_reports_a_change_and_generates_nothing(tmp_path):
    client = fortigate()
    key_file = tmp_path / "fgt.key"
    result = run(client, check_mode=True, regenerate_key=True, key_file=str(key_file))
    assert result["changed"] is True and result["key_rotated"] is False
    assert client.calls == [] and not key_file.exists()


def test_a_lost_generate_key_answer_is_never_retried(tmp_path):
    client = fortigate()
    client.fail[("ACTION", GENERATE, None)] = [
        err.AmbiguousResultError("run", GENERATE, client.label, "connection reset after the request was sent"),
        None]
    with pytest.raises(err.AmbiguousResultError) as caught:
        run(client, regenerate_key=True, key_file=str(tmp_path / "fgt.key"))
    assert client.calls == [(GENERATE, {"api-user": USER})]
    assert "was not sent again" in caught.value.hint and "execute api-user generate-key %s" % USER in caught.value.hint
    assert not (tmp_path / "fgt.key").exists()


def test_generate_key_refused_for_the_admin_password_names_the_option(tmp_path):
    client = fortigate()
    client.fail[("ACTION", GENERATE, None)] = refused("run", GENERATE, code=-8102)
    with pytest.raises(err.DeviceRefusedError) as caught:
        run(client, regenerate_key=True, key_file=str(tmp_path / "fgt.key"))
    assert "admin_password" in caught.value.hint and "No key was generated" in caught.value.hint
    assert caught.value.error_code == -8102 and len(client.calls) == 1


def test_another_refusal_of_generate_key_is_passed_on_unchanged(tmp_path):
    client = fortigate()
    original = refused("run", GENERATE, code=-3)
    client.fail[("ACTION", GENERATE, None)] = original
    with pytest.raises(err.DeviceRefusedError) as caught:
        run(client, regenerate_key=True, key_file=str(tmp_path / "fgt.key"))
    assert caught.value is original


def test_a_success_without_a_key_is_ambiguous(tmp_path):
    client = fortigate(key="")
    with pytest.raises(err.AmbiguousResultError) as caught:
        run(client, regenerate_key=True, key_file=str(tmp_path / "fgt.key"))
    assert "returned no key" in str(caught.value) and len(client.calls) == 1
    assert not (tmp_path / "fgt.key").exists()


def test_a_new_key_the_device_refuses_is_still_stored_and_the_hint_says_where(tmp_path, monkeypatch):
    KeyChecker(monkeypatch, failure=err.TokenRejectedError(
        "read", "system/status", "fgt-test", "HTTP 401", status=401))
    key_file = tmp_path / "fgt.key"
    client = fortigate()
    with pytest.raises(err.FortiOSError) as caught:
        run(client, regenerate_key=True, key_file=str(key_file))
    assert key_file.read_text() == NEW_KEY + "\n"
    assert "stored in %s" % key_file in caught.value.hint and "trusthost" in caught.value.hint
    assert caught.value.status == 401 and len(client.calls) == 1
