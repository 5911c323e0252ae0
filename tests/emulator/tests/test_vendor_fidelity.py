"""Fidelity: the vendor's own client, fortinet.fortios, against the emulator.

Nobody here wrote fortinet.fortios, so it is an independent check of the emulator's REST surface:
the collection's httpapi plugin (token auth), its cmdb config modules (GET, then PUT or POST, and
check mode) and its monitor modules (GET facts, POST actions) run in one ansible-playbook over
several FortiOS profiles. The test asserts on the Ansible results, on the emulator's audit and on
its final state.

Where the collection and the emulator disagree, the facts decide (docs/reference/):
the emulator is fixed when it is wrong; when the collection does something FortiOS would refuse,
the emulator keeps refusing and the test asserts the disagreement, citing the fact.

The collection under test is fortinet.fortios 2.6.0 from `ansible` 14.5.0, run by ansible-core 2.21 on
Python 3.13 in its own venv (.venv-vendor, requirements-vendor.txt, made by `make venvs`/`make test`); it
is test-only and never a dependency of fortifleet.auth. The playbook runs on every version profile of the
emulator (versions.PROFILES) that the collection supports: the four profiles in ROLES play their scenario
and do the writes, every other profile the reads. The legacy check (fortinet.fortios 2.3.8, URL tokens)
still fetches its collection from the `ansible` 10.7.0 wheel (tests/emulator/vendor_collections.py) and
runs on .venv's ansible-core.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fortigate_emulator.testing import running_emulator
from fortigate_emulator.versions import PROFILE_ORDER, rule, vt

HERE = Path(__file__).resolve().parent
EMULATOR_DIR = HERE.parent
REPO_ROOT = EMULATOR_DIR.parents[1]
VENDOR_SCRIPT = EMULATOR_DIR / "vendor_collections.py"
PLAYBOOK = HERE / "vendor_fidelity" / "playbook.yml"
CALLBACKS = HERE / "vendor_fidelity" / "callback_plugins"

VENDOR_VENV = REPO_ROOT / ".venv-vendor"
VENDOR_COLLECTION_VERSION = "2.6.0"
# The collection's own schema starts every module it has here at v6.0.0 (e.g. fortios_system_ftm_push
# "v_range": [["v6.0.0", ""]]); test_vendor_supports_every_profile reads it back.
VENDOR_MIN_FORTIOS = "6.0.0"
# role of each profile in the playbook (see the comments in playbook.yml); every other profile reads only
SCENARIO_ROLES = {
    "7.0.7": ("rw", "token-not-activated"),   # name-keyed fctems, ems_name monitor parameter
    "7.4.4": ("rw", "ems-cert-untrusted"),    # ems-id fctems; verify-cert fixes the EMS
    "7.4.8": ("global", "healthy"),           # 7.4.5+: URL tokens refused; global scope
    "7.6.5": ("apiuser", "healthy"),          # X-Admin-Passwd required for api-user writes
}
ROLES = {v: SCENARIO_ROLES.get(v, ("read", "healthy")) for v in PROFILE_ORDER if vt(v) >= vt(VENDOR_MIN_FORTIOS)}
# Tasks that fail by design, each a fact-backed disagreement asserted in its own test below.
DISAGREEMENTS = {("7.0.7", "F02"), ("7.0.7", "F32"), ("7.0.7", "F33"), ("7.6.5", "F40"), ("7.6.5", "F42")}
LEGACY_PLAYBOOK = HERE / "vendor_fidelity" / "legacy_url_token.yml"
PLAYBOOK_TIMEOUT = 240


def _ansible_bin(name: str, venv: Path = REPO_ROOT / ".venv") -> Path:
    for d in (venv / "bin", Path(sys.executable).parent):
        if (d / name).exists():
            return d / name
    pytest.skip(f"{name} not found in {venv / 'bin'} (run `make setup`)")


def _fetch(*args) -> Path:
    proc = subprocess.run([sys.executable, str(VENDOR_SCRIPT), "--versions", *args], capture_output=True,
                          text=True, timeout=900)
    if proc.returncode == 3:  # vendor_collections.EXIT_DOWNLOAD_FAILED
        pytest.skip("PyPI unreachable, cannot fetch the vendor's fortinet.fortios collection: "
                    + proc.stderr.strip()[-400:])
    assert proc.returncode == 0, proc.stderr
    path = Path(proc.stdout.strip().splitlines()[-1])
    assert (path / "ansible_collections" / "fortinet" / "fortios" / "MANIFEST.json").is_file()
    return path


@pytest.fixture(scope="session")
def vendor_collections() -> Path:
    """The vendor venv's site-packages: ansible 14.5.0 installs its collections there (ansible_collections/)."""
    found = sorted(VENDOR_VENV.glob("lib/python*/site-packages/ansible_collections/fortinet/fortios/MANIFEST.json"))
    if not found:
        pytest.skip(f"{VENDOR_VENV} has no fortinet.fortios (run `make venvs`)")
    manifest = json.loads(found[-1].read_text())["collection_info"]
    assert manifest["version"] == VENDOR_COLLECTION_VERSION, manifest["version"]
    return found[-1].parents[3]


