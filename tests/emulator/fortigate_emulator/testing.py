"""Test helper: run `fortigate-emulator serve` as a subprocess and talk to its control API.

Usage (stable interface, see README):

    from fortigate_emulator.testing import running_emulator

    with running_emulator(devices=3, scenario="seeds", http=False) as emu:
        emu.inventory            # path of the Ansible inventory
        emu.ca_path              # CA bundle (None with http=True)
        emu.control_url          # http://127.0.0.1:P
        emu.devices()            # list of device summaries
        emu.device("fgt-001")    # one summary (url, address, port, version, scenario, serial...)
        emu.state("fgt-001")     # config + runtime (secrets masked)
        emu.secrets("fgt-001")   # api_key, admin_password, inventory_token, license_codes
        emu.audit(name=None, since=0); emu.clear_audit(name=None)
        emu.set_faults({...}, name=None); emu.clear_faults(name=None)
        emu.set_scenario("healthy", name=None); emu.set_tls("expired", name=None)
        emu.approve_ems("fgt-001"); emu.set_config("fgt-001", "system/ftm-push", {...})
        emu.set_runtime("fgt-001", {...}); emu.reset(name=None)
        emu.set_out_of_sync("fgt-002")   # an HA member's 'all' checksum differs (ha.py)

    HA pairs: running_emulator(devices=4, ha_pairs=[(1, 2)]) makes fgt-001 the primary and fgt-002 the secondary
    of one cluster sharing one configuration; a FortiManager-managed unit: scenario "fmg-managed" or
    emu.set_fortimanager("fgt-003").

Only the standard library is used, so it works in any test environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

READY_PREFIX = "fortigate-emulator ready:"


class ControlError(RuntimeError):
    def __init__(self, status, body):
        super().__init__(f"control API answered {status}: {body}")
        self.status = status
        self.body = body


class ControlClient:
    """Tiny client for the control API (plain HTTP on loopback)."""

    def __init__(self, control_url: str, timeout: float = 30.0):
        self.control_url = control_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method, path, data=None):
        body = None if data is None else json.dumps(data).encode()
        req = urllib.request.Request(self.control_url + path, data=body, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise ControlError(exc.code, exc.read().decode(errors="replace")) from None
        return json.loads(raw) if raw else None

    # reads
    def health(self):
        return self._call("GET", "/health")

    def devices(self):
        return self._call("GET", "/devices")

    def device(self, name):
        for d in self.devices():
            if d["name"] == name:
                return d
        raise KeyError(name)

    def state(self, name):
        return self._call("GET", f"/devices/{name}/state")

    def secrets(self, name):
        return self._call("GET", f"/devices/{name}/secrets")

    def audit(self, name=None, since=0):
        base = f"/devices/{name}/audit" if name else "/audit"
        return self._call("GET", f"{base}?since={int(since)}")

    # writes
    def clear_audit(self, name=None):
        return self._call("DELETE", f"/devices/{name}/audit" if name else "/audit")

    def set_faults(self, faults: dict, name=None):
        return self._call("PUT", f"/devices/{name}/faults" if name else "/faults", faults)

    def clear_faults(self, name=None):
        return self._call("DELETE", f"/devices/{name}/faults" if name else "/faults")

    def set_scenario(self, scenario: str, name=None):
        return self._call("PUT", f"/devices/{name}/scenario" if name else "/scenario", {"scenario": scenario})

    def set_tls(self, mode: str, name=None):
        return self._call("PUT", f"/devices/{name}/tls" if name else "/tls", {"mode": mode})

    def approve_ems(self, name, ems=None, approved=True):
        data = {"approved": approved}
        if ems is not None:
            data["ems"] = ems
        return self._call("POST", f"/devices/{name}/ems/approve", data)

    def set_config(self, name, path, data: dict, mkey=None, replace=False, vdom=None):
        url = f"/devices/{name}/config/{path}" + (f"/{mkey}" if mkey is not None else "")
        query = "&".join(q for q in ("replace=1" if replace else "", f"vdom={vdom}" if vdom else "") if q)
        return self._call("PUT", url + ("?" + query if query else ""), data)

    def delete_config(self, name, path, mkey):
        return self._call("DELETE", f"/devices/{name}/config/{path}/{mkey}")

    def set_runtime(self, name, data: dict):
        return self._call("PUT", f"/devices/{name}/runtime", data)

    def reset(self, name=None):
        return self._call("POST", f"/devices/{name}/reset" if name else "/reset")

    # topology helpers (ha.py, scenario fmg-managed)
    def set_out_of_sync(self, name, checksum="0123456789abcdef0123456789abcdef"):
        return self.set_runtime(name, {"ha_checksum": checksum})

    def set_fortimanager(self, name, address="192.0.2.10"):
        return self.set_config(name, "system/central-management", {"type": "fortimanager", "fmg": address})


class Emulator(ControlClient):
    def __init__(self, proc, control_url, inventory, state_dir, ready_line, start_seconds, log_path=None):
        super().__init__(control_url)
        self.proc = proc
        self.log_path = log_path
        self.inventory = inventory
        self.state_dir = state_dir
        self.ready_line = ready_line
        self.start_seconds = start_seconds
        ca = os.path.join(state_dir, "ca.pem")
        self.ca_path = ca if os.path.exists(ca) else None

    def stop(self, timeout=10.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode

    def log_tail(self, max_bytes=4000) -> str:
        """The last bytes of the emulator's stderr log (empty if there is none)."""
        return _tail(self.log_path, max_bytes)


