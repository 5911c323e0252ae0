"""Multi-VDOM units (issue 16, part B): the VDOMs a task sweeps, FortiTokens and users per VDOM, the journaled
re-import across VDOMs and its resume, the EMS override of a VDOM, and the scope-global 403 (troubleshooting.md F)."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._ems import diagnosis as ems_dx
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import vdoms
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import interrupted
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import reimport as transaction
from ansible_collections.fortifleet.auth.plugins.module_utils._task.journal import Journal

from .fake_transport import HTML_403, FakeResponse, envelope
from .memory_client import MemoryClient
from .test_client import make
from .test_fortitoken_module import MIGRATED, MOB1, MOB2, TOKENS, FortiGate, run, token, user

GLOBAL = ("system/global", None)


def two_vdoms(mode="multi-vdom"):
    """root: MOB1 bound to user alice and admin netops; cust1: MOB2 bound to its own user alice. Both migrated."""
    objects = {("system/central-management", None): {"type": "none", "fmg": ""},
               GLOBAL: {"vdom-mode": mode}, ("system/vdom", "root"): {"name": "root"},
               ("system/vdom", "cust1"): {"name": "cust1"},
               (TOKENS, MOB1): token(MOB1, seed="ENC one"), ("user/local", "alice"): user("alice", MOB1),
               ("system/admin", "netops"): dict(user("netops", MOB1), accprofile="super_admin")}
    client = FortiGate(objects, status={MOB1: MIGRATED, MOB2: MIGRATED})
    client.vdom_objects["cust1"] = {(TOKENS, MOB2): token(MOB2, seed="ENC two"),
                                    ("user/local", "alice"): user("alice", MOB2, **{"email-to": "c1@example.com"})}
    return client


def bindings_per_vdom(client):
    out = {}
    for vdom in ("root", "cust1"):
        with client.in_vdom(vdom):
            out[vdom] = (client.tokens(), client.bindings())
    return out


# -- which VDOMs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, mode, expected, tagged", [
    ({}, "no-vdom", [None], False),
    ({"vdom": "cust1"}, "no-vdom", [None], False),
    ({}, "multi-vdom", ["cust1", "root"], True),  # every VDOM the device lists
    ({}, "split-vdom", ["cust1", "root"], True),
    ({"vdom": "cust1"}, "multi-vdom", ["cust1"], True),  # fortigate_vdom alone: only that VDOM
    ({"vdom": "root", "vdoms": ["cust1", "root"]}, "multi-vdom", ["cust1", "root"], True),
])
def test_vdoms_to_sweep(params, mode, expected, tagged):
    client = two_vdoms(mode)
    sweep = vdoms.vdoms_to_sweep(client, params)
    assert (sweep.vdoms, sweep.tagged, sweep.mode) == (expected, tagged, mode)


def test_the_preflight_topology_saves_the_reads():
    client = MemoryClient()
    sweep = vdoms.vdoms_to_sweep(client, {}, topology={"vdom_mode": "multi-vdom", "vdoms": ["root", "cust1"]})
    assert sweep.vdoms == ["root", "cust1"] and client.requests_sent == 0


def test_a_token_that_cannot_list_the_vdoms_checks_its_own_and_says_so():
    client = two_vdoms()
    client.fail[("GET", "system/vdom", None)] = err.ScopeNotGlobalError("read", "system/vdom", "fgt", "HTTP 403",
                                                                        status=403)
    sweep = vdoms.vdoms_to_sweep(client, {})
    assert sweep.vdoms == ["root"] and "fortigate_vdoms" in sweep.warnings[0]


# -- the client ------------------------------------------------------------------------------------------

def test_a_403_on_a_global_object_is_scope_not_global_with_the_public_source():
    client, dummy = make([FakeResponse(403, text=HTML_403, reason="Forbidden")] * 2)
    client.multi_vdom = True  # known from system/global, or the task names VDOMs
    with pytest.raises(err.ScopeNotGlobalError) as caught:
        client.get("system/admin", scope="global")
    assert caught.value.kind == "scope_not_global"
    assert "accprofile needs scope global" in caught.value.hint and vdoms.SCOPE_GLOBAL_SOURCE in caught.value.hint
    assert "read permission" in caught.value.hint  # the profile may also just lack the permission
    with pytest.raises(err.PermissionDeniedError) as other:
        client.get("user/local")
    assert not isinstance(other.value, err.ScopeNotGlobalError) and other.value.kind == "forbidden"


@pytest.mark.parametrize("multi_vdom, mentions_scope", [(None, True), (False, False)])
def test_without_known_vdoms_a_403_on_a_global_object_stays_forbidden(multi_vdom, mentions_scope):
    client, dummy = make([FakeResponse(403, text=HTML_403, reason="Forbidden")])
    client.multi_vdom = multi_vdom
    with pytest.raises(err.PermissionDeniedError) as caught:
        client.get("system/global", scope="global")
    assert caught.value.kind == "forbidden"
    assert ("If the unit has VDOMs" in caught.value.hint) is mentions_scope


def test_the_vdom_mode_read_tells_the_client_whether_the_unit_has_vdoms():
    client = two_vdoms()
    vdoms.vdoms_to_sweep(client, {})
    assert client.multi_vdom is True
    client = two_vdoms("no-vdom")
    vdoms.vdoms_to_sweep(client, {})
    assert client.multi_vdom is False


def test_in_vdom_sends_the_vdom_and_the_read_cache_keeps_vdoms_apart():
    client, session = make([FakeResponse(200, envelope([{"name": "a"}])), FakeResponse(200, envelope([{"name": "b"}])),
                            FakeResponse(200, envelope({"vdom-mode": "multi-vdom"}))])
    client.share_reads()
    with client.in_vdom("cust1"):
        assert client.get("user/local").results == [{"name": "a"}]
    assert client.get("user/local").results == [{"name": "b"}]  # root: not the cust1 answer
    with client.in_vdom("cust1"):
        client.get("user/local")  # from the cache
        client.get("system/global", scope="global")
    assert [c["params"] for c in session.calls] == [{"vdom": "cust1"}, {"vdom": "root"}, {"global": 1}]
    assert client.vdom == "root"


def test_no_request_hard_codes_vdom_root():
    client, session = make([FakeResponse(200, envelope([]))], vdom="cust1")
    client.get("user/local")
    assert session.calls[0]["params"] == {"vdom": "cust1"}  # FOS#345: the task's VDOM, never a fixed root


# -- the diagnosis ---------------------------------------------------------------------------------------

def test_the_diagnosis_reads_every_vdom_and_every_finding_carries_its_vdom():
    client = two_vdoms()
    facts, found = ftk.diagnose(client, vdoms.vdoms_to_sweep(client, {}))
    migrated = sorted((f["vdom"], f["summary"].split()[1]) for f in found if f["id"] == "FORTITOKEN_MIGRATED")
    assert migrated == [("cust1", MOB2), ("root", MOB1)]
    by_serial = dict((t["serial"], t) for t in facts["tokens"])
    assert by_serial[MOB2]["vdom"] == "cust1" and [b["name"] for b in by_serial[MOB2]["bound_to"]] == ["alice"]
    assert sorted(b["name"] for b in by_serial[MOB1]["bound_to"]) == ["alice", "netops"]
    assert facts["vdoms"] == ["cust1", "root"]


def test_without_vdoms_nothing_carries_a_vdom():
    client = two_vdoms("no-vdom")
    facts, found = ftk.diagnose(client, vdoms.vdoms_to_sweep(client, {}))
    assert [t["serial"] for t in facts["tokens"]] == [MOB1]
    assert not [f for f in found if "vdom" in f] and "vdoms" not in facts


def test_a_vdom_the_token_cannot_read_is_a_warning_naming_it():
    client = two_vdoms()
    client.forbidden_vdoms.add("cust1")
    facts, found = ftk.diagnose(client, vdoms.vdoms_to_sweep(client, {}))
    warning = [f for f in found if f["id"] == "FORTITOKEN_VDOM_UNREADABLE"]
    assert [(f["severity"], f["vdom"]) for f in warning] == [("warning", "cust1")]
    assert [t["serial"] for t in facts["tokens"]] == [MOB1]


def test_a_scope_vdom_token_gets_api_scope_not_global_for_the_administrators():
    client = two_vdoms()
    client.fail[("GET", "system/admin", None)] = err.ScopeNotGlobalError("read", "system/admin", "fgt", "HTTP 403",
                                                                         status=403)
    facts, found = ftk.diagnose(client, vdoms.vdoms_to_sweep(client, {}))
    scope = [f for f in found if f["id"] == "API_SCOPE_NOT_GLOBAL"]
    assert len(scope) == 1 and "system/admin" in scope[0]["summary"]
    assert vdoms.SCOPE_GLOBAL_SOURCE in scope[0]["remediation"]
    assert len(facts["tokens"]) == 2  # the per-VDOM tables were still read


# -- the re-import ---------------------------------------------------------------------------------------

def test_the_reimport_works_in_each_token_s_vdom_and_restores_every_binding_there():
    client = two_vdoms()
    before = bindings_per_vdom(client)
    seen = []

    def look(c, method, path, mkey):
        if method != "GET" and not seen:
            seen.append(Journal().read(c.device["serial"], transaction.KIND))
    client.trap = look
    result = run(client, serials=[MOB1, MOB2], state="reimported")
    assert result["changed"] and sorted(result["reimported"]) == [MOB1, MOB2]
    assert bindings_per_vdom(client) == before
    writes = list(zip(client.write_vdoms, [(m, p, k or (b or {}).get("serial-number")) for m, p, k, b in client.writes]))
    assert ("cust1", ("DELETE", TOKENS, MOB2)) in writes and ("cust1", ("POST", TOKENS, MOB2)) in writes
    assert ("root", ("DELETE", TOKENS, MOB1)) in writes and ("root", ("POST", TOKENS, MOB1)) in writes
    assert [v for v, w in writes if w[1] == "system/admin"] == ["root", "root"]  # administrators are global
    # the journal records the VDOM of every token and user binding before the first write
    data = seen[0]["data"]
    assert dict((t["serial"], t.get("vdom")) for t in data["tokens"]) == {MOB1: "root", MOB2: "cust1"}
    assert sorted((b["kind"], b["name"], b.get("vdom")) for b in data["bindings"]) == [
        ("admin", "netops", None), ("user", "alice", "cust1"), ("user", "alice", "root")]
    assert dict((b["name"] + b.get("vdom", "-"), b.get("vdom")) for b in result["bindings"]) == {
        "alicecust1": "cust1", "aliceroot": "root", "netops-": None}
    assert [t.get("vdom") for t in result["tokens"]] == ["root", "cust1"]
    client.writes = []
    assert run(client, serials=[MOB1, MOB2], state="reimported")["changed"] is False and client.writes == []


def test_the_reimport_of_one_vdom_touches_only_that_vdom():
    client = two_vdoms()
    run(client, serials=[MOB2], state="reimported", vdoms=["cust1"])
    assert set(client.write_vdoms) == {"cust1"}


def test_interrupted_at_every_request_then_resumed_in_each_vdom():
    reference = two_vdoms()
    run(reference, serials=[MOB1, MOB2], state="reimported")
    total = reference.requests_sent
    for n in range(1, total + 1):
        client = two_vdoms()
        before = bindings_per_vdom(client)
        client.stop_at = (n, "after")
        with pytest.raises(KeyboardInterrupt):
            run(client, serials=[MOB1, MOB2], state="reimported")
        entry = Journal().read(client.device["serial"], transaction.KIND)
        if entry is not None:
            found = interrupted.findings({"journal_dir": None}, client)
            assert [f["id"] for f in found] == [interrupted.FINDING], n
            if "cust1" in found[0]["remediation"]:
                assert "config vdom / edit cust1 / config user local / edit alice" in found[0]["remediation"]
        run(client, serials=[MOB1, MOB2], state="present")  # any later run finishes it first
        assert bindings_per_vdom(client) == before, n
        assert Journal().read(client.device["serial"], transaction.KIND) is None, n


# -- the EMS override ------------------------------------------------------------------------------------

def ems_device(override="enable", version="7.4.4"):
    def status(params):
        # cust1's own EMS has not authorized the unit; the global one has
        return {"ems_id": params.get("ems_id"), "connection": "connected",
                "authorization": "not authorized" if client.vdom == "cust1" else "authorized"}

    def cert(params):
        return {"status": "success", "verified": True}

    client = MemoryClient({GLOBAL: {"vdom-mode": "multi-vdom"}, ("system/vdom", "root"): {"name": "root"},
                           ("system/vdom", "cust1"): {"name": "cust1"},
                           ("endpoint-control/fctems", 1): {"ems-id": 1, "name": "global-ems", "server": "ems.example.com",
                                                            "status": "enable"},
                           ("endpoint-control/settings", None): {"override": "disable"}},
                          monitor={"endpoint-control/ems/status": status, "endpoint-control/ems/cert-status": cert,
                                   "license/status": {}}, version=version)
    client.vdom_objects["cust1"] = {
        ("endpoint-control/settings", None): {"override": override},
        ("endpoint-control/fctems-override", 1): {"ems-id": 1, "name": "cust1-ems", "server": "ems-cust1.example.com",
                                                  "status": "enable"}}
    return client


def test_an_overriding_vdom_s_connectors_are_diagnosed_with_its_vdom():
    client = ems_device()
    facts, found = ems_dx.diagnose(client, vdoms.vdoms_to_sweep(client, {}))
    assert facts["override_vdoms"] == ["cust1"]
    assert [(e["name"], e["vdom"]) for e in facts["override_entries"]] == [("cust1-ems", "cust1")]
    assert [(f["id"], f.get("vdom")) for f in found] == [("EMS_NOT_AUTHORIZED", "cust1")]


@pytest.mark.parametrize("override, version", [("disable", "7.4.4"), ("enable", "7.2.8")])
def test_no_override_is_read_where_it_is_off_or_before_7_4_0(override, version):
    client = ems_device(override, version)
    client.fail[("GET", "endpoint-control/fctems-override", None)] = AssertionError("read where it is not used")
    facts, found = ems_dx.diagnose(client, vdoms.vdoms_to_sweep(client, {}))
    assert facts["override_entries"] == [] and facts["override_vdoms"] == [] and found == []
