"""Issue 19: monitor web-ui/state proves the token and, when it says "standalone" and "not centrally managed",
spares the reads of cmdb system/ha and system/central-management (docs/requests.md); anything else reads them as
before, and the record's topology is the same either way."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import read_plan
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import web_ui
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import FortiOSClient
from ansible_collections.fortifleet.auth.plugins.module_utils._system import topology

from .fake_transport import FakeResponse, envelope
from .memory_client import MemoryClient
from .test_read_plan import TimedSession

# The keys of the 7.0.6 capture (fortios-api.md §5, "Reading fewer times"), a standalone unmanaged unit.
STANDALONE = {"hostname": "fgt-001", "model": "FGT61F", "model_name": "FortiGate", "model_number": "61F",
              "vdom_mode": "no-vdom", "ha_mode": 0, "is_ha_master": 1, "centrally_managed": False,
              "fortimanager_backup_mode": False}
# What cmdb answers on the same unit (the CLI defaults the emulator serves).
CMDB = {("system/ha", None): {"mode": "standalone", "group-name": "", "group-id": 0},
        ("system/central-management", None): {"type": "none", "fmg": "", "mode": "normal"}}
PREFLIGHT_AND_AREAS = (["api_access", "system"], ["ftm_push", "fortitoken", "ems_connector"])


class Recording(MemoryClient):
    def __init__(self, *args, **kwargs):
        super(Recording, self).__init__(*args, **kwargs)
        self.reads = []

    def get(self, path, mkey=None, scope=None, params=None, api="cmdb", fresh=False):
        self.reads.append(path)
        return super(Recording, self).get(path, mkey=mkey, scope=scope, params=params, api=api)


def unit(state=None, objects=None):
    objects = CMDB if objects is None else objects
    monitor = {"system/status": {"hostname": "fgt-001"}}
    if state is not None:
        monitor["web-ui/state"] = state
    return Recording(objects=dict(objects), monitor=monitor)


def test_a_usable_web_ui_state_is_the_proving_read_and_is_read_once():
    client = unit(STANDALONE)
    assert web_ui.status(client).results["hostname"] == "fgt-001"
    assert web_ui.status(client).results["model"] == "FGT61F"  # the system subset reads it again: no request
    assert client.reads == ["web-ui/state"]


def test_a_release_without_web_ui_state_reads_system_status_and_asks_web_ui_state_only_once():
    client = unit(None)
    web_ui.status(client)
    web_ui.status(client)
    assert client.reads == ["web-ui/state", "system/status", "system/status"]
    assert web_ui.standalone(client) is None and web_ui.unmanaged(client) is None


def test_a_standalone_unmanaged_unit_has_todays_topology_without_reading_ha_or_central_management():
    before = unit(None)
    web_ui.status(before)
    expected = topology.read(before, "FGT61FTK0000001", "no-vdom")
    assert "system/ha" in before.reads and "system/central-management" in before.reads
    client = unit(STANDALONE, objects={})
    web_ui.status(client)
    assert topology.read(client, "FGT61FTK0000001", "no-vdom") == expected
    assert client.reads == ["web-ui/state"]
    assert topology.central_management(client) == topology.central_management(before)  # the fortitoken area's view


@pytest.mark.parametrize("change, reads", [
    ({"ha_mode": 1}, ["system/ha"]),  # a cluster member: members and role come from system/ha(-checksums)
    ({"ha_mode": None}, ["system/ha"]),
    ({"ha_mode": "a-p"}, ["system/ha"]),
    ({"ha_mode": False}, ["system/ha"]),  # not a word the capture uses
    ({"centrally_managed": True}, ["system/central-management"]),
    ({"centrally_managed": "false"}, ["system/central-management"]),  # not the capture's boolean
    ({"centrally_managed": None}, ["system/central-management"]),
])
def test_anything_but_an_outright_standalone_or_unmanaged_is_read_as_before(change, reads):
    state = dict(STANDALONE, **change)
    state = dict((k, v) for k, v in state.items() if v is not None)
    client = unit(state)
    web_ui.status(client)
    topology.read(client, "FGT61FTK0000001", "no-vdom")
    assert [r for r in client.reads if r in ("system/ha", "system/central-management")] == reads
    planned = [r[1] for r in read_plan.first_wave(*PREFLIGHT_AND_AREAS, answered=read_plan.settled(client))]
    assert [r for r in planned if r in ("system/ha", "system/central-management")] == reads


def webui_device(state):
    def answer(method, url, params):
        if url.endswith("/monitor/web-ui/state"):
            return FakeResponse(200, envelope(state)) if state else FakeResponse(404, envelope(None, status=404))
        if url.endswith("/monitor/system/status"):
            return FakeResponse(200, envelope({}))
        if url.endswith("/system/global"):
            return FakeResponse(200, envelope({"vdom-mode": "no-vdom", "admin-sport": 443}))
        return FakeResponse(200, envelope([] if "/cmdb/" in url else {}))
    return answer


@pytest.mark.parametrize("state, sent", [
    (STANDALONE, ["web-ui/state"] + 11 * ["planned"]),  # 12 requests: docs/requests.md
    (dict(STANDALONE, ha_mode=1, centrally_managed=True), ["web-ui/state"] + 13 * ["planned"]),
    (None, ["web-ui/state", "system/status"] + 13 * ["planned"]),  # 404: system/status, today's 13 reads
])
def test_a_healthy_devices_proving_read_and_plan_send_twelve_requests(state, sent):
    session = TimedSession(webui_device(state), delay=0.001)
    client = FortiOSClient("192.0.2.1", label="fgt-01", access_token="t0ken", session=session,
                           sleep=lambda s: None).share_reads()
    client.read_planner = read_plan.planner(*PREFLIGHT_AND_AREAS)
    web_ui.status(client)
    client.proven()
    paths = [c["url"].split("/api/v2/", 1)[1].split("/", 1)[1] for c in session.calls]
    proving = [p for p in paths if p in ("web-ui/state", "system/status")]
    assert proving == [s for s in sent if s != "planned"]
    assert len(paths) == len(sent)
    assert ("system/ha" in paths) is (state != STANDALONE)
