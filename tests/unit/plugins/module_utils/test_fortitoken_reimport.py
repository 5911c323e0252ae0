"""The re-import of migrated FortiTokens (state reimported) on the in-memory FortiGate.

journal the plan, then per token: unbind -> delete -> re-import -> re-bind -> re-read; check mode computes the same
plan and diff without writing; a failure at any step is rolled back and the result says what was restored and what
is left for a human. Interruptions at every request and their resume: test_fortitoken_interrupted.py.
"""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken

from .memory_client import context, refused
from .test_fortitoken_module import CODE, MIGRATED, MOB1, MOB2, MOB3, TOKENS, device, run, token, user

ALICE, BOB, NETOPS = ("user/local", "alice"), ("user/local", "bob"), ("system/admin", "netops")
SERIALS = [MOB1, MOB2, MOB3]
BOB_BY_HAND = ("config user local / edit bob / set two-factor fortitoken / set fortitoken %s / set sms-server "
               "fortiguard / set sms-phone +15555550100 / end" % MOB2)


def migrated(codes=None):
    """MOB1 (bound to user alice and admin netops) and MOB2 (user bob) were migrated; MOB3 (carol) is fine."""
    return device(
        tokens=[token(MOB1, seed="ENC seed-one"), token(MOB2, seed="ENC seed-two"), token(MOB3)],
        users=[user("alice", MOB1), user("bob", MOB2, **{"email-to": "", "sms-phone": "+15555550100"}),
               user("carol", MOB3)],
        admins=[user("netops", MOB1, **{"email-to": "netops@example.com"})],
        status={MOB1: MIGRATED, MOB2: MIGRATED, MOB3: "provisioned"}, codes=codes)


def reimport(client, **params):
    return run(client, serials=SERIALS, state="reimported", **params)


def failed(client, **params):
    with pytest.raises(err.FortiFleetError) as caught:
        reimport(client, **params)
    result = caught.value.to_result()
    return caught.value, result


UNBIND = {"two-factor": "disable", "fortitoken": ""}


def bind(serial):
    return {"fortitoken": serial, "two-factor": "fortitoken"}


# -- the real run ---------------------------------------------------------------------------------------

def test_real_run_unbinds_deletes_reimports_and_rebinds_in_that_order():
    client = migrated()
    before = client.bindings()
    result = reimport(client)
    assert result["changed"] is True and result["reimported"] == [MOB1, MOB2]
    assert result["bindings"] == [{"kind": "user", "name": "alice", "token": MOB1},
                                  {"kind": "user", "name": "bob", "token": MOB2},
                                  {"kind": "admin", "name": "netops", "token": MOB1}]
    # one token at a time: an interruption can touch at most one token's bindings
    assert client.writes == [
        ("PUT", "user/local", "alice", UNBIND), ("PUT", "system/admin", "netops", UNBIND),
        ("DELETE", TOKENS, MOB1, None), ("POST", TOKENS, None, {"serial-number": MOB1}),
        ("PUT", "user/local", "alice", bind(MOB1)), ("PUT", "system/admin", "netops", bind(MOB1)),
        ("PUT", "user/local", "bob", UNBIND), ("DELETE", TOKENS, MOB2, None),
        ("POST", TOKENS, None, {"serial-number": MOB2}), ("PUT", "user/local", "bob", bind(MOB2)),
    ]
    assert client.bindings() == before and client.tokens() == SERIALS
    assert client.calls == []  # KB 194508: not activated again
    assert result["tokens"] == [{"serial": MOB1, "status": "new"}, {"serial": MOB2, "status": "new"},
                                {"serial": MOB3, "status": "provisioned"}]
    assert "diff" not in result  # only with --diff
    client.writes = []
    again = reimport(client)
    assert again["changed"] is False and again["reimported"] == [] and again["bindings"] == []
    assert client.writes == [] and client.calls == []


def test_reimport_with_the_licence_code_imports_once_per_token_and_posts_no_serial():
    client = migrated(codes={CODE: [MOB1, MOB2]})
    before = client.bindings()
    result = reimport(client, license_code=CODE, diff=True)
    # troubleshooting.md B7 (KB 198420): the code again brings back the one token just deleted, leaves the rest
    assert result["changed"] and client.calls == [("user/fortitoken/import-mobile", {"code": CODE})] * 2
    assert [w[0] for w in client.writes] == ["PUT", "PUT", "DELETE", "PUT", "PUT", "PUT", "DELETE", "PUT"]
    assert [w for w in client.writes if w[0] == "POST"] == []
    assert client.bindings() == before and client.tokens() == SERIALS
    assert CODE not in repr(result)


