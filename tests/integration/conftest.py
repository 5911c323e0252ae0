"""Emulator fleets for integration tests: each test module starts its own fleet on free ports.

Suite-wide lock-out guard: after every test, the audit of every emulator the test could use must show at most one
HTTP 401 per device (three failed key attempts in 60 s lock the controller out, fortios-api.md §7). A test about
the lock-out itself opts out with ``@pytest.mark.lockout_test`` and asserts the lock-out behaviour on its own."""
import collections
import weakref

import pytest

from fortigate_emulator import testing as emulator_testing
from fortigate_emulator.testing import running_emulator

def pytest_report_header(config):
    from .harness import BIN, ansible_core_version
    return "ansible under test: %s (%s)" % (ansible_core_version(), BIN)


# Every emulator started in this session (module fleets and the ones a test starts itself).
_EMULATORS = weakref.WeakSet()
# Devices that received a second 401, found when an emulator stopped during the test.
_FOUND_AT_STOP = []
_BASELINE = {}


def _register(init):
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        _EMULATORS.add(self)
    return __init__


def _check_before_stop(stop):
    def stop_checked(self, *args, **kwargs):
        try:
            _FOUND_AT_STOP.extend(repeated_401s(self, _BASELINE.get(id(self), 0)))
        except Exception:  # pylint: disable=broad-except
            pass  # an emulator that already died has no audit to read
        _EMULATORS.discard(self)
        return stop(self, *args, **kwargs)
    return stop_checked


if not getattr(emulator_testing.Emulator, "_fortifleet_guarded", False):
    emulator_testing.Emulator.__init__ = _register(emulator_testing.Emulator.__init__)
    emulator_testing.Emulator.stop = _check_before_stop(emulator_testing.Emulator.stop)
    emulator_testing.Emulator._fortifleet_guarded = True


def repeated_401s(emu, since=0):
    """Devices of ``emu`` that answered HTTP 401 more than once since audit sequence ``since``."""
    counts = collections.Counter(r["device"] for r in emu.audit(since=since) if r.get("status") == 401)
    return ["%s: %d x 401" % (device, n) for device, n in sorted(counts.items()) if n > 1]


def pytest_configure(config):
    config.addinivalue_line("markers", "lockout_test: the test sends several 401s to one device on purpose and "
                                       "asserts the lock-out behaviour itself (skips the suite-wide 401 guard)")


@pytest.fixture(autouse=True)
def at_most_one_401_per_device(request):
    """After each test: no device of any emulator received two 401s during it."""
    del _FOUND_AT_STOP[:]
    for emu in list(_EMULATORS):
        try:
            _BASELINE[id(emu)] = emu.health()["seq"]
        except Exception:  # pylint: disable=broad-except
            _EMULATORS.discard(emu)
    yield
    if request.node.get_closest_marker("lockout_test"):
        return
    found = list(_FOUND_AT_STOP)
    for emu in list(_EMULATORS):
        try:
            found.extend(repeated_401s(emu, _BASELINE.get(id(emu), 0)))
        except Exception:  # pylint: disable=broad-except
            continue
    assert found == [], "devices that received more than one 401 in this test: %s" % found


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
