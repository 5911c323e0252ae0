"""A table of invalid inputs across every module and role. Each fails before any write, with a message
that names the field; the emulator's audit shows zero writes for the whole run."""
import json
import os
import subprocess
import sys

import yaml

from .conftest import fleet_fixture
from .harness import ansible_env

LONG = "x" * 300
# (case id, version of the target device, task, field the message must name)
CASES = [
    # fortigate_info: types, choices, empty host
    ("info-subset", "7.4.4", {"fortifleet.auth.fortigate_info": {"gather_subset": ["everything"]}}, "gather_subset"),
    ("info-port-type", "7.4.4", {"fortifleet.auth.fortigate_info": {"port": "https"}}, "port"),
    ("info-timeout-type", "7.4.4", {"fortifleet.auth.fortigate_info": {"timeout": "soon"}}, "timeout"),
    ("info-empty-host", "7.4.4", {"fortifleet.auth.fortigate_info": {"host": ""}}, "host"),
    ("info-unknown-option", "7.4.4", {"fortifleet.auth.fortigate_info": {"passwd": "x"}}, "passwd"),
    # api_user
    ("api-any-v4", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "trusthost": ["0.0.0.0/0"]}}, "trusthost"),
    ("api-any-v6", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "trusthost": ["::/0"]}}, "trusthost"),
    ("api-bad-mask", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "trusthost": ["10.0.0.0 255.0.255.0"]}},
     "trusthost"),
    ("api-garbage-net", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "trusthost": ["ten.0.0.0/8"]}},
     "trusthost"),
    ("api-name-quote", "7.4.4", {"fortifleet.auth.api_user": {"name": "a\"b", "vdoms": ["root"]}}, "name"),
    ("api-name-newline", "7.4.4", {"fortifleet.auth.api_user": {"name": "a\nset accprofile super_admin",
                                                                "vdoms": ["root"]}}, "name"),
    ("api-name-slash", "7.4.4", {"fortifleet.auth.api_user": {"name": "../etc/passwd", "vdoms": ["root"]}}, "name"),
    ("api-name-long", "7.4.4", {"fortifleet.auth.api_user": {"name": "a" * 36, "vdoms": ["root"]}}, "name"),
    ("api-vdom-hostile", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "vdoms": ["root'; drop"]}}, "vdoms"),
    ("api-cors-long", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "cors_allow_origin": LONG}},
     "cors_allow_origin"),
    ("api-rotate-no-file", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "regenerate_key": True}}, "key_file"),
    ("api-key-file-dir", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "regenerate_key": True,
                                                                "key_file": "/nonexistent/dir/k.key"}}, "key_file"),
    ("api-exact-empty", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "trusthost": [],
                                                               "trusthost_mode": "exact"}}, "trusthost"),
    ("api-mode-choice", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "trusthost_mode": "merge"}},
     "trusthost_mode"),
    # ftm_push
    ("ftm-bad-ip", "7.4.8", {"fortifleet.auth.ftm_push": {"server": "300.1.2.3"}}, "server"),
    ("ftm-bad-fqdn", "7.4.8", {"fortifleet.auth.ftm_push": {"server": "exa mple.com"}}, "server"),
    ("ftm-fqdn-649", "6.4.9", {"fortifleet.auth.ftm_push": {"server": "push.example.net"}}, "server"),
    ("ftm-unset-ip", "7.4.8", {"fortifleet.auth.ftm_push": {"server": "0.0.0.0"}}, "server"),
    ("ftm-long-server", "7.4.8", {"fortifleet.auth.ftm_push": {"server": ("a" * 60 + ".") * 3 + "com"}}, "server"),
    ("ftm-port-0", "7.4.8", {"fortifleet.auth.ftm_push": {"server_port": 0}}, "server_port"),
    ("ftm-port-70000", "7.4.8", {"fortifleet.auth.ftm_push": {"server_port": 70000}}, "server_port"),
    ("ftm-port-type", "7.4.8", {"fortifleet.auth.ftm_push": {"server_port": "4433/tcp"}}, "server_port"),
    ("ftm-unknown-cert", "7.4.8", {"fortifleet.auth.ftm_push": {"server_cert": "No_Such_Cert"}}, "server_cert"),
    ("ftm-cert-newline", "7.4.8", {"fortifleet.auth.ftm_push": {"server_cert": "Fortinet_Factory\nset x"}},
     "server_cert"),
    ("ftm-server-and-interface", "7.6.5", {"fortifleet.auth.ftm_push": {"server": "203.0.113.9",
                                                                         "interface": "port1"}}, "server"),
    ("ftm-interface-too-old", "7.4.8", {"fortifleet.auth.ftm_push": {"interface": "port1"}}, "interface"),
    ("ftm-unknown-interface", "7.4.8", {"fortifleet.auth.ftm_push": {"server_from_interface": "port99"}},
     "server_from_interface"),
    ("ftm-proxy-too-old", "7.0.12", {"fortifleet.auth.ftm_push": {"proxy": "enable"}}, "proxy"),
    ("ftm-status-choice", "7.4.8", {"fortifleet.auth.ftm_push": {"status": "on"}}, "status"),
    # fortitoken / fortitoken_license
    ("ftk-bad-serial", "7.4.4", {"fortifleet.auth.fortitoken": {"serials": ["FTK-BAD"]}}, "serials"),
    ("ftk-lower-serial", "7.4.4", {"fortifleet.auth.fortitoken": {"serials": ["ftkmob0123456789"]}}, "serials"),
    ("ftk-serial-slash", "7.4.4", {"fortifleet.auth.fortitoken": {"serials": ["FTKMOB01/../../x"]}}, "serials"),
    ("ftk-duplicate", "7.4.4", {"fortifleet.auth.fortitoken": {"serials": ["FTKMOB0123456789"] * 2}}, "serials"),
    ("ftk-bad-code", "7.4.4", {"fortifleet.auth.fortitoken": {"serials": ["FTKMOB0123456789"],
                                                              "license_code": "1234-5678"}}, "license_code"),
    ("ftk-mobile-no-code", "7.4.4", {"fortifleet.auth.fortitoken": {"serials": ["FTKMOB0123456789"]}},
     "license_code"),
    ("ftk-state-choice", "7.4.4", {"fortifleet.auth.fortitoken": {"serials": ["FTKMOB0123456789"],
                                                                  "state": "activated"}}, "state"),
    ("lic-bad-code", "7.4.4", {"fortifleet.auth.fortitoken_license": {"license_code": "ZZZZ-0000-0000-0000"}},
     "license_code"),
    ("lic-code-and-trial", "7.4.4", {"fortifleet.auth.fortitoken_license": {
        "license_code": "0000-0000-0000-0000-0001", "trial": True}}, "license_code"),
    ("lic-nothing", "7.4.4", {"fortifleet.auth.fortitoken_license": {}}, "license_code"),
    # ems_connector
    ("ems-bad-server", "7.4.4", {"fortifleet.auth.ems_connector": {"name": "ems01", "server": "ems..example"}},
     "server"),
    ("ems-port-0", "7.4.4", {"fortifleet.auth.ems_connector": {"name": "ems01", "https_port": 0}}, "https_port"),
    ("ems-name-hostile", "7.4.4", {"fortifleet.auth.ems_connector": {"name": "ems\"; exec", "server": "10.0.0.5"}},
     "name"),
    ("ems-fingerprint", "7.4.4", {"fortifleet.auth.ems_connector": {"name": "ems01", "verify_certificate": True,
                                                                    "expected_fingerprint": "not-a-fingerprint"}},
     "expected_fingerprint"),
    ("ems-unknown-ca", "7.4.4", {"fortifleet.auth.ems_connector": {"name": "ems01", "verifying_ca": "No_Such_CA"}},
     "verifying_ca"),
    # fleet_report
    ("report-hosts-type", "7.4.4", {"fortifleet.auth.fleet_report": {"hosts": "all"}}, "hosts"),
    # issue 14: connection variables, secrets, control characters, allow-all in pieces, files that are not files
    ("conn-ca-path-missing", "7.4.4", {"fortifleet.auth.fortigate_info": {"ca_path": "/nonexistent/ca.pem"}},
     "ca_path"),
    ("conn-port-65536", "7.4.4", {"fortifleet.auth.fortigate_info": {"port": 65536}}, "port"),
    ("conn-timeout-0", "7.4.4", {"fortifleet.auth.fortigate_info": {"timeout": 0}}, "timeout"),
    ("conn-host-space", "7.4.4", {"fortifleet.auth.fortigate_info": {"host": "fgt 01"}}, "host"),
    ("conn-token-newline", "7.4.4", {"fortifleet.auth.fortigate_info": {"access_token": "Sekr3tTok3nValue\n"}},
     "access_token"),
    ("conn-token-space", "7.4.4", {"fortifleet.auth.fortigate_info": {"access_token": "Sekr3t Tok3nValue"}},
     "access_token"),
    ("api-admin-password-newline", "7.6.5", {"fortifleet.auth.api_user": {"name": "a", "vdoms": ["root"],
                                                                          "admin_password": "AdminPassw0rd!\n"}},
     "admin_password"),
    ("api-union-any-v4", "7.4.4", {"fortifleet.auth.api_user": {
        "name": "a", "trusthost": ["0.0.0.0/1", "128.0.0.0/1"]}}, "trusthost"),
    ("api-union-any-v6", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "trusthost": ["::/1", "8000::/1"]}},
     "trusthost"),
    ("api-comments-control", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "comments": "ok\x07bell"}},
     "comments"),
    ("api-key-file-device", "7.4.4", {"fortifleet.auth.api_user": {"name": "a", "regenerate_key": True,
                                                                   "key_file": "/dev/null"}}, "key_file"),
    ("ftm-server-newline", "7.4.8", {"fortifleet.auth.ftm_push": {"server": "203.0.113.9\nset status disable"}},
     "server"),
    ("ems-server-newline", "7.4.4", {"fortifleet.auth.ems_connector": {"name": "ems01",
                                                                       "server": "10.0.0.5\nset status disable"}},
     "server"),
    ("ems-name-nul", "7.4.4", {"fortifleet.auth.ems_connector": {"name": "ems\x00x", "server": "10.0.0.5"}},
     "name"),
    ("lic-code-newline", "7.4.4", {"fortifleet.auth.fortitoken_license": {
        "license_code": "DA8C-0508-1F31-4CF7-C990\n"}}, "license_code"),
    ("lic-memory-device", "7.4.4", {"fortifleet.auth.fortitoken_license": {"trial": True,
                                                                           "memory_file": "/dev/null"}},
     "memory_file"),
    ("fleet-port-65536", "7.4.4", {"fortifleet.auth.fleet": {"port": 65536, "areas": ["ftm_push"]}}, "port"),
]
# The secret each case carries: never in its message nor anywhere in the output.
SECRETS = {"conn-token-newline": "Sekr3tTok3nValue", "conn-token-space": "Tok3nValue",
           "api-admin-password-newline": "AdminPassw0rd!", "lic-code-newline": "DA8C-0508-1F31-4CF7-C990"}