def test_nothing_migrated_means_no_change_and_no_write():
    client = device(tokens=[token(MOB3)], users=[user("carol", MOB3)], status={MOB3: "provisioned"})
    result = run(client, serials=[MOB3], state="reimported", diff=True)
    assert result["changed"] is False and result["reimported"] == [] and client.writes == []
    assert "diff" not in result


def test_send_activation_after_the_reimport_goes_to_every_restored_binding():
    client = migrated()
    result = reimport(client, send_activation=True)
    assert result["activation_sent"] == [{"token": MOB1, "to": "user alice", "method": "email"},
                                         {"token": MOB2, "to": "user bob", "method": "sms"},
                                         {"token": MOB1, "to": "admin netops", "method": "email"}]


# -- check mode and --diff ------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [{}, {"license_code": CODE}])
def test_check_mode_reports_the_same_changed_and_diff_without_writing(params):
    codes = {CODE: [MOB1, MOB2]}
    client = migrated(codes)
    check = reimport(client, check_mode=True, diff=True, **params)
    assert client.writes == [] and client.calls == []
    assert client.status[MOB1] == MIGRATED
    real = reimport(migrated(codes), diff=True, **params)
    assert check["changed"] is real["changed"] is True
    assert check["reimported"] == real["reimported"] and check["bindings"] == real["bindings"]
    assert check["diff"] == real["diff"]


def test_diff_shows_per_token_the_bindings_removed_and_restored():
    result = reimport(migrated(), diff=True)
    diff = result["diff"]
    assert len(diff) == 2 + 3 + 2 + 2 + 3  # per token, unbind, delete, import, re-bind
    assert diff[0] == {
        "before": {"serial-number": MOB1, "status": MIGRATED,
                   "bound_to": ["user alice (two-factor fortitoken)", "admin netops (two-factor fortitoken)"]},
        "after": {"serial-number": MOB1, "status": "new",
                  "bound_to": ["user alice (two-factor fortitoken)", "admin netops (two-factor fortitoken)"]},
        "before_header": "user/fortitoken/%s on fgt-test: migrated, 2 binding(s) recorded and removed" % MOB1,
        "after_header": "user/fortitoken/%s on fgt-test: deleted, re-added by serial, 2 binding(s) restored" % MOB1,
    }
    assert diff[1]["before"]["bound_to"] == diff[1]["after"]["bound_to"] == ["user bob (two-factor fortitoken)"]
    # the engine's entries, in the order of the writes (one token after the other)
    assert [d["before_header"] for d in diff[2:]] == [
        "user/local/alice on fgt-test", "system/admin/netops on fgt-test", "user/fortitoken/%s on fgt-test" % MOB1,
        "user/fortitoken/%s on fgt-test" % MOB1, "user/local/alice on fgt-test", "system/admin/netops on fgt-test",
        "user/local/bob on fgt-test", "user/fortitoken/%s on fgt-test" % MOB2, "user/fortitoken/%s on fgt-test" % MOB2,
        "user/local/bob on fgt-test"]
    assert diff[2]["before"] == bind(MOB1) and diff[2]["after"] == UNBIND
    assert diff[4]["before"]["seed"] == "<hidden>" and diff[4]["after"] == {}
    assert diff[5]["before"] == {} and diff[5]["after"] == {"serial-number": MOB1}
    assert diff[6]["before"]["fortitoken"] == "" and diff[6]["after"]["fortitoken"] == MOB1
    assert diff[6]["after"]["email-to"] == "alice@example.com"
    assert "seed-one" not in repr(diff) and "ENC secret" not in repr(diff)


# -- a failure at every step is rolled back ---------------------------------------------------------------

def once(condition, exc):
    """A trap that raises ``exc`` the first time ``condition(client, method, path, mkey)`` holds."""
    fired = []

    def trap(client, method, path, mkey):
        if not fired and condition(client, method, path, mkey):
            fired.append(True)
            raise exc
    return trap


def after_rebinds(client):
    return len([w for w in client.writes if w[0] == "PUT"]) == 6


def not_applied_once(client, method, path, mkey):
    """bob's re-bind answers success but the device keeps the old values (the engine's re-read catches it)."""
    if method == "PUT" and (path, mkey) == BOB and client.objects[BOB]["fortitoken"] == "" and \
            not getattr(client, "dropped", False):
        client.dropped = True
        client.ignore_once.add(BOB)


