"""Fixtures that start the emulator fleet for integration tests."""
import pytest

from fortigate_emulator.testing import running_emulator


@pytest.fixture(scope="module")
def fleet():
    """Four healthy HTTPS devices on FortiOS 7.4.4, shared by the tests of one module."""
    with running_emulator(devices=4, scenario="healthy", profile="7.4.4", lockout_seconds=60) as emu:
        yield emu


@pytest.fixture
def emu(fleet):
    """The shared fleet, reset to its starting state with an empty audit."""
    fleet.reset()
    fleet.clear_faults()
    fleet.clear_audit()
    return fleet
