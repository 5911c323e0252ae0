"""Issue 15: results that say exactly what happened (per-subset errors, usable devices, report, JUnit)."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info

from .memory_client import MemoryClient, context, not_found, ftm_push_row


@pytest.fixture(autouse=True)
def private_state_home(tmp_path, monkeypatch):
    """Journals and unconfirmed actions live under $XDG_STATE_HOME: never the user's own during tests."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _info(client, subsets):
    return fortigate_info.run(context(client, {"gather_subset": subsets}, spec=fortigate_info.ARGUMENT_SPEC))


def _device(version="7.4.4"):
    client = MemoryClient(objects={("system/ftm-push", None): ftm_push_row((7, 4, 4))}, version=version, monitor={
        "system/status": {"model_name": "FortiGate", "model_number": "VM64", "hostname": "fgt-001"},
        "license/status": {}, "user/fortitoken": [], "system/central-management/status": {},
        "system/fortiguard/server-info": {},
        "endpoint-control/ems/status-summary": {"total": 0, "connected": 0, "authorized": 0, "entries": []}})
    client.fail[("GET", "system/global", None)] = not_found("system/global")
    return client


def test_a_failed_auxiliary_read_costs_only_what_needs_it():
    result = _info(_device(), ["all"])
    facts = result["fortigate"]
    assert not result.get("failed")
    assert facts["api_access"]["status"] == "ok"  # the probe alone classifies access
    assert facts["version"] == "7.4.4" and facts["serial"] == "FGVM01TEST"
    # system keeps what it read and says which read failed, typed
    assert facts["errors"]["system"]["kind"] == "not_found" and facts["errors"]["system"]["http_status"] == 404
    assert facts["system"]["version"] == "7.4.4"
    # ftm_push is diagnosed; only the admin-port conflict check is marked as not done
    assert "ftm_push" in facts and "ftm_push" not in facts["errors"]
    assert "system/global" in facts["incomplete"]["ftm_push"]
    assert "fortitoken" in facts and "ems" in facts


def test_a_subset_that_fails_is_its_own_error_and_the_next_subsets_run():
    client = _device()
    client.fail[("GET", "user/fortitoken", None)] = not_found("user/fortitoken")
    facts = _info(client, ["api_access", "system", "fortitoken", "ems"])["fortigate"]
    assert facts["errors"]["fortitoken"]["kind"] == "not_found"
    assert "fortitoken" not in facts
    assert "ems" in facts


def _fleet_device(client, roles):
    from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import device as dev
    from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.settings import device_settings

    params = {"host": "192.0.2.1", "port": 443, "access_token": "tok", "validate_certs": True, "ca_path": None,
              "use_ssl": True, "timeout": 5, "retries": 0, "vdom": "root"}
    device = dev.Device("fgt-001", params, device_settings({}, roles), check_mode=True)
    client.token_refused = lambda: None
    device._base._client = client
    return dev.run_device(device, roles)


def test_a_device_whose_token_works_is_usable_and_the_failed_read_is_an_area_error():
    record = _fleet_device(_device(), ["ftm_push"])
    assert record["preflight"]["access"] == "ok"
    assert "skipped_areas" not in record
    assert len(record["errors"]) == 1 and record["errors"][0].startswith("system: ")
    assert "system/global" in record["errors"][0]


def test_an_area_whose_own_read_fails_is_that_areas_error_only():
    client = _device()
    client.fail[("GET", "user/fortitoken", None)] = not_found("user/fortitoken")
    record = _fleet_device(client, ["ftm_push", "fortitoken"])
    assert record["preflight"]["access"] == "ok"
    assert [e.split(":")[0] for e in record["errors"]] == ["system", "fortitoken"]


# -- the report: one run mode, left out for any reason, per-area outcomes -------------------------------------------
def _report(hosts, check_mode_run=None):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.fortifleet.auth.plugins.module_utils._report import fleet_report
    from ansible_collections.fortifleet.auth.plugins.module_utils._task.runtime import TaskContext

    params = {"hosts": hosts, "run_name": "remediate_ftm_push", "check_mode_run": check_mode_run}
    checked = ArgumentSpecValidator(fleet_report.ARGUMENT_SPEC).validate(params)
    return fleet_report.run(TaskContext(checked.validated_parameters, check_mode=True, label="report"))


def _record(access="ok", check_mode=False, **extra):
    record = {"ran": True, "preflight": {"access": access}, "findings": [], "errors": [], "areas": ["ftm_push"],
              "changes": [], "check_mode": check_mode}
    record.update(extra)
    return record


def test_a_check_mode_run_is_reported_as_check_and_drift_whatever_the_report_task_was_told():
    from ansible_collections.fortifleet.auth.plugins.module_utils._report import model

    change = {"area": "ftm_push", "object": "system/ftm-push", "changed_keys": ["status"], "check_mode": True}
    hosts = {"a": _record(check_mode=True, changes=[change])}
    report = model.build(hosts, "remediate_ftm_push", False)
    assert report["run"]["mode"] == "check" and report["devices"][0]["status"] == "drift"
    assert _report(hosts, check_mode_run=False)["mode"] == "check"
    # a record of a check-mode run with nothing to change makes the run a check run too
    assert model.build({"b": _record(check_mode=True)}, "remediate", False)["run"]["mode"] == "check"
    assert model.build({"b": _record()}, "remediate", False)["run"]["mode"] == "apply"


