"""Ctrl-C stops the fleet's device pool (issue 14): no new device or step, pending devices cancelled, the caller
returns at once instead of waiting for every device, and a critical section still completes first."""
import os
import signal
import threading
import time

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._task import runtime


def _interrupt_main_after(seconds):
    """KeyboardInterrupt in the main thread, as Ctrl-C would raise it (the default SIGINT handler)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return lambda: signal.signal(signal.SIGINT, previous)


def test_interrupted_pool_returns_at_once_and_starts_nothing_new():
    started, finished = [], []
    release = threading.Event()

    def work(item):
        runtime.check_not_stopping()  # a device's step boundary
        started.append(item)
        release.wait(5)  # a held answer
        runtime.check_not_stopping()
        finished.append(item)

    restore = _interrupt_main_after(0.3)
    begun = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            runtime.run_pool(range(10), work, lambda item, future: None, workers=2)
    finally:
        restore()
    took = time.monotonic() - begun
    release.set()
    time.sleep(0.2)
    assert took < 2, "the pool waited %.1f s for its devices" % took
    assert sorted(started) == [0, 1]  # the 8 pending devices never started
    assert finished == []  # the two running ones stopped at their next step boundary
    assert runtime.STOP.is_set()


def test_interruption_waits_for_a_critical_section():
    stored = []

    def work(item):
        with runtime.critical():
            time.sleep(0.8)  # the key being received and written
            stored.append(item)

    restore = _interrupt_main_after(0.2)
    try:
        with pytest.raises(KeyboardInterrupt):
            runtime.run_pool([1], work, lambda item, future: None, workers=1)
    finally:
        restore()
    assert stored == [1]


def test_pool_threads_leave_signals_to_the_main_thread():
    masks = []

    def work(item):
        masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, []))

    runtime.run_pool([1, 2], work, lambda item, future: future.result(), workers=2)
    assert masks and all(signal.SIGINT in m and signal.SIGTERM in m for m in masks)


def test_uninterrupted_pool_runs_everything_and_reports_each():
    seen = []
    runtime.run_pool(range(5), lambda i: i * i, lambda item, future: seen.append((item, future.result())), workers=3)
    assert sorted(seen) == [(i, i * i) for i in range(5)]
    assert not runtime.STOP.is_set()


def test_a_held_signal_stops_new_steps():
    previous = signal.getsignal(signal.SIGTERM)
    got = []
    signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))
    runtime.install_signal_holder()
    try:
        with runtime.critical():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            assert got == []  # held
            with pytest.raises(runtime.RunStopped):
                runtime.check_not_stopping()
        time.sleep(0.05)
        assert got == [signal.SIGTERM]  # delivered once the section ended
    finally:
        runtime.uninstall_signal_holder()
        signal.signal(signal.SIGTERM, previous)