def someone_changes_alice(client, method, path, mkey):
    if method == "GET" and path == "user/local" and mkey is None and after_rebinds(client) and \
            not getattr(client, "changed_alice", False):
        client.changed_alice = True
        client.objects[ALICE]["sms-phone"] = "+15555550999"


def inject_unbind(client):
    client.fail[("PUT", "user/local", "bob")] = [refused("update", "user/local")]


def inject_delete(client):
    client.fail[("DELETE", TOKENS, MOB2)] = [refused("delete", TOKENS, code=-23)]


def inject_reimport_post(client):
    client.fail[("POST", TOKENS, MOB2)] = [refused("create", TOKENS)]


def inject_reimport_forticare(client):
    client.fail[("ACTION", "user/fortitoken/import-mobile", None)] = refused(
        "import", "user/fortitoken/import-mobile", cli_error="FortiCare error 10: forticare license card not found")


def inject_rebind(client):
    client.fail[("PUT", "user/local", "bob")] = [None, refused("update", "user/local")]


def inject_rebind_not_applied(client):
    client.trap = not_applied_once


def inject_reread_get(client):
    client.trap = once(lambda c, method, path, mkey: method == "GET" and path == "system/admin" and mkey is None
                       and after_rebinds(c), refused("read", "system/admin"))


def inject_reread_mismatch(client):
    client.trap = someone_changes_alice


REBOUND = ["user alice bound to %s again" % MOB1, "user bob bound to %s again" % MOB2,
           "admin netops bound to %s again" % MOB1]


@pytest.mark.parametrize("inject,step,params,done", [
    # MOB1 (alice, netops) is done before MOB2 (bob) starts: a failure on MOB2 leaves MOB1 re-imported and bound
    (inject_unbind, "unbind", {}, []),
    (inject_delete, "delete", {}, REBOUND[1:2]),
    (inject_reimport_post, "re-import", {}, ["token %s re-added by serial" % MOB2] + REBOUND[1:2]),
    (inject_reimport_forticare, "re-import", {"license_code": CODE},
     ["token %s re-added by serial" % MOB1, REBOUND[0], REBOUND[2]]),
    (inject_rebind, "re-bind", {}, REBOUND[1:2]),
    (inject_rebind_not_applied, "re-bind", {}, REBOUND[1:2]),
    (inject_reread_get, "re-read", {}, []),
    (inject_reread_mismatch, "re-read", {}, REBOUND[:1]),
], ids=["unbind-2nd", "delete", "re-import-by-serial", "re-import-forticare", "re-bind-2nd", "re-bind-not-applied",
        "re-read-fails", "re-read-differs"])
def test_failure_at_every_step_is_rolled_back_to_the_recorded_state(inject, step, params, done):
    client = migrated(codes={CODE: [MOB1, MOB2]})
    before = client.bindings()
    inject(client)
    error, result = failed(client, **params)
    assert result["failed_step"] == step
    assert "at step '%s'" % step in result["msg"] and "Rolled back: " in result["msg"]
    assert result["rollback"] == {"done": done, "left": []}
    assert "ROLLBACK INCOMPLETE" not in result["msg"]
    if not done:
        assert "Rolled back: nothing needed." in result["msg"]
    assert client.bindings() == before and client.tokens() == SERIALS
    assert len([c for c in client.calls if c[0].endswith("/import-mobile")]) <= 1  # never twice
    assert [w for w in client.writes if w[1] in ("user/local", "system/admin") and w[0] != "PUT"] == []
    if inject is inject_reimport_forticare:
        assert [f["id"] for f in result["findings"]] == ["FORTICARE_CARD_NOT_FOUND"]
        assert CODE not in result["msg"]
    else:
        assert "findings" not in result


def test_rollback_that_cannot_re_add_a_token_says_what_a_human_must_do():
    client = migrated()
    before = client.bindings()
    client.fail[("POST", TOKENS, MOB2)] = refused("create", TOKENS)  # every time, the rollback's too
    error, result = failed(client)
    assert result["failed_step"] == "re-import"
    assert result["rollback"] == {
        "done": [],  # MOB1 was re-imported and re-bound before MOB2 started
        "left": ["token %s is missing, re-adding it failed (device_refused): re-add it (config user fortitoken / "
                 "edit %s / end)" % (MOB2, MOB2),
                 "user bob: once token %s is back, %s" % (MOB2, BOB_BY_HAND)],
    }
    assert "ROLLBACK INCOMPLETE, do by hand: " in result["msg"]
    # bob was not written to point at a missing token; the others are back as recorded
    assert client.bindings() == dict((k, v) for k, v in before.items() if k != BOB)
    assert client.tokens() == [MOB1, MOB3]
    assert client.objects[BOB]["fortitoken"] == "" and client.objects[BOB]["sms-phone"] == "+15555550100"