def _tail(path, max_bytes=4000) -> str:
    if not path:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            return fh.read().decode(errors="replace")
    except OSError:
        return ""


def free_port() -> int:
    """A TCP port that is currently free on loopback (used with port="auto")."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_emulator(devices=3, scenario="healthy", profile=None, http=False, port=None, single_address=False,
                   faults=None, tls_fault=None, lockout_seconds=None, seed=None, state_dir=None,
                   inventory=None, extra_args=(), timeout=60.0, python=None, ha_pairs=None) -> Emulator:
    state_dir = state_dir or tempfile.mkdtemp(prefix="fgt-emu-")
    inventory = inventory or os.path.join(state_dir, "inventory.yml")
    cmd = [python or sys.executable, "-m", "fortigate_emulator", "serve", "--devices", str(devices),
           "--scenario", scenario, "--state-dir", state_dir, "--inventory", inventory]
    if profile:
        cmd += ["--profile", profile]
    if http:
        cmd.append("--http")
    if port == "auto":
        port = free_port()
    if port:
        cmd += ["--port", str(port)]
    if single_address:
        cmd.append("--single-address")
    if faults:
        cmd += ["--faults", json.dumps(faults)]
    if tls_fault:
        cmd += ["--tls-fault", tls_fault]
    if lockout_seconds is not None:
        cmd += ["--lockout-seconds", str(lockout_seconds)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if ha_pairs:
        # [(primary index, secondary index), ...] or "1-2,5-6": HA pairs sharing one configuration (ha.py)
        cmd += ["--ha-pairs", ha_pairs if isinstance(ha_pairs, str) else ",".join("%d-%d" % p for p in ha_pairs)]
    cmd += list(extra_args)
    # stderr goes to a file, never to a pipe: nobody drains a pipe while the tests run, and a
    # full pipe would block the emulator's event loop on its next write to stderr.
    os.makedirs(state_dir, exist_ok=True)
    log_path = os.path.join(state_dir, "emulator.log")
    t0 = time.monotonic()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
    line = ""
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 0.2)
        if r:
            line = proc.stdout.readline()
            if line.startswith(READY_PREFIX) or not line:
                break
        if proc.poll() is not None:
            break
    if not line.startswith(READY_PREFIX):
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        raise RuntimeError(f"emulator did not start (exit code {proc.returncode}): {line!r}\n"
                           f"--- tail of {log_path} ---\n{_tail(log_path)}")
    elapsed = time.monotonic() - t0
    fields = dict(tok.split("=", 1) for tok in line[len(READY_PREFIX):].split())
    return Emulator(proc, fields["control"], fields["inventory"], state_dir, line.strip(), elapsed,
                    log_path=log_path)


@contextlib.contextmanager
def running_emulator(**kwargs):
    """Context manager around start_emulator(); stops the subprocess on exit."""
    emu = start_emulator(**kwargs)
    try:
        yield emu
    finally:
        emu.stop()
