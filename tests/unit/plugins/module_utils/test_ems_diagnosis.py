"""Pure helpers of the EMS connector diagnosis and module (no sockets)."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._ems import diagnosis as ems_dx
from ansible_collections.fortifleet.auth.plugins.module_utils._ems import ems_connector as _ems
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.versions import FortiOSVersion

V707, V708, V744, V728 = (FortiOSVersion.parse(v) for v in ("7.0.7", "7.0.8", "7.4.4", "7.2.8"))
SHA256 = "0A:99:40:29:A5:D4:5B:43:F2:DA:EE:54:1D:EA:E1:88:B4:8D:FA:41:4D:F1:16:AD:82:04:E6:96:E9:04:C4:2B"


@pytest.mark.parametrize("value,expected", [
    (SHA256, SHA256.replace(":", "")),
    (SHA256.lower(), SHA256.replace(":", "")),
    ("SHA256 Fingerprint=" + SHA256, SHA256.replace(":", "")),
    ("ab" * 20, "AB" * 20),
    ("ab cd " * 16, "ABCD" * 16),
    ("xyz", None), ("ab" * 31, None), ("", None), (None, None),
])
def test_normalise_fingerprint(value, expected):
    assert ems_dx.normalise_fingerprint(value) == expected


@pytest.mark.parametrize("value,ok", [
    ("ems.example.com", True), ("10.1.2.3", True), ("default.ems.example.com", True),
    ("0.0.0.0", False), ("300.1.2.3", False), ("10.1", False), ("ems", False), ("-bad.example.com", False),
    ("a." * 127 + "com", False), ("evil\nname.example.com", False),
])
def test_valid_server(value, ok):
    assert ems_dx.valid_server(value) is ok


def rows_with_ids(*named):
    return [{"ems-id": i + 1, "name": n, "server": "10.0.0.%d" % (i + 1) if n else ""} for i, n in enumerate(named)]


def test_find_entry_name_keyed_uses_the_name():
    assert ems_dx.find_entry([{"name": "ems01", "server": "x"}], "ems01", V707) == ("ems01", {"name": "ems01", "server": "x"})
    assert ems_dx.find_entry([], "new", V707) == ("new", None)


def test_find_entry_by_name_then_lowest_free_id():
    rows = rows_with_ids("ems01", "", "lab")
    assert ems_dx.find_entry(rows, "lab", V744)[0] == 3
    assert ems_dx.find_entry(rows, "other", V744) == (2, rows[1])  # an unused row is free
    assert ems_dx.find_entry(rows_with_ids("a", "b"), "c", V744) == (3, None)  # a missing row is free too


def test_find_entry_fails_when_every_id_is_used():
    with pytest.raises(err.InputError) as caught:
        ems_dx.find_entry(rows_with_ids("a", "b", "c", "d", "e"), "f", V708)  # 7.0.8: 1-5 (facts §3)
    assert caught.value.field == "name" and "all 5 EMS entries" in str(caught.value)
    assert ems_dx.find_entry(rows_with_ids("a", "b", "c", "d", "e"), "f", V744)[0] == 6  # 7.2.4+: 1-7


def test_monitor_params_follow_the_key_change():
    assert ems_dx.monitor_params(V707, "ems01", "ems01") == {"ems_name": "ems01"}
    assert ems_dx.monitor_params(V728, 3, "lab") == {"ems_id": 3}


def test_parse_status_reads_dicts_lists_and_infers_from_minus_8():
    answer = [{"ems_id": 1, "connection": "connected", "authorized": True},
              {"ems_id": 2, "connection": "connected", "error_code": -8,
               "error_message": "EMS server connection failed. Authentication failed"}]
    assert ems_dx.parse_status(answer, {"ems_id": 1})["authorized"] is True
    second = ems_dx.parse_status(answer, {"ems_id": 2})
    assert second["connected"] is True and second["authorized"] is False and second["error_code"] == -8
    assert ems_dx.parse_status({"status": "disconnected"})["connected"] is False
    assert ems_dx.parse_status({"authorization": "not_authorized"})["authorized"] is False
    assert ems_dx.parse_status(None)["authorized"] is None


def test_parse_cert_status_finds_the_fingerprint_when_shown():
    shown = ems_dx.parse_cert_status({"verified": False, "authenticated_by_ca": True, "cert": {"fingerprint": SHA256}})
    assert shown["fingerprint"] == SHA256 and shown["verified"] is False
    hidden = ems_dx.parse_cert_status({"verified": False, "authenticated_by_ca": False, "error_code": -4})
    assert hidden["fingerprint"] is None and hidden["error_code"] == -4


def entry(state=None, cert=None, **extra):
    base = {"enabled": True, "state": ems_dx.parse_status(state or {"connection": "connected", "authorized": True}),
            "certificate": ems_dx.parse_cert_status(cert or {"verified": True, "authenticated_by_ca": True}),
            "dirty_reason": "none", "cloud": False}
    base.update(extra)
    return base


@pytest.mark.parametrize("kwargs,evaluation,expected", [
    ({}, False, []),
    ({"enabled": False}, False, ["EMS_DISABLED"]),
    ({"state": {"connection": "disconnected", "error_code": -1}}, False, ["EMS_UNREACHABLE"]),
    ({"state": {"connection": "disconnected", "error_code": -4}, "cert": {"verified": False, "authenticated_by_ca": False}},
     False, ["EMS_CERT_UNTRUSTED"]),
    ({"state": {"connection": "disconnected",
                "error_message": "Certificate callback error -1: EMS has verifying CN but not CA CN"}},
     False, ["EMS_CERT_CN_MISMATCH"]),
    ({"cert": {"verified": False, "authenticated_by_ca": True}}, False, ["EMS_CERT_NOT_VERIFIED"]),
    ({"state": {"connection": "connected", "authorized": False}}, False, ["EMS_NOT_AUTHORIZED"]),
    ({"state": {"connection": "connected", "authorized": False}}, True, ["EMS_NOT_AUTHORIZED", "EMS_EVAL_LICENSE"]),
    ({"dirty_reason": "mismatched-ems-sn"}, False, ["EMS_SERIAL_MISMATCH"]),
    ({"cloud": True, "state": {"connection": "disconnected", "error_code": -7,
                               "error_message": "issue in getting capabilities. License expired."}},
     False, ["EMS_CLOUD_LICENSE_CHECK"]),
])
def test_classify(kwargs, evaluation, expected):
    state, cert = kwargs.pop("state", None), kwargs.pop("cert", None)
    assert ems_dx.classify(entry(state, cert, **kwargs), evaluation) == expected


def test_build_findings_fill_the_human_step():
    e = entry({"connection": "connected", "authorized": False, "error_code": -8},
              name="ems01", server="ems.example.com", https_port=443, reference="1", serial_number="FCT1")
    found = ems_dx.build_findings([e], {"evaluation": False}, "FGVM02TM25000001")
    assert [f["id"] for f in found] == ["EMS_NOT_AUTHORIZED"]
    assert "FGVM02TM25000001" in found[0]["remediation"] and "Authorize" in found[0]["remediation"]
    assert "error -8" in found[0]["detail"]


def params(**kw):
    base = dict((k, v.get("default")) for k, v in _ems.ARGUMENT_SPEC.items())
    base.update(name="ems01")
    base.update(kw)
    return base


@pytest.mark.parametrize("kw,field", [
    ({"name": "x" * 36}, "name"), ({"name": "a/b"}, "name"), ({"server": " ems.example.com"}, "server"),
    ({"server": "fe80::1"}, "server"), ({"https_port": 0}, "https_port"), ({"source_ip": "::1"}, "source_ip"),
    ({"interface": "x" * 16}, "interface"), ({"verify_certificate": True}, "expected_fingerprint"),
    ({"expected_fingerprint": SHA256}, "verify_certificate"),
    ({"verify_certificate": True, "expected_fingerprint": SHA256, "trust_on_first_use": True}, "trust_on_first_use"),
    ({"authorization_timeout": 0}, "authorization_timeout"),
])
def test_validate_static_names_the_field(kw, field):
    with pytest.raises(err.InputError) as caught:
        _ems.validate_static(params(**kw))
    assert caught.value.field == field


def test_validate_static_accepts_good_input():
    _ems.validate_static(params(server="ems.example.com", https_port=443, verify_certificate=True,
                                expected_fingerprint=SHA256, source_ip="0.0.0.0", verifying_ca="EMS_CA"))


def test_desired_config_per_version():
    assert _ems.desired_config(params(server="10.0.0.1"), V707, None) == {"server": "10.0.0.1"}  # no status field
    new = _ems.desired_config(params(server="10.0.0.1", interface="port1"), V744, None)
    assert new == {"name": "ems01", "server": "10.0.0.1", "status": "enable", "interface-select-method": "specify",
                   "interface": "port1"}
    existing = {"ems-id": 1, "name": "ems01", "server": "10.0.0.1", "status": "disable"}
    assert "status" not in _ems.desired_config(params(), V744, existing)  # the current value is kept


class FakeClient(object):
    def __init__(self, answers):
        self.answers = list(answers)
        self.device = {"serial": "FGVM02TM25000001"}

    def get(self, path, **kwargs):
        class R(object):
            results = self.answers.pop(0)
        return R()


def test_wait_authorized_polls_until_authorized_and_times_out():
    now = [0.0]
    client = FakeClient([{"connection": "connected", "authorized": False}] * 2 +
                        [{"connection": "connected", "authorized": True}])
    done, state, polls = _ems.wait_authorized(client, V744, 1, "ems01", 60, 5,
                                              sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0])
    assert done and polls == 3 and now[0] == 10
    now[0] = 0.0
    client = FakeClient([{"connection": "connected", "authorized": False}] * 10)
    done, state, polls = _ems.wait_authorized(client, V744, 1, "ems01", 10, 4,
                                              sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0])
    assert not done and polls == 3 and state["authorized"] is False


def test_timeout_message_explains_the_evaluation_licence():
    state = ems_dx.parse_status({"connection": "connected", "authorized": False, "error_code": -8})
    text = _ems.timeout_message("ems01", "FGVM1", "ems.example.com", 30, state, evaluation=True)
    assert "evaluation licence" in text and "not confirmed" in text and "error -8" in text
    plain = _ems.timeout_message("ems01", "FGVM1", "ems.example.com", 30, state, evaluation=False)
    assert "Administration > Fabric Devices" in plain and "evaluation" not in plain


def test_check_fingerprint_refuses_another_certificate():
    _ems.check_fingerprint(params(expected_fingerprint=SHA256.lower()), {"fingerprint": SHA256})
    _ems.check_fingerprint(params(expected_fingerprint=SHA256), {"fingerprint": None})  # the device will compare
    with pytest.raises(err.InputError) as caught:
        _ems.check_fingerprint(params(expected_fingerprint="AB" * 32), {"fingerprint": SHA256})
    assert caught.value.field == "expected_fingerprint" and "Nothing was changed" in str(caught.value)
