# Test-only callback for tests/emulator/tests/test_vendor_fidelity.py: appends one JSON line per
# task result (ok, failed, skipped, unreachable) to the file named by $FIDELITY_RECORD.
from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: fidelity_record
type: notification
short_description: write every task result as a JSON line to $FIDELITY_RECORD
description: Test-only helper of the fortigate-emulator fidelity test.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "fidelity_record"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get("FIDELITY_RECORD")

    def _write(self, outcome, result):
        if not self._path:
            return
        res = dict(result._result)
        res.pop("invocation", None)  # module args carry the access tokens
        rec = {"host": result._host.get_name(), "task": result._task.get_name(),
               "outcome": outcome, "result": res}
        with open(self._path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._write("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write("failed", result)

    def v2_runner_on_skipped(self, result):
        self._write("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._write("unreachable", result)
