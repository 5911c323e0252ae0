import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.fortifleet.auth.plugins.module_utils._config import engine
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err

from .memory_client import MemoryClient


FTM = engine.ObjectSpec("system/ftm-push")
USERS = engine.ObjectSpec("user/local", mkey="name")
IFACE = engine.ObjectSpec("system/interface", mkey="name", canonical={"allowaccess": engine.space_set})


def ftm_client(**values):
    obj = {"status": "disable", "server": "", "server-port": 4433, "server-cert": " "}
    obj.update(values)
    return MemoryClient({("system/ftm-push", None): obj})


def test_update_only_user_keys_and_diff_of_those_keys():
    client = ftm_client()
    result = engine.ensure_present(client, FTM, {"status": "enable", "server_cert": "Fortinet_Factory",
                                                 "server_port": 4433}, check_mode=False, diff=True)
    assert result["changed"] and result["operation"] == "update"
    assert result["changed_keys"] == ["server-cert", "status"]
    assert client.writes == [("PUT", "system/ftm-push", None, {"server-cert": "Fortinet_Factory", "status": "enable"})]
    assert result["diff"]["before"] == {"server-cert": " ", "server-port": 4433, "status": "disable"}
    assert result["diff"]["after"] == {"server-cert": "Fortinet_Factory", "server-port": 4433, "status": "enable"}
    assert result["after"]["status"] == "enable"


def test_check_mode_predicts_same_changed_and_writes_nothing():
    desired = {"status": "enable", "server": "203.0.113.1"}
    check = engine.ensure_present(ftm_client(), FTM, desired, check_mode=True, diff=True)
    client = ftm_client()
    real = engine.ensure_present(client, FTM, desired, check_mode=False, diff=True)
    assert check["changed"] is True and real["changed"] is True
    assert check["diff"] == real["diff"] and check["changed_keys"] == real["changed_keys"]
    assert check["after"]["server"] == real["after"]["server"]


def test_second_run_changes_nothing_and_makes_no_write():
    client = ftm_client()
    desired = {"status": "enable", "server": "203.0.113.1"}
    engine.ensure_present(client, FTM, desired, check_mode=False)
    client.writes = []
    again = engine.ensure_present(client, FTM, desired, check_mode=False)
    assert again["changed"] is False and client.writes == []


def test_create_row_with_post_and_delete():
    client = MemoryClient()
    created = engine.ensure_present(client, USERS, {"name": "alice", "two_factor": "fortitoken"},
                                    check_mode=False)
    assert created["operation"] == "create" and client.writes[0][0] == "POST"
    assert client.writes[0][3] == {"name": "alice", "two-factor": "fortitoken"}
    gone = engine.ensure_absent(client, USERS, "alice", check_mode=False, diff=True)
    assert gone["changed"] and client.writes[-1] == ("DELETE", "user/local", "alice", None)
    again = engine.ensure_absent(client, USERS, "alice", check_mode=False)
    assert again["changed"] is False and len(client.writes) == 2


def test_space_set_canonical_ignores_order_and_duplicates():
    client = MemoryClient({("system/interface", "wan1"): {"name": "wan1", "allowaccess": "ping https ssh ftm"}})
    result = engine.ensure_present(client, IFACE, {"name": "wan1", "allowaccess": "ftm https ssh ping"},
                                   check_mode=False)
    assert result["changed"] is False and client.writes == []


def test_not_applied_is_an_error():
    client = ftm_client()
    client.apply_writes = False
    with pytest.raises(err.NotAppliedError) as info:
        engine.ensure_present(client, FTM, {"status": "enable"}, check_mode=False)
    assert "status" in str(info.value)


def test_secret_keys_hidden_in_diff():
    spec = engine.ObjectSpec("user/local", mkey="name", secret_keys=["passwd"])
    client = MemoryClient({("user/local", "bob"): {"name": "bob", "passwd": "old-secret"}})
    result = engine.ensure_present(client, spec, {"name": "bob", "passwd": "new-secret"}, check_mode=True,
                                   diff=True)
    assert "secret" not in repr(result["diff"])


# -- properties -----------------------------------------------------------
keys = st.sampled_from(["status", "server", "server-port", "server-cert", "proxy", "comments"])
# Control characters are never written (refuse_control_characters, tested below): printable text only here.
printable = st.characters(blacklist_categories=("Cc",))
values = st.one_of(st.text(printable, max_size=12), st.integers(-5, 70000),
                   st.lists(st.text(printable, min_size=1, max_size=5), max_size=4))
objects = st.dictionaries(keys, values, max_size=6)


@given(objects)
def test_property_diff_of_x_with_x_is_empty(obj):
    assert engine.changed_keys(FTM, obj, obj) == []
    assert engine.plan(FTM, obj, obj) == (None, [])


@settings(max_examples=200)
@given(objects, objects)
def test_property_applying_the_plan_reaches_the_target(current, desired):
    client = MemoryClient({("system/ftm-push", None): dict(current)})
    result = engine.ensure_present(client, FTM, desired, check_mode=False)
    assert engine.changed_keys(FTM, client.objects[("system/ftm-push", None)], desired) == []
    assert result["changed"] == bool(engine.changed_keys(FTM, current, desired))
    # and a second run is a no-op with no write
    client.writes = []
    assert engine.ensure_present(client, FTM, desired, check_mode=False)["changed"] is False
    assert client.writes == []


@given(objects, objects)
def test_property_check_mode_agrees_with_real_run(current, desired):
    check = engine.ensure_present(MemoryClient({("system/ftm-push", None): dict(current)}), FTM, desired, True, diff=True)
    real = engine.ensure_present(MemoryClient({("system/ftm-push", None): dict(current)}), FTM, desired, False, diff=True)
    assert check["changed"] == real["changed"] and check["diff"] == real["diff"]


def test_a_row_that_must_exist_is_never_created():
    client = MemoryClient()
    with pytest.raises(err.NotFoundError) as caught:
        engine.ensure_present(client, USERS, {"two_factor": "disable"}, check_mode=False, mkey="bob", create=False)
    assert "user/local/bob" in str(caught.value) and client.writes == []