@pytest.fixture(scope="session")
def legacy_collections() -> Path:
    return _fetch("--legacy")


def _playbook(collections: Path, work: Path, inventory: Path, playbook: Path, record: Path,
              venv: Path = REPO_ROOT / ".venv"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(collections),  # the vendor's, nothing of ours
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_CONFIG": str(work / "no-ansible.cfg"),
        "ANSIBLE_HOME": str(work / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(work / "ansible-tmp"),
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(work / "pc"),
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_CALLBACKS_ENABLED": "fidelity_record",
        "ANSIBLE_HOST_KEY_CHECKING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORKS": "4",
        # a loaded CI machine: the persistent connection's 30 s defaults end a slow task with a bare "timeout"
        # instead of the device's answer
        "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "120",
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "120",
        "FIDELITY_RECORD": str(record),
    })
    env.pop("PYTHONPATH", None)  # Makefile points it at .build (our collection): keep it out
    proc = subprocess.run([str(_ansible_bin("ansible-playbook", venv)), "-i", str(inventory), str(playbook)],
                          cwd=str(work), env=env, capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT)
    (work / f"{playbook.stem}.log").write_text(proc.stdout + proc.stderr)
    records = [json.loads(x) for x in record.read_text().splitlines()] if record.exists() else []
    return proc, records


def _inventory(emu, names: dict, python: str = sys.executable) -> dict:
    hosts = {}
    for version, name in names.items():
        dev = emu.device(name)
        state = emu.state(name)
        helpers = state["helpers"]
        ems_key = "1" if helpers["mkey_fctems"] == "ems-id" else "ems01"
        users = {u["name"]: u for u in state["config"]["user/local"]}
        bound = sorted(u["fortitoken"] for u in users.values() if u.get("fortitoken") and u.get("email-to"))
        hosts[name] = {
            "ansible_host": dev["address"],
            "ansible_httpapi_port": dev["port"],
            "fgt_token": emu.secrets(name)["api_key"],
            "fgt_version": version,
            "fgt_role": ROLES[version][0],
            "fgt_ems_mkey": helpers["mkey_fctems"],
            "fgt_ems_key": ems_key,
            "fgt_ems_fingerprint": helpers["ems"][ems_key]["fingerprint"],
            "fgt_bound_token": bound[0],
        }
    return {"all": {"vars": {
        "ansible_connection": "ansible.netcommon.httpapi",
        "ansible_network_os": "fortinet.fortios.fortios",
        "ansible_httpapi_use_ssl": True,
        "ansible_httpapi_validate_certs": True,
        "ansible_httpapi_ca_path": emu.ca_path,
        "ansible_python_interpreter": python,
    }, "hosts": hosts}}


