"""fortifleet.auth.ems_connector: the entry by name on name- and ems-id-keyed releases, certificate, authorization."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._ems import ems_connector as _ems
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err

from .memory_client import MemoryClient, context, refused


@pytest.fixture(autouse=True)
def private_state_home(tmp_path, monkeypatch):
    """Unconfirmed actions are remembered under $XDG_STATE_HOME: never the user's own during tests."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


PATH = "endpoint-control/fctems"
STATUS, CERT_STATUS, VERIFY = ("endpoint-control/ems/" + p for p in ("status", "cert-status", "verify-cert"))
# The device writes fingerprints in lower-case colon hex (emulator), users often paste them without colons.
DEVICE_FP = ":".join(["9f", "3a"] * 16)
USER_FP = DEVICE_FP.replace(":", "").upper()
OTHER_FP = "AB" * 32
SERIAL = "FGVM02TM25000001"


def name_row(name="ems01", server="ems.example.com"):
    """An fctems row of a name-keyed release (<= 7.0.7): no ems-id, no status."""
    return {"name": name, "server": server, "https-port": 443, "source-ip": "0.0.0.0",
            "fortinetone-cloud-authentication": "disable", "cloud-authentication-access-key": "",
            "capabilities": "fabric-auth silent-approval websocket", "call-timeout": 30}


def id_row(ems_id, name="", server="", status=None):
    """An fctems row of an ems-id-keyed release (7.0.8+/7.2.1+): unused rows exist with an empty name."""
    used = bool(name)
    return {"ems-id": ems_id, "status": status or ("enable" if used else "disable"), "name": name,
            "dirty-reason": "none", "server": server, "https-port": 443, "source-ip": "0.0.0.0",
            "serial-number": "FCTEMS8800000001" if used else "", "fortinetone-cloud-authentication": "disable",
            "cloud-authentication-access-key": "", "interface-select-method": "auto", "interface": "",
            "capabilities": "fabric-auth silent-approval websocket" if used else ""}


def _hex(fingerprint):
    return str(fingerprint).replace(":", "").upper()


