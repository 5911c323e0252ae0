"""Command line: `fortigate-emulator serve ...`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys

from aiohttp import web

from . import control, inventory, scenarios, versions
from .server import Fleet, Options
from .tls import TLS_MODES


def _raise_nofile(devices: int):
    """Raise the open-files limit (soft) to the hard limit, and say so when even that is too small.

    The emulator holds one listening socket per device (devices * 1), one per open client connection (a fleet run
    keeps up to its pool size x per-device fan-out of them, more if the client keeps idle connections), the control
    API and a few files: at least devices + 1024 (benchmarks/README.md "The emulator at 10,000 devices")."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    except (ImportError, ValueError, OSError):
        return
    needed = devices + 1024
    if soft != resource.RLIM_INFINITY and soft < needed:
        sys.stderr.write(f"fortigate-emulator: the open-files limit is {soft}, {devices} devices need at least {needed} "
                         "(one listening socket per device plus the client connections): raise the hard limit "
                         "(ulimit -Hn, LimitNOFILE= of a systemd unit, --ulimit nofile= of a container)\n")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fortigate-emulator", description="FortiGate REST API fleet emulator")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="serve a fleet of emulated FortiGates")
    s.add_argument("--devices", type=int, default=3)
    s.add_argument("--scenario", default="healthy",
                   help="healthy | seeds | one of: " + ", ".join(scenarios.SEED_SCENARIOS))
    s.add_argument("--profile", default=versions.DEFAULT_PROFILE,
                   help="FortiOS version profile or 'mixed': " + ", ".join(versions.PROFILE_ORDER))
    s.add_argument("--inventory", default="", help="write an Ansible YAML inventory here (default STATE_DIR/inventory.yml)")
    s.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    s.add_argument("--control-port", type=int, default=0, help="control API port on 127.0.0.1 (default: free port)")
    s.add_argument("--port", type=int, default=10443)
    s.add_argument("--single-address", action="store_true", help="all devices on 127.0.0.1, ports PORT..PORT+N-1")
    s.add_argument("--state-dir", default="")
    s.add_argument("--faults", default="", help="fleet faults as JSON, e.g. '{\"latency_ms\": 50}'")
    s.add_argument("--tls-fault", default="ok", choices=TLS_MODES)
    s.add_argument("--lockout-seconds", type=float, default=60.0)
    s.add_argument("--ha-pairs", default="", help="HA pairs 'PRIMARY-SECONDARY,...' by device index, e.g. 1-2,5-6 "
                   "(ha.py; the seeds fleet pairs its last two healthy devices)")
    s.add_argument("--audit-max", type=int, default=0,
                   help="audit entries kept, oldest dropped first (default 0: 200 per device, at least 200,000)")
    s.add_argument("--shard", default="1/1", metavar="I/N",
                   help="serve only devices i with (i - 1) %% N == I - 1 (run N processes with the same --devices, "
                        "--seed and --port; fortigate_emulator.testing merges their inventories)")
    s.add_argument("--seed", type=int, default=None, help="seed for keys/passwords/codes and random faults")
    sub.add_parser("scenarios", help="list scenarios")
    sub.add_parser("profiles", help="list version profiles")
    return p


async def serve(opts: Options) -> int:
    fleet = Fleet(opts)
    await fleet.start()
    app = control.build_app(fleet)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", opts.control_port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    control_url = f"http://127.0.0.1:{port}"
    inv = os.path.abspath(opts.inventory or os.path.join(opts.state_dir, "inventory.yml"))
    inventory.write(fleet, inv, control_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sys.stdout.write(f"fortigate-emulator ready: devices={len(fleet.devices)} control={control_url} inventory={inv}\n")
    sys.stdout.flush()
    await stop.wait()
    await runner.cleanup()
    await fleet.stop()
    return 0


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.cmd == "scenarios":
        print("\n".join(scenarios.ALL_SCENARIOS + ["seeds"]))
        return 0
    if args.cmd == "profiles":
        print("\n".join(versions.PROFILE_ORDER + ["mixed"]))
        return 0
    try:
        flt = json.loads(args.faults) if args.faults else {}
    except ValueError as exc:
        print(f"--faults: invalid JSON: {exc}", file=sys.stderr)
        return 2
    try:
        shard, shards = (int(x) for x in args.shard.split("/"))
    except ValueError:
        print(f"--shard: expected I/N, got {args.shard!r}", file=sys.stderr)
        return 2
    opts = Options(shard=shard, shards=shards, ha_pairs=args.ha_pairs, devices=args.devices, scenario=args.scenario, profile=args.profile, http=args.http,
                   port=args.port, single_address=args.single_address, state_dir=args.state_dir, faults=flt,
                   tls_fault=args.tls_fault, lockout_seconds=args.lockout_seconds, seed=args.seed,
                   control_port=args.control_port, inventory=args.inventory, audit_max=args.audit_max)
    _raise_nofile(-(-opts.devices // max(1, opts.shards)))
    try:
        return asyncio.run(serve(opts))
    except (ValueError, OSError) as exc:
        print(f"fortigate-emulator: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
