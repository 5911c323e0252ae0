"""Unit tests share one process: the client's lock-out guard starts empty for each test."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import client


@pytest.fixture(autouse=True)
def empty_lockout_guard():
    client.GUARD.reset()
    client.GUARD.configure(None, None)
    yield client.GUARD
    client.GUARD.reset()


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    """Key rotations and re-imports journal into the test's own directory, never ~/.local/state."""
    monkeypatch.setenv("FORTIFLEET_JOURNAL_DIR", str(tmp_path / "journal"))
    return tmp_path / "journal"
