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

import concurrent.futures
import contextlib
import inspect
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


def _tail(path, max_bytes=4000, offset=0) -> str:
    """The last MAX_BYTES of PATH, none of them before OFFSET."""
    if not path:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(offset, size - max_bytes))
            return fh.read().decode(errors="replace")
    except OSError:
        return ""


def free_port() -> int:
    """A TCP port that is currently free on loopback (used with port="auto")."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


AUTO_PORT_ATTEMPTS = 5


def _port_taken(error):
    return "address already in use" in str(error)


def _on_a_free_port(port, start):
    """``start(port)``, with PORT as given, or for port="auto" on a port free_port() found. That port was free when
    it looked, but another process (a parallel test's connection, whose local port comes from the same ephemeral
    range) can take it, or one of the next ports in single-address mode, before the emulator binds it: then it
    starts again on another port, up to AUTO_PORT_ATTEMPTS times. Any other failure is raised at once."""
    for attempt in range(1, AUTO_PORT_ATTEMPTS + 1):
        try:
            return start(free_port() if port == "auto" else port)
        except RuntimeError as exc:
            if port != "auto" or not _port_taken(exc) or attempt == AUTO_PORT_ATTEMPTS:
                raise


def _spawn(cmd, log_path, deadline):
    """Start the emulator and wait for its ready line until DEADLINE. Returns the process, the line it printed
    (the ready line, or what came instead) and where this start's output begins in LOG_PATH; a process that did
    not get ready is stopped."""
    with open(log_path, "ab") as log:
        log_offset = log.tell()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True)
    line = ""
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
    return proc, line, log_offset


def start_emulator(devices=3, scenario="healthy", profile=None, http=False, port=None, single_address=False,
                   faults=None, tls_fault=None, lockout_seconds=None, seed=None, state_dir=None,
                   inventory=None, extra_args=(), timeout=60.0, python=None, ha_pairs=None, shards=1):
    """One emulator process, or with SHARDS > 1 (or "auto": shards_needed) that many processes serving the fleet
    together (an EmulatorShards, same interface)."""
    if shards == "auto":
        shards = shards_needed(devices)
    if shards > 1:
        return _start_shards(shards, devices=devices, scenario=scenario, profile=profile, http=http, port=port,
                             single_address=single_address, faults=faults, tls_fault=tls_fault,
                             lockout_seconds=lockout_seconds, seed=seed, state_dir=state_dir, inventory=inventory,
                             extra_args=extra_args, timeout=timeout, python=python, ha_pairs=ha_pairs)
    state_dir = state_dir or tempfile.mkdtemp(prefix="fgt-emu-")
    inventory = inventory or os.path.join(state_dir, "inventory.yml")
    cmd = [python or sys.executable, "-m", "fortigate_emulator", "serve", "--devices", str(devices),
           "--scenario", scenario, "--state-dir", state_dir, "--inventory", inventory]
    if profile:
        cmd += ["--profile", profile]
    if http:
        cmd.append("--http")
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
    deadline = t0 + timeout

    def start(chosen):
        proc, line, log_offset = _spawn(cmd + (["--port", str(chosen)] if chosen else []), log_path, deadline)
        if not line.startswith(READY_PREFIX):
            raise RuntimeError(f"emulator did not start (exit code {proc.returncode}): {line!r}\n"
                               f"--- tail of {log_path} ---\n{_tail(log_path, offset=log_offset)}")
        return proc, line

    proc, line = _on_a_free_port(port, start)
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


# -- several processes for one fleet (README "10,000 devices") --------------------------------------------------------

def shards_needed(devices, connections_per_device=1, reserve=1024):
    """How many emulator processes a fleet needs under this machine's open-files hard limit: each process holds one
    listening socket per device it serves plus the client connections to them (a client that keeps one connection
    per device until its run ends needs one more per device)."""
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        return 1
    per_process = max(1, (hard - reserve) // (1 + connections_per_device))
    return max(1, -(-devices // per_process))


def _shard_of(name, shards):
    return (int(name.rsplit("-", 1)[1]) - 1) % shards


def _host_blocks(text):
    """The inventory's host blocks: {name: [lines]} (inventory.py writes 8-space host names, 10-space variables)."""
    blocks, current = {}, None
    lines = text.splitlines()
    start = lines.index("      hosts:") + 1
    for line in lines[start:]:
        if line.startswith("        ") and not line.startswith("         ") and line.rstrip().endswith(":"):
            current = line.strip()[:-1]
            blocks[current] = [line]
        elif current is not None and line.strip():
            blocks[current].append(line)
    return lines[:start], blocks


