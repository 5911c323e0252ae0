"""Every public real-device capture (tests/unit/captures/) goes through the collection's readers."""
import glob
import json
import os

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import parse_device_version
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk
from ansible_collections.fortifleet.auth.plugins.module_utils._system import license as _license

from .plugins.module_utils.memory_client import MemoryClient

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "captures")
CAPTURES = sorted(glob.glob(os.path.join(HERE, "*", "*.json")))
CAPTURES = [path for path in CAPTURES if not path.endswith(".meta.json")]
REGISTER = os.path.join(os.path.dirname(os.path.dirname(HERE)), "..", "docs", "reference", "field-register.md")


def load(path):
    with open(path) as handle:
        data = json.load(handle)
    with open(path[:-len(".json")] + ".meta.json") as handle:
        return data, json.load(handle)


def answers(data):
    """The envelopes of a capture (a multi-VDOM request answers a list of them)."""
    return data if isinstance(data, list) else [data]


def capture(endpoint, name):
    return load(os.path.join(HERE, endpoint, name))[0]


def test_every_capture_has_its_public_source_and_version():
    assert CAPTURES
    for path in CAPTURES:
        data, meta = load(path)
        assert meta["source"].startswith("https://") and meta["fortios_version"], path
        assert all(env["version"] == "v" + meta["fortios_version"] for env in answers(data)), path
        assert os.path.basename(path).startswith(meta["fortios_version"] + "-")


def test_every_capture_is_named_in_the_field_register():
    with open(REGISTER) as handle:
        register = handle.read()
    for path in CAPTURES:
        assert os.path.basename(path) in register, path


@pytest.mark.parametrize("path", CAPTURES, ids=os.path.basename)
def test_every_capture_goes_through_the_readers(path):
    data, meta = load(path)
    for env in answers(data):
        version = parse_device_version(env["version"], "capture")
        assert str(version) == meta["fortios_version"]
        results = env["results"]
        if meta["endpoint"] == "monitor/license/status":
            facts = _license.facts(results)
            assert facts["fortiguard_connected"] in (True, False, None)
        elif meta["endpoint"] == "monitor/system/central-management/status":
            client = MemoryClient({}, monitor={"system/central-management/status": results})
            assert ftk.central_management(client)["type"] in ("none", "fortimanager")
        elif meta["endpoint"] == "monitor/system/available-certificates":
            assert all(isinstance(row.get("name"), str) for row in results)
        elif meta["endpoint"] == "monitor/system/status":
            assert isinstance(results, dict)


def test_license_status_captures_say_what_they_say():
    full = _license.facts(capture("monitor_license_status", "6.2.4-fortigate_exporter-license-61f-full.json")["results"])
    assert full == dict(full, fortiguard_connected=True, forticare_status="registered", evaluation=False)
    trial = _license.facts(capture("monitor_license_status",
                                   "6.2.4-fortigate_exporter-license-vm-trial.json")["results"])
    assert trial == dict(trial, fortiguard_connected=False, evaluation=True, vm_status="vm_eval")
    newer = _license.facts(capture("monitor_license_status", "7.0.15-centreon-license-status.json")["results"])
    assert newer == dict(newer, fortiguard_connected=True, forticare_status="registered", evaluation=False)
    old = _license.facts(capture("monitor_license_status", "6.0.9-fortigate_exporter-license-status.json")["results"])
    assert old["fortiguard_connected"] is None  # 6.0.9 has no fortiguard block: server-info decides


@pytest.mark.parametrize("name,reachable", [("6.2.4-fortigate_exporter-license-61f-full.json", True),
                                            ("7.0.15-centreon-license-status.json", True),
                                            ("6.2.4-fortigate_exporter-license-vm-trial.json", False)])
def test_fortiguard_reachability_from_captured_license_status(name, reachable):
    results = capture("monitor_license_status", name)["results"]
    client = MemoryClient({}, monitor={"license/status": results,
                                       "system/fortiguard/server-info": lambda params: pytest.fail("not needed")})
    assert ftk.fortiguard_reachability(client)["reachable"] is reachable


def test_a_managed_unit_is_recognised_from_the_captured_central_management_status():
    results = capture("monitor_system_central-management_status",
                      "7.4.5-fortigate_exporter-system-central-management-status.json")[0]["results"]

    class Forbidden(MemoryClient):
        def get(self, path, mkey=None, scope=None, params=None, api="cmdb"):
            if api == "cmdb":
                raise err.PermissionDeniedError("read", path, "fgt-test", "HTTP 403")
            return MemoryClient.get(self, path, mkey, scope, params, api)

    managed = ftk.central_management(Forbidden({}, monitor={"system/central-management/status": results}))
    assert managed == {"type": "fortimanager", "fmg": "172.25.150.122", "managed_by_fortimanager": True}
