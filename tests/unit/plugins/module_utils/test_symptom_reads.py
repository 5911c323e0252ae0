"""Issue 19: reads that only explain a symptom are made only when the symptom is there (docs/requests.md): the
FortiGuard statistics of push, and the per-connector EMS status when status-summary already settles it."""
from ansible_collections.fortifleet.auth.plugins.module_utils._ems import diagnosis as ems_dx
from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import diagnosis as dx

from .memory_client import MemoryClient
from .test_ftm_push_diagnosis import fortigate, ids


def counting(answer):
    calls = []

    def monitor(params):
        calls.append(dict(params))
        return answer(params) if callable(answer) else answer
    return monitor, calls


def test_push_reads_the_fortiguard_statistics_only_when_license_status_does_not_say_connected():
    stats = {"stats": [{"success": 0, "failure": 3}]}
    connected = fortigate("7.4.4")
    connected.monitor["license/status"] = {"fortiguard": {"connected": True}}
    connected.monitor[dx.STATS_PATH], calls = counting(stats)
    facts, found = dx.diagnose(connected, None, {"admin-sport": 443})
    assert calls == [] and facts["fortiguard"]["connected"] is True
    assert "FTM_PUSH_FORTIGUARD_UNREACHABLE" not in ids(found)
    for answer in ({"fortiguard": {"connected": False}}, {"vdom": "root"}):  # not connected; does not say
        client = fortigate("7.4.4")
        client.monitor["license/status"] = answer
        client.monitor[dx.STATS_PATH], calls = counting(stats)
        facts, found = dx.diagnose(client, None, {"admin-sport": 443})
        assert len(calls) == len(dx.FORTIGUARD_SERVICES)
        assert "FTM_PUSH_FORTIGUARD_UNREACHABLE" in ids(found)


SETTLED = {"ems_id": 1, "name": "ems01", "connection": "connected", "authorized": True, "verified": True}


def ems_device(summary):
    client = MemoryClient(objects={("endpoint-control/fctems", "1"): {
        "ems-id": 1, "name": "ems01", "status": "enable", "server": "ems.example.com", "https-port": 443}},
        mkeys={"endpoint-control/fctems": "ems-id"})
    client.monitor["license/status"] = {}
    client.monitor["endpoint-control/ems/status-summary"] = summary
    client.monitor["endpoint-control/ems/status"], status_calls = counting(
        {"ems_id": 1, "connection": "connected", "authorized": False, "verified": True})
    client.monitor["endpoint-control/ems/cert-status"], cert_calls = counting({"ems_id": 1, "verified": True})
    return client, status_calls, cert_calls


def test_a_connector_the_summary_settles_costs_no_per_connector_read():
    for summary in ({"total": 1, "entries": [SETTLED]}, [SETTLED], {"ems01": dict(SETTLED)}):
        client, status_calls, cert_calls = ems_device(summary)
        facts, found = ems_dx.diagnose(client)
        assert status_calls == [] and cert_calls == [], summary
        assert found == [] and facts["entries"][0]["authorized"] is True


def test_a_connector_the_summary_does_not_settle_is_read_on_its_own():
    for summary in ({"entries": [dict(SETTLED, authorized=False)]},  # a problem: explained by its own reads
                    {"entries": [dict(SETTLED, ems_id=2)]},  # another connector
                    {"entries": [{"connection": "connected"}]},  # a row that names no connector
                    {"total": 1}):  # a shape without rows
        client, status_calls, cert_calls = ems_device(summary)
        facts, found = ems_dx.diagnose(client)
        assert len(status_calls) == 1 and len(cert_calls) == 1, summary
        assert "EMS_NOT_AUTHORIZED" in ids(found)
