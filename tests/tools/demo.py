#!/usr/bin/env python3
"""`make demo`: start a 20-device `seeds` fleet of the emulator on loopback, run the main job
(`fortifleet.auth.diagnose`) against it, print what was found, and stop the emulator."""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from fortigate_emulator.testing import running_emulator  # noqa: E402
from tests.integration.harness import ansible_env  # noqa: E402

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def main():
    start = time.monotonic()
    with running_emulator(devices=20, scenario="seeds", port="auto") as emu:
        print("emulator: 20 FortiGates (seeds mix) ready in %.1f s; inventory %s" % (emu.start_seconds,
                                                                                      emu.inventory))
        proc = subprocess.run([PLAYBOOK, "-i", emu.inventory, "-f", "10", "fortifleet.auth.diagnose"],
                              env=ansible_env(), text=True, capture_output=True)
        messages = [json.loads(line.split('"msg": ', 1)[1]) for line in proc.stdout.splitlines()
                    if '"msg": "' in line]
        print("\n== diagnose: per device ==")
        for message in sorted(messages):
            if message.startswith("fgt-") and "finding" in message:
                print(" ", message)
        for message in messages:
            if message.startswith("Preflight:"):
                print("\n==", message, "==")
        recap = [line for line in proc.stdout.splitlines() if line.startswith("fgt-")]
        print("\n== play recap ==\n" + "\n".join(recap))
        if proc.returncode != 0:
            print(proc.stdout[-4000:], proc.stderr[-4000:])
            raise SystemExit(proc.returncode)
    print("\ndemo finished in %.0f s (emulator stopped)" % (time.monotonic() - start))


if __name__ == "__main__":
    main()