def merge_inventories(paths, ca_paths, out_path, ca_out):
    """One inventory for the shards: the first one's variables, every shard's hosts in device order, and one CA
    bundle of every shard's CAs (each process made its own)."""
    head, hosts = None, {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            top, blocks = _host_blocks(handle.read())
        head = head or top
        hosts.update(blocks)
    if ca_paths:
        with open(ca_out, "wb") as bundle:
            for ca in ca_paths:
                with open(ca, "rb") as handle:
                    bundle.write(handle.read())
        head = [('    fortigate_ca_path: %s' % json.dumps(os.path.abspath(ca_out)))
                if line.startswith("    fortigate_ca_path:") else line for line in head]
    body = [line for name in sorted(hosts, key=lambda n: int(n.rsplit("-", 1)[1])) for line in hosts[name]]
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write("\n".join(head + body) + "\n")
    os.chmod(tmp, 0o600)  # contains secrets
    os.replace(tmp, out_path)


class EmulatorShards(object):
    """N emulator processes serving one fleet, with the interface of Emulator: device calls go to the device's shard,
    fleet calls to every shard. `seq` numbers are per shard; `audit()` of the fleet is every shard's, ordered by
    arrival time (a device's own entries keep their order)."""

    def __init__(self, shards, inventory, ca_path, state_dir):
        self.shards = shards
        self.procs = [emu.proc for emu in shards]
        self.proc = shards[0].proc
        self.inventory = inventory
        self.ca_path = ca_path
        self.state_dir = state_dir
        self.control_url = shards[0].control_url
        self.control_urls = [emu.control_url for emu in shards]
        self.start_seconds = max(emu.start_seconds for emu in shards)
        self.log_path = shards[0].log_path

    def _for(self, name):
        return self.shards[_shard_of(name, len(self.shards))]

    def _each(self, method, *args, **kwargs):
        return [getattr(emu, method)(*args, **kwargs) for emu in self.shards]

    def __getattr__(self, attr):
        # per-device calls whose first argument is the device's name (state, secrets, approve_ems, set_config, ...)
        if attr.startswith("_") or not hasattr(ControlClient, attr):
            raise AttributeError(attr)

        def call(name, *args, **kwargs):
            return getattr(self._for(name), attr)(name, *args, **kwargs)
        return call

    def health(self):
        parts = self._each("health")
        out = {"status": "ok" if all(p["status"] == "ok" for p in parts) else "degraded", "shards": len(parts)}
        for key in ("devices", "seq", "audit_max", "audit_dropped"):
            out[key] = sum(p.get(key) or 0 for p in parts)
        return out

    def devices(self):
        found = [d for part in self._each("devices") for d in part]
        return sorted(found, key=lambda d: int(d["name"].rsplit("-", 1)[1]))

    def device(self, name):
        return self._for(name).device(name)

    def audit(self, name=None, since=0):
        if name:
            return self._for(name).audit(name, since)
        found = [r for part in self._each("audit", None, since) for r in part]
        return sorted(found, key=lambda r: (r.get("received") or r["time"], r["time"]))

    def _fleet_or_device(method):
        signature = inspect.signature(getattr(ControlClient, method))

        def call(self, *args, **kwargs):
            name = signature.bind(self, *args, **kwargs).arguments.get("name")
            if name is not None:
                return getattr(self._for(name), method)(*args, **kwargs)
            return self._each(method, *args, **kwargs)
        return call

    clear_audit = _fleet_or_device("clear_audit")
    set_faults = _fleet_or_device("set_faults")
    clear_faults = _fleet_or_device("clear_faults")
    set_scenario = _fleet_or_device("set_scenario")
    set_tls = _fleet_or_device("set_tls")
    reset = _fleet_or_device("reset")

    def stop(self, timeout=10.0):
        return [emu.stop(timeout) for emu in self.shards]

    def log_tail(self, max_bytes=4000):
        return "\n".join(emu.log_tail(max_bytes) for emu in self.shards)


def _start_shards(shards, devices, port=None, seed=None, state_dir=None, inventory=None, extra_args=(), **kwargs):
    state_dir = state_dir or tempfile.mkdtemp(prefix="fgt-emu-")
    inventory = inventory or os.path.join(state_dir, "inventory.yml")
    if seed is None:
        seed = int.from_bytes(os.urandom(6), "big")  # one seed for every shard: reproducible together

    def start(i, chosen):
        return start_emulator(devices=devices, port=chosen, seed=seed, state_dir=os.path.join(state_dir, "shard-%d" % i),
                              extra_args=list(extra_args) + ["--shard", "%d/%d" % (i, shards)], **kwargs)

    def start_all(chosen):
        """Every shard on the one port they share; if one fails, the others are stopped."""
        # The shards start side by side (each builds its devices and certificates on its own core when there is one).
        with concurrent.futures.ThreadPoolExecutor(max_workers=shards) as pool:
            futures = [pool.submit(start, i, chosen) for i in range(1, shards + 1)]
        started = [f.result() for f in futures if f.exception() is None]
        failed = [f.exception() for f in futures if f.exception() is not None]
        if failed:
            for emu in started:
                emu.stop()
            raise ([e for e in failed if _port_taken(e)] or failed)[0]  # a taken port first: that one is retried
        return started

    started = _on_a_free_port(port, start_all)
    cas = [emu.ca_path for emu in started if emu.ca_path]
    merge_inventories([emu.inventory for emu in started], cas, inventory, os.path.join(state_dir, "ca.pem"))
    return EmulatorShards(started, inventory, os.path.join(state_dir, "ca.pem") if cas else None, state_dir)
