"""Issue 17: known FortiOS defects as data (versions.DEFECTS) and what they forbid the FortiToken re-import to do.

Bug 1218458 (troubleshooting.md G1): on 7.4.10, 7.4.11 and 7.6.3-7.6.6 a hardware token cannot be activated or
added again, so the re-import never deletes one there; mobile tokens are re-imported as before. A token whose
licence belongs to another unit (troubleshooting.md G4) is not re-imported either.
"""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import versions as v
from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import diagnosis, firmware_defects

from .test_fortitoken_module import HW, MIGRATED, MOB1, TOKENS, FortiGate, run, token, user

HW2 = "FTK200CD0000001"


@pytest.mark.parametrize("version,affected", [
    ("7.4.9", False), ("7.4.10", True), ("7.4.11", True), ("7.4.12", False), ("7.4.13", False),
    ("7.6.2", False), ("7.6.3", True), ("7.6.5", True), ("7.6.6", True), ("7.6.7", False),
    ("8.0.0", False), ("8.2.0", False), ("7.2.8", False)])
def test_bug_1218458_versions(version, affected):
    assert (v.defects_affecting(version, "hardware") == ["1218458"]) is affected
    assert v.defects_affecting(version, "mobile") == []  # mobile tokens are not concerned


def test_defect_table_names_fixed_releases_and_public_sources():
    defect = v.DEFECTS["1218458"]
    assert v.fixed_releases("1218458") == "7.4.12, 7.6.7 or 8.0.0"
    assert "KB 428366" in defect["sources"]
    for first, end in defect["affected"]:
        assert v.FortiOSVersion.parse(first) < end  # every range is a real half-open range


def test_newest_known_and_known_releases():
    assert v.NEWEST_KNOWN == max(v.KNOWN_RELEASES, key=v.FortiOSVersion.parse)
    assert v.version_warning("7.6.7") is None
    for newer in ("8.0.0", "8.2.0"):
        # Unknown newer firmware: a warning and the newest rules (7.6.5+: admin password confirmation).
        assert newer in v.version_warning(newer) and v.behaviour("admin_password_required", newer)


def fgt(version, tokens, users, status):
    objects = {("system/central-management", None): {"type": "none", "fmg": ""}}
    for row in tokens:
        objects[(TOKENS, row["serial-number"])] = row
    for row in users:
        objects[("user/local", row["name"])] = row
    return FortiGate(objects, status=status, version=version)


def mixed(version):
    """A migrated hardware token (bound to alice) and a migrated mobile token (bound to bob)."""
    return fgt(version, [token(HW, seed="ENC hw", license=""), token(MOB1, seed="ENC mob")],
               [user("alice", HW), user("bob", MOB1)], {HW: MIGRATED, MOB1: MIGRATED})


def test_affected_build_reimports_the_mobile_token_and_never_touches_the_hardware_one():
    client = mixed("7.4.11")
    result = run(client, serials=[HW, MOB1], state="reimported")
    assert result["reimported"] == [MOB1]
    assert [w for w in client.writes if HW in (w[2], (w[3] or {}).get("fortitoken"), (w[3] or {}).get("serial-number"))] == []
    assert ("DELETE", TOKENS, MOB1, None) in client.writes
    assert client.objects[("user/local", "alice")]["fortitoken"] == HW


def test_affected_build_with_only_hardware_tokens_changes_nothing_in_check_mode_and_real_run():
    for check in (True, False):
        client = fgt("7.6.6", [token(HW2, seed="ENC hw", license="")], [user("alice", HW2)], {HW2: MIGRATED})
        result = run(client, check_mode=check, serials=[HW2], state="reimported")
        assert result["changed"] is False and result["reimported"] == [] and client.writes == []


def test_fixed_build_reimports_hardware_tokens():
    client = mixed("7.4.12")
    result = run(client, serials=[HW, MOB1], state="reimported")
    assert result["reimported"] == [HW, MOB1]
    assert ("DELETE", TOKENS, HW, None) in client.writes and ("POST", TOKENS, None, {"serial-number": HW}) in client.writes


