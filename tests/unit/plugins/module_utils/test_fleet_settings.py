"""The fleet's settings are the area roles' variables: same names, same defaults, same checks."""
import os

import pytest
import yaml

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import settings as _fleet
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import steps

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ROLES = ("ftm_push", "fortitoken", "ems_connector", "api_access")
# Role defaults that are templates; the fleet action fills them in from the same variables.
TEMPLATED = {"api_access_user": "{{ fortigate_api_user | default('') }}",
             "api_access_key_dir": "{{ playbook_dir }}/fortifleet-keys"}


def role_yaml(role, *parts):
    with open(os.path.join(ROOT, "roles", role, *parts)) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("role", ROLES)
def test_role_defaults_are_the_fleet_defaults(role):
    defaults = role_yaml(role, "defaults", "main.yml")
    fleet = dict((k, v["default"]) for k, v in _fleet.SETTINGS_SPEC.items() if _fleet.SETTING_AREA[k] == role)
    assert sorted(defaults) == sorted(fleet)
    for name, value in defaults.items():
        assert value == TEMPLATED.get(name, fleet[name]), name


@pytest.mark.parametrize("role", ROLES)
def test_role_argument_specs_have_the_fleet_types(role):
    options = role_yaml(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    for name, spec in _fleet.SETTINGS_SPEC.items():
        if _fleet.SETTING_AREA[name] == role:
            assert options[name]["type"] in (spec["type"], "str" if spec["type"] == "path" else None), name


def test_settings_take_defaults_and_coerce_types():
    settings = _fleet.validate_settings({"ftm_push_server_port": "4433", "ftm_push_remediate": "no"}, ["ftm_push"])
    assert settings["ftm_push_server_port"] == 4433 and settings["ftm_push_remediate"] is False
    assert settings["ftm_push_status"] == "enable"
    assert "fortitoken_remediate" not in settings  # only the areas that run


@pytest.mark.parametrize("raw, field", [
    ({"ftm_push_sever": "x"}, "ftm_push_sever"),
    ({"ftm_push_server_port": "many"}, "ftm_push_server_port"),
    ({"fortitoken_license_codes": "CODE1,CODE2"}, "fortitoken_license_codes"),
    ({"ftm_push_status": "on"}, "ftm_push_status"),
])
def test_bad_settings_name_the_variable(raw, field):
    with pytest.raises(err.InputError) as caught:
        _fleet.validate_settings(raw, ["ftm_push", "fortitoken"])
    assert field in str(caught.value)


def test_omitted_arguments_are_the_ones_a_role_would_omit():
    assert steps.given({"a": "", "b": 0, "c": [], "d": None, "e": False, "f": "x", "g": 4433}) == \
        {"e": False, "f": "x", "g": 4433}


def test_api_access_user_defaults_to_the_connections_api_user_as_in_the_role():
    assert _fleet.device_settings({}, ["api_access"], "fortifleet-automation")["api_access_user"] == \
        "fortifleet-automation"
    assert _fleet.device_settings({"api_access_user": "other"}, ["api_access"], "x")["api_access_user"] == "other"
    assert "api_access_user" not in _fleet.device_settings({}, ["ftm_push"], "x")


def test_secret_settings_are_the_no_log_ones():
    assert sorted(_fleet.SECRET_SETTINGS) == ["fortitoken_license_codes", "fortitoken_reimport_license_code"]
