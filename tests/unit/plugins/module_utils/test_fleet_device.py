"""One device's run: what stops an area, and what never stops the fleet."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import device as _fleet
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import fleet
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import settings
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import summary
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import area_run as fortitoken_run

PARAMS = {"host": "192.0.2.1", "port": 443, "access_token": "tok", "validate_certs": True, "ca_path": None,
          "use_ssl": True, "timeout": 5, "retries": 0, "vdom": "root"}


def device():
    return _fleet.Device("fgt-001", dict(PARAMS), {}, check_mode=False)


def test_no_area_runs_with_the_old_key_after_a_rotation(monkeypatch):
    calls = []

    def rotate(dev, settings):
        calls.append("api_access")
        dev.key_rotated = True
        return []

    def must_not_run(dev, settings):
        raise AssertionError("an area ran with a refused key: a failed key attempt toward the lock-out")

    monkeypatch.setitem(_fleet.AREA_RUNNERS, "api_access", rotate)
    monkeypatch.setitem(_fleet.AREA_RUNNERS, "ftm_push", must_not_run)
    record = _fleet.run_device(device(), ["api_access", "ftm_push"], run_preflight=False)
    assert calls == ["api_access"] and record["skipped_areas"] == ["ftm_push"]
    assert "key was rotated" in record["notes"][0] and record["errors"] == []


def test_an_unexpected_error_is_that_areas_error_and_the_next_area_runs(monkeypatch):
    def broken(dev, settings):
        raise KeyError("results")

    monkeypatch.setitem(_fleet.AREA_RUNNERS, "ftm_push", broken)
    monkeypatch.setitem(_fleet.AREA_RUNNERS, "fortitoken", lambda dev, settings: [{"id": "X", "auto_fix": True}])
    record = _fleet.run_device(device(), ["ftm_push", "fortitoken"], run_preflight=False)
    assert record["errors"] == ["ftm_push: internal error, please report it: KeyError: 'results'"]
    assert [f["id"] for f in record["findings"]] == ["X"]


@pytest.mark.parametrize("failed_step, error", [
    ({"failed": True, "msg": "FortiCare refused", "findings": [{"id": "FORTICARE_LICENSE_EXPIRED"}]}, False),
    ({"failed": True, "msg": "HTTP 500"}, True),
])
def test_a_refusal_with_findings_is_for_a_human_not_an_error(monkeypatch, failed_step, error):
    dev = device()
    dev.settings = settings.validate_settings({"fortitoken_license_codes": ["CODE"]}, ["fortitoken"])
    info = {"fortigate": {"fortitoken": {"tokens": [], "central_management": {}, "fortiguard": {}}}, "findings": []}
    answers = {"fortigate_info": info, "fortitoken_license": failed_step}
    monkeypatch.setattr(dev, "step", lambda module, args: answers[module])
    remaining = fortitoken_run.run(dev, dev.settings)
    assert bool(dev.record["errors"]) is error
    assert [f["id"] for f in remaining] == [f["id"] for f in failed_step.get("findings", [])]


def _record(access, changes=(), errors=(), findings=()):
    record = _fleet.new_record("192.0.2.1", preflight={"access": access, "version": "7.4.4"})
    record.update(changes=list(changes), errors=list(errors), findings=list(findings), diff=[{"before": {}}])
    return record


def test_the_fleet_count_names_the_left_out_devices_and_a_preflight_only_run_counts_usable_ones():
    records = {"a": _record("ok", changes=[{"area": "ftm_push"}]), "b": _record("token_rejected"),
               "c": _record("ok", errors=["ems: HTTP 500"])}
    full = summary.summary(records, ["ok", "forbidden"])
    assert full["line"] == "3 devices: 2 usable, 1 changed or drifting, 1 with errors; left out: b (token_rejected)"
    assert full["left_out"] == ["b"] and full["changed"] == ["a"] and full["with_errors"] == ["c"]
    only = summary.summary(records, ["ok", "forbidden"], preflight_only=True)
    assert only["line"] == "Preflight: 2 of 3 devices usable; left out: b (token_rejected)"


def test_one_result_shape_for_the_batch_and_for_one_device():
    options = {"areas": ["ftm_push"], "usable_states": ["ok"]}
    batch = fleet.task_result({"a": _record("ok"), "b": _record("ok", changes=[{"area": "ems"}])}, ["a", "b"], True,
                              options, 1.23456)
    assert batch["changed"] is True and sorted(batch["records"]) == ["a", "b"] and batch["seconds"] == 1.235
    assert len(batch["diff"]) == 2 and all("diff" not in r for r in batch["records"].values())
    one = fleet.task_result({"a": _record("ok")}, ["a"], False, options, 0.1)
    assert one["record"]["preflight"]["access"] == "ok" and one["line"] == "a: access ok, FortiOS 7.4.4"
    assert "records" not in one and one["changed"] is False
