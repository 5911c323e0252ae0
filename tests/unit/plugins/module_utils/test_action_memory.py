"""One place for controller-side state (issue 14): the memory of actions done but not confirmed (issue 22) lives
in the journal directory (journal_dir / fortifleet_journal_dir / FORTIFLEET_JOURNAL_DIR), one file per device,
0600, written with the journal's atomic writer, never taken for an open transaction, with no secret in it."""
import os
import stat

from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken
from ansible_collections.fortifleet.auth.plugins.module_utils._task.journal import Journal

from .memory_client import context
from .test_robust_reading import MOB1, fortigate


def _activation_not_confirmed(client, **params):
    client.actions["user/fortitoken/activate"] = lambda client_, body: {}
    ctx = context(client, dict({"serials": [MOB1], "state": "active"}, **params), spec=fortitoken.ARGUMENT_SPEC)
    return fortitoken.run(ctx)


def test_the_memory_is_kept_in_the_journal_directory_given_by_the_option(tmp_path):
    journal_dir = tmp_path / "my-journal"
    client = fortigate([MOB1], {"user/fortitoken": {MOB1: "Available"}})
    assert _activation_not_confirmed(client, journal_dir=str(journal_dir))["not_confirmed"] == [MOB1]
    serial = client.device.get("serial") or client.label
    memory = journal_dir / ("%s.unconfirmed-actions" % serial)
    assert sorted(os.listdir(str(journal_dir))) == [memory.name]
    assert stat.S_IMODE(os.stat(str(memory)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(journal_dir)).st_mode) == 0o700
    assert not (tmp_path / "state").exists()  # nothing under $XDG_STATE_HOME any more
    # A run with the same journal directory does not send it again; one with another directory knows nothing.
    again = _activation_not_confirmed(client, journal_dir=str(journal_dir))
    assert not again["changed"]
    elsewhere = _activation_not_confirmed(client, journal_dir=str(tmp_path / "other"))
    assert elsewhere["changed"]


def test_the_default_is_the_journal_directory_of_the_environment(private_journal):
    client = fortigate([MOB1], {"user/fortitoken": {MOB1: "Available"}})
    _activation_not_confirmed(client)
    assert [n for n in os.listdir(str(private_journal)) if n.endswith(".unconfirmed-actions")]


def test_the_memory_is_never_an_open_transaction_and_holds_no_evidence_in_clear(tmp_path):
    journal = Journal(str(tmp_path / "j"))
    assert journal.remember("FGT60F0000000001", "verify-cert", "ems01", ["AA:BB:CC", "secret-ish"]) is None
    assert journal.open_entries("FGT60F0000000001") == []
    assert journal.entries_of_kind("unconfirmed-actions") == []
    text = open(journal.actions_path("FGT60F0000000001")).read()
    assert "AA:BB:CC" not in text and "secret-ish" not in text and "verify-cert" in text
    assert journal.sent_before("FGT60F0000000001", "verify-cert", "ems01", ["AA:BB:CC", "secret-ish"])
    assert journal.sent_before("FGT60F0000000001", "verify-cert", "ems01", ["changed", "secret-ish"]) is None
    assert journal.sent_before("FGT60F0000000002", "verify-cert", "ems01", ["AA:BB:CC", "secret-ish"]) is None


def test_a_memory_that_cannot_be_written_is_reported_not_raised(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert Journal(str(blocker / "journal")).remember("S", "activate", "FTK", "new")