ROLE_CASES = [
    ("role-ftm-status", "7.4.4", "ftm_push", {"ftm_push_status": "on"}, "ftm_push_status"),
    ("role-api-mode", "7.4.4", "api_access", {"api_access_user": "a", "api_access_trusthost_mode": "merge"},
     "api_access_trusthost_mode"),
    ("role-ftk-codes", "7.4.4", "fortitoken", {"fortitoken_license_codes": "DA8C-0508-1F31-4CF7-C990"},
     "fortitoken_license_codes"),
    ("role-preflight", "7.4.4", "preflight", {"preflight_fail_on_error": "sometimes"}, "preflight_fail_on_error"),
]


fleet = fleet_fixture(devices=9, scenario="healthy", profile="mixed")


def test_every_invalid_input_fails_before_any_write(fleet, tmp_path):
    hosts = dict((d["version"], d["name"]) for d in fleet.devices())
    tasks = []
    for case, version, task, dummy in CASES:
        entry = dict(task, name=case, register="r_" + case.replace("-", "_"), ignore_errors=True)
        entry["when"] = "inventory_hostname == '%s'" % hosts[version]
        tasks.append(entry)
    for case, version, role, role_vars, dummy in ROLE_CASES:
        tasks.append({"name": case, "when": "inventory_hostname == '%s'" % hosts[version], "block": [
            {"ansible.builtin.include_role": {"name": "fortifleet.auth." + role}, "vars": role_vars}],
            "rescue": [{"ansible.builtin.set_fact": {"r_" + case.replace("-", "_"): "{{ ansible_failed_result }}"}}]})
    names = ["r_" + c[0].replace("-", "_") for c in CASES + ROLE_CASES]
    collect = "{" + ", ".join("'%s': %s | default(None)" % (n, n) for n in names) + "}"
    tasks.append({"ansible.builtin.copy": {"content": "{{ %s | to_json }}" % collect,
                                           "dest": str(tmp_path) + "/{{ inventory_hostname }}.json"},
                  "check_mode": False})
    play = [{"hosts": ",".join(sorted(set(hosts[c[1]] for c in CASES + ROLE_CASES))), "gather_facts": False,
             "tasks": tasks}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    fleet.clear_audit()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", fleet.inventory,
                           str(tmp_path / "play.yml")], capture_output=True, text=True, env=ansible_env())
    assert "Traceback" not in proc.stdout + proc.stderr
    results = {}
    for name in os.listdir(tmp_path):
        if name.endswith(".json"):
            results.update(dict((k, v) for k, v in yaml.safe_load((tmp_path / name).read_text()).items()
                                if v and not v.get("skipped")))
    problems = []
    for case, version, task_or_role, *rest in CASES + ROLE_CASES:
        field = rest[-1]
        result = results.get("r_" + case.replace("-", "_"))
        if not result or not result.get("failed"):
            problems.append("%s: did not fail: %s" % (case, result))
        elif field not in result.get("msg", ""):
            problems.append("%s: message does not name %s: %s" % (case, field, result.get("msg")))
        if case in SECRETS and SECRETS[case] in json.dumps(result):
            problems.append("%s: the secret is echoed: %s" % (case, result))
    assert problems == []
    for case, secret in SECRETS.items():
        assert secret not in proc.stdout + proc.stderr, case
    assert len(CASES) + len(ROLE_CASES) >= 71
    assert [r for r in fleet.audit() if r["write"]] == []
