"""A generated fleet of any size, through the real report code: records as a fleet run writes them, built into a
report by _report.model, compared by _report.changes and written by _report.render. Deterministic (seeded)."""
import importlib
import json
import os
import random

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
from ansible_collections.fortifleet.auth.plugins.module_utils._report import changes, model, render

# The finding definitions register when the diagnoses are imported (fortigate_info imports them all).
importlib.import_module("ansible_collections.fortifleet.auth.plugins.module_utils._info.fortigate_info")

VERSIONS = ("6.4.15", "7.0.17", "7.2.11", "7.4.4", "7.4.8", "7.6.3")
SITES = ("site_emea", "site_amer", "site_apac")
ROLES = ("branch", "datacenter")
# (finding id, values for its texts, whether it sits on an object)
PROBLEMS = (
    ("FTM_PUSH_DISABLED", {}),
    ("FTM_PUSH_PORT_CONFLICT", {"port": 4433, "service": "admin-sport"}),
    ("FORTITOKEN_NOT_ACTIVATED", {"serial": "FTKMOB%06d", "status": "new"}),
    ("EMS_NOT_AUTHORIZED", {"serial": "FGT60F%06d", "name": "ems01", "server": "ems.example.com"}),
    ("EMS_CERT_UNTRUSTED", {"name": "ems01"}),
    ("SYSTEM_EVALUATION_LICENSE", {}),
    ("FORTITOKEN_LICENSE_NOT_CHECKED", {}),
)
ACCESS_FAILURES = ("token_rejected", "unreachable")


def _finding(fid, values, n):
    filled = dict((k, v % n if isinstance(v, str) and "%" in v else v) for k, v in values.items())
    return fnd.finding(fid, "generated for device %d" % n, **filled)


def records(count, seed=20, run=1):
    """Device name -> record, for run ``run`` (run 2 fixes some findings, adds others, as a later run would)."""
    rng = random.Random(seed)
    out = {}
    for n in range(1, count + 1):
        name = "fgt-%04d" % n
        access = "ok"
        roll = rng.random()
        if roll < 0.02:
            access = ACCESS_FAILURES[n % 2]
        record = {"ran": True, "address": "192.0.2.%d" % (n % 250), "check_mode": True,
                  "areas": ["ftm_push", "fortitoken", "ems_connector"],
                  "preflight": {"access": access, "version": VERSIONS[n % len(VERSIONS)], "serial": "FGT%07d" % n,
                                "system": {"model": "FGT60F"}},
                  "findings": [], "changes": [], "errors": [],
                  "groups": [SITES[n % len(SITES)], ROLES[n % 7 == 0]]}
        if access != "ok":
            record["findings"].append(fnd.finding("API_TOKEN_REJECTED" if access == "token_rejected" else "API_UNREACHABLE",
                                                  "generated", status="timeout"))
        else:
            for i, (fid, values) in enumerate(PROBLEMS):
                # Run 2 keeps most findings, fixes those of one kind on every third device and brings new ones.
                present = rng.random() < 0.18
                if run == 2 and present and i == 0 and n % 3 == 0:
                    present = False
                if run == 2 and not present and i == 5 and n % 50 == 0:
                    present = True
                if present:
                    record["findings"].append(_finding(fid, values, n))
            if n % 40 == 0:
                record["errors"].append("fortitoken: Failed to read user/fortitoken on %s: HTTP 500. Try again." % name)
            if n % 9 == 0:
                record["changes"].append({"area": "ftm_push", "object": "system/ftm-push", "changed_keys": ["status"],
                                          "check_mode": True})
            if n % 25 == 0:
                record["topology"] = {"ha": {"mode": "a-p", "group_name": "cluster-%d" % n, "group_id": 1,
                                             "role": "primary", "primary_serial": "FGT%07d" % n,
                                             "members": [{"serial": "FGT%07d" % n, "hostname": name, "primary": True}],
                                             "in_sync": n % 50 != 0},
                                      "fortimanager": {"managed": False, "type": None, "address": None},
                                      "vdom_mode": "no-vdom", "vdoms": ["root"]}
        out[name] = record
    return out


def write_fleet(base, count, seed=20):
    """Two successive diagnose runs of a ``count``-device fleet under ``base`` (run-1, run-2); the second compares
    with the first as the report role does by default. Returns the second report's directory."""
    first, second = os.path.join(base, "run-1"), os.path.join(base, "run-2")
    render.write(model.build(records(count, seed, 1), "diagnose", True), first)
    report = model.build(records(count, seed, 2), "diagnose", True)
    changes.add_changes(report, second)
    render.write(report, second)
    return second


def load(report_dir):
    with open(os.path.join(report_dir, "report.json")) as handle:
        return json.load(handle)
