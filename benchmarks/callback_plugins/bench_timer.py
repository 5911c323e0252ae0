# -*- coding: utf-8 -*-
"""Benchmark helper (not part of the collection): wall time of every task, summed over the play.

Enabled by benchmarks/run.py with ANSIBLE_CALLBACK_PLUGINS=benchmarks/callback_plugins and
ANSIBLE_CALLBACKS_ENABLED=bench_timer. ansible-core 2.19 ships no profile_tasks (that one lives in
ansible.posix), so this records, for each task, the time from its start (the strategy queues it) to the
start of the next task, i.e. the time the fleet spends on it including the strategy's own work, and writes
one JSON object to $BENCH_TIMER_FILE.
"""
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_timer
type: aggregate
short_description: per-task wall time for the fortifleet.auth benchmarks
description: Writes per-task wall time to the file named by BENCH_TIMER_FILE.
requirements: [BENCH_TIMER_FILE environment variable]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._start = time.monotonic()
        self._current = None
        self._since = None
        self._totals = {}
        self._order = []
        self._hosts = {}

    def _close(self):
        now = time.monotonic()
        if self._current is not None:
            key = self._current
            self._totals[key] = self._totals.get(key, 0.0) + (now - self._since)
        return now

    def _open(self, key):
        now = self._close()
        if key not in self._totals:
            self._totals[key] = 0.0
            self._order.append(key)
        self._current = key
        self._since = now

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._open(task.get_name())  # "role : task" for role tasks

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_play_start(self, play):
        self._open("(play start) %s" % play.get_name())

    def _count(self, result):
        key = self._current
        self._hosts[key] = self._hosts.get(key, 0) + 1

    v2_runner_on_ok = _count
    v2_runner_on_failed = _count
    v2_runner_on_skipped = _count
    v2_runner_on_unreachable = _count

    def v2_playbook_on_stats(self, stats):
        self._close()
        self._current = None
        path = os.environ.get("BENCH_TIMER_FILE")
        if not path:
            return
        tasks = [{"task": k, "seconds": round(self._totals[k], 3), "results": self._hosts.get(k, 0)}
                 for k in self._order]
        with open(path, "w") as handle:
            json.dump({"total_s": round(time.monotonic() - self._start, 3), "tasks": tasks}, handle, indent=1)
