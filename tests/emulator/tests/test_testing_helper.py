"""The test helper itself: the emulator's stderr goes to a log file, never to an undrained pipe."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from fortigate_emulator.testing import running_emulator, start_emulator


def test_log_path_is_in_state_dir(tmp_path):
    with running_emulator(devices=1, http=True, port="auto", state_dir=str(tmp_path)) as emu:
        assert emu.log_path == os.path.join(str(tmp_path), "emulator.log")
        assert os.path.isfile(emu.log_path)
        assert emu.health()["devices"] == 1


def test_heavy_stderr_does_not_block(tmp_path):
    # A wrapper writes 1 MiB to stderr before starting the emulator. With stderr on a pipe that
    # nobody reads, the write blocks at ~64 KiB and the emulator never becomes ready.
    wrapper = tmp_path / "noisy-python"
    wrapper.write_text("#!/bin/sh\n"
                       "head -c 1048576 /dev/zero | tr '\\0' x >&2\n"
                       f'exec "{sys.executable}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    state = tmp_path / "state"
    state.mkdir()
    emu = start_emulator(devices=1, http=True, port="auto", state_dir=str(state), python=str(wrapper),
                         timeout=20)
    try:
        assert emu.health()["devices"] == 1
        assert os.path.getsize(emu.log_path) >= 1048576
    finally:
        emu.stop()


def test_start_error_includes_log_tail(tmp_path):
    with pytest.raises(RuntimeError) as exc:
        start_emulator(devices=1, http=True, port="auto", scenario="no-such-scenario",
                       state_dir=str(tmp_path), timeout=20)
    msg = str(exc.value)
    assert "emulator.log" in msg
    assert "no-such-scenario" in msg
