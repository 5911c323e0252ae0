"""Issue 17, push prerequisites: administrators' trusted hosts (KB 277343, troubleshooting.md G2) and the FortiGuard
path of push (service-communication-stats and the ftm-push proxy, troubleshooting.md G3), on the in-memory FortiGate."""
import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import diagnosis as dx

from .test_ftm_push_diagnosis import by_id, fortigate, ids

OPEN = {"name": "admin", "accprofile": "super_admin", "trusthost1": "0.0.0.0 0.0.0.0", "ip6-trusthost1": "::/0"}
LOCKED = {"name": "netops", "accprofile": "super_admin", "trusthost1": "198.51.100.0 255.255.255.0",
          "trusthost2": "0.0.0.0 0.0.0.0"}
LOCKED6 = {"name": "v6ops", "accprofile": "prof_admin", "ip6-trusthost3": "2001:db8::/32"}


def with_admins(*admins, **kwargs):
    client = fortigate(**kwargs)
    for row in admins:
        client.objects[("system/admin", row["name"])] = dict(row)
    return client


@pytest.mark.parametrize("admins,expected", [
    ((OPEN, LOCKED), False),  # one administrator without trusted hosts is enough (KB 277343)
    ((LOCKED, LOCKED6), True),
    ((dict(LOCKED, name="a"),), True),
    ((dict(name="t", trusthost=[{"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "10.0.0.0 255.0.0.0"}]),), True),
    ((dict(name="t", trusthost=[{"id": 1, "type": "ipv4-trusthost", "ipv4-trusthost": "0.0.0.0 0.0.0.0"}]),), False),
])
def test_push_blocked_when_every_administrator_has_trusted_hosts(admins, expected):
    client = with_admins(*admins)
    facts, found = dx.diagnose(client, None, {"admin-sport": 443})
    assert ("FTM_PUSH_TRUSTED_HOSTS_ALL" in ids(found)) is expected
    if expected:
        finding = by_id(found, "FTM_PUSH_TRUSTED_HOSTS_ALL")
        assert finding["auto_fix"] is False and "KB 277343" in finding["remediation"]
        assert "unset trusthost1" in finding["remediation"]
    assert not [w for w in client.writes if w[1] == "system/admin"]  # never an automatic change to administrators


def test_trusted_hosts_not_reported_while_push_is_not_wanted():
    client = with_admins(LOCKED, status="disable")
    facts, found = dx.diagnose(client, None, {"admin-sport": 443})
    assert "FTM_PUSH_TRUSTED_HOSTS_ALL" not in ids(found)
    assert facts["administrators"]["without_trusted_hosts"] == []


@pytest.mark.parametrize("answer,expected", [
    ({"service_type": "forticare", "stats": [{"time": 1, "success": 3, "failure": 0}]}, True),
    ({"stats": [{"time": 1, "success": 0, "failure": 4}, {"time": 2, "success": 0, "failure": 2}]}, False),
    ([{"success_count": 0, "fail_count": 7}], False),
    ([{"timestamp": 1, "succeeded": 2, "failed": 1}], True),
    ({"forticare": {"status": "connected"}}, True),
    ({"reachable": False}, False),
    ({"fortitoken_registration": {"connected": True}}, True),
    ({}, None), ([], None), ("text", None), ({"stats": []}, None),
])
def test_stats_answers_of_any_shape(answer, expected):
    assert dx.stats_reachability(answer) is expected


def stats(reachable):
    def answer(params):
        assert params["service_type"] in dx.FORTIGUARD_SERVICES
        return {"service_type": params["service_type"], "stats": [{"success": 5 if reachable else 0, "failure": 3}]}
    return answer


def test_fortiguard_unreachable_gives_dns_and_route_advice_with_the_proxy():
    client = fortigate("7.4.4", proxy="enable")
    client.monitor[dx.STATS_PATH] = stats(False)
    client.objects[("system/fortiguard", None)] = {"proxy-server-ip": "192.0.2.80", "proxy-server-port": 8080,
                                                   "proxy-password": "ENC x"}
    facts, found = dx.diagnose(client, None, {"admin-sport": 443})
    finding = by_id(found, "FTM_PUSH_FORTIGUARD_UNREACHABLE")
    assert "forticare, fortitoken_registration" in finding["summary"]
    assert "push.fortinet.com" in finding["remediation"] and "routing-table" in finding["remediation"]
    assert "192.0.2.80:8080" in finding["remediation"]
    assert facts["fortiguard"]["proxy"]["proxy"] == "192.0.2.80:8080" and "ENC x" not in str(facts)


def test_fortiguard_reachable_or_endpoint_absent_gives_no_finding():
    client = fortigate("7.4.4")
    client.monitor[dx.STATS_PATH] = stats(True)
    facts, found = dx.diagnose(client, None, {"admin-sport": 443})
    assert "FTM_PUSH_FORTIGUARD_UNREACHABLE" not in ids(found)
    assert facts["fortiguard"]["services"] == {"fortitoken_registration": True, "forticare": True}
    absent = fortigate("6.4.9")  # the memory client answers 404 for an endpoint it does not hold
    facts, found = dx.diagnose(absent, None, {"admin-sport": 443})
    assert facts["fortiguard"]["services"] == {} and "FTM_PUSH_FORTIGUARD_UNREACHABLE" not in ids(found)


def test_proxy_on_a_release_without_it_is_not_read():
    client = fortigate("7.2.8")
    client.monitor[dx.STATS_PATH] = stats(False)
    facts, found = dx.diagnose(client, None, {"admin-sport": 443})
    assert facts["fortiguard"]["proxy"]["proxy"] is None
    assert "nothing upstream requires a proxy" in by_id(found, "FTM_PUSH_FORTIGUARD_UNREACHABLE")["remediation"]
