"""Acceptance 1 of issue 14 for the FortiToken re-import: interrupted at every request, nothing is lost.

On a fleet of 3 devices, each with migrated tokens bound to users and an admin, the re-import of
``fortifleet.auth.remediate_fortitoken`` is interrupted at each of its writes in turn (the harness in
killpoints.py: SIGINT, SIGKILL of the process group, the device down past the retries, latency past the timeout),
then remediate runs again: every binding equals the original field by field, every token is present, the journal
is empty, and no run before completion called the device ok or fixed.
"""
import os

import pytest

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


def check(emu, name, before, journal_dir):
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

TRANSACTIONS = [REIMPORT]  # the key rotation joins here


@pytest.fixture(scope="module")
def kfleet():
    with running_emulator(devices=3, scenario="healthy", profile="7.4.4", port="auto", lockout_seconds=60) as emu:
        yield emu


@pytest.mark.parametrize("transaction", TRANSACTIONS, ids=[t.name for t in TRANSACTIONS])
def test_every_kill_point_then_remediate_restores_everything(kfleet, tmp_path, private_journal, transaction):
    tried, per_device = run_matrix(kfleet, transaction, tmp_path, private_journal)
    print("kill-point matrix %s: %d kill points tried (%d requests per transaction x 4 interruptions)"
          % (transaction.name, tried, per_device))
    assert tried >= 4 * per_device
