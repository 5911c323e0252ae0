"""The ftm_push diagnosis: what is wrong with FortiToken Mobile push, per FortiOS version (no sockets)."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import diagnosis as dx

from .memory_client import WAN_IP, MemoryClient
from .memory_client import ftm_push_row as push_row

FACTORY_CERTS = ("Fortinet_Factory", "Fortinet_GUI_Server", "Fortinet_SSL")


def fortigate(version="7.4.4", push=None, wan_access="ping https ssh ftm", wan_ip=WAN_IP, certs=FACTORY_CERTS,
              **push_values):
    parsed = tuple(int(p) for p in version.split("."))
    objects = {
        ("system/ftm-push", None): push if push is not None else push_row(parsed, **push_values),
        ("system/interface", "port1"): {"name": "port1", "vdom": "root", "type": "physical", "role": "wan",
                                        "mode": "static", "ip": "%s 255.255.255.0" % wan_ip,
                                        "allowaccess": wan_access, "status": "up"},
        ("system/interface", "port2"): {"name": "port2", "vdom": "root", "type": "physical", "role": "lan",
                                        "mode": "static", "ip": "10.0.1.1 255.255.255.0",
                                        "allowaccess": "ping https ssh", "status": "up"},
    }
    for name in certs:
        objects[("certificate/local", name)] = {"name": name, "source": "factory", "range": "global"}
    return MemoryClient(objects, version=version)


def ids(found):
    return [f["id"] for f in found]


def by_id(found, finding_id):
    return next(f for f in found if f["id"] == finding_id)


@pytest.mark.parametrize("version, field", [("6.4.9", "server-ip"), ("6.4.10", "server"), ("7.2.8", "server"),
                                            ("7.6.4", "server")])
def test_a_healthy_unit_has_no_finding_on_any_version(version, field):
    client = fortigate(version)
    facts, found = dx.diagnose(client, None, {"admin-sport": 443})
    assert found == []
    assert facts["server_field"] == field
    assert facts["callback_address"] == WAN_IP and facts["callback_interface"] == "port1"
    assert client.writes == []  # a diagnosis never writes


def test_disabled_push_is_an_auto_fixable_critical_finding():
    facts, found = dx.diagnose(fortigate(status="disable"))
    assert ids(found) == ["FTM_PUSH_DISABLED"]
    assert found[0]["severity"] == "critical" and found[0]["auto_fix"] is True
    assert "status is disable" in found[0]["detail"]


def test_legacy_server_ip_alone_is_flagged_from_6_4_10_and_its_address_is_the_callback():
    facts, found = dx.diagnose(fortigate("6.4.10", server="", **{"server-ip": WAN_IP}))
    assert ids(found) == ["FTM_PUSH_LEGACY_SERVER_IP"]
    assert WAN_IP in found[0]["summary"] and "6.4.10" in found[0]["summary"]
    assert facts["callback_address"] == WAN_IP and facts["callback_interface"] == "port1"


def test_server_ip_is_the_setting_on_6_4_9_so_it_is_not_legacy_there():
    facts, found = dx.diagnose(fortigate("6.4.9"))
    assert "FTM_PUSH_LEGACY_SERVER_IP" not in ids(found)
    assert facts["callback_address"] == WAN_IP and facts["server_field"] == "server-ip"


def test_a_server_on_6_4_10_is_not_replaced_by_a_stale_server_ip():
    facts, found = dx.diagnose(fortigate("7.0.12", **{"server-ip": "198.51.100.9"}))
    assert facts["callback_address"] == WAN_IP
    assert "FTM_PUSH_LEGACY_SERVER_IP" not in ids(found)


@pytest.mark.parametrize("version, field, empty", [("6.4.9", "server-ip", {"server-ip": "0.0.0.0"}),
                                                   ("7.4.4", "server", {"server": ""}),
                                                   ("7.4.4", "server", {"server": " "})])
def test_no_callback_address_names_the_field_of_the_version(version, field, empty):
    facts, found = dx.diagnose(fortigate(version, **empty))
    assert ids(found) == ["FTM_PUSH_SERVER_UNSET"]
    assert "(%s is empty)" % field in found[0]["summary"]
    assert found[0]["auto_fix"] is False  # a human must say which address phones call back to
    assert facts["callback_address"] is None and facts["callback_interface"] is None


def test_interface_on_7_6_4_is_a_callback_without_server():
    facts, found = dx.diagnose(fortigate("7.6.4", server="", interface="port1"))
    assert "FTM_PUSH_SERVER_UNSET" not in ids(found)
    assert facts["callback_interface"] == "port1"
    assert found == []


def test_interface_named_in_the_config_is_checked_for_ftm_access():
    facts, found = dx.diagnose(fortigate("7.6.4", server="", interface="port2"))
    assert facts["callback_interface"] == "port2"
    assert ids(found) == ["FTM_PUSH_NO_FTM_ACCESS"]
    assert "port2" in found[0]["summary"]


@pytest.mark.parametrize("version, fix", [("6.4.9", "Fortinet_Factory"), ("7.2.8", "Fortinet_Factory"),
                                          ("7.4.4", "Fortinet_GUI_Server"), ("7.6.5", "Fortinet_GUI_Server")])
def test_an_empty_server_cert_proposes_the_factory_certificate_of_the_version(version, fix):
    dummy, found = dx.diagnose(fortigate(version, **{"server-cert": " "}))
    assert ids(found) == ["FTM_PUSH_SERVER_CERT_MISSING"]
    assert "empty" in found[0]["summary"]
    assert "sets server-cert to %s" % fix in found[0]["remediation"]


def test_the_other_factory_certificate_is_proposed_when_the_first_choice_is_missing():
    client = fortigate("7.4.4", certs=("Fortinet_Factory",), **{"server-cert": ""})
    dummy, found = dx.diagnose(client)
    assert "sets server-cert to Fortinet_Factory" in by_id(found, "FTM_PUSH_SERVER_CERT_MISSING")["remediation"]


def test_a_server_cert_that_does_not_exist_is_named():
    dummy, found = dx.diagnose(fortigate("7.4.4", **{"server-cert": "Old_Cert"}))
    finding = by_id(found, "FTM_PUSH_SERVER_CERT_MISSING")
    assert "'Old_Cert', which does not exist" in finding["summary"]


def test_without_any_factory_certificate_a_local_one_is_asked_for():
    dummy, found = dx.diagnose(fortigate("7.4.4", certs=("My_Cert",), **{"server-cert": ""}))
    assert "sets server-cert to a local certificate" in by_id(found, "FTM_PUSH_SERVER_CERT_MISSING")["remediation"]


def test_server_cert_is_not_checked_before_6_4_which_has_no_such_field():
    push = {"status": "enable", "server-port": 4433, "server-ip": WAN_IP}
    dummy, found = dx.diagnose(fortigate("6.2.16", push=push, certs=()))
    assert found == []


def test_certificates_come_from_available_certificates_when_certificate_local_is_forbidden():
    client = fortigate("7.4.4", certs=())
    client.fail[("GET", "certificate/local", None)] = err.PermissionDeniedError(
        "read", "certificate/local", client.label, "HTTP 403", status=403)
    client.monitor["system/available-certificates"] = [{"name": "Fortinet_GUI_Server", "source": "factory"},
                                                       {"name": "Fortinet_Factory", "source": "factory"}]
    dummy, found = dx.diagnose(client)
    assert found == []
    client.monitor["system/available-certificates"] = [{"name": "Fortinet_Factory"}]
    dummy, found = dx.diagnose(client)
    assert ids(found) == ["FTM_PUSH_SERVER_CERT_MISSING"]  # Fortinet_GUI_Server is not on the device


def test_wanted_fqdn_is_unsupported_before_6_4_10_only():
    dummy, found = dx.diagnose(fortigate("6.4.9"), "push.example.net")
    finding = by_id(found, "FTM_PUSH_FQDN_UNSUPPORTED")
    assert "push.example.net" in finding["summary"] and "6.4.9" in finding["summary"]
    assert "FTM_PUSH_FQDN_UNSUPPORTED" not in ids(dx.diagnose(fortigate("6.4.10"), "push.example.net")[1])
    assert "FTM_PUSH_FQDN_UNSUPPORTED" not in ids(dx.diagnose(fortigate("6.4.9"), "198.51.100.20")[1])


def test_missing_ftm_in_allowaccess_of_the_interface_that_owns_the_address():
    facts, found = dx.diagnose(fortigate("7.2.8", wan_access="ping https ssh"))
    assert ids(found) == ["FTM_PUSH_NO_FTM_ACCESS"]
    assert facts["callback_interface"] == "port1"
    assert "allowaccess=ping https ssh" in found[0]["detail"]


def test_ftm_access_is_not_checked_when_no_interface_owns_the_address():
    # Behind NAT: the public server address is on no local interface.
    facts, found = dx.diagnose(fortigate("7.4.4", wan_access="ping https", server="198.51.100.99"))
    assert facts["callback_interface"] is None
    assert found == []


@pytest.mark.parametrize("glob, service", [
    ({"admin-sport": 4433, "admin-port": 80}, "admin-sport"),
    ({"admin-sport": "443", "admin-port": "4433"}, "admin-port"),
])
def test_a_push_port_used_by_administrative_access_is_a_conflict(glob, service):
    dummy, found = dx.diagnose(fortigate(), None, glob)
    assert ids(found) == ["FTM_PUSH_PORT_CONFLICT"]
    assert "4433" in found[0]["summary"] and "(%s)" % service in found[0]["summary"]


def test_the_conflict_follows_a_changed_push_port_and_its_default():
    assert dx.diagnose(fortigate(**{"server-port": 8443}), None, {"admin-sport": 4433})[1] == []
    assert ids(dx.diagnose(fortigate(**{"server-port": 8443}), None, {"admin-sport": 8443})[1]) == \
        ["FTM_PUSH_PORT_CONFLICT"]
    unset = fortigate()
    del unset.objects[("system/ftm-push", None)]["server-port"]
    assert ids(dx.diagnose(unset, None, {"admin-sport": 4433})[1]) == ["FTM_PUSH_PORT_CONFLICT"]  # 4433 default
    assert dx.diagnose(fortigate(), None, None)[1] == []  # system/global unreadable: no guess


@pytest.mark.parametrize("address, private", [("10.20.30.40", True), ("172.16.0.1", True), ("192.168.1.99", True),
                                              ("100.64.0.1", True), ("172.32.0.1", False), ("203.0.113.7", False),
                                              ("push.example.net", False)])
def test_a_private_or_cgnat_callback_address_is_a_warning(address, private):
    owned = address if address[0].isdigit() else WAN_IP  # the unit holds the address itself (no NAT)
    dummy, found = dx.diagnose(fortigate("7.4.4", wan_ip=owned, server=address))
    assert ("FTM_PUSH_PRIVATE_ADDRESS" in ids(found)) is private
    if private:
        finding = by_id(found, "FTM_PUSH_PRIVATE_ADDRESS")
        assert finding["severity"] == "warning" and finding["auto_fix"] is False
        assert "forward TCP 4433" in finding["remediation"] and address in finding["remediation"]


def test_several_problems_are_reported_together_in_a_stable_order():
    dummy, found = dx.diagnose(fortigate("7.4.4", wan_access="https", status="disable", server="10.1.1.1",
                                         wan_ip="10.1.1.1", **{"server-cert": " "}), None, {"admin-sport": 4433})
    assert ids(found) == ["FTM_PUSH_DISABLED", "FTM_PUSH_SERVER_CERT_MISSING", "FTM_PUSH_NO_FTM_ACCESS",
                          "FTM_PUSH_PORT_CONFLICT", "FTM_PUSH_PRIVATE_ADDRESS"]
