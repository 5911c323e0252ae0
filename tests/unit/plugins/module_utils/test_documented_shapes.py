"""Issue 22: answers in the shape of Fortinet's own published Monitor API schema (FNDN swagger of FortiOS 7.6.5,
docs/reference/fortios-api.md §5) are understood. No public real-device capture of these endpoints was found, so
these are the documented shapes, not captures (docs/reference/field-register.md)."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._ems import diagnosis as ems_dx
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis as ftk

MOB = "FTKMOB0000000001"


def documented_token(name, msg=""):
    """One value of monitor user/fortitoken as the 7.6.5 schema documents it: status is an object {name, msg}."""
    return {MOB: {"serial_number": MOB, "comments": "", "q_type": 1, "license": "EFTM00000001", "type": "mobile",
                  "drift": 0, "user": "alice", "user_type": "user", "status": {"name": name, "msg": msg}}}


@pytest.mark.parametrize("name,msg,has_seed,state", [
    ("available", "", False, "new"),
    ("pending", "", False, "provisioning"),
    ("activated", "", False, "active"),
    ("error", "", True, "migrated"),  # troubleshooting.md B3/B4: GUI Error with a seed kept by a restored config
    ("error", "", False, "unknown"),
    ("error", "Token not exist in FortiGuard", False, "migrated"),
])
def test_fortitoken_status_object_of_the_documented_schema(name, msg, has_seed, state):
    status = ftk.status_map(documented_token(name, msg))
    assert ftk.canonical_status(status[MOB], has_seed) == state


def test_ems_status_words_of_the_documented_schema():
    ok = ems_dx.parse_status({"ems_id": 1, "ems_name": "ems1", "ems_status_id": 1, "ems_status": "success",
                              "ems_is_connected": True, "ems_is_verified": True}, {"ems_id": 1})
    assert (ok["connected"], ok["authorized"], ok["verified"], ok["error_message"]) == (True, True, True, None)
    pending = ems_dx.parse_status({"ems_id": 1, "ems_status": "auth_pending", "ems_is_connected": True,
                                   "ems_is_verified": True}, {"ems_id": 1})
    assert (pending["connected"], pending["authorized"]) == (True, False)
    down = ems_dx.parse_status({"ems_id": 1, "ems_status": "not_reachable", "ems_is_connected": False})
    assert (down["connected"], down["authorized"]) == (False, None)
    other = ems_dx.parse_status({"ems_id": 1, "ems_status": "other"})
    assert (other["connected"], other["authorized"]) == (None, None)  # not understood: could not determine


@pytest.mark.parametrize("status,verified", [("success", True), ("pending", False), ("error", None),
                                             ("disabled", None)])
def test_ems_cert_status_of_the_documented_schema(status, verified):
    answer = {"ems_id": 1, "ems_name": "ems1", "status": status,
              "cert": {"status": "valid", "fingerprint": "AB" * 32, "serial_number": "01", "issuer": {"CN": "ca"}}}
    assert ems_dx.parse_cert_status(answer, {"ems_id": 1})["verified"] is verified


def test_documented_problem_words_lead_to_the_human_step():
    connected = {"ems_id": 1, "ems_status": "success", "ems_is_connected": True}
    untrusted = {"enabled": True, "dirty_reason": "none", "cloud": False,
                 "state": ems_dx.parse_status({"ems_id": 1, "ems_status": "cert_untrusted"}),
                 "certificate": ems_dx.parse_cert_status({"ems_id": 1, "status": "error", "error": "cert_unverifiable"})}
    assert ems_dx.classify(untrusted) == ["EMS_CERT_UNTRUSTED"]
    not_auth = {"enabled": True, "dirty_reason": "none", "cloud": False,
                "state": ems_dx.parse_status(dict(connected, ems_status="not_auth")),
                "certificate": ems_dx.parse_cert_status({"ems_id": 1, "status": "success"})}
    assert ems_dx.classify(not_auth) == ["EMS_NOT_AUTHORIZED"]
    to_verify = {"enabled": True, "dirty_reason": "none", "cloud": False,
                 "state": ems_dx.parse_status(connected),
                 "certificate": ems_dx.parse_cert_status({"ems_id": 1, "status": "pending"})}
    assert ems_dx.classify(to_verify) == ["EMS_CERT_NOT_VERIFIED"]