class Run:
    """The recorded playbook run: results by (host, task id), audit and state by version."""

    def __init__(self, emu, names, records, proc, seconds, audit_since):
        self.emu = emu
        self.names = names
        self.records = records
        self.proc = proc
        self.seconds = seconds
        self.audit = {v: [a for a in emu.audit(n, since=audit_since)] for v, n in names.items()}
        self.state = {v: emu.state(n) for v, n in names.items()}

    def result(self, version, task_id):
        host = self.names[version]
        found = [r for r in self.records if r["host"] == host and r["task"].split(" ", 1)[0] == task_id]
        assert found, f"no result for {task_id} on {host} ({version})"
        assert len(found) == 1, found
        return found[0]

    def ok(self, version, task_id):
        rec = self.result(version, task_id)
        assert rec["outcome"] == "ok", json.dumps(rec, indent=1)[:3000]
        return rec["result"]

    def failed(self, version, task_id):
        """The result of a task that failed with the device's answer (the vendor's ``meta``), not a connection
        error."""
        rec = self.result(version, task_id)
        assert rec["outcome"] == "failed", json.dumps(rec, indent=1)[:3000]
        assert "meta" in rec["result"], json.dumps(rec, indent=1)[:3000]
        return rec["result"]

    def api_calls(self, version, method=None, path=None):
        out = []
        for a in self.audit[version]:
            if not a["path"].startswith("/api/v2/"):
                continue
            if method and a["method"] != method:
                continue
            if path and a["path"] != path:
                continue
            out.append(a)
        return out


@pytest.fixture(scope="module")
def run(vendor_collections, tmp_path_factory):
    work = tmp_path_factory.mktemp("vendor-fidelity")
    with running_emulator(devices=len(PROFILE_ORDER), scenario="healthy", profile="mixed", port="auto", seed=2024,
                          state_dir=str(work / "emu")) as emu:
        names = {}
        for d in emu.devices():
            if d["version"] in ROLES and d["version"] not in names:
                names[d["version"]] = d["name"]
        assert set(names) == set(ROLES), names
        for version, name in names.items():
            emu.set_scenario(ROLES[version][1], name)
        inv = work / "inventory.json"
        inv.write_text(json.dumps(_inventory(emu, names, str(VENDOR_VENV / "bin" / "python")), indent=1))
        inv.chmod(0o600)
        since = emu.health()["seq"]
        t0 = time.monotonic()
        proc, records = _playbook(vendor_collections, work, inv, PLAYBOOK, work / "record.jsonl", VENDOR_VENV)
        seconds = time.monotonic() - t0
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:] + "\n" + emu.log_tail()
        result = Run(emu, names, records, proc, seconds, since)
        (work / "audit.json").write_text(json.dumps(result.audit, indent=1))  # for debugging
        yield result


# ------------------------------------------------------------------------------------ tests

def test_playbook_ran_clean(run):
    """No host failed outside the disagreements asserted below; nothing unreachable."""
    expected_failures = DISAGREEMENTS
    host_version = {n: v for v, n in run.names.items()}
    failed = {(host_version[r["host"]], r["task"].split(" ", 1)[0])
              for r in run.records if r["outcome"] in ("failed", "unreachable")}
    assert failed == expected_failures
    assert "PLAY RECAP" in run.proc.stdout


def test_report_task_count_and_disagreements(run, capsys):
    """What `make test` shows: the collection, the profiles, the task results and the fact-backed disagreements."""
    host_version = {n: v for v, n in run.names.items()}
    failed = sorted((host_version[r["host"]], r["task"]) for r in run.records if r["outcome"] == "failed")
    assert {(v, t.split(" ", 1)[0]) for v, t in failed} == DISAGREEMENTS
    assert sorted({host_version[r["host"]] for r in run.records}, key=vt) == sorted(ROLES, key=vt)
    with capsys.disabled():
        print(f"\nvendor fidelity: fortinet.fortios {VENDOR_COLLECTION_VERSION} on {len(ROLES)} profiles "
              f"({', '.join(sorted(ROLES, key=vt))}): {len(run.records)} task results in {run.seconds:.1f} s, "
              f"{len(failed)} disagreements, each asserted: " + "; ".join(f"{v} {t}" for v, t in failed))


