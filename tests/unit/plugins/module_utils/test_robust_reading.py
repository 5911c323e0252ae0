"""Issue 22: answers in another plausible shape are read tolerantly, an answer not understood is reported as
"could not determine" and acts on nothing, and an action is idempotent by evidence."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._ems import diagnosis as ems
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken_license
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import reimport

from .memory_client import MemoryClient, context

MOB1, MOB2 = "FTKMOB0000000001", "FTKMOB0000000002"
TRIAL = "FTKMOB00000000T1"
LICENSE_CONNECTED = {"fortiguard": {"type": "cloud_service_status", "connected": True, "has_updated": True}}
LICENSE_NOT_CONNECTED = {"fortiguard": {"type": "cloud_service_status", "connected": False, "has_updated": False}}


@pytest.fixture(autouse=True)
def private_state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def fortigate(tokens, monitor, bound=(MOB1,), seed="SEED", license_name="EFTM00000001"):
    objects = {("system/central-management", None): {"type": "none"}}
    for serial in tokens:
        lic = "FTMTRIAL00000001" if serial == TRIAL else license_name
        objects[(ftk.TOKENS.path, serial)] = {"serial-number": serial, "status": "active", "seed": seed, "license": lic}
    for index, serial in enumerate(bound):
        name = "user%d" % index
        objects[(ftk.USERS.path, name)] = {"name": name, "two-factor": "fortitoken", "fortitoken": serial,
                                           "email-to": "%s@example.com" % name}
    return MemoryClient(objects, monitor=monitor)


def ids(found):
    return [f["id"] for f in found]


# -- point 1: FortiGuard ------------------------------------------------------------------------
def test_server_info_in_an_unknown_shape_is_not_read_as_unreachable():
    """A server list whose entries carry no status word the code knows says nothing: no critical finding."""
    client = fortigate([MOB1], {"user/fortitoken": {MOB1: {"status": "provisioned"}},
                                "system/fortiguard/server-info": [{"ip": "173.243.138.68", "port": 443, "rtt": 12,
                                                                   "weight": 10, "flags": "I"}]})
    facts, found = ftk.diagnose(client)
    assert facts["fortiguard"]["reachable"] is None
    assert "FORTIGUARD_UNREACHABLE" not in ids(found)
    undetermined = [f for f in found if f["id"] == "FORTIGUARD_UNDETERMINED"]
    assert undetermined and undetermined[0]["severity"] == "info" and "rtt" in undetermined[0]["summary"]


def test_license_status_connected_flag_is_preferred_over_server_info():
    client = fortigate([MOB1], {"user/fortitoken": {MOB1: "provisioned"}, "license/status": LICENSE_CONNECTED,
                                "system/fortiguard/server-info": {"servers": [{"status": "unreachable"}]}})
    facts, found = ftk.diagnose(client)
    assert facts["fortiguard"] == dict(facts["fortiguard"], reachable=True, source="license/status")
    assert "FORTIGUARD_UNREACHABLE" not in ids(found)


def test_license_status_not_connected_is_a_determined_unreachable():
    client = fortigate([MOB1], {"user/fortitoken": {MOB1: "provisioned"}, "license/status": LICENSE_NOT_CONNECTED})
    facts, found = ftk.diagnose(client)
    assert facts["fortiguard"]["reachable"] is False and "FORTIGUARD_UNREACHABLE" in ids(found)


def test_an_empty_server_list_is_unreachable():
    client = fortigate([MOB1], {"user/fortitoken": {MOB1: "provisioned"}, "system/fortiguard/server-info": []})
    facts, found = ftk.diagnose(client)
    assert facts["fortiguard"]["reachable"] is False and "FORTIGUARD_UNREACHABLE" in ids(found)


# -- point 2 and 5: token statuses ------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["map-of-status", "map-of-rows", "list-of-rows"])
def test_a_gui_error_with_a_seed_is_a_migrated_token_in_every_layout(layout):
    answers = {"map-of-status": {MOB1: "Error"}, "map-of-rows": {MOB1: {"status": "Error"}},
               "list-of-rows": [{"serial": MOB1, "status": "Error"}]}
    client = fortigate([MOB1], {"user/fortitoken": answers[layout]})
    facts, found = ftk.diagnose(client)
    assert facts["tokens"][0]["state"] == "migrated" and "FORTITOKEN_MIGRATED" in ids(found)


def test_a_gui_error_without_a_seed_is_not_guessed():
    client = fortigate([MOB1], {"user/fortitoken": {MOB1: "Error"}}, seed="")
    facts, found = ftk.diagnose(client)
    assert "FORTITOKEN_MIGRATED" not in ids(found) and "FORTITOKEN_STATUS_UNDETERMINED" in ids(found)


@pytest.mark.parametrize("word,state", [("Available", "new"), ("New", "new"), ("Assigned", "active"),
                                        ("Pending", "provisioning"), ("Provision Timed Out", "provision timeout"),
                                        ("provision_timeout", "provision timeout"), ("Locked", "locked"),
                                        ("activation error (token not exist in FortiGuard)", "migrated"),
                                        ("something else", "unknown")])
def test_status_words_of_cli_and_gui(word, state):
    assert ftk.canonical_status(word, has_seed=True) == state


def test_the_reimport_plan_recognises_a_gui_error_with_a_seed():
    client = fortigate([MOB1, MOB2], {})
    plan = reimport.make_plan(client, [MOB1, MOB2], {MOB1: "Error", MOB2: "Assigned"}, None)
    assert plan is not None and plan.serials == [MOB1]


def test_a_new_unbound_trial_token_is_reported_not_activated():
    client = fortigate([MOB1, TRIAL], {"user/fortitoken": {MOB1: "provisioned", TRIAL: "new"}})
    facts, found = ftk.diagnose(client)
    trial = [f for f in found if f["id"] == "FORTITOKEN_NOT_ACTIVATED"]
    assert len(trial) == 1 and TRIAL in trial[0]["summary"] and trial[0]["severity"] == "warning"
    assert trial[0]["auto_fix"] is False and "Assign it" in trial[0]["remediation"]


# -- point 2 (actions): activation idempotent by evidence -----------------------------------------------
def test_an_activation_the_device_does_not_confirm_is_a_warning_and_not_repeated():
    client = fortigate([MOB1], {"user/fortitoken": {MOB1: "Available"}})
    client.actions["user/fortitoken/activate"] = lambda client_, body: {}
    ctx = context(client, {"serials": [MOB1], "state": "active"}, spec=fortitoken.ARGUMENT_SPEC)
    result = fortitoken.run(ctx)
    assert result["changed"] and result["not_confirmed"] == [MOB1]
    assert any("done, not confirmed" in w for w in ctx.warnings)
    again = fortitoken.run(context(client, {"serials": [MOB1], "state": "active"}, spec=fortitoken.ARGUMENT_SPEC))
    assert not again["changed"]
    assert [c for c in client.calls if c[0] == "user/fortitoken/activate"] == [
        ("user/fortitoken/activate", {"tokens": [MOB1]})]


def test_an_unknown_token_status_triggers_no_action():
    client = fortigate([MOB1], {"user/fortitoken": {MOB1: "state-17"}})
    result = fortitoken.run(context(client, {"serials": [MOB1], "state": "active"}, spec=fortitoken.ARGUMENT_SPEC))
    assert not result["changed"] and client.calls == []


# -- point 3: EMS certificate status ----------------------------------------------------------------
@pytest.mark.parametrize("answer", [{"is_verified": True}, {"cert_verified": "yes"}, {"verify_status": "verified"},
                                    {"cert": {"verified": True}}, {"verification": "Verified"}])
def test_the_verification_flag_is_read_under_other_key_names(answer):
    assert ems.parse_cert_status(dict(answer, authenticated_by_ca=True))["verified"] is True


def test_a_missing_verification_flag_is_undetermined_not_false():
    cert = ems.parse_cert_status({"authenticated_by_ca": True, "status": "trusted"})
    assert cert["verified"] is None
    entry = {"enabled": True, "state": ems.parse_status({"connection": "connected", "authorized": True}),
             "certificate": cert, "capabilities": []}
    assert ems.classify(entry) == ["EMS_STATE_UNDETERMINED"]


def test_a_human_step_is_still_found_next_to_an_undetermined_certificate():
    entry = {"enabled": True, "state": ems.parse_status({"connection": "connected", "authorization": "Not Authorized"}),
             "certificate": ems.parse_cert_status({"status": "trusted"}), "capabilities": []}
    assert ems.classify(entry) == ["EMS_NOT_AUTHORIZED", "EMS_STATE_UNDETERMINED"]


# -- point 4: the licence code alphabet ---------------------------------------------------------------
@pytest.mark.parametrize("code", ["DA8C-0508-1F31-4CF7-C990", "QW7R-0508-1F31-4CF7-Z990", "QW7R05081F314CF7Z990"])
def test_a_licence_code_is_refused_only_for_its_sourced_length(code, tmp_path):
    params = {"license_code": code, "trial": False, "serials": None, "memory_file": str(tmp_path / "m.json")}
    assert fortitoken_license.validate(params)


@pytest.mark.parametrize("code", ["DA8C-0508-1F31-4CF7", "DA8C-0508-1F31-4CF7-C990-0000"])
def test_a_licence_code_of_another_length_is_refused(code, tmp_path):
    params = {"license_code": code, "trial": False, "serials": None, "memory_file": str(tmp_path / "m.json")}
    with pytest.raises(err.InputError):
        fortitoken_license.validate(params)
