"""Unit tests share one process: each test gets an empty lock-out guard and its own journal and state home
(no test writes under ~/.local/state)."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import client
from ansible_collections.fortifleet.auth.plugins.module_utils._task import runtime


@pytest.fixture(autouse=True)
def empty_lockout_guard():
    client.GUARD.reset()
    client.GUARD.configure(None, None)
    yield client.GUARD
    client.GUARD.reset()


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("FORTIFLEET_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "journal"


@pytest.fixture(autouse=True)
def run_not_stopping():
    """A test that delivers SIGINT/SIGTERM marks the process's run as stopping, and one that runs an action plugin
    installs the signal holder in front of the handlers it found: the next test starts afresh."""
    runtime.STOP.clear()
    yield
    runtime.STOP.clear()
    runtime.uninstall_signal_holder()
