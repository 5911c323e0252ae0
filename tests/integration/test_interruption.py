"""Acceptance 1 of issue 14: the FortiToken re-import and the key rotation, interrupted at every request.

On a fleet of 3 devices, each with migrated tokens bound to users and an admin, the re-import of
``fortifleet.auth.remediate_fortitoken`` is interrupted at each of its writes in turn (the harness in
killpoints.py: SIGINT, SIGKILL of ansible-playbook and its worker, the device down past the retries, latency past the timeout),
then remediate runs again: every binding equals the original field by field, every token is present, the journal
is empty, and no run before completion called the device ok or fixed.

The key rotation (``remediate_api_access`` with ``api_access_rotate_key: true``) is interrupted at generate-key and
at the verification of the new key. The operator then puts the key file's key (if any) into the inventory and runs
again: the key file holds a key the device accepts, or, when the device's answer was lost so the key is unknown,
the rerun reports API_KEY_ROTATION_INCOMPLETE with the human step and the device is neither ok nor fixed. No run
sends two failed key attempts to a device.
"""
import os
import shutil

import pytest
import requests
import yaml

from fortigate_emulator.testing import running_emulator

from .killpoints import Transaction, run_matrix

TOKENS_PER_DEVICE = int(os.environ.get("FORTIFLEET_KILLPOINT_TOKENS", "3"))
BINDING_FIELDS = ("two-factor", "fortitoken", "two-factor-authentication", "two-factor-notification", "email-to",
                  "sms-server", "sms-custom-server", "sms-phone")
TRANSACTION_PATHS = ("/api/v2/cmdb/user/local", "/api/v2/cmdb/system/admin", "/api/v2/cmdb/user/fortitoken")


def prepare_migrated(emu, name):
    """token-migrated, trimmed to TOKENS_PER_DEVICE tokens, each bound to a user; the admin on the last one."""
    emu.set_scenario("token-migrated", name=name)
    config = emu.state(name)["config"]
    serials = [r["serial-number"] for r in config["user/fortitoken"]]
    keep = serials[:TOKENS_PER_DEVICE]
    for row in config["user/local"]:
        if row.get("fortitoken") and row["fortitoken"] not in keep:
            emu.delete_config(name, "user/local", row["name"])
    for serial in serials[TOKENS_PER_DEVICE:]:
        emu.delete_config(name, "user/fortitoken", serial)
    emu.set_config(name, "system/admin", {"two-factor": "fortitoken", "fortitoken": keep[-1]}, mkey="admin")


def bindings(emu, name):
    config = emu.state(name)["config"]
    return dict(((table, row["name"]), dict((k, row.get(k)) for k in BINDING_FIELDS))
                for table in ("user/local", "system/admin") for row in config.get(table, []))


def snapshot(emu, name):
    config = emu.state(name)["config"]
    return {"bindings": bindings(emu, name), "tokens": sorted(r["serial-number"] for r in config["user/fortitoken"]),
            "serial": emu.device(name)["serial"]}


def check(emu, name, before, journal_dir, report=None):
    problems = []
    now = bindings(emu, name)
    for key, fields in before["bindings"].items():
        if now.get(key) != fields:
            problems.append("%s %s: %s, was %s" % (key[0], key[1], now.get(key), fields))
    tokens = sorted(r["serial-number"] for r in emu.state(name)["config"]["user/fortitoken"])
    missing = sorted(set(before["tokens"]) - set(tokens))
    if missing:
        problems.append("tokens missing: %s" % missing)
    entries = [n for n in (os.listdir(str(journal_dir)) if os.path.isdir(str(journal_dir)) else [])
               if n.startswith(before["serial"] + ".")]
    if entries:
        problems.append("journal entry still open: %s" % entries)
    return problems


def count_reimport(records):
    """The re-import's writes: unbind/delete/re-add/re-bind (the activation that follows is not part of it)."""
    return len([r for r in records if r["write"] and r["path"].startswith(TRANSACTION_PATHS)])


REIMPORT = Transaction(
    name="fortitoken-reimport", playbook="fortifleet.auth.remediate_fortitoken", methods=["PUT", "POST", "DELETE"],
    count=count_reimport, prepare=prepare_migrated, snapshot=snapshot, check=check)

ROTATION_USER = "fortifleet-automation"  # the emulator's api-user, whose key the inventory holds
ROTATION_HELD = 6.0  # seconds an answer is held for sigint/sigkill: the worker waits for generate-key's answer


def _journal_dir():
    return os.environ["FORTIFLEET_JOURNAL_DIR"]  # the test's private journal (conftest)


def _key_file(key_dir, name):
    return os.path.join(key_dir, name + ".key")