def test_every_device_without_usable_access_is_left_out_whatever_the_reason():
    hosts = {"ok": _record(), "err": _record("error", errors=["input: bad port"]), "tok": _record("token_rejected"),
             "down": _record("unreachable"), "area-err": _record(errors=["ftm_push: HTTP 500"])}
    assert sorted(_report(hosts)["left_out"]) == ["down", "err", "tok"]


def test_the_area_outcome_says_what_ran():
    from ansible_collections.fortifleet.auth.plugins.module_utils._report import model

    hosts = {"a": _record(errors=["system: Failed to read cmdb system/global on a: HTTP 404"]),
             "b": _record("error", errors=["preflight: boom"]),
             "c": _record(skipped_areas=["ftm_push"])}
    areas = dict((d["name"], d["areas"]) for d in model.build(hosts, "x", False)["devices"])
    assert areas["a"]["api_access"]["outcome"] == "passed" and areas["a"]["system"]["outcome"] == "error"
    assert areas["a"]["ftm_push"]["outcome"] == "passed"
    assert areas["a"]["fortitoken"] == {"outcome": "skipped", "message": "not part of this run"}
    assert areas["b"]["api_access"]["outcome"] == "error"
    assert areas["b"]["ftm_push"]["outcome"] == "skipped" and "left out" in areas["b"]["ftm_push"]["message"]
    assert areas["c"]["ftm_push"]["outcome"] == "skipped"


# -- findings grouped per device and id, plural forms -----------------------------------------------------------------
def test_findings_are_grouped_by_id_with_the_objects_they_concern():
    from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
    from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.summary import progress_line
    from ansible_collections.fortifleet.auth.plugins.module_utils._report import model, render

    found = [fnd.finding("FORTITOKEN_NOT_ACTIVATED", "", serial="FTKMOB%d" % i, status="new") for i in range(3)]
    found.append(fnd.finding("FTM_PUSH_DISABLED", "status is disable"))
    assert model.grouped_findings(found) == ["FORTITOKEN_NOT_ACTIVATED: FTKMOB0, FTKMOB1, FTKMOB2 (3)",
                                             "FTM_PUSH_DISABLED"]
    record = _record(findings=found, areas=["fortitoken"])
    report = model.build({"fgt-1": record}, "diagnose", True)
    markdown = render.render_markdown(report)
    assert "FORTITOKEN_NOT_ACTIVATED: FTKMOB0, FTKMOB1, FTKMOB2 (3)" in markdown
    assert markdown.count("FORTITOKEN_NOT_ACTIVATED") == 2  # the findings table and the device row, once each
    assert "FTKMOB0, FTKMOB1, FTKMOB2 (3)" in render.render_html(report)
    assert "FORTITOKEN_NOT_ACTIVATED: FTKMOB0, FTKMOB1, FTKMOB2 (3)" in progress_line("fgt-1", record)


def test_one_device_is_not_devices():
    from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.summary import summary
    from ansible_collections.fortifleet.auth.plugins.module_utils._report import model, render

    report = model.build({"fgt-1": _record()}, "diagnose", True)
    assert model.summary_lines(report)[0].startswith("fortifleet.auth diagnose (check): 1 device: ")
    assert "1 devices" not in render.render_html(report) + render.render_markdown(report)
    assert summary({"a": _record()}, ["ok"])["line"].startswith("1 device: ")
    assert summary({"a": _record()}, ["ok"], preflight_only=True)["line"] == "Preflight: 1 of 1 device usable"


# -- key files outside the installed collection --------------------------------------------------------------------
def test_keys_default_to_the_state_home_created_0700_only_when_a_rotation_needs_them(tmp_path, monkeypatch):
    import os
    import stat

    from ansible_collections.fortifleet.auth.plugins.module_utils._fleet.settings import device_settings

    monkeypatch.delenv("FORTIFLEET_JOURNAL_DIR", raising=False)
    keys = str(tmp_path / "state" / "fortifleet.auth" / "keys")
    assert device_settings({}, ["api_access"])["api_access_key_dir"] == keys
    assert not os.path.exists(keys)  # no rotation asked: nothing created
    assert device_settings({"api_access_rotate_key": True}, ["api_access"])["api_access_key_dir"] == keys
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o700
    assert device_settings({"api_access_key_dir": "/srv/keys"}, ["api_access"])["api_access_key_dir"] == "/srv/keys"


def test_a_refused_rotation_is_reported_for_failing_the_run():
    refused = "api_access: Invalid value for 'key_file': /x/k.key is not writable; the key was not rotated."
    hosts = {"a": _record(errors=[refused], areas=["api_access"]), "b": _record(errors=["ftm_push: HTTP 500"])}
    out = _report(hosts)
    assert out["rotation_refused"] == ["a"]
