import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import versions as v
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.access_groups import access_group


@pytest.mark.parametrize("text,expected", [("v7.4.4", "7.4.4"), ("7.0.12", "7.0.12"), ("7.6", "7.6.0"),
                                           ("v6.4.9,build1966", "6.4.9")])
def test_parse(text, expected):
    assert str(v.FortiOSVersion.parse(text)) == expected


@pytest.mark.parametrize("bad", ["", None, "seven", "7", "7.x.1", "latest"])
def test_parse_rejects_unknown_strings(bad):
    with pytest.raises(ValueError):
        v.FortiOSVersion.parse(bad)


def test_ordering():
    assert v.FortiOSVersion.parse("6.4.10") > "6.4.9"
    assert v.FortiOSVersion.parse("7.0.12") >= "7.0.8"
    assert sorted(["7.2.1", "6.4.15", "7.0.7"], key=v.FortiOSVersion.parse) == ["6.4.15", "7.0.7", "7.2.1"]


@pytest.mark.parametrize("version,server,server_ip", [("6.4.9", False, True), ("6.4.10", True, True),
                                                      ("7.0.12", True, True), ("7.6.5", True, True)])
def test_ftm_push_server_field(version, server, server_ip):
    assert v.field_supported("system/ftm-push", "server", version) is server
    assert v.field_supported("system/ftm-push", "server-ip", version) is server_ip
    assert v.behaviour("ftm_push_uses_server", version) is server


@pytest.mark.parametrize("version,expected", [("6.4.15", False), ("7.0.7", False), ("7.0.8", True),
                                              ("7.0.12", True), ("7.2.0", False), ("7.2.1", True),
                                              ("7.4.4", True)])
def test_fctems_key(version, expected):
    assert v.behaviour("fctems_keyed_by_ems_id", version) is expected


def test_other_fields_and_behaviours():
    assert v.unsupported_fields("system/ftm-push", ["proxy", "interface", "status"], "7.4.4") == ["interface"]
    assert v.field_supported("system/ftm-push", "proxy", "7.4.1")
    assert not v.field_supported("endpoint-control/fctems", "verifying-ca", "7.4.1")
    assert v.field_supported("endpoint-control/fctems", "trust-ca-cn", "7.0.12")
    assert not v.field_supported("endpoint-control/fctems", "trust-ca-cn", "7.2.2")
    assert v.behaviour("url_token_refused_by_default", "7.4.5")
    assert not v.behaviour("url_token_refused_by_default", "7.4.4")
    assert v.behaviour("admin_password_required", "7.6.5") and not v.behaviour("admin_password_required", "7.6.4")
    assert v.ems_id_max("7.0.8") == 5 and v.ems_id_max("7.2.4") == 7 and v.ems_id_max("7.0.7") is None
    assert v.ftm_push_default_certs("7.0.12")[0] == "Fortinet_Factory"
    assert v.first_version_with("system/ftm-push", "server") == "6.4.10"


def test_newer_firmware_warns_and_uses_newest_rules():
    assert v.version_warning("7.4.4") is None
    warning = v.version_warning("8.2.0")
    assert "8.2.0" in warning and v.NEWEST_KNOWN in warning
    assert v.field_supported("system/ftm-push", "interface", "8.2.0")


@pytest.mark.parametrize("api,path,group", [
    ("monitor", "user/fortitoken/activate", "authgrp"), ("cmdb", "user/fortitoken", "authgrp"),
    ("cmdb", "system/ftm-push", "sysgrp"), ("cmdb", "system/api-user", "sysgrp.admin"),
    ("monitor", "endpoint-control/ems/status", "utmgrp.endpoint-control"),
    ("monitor", "system/status", "any"), ("cmdb", "system/interface", "netgrp"),
])
def test_access_groups(api, path, group):
    assert access_group(api, path) == group


@pytest.mark.parametrize("text", ["", None, "FortiOS-ninety", "v7", "<html>"])
def test_unknown_device_version_is_a_clear_error(text):
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.errors import FortiFleetError
    with pytest.raises(FortiFleetError) as info:
        v.parse_device_version(text, "fgt-01")
    assert "fgt-01" in str(info.value) and "Nothing was changed" in str(info.value)
