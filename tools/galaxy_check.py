#!/usr/bin/env python3
"""The Galaxy gate (`make galaxy`): build the tarball the way Galaxy gets it and judge it.

1. `ansible-galaxy collection build` into .cache/dist/;
2. the tarball holds no dev-only file (the emulator, integration tests, benchmarks, caches, venvs, reports,
   the docs build, ...) and does hold the content;
3. `galaxy-importer` (the importer Galaxy runs; no containers: ansible-test off, no local image) imports it
   with no ERROR and no WARNING line;
4. the tarball installs into an empty collections path and `ansible-doc fortifleet.auth.fortigate_info`
   renders from that installed copy (issue 2, acceptance 3).
"""
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
DIST = os.path.join(ROOT, ".cache", "dist")

# Nothing under these may ship (galaxy.yml build_ignore keeps them out).
FORBIDDEN_PREFIXES = (
    ".venv", ".build/", ".cache/", ".git/", ".ci/", ".pytest_cache/", ".hypothesis/", "benchmarks/",
    "tests/emulator/", "tests/integration/", "tests/browser/", "mk/", "tools/", "fortifleet-report/", "docs/build/",
    "docs/temp-rst/", "context/",
)
FORBIDDEN_FILES = {"Makefile", "pytest.ini", "execution-environment.yml", ".ansible-lint", ".gitignore",
                   "tests/conftest.py"}
REQUIRED = {"MANIFEST.json", "FILES.json", "README.md", "COPYING", "meta/runtime.yml",
            "meta/execution-environment.yml", "changelogs/changelog.yaml", "plugins/modules/fortigate_info.py",
            "playbooks/diagnose.yml", "roles/preflight/meta/argument_specs.yml"}

IMPORTER_CONFIG = """[galaxy-importer]
RUN_ANSIBLE_TEST = False
ANSIBLE_TEST_LOCAL_IMAGE = False
LOCAL_IMAGE_DOCKER = False
RUN_ANSIBLE_DOC = True
RUN_ANSIBLE_LINT = True
OFFLINE_ANSIBLE_LINT = True
CHECK_CHANGELOG = True
RUN_FLAKE8 = False
LOG_LEVEL_MAIN = INFO
ANSIBLE_LOCAL_TMP = {tmp}
"""


def clean_env(**extra):
    """The environment of a user with nothing but the tarball: no work-tree collection, no PYTHONPATH."""
    env = dict(os.environ)
    for key in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH"):
        env.pop(key, None)
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env["ANSIBLE_NOCOLOR"] = "1"
    env.update(extra)
    return env


def fail(message):
    sys.stderr.write("galaxy_check: %s\n" % message)
    sys.exit(1)


def build():
    shutil.rmtree(DIST, ignore_errors=True)
    os.makedirs(DIST)
    subprocess.check_call([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", DIST, ROOT],
                          env=clean_env(), stdout=subprocess.DEVNULL)
    tarballs = glob.glob(os.path.join(DIST, "fortifleet-auth-*.tar.gz"))
    if len(tarballs) != 1:
        fail("expected one tarball in %s, found %s" % (DIST, tarballs))
    return tarballs[0]


def check_members(tarball):
    with tarfile.open(tarball) as tar:
        names = set(m.name.rstrip("/") for m in tar.getmembers())
    leaked = sorted(n for n in names if n.startswith(FORBIDDEN_PREFIXES) or n in FORBIDDEN_FILES
                    or "__pycache__" in n or n.endswith(".pyc"))
    if leaked:
        fail("dev-only files in the tarball (fix build_ignore in galaxy.yml): %s" % ", ".join(leaked[:20]))
    missing = sorted(REQUIRED - names)
    if missing:
        fail("missing from the tarball: %s" % ", ".join(missing))
    print("tarball %s: %d entries, no dev-only files" % (os.path.basename(tarball), len(names)))


def run_importer(tarball, work):
    config = os.path.join(work, "galaxy-importer.cfg")
    with open(config, "w") as handle:
        handle.write(IMPORTER_CONFIG.format(tmp=os.path.join(work, "ansible-tmp")))
    proc = subprocess.run([sys.executable, "-m", "galaxy_importer.main", tarball], capture_output=True, text=True,
                          env=clean_env(GALAXY_IMPORTER_CONFIG=config), cwd=work, timeout=900)
    output = proc.stdout + proc.stderr
    problems = [line for line in output.splitlines() if line.startswith(("ERROR", "WARNING", "Traceback"))]
    if proc.returncode != 0 or problems or "Importer processing completed successfully" not in output:
        sys.stderr.write(output)
        fail("galaxy-importer: rc=%s, %d problem line(s)" % (proc.returncode, len(problems)))
    print("galaxy-importer: imported with no error and no warning")


def install_and_doc(tarball, work):
    path = os.path.join(work, "collections")
    os.makedirs(path)
    env = clean_env(ANSIBLE_COLLECTIONS_PATH=path, ANSIBLE_HOME=os.path.join(work, "ansible-home"))
    subprocess.check_call([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", path,
                           tarball], env=env, stdout=subprocess.DEVNULL)
    proc = subprocess.run([os.path.join(BIN, "ansible-doc"), "fortifleet.auth.fortigate_info"],
                          capture_output=True, text=True, env=env, timeout=300)
    installed = os.path.join(path, "ansible_collections", "fortifleet", "auth")
    if proc.returncode != 0 or "gather_subset" not in proc.stdout or installed not in proc.stdout:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        fail("ansible-doc fortifleet.auth.fortigate_info did not render from the installed tarball")
    print("installed into an empty collections path; ansible-doc fortifleet.auth.fortigate_info renders from it")


def main():
    tarball = build()
    check_members(tarball)
    work = tempfile.mkdtemp(prefix="fortifleet-galaxy-")
    try:
        install_and_doc(tarball, work)
        run_importer(tarball, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