class EmsFortiGate(MemoryClient):
    """A FortiGate with an fctems table and the EMS side behind it (connection, certificate, authorization)."""

    def __init__(self, version, rows, by_id, evaluation=False, cas=("FortiFleet_EMS_CA",),
                 interfaces=("port1",), **runtime):
        objects = {}
        for row in rows:
            objects[(PATH, row["ems-id"] if by_id else row["name"])] = row
        for name in cas:
            objects[("certificate/ca", name)] = {"name": name, "source": "user"}
        for name in interfaces:
            objects[("system/interface", name)] = {"name": name, "ip": "203.0.113.7 255.255.255.0"}
        super(EmsFortiGate, self).__init__(objects, version=version, serial=SERIAL,
                                           mkeys={PATH: "ems-id" if by_id else "name"})
        self.by_id = by_id
        self.defaults = dict({"reachable": True, "ca_trusted": True, "verified": False, "approved": False,
                              "fingerprint": DEVICE_FP, "approve_after": None, "verify_sticks": True}, **runtime)
        self.runtime = {}
        self.status_reads = 0
        self.evaluation = evaluation
        self.monitor.update({STATUS: self.status, CERT_STATUS: self.cert_status,
                             "license/status": lambda params: {"evaluation": self.evaluation,
                                                               "vm": {"status": "vm_valid"}}})
        self.actions[VERIFY] = self.verify

    def state(self, key):
        return self.runtime.setdefault(key, dict(self.defaults))

    @staticmethod
    def key_of(params):
        return params["ems_id"] if "ems_id" in params else params["ems_name"]

    def configured(self, params):
        """Whether the entry exists and has a server (an unused ems-id row has no EMS behind it)."""
        row = self.objects.get((PATH, self.key_of(params))) or {}
        return bool(row.get("server"))

    def status(self, params):
        self.status_reads += 1
        if not self.configured(params):
            return {"status": "not_configured", "connection": "disconnected", "verified": False,
                    "authorized": False, "authorization": "unknown", "error_code": 0, "error_message": ""}
        st = self.state(self.key_of(params))
        if st["approve_after"] is not None and self.status_reads >= st["approve_after"]:
            st["approved"] = True
        connected = st["reachable"] and (st["ca_trusted"] or st["verified"])
        authorized = connected and st["approved"] and not self.evaluation
        out = {"connection": "connected" if connected else "disconnected", "verified": st["verified"],
               "authorized": authorized,
               "authorization": "authorized" if authorized else ("not_authorized" if connected else "unknown"),
               "error_code": 0, "error_message": ""}
        if not st["reachable"]:
            out.update(error_code=-1, error_message="EMS server connection failed. Unable to connect to server.")
        elif not authorized and connected:
            out.update(error_code=-8, error_message="EMS server connection failed. Authentication failed")
        return out

    def cert_status(self, params):
        if not self.configured(params):
            return {"status": "not_configured", "verified": False, "authenticated_by_ca": False}
        st = self.state(self.key_of(params))
        out = {"authenticated_by_ca": st["ca_trusted"], "verified": st["verified"],
               "status": "trusted" if st["ca_trusted"] else ("verified" if st["verified"] else "untrusted")}
        if not st["ca_trusted"] and not st["verified"]:
            out.update(error_code=-4, error_message="EMS server certificate is not signed by any known CA.")
        if str(params.get("with_cert")) == "1" and st["ca_trusted"]:
            out["cert"] = {"fingerprint": st["fingerprint"], "issuer": "CN=FortiFleet EMS CA",
                           "subject": "CN=ems.example.com", "verified": st["verified"]}
        return out

    def verify(self, client, body):
        st = self.state(self.key_of(body))
        if _hex(body["fingerprint"]) != _hex(st["fingerprint"]):
            raise refused("run", VERIFY, "HTTP 500; Error in requesting EMS fabric connection: -4", code=-9999)
        st["verified"] = st["verify_sticks"]
        return {"verified": True}


def name_keyed(version="7.0.7", **kwargs):
    return EmsFortiGate(version, [name_row()], by_id=False, **kwargs)


def id_keyed(version="7.4.4", rows=None, **kwargs):
    """An ems-id release with entry ems01 at ems-id 1 and the other rows unused (1-5 before 7.2.4, 1-7 from it)."""
    last = 7 if tuple(int(p) for p in version.split(".")) >= (7, 2, 4) else 5
    if rows is None:
        rows = [id_row(1, "ems01", "ems.example.com")] + [id_row(i) for i in range(2, last + 1)]
    return EmsFortiGate(version, rows, by_id=True, **kwargs)


def run(client, check_mode=False, diff=False, **params):
    params.setdefault("name", "ems01")
    return _ems.run(context(client, params, check_mode=check_mode, diff=diff, spec=_ems.ARGUMENT_SPEC))


