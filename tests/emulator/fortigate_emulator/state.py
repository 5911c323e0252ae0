"""Device model: identity, config tree (cmdb tables), runtime state and secrets."""

from __future__ import annotations

import copy
import hashlib
import ipaddress

from . import variants, vdoms, versions

# cmdb tables: path -> (mkey attribute or None for a singleton, access group (group, sub)).
# mkeys: fortios-api.md §2 (fortitoken serial-number), §3 (fctems, version dependent), §4 (api-user name),
# §5 (interface/certificate name), user/local + system/admin name (fortios-api.md §2).
# Access groups: fortios-api.md §5 gives groups for monitor endpoints only (P). For cmdb tables the
# group is ASSUMED to follow the same area: user/* -> authgrp, system/* -> sysgrp,
# interface -> netgrp, certificates -> vpngrp, fctems -> utmgrp.endpoint-control.
SCHEMA = {
    "system/ftm-push": (None, ("sysgrp", "cfg")),  # fortios-api.md §1: singleton; group ASSUMED sysgrp
    "system/global": (None, ("sysgrp", "cfg")),
    "system/central-management": (None, ("sysgrp", "cfg")),
    "system/ha": (None, ("sysgrp", "cfg")),  # group ASSUMED sysgrp (ha.py)
    "user/fortitoken": ("serial-number", ("authgrp", None)),
    "user/local": ("name", ("authgrp", None)),
    "system/admin": ("name", ("sysgrp", "admin")),
    "system/api-user": ("name", ("sysgrp", "admin")),
    "system/accprofile": ("name", ("sysgrp", "admin")),
    "system/interface": ("name", ("netgrp", "cfg")),
    "system/vdom": ("name", ("sysgrp", "cfg")),
    "certificate/local": ("name", ("vpngrp", None)),
    "certificate/ca": ("name", ("vpngrp", None)),
    "endpoint-control/fctems": ("<fctems>", ("utmgrp", "endpoint-control")),
    # fortios-api.md §3: the per-VDOM EMS table (mkey ems-id) and the VDOM's override switch, 7.4.0+ (vdoms.py)
    "endpoint-control/fctems-override": ("ems-id", ("utmgrp", "endpoint-control")),
    "endpoint-control/settings": (None, ("utmgrp", "endpoint-control")),
}

SECRET_FIELDS = {"api-key", "seed", "activation-code", "password", "cloud-authentication-access-key",
                 "admin-password"}
MASK = "ENC XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"  # ASSUMED: FortiOS shows secrets as "ENC <ciphertext>" (fortios-api.md §4)


def mkey_of(version: str, path: str):
    mk = SCHEMA[path][0]
    if mk == "<fctems>":
        # fortios-api.md §3: name on <=7.0.7, ems-id on 7.0.8+/7.2.1+
        return "ems-id" if versions.rule(version, "fctems_ems_id_key") else "name"
    return mk


def mask_row(row):
    if isinstance(row, dict):
        return {k: (MASK if k in SECRET_FIELDS and v not in ("", None) else mask_row(v)) for k, v in row.items()}
    if isinstance(row, list):
        return [mask_row(x) for x in row]
    return row


def ip_to_int(ip: str) -> int:
    return int(ipaddress.IPv4Address(ip))