def ids(found):
    return [f["id"] for f in found]


def test_diagnosis_names_the_fixed_release_and_withdraws_the_automatic_fix():
    facts, found = diagnosis.diagnose(mixed("7.4.11"))
    defect = [f for f in found if f["id"] == "FORTITOKEN_HARDWARE_ACTIVATION_DEFECT"]
    assert len(defect) == 1 and defect[0]["object"] == HW
    assert "7.4.12" in defect[0]["remediation"] and "FTK-200CD" in defect[0]["remediation"]
    assert "seed file" in defect[0]["remediation"] and defect[0]["auto_fix"] is False
    migrated = dict((f["object"], f) for f in found if f["id"] == "FORTITOKEN_MIGRATED")
    assert migrated[HW]["auto_fix"] is False and migrated[MOB1]["auto_fix"] is True


def test_diagnosis_on_a_fixed_build_has_no_defect_finding():
    facts, found = diagnosis.diagnose(mixed("7.6.7"))
    assert "FORTITOKEN_HARDWARE_ACTIVATION_DEFECT" not in ids(found)


@pytest.mark.parametrize("status,license_name,held", [
    ("activation error (token does not belong to product)", "EFTM01", True),  # FortiCare 31 (KB 308115)
    ("activation error (no valid token found)", "EFTM01", True),  # FortiCare 17 (KB 424201)
    (MIGRATED, "FTMTRIALABCDEF12", True),  # a trial licence belongs to its own unit (KB 190171)
    (MIGRATED, "EFTM01", False)])
def test_licence_of_another_unit_is_not_reimported(status, license_name, held):
    client = fgt("7.4.4", [token(MOB1, seed="ENC mob", license=license_name)], [user("bob", MOB1)], {MOB1: status})
    result = run(client, serials=[MOB1], state="reimported")
    assert (result["reimported"] == []) is held
    facts, found = diagnosis.diagnose(client if not result["changed"] else fgt(
        "7.4.4", [token(MOB1, seed="ENC mob", license=license_name)], [user("bob", MOB1)], {MOB1: status}))
    transfer = [f for f in found if f["id"] == "FORTITOKEN_LICENSE_TRANSFER_REQUIRED"]
    assert bool(transfer) is held
    if held:
        assert "2025-08-04" in transfer[0]["remediation"] and "KB 205363" in transfer[0]["remediation"]


def test_filter_plan_keeps_a_plan_without_concerned_tokens_unchanged():
    client = fgt("7.4.11", [token(MOB1, seed="ENC mob")], [user("bob", MOB1)], {MOB1: MIGRATED})
    plan = object.__new__(type("P", (), {}))
    plan.serials, plan.rows, plan.statuses = [MOB1], {MOB1: {"license": "EFTM01"}}, {MOB1: MIGRATED}
    assert firmware_defects.filter_plan(client, plan) is plan
    assert firmware_defects.filter_plan(client, None) is None


def test_licence_import_refused_with_forticare_31_gives_the_transfer_steps_not_the_raw_error(tmp_path):
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken_license
    from .memory_client import context, refused

    client = fgt("7.4.4", [], [], {})

    def not_owned(client_, body):
        raise refused("action", "user/fortitoken/import-mobile", code=-7564,
                      cli_error="FortiCare error 31: token does not belong to product")
    client.actions["user/fortitoken/import-mobile"] = not_owned
    params = dict(license_code="DA8C-0508-1F31-4CF7-C990", memory_file=str(tmp_path / "memory.json"))
    ctx = context(client, params, spec=fortitoken_license.ARGUMENT_SPEC)
    with pytest.raises(err.FortiFleetError) as caught:
        fortitoken_license.run(ctx)
    found = caught.value.findings
    assert [f["id"] for f in found] == ["FORTITOKEN_LICENSE_TRANSFER_REQUIRED"]
    assert "KB 205363" in caught.value.hint and "Customer Service" in caught.value.hint
