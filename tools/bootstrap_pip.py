"""Stand-in for ansible-test's pip bootstrap script (get-pip), which it downloads from a host
this project's machines cannot reach. ansible-test runs it with pip's install arguments
(e.g. `--disable-pip-version-check pip==24.2 setuptools wheel`); we seed pip from the
interpreter's own ensurepip, then let that pip install what was asked, from PyPI.
"""
import os
import re
import shutil
import subprocess
import sys


def install_for_ansible_test():
    """Copy this script to where the installed ansible-test looks for its pip bootstrap."""
    import ansible_test._internal.python_requirements as reqs

    with open(reqs.__file__) as handle:
        versions = set(re.findall(r"pip='([0-9.]+)'", handle.read()))
    cache = os.path.expanduser("~/.ansible/test/cache")
    os.makedirs(cache, exist_ok=True)
    for version in versions:
        # Atomically: `make -j2 gates` runs two ansible-test commands that may read it while it is written.
        target = os.path.join(cache, "get_pip_%s.py" % version.replace(".", "_"))
        shutil.copyfile(os.path.abspath(__file__), "%s.%d.tmp" % (target, os.getpid()))
        os.replace("%s.%d.tmp" % (target, os.getpid()), target)


def main():
    if sys.argv[1:] == ["--install-for-ansible-test"]:
        install_for_ansible_test()
        return
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"],
                          stdout=subprocess.DEVNULL)
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q"] + args)


if __name__ == "__main__":
    main()
