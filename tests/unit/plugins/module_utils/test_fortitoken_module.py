"""fortifleet.auth.fortitoken on the in-memory FortiGate: present, active, absent, input errors, the FortiManager guard.

The re-import transaction has its own file (test_fortitoken_reimport.py), which uses the FortiGate below.
"""
import copy

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken

from .memory_client import MemoryClient, context, refused


@pytest.fixture(autouse=True)
def private_state_home(tmp_path, monkeypatch):
    """Unconfirmed actions are remembered under $XDG_STATE_HOME: never the user's own during tests."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


TOKENS = "user/fortitoken"
MIGRATED = "activation error (token not exist in FortiGuard)"  # troubleshooting.md B4 wording
CODE = "DA8C-0508-1F31-4CF7-C990"
MOB1, MOB2, MOB3 = "FTKMOB0000000001", "FTKMOB0000000002", "FTKMOB0000000003"
HW = "FTK2000000000009"


class FortiGate(MemoryClient):
    """MemoryClient with the FortiToken behaviour the module relies on.

    - runtime statuses in ``status`` (serial -> text), served by the monitor ``user/fortitoken`` as a map of
      serial -> {"status": ...} (the shape ``diagnosis.status_map`` reads);
    - a token added by serial or by licence code is ``new``; a deleted one loses its status;
    - like FortiOS, a token still referenced by a user/admin cannot be deleted (-23 "entry is used") and a user/admin
      cannot point at a token that does not exist (datasource, -3) (fortios-api.md §2);
    - ``codes``: licence code -> serials it imports; activate/provision change the status; every action is recorded
      in ``calls``;
    - ``trap(client, method, path, mkey)`` runs before each request and may raise (failures that depend on what
      happened before); ``ignore_once``: (path, mkey) whose next PUT answers success but changes nothing.
    """

    def __init__(self, objects=None, status=None, codes=None, **kwargs):
        super(FortiGate, self).__init__(objects, **kwargs)
        self.status = dict(status or {})
        self.codes = dict(codes or {})
        self.trap = None
        self.ignore_once = set()
        self.monitor[TOKENS] = lambda params: dict(
            (serial, {"status": self.status.get(serial, "new")})
            for (path, serial) in self.objects if path == TOKENS)
        self.actions.update({
            "user/fortitoken/import-mobile": self._import_mobile,
            "user/fortitoken/activate": self._activate,
            "user/fortitoken/provision": self._provision,
            "user/fortitoken/send-activation": lambda client, body: {"token": body.get("token")},
        })

    # -- helpers for the tests --------------------------------------------------------------------
    def bindings(self):
        """(table, name) -> its two-factor fields, for every user/admin with a token."""
        return dict(((path, name), dict((k, row.get(k)) for k in BINDING_KEYS))
                    for (path, name), row in self.objects.items()
                    if path in ("user/local", "system/admin") and row.get("fortitoken"))

    def tokens(self):
        return sorted(serial for (path, serial) in self.objects if path == TOKENS)

    def write_log(self):
        return [(method, path, mkey or (body or {}).get("serial-number") or (body or {}).get("name"))
                for method, path, mkey, body in self.writes]

    # -- FortiOS behaviour ------------------------------------------------------------------------
    def _trap(self, method, path, mkey):
        if self.trap is not None:
            self.trap(self, method, path, mkey)

    def _check_datasource(self, path, body):
        token = (body or {}).get("fortitoken")
        if path in ("user/local", "system/admin") and token and (TOKENS, token) not in self.objects:
            raise refused("update", path, "HTTP 500; FortiOS error -3", code=-3)

    def get(self, path, mkey=None, scope=None, params=None, api="cmdb"):
        self._trap("GET", path, mkey)
        return super(FortiGate, self).get(path, mkey=mkey, scope=scope, params=params, api=api)

    def put(self, path, body, mkey=None, scope=None, headers=None):
        self._trap("PUT", path, mkey)
        self._check_datasource(path, body)
        if (path, mkey) in self.ignore_once:
            self.ignore_once.discard((path, mkey))
            saved = copy.deepcopy(self.objects[(path, mkey)])
            answer = super(FortiGate, self).put(path, body, mkey=mkey, scope=scope, headers=headers)
            self.objects[(path, mkey)] = saved
            return answer
        return super(FortiGate, self).put(path, body, mkey=mkey, scope=scope, headers=headers)

    def post(self, path, body, scope=None, headers=None):
        key = body.get(self.mkeys.get(path, "name"))
        self._trap("POST", path, key)
        self._check_datasource(path, body)
        answer = super(FortiGate, self).post(path, body, scope=scope, headers=headers)
        if path == TOKENS:
            self.status[key] = "new"  # troubleshooting.md B4/B5: added again by serial -> new
        return answer

    def delete(self, path, mkey, scope=None, headers=None):
        self._trap("DELETE", path, mkey)
        if path == TOKENS and any(row.get("fortitoken") == mkey for (p, k), row in self.objects.items()
                                  if p in ("user/local", "system/admin")):
            raise refused("delete", path, "HTTP 500; FortiOS error -23", code=-23)
        answer = super(FortiGate, self).delete(path, mkey, scope=scope, headers=headers)
        if path == TOKENS:
            self.status.pop(mkey, None)
        return answer

    def action(self, path, body=None, scope=None, headers=None):
        self._trap("ACTION", path, None)
        return super(FortiGate, self).action(path, body, scope=scope, headers=headers)

    def _import_mobile(self, client, body):
        added = []
        for serial in self.codes.get(body.get("code"), []):
            if (TOKENS, serial) not in self.objects:
                self.objects[(TOKENS, serial)] = {"serial-number": serial, "status": "active", "license": "EFTM01"}
                self.status[serial] = "new"
                added.append(serial)
        return {"added": added}

    def _activate(self, client, body):
        for serial in body.get("tokens") or []:
            if self.status.get(serial) == "new":
                self.status[serial] = "provisioning" if serial.startswith("FTKMOB") else "active"
        return []

    def _provision(self, client, body):
        for serial in body.get("tokens") or []:
            if self.status.get(serial) == "provision timeout":
                self.status[serial] = "provisioning"
        return []


BINDING_KEYS = ("two-factor", "fortitoken", "email-to", "sms-server", "sms-phone")


def token(serial, **extra):
    return dict({"serial-number": serial, "status": "active", "seed": "", "license": "EFTM01"}, **extra)


def user(name, serial="", **extra):
    row = {"name": name, "type": "password", "passwd": "ENC secret", "two-factor": "fortitoken" if serial else "disable",
           "fortitoken": serial, "email-to": "%s@example.com" % name, "sms-server": "fortiguard", "sms-phone": ""}
    row.update(extra)
    return row


def device(tokens=(), users=(), admins=(), status=None, fmg=None, codes=None):
    objects = {("system/central-management", None): {"type": "fortimanager" if fmg else "none", "fmg": fmg or ""}}
    for row in tokens:
        objects[(TOKENS, row["serial-number"])] = row
    for row in users:
        objects[("user/local", row["name"])] = row
    for row in admins:
        objects[("system/admin", row["name"])] = dict(row, accprofile="super_admin")
    return FortiGate(objects, status=status, codes=codes)


def run(client, check_mode=False, diff=False, **params):
    ctx = context(client, params, check_mode=check_mode, diff=diff, spec=fortitoken.ARGUMENT_SPEC)
    return fortitoken.run(ctx)


# -- present ---------------------------------------------------------------------------------------

def test_present_adds_a_hardware_token_by_serial_once_with_a_diff():
    client = device(tokens=[token(MOB1)])
    result = run(client, diff=True, serials=[MOB1, HW])
    assert result["changed"] and result["added"] == [HW]
    assert client.writes == [("POST", TOKENS, None, {"serial-number": HW})]
    assert result["diff"] == [{"before": {}, "after": {"serial-number": HW},
                               "before_header": "user/fortitoken/%s on fgt-test" % HW,
                               "after_header": "user/fortitoken/%s on fgt-test (added by serial)" % HW}]
    assert result["tokens"] == [{"serial": MOB1, "status": "new"}, {"serial": HW, "status": "new"}]
    client.writes = []
    again = run(client, diff=True, serials=[MOB1, HW])
    assert again["changed"] is False and again["added"] == [] and client.writes == [] and "diff" not in again


def test_present_in_check_mode_predicts_the_add_and_writes_nothing():
    client = device()
    check = run(client, check_mode=True, diff=True, serials=[HW])
    real_client = device()
    real = run(real_client, diff=True, serials=[HW])
    assert client.writes == [] and client.calls == []
    assert check["changed"] is real["changed"] is True and check["added"] == real["added"] == [HW]
    assert check["diff"] == real["diff"]


def test_present_needs_the_licence_code_for_missing_mobile_tokens_and_sends_nothing():
    client = device()
    with pytest.raises(err.InputError) as caught:
        run(client, serials=[MOB1, HW])
    assert "'license_code'" in str(caught.value) and MOB1 in str(caught.value) and HW not in str(caught.value)
    assert client.writes == [] and client.calls == []


def test_present_imports_mobile_tokens_with_one_import_mobile_call():
    client = device(codes={CODE: [MOB1, MOB2]})
    result = run(client, diff=True, serials=[MOB1, MOB2], license_code=CODE)
    assert result["changed"] and result["added"] == [MOB1, MOB2]
    assert client.calls == [("user/fortitoken/import-mobile", {"code": CODE})]
    assert client.writes == []  # the action adds them: no POST by serial
    assert [d["after"] for d in result["diff"]] == [{"serial-number": MOB1}, {"serial-number": MOB2}]
    assert CODE not in repr(result)
    client.calls = []
    again = run(client, serials=[MOB1, MOB2], license_code=CODE)
    assert again["changed"] is False and client.calls == [] and client.writes == []


def test_present_says_which_serials_the_licence_code_did_not_bring():
    client = device(codes={CODE: [MOB1]})
    with pytest.raises(err.FortiFleetError) as caught:
        run(client, serials=[MOB1, MOB2], license_code=CODE)
    assert "%s did not appear after the import" % MOB2 in str(caught.value)
    assert len(client.calls) == 1  # never retried


def test_present_import_refused_by_forticare_is_not_retried():
    client = device(codes={CODE: [MOB1]})
    client.fail[("ACTION", "user/fortitoken/import-mobile", None)] = refused(
        "import", "user/fortitoken/import-mobile", cli_error="FortiCare error 14: forticare license expired")
    with pytest.raises(err.DeviceRefusedError):
        run(client, serials=[MOB1], license_code=CODE)
    assert len(client.calls) == 1 and client.writes == []


# -- active ----------------------------------------------------------------------------------------

def active_device():
    return device(tokens=[token(MOB1), token(MOB2), token(MOB3), token(HW)],
                  users=[user("alice", MOB1), user("bob", MOB2, **{"email-to": "", "sms-phone": "+15555550100"})],
                  status={MOB1: "new", MOB2: "provision timeout", MOB3: "provisioned", HW: "new"})


def test_active_activates_new_tokens_and_provisions_timed_out_ones_once_each():
    client = active_device()
    result = run(client, serials=[MOB1, MOB2, MOB3, HW], state="active")
    assert result["changed"] and result["activated"] == [MOB1, HW] and result["provisioned"] == [MOB2]
    assert client.calls == [("user/fortitoken/activate", {"tokens": [MOB1, HW]}),
                            ("user/fortitoken/provision", {"tokens": [MOB2]})]
    assert client.writes == []
    assert dict((t["serial"], t["status"]) for t in result["tokens"]) == {
        MOB1: "provisioning", MOB2: "provisioning", MOB3: "provisioned", HW: "active"}
    client.calls = []
    again = run(client, serials=[MOB1, MOB2, MOB3, HW], state="active")
    assert again["changed"] is False and client.calls == [] and client.writes == []


def test_active_in_check_mode_sends_nothing_and_predicts_the_real_run():
    client = active_device()
    check = run(client, check_mode=True, diff=True, serials=[MOB1, MOB2, MOB3, HW], state="active")
    assert client.calls == [] and client.writes == []
    real = run(active_device(), serials=[MOB1, MOB2, MOB3, HW], state="active")
    assert check["changed"] is real["changed"] is True
    assert (check["activated"], check["provisioned"]) == (real["activated"], real["provisioned"])


def test_active_sends_the_activation_the_way_each_user_is_configured():
    client = active_device()
    result = run(client, serials=[MOB1, MOB2], state="active", send_activation=True)
    assert result["activation_sent"] == [{"token": MOB1, "to": "user alice", "method": "email"},
                                         {"token": MOB2, "to": "user bob", "method": "sms"}]
    sent = [body for path, body in client.calls if path.endswith("/send-activation")]
    assert sent == [{"token": MOB1, "method": "email"}, {"token": MOB2, "method": "sms"}]


def test_active_on_active_tokens_changes_nothing():
    client = device(tokens=[token(MOB3)], status={MOB3: "provisioned"})
    result = run(client, serials=[MOB3], state="active")
    assert result["changed"] is False and result["activated"] == [] and client.calls == []


# -- absent ----------------------------------------------------------------------------------------

def test_absent_refuses_a_bound_token_and_deletes_nothing():
    client = device(tokens=[token(MOB1), token(MOB2)], users=[user("alice", MOB1)],
                    admins=[user("netops", MOB2)])
    with pytest.raises(err.InputError) as caught:
        run(client, serials=[MOB1, MOB2], state="absent")
    text = str(caught.value)
    assert "still bound to user alice, admin netops" in text and "nothing was deleted" in text
    assert client.writes == [] and client.tokens() == [MOB1, MOB2]


def test_absent_deletes_unbound_tokens_through_the_engine_then_changes_nothing():
    client = device(tokens=[token(MOB1, seed="ENC seed"), token(HW)], users=[user("alice")])
    result = run(client, diff=True, serials=[MOB1, HW, MOB3], state="absent")
    assert result["changed"] and result["deleted"] == [MOB1, HW] and result["state"] == "absent"
    assert [w[0] for w in client.writes] == ["DELETE", "DELETE"] and client.tokens() == []
    first = result["diff"][0]
    assert first["before"]["seed"] == "<hidden>" and first["after"] == {}
    assert first["before_header"] == "user/fortitoken/%s on fgt-test" % MOB1
    client.writes = []
    again = run(client, diff=True, serials=[MOB1, HW, MOB3], state="absent")
    assert again == {"deleted": [], "changed": False, "state": "absent"} and client.writes == []


def test_absent_in_check_mode_gives_the_same_diff_and_writes_nothing():
    objects = dict(tokens=[token(MOB1, seed="ENC seed")])
    client = device(**objects)
    check = run(client, check_mode=True, diff=True, serials=[MOB1], state="absent")
    real = run(device(**objects), diff=True, serials=[MOB1], state="absent")
    assert client.writes == [] and client.tokens() == [MOB1]
    assert check["changed"] is real["changed"] is True and check["deleted"] == real["deleted"] == [MOB1]
    assert check["diff"] == real["diff"]


# -- input and the FortiManager guard --------------------------------------------------------------

@pytest.mark.parametrize("params,field", [
    (dict(serials=["FTK-BAD"]), "serials"),
    (dict(serials=["ftkmob0123456789"]), "serials"),
    (dict(serials=[MOB1, MOB1]), "serials"),
    (dict(serials=[MOB1], license_code="1234-5678"), "license_code"),
    (dict(serials=[MOB1], license_code="DA8C-0508-1F31-4CF7-C99"), "license_code"),
])
def test_bad_input_fails_before_any_request(params, field):
    client = device()
    with pytest.raises(err.InputError) as caught:
        run(client, **params)
    assert caught.value.field == field and ("'%s'" % field) in str(caught.value)
    assert client.requests_sent == 0


@pytest.mark.parametrize("state", ["active", "reimported"])
def test_a_fortimanager_managed_unit_is_refused_with_a_public_source(state):
    client = device(tokens=[token(MOB1)], users=[user("alice", MOB1)], status={MOB1: MIGRATED}, fmg="192.0.2.10")
    with pytest.raises(err.FortiFleetError) as caught:
        run(client, serials=[MOB1], state=state)
    text = str(caught.value)
    assert "managed by FortiManager 192.0.2.10" in text and "(KB 194508)" in text
    assert "ts B2" not in text and "troubleshooting.md" not in text and "B2" not in text
    assert client.writes == [] and client.calls == []


def test_allow_fortimanager_managed_lets_the_unit_activate_its_tokens():
    client = device(tokens=[token(MOB1)], users=[user("alice", MOB1)], status={MOB1: "new"}, fmg="192.0.2.10")
    result = run(client, serials=[MOB1], state="active", allow_fortimanager_managed=True)
    assert result["activated"] == [MOB1] and len(client.calls) == 1


def test_present_is_not_guarded_by_fortimanager():
    client = device(tokens=[token(MOB1)], fmg="192.0.2.10")
    assert run(client, serials=[MOB1])["changed"] is False