def test_token_auth_is_bearer_only_and_never_locks_out(run):
    # fortios-api.md §7: collection 2.4.2 (and 2.6.0) sends the token only as `Authorization: Bearer`; 7.4.5+ refuses
    # ?access_token= (COMM 357228). The audit shows the header was used on every version, 7.4.8 too.
    for version in ROLES:
        calls = run.api_calls(version)
        assert calls
        assert not [a for a in calls if "access_token" in a["query"]], version
        assert not [a for a in calls if a["auth"] in ("bad_key", "locked_out", "untrusted")], version
        assert not [a for a in calls if a.get("auth_detail") == "url_token_disabled"]
        # the plugin's login probe (fortios-api.md §7: GET system/status after /logincheck) was answered
        assert [a for a in calls if a["path"] == "/api/v2/monitor/system/status" and a["status"] == 200]
        assert not run.state[version]["locked_out_sources"]
        assert not [a for a in run.audit[version] if a["status"] == 429]
        # /logincheck and /logout are not API paths: HTML 404, never counted as writes
        other = [a for a in run.audit[version] if not a["path"].startswith("/api/v2/")]
        assert {a["path"] for a in other} <= {"/logincheck", "/logout"}
        assert all(a["status"] == 404 and not a["write"] for a in other)
    # When a task's connection closes, the plugin probes system/status without a token (the
    # module's access_token is gone by then) and gets 401. The lock-out counts failed api-key
    # attempts (fortios-api.md §7 "Failed api-key login attempt"); a request without a key is not one
    # (README ASSUMED 3). Were it counted, the vendor's own client would lock itself out after
    # three tasks; it does not here.
    no_token = [a for a in run.audit["7.4.4"] if a["auth"] == "no_token"]
    assert len(no_token) >= 3 and all(a["status"] == 401 for a in no_token)


def test_monitor_facts(run):
    for version in ROLES:
        res = run.ok(version, "F01")
        metas = {f"{m['path']}/{m['name']}/{m['action']}".rstrip("/"): m for m in res["meta"]}
        assert len(res["meta"]) == 9
        for m in res["meta"]:
            assert m["status"] == "success" and m["http_status"] == 200, m
            assert m["version"] == f"v{version}"
        status = metas["system/status"]
        assert status["serial"] == run.emu.device(run.names[version])["serial"]
        assert isinstance(metas["user/fortitoken"]["results"], dict)
        wan = [i for i in metas["system/interface"]["results"].values() if i["role"] == "wan"]
        assert wan and wan[0]["ip"].startswith(("203.0.113.", "198.51.100."))
        certs = {c["name"] for c in metas["system/available-certificates"]["results"]}
        assert {"Fortinet_Factory", "Fortinet_GUI_Server"} <= certs
        assert metas["system/fortiguard/server-info"]["results"]["any_reachable"] is True
        assert metas["system/central-management/status"]["results"]["type"] == "none"
        assert "forticare" in metas["license/status"]["results"]
        ems = metas["endpoint-control/ems/status"]["results"]
        cert = metas["endpoint-control/ems/cert-status"]["results"]
        if version == "7.4.4":  # ems-cert-untrusted: -4 "not signed by any known CA" (troubleshooting.md C4)
            assert ems["connection"] == "disconnected" and ems["error_code"] == -4
            assert cert["verified"] is False and cert["error_code"] == -4 and "cert" not in cert
        else:
            assert ems["connection"] == "connected" and ems["authorized"] is True
            assert cert["verified"] is True and "cert" in cert  # with_cert on a CA-trusted cert
        gets = run.api_calls(version, "GET")
        assert not [a for a in gets if a["write"]]
        assert {"/api/v2/monitor/license/status", "/api/v2/monitor/user/fortitoken",
                "/api/v2/monitor/endpoint-control/ems/cert-status"} <= {a["path"] for a in gets}


def test_no_warnings_except_on_name_keyed_fctems(run):
    for rec in run.records:
        version = {n: v for v, n in run.names.items()}[rec["host"]]
        warnings = rec["result"].get("warnings") or []
        if rule(version, "fctems_ems_id_key"):
            assert not warnings, rec
        else:  # the ems_name parameter / name-keyed fctems (fortios-api.md §3/§5), asserted elsewhere
            assert all("endpoint-control_ems" in w or "version mismatch" in w for w in warnings), warnings