def fake_time(monkeypatch):
    """wait_for_authorization with a clock that moves only when the wait sleeps; returns the sleeps."""
    now, sleeps = [0.0], []
    original = _ems.wait_authorized

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    def wait(*args, **kwargs):
        kwargs.update(sleep=sleep, clock=lambda: now[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(_ems, "wait_authorized", wait)
    return sleeps


# -- finding and writing the entry -------------------------------------------------------------
@pytest.mark.parametrize("version", ["7.0.7", "7.2.0"])
def test_name_keyed_releases_update_the_entry_by_its_name(version):
    client = name_keyed(version)
    result = run(client, server="ems2.example.com", https_port=8443)
    assert client.writes == [("PUT", PATH, "ems01", {"https-port": 8443, "server": "ems2.example.com"})]
    assert result["ems"]["key_field"] == "name" and result["ems"]["ems_id"] is None
    assert result["ems"]["reference"] == "ems01" and result["version"] == version


def test_name_keyed_release_creates_without_a_status_field():
    client = name_keyed("7.0.7")
    result = run(client, name="lab", server="10.0.0.5")
    assert client.writes == [("POST", PATH, None, {"name": "lab", "server": "10.0.0.5"})]
    assert result["changed"] and result["changed_keys"] == ["server"]


@pytest.mark.parametrize("version", ["7.0.8", "7.2.1", "7.4.4"])
def test_ems_id_releases_put_a_new_entry_into_the_lowest_unused_row(version):
    rows = [id_row(1, "ems01", "ems.example.com"), id_row(2), id_row(3, "lab2", "10.0.0.3"), id_row(4), id_row(5)]
    client = id_keyed(version, rows)
    result = run(client, name="lab", server="10.0.0.5")
    assert client.writes == [("PUT", PATH, 2, {"name": "lab", "server": "10.0.0.5", "status": "enable"})]
    assert result["ems"]["key_field"] == "ems-id" and result["ems"]["ems_id"] == 2
    assert result["ems"]["reference"] == "2"


def test_ems_id_release_posts_a_row_that_does_not_exist_yet():
    client = id_keyed("7.2.1", [id_row(1, "ems01", "ems.example.com"), id_row(2, "lab2", "10.0.0.3")])
    result = run(client, name="lab", server="10.0.0.5")
    assert client.writes == [
        ("POST", PATH, None, {"ems-id": 3, "name": "lab", "server": "10.0.0.5", "status": "enable"})]
    assert result["ems"]["ems_id"] == 3 and result["changed"]


def test_an_existing_entry_is_found_by_name_whatever_its_ems_id():
    rows = [id_row(1), id_row(2), id_row(3), id_row(4, "lab", "10.0.0.4", status="disable"), id_row(5)]
    client = id_keyed("7.0.8", rows)
    result = run(client, name="lab", server="10.0.0.9")
    assert client.writes == [("PUT", PATH, 4, {"server": "10.0.0.9"})]  # an existing entry keeps its status
    assert result["ems"]["ems_id"] == 4


def test_every_row_in_use_fails_before_any_write():
    client = id_keyed("7.0.8", [id_row(i, "ems%02d" % i, "10.0.0.%d" % i) for i in range(1, 6)])
    with pytest.raises(err.InputError) as caught:
        run(client, name="lab", server="10.0.0.9")
    assert caught.value.field == "name" and client.writes == []


def test_status_disable_is_written_where_the_field_exists():
    client = id_keyed("7.4.4")
    run(client, status="disable")
    assert client.writes == [("PUT", PATH, 1, {"status": "disable"})]


def test_interface_sets_the_select_method_too():
    client = id_keyed("7.4.4")
    run(client, interface="port1", source_ip="203.0.113.7")
    assert client.writes == [
        ("PUT", PATH, 1, {"interface": "port1", "interface-select-method": "specify", "source-ip": "203.0.113.7"})]


@pytest.mark.parametrize("make, params, field", [
    (lambda: name_keyed("7.0.7"), {"name": "lab"}, "server"),  # creating needs the server
    (lambda: id_keyed("7.4.4"), {"name": "lab"}, "server"),
    (lambda: name_keyed("7.0.7"), {"status": "disable"}, "status"),  # no status field before 7.0.8
    (lambda: name_keyed("7.0.7"), {"trust_ca_cn": "disable"}, "trust_ca_cn"),  # from 7.0.12
    (lambda: id_keyed("7.2.3"), {"trust_ca_cn": "disable"}, "trust_ca_cn"),  # 7.2 from 7.2.4
    (lambda: id_keyed("7.2.8"), {"verifying_ca": "FortiFleet_EMS_CA"}, "verifying_ca"),  # from 7.4.2
    (lambda: id_keyed("7.4.4"), {"verifying_ca": "Missing_CA"}, "verifying_ca"),
    (lambda: name_keyed("7.0.5"), {"interface": "port1"}, "interface"),  # from 7.0.6
    (lambda: id_keyed("7.4.4"), {"interface": "port9"}, "interface"),
], ids=["create-707", "create-744", "status-707", "trust-ca-cn-707", "trust-ca-cn-723", "verifying-ca-728",
        "verifying-ca-missing", "interface-705", "interface-missing"])
def test_what_the_device_cannot_take_fails_without_a_write(make, params, field):
    client = make()
    with pytest.raises(err.InputError) as caught:
        run(client, **params)
    assert caught.value.field == field and client.writes == [] and client.calls == []


def test_the_version_gated_options_are_written_where_they_exist():
    client = id_keyed("7.4.4")
    run(client, trust_ca_cn="disable", verifying_ca="FortiFleet_EMS_CA")
    assert client.writes == [("PUT", PATH, 1, {"trust-ca-cn": "disable", "verifying-ca": "FortiFleet_EMS_CA"})]


def test_static_input_errors_come_before_any_request():
    client = id_keyed("7.4.4")
    with pytest.raises(err.InputError):
        run(client, server="fe80::1")
    assert client.requests_sent == 0


@pytest.mark.parametrize("make, params", [
    (lambda: name_keyed("7.0.7"), {"name": "lab", "server": "10.0.0.5"}),
    (lambda: id_keyed("7.0.8"), {"name": "lab", "server": "10.0.0.5", "https_port": 8443}),
    (lambda: id_keyed("7.4.4"), {"server": "EMS.example.com."}),  # the same server, written differently
])
def test_check_mode_predicts_the_real_run_and_a_second_run_changes_nothing(make, params):
    checked, real_client = make(), make()
    check = run(checked, check_mode=True, diff=True, **params)
    real = run(real_client, diff=True, **params)
    assert checked.writes == []
    assert check["changed"] == real["changed"] and check["changed_keys"] == real["changed_keys"]
    assert check["diff"] == real["diff"]
    real_client.writes = []
    again = run(real_client, **params)
    assert again["changed"] is False and real_client.writes == []


# -- the certificate -------------------------------------------------------------------------
def test_a_wrong_fingerprint_fails_before_anything_is_written():
    client = id_keyed("7.4.4")
    with pytest.raises(err.InputError) as caught:
        run(client, https_port=443, verify_certificate=True, expected_fingerprint=OTHER_FP)
    assert caught.value.field == "expected_fingerprint" and DEVICE_FP in str(caught.value)
    assert client.writes == [] and client.calls == []


def test_the_expected_fingerprint_verifies_with_the_devices_own_spelling():
    client = id_keyed("7.4.4")
    result = run(client, verify_certificate=True, expected_fingerprint=USER_FP)
    assert client.writes == [] and client.calls == [(VERIFY, {"ems_id": 1, "fingerprint": DEVICE_FP})]
    assert result["changed"] and result["changed_keys"] == ["certificate"]
    assert result["ems"]["certificate"]["verified"] is True and result["ems"]["fingerprint_checked"] is True


def test_name_keyed_release_verifies_by_ems_name():
    client = name_keyed("7.0.7")
    run(client, verify_certificate=True, expected_fingerprint=USER_FP)
    assert client.calls == [(VERIFY, {"ems_name": "ems01", "fingerprint": DEVICE_FP})]


def test_an_already_verified_certificate_is_left_alone():
    client = id_keyed("7.4.4", verified=True)
    result = run(client, verify_certificate=True, expected_fingerprint=USER_FP)
    assert result["changed"] is False and client.calls == [] and client.writes == []
    assert result["ems"]["fingerprint_checked"] is True


def test_when_the_device_hides_the_fingerprint_it_compares_the_given_one_itself():
    client = id_keyed("7.4.4", ca_trusted=False)
    result = run(client, verify_certificate=True, expected_fingerprint=USER_FP)
    assert client.calls == [(VERIFY, {"ems_id": 1, "fingerprint": USER_FP})]
    assert result["changed"] and result["ems"]["certificate"]["verified"] is True


def test_a_hidden_certificate_refused_by_the_device_says_the_fingerprint_may_not_match():
    client = id_keyed("7.4.4", ca_trusted=False)
    with pytest.raises(err.DeviceRefusedError) as caught:
        run(client, verify_certificate=True, expected_fingerprint=OTHER_FP)
    assert "fingerprint given does not match" in caught.value.hint and "Nothing was changed" in caught.value.hint
    assert client.writes == []


def test_trust_on_first_use_takes_the_shown_fingerprint_and_warns():
    client = id_keyed("7.4.4")
    ctx = context(client, {"name": "ems01", "verify_certificate": True, "trust_on_first_use": True},
                  spec=_ems.ARGUMENT_SPEC)
    result = _ems.run(ctx)
    assert client.calls == [(VERIFY, {"ems_id": 1, "fingerprint": DEVICE_FP})]
    assert result["changed"] is True
    assert any("on first use" in w and DEVICE_FP in w for w in ctx.warnings)


def test_trust_on_first_use_refuses_a_certificate_the_device_does_not_show():
    client = id_keyed("7.4.4", ca_trusted=False)
    with pytest.raises(err.InputError) as caught:
        run(client, verify_certificate=True, trust_on_first_use=True)
    assert caught.value.field == "trust_on_first_use" and client.calls == []


def test_check_mode_verification_of_a_new_entry_reads_no_certificate():
    client = id_keyed("7.2.1", [id_row(1, "ems01", "ems.example.com")])  # the new entry is a POST of row 2
    result = run(client, check_mode=True, name="lab", server="10.0.0.5", verify_certificate=True,
                 trust_on_first_use=True)
    assert result["changed"] and result["changed_keys"] == ["name", "server", "status", "certificate"]
    assert client.writes == [] and client.calls == []


def test_trust_on_first_use_of_a_new_entry_in_a_free_row_works_in_a_real_run():
    client = id_keyed("7.4.4")  # rows 2-7 exist unused: the new entry is a PUT into row 2
    result = run(client, name="lab", server="10.0.0.5", verify_certificate=True, trust_on_first_use=True)
    assert client.writes == [("PUT", PATH, 2, {"name": "lab", "server": "10.0.0.5", "status": "enable"})]
    assert client.calls == [(VERIFY, {"ems_id": 2, "fingerprint": DEVICE_FP})]
    assert result["changed"] and not result.get("failed")


def test_check_mode_of_a_new_entry_in_a_free_row_predicts_the_real_run():
    client = id_keyed("7.4.4")
    result = run(client, check_mode=True, name="lab", server="10.0.0.5", verify_certificate=True,
                 trust_on_first_use=True)
    assert not result.get("failed"), result.get("msg")  # today: "the FortiGate does not show the certificate"
    assert result["changed"] and result["changed_keys"] == ["name", "server", "status", "certificate"]
    assert client.writes == [] and client.calls == []


def test_check_mode_verification_of_an_existing_entry_calls_nothing():
    client = id_keyed("7.4.4")
    result = run(client, check_mode=True, verify_certificate=True, expected_fingerprint=USER_FP)
    assert result["changed"] and result["changed_keys"] == ["certificate"]
    assert client.calls == [] and client.writes == []


def test_a_verification_that_does_not_stick_is_done_not_confirmed_and_not_repeated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    client = id_keyed("7.4.4", verify_sticks=False)
    ctx = context(client, dict(name="ems01", verify_certificate=True, expected_fingerprint=USER_FP),
                  spec=_ems.ARGUMENT_SPEC)
    result = _ems.run(ctx)
    assert result["changed"] and not result.get("failed") and result["ems"]["certificate_confirmed"] is False
    assert any("done, not confirmed" in w and "execute fctems verify 1" in w for w in ctx.warnings)
    sent = [c for c in client.calls if c[0] == VERIFY]
    assert len(sent) == 1
    again = run(client, verify_certificate=True, expected_fingerprint=USER_FP)
    assert not again["changed"] and [c for c in client.calls if c[0] == VERIFY] == sent  # not sent again


def test_a_failure_after_a_write_reports_the_write():
    # The server moves, so the old certificate is not compared first; the new EMS shows another one.
    client = id_keyed("7.4.4", ca_trusted=False)
    result = run(client, server="ems2.example.com", verify_certificate=True, expected_fingerprint=OTHER_FP)
    assert client.writes == [("PUT", PATH, 1, {"server": "ems2.example.com"})]
    assert result["failed"] is True and result["changed"] is True and result["changed_keys"] == ["server"]
    assert result["error_kind"] == "device_refused" and "fingerprint given does not match" in result["hint"]
    assert result["ems"]["ems_id"] == 1


# -- waiting for authorization -----------------------------------------------------------------
def test_the_wait_polls_until_the_ems_authorizes(monkeypatch):
    sleeps = fake_time(monkeypatch)
    client = id_keyed("7.4.4", verified=True, approve_after=3)
    result = run(client, wait_for_authorization=True, authorization_timeout=60, poll_interval=5)
    assert result.get("failed") is None and result["ems"]["authorized"] is True
    assert result["polls"] == 3 and sleeps == [5, 5]
    assert client.writes == [] and client.calls == []  # the wait only reads


def test_a_wait_that_times_out_fails_with_the_human_step(monkeypatch):
    sleeps = fake_time(monkeypatch)
    client = id_keyed("7.4.4", verified=True)
    result = run(client, wait_for_authorization=True, authorization_timeout=30, poll_interval=10)
    assert result["failed"] is True and result["error_kind"] == "authorization_timeout"
    assert result["polls"] == 4 and sleeps == [10, 10, 10]  # polls at 0, 10, 20 and 30 s, then no more time
    assert "did not authorize FortiGate %s within 30s" % SERIAL in result["msg"]
    assert "error -8" in result["msg"] and "Fabric Devices" in result["msg"]
    assert result["license"] == {"type": None, "evaluation": False}


def test_a_timeout_on_an_evaluation_licence_points_at_the_licence(monkeypatch):
    fake_time(monkeypatch)
    client = id_keyed("7.4.4", verified=True, approved=True, evaluation=True)
    result = run(client, wait_for_authorization=True, authorization_timeout=10, poll_interval=5)
    assert result["failed"] and result["license"]["evaluation"] is True
    assert "evaluation licence" in result["msg"]


def test_a_timeout_while_disconnected_says_to_fix_the_connection_first(monkeypatch):
    fake_time(monkeypatch)
    client = id_keyed("7.4.4", reachable=False)
    result = run(client, wait_for_authorization=True, authorization_timeout=5, poll_interval=5)
    assert result["failed"] and "not connected to the EMS" in result["msg"]


def test_check_mode_reads_the_authorization_once_and_does_not_fail(monkeypatch):
    sleeps = fake_time(monkeypatch)
    client = id_keyed("7.4.4", verified=True)
    result = run(client, check_mode=True, wait_for_authorization=True)
    assert client.status_reads == 1 and sleeps == [] and "polls" not in result
    assert result["ems"]["authorized"] is False and not result.get("failed")


def test_check_mode_does_not_wait_for_an_entry_it_would_create(monkeypatch):
    fake_time(monkeypatch)
    client = name_keyed("7.0.7")
    result = run(client, check_mode=True, name="lab", server="10.0.0.5", wait_for_authorization=True)
    assert client.status_reads == 0 and "authorized" not in result["ems"]


def test_the_wait_uses_the_name_key_on_name_keyed_releases(monkeypatch):
    fake_time(monkeypatch)
    client = name_keyed("7.0.7", verified=True, approved=True)
    result = run(client, wait_for_authorization=True)
    assert result["ems"]["authorized"] is True and result["polls"] == 1
    assert "ems01" in client.runtime
