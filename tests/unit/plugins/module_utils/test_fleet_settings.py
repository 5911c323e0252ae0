"""The fleet's settings are the area roles' variables: same names, same defaults, same checks.

The roles' defaults and argument specs are generated from the one table (ROLE_SETTINGS) by tools/role_settings.py.
"""
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import settings as _fleet
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import steps
from ansible_collections.fortifleet.auth.plugins.module_utils._api_access.api_user import ARGUMENT_SPEC as API_USER_SPEC
from ansible_collections.fortifleet.auth.plugins.module_utils._info.fortigate_info import SUBSET_ORDER

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ROLES = ("ftm_push", "fortitoken", "ems_connector", "api_access")
ALL_ROLES = ROLES + ("preflight", "report")
TOOL = os.path.join(ROOT, "tools", "role_settings.py")
needs_tool = pytest.mark.skipif(not os.path.isfile(TOOL),
                                reason="dev tool not in this tree (ansible-test's copy, the tarball)")
# Role defaults that are templates; the fleet action fills them in from the same variables.
TEMPLATED = {"api_access_user": "{{ fortigate_api_user | default('') }}"}


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


def test_the_table_has_every_role_with_its_texts():
    assert sorted(_fleet.ROLE_SETTINGS) == sorted(ALL_ROLES)
    assert sorted(os.listdir(os.path.join(ROOT, "roles"))) == sorted(ALL_ROLES)
    for role, entry in _fleet.ROLE_SETTINGS.items():
        assert entry["short_description"] and entry["description"], role
        for name, option in entry["options"].items():
            assert name.startswith(role + "_") or name in _fleet.FLEET_WIDE, name
            assert option["description"] and option["type"], name
            assert set(option) <= set(_fleet.OPTION_KEYS), name


def test_settings_spec_is_the_area_roles_options_of_the_table():
    expected = {}
    for role in ROLES:
        for name, option in _fleet.ROLE_SETTINGS[role]["options"].items():
            spec = dict((k, v) for k, v in option.items() if k in _fleet.SPEC_KEYS)
            spec["default"] = option.get("fleet_default", option["default"])
            expected[name] = spec
    for name in _fleet.FLEET_WIDE:
        expected[name] = dict((k, v) for k, v in _fleet.ROLE_SETTINGS["preflight"]["options"][name].items()
                              if k in _fleet.SPEC_KEYS)
    assert _fleet.SETTINGS_SPEC == expected
    assert all("description" not in spec for spec in _fleet.SETTINGS_SPEC.values())
    # Templates are the roles'; the fleet fills these in itself (device_settings, the fleet action).
    assert not any("{{" in str(spec["default"]) for spec in _fleet.SETTINGS_SPEC.values())


def test_choices_come_from_the_modules_they_feed():
    options = dict((name, option) for entry in _fleet.ROLE_SETTINGS.values()
                   for name, option in entry["options"].items())
    # One list (networks.TRUSTHOST_MODES) and its deprecated alias, for the module, the role and the fleet alike.
    assert options["api_access_trusthost_mode"]["choices"] == API_USER_SPEC["trusthost_mode"]["choices"] == \
        ["add", "exact", "replace"]
    assert options["preflight_subsets"]["choices"] == list(SUBSET_ORDER) == \
        ["api_access", "system", "ftm_push", "fortitoken", "ems"]
    assert role_yaml("api_access", "meta", "argument_specs.yml")["argument_specs"]["main"]["options"][
        "api_access_trusthost_mode"]["choices"] == ["add", "exact", "replace"]


def test_the_fleet_checks_the_roles_choices():
    with pytest.raises(err.InputError) as caught:
        _fleet.validate_settings({"ems_connector_status": "on"}, ["ems_connector"])
    assert "ems_connector_status" in str(caught.value)
    assert _fleet.validate_settings({"ems_connector_status": ""}, ["ems_connector"])["ems_connector_status"] == ""


def run_tool(*args):
    return subprocess.run([sys.executable, TOOL] + list(args), capture_output=True, text=True, check=False)


@needs_tool
def test_role_files_are_generated_from_the_table():
    proc = run_tool("--check")
    assert proc.returncode == 0, proc.stderr


@needs_tool
def test_the_generator_writes_what_its_check_accepts(tmp_path):
    proc = run_tool("--root", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    for role in ALL_ROLES:
        for parts in (("defaults", "main.yml"), ("meta", "argument_specs.yml")):
            with open(os.path.join(str(tmp_path), "roles", role, *parts)) as written:
                text = written.read()
            assert text.startswith("---\n# Generated by tools/role_settings.py"), (role, parts)
            assert yaml.safe_load(text) == role_yaml(role, *parts), (role, parts)
    assert run_tool("--check", "--root", str(tmp_path)).returncode == 0


@needs_tool
def test_the_generator_check_names_a_stale_file_and_writes_nothing(tmp_path):
    for role in ALL_ROLES:
        for sub in ("defaults", "meta"):
            shutil.copytree(os.path.join(ROOT, "roles", role, sub), os.path.join(str(tmp_path), "roles", role, sub))
    stale = os.path.join(str(tmp_path), "roles", "ftm_push", "defaults", "main.yml")
    with open(stale) as handle:
        text = handle.read()
    assert "ftm_push_server_port: 0\n" in text
    changed = text.replace("ftm_push_server_port: 0\n", "ftm_push_server_port: 4433\n")
    with open(stale, "w") as handle:
        handle.write(changed)
    os.remove(os.path.join(str(tmp_path), "roles", "report", "meta", "argument_specs.yml"))

    proc = run_tool("--check", "--root", str(tmp_path))
    assert proc.returncode != 0
    named = sorted(line.split()[0] for line in proc.stderr.splitlines() if line.endswith(" is stale"))
    assert named == [os.path.join("roles", "ftm_push", "defaults", "main.yml"),
                     os.path.join("roles", "report", "meta", "argument_specs.yml")]
    with open(stale) as handle:
        assert handle.read() == changed
    assert not os.path.exists(os.path.join(str(tmp_path), "roles", "report", "meta", "argument_specs.yml"))
