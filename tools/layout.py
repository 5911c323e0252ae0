#!/usr/bin/env python3
"""Lay the repository out as ansible_collections/fortifleet/auth under .build/.

- .build/ansible_collections/fortifleet/auth is a symlink to the work tree, so
  playbooks and unit tests always run the current code;
- $TMPDIR/fortifleet-auth-TAG-HASH/ansible_collections/fortifleet/auth is a real copy
  for ansible-test, which refuses symlinked roots and, inside our git work tree,
  would only see files git tracks. It holds what `ansible-galaxy collection build`
  ships plus the unit tests and sanity settings.
"""
import hashlib
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, ".build")
SKIP = {".git", ".venv", ".venv-core220", ".venv-core221", ".venv-vendor", ".build", ".cache", ".pytest_cache", ".hypothesis", "__pycache__",
        "fortifleet-report", "benchmarks", ".ci", "pytest.ini"}
# Dev-only trees that are not part of the collection (galaxy.yml build_ignore too). mk/ stays: the Makefile
# includes it, and tests/unit/test_makefile.py runs make in the copy.
SKIP_PATHS = {os.path.join("tests", "emulator"), os.path.join("tests", "integration"), os.path.join("tests", "browser"),
              "tools", os.path.join("docs", "build"), os.path.join("docs", "temp-rst")}


def link():
    parent = os.path.join(BUILD, "ansible_collections", "fortifleet")
    os.makedirs(parent, exist_ok=True)
    target = os.path.join(parent, "auth")
    if os.path.islink(target) and os.path.realpath(target) == ROOT:
        return target
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(ROOT, target)
    return target


def copy(tag="sanity"):
    # One copy per work tree and per use (several ansible-core versions may run side by side).
    digest = hashlib.sha1(ROOT.encode()).hexdigest()[:8]
    base = os.path.join(tempfile.gettempdir(), "fortifleet-auth-%s-%s" % (tag, digest))
    dest = os.path.join(base, "ansible_collections", "fortifleet", "auth")
    shutil.rmtree(dest, ignore_errors=True)

    def ignore(directory, names):
        rel = os.path.relpath(directory, ROOT)
        out = set()
        for name in names:
            path = os.path.normpath(os.path.join(rel, name))
            if name in SKIP or path in SKIP_PATHS or name.endswith((".pyc", ".tar.gz")):
                out.add(name)
        return out

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=False)
    return dest


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "link"
    print(link() if what == "link" else copy(*sys.argv[2:3]))
