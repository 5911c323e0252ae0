#!/usr/bin/env python3
"""The execution-environment gate (`make ee`): a valid ansible-builder build context, no container engine.

1. puts the tarball `make galaxy` built (built here when missing) where execution-environment.yml expects it;
2. `ansible-builder create` writes the build context to .cache/ee-context/;
3. checks the context: Containerfile with the galaxy/builder/final stages, the collection tarball and the
   galaxy requirements in _build/, builder's scripts;
4. installs the tarball into an empty collections path and runs `ansible-builder introspect` on it, which is
   what the image build runs: the collection's meta/execution-environment.yml must yield requests and netaddr.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
DIST = os.path.join(ROOT, ".cache", "dist")
INPUT = os.path.join(ROOT, ".cache", "ee-input", "fortifleet-auth.tar.gz")
CONTEXT = os.path.join(ROOT, ".cache", "ee-context")


def fail(message):
    sys.stderr.write("ee_check: %s\n" % message)
    sys.exit(1)


def env():
    out = dict(os.environ)
    for key in ("ANSIBLE_COLLECTIONS_PATH", "PYTHONPATH"):
        out.pop(key, None)
    out["PATH"] = BIN + os.pathsep + out.get("PATH", "")
    return out


def tarball():
    found = glob.glob(os.path.join(DIST, "fortifleet-auth-*.tar.gz"))
    if not found:
        os.makedirs(DIST, exist_ok=True)
        subprocess.check_call([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", DIST,
                               ROOT], env=env(), stdout=subprocess.DEVNULL)
        found = glob.glob(os.path.join(DIST, "fortifleet-auth-*.tar.gz"))
    os.makedirs(os.path.dirname(INPUT), exist_ok=True)
    shutil.copyfile(sorted(found)[-1], INPUT)
    return INPUT


def create():
    shutil.rmtree(CONTEXT, ignore_errors=True)
    subprocess.check_call([os.path.join(BIN, "ansible-builder"), "create", "-f",
                           os.path.join(ROOT, "execution-environment.yml"), "--context", CONTEXT,
                           "--output-filename", "Containerfile"], env=env(), cwd=ROOT, stdout=subprocess.DEVNULL)
    with open(os.path.join(CONTEXT, "Containerfile")) as handle:
        containerfile = handle.read()
    for needle in ("FROM base AS galaxy", "FROM base AS builder", "FROM base AS final",
                   "ansible-galaxy collection install", "introspect.py introspect",
                   "ansible-execution-environment=true"):
        if needle not in containerfile:
            fail("Containerfile lacks %r" % needle)
    build = os.path.join(CONTEXT, "_build")
    if not os.path.isfile(os.path.join(build, "collections", "fortifleet-auth.tar.gz")):
        fail("the collection tarball is not in the build context")
    with open(os.path.join(build, "requirements.yml")) as handle:
        requirements = yaml.safe_load(handle)
    if requirements != {"collections": [{"name": "collections/fortifleet-auth.tar.gz", "type": "file"}]}:
        fail("unexpected galaxy requirements in the build context: %r" % requirements)
    for script in ("assemble", "introspect.py", "check_galaxy", "check_ansible", "entrypoint"):
        if not os.path.isfile(os.path.join(build, "scripts", script)):
            fail("build context lacks _build/scripts/%s" % script)
    print("ansible-builder create: valid build context in %s" % os.path.relpath(CONTEXT, ROOT))


def introspect(path):
    work = tempfile.mkdtemp(prefix="fortifleet-ee-")
    try:
        subprocess.check_call([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", work,
                               path], env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = os.path.join(work, "requirements.txt")
        subprocess.check_call([os.path.join(BIN, "ansible-builder"), "introspect", work, "--write-pip", out],
                              env=env(), stdout=subprocess.DEVNULL)
        with open(out) as handle:
            names = set(line.split(">")[0].split("=")[0].strip() for line in handle if line.strip()
                        and not line.startswith("#"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if names != {"requests", "netaddr"}:
        fail("introspection of the installed collection gave %s, expected requests and netaddr" % sorted(names))
    print("ansible-builder introspect: the collection asks for requests and netaddr")


def main():
    path = tarball()
    create()
    introspect(path)


if __name__ == "__main__":
    main()
