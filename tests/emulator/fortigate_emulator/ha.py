"""FGCP HA pairs: two devices sharing one configuration tree, one primary (troubleshooting.md F).

A pair is made at fleet level (``--ha-pairs 1-2,5-6``: primary index - secondary index; the seeds fleet pairs its
last two healthy devices), on top of each member's scenario, and made again after every scenario reset.

- Configuration made on either member shows on both (KB 363357): both members hold the same ``config`` dict,
  the same api-user keys and the same FortiToken runtime (licences belong to the cluster, KB 410099).
- The hostname is per member (not synchronised: FortiOS HA guide, "Synchronizing the configuration"); ASSUMED
  that cmdb system/global still shows the shared tree.
- cmdb ``system/ha``: mode a-p, group-name, group-id (synchronised settings).
- monitor ``system/ha-checksums``: one entry per member with ``serial_no``, ``is_manage_master``/``is_root_master``
  (0/1, captures of FortiOS 6.x in prometheus-community/fortigate_exporter) and, from 7.0, also
  ``is_manage_primary``/``is_root_primary`` (booleans: ASSUMED from the CLI's is_manage_primary() of KB 249510),
  and ``checksum`` {global, root, all}. A member's runtime ``ha_checksum`` overrides its ``all`` checksum
  (out-of-sync injection).
- A FortiToken licence import on the secondary fails with FortiCare error 31 (KB 424201 reports errors 31 and 17
  on 7.4.9; which one a given request gets is ASSUMED: 31).
- The EMS connectivity state of the secondary is "-1 timeout" (community post 225686; KB 293570).
"""

from __future__ import annotations

import hashlib
import json

FORTICARE_SECONDARY_ERROR = 31  # KB 424201 (ASSUMED: 31 rather than 17)
DEFAULT_GROUP = "FGT-HA"


def parse_pairs(text: str) -> list:
    """'1-2,5-6' -> [(1, 2), (5, 6)]."""
    pairs = []
    for item in (text or "").split(","):
        item = item.strip()
        if item:
            first, second = item.split("-")
            pairs.append((int(first), int(second)))
    return pairs


def seeds_pairs(scenario_names: list) -> list:
    """The seeds fleet's HA pair: its last two healthy devices (1-based indexes), when it has two."""
    healthy = [i + 1 for i, name in enumerate(scenario_names) if name == "healthy"]
    return [(healthy[-2], healthy[-1])] if len(healthy) >= 2 else []


def link(primary, secondary, group_id: int):
    """Make ``secondary`` share ``primary``'s configuration (after each member's scenario was applied)."""
    ha = {"primary": primary, "members": [primary, secondary], "group_id": group_id,
          "group_name": f"{DEFAULT_GROUP}-{group_id}"}
    for dev in (primary, secondary):
        dev.ha = ha
    primary.config["system/ha"] = {"mode": "a-p", "group-name": ha["group_name"], "group-id": group_id,
                                   "hbdev": "\"port4\" 50", "override": "disable", "priority": 200}
    own_hostname = secondary.hostname()
    secondary.config = primary.config
    secondary.ha_hostname = own_hostname if own_hostname != primary.hostname() else secondary.name
    secondary.api_keys, secondary.key_index = primary.api_keys, primary.key_index
    secondary.admin_password = primary.admin_password
    secondary.inventory_token = primary.inventory_token
    secondary.license_codes = primary.license_codes
    for key in ("tokens", "fortiguard_tokens", "forticare_codes", "ems"):
        secondary.rt[key] = primary.rt[key]
    secondary.trust_cache = primary.trust_cache = None


def unlink(dev):
    """Before a member's scenario rebuilds it: its own keys again (the shared ones stay with its partner)."""
    if getattr(dev, "ha", None) is not None:
        dev.ha = None
        dev.ha_hostname = None
        dev.api_keys, dev.key_index = {}, {}


def is_secondary(dev) -> bool:
    ha = getattr(dev, "ha", None)
    return ha is not None and ha["primary"] is not dev


def _checksum(dev, part) -> str:
    tree = json.dumps(dev.config.get("system/global") if part == "global" else dev.config, sort_keys=True,
                      default=str)
    return hashlib.md5(tree.encode()).hexdigest()


def checksums(dev, params, ctx):
    """monitor system/ha-checksums (troubleshooting.md F): one entry per member (a standalone unit: itself)."""
    members = dev.ha["members"] if getattr(dev, "ha", None) else [dev]
    newer = not dev.version.startswith("6.")
    out = []
    for member in members:
        primary = member is (dev.ha["primary"] if getattr(dev, "ha", None) else dev)
        entry = {"serial_no": member.serial, "is_manage_master": int(primary), "is_root_master": int(primary),
                 "checksum": {"global": _checksum(member, "global"), "root": _checksum(member, "root"),
                              "all": member.rt.get("ha_checksum") or _checksum(member, "all")}}
        if newer:
            entry.update(is_manage_primary=primary, is_root_primary=primary)
        out.append(entry)
    return out