def test_rollback_that_cannot_re_bind_says_what_a_human_must_do():
    client = migrated()
    before = client.bindings()
    client.fail[("PUT", "user/local", "bob")] = [None, refused("update", "user/local"), refused("update", "user/local")]
    error, result = failed(client)
    assert result["failed_step"] == "re-bind"
    assert result["rollback"] == {
        "done": [],
        "left": ["user bob is not bound as before (device_refused): %s" % BOB_BY_HAND]}
    assert client.bindings() == dict((k, v) for k, v in before.items() if k != BOB)
    assert client.tokens() == SERIALS


def test_rollback_that_cannot_even_read_lists_everything_to_check():
    client = migrated()
    inject_delete(client)

    def broken_after_the_failure(c, method, path, mkey):
        if ("DELETE", TOKENS, MOB2) in c.fail and not c.fail[("DELETE", TOKENS, MOB2)]:
            raise refused("read", path, "HTTP 503", code=None)  # the unit went away
    client.trap = broken_after_the_failure
    error, result = failed(client)
    assert result["failed_step"] == "delete"
    assert result["rollback"]["done"] == []
    assert result["rollback"]["left"] == [
        "could not read the tokens back (device_refused): make sure %s, %s exist (config user fortitoken / edit "
        "<serial> / end)" % (MOB1, MOB2),
        "user alice is not bound as before (device_refused): config user local / edit alice / set two-factor "
        "fortitoken / set fortitoken %s / set email-to alice@example.com / set sms-server fortiguard / end" % MOB1,
        "user bob is not bound as before (device_refused): %s" % BOB_BY_HAND,
        "admin netops is not bound as before (device_refused): config system admin / edit netops / set two-factor "
        "fortitoken / set fortitoken %s / set email-to netops@example.com / set sms-server fortiguard / end" % MOB1,
    ]


def test_a_user_deleted_during_the_run_is_never_created_again():
    client = migrated()

    def delete_bob(c, method, path, mkey):
        if method == "GET" and (path, mkey) == BOB:
            c.objects.pop(BOB, None)
    client.trap = delete_bob
    error, result = failed(client)
    assert result["failed_step"] == "unbind" and "user/local/bob" in result["msg"]
    assert result["rollback"]["done"] == []
    assert result["rollback"]["left"] == ["user bob is not bound as before (not_found): %s" % BOB_BY_HAND]
    assert [w for w in client.writes if w[0] == "POST" and w[1] != TOKENS] == []  # MOB1's re-add by serial only


def test_the_transaction_lives_in_reimport_and_the_module_file_keeps_its_interface():
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import reimport as transaction
    assert callable(fortitoken.run) and isinstance(fortitoken.ARGUMENT_SPEC, dict)
    assert fortitoken.MODULE_KWARGS == {}
    assert transaction.STEPS == ("unbind", "delete", "re-import", "re-bind", "re-read")


def test_a_status_read_that_fails_after_a_completed_reimport_still_reports_the_change():
    client = migrated()
    before = client.bindings()
    seen = []

    def status_read_fails(client, method, path, mkey):
        # After the re-binds: the cmdb token reads of MOB2's and of the final re-read, then the monitor status
        # read, which fails.
        if method == "GET" and path == TOKENS and after_rebinds(client):
            seen.append(path)
            if len(seen) == 3:
                raise err.UnreachableError("read", "monitor user/fortitoken", "fgt-test", "connection reset")
    client.trap = status_read_fails
    ctx = context(client, {"serials": SERIALS, "state": "reimported"}, spec=fortitoken.ARGUMENT_SPEC)
    result = fortitoken.run(ctx)
    assert result["changed"] is True and result["reimported"] == [MOB1, MOB2]
    assert [t["status"] for t in result["tokens"]] == ["unknown", "unknown", "provisioned"]
    assert any("completed and every binding was restored" in w for w in ctx.warnings)
    assert client.bindings() == before
