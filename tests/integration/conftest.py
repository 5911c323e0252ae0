"""Emulator fleets for integration tests: each test module starts its own fleet on free ports."""
import pytest

from fortigate_emulator.testing import running_emulator


def fleet_fixture(**kwargs):
    """A module-scoped fixture that runs an emulator fleet (free ports, so parallel runs do not collide)."""
    @pytest.fixture(scope="module")
    def fleet():
        with running_emulator(port="auto", **kwargs) as emu:
            yield emu
    return fleet


def fresh(emu):
    """The fleet back in its starting scenario, without faults, with an empty audit."""
    emu.reset()
    emu.clear_faults()
    emu.clear_audit()
    return emu


fleet = fleet_fixture(devices=4, scenario="healthy", profile="7.4.4", lockout_seconds=60)


@pytest.fixture
def emu(fleet):
    return fresh(fleet)


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    """Each test has its own journal (and state home), so no test sees another's interrupted transactions
    and nothing is written under the user's ~/.local/state."""
    monkeypatch.setenv("FORTIFLEET_JOURNAL_DIR", str(tmp_path / "journal"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "journal"
