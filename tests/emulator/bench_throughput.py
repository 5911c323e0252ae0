"""Throughput benchmark: start N devices (default 500) and measure simple GETs/s from a concurrent
keep-alive aiohttp client spread over all devices.  Prints `emulator_gets_per_second=<n>`.

    python tests/emulator/bench_throughput.py [--devices 500] [--seconds 8] [--concurrency 64] [--http]

`--per-device K`: as a fleet run does, visit every device once (CONCURRENCY at a time), each on a new connection
(a TLS handshake) carrying K GETs; prints the handshakes and GETs per second, the start time and the RSS:

    python tests/emulator/bench_throughput.py --devices 10000 --per-device 12 --concurrency 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aiohttp  # noqa: E402

from fortigate_emulator.testing import start_emulator  # noqa: E402


async def run(emu, seconds, concurrency, https):
    devs = emu.devices()
    keys = {d["name"]: emu.secrets(d["name"])["api_key"] for d in devs}
    ctx = ssl.create_default_context(cafile=emu.ca_path) if https else None
    conn = aiohttp.TCPConnector(limit=concurrency, limit_per_host=2, ssl=ctx if https else False,
                                keepalive_timeout=60)
    count = 0
    errors = 0
    stop_at = time.monotonic() + seconds

    async with aiohttp.ClientSession(connector=conn) as session:
        async def worker(w):
            nonlocal count, errors
            i = w
            while time.monotonic() < stop_at:
                d = devs[i % len(devs)]
                i += concurrency
                url = d["url"] + "/api/v2/cmdb/system/ftm-push"
                async with session.get(url, headers={"Authorization": "Bearer " + keys[d["name"]]}) as r:
                    await r.read()
                    if r.status == 200:
                        count += 1
                    else:
                        errors += 1
        t0 = time.monotonic()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        elapsed = time.monotonic() - t0
    return count, errors, elapsed


async def run_fleet(emu, concurrency, per_device, https):
    """Every device once: a new connection each, PER_DEVICE GETs on it. Returns (devices, gets, errors, seconds)."""
    import yaml
    with open(emu.inventory) as handle:
        hosts = list(yaml.safe_load(handle)["all"]["children"]["fortigates"]["hosts"].values())
    ctx = ssl.create_default_context(cafile=emu.ca_path) if https else False
    scheme = "https" if https else "http"
    gets = errors = 0
    gate = asyncio.Semaphore(concurrency)

    async def device(host):
        nonlocal gets, errors
        async with gate, aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx, limit=1)) as session:
            url = f"{scheme}://{host['ansible_host']}:{host['fortigate_port']}/api/v2/cmdb/system/ftm-push"
            for _ in range(per_device):
                async with session.get(url, headers={"Authorization": "Bearer " + host["fortigate_access_token"]}) as r:
                    await r.read()
                    if r.status == 200:
                        gets += 1
                    else:
                        errors += 1
    t0 = time.monotonic()
    await asyncio.gather(*(device(h) for h in hosts))
    return len(hosts), gets, errors, time.monotonic() - t0


def rss_mib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--http", action="store_true")
    ap.add_argument("--per-device", type=int, default=0, help="visit every device once, K GETs on a new connection")
    a = ap.parse_args()
    t = time.monotonic()
    emu = start_emulator(devices=a.devices, scenario="healthy", http=a.http, port="auto", timeout=1200)
    print(f"emulator_start_seconds={time.monotonic() - t:.2f} devices={a.devices} "
          f"rss_after_start_mib={rss_mib(emu.proc.pid):.0f}", flush=True)
    if a.per_device:
        try:
            devices, gets, errors, elapsed = asyncio.run(run_fleet(emu, a.concurrency, a.per_device, not a.http))
            print(f"devices={devices} gets={gets} errors={errors} elapsed={elapsed:.1f}s "
                  f"scheme={'http' if a.http else 'https'} concurrency={a.concurrency} load={os.getloadavg()[0]:.1f}")
            print(f"handshakes_per_second={devices / elapsed:.0f} emulator_gets_per_second={gets / elapsed:.0f} "
                  f"emulator_peak_rss_mib={rss_mib(emu.proc.pid, 'VmHWM'):.0f}")
        finally:
            emu.stop()
        return
    try:
        emu.clear_audit()
        count, errors, elapsed = asyncio.run(run(emu, a.seconds, a.concurrency, not a.http))
    finally:
        emu.stop()
    print(f"requests={count} errors={errors} elapsed={elapsed:.1f}s scheme={'http' if a.http else 'https'}")
    print(f"emulator_gets_per_second={count / elapsed:.0f}")


if __name__ == "__main__":
    main()