def test_global_scope(run):
    st = run.ok("7.4.8", "F03")
    assert st["meta"]["vdom"] == "global" and st["meta"]["http_status"] == 200
    put = run.ok("7.4.8", "F14")
    assert put["changed"] is True
    calls = [(a["method"], a["query"], a["status"]) for a in run.api_calls("7.4.8")
             if a["path"] == "/api/v2/cmdb/system/ftm-push"]
    # Collection 2.6.0 addresses the global scope as ?scope=global (its module_utils/fortios/fortios.py) where 2.4.2
    # sent ?global=1 (fortios-api.md §1). The reference pages know `scope` (vdom | global) only as a monitor
    # parameter (fortios-api.md §5); what FortiOS makes of it on a cmdb path is not established. The emulator
    # ignores it and answers for the root VDOM, which on this no-vdom device holds the one ftm-push: kept as is.
    assert calls == [("GET", "scope=global", 200), ("PUT", "scope=global", 200)]
    assert run.state["7.4.8"]["config"]["system/ftm-push"]["server-port"] == 4435


def test_ems_parameter_name_by_version(run):
    # fortios-api.md §5: the EMS monitor parameter is ems_name on releases keyed by name (<= 7.0.7) and
    # ems_id from the 7.0.8/7.2.1 key change. The collection's schema (2.4.2, 2.6.0) only knows ems_id.
    ok = run.ok("7.4.4", "F02")
    assert ok["meta"]["http_status"] == 200 and ok["meta"]["results"]["ems_id"] == 1
    # 7.0.7 does not know ems_id: the required ems_name is missing -> 424 (fortios-api.md §6: missing
    # required parameter). The emulator keeps refusing; the collection cannot address this release.
    bad = run.failed("7.0.7", "F02")
    assert bad["meta"]["http_status"] == 424
    cert = [a for a in run.api_calls("7.0.7", "GET", "/api/v2/monitor/endpoint-control/ems/cert-status")]
    assert sorted(a["status"] for a in cert) == [200, 200, 424]  # F01 and F34 use ems_name
    assert [a for a in cert if a["status"] == 424 and "ems_id=1" in a["query"]]


def test_ftm_push_put_check_mode_and_idempotence(run):
    for version in ("7.0.7", "7.4.4"):
        check = run.ok(version, "F10")
        assert check["changed"] is True  # status enable -> disable would change
        first = run.ok(version, "F11")
        assert first["changed"] is True and first["meta"]["revision_changed"] is True
        again = run.ok(version, "F12")
        assert again["changed"] is False and again["meta"]["revision_changed"] is False
        nothing = run.ok(version, "F13")
        assert nothing["changed"] is False
        puts = run.api_calls(version, "PUT", "/api/v2/cmdb/system/ftm-push")
        assert [a["status"] for a in puts] == [200, 200]  # check mode wrote nothing
        assert all(a["write"] and a["query"] == "vdom=root" for a in puts)
        ftm = run.state[version]["config"]["system/ftm-push"]
        assert ftm["status"] == "enable" and ftm["server-port"] == 4434


def test_fortitoken_modules(run):
    for version in ("7.0.7", "7.4.4"):
        imp = run.ok(version, "F20")
        assert imp["meta"]["status"] == "success" and imp["changed"] is False  # fortios_monitor never reports changed
        trial = run.ok(version, "F22")["ansible_facts"]["trial_serial"]
        put = run.ok(version, "F23")
        assert put["changed"] is True and put["meta"]["http_method"] == "PUT"
        check = run.ok(version, "F24")
        assert check["changed"] is True
        rows = {r["serial-number"]: r for r in run.state[version]["config"]["user/fortitoken"]}
        assert rows[trial]["comments"] == "vendor fidelity"
        assert rows[trial]["status"] == "active"  # the check-mode lock was not written
        assert rows[trial]["license"].startswith("FTMTRIAL")  # troubleshooting.md B8
        writes = [a for a in run.api_calls(version) if a["write"] and "fortitoken" in a["path"]]
        assert [(a["method"], a["path"].rsplit("/", 1)[-1]) for a in writes] == [
            ("POST", "import-trial"), ("PUT", trial), ("POST", "activate"), ("POST", "send-activation")]
        assert all(a["status"] == 200 for a in writes)
        act = run.ok(version, "F25")["meta"]["results"]
        send = run.ok(version, "F26")["meta"]["results"]
        tok = act[0]["serial"]
        if version == "7.0.7":  # token-not-activated: new + assigned -> provisioning (troubleshooting.md B4/B10)
            assert act[0]["status"] == "provisioning" and send["status"] == "provisioning"
            assert run.state[version]["runtime"]["tokens"][tok] == "provisioning"
        else:
            assert act[0]["status"] == "provisioned"
            assert run.state[version]["runtime"]["tokens"][tok] == "provisioned"


