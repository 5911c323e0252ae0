"""Every module and role at -vvvv with --diff and a report; no secret in any byte of output, report,
log or temporary file."""
import json
import os
import subprocess
import sys

import yaml

from fortigate_emulator.testing import running_emulator

from .harness import ROOT, ansible_env

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def test_no_secret_anywhere(tmp_path):
    with running_emulator(devices=9, scenario="healthy", profile="mixed", port="auto") as emu:
        names = dict((d["version"], d["name"]) for d in emu.devices())
        migrated, plain = names["7.4.4"], names["7.6.5"]
        emu.set_scenario("token-migrated", name=migrated)
        secrets = {}
        for device in emu.devices():
            s = emu.secrets(device["name"])
            for key in ("api_key", "admin_password", "inventory_token"):
                secrets["%s:%s" % (device["name"], key)] = s[key]
            for i, code in enumerate(s["license_codes"]):
                secrets["%s:code%d" % (device["name"], i)] = code
        serials = sorted(emu.state(migrated)["runtime"]["tokens"])
        keys = tmp_path / "keys"
        keys.mkdir()
        vault = tmp_path / "vault.json"  # secrets as users keep them: in a vars file, not on the command line
        vault.write_text(json.dumps({"codes": {migrated: emu.secrets(migrated)["license_codes"]}}))
        play = [{
            "hosts": "%s,%s" % (migrated, plain), "gather_facts": False,
            "tasks": [
                {"fortifleet.auth.fortigate_info": {"gather_subset": ["all"]}},
                {"fortifleet.auth.api_user": {"name": "fortifleet-automation", "trusthost": ["192.0.2.0/24"]}},
                {"fortifleet.auth.ftm_push": {"status": "enable", "allow_ftm_access": True}},
                {"fortifleet.auth.ems_connector": {"name": "ems01", "server": "ems.example.com"},
                 "ignore_errors": True},
                {"fortifleet.auth.fortitoken": {"serials": serials, "state": "reimported",
                                                "license_code": "{{ codes[inventory_hostname][0] }}",
                                                "send_activation": True},
                 "when": "inventory_hostname == '%s'" % migrated},
                {"fortifleet.auth.fortitoken_license": {"license_code": "{{ codes[inventory_hostname][0] }}",
                                                        "memory_file": str(tmp_path / "memory.json")},
                 "when": "inventory_hostname == '%s'" % migrated, "ignore_errors": True},
                # The fleet task: every device in one task, its records in the (verbose) result and the diff.
                {"fortifleet.auth.fleet": {
                    "areas": ["api_access", "ftm_push", "fortitoken", "ems_connector"],
                    "settings": {"fortitoken_license_codes": "{{ codes['%s'] }}" % migrated,
                                 "fortitoken_memory_file": str(tmp_path / "memory.json"),
                                 "api_access_user": "fortifleet-automation"}},
                 "run_once": True},
                {"ansible.builtin.include_role": {"name": "fortifleet.auth.preflight"}},
                {"ansible.builtin.include_role": {"name": "fortifleet.auth.ftm_push"}},
                {"ansible.builtin.include_role": {"name": "fortifleet.auth.fortitoken"},
                 "vars": {"fortitoken_license_codes": "{{ codes[inventory_hostname] | default([]) }}",
                          "fortitoken_memory_file": str(tmp_path / "memory.json")}},
                {"ansible.builtin.include_role": {"name": "fortifleet.auth.ems_connector"}},
                {"ansible.builtin.include_role": {"name": "fortifleet.auth.api_access"},
                 "vars": {"api_access_user": "fortifleet-automation", "api_access_rotate_key": True,
                          "api_access_key_dir": str(keys)}},
            ]}, {
            "hosts": "localhost", "gather_facts": False,
            "roles": [{"role": "fortifleet.auth.report", "vars": {"report_dir": str(tmp_path / "report"),
                                                                 "report_hosts": [migrated, plain]}}]}]
        (tmp_path / "play.yml").write_text(yaml.safe_dump(play, sort_keys=False))
        temp = tmp_path / "ansible-tmp"
        log = tmp_path / "ansible.log"
        env = {"ANSIBLE_LOCAL_TEMP": str(temp), "ANSIBLE_LOG_PATH": str(log), "ANSIBLE_DIFF_ALWAYS": "1"}
        proc = subprocess.run([PLAYBOOK, "-i", emu.inventory, str(tmp_path / "play.yml"), "-vvvv", "--diff",
                               "-e", "@%s" % vault], capture_output=True, text=True, env=ansible_env(env),
                              timeout=900)
        assert "Traceback" not in proc.stdout + proc.stderr
        assert (tmp_path / "report" / "report.json").exists(), proc.stdout[-3000:]
        # the rotated keys are secrets too (the key files themselves are where they belong)
        for name in (migrated, plain):
            secrets["%s:rotated" % name] = emu.secrets(name)["api_key"]
            assert (keys / ("%s.key" % name)).read_text().strip() == secrets["%s:rotated" % name]
        blobs = {"stdout": proc.stdout, "stderr": proc.stderr}
        scanned_bytes = 0
        for base in (tmp_path / "report", temp, log.parent):
            for directory, dummy, files in os.walk(str(base)):
                for name in files:
                    path = os.path.join(directory, name)
                    if path.startswith(str(keys)) or path.endswith(("vault.json", "play.yml")):
                        continue
                    with open(path, "rb") as handle:
                        blobs[path] = handle.read().decode("utf-8", "replace")
        scanned_bytes = sum(len(b.encode()) for b in blobs.values())
        leaks = ["%s in %s" % (label, where) for label, secret in secrets.items() for where, blob in blobs.items()
                 if secret and secret in blob]
        assert leaks == []
        assert scanned_bytes > 100000  # -vvvv output and the report really were scanned
        print("secrets scan: %d secrets, %d files, %d bytes, 0 hits" % (len(secrets), len(blobs), scanned_bytes))


def test_no_log_marks_exactly_the_secret_options():
    sys.path.insert(0, os.path.join(ROOT, ".build"))
    from ansible_collections.fortifleet.auth.plugins.module_utils._api_access import api_user as _api_user
    from ansible_collections.fortifleet.auth.plugins.module_utils._ems import ems_connector as _ems
    from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info as _fortigate_info
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken_license as _fortitoken_license
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken as _fortitoken_module
    from ansible_collections.fortifleet.auth.plugins.module_utils._ftm_push import ftm_push as _ftm_push
    from ansible_collections.fortifleet.auth.plugins.module_utils._report import fleet_report as _report
    expected = {"access_token", "admin_password", "diagnostic_access_token", "license_code", "redact", "redact_devices"}
    seen = set()
    for module in (_api_user, _ems, _fortigate_info, _fortitoken_license, _fortitoken_module, _ftm_push, _report):
        for option, spec in module.ARGUMENT_SPEC.items():
            if spec.get("no_log"):
                seen.add(option)
                assert option in expected, (module.__name__, option)
    assert seen == expected
