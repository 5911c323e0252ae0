import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd
# The area diagnoses define their finding ids on import: this file must also pass on its own.
from ansible_collections.fortifleet.auth.plugins.module_utils._ems import diagnosis as _ems  # noqa: F401
from ansible_collections.fortifleet.auth.plugins.module_utils._system import diagnosis as _system  # noqa: F401


def test_finding_shape_from_catalogue():
    f = fnd.finding("SYSTEM_VM_LICENSE_INVALID", "vm.status={status}", status="vm_invalid")
    assert set(f) == {"id", "severity", "area", "summary", "detail", "remediation", "auto_fix"}
    assert f["severity"] == "critical" and f["area"] == "system" and f["auto_fix"] is False
    assert "vm_invalid" in f["summary"] and f["detail"] == "vm.status=vm_invalid"


@pytest.mark.parametrize("fid,severity,area", [("bad-id", "info", "system"), ("GOOD_ID", "fatal", "system"),
                                               ("GOOD_ID", "info", "nowhere")])
def test_define_rejects_bad_definitions(fid, severity, area):
    with pytest.raises(ValueError):
        fnd.define(fid, severity, area, "s", "r")


def test_every_catalogue_entry_is_well_formed():
    for fid, spec in fnd.CATALOGUE.items():
        assert spec["severity"] in fnd.SEVERITIES and spec["area"] in fnd.AREAS
        assert spec["summary"] and spec["remediation"]


def test_worst():
    assert fnd.worst([]) is None
    infos = [fnd.finding("SYSTEM_EVALUATION_LICENSE"), fnd.finding("SYSTEM_VM_LICENSE_INVALID", status="x")]
    assert fnd.worst(infos) == "critical"


def test_an_ems_finding_concerns_its_connector_not_the_fortigate():
    found = fnd.finding("EMS_NOT_AUTHORIZED", "", name="ems1", serial="FGT60FTK25000014", server="ems.example.com",
                        port=443, ref="1", fingerprint="x", stored="none", what="", fields="")
    assert found["object"] == "ems1"
    assert "FGT60FTK25000014" in found["remediation"]  # the human still learns which FortiGate to authorize
