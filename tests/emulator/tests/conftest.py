"""Shared fixtures: one HTTP fleet (mixed profiles) for most tests; devices are reset after use."""

from __future__ import annotations

import http.client
import json
import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fortigate_emulator import versions  # noqa: E402
from fortigate_emulator.testing import running_emulator  # noqa: E402

N = 2 * len(versions.PROFILE_ORDER)


class Api:
    """requests wrapper bound to one emulated device."""

    def __init__(self, emu, name):
        self.emu = emu
        self.name = name
        self.info = emu.device(name)
        self.url = self.info["url"]
        self.version = self.info["version"]
        sec = emu.secrets(name)
        self.key = sec["api_key"]
        self.admin_password = sec["admin_password"]
        self.secrets = sec
        self.s = requests.Session()

    def refresh(self):
        self.info = self.emu.device(self.name)
        self.version = self.info["version"]
        sec = self.emu.secrets(self.name)
        self.key = sec["api_key"]
        self.secrets = sec

    def req(self, method, path, token=None, headers=None, **kw):
        h = {"Authorization": f"Bearer {self.key if token is None else token}"} if token != "" else {}
        h.update(headers or {})
        return self.s.request(method, self.url + path, headers=h, timeout=10, **kw)

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def put(self, path, body, **kw):
        return self.req("PUT", path, json=body, **kw)

    def post(self, path, body=None, **kw):
        return self.req("POST", path, json=body if body is not None else {}, **kw)

    def delete(self, path, **kw):
        return self.req("DELETE", path, **kw)

    def state(self):
        return self.emu.state(self.name)


def raw_request(address, port, method, path, headers=None, source="127.0.0.1", body=None):
    """http.client request from a chosen loopback source address (lock-out tests)."""
    conn = http.client.HTTPConnection(address, port, timeout=10, source_address=(source, 0))
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data, resp


@pytest.fixture(scope="session")
def emu():
    with running_emulator(devices=N, scenario="healthy", profile="mixed", http=True, port="auto",
                          seed=4242, lockout_seconds=2) as e:
        yield e


@pytest.fixture
def device(emu):
    """device(version, scenario='healthy') -> Api; the device is reset at teardown."""
    used = []

    def make(version, scenario="healthy"):
        for d in emu.devices():
            if d["requested_version"] == version and d["name"] not in used:
                used.append(d["name"])
                emu.set_scenario(scenario, d["name"])
                return Api(emu, d["name"])
        raise LookupError(version)

    yield make
    for name in used:
        emu.reset(name)
