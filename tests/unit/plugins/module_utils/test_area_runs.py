"""What a fleet run decides per area on one device, with scripted module steps (no device at all)."""
import os

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import area_run as api_access_run
from ansible_collections.fortifleet.auth.plugins.module_utils._ems import area_run as ems_run
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import device as _fleet
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import settings as _settings
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.steps import AreaFailed
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import area_run as ftm_push_run
from ansible_collections.fortifleet.auth.plugins.module_utils._task import runtime

from .memory_client import MemoryClient


@pytest.fixture(autouse=True)
def private_state_home(tmp_path, monkeypatch):
    """Unconfirmed actions are remembered under $XDG_STATE_HOME: never the user's own during tests."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


PARAMS = {"host": "192.0.2.1", "port": 443, "access_token": "tok", "validate_certs": True, "ca_path": None,
          "use_ssl": True, "timeout": 5, "retries": 0, "vdom": "root"}
CONTROLLER = "198.51.100.7"


class Script(object):
    """device.step replaced by scripted answers, one list per module, consumed in order; records the calls."""

    def __init__(self, monkeypatch, dev, **answers):
        self.answers = dict((module, list(results)) for module, results in answers.items())
        self.calls = []
        monkeypatch.setattr(dev, "step", self)

    def __call__(self, module, args):
        self.calls.append((module, args))
        if not self.answers.get(module):
            raise AssertionError("unexpected step %s %r" % (module, args))
        return self.answers[module].pop(0)

    def modules(self):
        return [module for module, dummy in self.calls]

    def args(self, module, index=0):
        return [args for name, args in self.calls if name == module][index]


def device(check_mode=False, **params):
    return _fleet.Device("fgt-001", dict(PARAMS, **params), {}, check_mode=check_mode)


def finding(fid, auto_fix=True):
    return {"id": fid, "auto_fix": auto_fix}


def info(area, facts=None, *fids):
    return {"changed": False, "fortigate": {area: facts or {}}, "findings": [finding(f) for f in fids]}


# -- ftm_push ----------------------------------------------------------------------------------
def ftm_settings(**raw):
    return _settings.validate_settings(raw, ["ftm_push"])


def test_ftm_push_only_diagnoses_when_remediation_is_off(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ftm_push", {}, "FTM_PUSH_DISABLED")])
    left = ftm_push_run.run(dev, ftm_settings(ftm_push_remediate=False, ftm_push_server="push.example.net"))
    assert script.modules() == ["fortigate_info"]
    assert script.args("fortigate_info") == {"gather_subset": ["ftm_push"], "ftm_push_server": "push.example.net"}
    assert [f["id"] for f in left] == ["FTM_PUSH_DISABLED"] and dev.record["changes"] == []


def test_ftm_push_repairs_with_the_role_defaults_and_omits_empty_settings(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ftm_push", {"callback_interface": "port1"})],
                    ftm_push=[{"changed": False, "changed_keys": []}])
    ftm_push_run.run(dev, ftm_settings())
    assert script.args("fortigate_info") == {"gather_subset": ["ftm_push"]}  # no wanted server: omitted
    assert script.args("ftm_push") == {"status": "enable", "allow_ftm_access": True}


def test_ftm_push_passes_the_chosen_settings(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ftm_push")], ftm_push=[{"changed": False}])
    ftm_push_run.run(dev, ftm_settings(ftm_push_server="push.example.net", ftm_push_server_port=8443,
                                       ftm_push_server_cert="Fortinet_Factory", ftm_push_proxy="disable",
                                       ftm_push_access_interface="wan1"))
    assert script.args("ftm_push") == {"status": "enable", "server": "push.example.net", "server_port": 8443,
                                       "server_cert": "Fortinet_Factory", "proxy": "disable",
                                       "allow_ftm_access": True, "ftm_access_interface": "wan1"}


def test_ftm_access_is_not_asked_for_when_no_interface_is_known(monkeypatch):
    # Behind NAT with no interface setting the module could not tell which interface gets the callback.
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ftm_push", {"callback_interface": None})],
                    ftm_push=[{"changed": False}])
    ftm_push_run.run(dev, ftm_settings(ftm_push_server="push.example.net"))
    assert script.args("ftm_push")["allow_ftm_access"] is False


@pytest.mark.parametrize("setting", ["ftm_push_server_from_interface", "ftm_push_interface",
                                     "ftm_push_access_interface"])
def test_an_interface_setting_makes_ftm_access_known(monkeypatch, setting):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ftm_push", {"callback_interface": None})],
                    ftm_push=[{"changed": False}])
    ftm_push_run.run(dev, ftm_settings(**{setting: "port1"}))
    assert script.args("ftm_push")["allow_ftm_access"] is True


def test_ftm_access_can_be_switched_off(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ftm_push", {"callback_interface": "port1"})],
                    ftm_push=[{"changed": False}])
    ftm_push_run.run(dev, ftm_settings(ftm_push_allow_ftm_access=False))
    assert script.args("ftm_push")["allow_ftm_access"] is False


def test_an_fqdn_the_version_cannot_take_is_left_out_of_the_repair(monkeypatch):
    dev = device()
    before = info("ftm_push", {"callback_interface": "port1"}, "FTM_PUSH_FQDN_UNSUPPORTED", "FTM_PUSH_DISABLED")
    script = Script(monkeypatch, dev, fortigate_info=[before, info("ftm_push", {}, "FTM_PUSH_FQDN_UNSUPPORTED")],
                    ftm_push=[{"changed": True, "changed_keys": ["status"]}])
    left = ftm_push_run.run(dev, ftm_settings(ftm_push_server="push.example.net"))
    assert "server" not in script.args("ftm_push")
    assert script.args("fortigate_info", 1)["ftm_push_server"] == "push.example.net"  # still diagnosed
    assert [f["id"] for f in left] == ["FTM_PUSH_FQDN_UNSUPPORTED"]


def test_a_real_change_is_recorded_and_diagnosed_again(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev,
                    fortigate_info=[info("ftm_push", {}, "FTM_PUSH_DISABLED", "FTM_PUSH_SERVER_CERT_MISSING"),
                                    info("ftm_push", {}, "FTM_PUSH_PRIVATE_ADDRESS")],
                    ftm_push=[{"changed": True, "changed_keys": ["server-cert", "status"]}])
    left = ftm_push_run.run(dev, ftm_settings())
    assert script.modules() == ["fortigate_info", "ftm_push", "fortigate_info"]
    assert [f["id"] for f in left] == ["FTM_PUSH_PRIVATE_ADDRESS"]
    assert dev.record["changes"] == [{"area": "ftm_push", "object": "system/ftm-push",
                                      "changed_keys": ["server-cert", "status"], "check_mode": False}]


def test_no_change_means_no_second_diagnosis(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ftm_push", {}, "FTM_PUSH_SERVER_UNSET")],
                    ftm_push=[{"changed": False, "changed_keys": []}])
    left = ftm_push_run.run(dev, ftm_settings())
    assert script.modules() == ["fortigate_info", "ftm_push"]
    assert [f["id"] for f in left] == ["FTM_PUSH_SERVER_UNSET"] and dev.record["changes"] == []


def test_check_mode_records_the_predicted_change_without_a_second_diagnosis(monkeypatch):
    dev = device(check_mode=True)
    script = Script(monkeypatch, dev, fortigate_info=[info("ftm_push", {}, "FTM_PUSH_DISABLED")],
                    ftm_push=[{"changed": True, "changed_keys": ["status"]}])
    left = ftm_push_run.run(dev, ftm_settings())
    assert script.modules() == ["fortigate_info", "ftm_push"]
    assert [f["id"] for f in left] == ["FTM_PUSH_DISABLED"]
    assert dev.record["changes"][0]["check_mode"] is True


@pytest.mark.parametrize("answers", [
    {"fortigate_info": [{"failed": True, "msg": "HTTP 500"}]},
    {"fortigate_info": [info("ftm_push")], "ftm_push": [{"failed": True, "msg": "Missing server address."}]},
])
def test_a_failed_ftm_push_step_ends_the_area(monkeypatch, answers):
    dev = device()
    Script(monkeypatch, dev, **answers)
    with pytest.raises(AreaFailed):
        ftm_push_run.run(dev, ftm_settings())
    assert dev.record["changes"] == []


# -- ems_connector -------------------------------------------------------------------------------
def ems_settings(**raw):
    return _settings.validate_settings(raw, ["ems_connector"])


def test_ems_manages_nothing_without_a_connector_name(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ems", {}, "EMS_NOT_AUTHORIZED")])
    left = ems_run.run(dev, ems_settings(ems_connector_server="ems.example.com",
                                         ems_connector_wait_for_authorization=True))
    assert script.modules() == ["fortigate_info"] and script.args("fortigate_info") == {"gather_subset": ["ems"]}
    assert [f["id"] for f in left] == ["EMS_NOT_AUTHORIZED"]


def test_ems_manages_nothing_when_remediation_is_off(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ems")])
    ems_run.run(dev, ems_settings(ems_connector_name="ems01", ems_connector_remediate=False))
    assert script.modules() == ["fortigate_info"]


def test_ems_configures_the_named_entry_with_the_given_settings_only(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ems")], ems_connector=[{"changed": False}])
    ems_run.run(dev, ems_settings(ems_connector_name="ems01", ems_connector_server="ems.example.com",
                                  ems_connector_https_port=8013))
    assert script.args("ems_connector") == {"name": "ems01", "server": "ems.example.com", "https_port": 8013,
                                            "status": "enable", "verify_certificate": False,
                                            "trust_on_first_use": False}


@pytest.mark.parametrize("raw, verify", [
    ({"ems_connector_expected_fingerprint": "AB" * 32}, True),
    ({"ems_connector_trust_on_first_use": True}, True),
    ({}, False),
])
def test_the_certificate_is_verified_only_with_a_fingerprint_or_trust_on_first_use(monkeypatch, raw, verify):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ems")], ems_connector=[{"changed": False}])
    ems_run.run(dev, ems_settings(ems_connector_name="ems01", **raw))
    args = script.args("ems_connector")
    assert args["verify_certificate"] is verify
    assert args.get("expected_fingerprint") == raw.get("ems_connector_expected_fingerprint")


def test_the_wait_runs_only_when_asked_and_then_the_entry_is_diagnosed_again(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ems", {}, "EMS_NOT_AUTHORIZED"), info("ems")],
                    ems_connector=[{"changed": False}, {"changed": False, "ems": {"authorized": True}}])
    left = ems_run.run(dev, ems_settings(ems_connector_name="ems01", ems_connector_wait_for_authorization=True,
                                         ems_connector_authorization_timeout=120, ems_connector_poll_interval=15))
    assert script.modules() == ["fortigate_info", "ems_connector", "ems_connector", "fortigate_info"]
    assert script.args("ems_connector", 1) == {"name": "ems01", "wait_for_authorization": True,
                                               "authorization_timeout": 120, "poll_interval": 15}
    assert left == [] and dev.record["notes"] == []


def test_a_failed_wait_is_a_note_not_an_error(monkeypatch):
    dev = device()
    msg = "EMS 'ems01' did not authorize FortiGate FGVM01 within 300s"
    Script(monkeypatch, dev, fortigate_info=[info("ems"), info("ems", {}, "EMS_NOT_AUTHORIZED")],
           ems_connector=[{"changed": False}, {"failed": True, "msg": msg}])
    left = ems_run.run(dev, ems_settings(ems_connector_name="ems01", ems_connector_wait_for_authorization=True))
    assert dev.record["notes"] == ["fgt-001: " + msg] and dev.record["errors"] == []
    assert [f["id"] for f in left] == ["EMS_NOT_AUTHORIZED"]


def test_check_mode_never_waits_and_never_diagnoses_again(monkeypatch):
    dev = device(check_mode=True)
    script = Script(monkeypatch, dev, fortigate_info=[info("ems", {}, "EMS_DISABLED")],
                    ems_connector=[{"changed": True, "changed_keys": ["status"]}])
    left = ems_run.run(dev, ems_settings(ems_connector_name="ems01", ems_connector_wait_for_authorization=True))
    assert script.modules() == ["fortigate_info", "ems_connector"]
    assert [f["id"] for f in left] == ["EMS_DISABLED"]
    assert dev.record["changes"] == [{"area": "ems", "object": "endpoint-control/fctems/ems01",
                                      "changed_keys": ["status"], "check_mode": True}]


def test_a_change_is_recorded_and_diagnosed_again(monkeypatch):
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ems", {}, "EMS_DISABLED"), info("ems")],
                    ems_connector=[{"changed": True, "changed_keys": ["status"]}])
    left = ems_run.run(dev, ems_settings(ems_connector_name="ems01"))
    assert script.modules() == ["fortigate_info", "ems_connector", "fortigate_info"] and left == []
    assert dev.record["changes"][0]["object"] == "endpoint-control/fctems/ems01"


def test_a_failed_ems_configuration_skips_the_wait_and_keeps_the_human_steps(monkeypatch):
    """A later error never drops the human steps found before it (EMS authorization, CA import)."""
    dev = device()
    script = Script(monkeypatch, dev, fortigate_info=[info("ems", {}, "EMS_NOT_AUTHORIZED", "EMS_CERT_UNTRUSTED")],
                    ems_connector=[{"failed": True, "msg": "Invalid value for 'expected_fingerprint'"}])
    left = ems_run.run(dev, ems_settings(ems_connector_name="ems01", ems_connector_wait_for_authorization=True))
    assert script.modules() == ["fortigate_info", "ems_connector"]
    assert [f["id"] for f in left] == ["EMS_NOT_AUTHORIZED", "EMS_CERT_UNTRUSTED"]
    assert dev.record["errors"] == ["ems_connector: Invalid value for 'expected_fingerprint'"]


# -- api_access --------------------------------------------------------------------------------
def api_settings(**raw):
    return _settings.device_settings(raw, ["api_access"], "fortifleet-automation")


def preflight(dev, access, controller=None):
    dev.record["preflight"] = {"access": access,
                               "api_access": {"controller_address": controller} if controller else {}}


def test_api_access_without_a_user_only_notes_it(monkeypatch):
    dev = device()
    preflight(dev, "ok")
    script = Script(monkeypatch, dev)
    assert api_access_run.run(dev, _settings.device_settings({}, ["api_access"], None)) == []
    assert script.calls == [] and "set api_access_user" in dev.record["notes"][0]


def test_api_access_ensures_the_user_as_configured(monkeypatch):
    dev = device()
    preflight(dev, "ok")
    script = Script(monkeypatch, dev, api_user=[{"changed": True, "changed_keys": ["trusthost"]}])
    api_access_run.run(dev, api_settings(api_access_trusthosts=["192.0.2.0/24"], api_access_accprofile="prof"))
    assert script.args("api_user") == {"name": "fortifleet-automation", "trusthost": ["192.0.2.0/24"],
                                       "trusthost_mode": "add", "allow_any_trusthost": False, "accprofile": "prof",
                                       "regenerate_key": False}
    assert dev.record["changes"] == [{"area": "api_access", "object": "system/api-user/fortifleet-automation",
                                      "changed_keys": ["trusthost"], "check_mode": False, "key_rotated": False}]
    assert dev.key_rotated is False


def test_a_forbidden_profile_still_lets_the_user_be_ensured(monkeypatch):
    dev = device()
    preflight(dev, "forbidden")
    script = Script(monkeypatch, dev, api_user=[{"changed": False}])
    api_access_run.run(dev, api_settings())
    assert script.modules() == ["api_user"] and dev.record["changes"] == []


def test_a_key_rotation_writes_to_the_devices_key_file_and_marks_the_device(monkeypatch, tmp_path):
    dev = device()
    preflight(dev, "ok")
    script = Script(monkeypatch, dev, api_user=[{"changed": True, "changed_keys": [], "key_rotated": True}])
    api_access_run.run(dev, api_settings(api_access_rotate_key=True, api_access_key_dir=str(tmp_path)))
    args = script.args("api_user")
    assert args["regenerate_key"] is True and args["key_file"] == os.path.join(str(tmp_path), "fgt-001.key")
    assert dev.key_rotated is True and dev.record["changes"][0]["key_rotated"] is True


def test_a_rotation_in_check_mode_does_not_mark_the_device(monkeypatch, tmp_path):
    dev = device(check_mode=True)
    preflight(dev, "ok")
    Script(monkeypatch, dev, api_user=[{"changed": True, "key_rotated": True}])
    api_access_run.run(dev, api_settings(api_access_rotate_key=True, api_access_key_dir=str(tmp_path)))
    assert dev.key_rotated is False and dev.record["changes"][0]["check_mode"] is True


def test_a_trusthost_mismatch_is_repaired_with_the_diagnostic_credential(monkeypatch):
    dev = device(diagnostic_access_token="diag-tok")
    preflight(dev, "trusthost_mismatch", CONTROLLER)
    script = Script(monkeypatch, dev, api_user=[{"changed": True, "changed_keys": ["trusthost"]}])
    api_access_run.run(dev, api_settings(api_access_trusthosts=["10.0.0.0/8"], api_access_rotate_key=True))
    # Only the controller's address is added, with the diagnostic token; no other setting, never a rotation.
    assert script.args("api_user") == {"name": "fortifleet-automation", "trusthost": [CONTROLLER],
                                       "access_token": "diag-tok"}
    assert dev.record["changes"][0]["changed_keys"] == ["trusthost"] and dev.key_rotated is False


@pytest.mark.parametrize("params, controller", [({}, CONTROLLER), ({"diagnostic_access_token": "diag-tok"}, None)])
def test_a_trusthost_mismatch_without_the_means_to_repair_it_is_a_note(monkeypatch, params, controller):
    dev = device(**params)
    preflight(dev, "trusthost_mismatch", controller)
    script = Script(monkeypatch, dev)
    assert api_access_run.run(dev, api_settings()) == []
    assert script.calls == [] and "outside the api-user's trusthost" in dev.record["notes"][0]


@pytest.mark.parametrize("access", ["token_rejected", "locked_out", "unreachable", "tls_untrusted"])
def test_no_step_is_sent_with_access_that_does_not_work(monkeypatch, access):
    dev = device(diagnostic_access_token="diag-tok")
    preflight(dev, access, CONTROLLER)
    script = Script(monkeypatch, dev)
    assert api_access_run.run(dev, api_settings(api_access_rotate_key=True)) == []
    assert script.calls == [] and dev.record["changes"] == []


def test_a_failed_api_user_step_ends_the_area(monkeypatch):
    dev = device()
    preflight(dev, "ok")
    Script(monkeypatch, dev, api_user=[{"failed": True, "msg": "Invalid value for 'accprofile'"}])
    with pytest.raises(AreaFailed) as caught:
        api_access_run.run(dev, api_settings())
    assert "accprofile" in str(caught.value) and dev.key_rotated is False


# -- ftm_push end to end: the real steps on an in-memory FortiGate --------------------------------
def memory_fortigate(monkeypatch, server, address, allowaccess):
    client = MemoryClient({
        ("system/ftm-push", None): {"status": "disable", "server": server, "server-ip": "0.0.0.0",
                                    "server-port": 4433, "server-cert": " ", "proxy": "enable"},
        ("system/interface", "port1"): {"name": "port1", "role": "wan", "ip": "%s 255.255.255.0" % address,
                                        "allowaccess": allowaccess},
        ("system/interface", "port2"): {"name": "port2", "role": "lan", "ip": "10.9.0.1 255.255.255.0",
                                        "allowaccess": "ping https ssh"},
        ("certificate/local", "Fortinet_GUI_Server"): {"name": "Fortinet_GUI_Server", "source": "factory"},
        ("certificate/local", "Fortinet_Factory"): {"name": "Fortinet_Factory", "source": "factory"},
        ("system/global", None): {"hostname": "fgt-001", "admin-sport": 443}})
    monkeypatch.setattr(runtime, "client_from_params", lambda params, label, access_token=None: client)
    return client


def test_ftm_push_end_to_end_repairs_and_the_second_diagnosis_is_clean(monkeypatch):
    client = memory_fortigate(monkeypatch, "203.0.113.7", "203.0.113.7", "ping https ssh")
    dev = device()
    left = ftm_push_run.run(dev, ftm_settings())
    assert client.writes == [
        ("PUT", "system/ftm-push", None, {"server-cert": "Fortinet_GUI_Server", "status": "enable"}),
        ("PUT", "system/interface", "port1", {"allowaccess": "ping https ssh ftm"})]
    assert left == []
    assert dev.record["changes"][0]["changed_keys"] == ["server-cert", "status", "interface/port1/allowaccess"]


def test_ftm_push_moving_the_callback_to_an_upstream_public_address_does_not_fail_the_area(monkeypatch):
    # Behind NAT: the unit holds 10.0.1.1, phones must call the router's public 198.51.100.20.
    client = memory_fortigate(monkeypatch, "10.0.1.1", "10.0.1.1", "ping https ssh ftm")
    dev = device()
    ftm_push_run.run(dev, ftm_settings(ftm_push_server="198.51.100.20"))
    assert ("PUT", "system/ftm-push", None, {"server": "198.51.100.20", "server-cert": "Fortinet_GUI_Server",
                                             "status": "enable"}) in client.writes
