"""Ansible YAML inventory writer (no PyYAML needed: values are JSON-quoted, which is valid YAML)."""

from __future__ import annotations

import json
import os


def q(value) -> str:
    return json.dumps(str(value))


def render(fleet, control_url: str) -> str:
    http = fleet.opts.http
    lines = ["all:", "  vars:",
             "    ansible_connection: local",
             '    ansible_python_interpreter: "{{ ansible_playbook_python }}"']
    if not http:
        lines.append(f"    fortigate_ca_path: {q(os.path.abspath(fleet.tls.ca_path))}")
        lines.append("    fortigate_validate_certs: true")
        lines.append("    fortigate_use_ssl: true")
    else:
        lines.append("    fortigate_validate_certs: false")
        lines.append("    fortigate_use_ssl: false")
    lines.append(f"    fortigate_emulator_control_url: {q(control_url)}")
    lines += ["  children:", "    fortigates:", "      hosts:"]
    for d in fleet.devices:
        lines += [f"        {d.name}:",
                  f"          ansible_host: {q(d.address)}",
                  f"          fortigate_port: {d.port}",
                  f"          fortigate_access_token: {q(d.inventory_token)}",
                  f"          fortigate_admin_password: {q(d.admin_password)}",
                  f"          fortigate_emulator_version: {q(d.version)}",
                  f"          fortigate_emulator_scenario: {q(d.scenario)}",
                  f"          fortigate_serial: {q(d.serial)}",
                  f"          fortigate_hostname: {q(d.hostname())}"]
    return "\n".join(lines) + "\n"


def write(fleet, path: str, control_url: str):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(render(fleet, control_url))
    os.chmod(tmp, 0o600)  # contains secrets
    os.replace(tmp, path)
