"""fortifleet.auth.ftm_push: what it writes to system/ftm-push and the interface, per FortiOS version."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import ftm_push

from .memory_client import WAN_IP, MemoryClient, context
from .memory_client import ftm_push_row as push_row

PUSH = "system/ftm-push"
IFACE = "system/interface"


def fortigate(version="7.4.4", wan_access="ping https ssh ftm", certs=("Fortinet_Factory", "Fortinet_GUI_Server"),
              **push_values):
    parsed = tuple(int(p) for p in version.split("."))
    objects = {
        (PUSH, None): push_row(parsed, **push_values),
        (IFACE, "port1"): {"name": "port1", "type": "physical", "role": "wan", "mode": "static",
                           "ip": "%s 255.255.255.0" % WAN_IP, "allowaccess": wan_access},
        (IFACE, "port2"): {"name": "port2", "type": "physical", "role": "lan", "mode": "static",
                           "ip": "10.0.1.1 255.255.255.0", "allowaccess": "ping https ssh"},
        (IFACE, "port3"): {"name": "port3", "type": "physical", "role": "undefined", "mode": "static",
                           "ip": "0.0.0.0 0.0.0.0", "allowaccess": ""},
    }
    for name in certs:
        objects[("certificate/local", name)] = {"name": name, "source": "factory"}
    return MemoryClient(objects, version=version)


def run(client, check_mode=False, diff=False, **params):
    return ftm_push.run(context(client, params, check_mode=check_mode, diff=diff, spec=ftm_push.ARGUMENT_SPEC))


def push_writes(client):
    return [w for w in client.writes if w[1] == PUSH]


# -- validation before any request -----------------------------------------------------------
@pytest.mark.parametrize("params, field", [
    ({"server_port": 0}, "server_port"), ({"server_port": 65536}, "server_port"),
    ({"server": ""}, "server"), ({"server": " 203.0.113.7"}, "server"), ({"server": "0.0.0.0"}, "server"),
    ({"server": "10.1"}, "server"), ({"server": "300.1.2.3"}, "server"), ({"server": "push"}, "server"),
    ({"server": "a" * 120 + ".example"}, "server"),
    ({"server_cert": " "}, "server_cert"), ({"server_cert": "x" * 36}, "server_cert"),
    ({"interface": "port1/2"}, "interface"), ({"server_from_interface": "wan\n"}, "server_from_interface"),
    ({"ftm_access_interface": "it's"}, "ftm_access_interface"),
])
def test_bad_input_is_refused_before_any_request(params, field):
    client = fortigate()
    with pytest.raises(err.InputError) as caught:
        run(client, **params)
    assert caught.value.field == field
    assert client.requests_sent == 0


@pytest.mark.parametrize("version, params, field", [
    ("6.4.9", {"server": "push.example.net"}, "server"),  # FQDN needs 'server' (6.4.10+)
    ("7.4.0", {"proxy": "enable"}, "proxy"),  # proxy from 7.4.1
    ("7.6.3", {"interface": "port1"}, "interface"),  # interface from 7.6.4
    ("7.4.4", {"server_cert": "Nope"}, "server_cert"),
    ("7.4.4", {"ftm_access_interface": "port9", "allow_ftm_access": True}, "ftm_access_interface"),
    ("7.4.4", {"server_from_interface": "port9"}, "server_from_interface"),
    ("7.4.4", {"server_from_interface": "port3"}, "server_from_interface"),  # no IPv4 address on it
])
def test_input_the_device_cannot_take_fails_without_a_write(version, params, field):
    client = fortigate(version)
    with pytest.raises(err.InputError) as caught:
        run(client, **params)
    assert caught.value.field == field
    assert client.writes == []


def test_the_fqdn_refusal_names_the_first_version_with_server():
    with pytest.raises(err.InputError) as caught:
        run(fortigate("6.4.9"), server="push.example.net")
    assert "6.4.10 or later" in str(caught.value)


# -- what is written, per version ------------------------------------------------------------
def test_6_4_9_writes_the_address_to_server_ip_and_never_server():
    client = fortigate("6.4.9", status="disable")
    result = run(client, status="enable", server="198.51.100.20")
    assert push_writes(client) == [("PUT", PUSH, None, {"server-ip": "198.51.100.20", "status": "enable"})]
    assert result["changed"] and result["changed_keys"] == ["server-ip", "status"]
    assert result["version"] == "6.4.9"


def test_6_4_10_writes_server_and_clears_a_stale_server_ip():
    client = fortigate("6.4.10", **{"server-ip": "198.51.100.1"})
    result = run(client, server="push.example.net")
    assert push_writes(client) == [("PUT", PUSH, None, {"server": "push.example.net", "server-ip": "0.0.0.0"})]
    assert result["ftm_push"]["server"] == "push.example.net" and result["ftm_push"]["server-ip"] == "0.0.0.0"


def test_a_legacy_server_ip_moves_to_server_when_no_address_is_given():
    client = fortigate("7.0.12", server="", **{"server-ip": WAN_IP})
    result = run(client, status="enable")
    assert push_writes(client) == [("PUT", PUSH, None, {"server": WAN_IP, "server-ip": "0.0.0.0"})]
    assert result["changed_keys"] == ["server", "server-ip"]


def test_an_unset_server_ip_is_not_touched():
    client = fortigate("7.2.8")
    run(client, server="198.51.100.20")
    assert push_writes(client) == [("PUT", PUSH, None, {"server": "198.51.100.20"})]


def test_interface_on_7_6_4_clears_server_and_server_ip():
    client = fortigate("7.6.4", **{"server-ip": "198.51.100.1"})
    result = run(client, interface="port1")
    assert push_writes(client) == [("PUT", PUSH, None, {"interface": "port1", "server": "", "server-ip": "0.0.0.0"})]
    assert result["changed_keys"] == ["interface", "server", "server-ip"]


def test_a_server_on_7_6_4_clears_a_configured_interface():
    client = fortigate("7.6.4", server="", interface="port1")
    run(client, server="push.example.net")
    assert push_writes(client) == [("PUT", PUSH, None, {"interface": "", "server": "push.example.net"})]


def test_server_from_interface_takes_the_interfaces_address():
    client = fortigate("7.4.4", server="")
    result = run(client, server_from_interface="port1")
    assert push_writes(client) == [("PUT", PUSH, None, {"server": WAN_IP})]
    assert result["ftm_push"]["server"] == WAN_IP


@pytest.mark.parametrize("version, cert", [("6.4.9", "Fortinet_Factory"), ("7.2.8", "Fortinet_Factory"),
                                           ("7.4.4", "Fortinet_GUI_Server")])
def test_a_missing_server_cert_gets_the_factory_default_of_the_version(version, cert):
    client = fortigate(version, **{"server-cert": " "})
    result = run(client)
    assert push_writes(client) == [("PUT", PUSH, None, {"server-cert": cert})]
    assert result["changed_keys"] == ["server-cert"]


def test_a_valid_server_cert_is_kept_and_a_chosen_one_is_written():
    client = fortigate("7.4.4", **{"server-cert": "Fortinet_Factory"})
    assert run(client)["changed"] is False and client.writes == []
    run(client, server_cert="Fortinet_GUI_Server")
    assert push_writes(client) == [("PUT", PUSH, None, {"server-cert": "Fortinet_GUI_Server"})]


def test_only_the_given_keys_are_written():
    client = fortigate("7.4.4", status="disable", proxy="disable")
    result = run(client, status="enable", server_port=4433, proxy="enable")
    assert push_writes(client) == [("PUT", PUSH, None, {"proxy": "enable", "status": "enable"})]
    assert result["changed_keys"] == ["proxy", "status"]


# -- ftm in allowaccess ------------------------------------------------------------------------
def test_ftm_is_appended_to_allowaccess_keeping_the_other_values():
    client = fortigate("7.4.4", wan_access="ping https ssh")
    result = run(client, allow_ftm_access=True)
    assert client.writes == [("PUT", IFACE, "port1", {"allowaccess": "ping https ssh ftm"})]
    assert result["changed"] and result["changed_keys"] == ["interface/port1/allowaccess"]
    assert result["callback_interface"] == "port1"


def test_ftm_already_allowed_means_no_interface_write():
    client = fortigate("7.4.4", wan_access="ftm ping https")
    result = run(client, allow_ftm_access=True)
    assert client.writes == [] and result["changed"] is False


def test_allow_ftm_access_is_off_by_default():
    client = fortigate("7.4.4", wan_access="ping https ssh")
    assert run(client)["changed"] is False and client.writes == []


def test_a_named_access_interface_wins_over_the_address_owner():
    client = fortigate("7.4.4")
    run(client, allow_ftm_access=True, ftm_access_interface="port2")
    assert client.writes == [("PUT", IFACE, "port2", {"allowaccess": "ping https ssh ftm"})]


def test_the_access_interface_follows_the_new_server_address():
    client = fortigate("6.4.9", wan_access="ping https")
    run(client, allow_ftm_access=True, server="10.0.1.1")
    assert client.writes == [("PUT", PUSH, None, {"server-ip": "10.0.1.1"}),
                             ("PUT", IFACE, "port2", {"allowaccess": "ping https ssh ftm"})]


def test_the_access_interface_on_7_6_4_is_the_push_interface():
    client = fortigate("7.6.4")
    result = run(client, interface="port2", allow_ftm_access=True)
    assert ("PUT", IFACE, "port2", {"allowaccess": "ping https ssh ftm"}) in client.writes
    assert result["callback_interface"] == "port2"


def test_behind_nat_the_access_interface_must_be_named_and_nothing_is_written():
    client = fortigate("7.4.4", wan_access="ping https")
    with pytest.raises(err.InputError) as caught:
        run(client, server="198.51.100.99", allow_ftm_access=True)
    assert caught.value.field == "ftm_access_interface" and "198.51.100.99" in str(caught.value)
    assert client.writes == []


# -- check mode, diff and idempotence ------------------------------------------------------------
SCENARIOS = [
    ("6.4.9", {"status": "disable"}, {"status": "enable", "server": "10.0.1.1", "allow_ftm_access": True}),
    ("6.4.10", {"server": "", "server-ip": WAN_IP, "server-cert": " "}, {"allow_ftm_access": True}),
    ("7.6.4", {"server-ip": "198.51.100.1"}, {"interface": "port1", "proxy": "disable"}),
]


@pytest.mark.parametrize("version, state, params", SCENARIOS)
def test_check_mode_writes_nothing_and_predicts_the_real_run(version, state, params):
    checked = fortigate(version, wan_access="ping https", **state)
    check = run(checked, check_mode=True, diff=True, **params)
    real_client = fortigate(version, wan_access="ping https", **state)
    real = run(real_client, diff=True, **params)
    assert checked.writes == [] and real_client.writes != []
    assert check["changed"] is real["changed"] is True
    assert check["changed_keys"] == real["changed_keys"]
    assert check["diff"] == real["diff"]
    assert check["ftm_push"] == real["ftm_push"]


@pytest.mark.parametrize("version, state, params", SCENARIOS)
def test_a_second_run_changes_nothing(version, state, params):
    client = fortigate(version, wan_access="ping https", **state)
    run(client, **params)
    client.writes = []
    again = run(client, **params)
    assert again["changed"] is False and again["changed_keys"] == [] and client.writes == []


def test_diff_shows_the_push_keys_and_the_allowaccess_change():
    client = fortigate("7.4.4", status="disable", wan_access="ping https")
    result = run(client, diff=True, status="enable", allow_ftm_access=True)
    push_diff, iface_diff = result["diff"]
    assert push_diff["before"] == {"status": "disable"} and push_diff["after"] == {"status": "enable"}
    assert iface_diff["before"] == {"allowaccess": "ping https", "name": "port1"}
    assert iface_diff["after"] == {"allowaccess": "ping https ftm", "name": "port1"}


# -- issue 15: never a new broken state --------------------------------------------------------
def test_push_is_not_enabled_without_a_callback_address():
    client = fortigate(status="disable", server="")
    result = run(client, status="enable")
    assert not any(w[3].get("status") == "enable" for w in push_writes(client) if isinstance(w[3], dict))
    assert "left disabled" in result["held_back"] and client.objects[(PUSH, None)]["status"] == "disable"


def test_push_is_enabled_once_a_callback_address_is_given():
    client = fortigate(status="disable", server="")
    result = run(client, status="enable", server=WAN_IP)
    assert client.objects[(PUSH, None)]["status"] == "enable" and "held_back" not in result
