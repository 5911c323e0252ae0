from fortigate_emulator import versions as V


def test_profiles_present():
    for v in ("6.4.9", "6.4.15", "7.0.7", "7.0.12", "7.2.8", "7.4.4", "7.4.8", "7.6.4", "7.6.5"):
        assert v in V.PROFILES
    assert V.PROFILES["7.6.5"]["build"] == 3651


def test_ftm_push_field_ranges():
    assert not V.field_allowed("6.4.9", "system/ftm-push", "server")
    assert V.field_allowed("6.4.15", "system/ftm-push", "server")
    assert V.field_allowed("6.4.9", "system/ftm-push", "server-cert")
    assert not V.field_allowed("7.4.0", "system/ftm-push", "proxy")
    assert V.field_allowed("7.4.4", "system/ftm-push", "proxy")
    assert not V.field_allowed("7.6.3", "system/ftm-push", "interface")
    assert V.field_allowed("7.6.4", "system/ftm-push", "interface")


def test_fctems_rules():
    assert not V.rule("7.0.7", "fctems_ems_id_key")
    assert V.rule("7.0.8", "fctems_ems_id_key")
    assert not V.rule("7.2.0", "fctems_ems_id_key")
    assert V.rule("7.2.1", "fctems_ems_id_key")
    assert V.fctems_max_id("7.0.12") == 5
    assert V.fctems_max_id("7.2.3") == 5
    assert V.fctems_max_id("7.2.4") == 7
    assert V.field_allowed("7.0.12", "endpoint-control/fctems", "trust-ca-cn")
    assert not V.field_allowed("7.2.3", "endpoint-control/fctems", "trust-ca-cn")
    assert V.field_allowed("7.2.8", "endpoint-control/fctems", "trust-ca-cn")
    assert not V.field_allowed("7.4.1", "endpoint-control/fctems", "verifying-ca")
    assert V.field_allowed("7.4.2", "endpoint-control/fctems", "verifying-ca")


def test_auth_rules_and_defaults():
    assert not V.rule("7.4.4", "url_token_rule") and V.rule("7.4.5", "url_token_rule")
    assert not V.rule("7.6.4", "admin_passwd_header") and V.rule("7.6.5", "admin_passwd_header")
    assert V.ftm_default_cert("7.4.3") == "Fortinet_Factory"
    assert V.ftm_default_cert("7.4.4") == "Fortinet_GUI_Server"
    assert not V.field_allowed("7.4.4", "system/global", "rest-api-key-url-query")
    assert V.field_allowed("7.4.8", "system/global", "rest-api-key-url-query")
