"""The durable journal: private files, atomic writes, entries survive until closed."""
import json
import os
import stat

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._task import journal as jr


def test_entries_are_private_and_survive_until_closed(tmp_path):
    book = jr.Journal(str(tmp_path / "j"))
    entry = book.open("FGT60F0000000001", "reimport", "fw1", {"tokens": ["FTKMOB1"]})
    path = book.path("FGT60F0000000001", "reimport")
    assert stat.S_IMODE(os.stat(book.directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    book.update(entry, step="delete")
    again = jr.Journal(str(tmp_path / "j")).read("FGT60F0000000001", "reimport")
    assert again["step"] == "delete" and again["data"] == {"tokens": ["FTKMOB1"]} and again["host"] == "fw1"
    assert [e["kind"] for e in book.open_entries("FGT60F0000000001")] == ["reimport"]
    book.close("FGT60F0000000001", "reimport")
    assert book.read("FGT60F0000000001", "reimport") is None and book.open_entries("FGT60F0000000001") == []
    assert not [n for n in os.listdir(book.directory) if n.endswith(".tmp")]


def test_a_torn_or_foreign_entry_is_an_error_never_ignored(tmp_path):
    book = jr.Journal(str(tmp_path)).ensure()
    with open(book.path("S1", "reimport"), "w") as handle:
        handle.write("{not json")
    with pytest.raises(jr.JournalError, match="cannot be read"):
        book.open_entries("S1")
    with open(book.path("S2", "reimport"), "w") as handle:
        json.dump({"version": 99}, handle)
    with pytest.raises(jr.JournalError, match="unknown format"):
        book.read("S2", "reimport")


def test_serials_cannot_escape_the_directory(tmp_path):
    book = jr.Journal(str(tmp_path))
    assert os.path.dirname(book.path("../../etc/passwd", "x/y")) == str(tmp_path)


def test_default_directory_is_outside_the_collection(monkeypatch, tmp_path):
    monkeypatch.setenv(jr.ENVIRONMENT_VARIABLE, str(tmp_path / "mine"))
    assert jr.default_directory() == str(tmp_path / "mine")
    monkeypatch.delenv(jr.ENVIRONMENT_VARIABLE)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert jr.default_directory() == os.path.join(str(tmp_path), "fortifleet.auth", "journal")


def test_a_directory_that_cannot_be_created_is_a_journal_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(jr.JournalError, match="cannot create"):
        jr.Journal(str(blocker / "j")).ensure()