def test_fctems_ems_id_version(run):
    put = run.ok("7.4.4", "F30")
    assert put["changed"] is True and put["meta"]["http_method"] == "PUT"
    assert run.ok("7.4.4", "F31")["changed"] is True  # 45 -> 60 would change; not written
    assert run.ok("7.4.4", "F35")["changed"] is False  # the GET compares equal to what was sent
    row = {str(r["ems-id"]): r for r in run.state["7.4.4"]["config"]["endpoint-control/fctems"]}["1"]
    assert row["call-timeout"] == 45
    puts = run.api_calls("7.4.4", "PUT", "/api/v2/cmdb/endpoint-control/fctems/1")
    assert [a["status"] for a in puts] == [200]
    # verify-cert with the fingerprint fixes ems-cert-untrusted (troubleshooting.md C3/C4)
    ver = run.ok("7.4.4", "F33")
    assert ver["meta"]["status"] == "success"
    after = run.ok("7.4.4", "F34")["meta"]
    assert after[0]["results"]["verified"] is True
    assert run.state["7.4.4"]["runtime"]["ems"]["1"]["verified"] is True
    assert "fabric-auth" in row["capabilities"]  # troubleshooting.md C1: learned on verify


def test_fctems_name_keyed_version_disagreement(run):
    # fortios-api.md §3: on <= 7.0.7 fctems is keyed by `name`; `ems-id` exists only from 7.0.8/7.2.1.
    # Collection 2.6.0 (as 2.4.2) always keys the module by ems_id: GET .../fctems/1 finds nothing (404), so it
    # POSTs {"ems-id": 1, ...}, which FortiOS 7.0.7 refuses (unknown field). Emulator kept as is.
    bad = run.failed("7.0.7", "F32")
    assert bad["meta"]["http_status"] == 500 and bad["meta"]["error"] == -651
    # the collection's own versioned schema agrees: ems_id (and status) start at 7.0.8
    mism = bad["version_check_warning"]["mismatches"]
    assert any(m.startswith("option ems_id(1) Supported version ranges are v7.0.8") for m in mism), mism
    calls = [(a["method"], a["path"], a["status"]) for a in run.api_calls("7.0.7")
             if "fctems" in a["path"]]
    assert calls == [("GET", "/api/v2/cmdb/endpoint-control/fctems/1", 404),
                     ("POST", "/api/v2/cmdb/endpoint-control/fctems", 500)]
    rows = run.state["7.0.7"]["config"]["endpoint-control/fctems"]
    assert [r["name"] for r in rows] == ["ems01"] and "ems-id" not in rows[0]
    assert rows[0]["call-timeout"] != 45
    # fortios-api.md §5: verify-cert takes ems_name there; fortios_monitor only passes the schema's ems_id
    ver = run.failed("7.0.7", "F33")
    assert ver["meta"]["http_status"] == 424
    # the ems_name reads (F01, F34) work on the same device
    assert run.ok("7.0.7", "F34")["meta"][0]["results"]["verified"] is True


def test_api_user_create_generate_key_use_delete(run):
    for version in ("7.0.7", "7.4.4"):
        made = run.ok(version, "F40")
        assert made["changed"] is True and made["meta"]["http_method"] == "POST"
        assert run.ok(version, "F41")["changed"] is True
        assert run.ok(version, "F45")["changed"] is False  # vdom/trusthost tables compare equal
        key = run.ok(version, "F42")["meta"]["results"]["access_token"]
        assert len(key) == 30
        st = run.ok(version, "F43")["meta"]
        assert st["http_status"] == 200
        gone = run.ok(version, "F44")
        assert gone["changed"] is True
        users = [u["name"] for u in run.state[version]["config"]["system/api-user"]]
        assert "fidelity-reader" not in users and "fortifleet-automation" in users
        seq = [(a["method"], a["path"].split("/api/v2/")[1], a["status"]) for a in run.api_calls(version)
               if "api-user" in a["path"]]
        assert seq == [("GET", "cmdb/system/api-user/fidelity-reader", 404),
                       ("POST", "cmdb/system/api-user", 200),
                       ("GET", "cmdb/system/api-user/fidelity-reader", 200),  # check mode reads
                       ("GET", "cmdb/system/api-user/fidelity-reader", 200),
                       ("POST", "monitor/system/api-user/generate-key", 200),
                       ("DELETE", "cmdb/system/api-user/fidelity-reader", 200)]
        # the new key authenticated F43
        assert [a for a in run.api_calls(version, "GET", "/api/v2/monitor/system/status")
                if a["auth"] == "ok"]


