"""Two inventory entries of one FortiGate, the owner's key rotation done before the other entry's preflight could
read the serial (a slow thread): the other entry is reported as a duplicate of the owner, not as a failure of its
own, and nothing is sent with the retired token."""
from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import api_user
from ansible_collections.fortifleet.auth.plugins.module_utils._fleet import fleet
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import GUARD, LockoutGuard

TOKEN = "t0kenOfTheAutomationUser0000000"


def test_an_entry_whose_token_the_owner_retired_is_its_duplicate():
    connection = {"host": "192.0.2.10", "port": 443, "access_token": TOKEN, "validate_certs": False}
    device, record, secrets = fleet.prepare("alias-of-fgt-001", connection, ["api_access"],
                                            {"api_access_user": "fortifleet-automation"})
    assert device is not None, record
    GUARD.refuse(LockoutGuard.key("192.0.2.10", 443, TOKEN),
                 api_user.RETIRED_REGENERATED % ("fortifleet-automation", "fgt-001"))
    record = fleet.run_prepared(device, {"areas": ["api_access"], "preflight": True, "usable_states": ["ok"],
                                         "preflight_subsets": ["api_access", "system"]}, fleet.SerialClaims())
    assert record["duplicate_of"] == "fgt-001"
    assert any("reaches the same FortiGate" in n and "fgt-001" in n for n in record["notes"])
    assert record["requests"]["sent"] == 0
    assert TOKEN not in str(record)
