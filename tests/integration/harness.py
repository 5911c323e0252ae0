"""Run real ansible-playbook against the emulator and collect per-host results."""
import json
import os
import subprocess
import sys
import textwrap

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The ansible-core under test is the one installed beside the Python that runs pytest (every test takes
# ansible-playbook from this directory): `make integration CORE=2.21` runs the suite from .venv-core221.
BIN = os.path.dirname(sys.executable)


def ansible_core_version():
    out = subprocess.run([os.path.join(BIN, "ansible-playbook"), "--version"], capture_output=True, text=True)
    first = (out.stdout or out.stderr).splitlines()[:1]
    return first[0] if first else "ansible-playbook not found in %s" % BIN


class PlaybookRun(object):
    def __init__(self, proc, results):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.results = results

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return "PlaybookRun(rc=%s)\n%s\n%s" % (self.rc, self.stdout[-4000:], self.stderr[-2000:])


def ansible_env(extra=None):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(ROOT, ".build"),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCAL_TEMP": os.path.join(ROOT, ".cache", "ansible-tmp"),
        "ANSIBLE_HOME": os.path.join(ROOT, ".cache", "ansible-home"),
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
    })
    env.pop("FORTIOS_ACCESS_TOKEN", None)
    env.update(extra or {})
    return env


def run_playbook(tmp_path, inventory, tasks, hosts="fortigates", args=(), env=None, play_vars=None,
                 timeout=600):
    """Run ``tasks`` (YAML text or list) on ``hosts``; each task may ``register: out``.

    Every host's ``out`` is written to a JSON file (even when the task failed)
    and returned as ``run.results[host]``.
    """
    out_dir = tmp_path / "results"
    out_dir.mkdir(exist_ok=True)
    if isinstance(tasks, str):
        tasks = yaml.safe_load(textwrap.dedent(tasks))
    play = [{
        "name": "integration test",
        "hosts": hosts,
        "gather_facts": False,
        "vars": dict(play_vars or {}),
        "tasks": [{
            "block": tasks,
            "always": [{
                "name": "save result",
                "ansible.builtin.copy": {"content": "{{ out | default({}) | to_json }}",
                                         "dest": str(out_dir) + "/{{ inventory_hostname }}.json"},
                "check_mode": False,
                "diff": False,
                "no_log": True,
            }],
        }],
    }]
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    cmd = [os.path.join(BIN, "ansible-playbook"), "-i", str(inventory), str(playbook)] + list(args)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(env), timeout=timeout,
                          cwd=str(tmp_path))
    results = {}
    for name in os.listdir(out_dir):
        with open(os.path.join(out_dir, name)) as handle:
            results[name[:-5]] = json.load(handle)
    return PlaybookRun(proc, results)
