"""The journaled FortiToken re-import interrupted at every request, then resumed (issue 14, defect 1).

Before the journal, an interruption between the unbind and the re-bind left users and admins with two-factor
disabled and the next run called the device fixed: the bindings lived only in memory.
"""
import json
import os
import stat

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import interrupted
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import reimport as transaction
from ansible_collections.fortifleet.auth.plugins.module_utils._task.journal import Journal

from .memory_client import refused
from .test_fortitoken_module import CODE, MOB1, MOB2, MOB3, TOKENS, run
from .test_fortitoken_reimport import SERIALS, migrated, reimport

PARAMS = {"journal_dir": None}  # the journal of FORTIFLEET_JOURNAL_DIR (conftest: private per test)


def journal():
    return Journal()


def entry_of(client):
    return journal().read(client.device["serial"], transaction.KIND)


def requests_of_an_uninterrupted_run(**params):
    client = migrated(codes={CODE: [MOB1, MOB2]})
    reimport(client, **params)
    assert entry_of(client) is None  # closed once verified
    return client.requests_sent


@pytest.mark.parametrize("params", [{}, {"license_code": CODE}], ids=["by-serial", "licence-code"])
@pytest.mark.parametrize("when", ["before", "after"])
def test_interrupted_at_every_request_then_any_later_run_restores_every_binding(when, params):
    total = requests_of_an_uninterrupted_run(**params)
    opened = 0
    for n in range(1, total + 1):
        client = migrated(codes={CODE: [MOB1, MOB2]})
        before = client.bindings()
        client.stop_at = (n, when)
        with pytest.raises(KeyboardInterrupt):
            reimport(client, **params)
        entry = entry_of(client)
        if entry is not None:
            opened += 1
            # diagnose reports it, naming each user/admin whose binding differs now
            found = interrupted.findings(PARAMS, client)
            assert [f["id"] for f in found] == [interrupted.FINDING], n
            assert found[0]["severity"] == "critical" and found[0]["auto_fix"] is False
            for (table, name), fields in before.items():
                kind = "user" if table == "user/local" else "admin"
                now = client.bindings().get((table, name))
                if now != fields:
                    assert "%s %s" % (kind, name) in found[0]["summary"], (n, found[0]["summary"])
            assert [w for w in client.writes if w[0] == "POST" and w[1] != TOKENS] == []
        # any state of the module that touches the device finishes it first
        client.writes = []
        calls = list(client.calls)
        result = run(client, serials=[MOB3], state="present")
        assert client.bindings() == before, (n, when)
        assert client.tokens() == SERIALS, (n, when)
        assert entry_of(client) is None, (n, when)
        assert interrupted.findings(PARAMS, client) == []
        if entry is not None and client.writes:
            assert result["changed"] is True and result["resumed"]["done"]
        # the resume never sends an action (the licence code is not in the journal): tokens come back by serial
        assert client.calls == calls, (n, when)
    assert opened >= total // 2  # most kill points are inside the transaction
    print("kill points tried: %d (%s, %s), %d left an open journal entry" % (
        total, when, "licence code" if params else "by serial", opened))


def test_the_journal_is_written_before_the_first_write_and_holds_no_secret(private_journal):
    client = migrated(codes={CODE: [MOB1, MOB2]})
    seen = []

    def look(c, method, path, mkey):
        if method != "GET" and not seen:
            seen.append(entry_of(c))
    client.trap = look
    reimport(client, license_code=CODE)
    entry = seen[0]
    assert entry["kind"] == transaction.KIND and entry["serial"] == client.device["serial"]
    assert entry["step"] == "unbind" and entry["token"] == MOB1
    assert [t["serial"] for t in entry["data"]["tokens"]] == [MOB1, MOB2]
    assert entry["data"]["tokens"][0]["row"]["license"] == "EFTM01"
    assert entry["data"]["bindings"][0] == {"kind": "user", "name": "alice", "fields": {
        "two-factor": "fortitoken", "fortitoken": MOB1, "email-to": "alice@example.com", "sms-server": "fortiguard",
        "sms-phone": ""}}
    assert entry["data"]["import"] == "license_code"
    text = json.dumps(entry)
    assert CODE not in text and "seed-one" not in text and "ENC" not in text
    assert stat.S_IMODE(os.stat(str(private_journal)).st_mode) == 0o700
    assert os.listdir(str(private_journal)) == []  # closed


