"""Controller CPU per new TLS connection, with and without the shared TLS context (_fortios/transport.py).

    .venv/bin/python benchmarks/tls_context.py [--connections 200] [--json FILE]

Against one emulator device over HTTPS, the client opens ``--connections`` new connections (one request each, the
session closed after it) and the process CPU time per connection is measured for two CA files: the emulator's
one-certificate CA, and a large bundle (requests' certifi bundle with the emulator CA appended, the size of a
system or corporate bundle). "per connection" is what urllib3 does without the shared context: a new SSLContext
and the CA file loaded again. Not a test: tests/integration/test_tls_shared_context.py is.
"""
import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, ".build"))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

import requests  # noqa: E402
from fortigate_emulator.testing import running_emulator  # noqa: E402

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import transport  # noqa: E402
from ansible_collections.fortifleet.auth.plugins.module_utils._fortios.client import FortiOSClient  # noqa: E402


def cpu_per_connection(emu, name, ca_file, connections, shared):
    device = emu.device(name)
    original = transport.mount_shared_context
    if not shared:
        transport.mount_shared_context = lambda session, verify: False
    try:
        client = FortiOSClient(device["address"], port=device["port"], access_token=emu.secrets(name)["api_key"],
                               ca_path=ca_file, label=name, retries=0, timeout=10)
        client.request("GET", "system/status", api="monitor")  # warm-up (and the shared context built)
        client.session.close()
        started = time.process_time()
        for dummy in range(connections):
            client.request("GET", "system/status", api="monitor")
            client.session.close()
        return (time.process_time() - started) * 1000.0 / connections
    finally:
        transport.mount_shared_context = original


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--json")
    args = parser.parse_args()
    results = {"connections": args.connections, "load_before": os.getloadavg()[0]}
    with running_emulator(devices=1, scenario="healthy", port="auto") as emu, tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "bundle.pem")
        with open(big, "wb") as out:
            out.write(open(requests.certs.where(), "rb").read() + b"\n" + open(emu.ca_path, "rb").read())
        name = emu.devices()[0]["name"]
        for label, ca_file in (("one-certificate CA", emu.ca_path), ("large bundle", big)):
            per = cpu_per_connection(emu, name, ca_file, args.connections, shared=False)
            once = cpu_per_connection(emu, name, ca_file, args.connections, shared=True)
            results[label] = {"per_connection_ms": round(per, 2), "shared_ms": round(once, 2),
                              "bundle_bytes": os.path.getsize(ca_file)}
            print("%-20s CPU per new connection: %.2f ms with a context per connection, %.2f ms shared (%d bytes)"
                  % (label, per, once, os.path.getsize(ca_file)))
    results["load_after"] = os.getloadavg()[0]
    print("load average %.1f -> %.1f" % (results["load_before"], results["load_after"]))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