def rotation_transaction(key_dir):
    """The key rotation of every device, its key files in ``key_dir``."""

    def prepare(emu, name):
        # emu.reset() gave the device its original key back: the human step of an earlier round is done.
        for path in (_key_file(key_dir, name),):
            if os.path.exists(path):
                os.unlink(path)
        serial = emu.device(name)["serial"]
        if os.path.isdir(_journal_dir()):
            for entry in os.listdir(_journal_dir()):
                if entry.startswith(serial + "."):
                    os.unlink(os.path.join(_journal_dir(), entry))

    def snapshot(emu, name):
        return {"serial": emu.device(name)["serial"], "old_key": emu.secrets(name)["api_key"]}

    def accepted(emu, name, key):
        device = emu.device(name)
        response = requests.get(device["url"] + "/api/v2/monitor/system/status", timeout=10,
                                verify=emu.ca_path or False, headers={"Authorization": "Bearer " + key})
        return response.status_code == 200

    def check(emu, name, before, journal_dir, report=None):
        current = emu.secrets(name)["api_key"]
        path = _key_file(key_dir, name)
        stored = open(path).read().strip() if os.path.exists(path) else None
        entries = [n for n in (os.listdir(str(journal_dir)) if os.path.isdir(str(journal_dir)) else [])
                   if n.startswith(before["serial"] + ".")]
        if stored is not None and stored == current:
            problems = [] if accepted(emu, name, stored) else ["the device refuses the key file's key"]
            return problems + (["journal entry still open: %s" % entries] if entries else [])
        if current == before["old_key"]:
            return ["the key was never rotated"]
        # The device's answer was lost: the key is unknown. Only a report saying so, with the human step, will do.
        finding = [f for f in (report or {}).get("findings", []) if f.get("id") == "API_KEY_ROTATION_INCOMPLETE"]
        if report is None or not finding or report.get("status") in ("ok", "fixed") or not entries:
            return ["the key is unknown (key file %s) and the run did not report API_KEY_ROTATION_INCOMPLETE "
                    "(%s)" % ("stale" if stored else "absent", report and report.get("status"))]
        text = " ".join(str(finding[0].get(k, "")) for k in ("summary", "detail", "remediation"))
        return [] if "generate-key" in text else ["API_KEY_ROTATION_INCOMPLETE without the human step: %s" % text]

    def inventory(emu, directory):
        """The operator's update after a rotation: the key file's key, where there is one, in the inventory."""
        os.makedirs(str(directory), exist_ok=True)
        with open(emu.inventory) as handle:
            data = yaml.safe_load(handle)
        for name, host in data["all"]["children"]["fortigates"]["hosts"].items():
            if os.path.exists(_key_file(key_dir, name)):
                host["fortigate_access_token"] = open(_key_file(key_dir, name)).read().strip()
        path = os.path.join(str(directory), "inventory.yml")
        with open(path, "w") as handle:
            yaml.safe_dump(data, handle)
        return path

    def triggers(records):
        """The api-user's read right before generate-key (nothing rotated yet), generate-key, then every request
        after it (the new key's verification): each is a kill point."""
        start = [i for i, r in enumerate(records) if "generate-key" in r["path"]][0]
        if start and "system/api-user/" in records[start - 1]["path"]:
            start -= 1
        points = []
        for index in range(start, len(records)):
            r = records[index]
            nth = len([x for x in records[:index + 1] if x["method"] == r["method"] and x["path"] == r["path"]])
            points.append({"method": [r["method"]], "match": r["path"], "nth": nth})
        return points

    return Transaction(
        name="api-key-rotation", playbook="fortifleet.auth.remediate_api_access", methods=["POST"],
        count=lambda records: len([r for r in records if "generate-key" in r["path"]]), prepare=prepare,
        snapshot=snapshot, check=check, triggers=triggers, inventory=inventory, held=ROTATION_HELD,
        # auth_failed: the key is unknown, the inventory's is refused (check requires API_KEY_ROTATION_INCOMPLETE)
        final_statuses=("ok", "fixed", "needs_human", "auth_failed"),
        extra=["-e", "api_access_user=%s" % ROTATION_USER, "-e", "api_access_rotate_key=true",
               "-e", "api_access_key_dir=%s" % key_dir])


TRANSACTIONS = {"fortitoken-reimport": lambda key_dir: REIMPORT, "api-key-rotation": rotation_transaction}


@pytest.fixture(scope="module")
def kfleet():
    with running_emulator(devices=3, scenario="healthy", profile="7.4.4", port="auto", lockout_seconds=60) as emu:
        yield emu


@pytest.mark.parametrize("name", sorted(TRANSACTIONS))
def test_every_kill_point_then_remediate_restores_everything(kfleet, tmp_path, private_journal, name):
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    transaction = TRANSACTIONS[name](str(key_dir))
    try:
        tried, per_device = run_matrix(kfleet, transaction, tmp_path, private_journal)
    finally:
        shutil.rmtree(str(key_dir), ignore_errors=True)
    print("kill-point matrix %s: %d kill points tried (%d requests per device x 4 interruptions)"
          % (transaction.name, tried, per_device))
    assert tried >= 4 * per_device