def test_steps_are_journaled_one_token_at_a_time():
    client = migrated()
    steps = []

    def look(c, method, path, mkey):
        if method != "GET":
            entry = entry_of(c)
            steps.append((entry["step"], entry["token"], method, mkey or path))
    client.trap = look
    reimport(client)
    assert [s[:2] for s in steps] == [("unbind", MOB1), ("unbind", MOB1), ("delete", MOB1), ("re-import", MOB1),
                                      ("re-bind", MOB1), ("re-bind", MOB1), ("unbind", MOB2), ("delete", MOB2),
                                      ("re-import", MOB2), ("re-bind", MOB2)]


def test_an_unwritable_journal_stops_the_reimport_before_any_write(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    client = migrated()
    with pytest.raises(err.FortiFleetError) as caught:
        reimport(client, journal_dir=str(blocker / "journal"))
    assert "journal cannot be written" in str(caught.value) and "nothing was changed" in str(caught.value)
    assert client.writes == []


def test_a_device_that_cannot_be_read_gets_the_exact_bindings_to_restore_by_hand():
    client = migrated()
    before = client.bindings()
    client.stop_at = (8, "after")  # in the middle of MOB1: alice and netops unbound
    with pytest.raises(KeyboardInterrupt):
        reimport(client)
    assert client.bindings() != before

    def down(c, method, path, mkey):
        raise err.UnreachableError("read", path, "fgt-test", "connection refused")
    client.trap = down
    with pytest.raises(err.FortiFleetError) as caught:
        run(client, serials=[MOB1], state="reimported")
    result = caught.value.to_result()
    alice = ("config user local / edit alice / set two-factor fortitoken / set fortitoken %s / set email-to "
             "alice@example.com / set sms-server fortiguard / end" % MOB1)
    assert alice in result["msg"] or alice in (result["hint"] or "")
    assert [f["id"] for f in result["findings"]] == [interrupted.FINDING]
    assert alice in result["findings"][0]["remediation"]
    assert "config user fortitoken / edit %s / end" % MOB1 in result["findings"][0]["remediation"]
    # a device that cannot even give its serial: found by its inventory name
    assert [f["id"] for f in interrupted.offline_findings(PARAMS, "fgt-test")] == [interrupted.FINDING]
    client.trap = None
    run(client, serials=[MOB1], state="reimported")
    assert client.bindings() == before and entry_of(client) is None


def test_check_mode_with_an_open_entry_writes_nothing_and_reports_the_finding():
    client = migrated()
    client.stop_at = (8, "after")
    with pytest.raises(KeyboardInterrupt):
        reimport(client)
    client.writes = []
    result = run(client, check_mode=True, serials=SERIALS, state="reimported")
    assert client.writes == [] and result["changed"] is True
    assert [f["id"] for f in result["findings"]] == [interrupted.FINDING]
    assert "user alice is not bound to %s" % MOB1 in result["findings"][0]["summary"]
    assert entry_of(client) is not None


def test_a_resume_that_cannot_rebind_keeps_the_entry_open_and_says_so():
    client = migrated()
    client.stop_at = (8, "after")
    with pytest.raises(KeyboardInterrupt):
        reimport(client)
    client.fail[("PUT", "user/local", "alice")] = refused("update", "user/local")
    with pytest.raises(err.FortiFleetError) as caught:
        run(client, serials=[MOB3], state="present")
    result = caught.value.to_result()
    assert "could not be finished" in result["msg"] and "user alice is not bound as before" in result["msg"]
    assert result["resume"]["left"] and interrupted.FINDING in [f["id"] for f in result["findings"]]
    assert entry_of(client) is not None
