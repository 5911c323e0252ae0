"""Every unit test gets its own FortiToken journal directory (no test writes under ~/.local/state)."""
import pytest


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("FORTIFLEET_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "journal"