class Device:
    def __init__(self, index: int, version: str, address: str, port: int):
        self.index = index
        self.name = f"fgt-{index:03d}"
        self.version = version
        self.build = versions.PROFILES[version]["build"]
        self.address = address
        self.port = port
        model = versions.MODELS[(index - 1) % len(versions.MODELS)]
        self.set_model(model)
        self.scenario = "healthy"
        self.start_scenario = "healthy"
        self.requested_version = version
        self.config: dict = {}
        self._rev = 1
        self._rev_str = None
        # secrets (never in audit/state dumps; only via control /secrets)
        self.api_keys: dict = {}       # api-user name -> key
        self.key_index: dict = {}      # key -> api-user name
        self.admin_password = ""
        self.license_codes: list = []  # codes the device's tokens came from
        self.inventory_token = ""
        # runtime
        self.rt: dict = {}
        self.faults: dict = {}
        self.fault_state: dict = {}
        self.failures: dict = {}       # source ip -> [timestamps]
        self.locked_until: dict = {}   # source ip -> monotonic deadline
        self.trust_cache = None
        self.tls_fault = "ok"
        self.down = False
        self.variant = variants.fleet_default()  # shape variant (variants.py); runtime "variant" overrides it

    def set_model(self, model):
        (self.model, self.model_name, self.model_number, self.wan, self.lan, self.is_vm) = model
        prefix = versions.SERIAL_PREFIX[self.model]
        self.serial = f"{prefix}{self.index:06d}"  # unique per device (index)

    # -- revision ---------------------------------------------------------
    def revision_str(self) -> str:
        # ASSUMED: FortiOS revision is an opaque string; we use md5(serial:counter)
        if self._rev_str is None:
            self._rev_str = hashlib.md5(f"{self.serial}:{self._rev}".encode()).hexdigest()
        return self._rev_str

    def bump(self):
        self._rev += 1
        self._rev_str = None
        self.trust_cache = None

    # -- tables -------------------------------------------------------------
    def mkey(self, path):
        return mkey_of(self.version, path)

    def table(self, path) -> dict:
        return self.config.setdefault(path, {})

    def singleton(self, path) -> dict:
        return self.config.setdefault(path, {})

    def row(self, path, key):
        return self.config.get(path, {}).get(str(key))

    def put_row(self, path, row):
        self.table(path)[str(row[self.mkey(path)])] = row

    def is_singleton(self, path) -> bool:
        return SCHEMA[path][0] is None

    # -- keys -----------------------------------------------------------------
    def set_key(self, user: str, key: str):
        old = self.api_keys.get(user)
        if old:
            self.key_index.pop(old, None)
        self.api_keys[user] = key
        self.key_index[key] = user

    def drop_key(self, user: str):
        old = self.api_keys.pop(user, None)
        if old:
            self.key_index.pop(old, None)

    # -- trusthost ------------------------------------------------------------
    def trusthosts(self, user: str):
        """List of (net_int, mask_int) for the api-user (IPv4 only), cached per revision."""
        if self.trust_cache is None:
            self.trust_cache = {}
        th = self.trust_cache.get(user)
        if th is None:
            th = []
            row = self.row("system/api-user", user) or {}
            for ent in row.get("trusthost", []) or []:
                if ent.get("type", "ipv4-trusthost") != "ipv4-trusthost":
                    continue
                val = ent.get("ipv4-trusthost", "0.0.0.0 0.0.0.0")  # fortios-api.md §4 default
                try:
                    net = ipaddress.IPv4Network(val.replace(" ", "/") if " " in val else val, strict=False)
                except ValueError:
                    continue
                th.append((int(net.network_address), int(net.netmask)))
            self.trust_cache[user] = th
        return th

    # -- views ------------------------------------------------------------------
    def summary(self) -> dict:
        scheme = "http" if self.rt.get("http") else "https"
        return {
            "name": self.name, "hostname": self.hostname(), "address": self.address, "port": self.port,
            "url": f"{scheme}://{self.address}:{self.port}", "serial": self.serial,
            "version": self.version, "build": self.build, "scenario": self.scenario,
            "requested_version": self.requested_version, "model": self.model,
            "tls_fault": self.tls_fault, "down": self.down, "variant": variants.of(self),
        }

    def hostname(self) -> str:
        if getattr(self, "ha_hostname", None):
            return self.ha_hostname  # an HA member's own hostname (not synchronised, ha.py)
        return self.singleton("system/global").get("hostname", self.name)

    def dump(self) -> dict:
        """Config + runtime with secrets masked (control API)."""
        cfg = {}
        for path, tbl in self.config.items():
            if self.is_singleton(path):
                cfg[path] = mask_row(tbl)
            else:
                cfg[path] = [mask_row(r) for r in tbl.values()]
        rt = copy.deepcopy({k: v for k, v in self.rt.items() if k not in ("http",)})
        return {
            "device": self.summary(),
            "revision": self.revision_str(),
            "revision_counter": self._rev,
            "config": cfg,
            "runtime": rt,
            "faults": self.faults,
            "locked_out_sources": sorted(self.locked_until),
            "helpers": self.helpers(),
            "vdoms": mask_row(vdoms.dump(self)),  # per-VDOM tables of the VDOMs other than root
        }

    def helpers(self) -> dict:
        """Test helpers that are not secrets (e.g. EMS fingerprints)."""
        ems = {}
        for key, st in self.rt.get("ems", {}).items():
            ems[key] = {"fingerprint": st.get("fingerprint"), "ems_side_approved": st.get("approved")}
        return {"ems": ems, "mkey_fctems": self.mkey("endpoint-control/fctems"),
                "admin_password_header_required": versions.rule(self.version, "admin_passwd_header"),
                "ftm_push_response_accepted": self.push_response_accepted()}

    def push_response_accepted(self) -> bool:
        """troubleshooting.md G2 (KB 277343): push approvals are accepted only while at least one administrator has no
        trusted host. ASSUMED: the refusal is all-or-nothing (the KB gives the condition, not the mechanism)."""
        unset = ("", "0.0.0.0 0.0.0.0", "::/0")
        return any(all(str(v or "") in unset for k, v in admin.items() if "trusthost" in k)
                   for admin in self.table("system/admin").values())
