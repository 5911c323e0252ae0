"""Shape variants (variants.py): per device through the runtime, each unconfirmed answer in another shape."""
import pytest

from fortigate_emulator import variants


def use(d, variant):
    d.emu.set_runtime(d.name, {"variant": variant})
    return d


def results(d, path):
    answer = d.get(path)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def ems_query(d):
    helpers = d.state()["helpers"]
    key = next(iter(helpers["ems"]))
    return ("ems_id=%s" % key) if helpers["mkey_fctems"] == "ems-id" else ("ems_name=%s" % key)


def test_every_variant_is_described_and_the_default_is_first():
    assert list(variants.VARIANTS)[0] == variants.DEFAULT and len(variants.VARIANTS) >= 4


def test_the_device_summary_names_its_variant(device):
    d = use(device("7.4.4"), "gui-words")
    assert d.emu.device(d.name)["variant"] == "gui-words"


def test_gui_words_variant(device):
    d = use(device("7.4.4", "token-migrated"), "gui-words")
    tokens = results(d, "/api/v2/monitor/user/fortitoken")
    assert set(row["status"] for row in tokens.values()) == {"Error"}  # troubleshooting.md B4: GUI Error
    cert = results(d, "/api/v2/monitor/endpoint-control/ems/cert-status?with_cert=1&" + ems_query(d))
    assert "verified" not in cert and cert["verification"] in ("Verified", "Not Verified")
    status = results(d, "/api/v2/monitor/endpoint-control/ems/status?" + ems_query(d))
    assert status["connection"] == "Connected" and "authorized" not in status


def test_list_layout_variant(device):
    d = use(device("7.4.4", "fortiguard-unreachable"), "list-layout")
    tokens = results(d, "/api/v2/monitor/user/fortitoken")
    assert isinstance(tokens, list) and {"serial-number", "status"} <= set(tokens[0])
    assert "fortiguard" not in results(d, "/api/v2/monitor/license/status")  # as the 6.0.9 capture
    assert results(d, "/api/v2/monitor/system/fortiguard/server-info") == []  # no server answers
    status = results(d, "/api/v2/monitor/endpoint-control/ems/status?" + ems_query(d))
    assert isinstance(status, list) and "is_authorized" in status[0]
    cert = results(d, "/api/v2/monitor/endpoint-control/ems/cert-status?with_cert=1&" + ems_query(d))
    assert "is_verified" in cert and "verified" not in cert.get("certificate", {})


def test_nested_variant(device):
    d = use(device("7.2.8"), "nested")
    tokens = results(d, "/api/v2/monitor/user/fortitoken")
    assert set(tokens) == {"tokens"} and {"serial", "state"} <= set(tokens["tokens"][0])
    info = results(d, "/api/v2/monitor/system/fortiguard/server-info")
    assert info["servers"][0]["state"] == "reachable" and "any_reachable" not in info
    cert = results(d, "/api/v2/monitor/endpoint-control/ems/cert-status?" + ems_query(d))
    assert "verified" not in cert and "verified" in cert["cert"]


def test_captured_license_shape_is_served_in_every_variant(device):
    d = device("7.6.5", "ems-eval-license")
    for name in variants.VARIANTS:
        lic = results(use(d, name), "/api/v2/monitor/license/status")
        assert lic["vm"]["status"] == "vm_eval" and lic["forticare"]["type"] == "cloud_service_status"


@pytest.mark.parametrize("name", ["nonsense"])
def test_an_unknown_variant_falls_back_to_the_default(device, name):
    d = use(device("7.4.4"), name)
    assert d.emu.device(d.name)["variant"] == variants.DEFAULT
