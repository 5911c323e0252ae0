"""The topology reader (_system/topology.py), the fleet's cluster plan (_fleet/topology.py), the report's clusters
and the FortiManager finding's CLI (_config/central_management.py)."""
from ansible_collections.fortifleet.auth.plugins.module_utils._config import central_management as guard
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import topology as fleet_topology
from ansible_collections.fortifleet.auth.plugins.module_utils._report import topology as report_topology
from ansible_collections.fortifleet.auth.plugins.module_utils._system import topology

from .memory_client import MemoryClient, refused

# The shape of monitor system/ha-checksums (troubleshooting.md F): 6.x says is_manage_master 0/1, newer releases
# also is_manage_primary.
OLD = [{"is_manage_master": 1, "is_root_master": 1, "serial_no": "FGT1", "checksum": {"all": "aa"}},
       {"is_manage_master": 0, "is_root_master": 0, "serial_no": "FGT2", "checksum": {"all": "aa"}}]
NEW = [{"is_manage_primary": False, "serial_no": "FGT1", "checksum": {"all": "aa"}},
       {"is_manage_primary": True, "serial_no": "FGT2", "checksum": {"all": "bb"}}]


def _client(ha=None, checksums=None, serial="FGT1"):
    objects = {("system/ha", None): ha} if ha is not None else {}
    monitor = {"system/ha-checksums": checksums} if checksums is not None else {}
    return MemoryClient(objects=objects, monitor=monitor, serial=serial)


def test_a_standalone_unit_costs_one_request_and_no_checksum_read():
    client = _client(ha={"mode": "standalone", "group-name": "", "group-id": 0}, checksums=OLD)
    warnings = []
    facts = topology.ha(client, "FGT1", warnings)
    assert facts["mode"] == "standalone" and facts["role"] is None and facts["members"] == []
    assert client.requests_sent == 1 and warnings == []


def test_members_primary_and_sync_from_both_shapes():
    facts = topology.ha(_client({"mode": "a-p", "group-name": "G", "group-id": 7}, OLD), "FGT2", [])
    assert facts == {"mode": "a-p", "group_name": "G", "group_id": 7, "role": "secondary", "primary_serial": "FGT1",
                     "members": [{"serial": "FGT1", "hostname": None, "primary": True},
                                 {"serial": "FGT2", "hostname": None, "primary": False}], "in_sync": True}
    facts = topology.ha(_client({"mode": "a-p"}, NEW), "FGT2", [])
    assert facts["role"] == "primary" and facts["primary_serial"] == "FGT2" and facts["in_sync"] is False


def test_a_forbidden_checksum_read_leaves_role_and_sync_unknown_with_a_warning():
    client = _client({"mode": "a-p", "group-name": "G"})
    client.fail[("GET", "system/ha-checksums", None)] = refused("read", "system/ha-checksums")
    topo, found, warnings = topology.read(client, "FGT1", "no-vdom")
    assert topo["ha"]["role"] is None and topo["ha"]["in_sync"] is None and "unreadable" not in topo["ha"]
    assert [f["id"] for f in found] == ["HA_STATE_UNDETERMINED"] and warnings
    assert topo["vdoms"] == ["root"] and topo["fortimanager"] == {"managed": False, "type": None, "address": None}


def test_out_of_sync_gives_the_critical_finding():
    topo, found, dummy = topology.read(_client({"mode": "a-p", "group-name": "G"}, NEW), "FGT1", "no-vdom")
    assert [f["id"] for f in found] == ["HA_OUT_OF_SYNC"] and found[0]["severity"] == "critical"
    assert "execute ha synchronize start" in found[0]["remediation"]


def test_fortimanager_from_cmdb_or_the_monitor_status():
    client = MemoryClient(objects={("system/central-management", None): {"type": "fortimanager", "fmg": "192.0.2.9"}})
    assert topology.fortimanager(client, []) == {"managed": True, "type": "fortimanager", "address": "192.0.2.9"}
    client = MemoryClient(monitor={"system/central-management/status": [
        {"status": "up", "registration_status": "registered", "mgmt_ip": "192.0.2.8"}]})
    client.fail[("GET", "system/central-management", None)] = refused("read", "system/central-management")
    assert topology.fortimanager(client, [])["address"] == "192.0.2.8"


def _record(serial, primary, role, mode="a-p", in_sync=True):
    return {"preflight": {"serial": serial}, "topology": {"ha": {
        "mode": mode, "group_name": "G-%s" % primary, "group_id": 1, "role": role, "primary_serial": primary,
        "members": [{"serial": primary, "hostname": None, "primary": True}], "in_sync": in_sync}}}


def test_plan_one_entry_acts_per_cluster_and_a_lone_secondary_is_read_only():
    records = {"a1": _record("P1", "P1", "primary"), "a2": _record("S1", "P1", "secondary"),
               "b2": _record("S2", "P2", "secondary"), "solo": {"preflight": {"serial": "X"}, "topology": {
                   "ha": {"mode": "standalone"}}}}
    plan = fleet_topology.plan(records, ["a2", "a1", "b2", "solo"])
    assert plan["a2"] == {"run": False, "handled_through": "a1"}
    assert plan["b2"]["read_only"] and [f["id"] for f in plan["b2"]["findings"]] == ["HA_SECONDARY_ONLY"]
    assert "a1" not in plan and "solo" not in plan
    clusters = report_topology.clusters(records)
    assert [(c["name"], c["primary"], c["members"]) for c in clusters] == [
        ("G-P1", "a1", ["a1", "a2"]), ("G-P2", None, ["b2"])]


def test_the_guard_holds_secondaries_out_of_sync_and_managed_units_unless_allowed():
    managed = {"ha": {"mode": "standalone"}, "fortimanager": {"managed": True, "address": "192.0.2.9"}}
    assert guard.writes_held(managed, {}) == "fortimanager"
    assert guard.writes_held(managed, {"fortimanager_local_writes": True}) is None
    assert guard.writes_held(managed, {"fortitoken_allow_fortimanager_managed": True}, "fortitoken") is None
    assert guard.writes_held({"ha": {"role": "secondary"}}, {"fortimanager_local_writes": True}) == "ha_secondary"
    assert guard.writes_held({"ha": {"in_sync": False}}, {}) == "ha_out_of_sync"
    assert guard.writes_held({"ha": {"in_sync": False}}, {"ha_allow_out_of_sync_writes": True}) is None


def test_the_fortimanager_change_is_the_cli_of_the_changed_keys():
    diff = {"before": {"status": "disable", "server-port": 4433}, "after": {"status": "enable", "server-port": 4433},
            "after_header": "system/ftm-push on fgt"}
    found = guard.fortimanager_finding("ftm_push", {"fortimanager": {"address": "192.0.2.9"}},
                                       [{"object": "system/ftm-push", "changed_keys": ["status"]}], [diff])
    assert found["area"] == "ftm_push" and "192.0.2.9" in found["remediation"]
    assert "config system ftm-push / set status enable / end" in found["remediation"]
    assert "server-port" not in found["remediation"]  # unchanged keys are not part of the change
