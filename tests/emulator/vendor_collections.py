#!/usr/bin/env python3
"""Fetch an old release of the vendor's ``fortinet.fortios`` collection for one emulator fidelity check.

Test-only tool: the collection is never a dependency of ``fortifleet.auth``.

Galaxy is not reachable from our machines, but the ``ansible`` package on PyPI
bundles ``fortinet.fortios`` and the collections its httpapi connection needs.
This script downloads that wheel once (``pip download --no-deps``, nothing is
installed), extracts only the collections listed in ``COLLECTIONS`` into
``<cache>/collections/ansible_collections/...`` and prints the collections
directory, which is what ``ANSIBLE_COLLECTIONS_PATH`` should point at.

Pinned: ansible 10.7.0 = fortinet.fortios 2.3.8, the last release that puts the token in the URL
(?access_token=, fortios-api.md §7), which FortiOS 7.4.5+ refuses by default; run by .venv's ansible-core.
The current collection (fortinet.fortios 2.6.0, ansible 14.5.0) is not fetched here: the fidelity test and
the benchmark baseline run it from its own venv (.venv-vendor, requirements-vendor.txt).

Exit codes: 0 ok (path printed on stdout); 3 the wheel could not be downloaded
(PyPI unreachable; the reason is on stderr); 1 anything else.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ANSIBLE_VERSION = "10.7.0"
COLLECTIONS = ("fortinet/fortios", "ansible/netcommon", "ansible/utils")
EXIT_DOWNLOAD_FAILED = 3

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO_ROOT / ".cache" / "vendor"


def _wheel_path(cache: Path, version: str = ANSIBLE_VERSION) -> Path:
    return cache / f"ansible-{version}-py3-none-any.whl"


def _stamp_path(collections_dir: Path) -> Path:
    return collections_dir / ".extracted.json"


def _wanted_stamp(version: str = ANSIBLE_VERSION) -> dict:
    return {"ansible": version, "collections": list(COLLECTIONS)}


def download(cache: Path, version: str = ANSIBLE_VERSION) -> Path:
    wheel = _wheel_path(cache, version)
    if wheel.is_file() and zipfile.is_zipfile(wheel):
        return wheel
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
           "--timeout", "20", "--retries", "2",
           "--only-binary=:all:", f"ansible=={version}", "-d", str(cache)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not wheel.is_file():
        out = proc.stderr + proc.stdout
        tail = " | ".join(out.strip().splitlines()[-5:])
        msg = f"pip download ansible=={version} failed (rc={proc.returncode}): {tail}"
        if any(sign in out for sign in NETWORK_SIGNS):
            raise DownloadError(msg)
        raise RuntimeError(msg)  # reachable but failed: a real error, not a reason to skip
    return wheel


# pip's wording when the index cannot be reached (it then also says "No matching distribution")
NETWORK_SIGNS = ("NewConnectionError", "ConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                 "Could not fetch URL", "Temporary failure in name resolution", "Name or service not known",
                 "Network is unreachable", "Connection refused", "ProxyError", "SSLError")


class DownloadError(RuntimeError):
    """The package index could not be reached."""


def extract(wheel: Path, collections_dir: Path, version: str = ANSIBLE_VERSION) -> None:
    prefixes = tuple(f"ansible_collections/{c}/" for c in COLLECTIONS)
    parent = collections_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="collections-", dir=parent))
    try:
        with zipfile.ZipFile(wheel) as zf:
            members = [n for n in zf.namelist() if n.startswith(prefixes)]
            for c in COLLECTIONS:
                if f"ansible_collections/{c}/MANIFEST.json" not in members:
                    raise RuntimeError(f"{wheel.name} has no collection {c}")
            for name in members:
                # zip-slip guard: every member stays below tmp
                target = (tmp / name).resolve()
                if not str(target).startswith(str(tmp.resolve()) + os.sep):
                    raise RuntimeError(f"unsafe path in wheel: {name}")
                zf.extract(name, tmp)
        _stamp_path(tmp).write_text(json.dumps(_wanted_stamp(version)))
        if collections_dir.exists():
            shutil.rmtree(collections_dir)
        tmp.rename(collections_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def ensure(cache: Path = DEFAULT_CACHE, version: str = ANSIBLE_VERSION) -> Path:
    """Return the collections directory, downloading/extracting if needed."""
    collections_dir = cache / ("collections" if version == ANSIBLE_VERSION else f"collections-{version}")
    stamp = _stamp_path(collections_dir)
    try:
        if json.loads(stamp.read_text()) == _wanted_stamp(version):
            return collections_dir
    except (OSError, ValueError):
        pass
    extract(download(cache, version), collections_dir, version)
    return collections_dir


def collection_versions(collections_dir: Path) -> dict:
    out = {}
    for c in COLLECTIONS:
        manifest = collections_dir / "ansible_collections" / c / "MANIFEST.json"
        out[c.replace("/", ".")] = json.loads(manifest.read_text())["collection_info"]["version"]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                    help="cache directory (default: <repo>/.cache/vendor)")
    ap.add_argument("--legacy", action="store_true",
                    help=f"accepted for compatibility: ansible=={ANSIBLE_VERSION} is the only release fetched")
    ap.add_argument("--versions", action="store_true",
                    help="also print the collection versions on stderr")
    args = ap.parse_args(argv)
    try:
        path = ensure(args.cache.resolve(), ANSIBLE_VERSION)
    except DownloadError as exc:
        print(f"vendor_collections: {exc}", file=sys.stderr)
        return EXIT_DOWNLOAD_FAILED
    if args.versions:
        print(json.dumps(collection_versions(path)), file=sys.stderr)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
