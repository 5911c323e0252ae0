"""Throughput benchmark: start N devices (default 500) and measure simple GETs/s from a concurrent
keep-alive aiohttp client spread over all devices.  Prints `emulator_gets_per_second=<n>`.

    python tests/emulator/bench_throughput.py [--devices 500] [--seconds 8] [--concurrency 64] [--http]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--http", action="store_true")
    a = ap.parse_args()
    t = time.monotonic()
    emu = start_emulator(devices=a.devices, scenario="healthy", http=a.http, port="auto", timeout=120)
    print(f"emulator_start_seconds={time.monotonic() - t:.2f} devices={a.devices}")
    try:
        emu.clear_audit()
        count, errors, elapsed = asyncio.run(run(emu, a.seconds, a.concurrency, not a.http))
    finally:
        emu.stop()
    print(f"requests={count} errors={errors} elapsed={elapsed:.1f}s scheme={'http' if a.http else 'https'}")
    print(f"emulator_gets_per_second={count / elapsed:.0f}")


if __name__ == "__main__":
    main()