def test_api_user_on_765_needs_admin_password(run):
    # fortios-api.md §4 / ISS #409: from 7.6.5 api-user writes and generate-key need X-Admin-Passwd. Collection
    # 2.6.0's httpapi plugin can send it, but only for modules built with admin_passwd_header=True and only from a
    # login password; fortios_system_api_user and fortios_monitor are not, and token auth has no password: -8102
    # "admin's password required.", as with 2.4.2.
    made = run.failed("7.6.5", "F40")
    assert made["meta"]["error"] == -8102 and made["meta"]["cli_error"] == ["admin's password required."]
    gen = run.failed("7.6.5", "F42")
    assert gen["meta"]["error"] == -8102
    users = [u["name"] for u in run.state["7.6.5"]["config"]["system/api-user"]]
    assert users == ["fortifleet-automation"]
    assert not [a for a in run.api_calls("7.6.5") if a["write"] and a["status"] == 200]


def test_legacy_collection_url_token(legacy_collections, tmp_path):
    """fortinet.fortios 2.3.8 sends ?access_token= (and a Bearer header) on every request (fortios-api.md §7).

    FortiOS 7.4.5+ refuses URL tokens unless `rest-api-key-url-query enable` (fortios-api.md §7, COMM 357228;
    troubleshooting.md D: 401 with `WWW-Authenticate: error="invalid_token"`); the collection then reports "Invalid
    access token" (fortios-api.md §7 httpapi login). The emulator refuses the URL token even with a Bearer
    header beside it (README ASSUMED 5), which matches the collection's own history: 2.4.2 stopped
    sending the URL token to fix token auth on 7.6.4 (fortios-api.md §7 CHANGELOG). Emulator kept as is.
    7.4.4 accepts the same requests.
    """
    with running_emulator(devices=7, scenario="healthy", profile="mixed", port="auto", seed=7,
                          state_dir=str(tmp_path / "emu")) as emu:
        names = {d["version"]: d["name"] for d in emu.devices() if d["version"] in ("7.4.4", "7.4.8")}
        inv = tmp_path / "inventory.json"
        data = _inventory(emu, {v: names[v] for v in ("7.4.4", "7.4.8")})
        inv.write_text(json.dumps(data))
        inv.chmod(0o600)
        proc, records = _playbook(legacy_collections, tmp_path, inv, LEGACY_PLAYBOOK, tmp_path / "rec.jsonl")
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
        by_host = {r["host"]: r for r in records}
        ok = by_host[names["7.4.4"]]
        assert ok["outcome"] == "ok" and ok["result"]["meta"]["version"] == "v7.4.4"
        bad = by_host[names["7.4.8"]]
        assert bad["outcome"] == "failed"
        assert "Invalid access token" in json.dumps(bad["result"])
        a44 = [a for a in emu.audit(names["7.4.4"]) if a["path"].startswith("/api/v2/")]
        assert a44 and all("access_token=REMOVED" in a["query"] for a in a44 if a["auth"] != "no_token")
        assert [a for a in a44 if a["status"] == 200]
        a48 = [a for a in emu.audit(names["7.4.8"]) if a["path"].startswith("/api/v2/")]
        refused = [a for a in a48 if a.get("auth_detail") == "url_token_disabled"]
        assert refused and all(a["status"] == 401 for a in refused)
        assert not [a for a in a48 if a["status"] == 200]
        assert not emu.state(names["7.4.8"])["locked_out_sources"]  # ASSUMED 5: not a lock-out attempt
