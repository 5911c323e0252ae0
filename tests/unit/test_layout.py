"""The layout is the architecture: README's Design map matches the tree, and module X has its logic in X.py."""
import importlib
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS = os.path.join(ROOT, "plugins")
MODULE_UTILS = os.path.join(PLUGINS, "module_utils")
COLLECTION = "ansible_collections.fortifleet.auth.plugins"
# ansible-test units runs on a copy of what the collection ships: the dev-only folders (tools/, tests/integration/,
# tests/emulator/) are only in the work tree.
IN_WORK_TREE = os.path.exists(os.path.join(ROOT, ".git"))


def module_names():
    return sorted(name[:-3] for name in os.listdir(os.path.join(PLUGINS, "modules"))
                  if name.endswith(".py") and name != "__init__.py")


@pytest.mark.parametrize("name", module_names())
def test_module_x_runs_the_logic_file_x_through_its_action_plugin_and_its_main(name):
    action = importlib.import_module("%s.action.%s" % (COLLECTION, name)).ActionModule
    module = importlib.import_module("%s.modules.%s" % (COLLECTION, name))
    logic = action.LOGIC
    assert logic.__name__.startswith(COLLECTION + ".module_utils._") and logic.__name__.endswith("." + name)
    assert module.logic is logic  # main() runs the very same file
    for export in ("ARGUMENT_SPEC", "MODULE_KWARGS", "run"):
        assert hasattr(logic, export), (logic.__name__, export)


def design_rows():
    path = os.path.join(ROOT, "README.md")
    if not os.path.exists(path):
        pytest.skip("README.md is not in this copy")
    with open(path) as handle:
        text = handle.read()
    design = text[text.index("## Design"):]
    design = design[:design.index("\n## ", 4)]
    rows = {}
    for line in design.splitlines():
        match = re.match(r"^\| `([^`]+)` \| (.*) \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    assert rows, "README's Design section has no folder map"
    return rows


def test_every_folder_of_the_design_map_exists_and_names_only_existing_files():
    for folder, owns in design_rows().items():
        base = os.path.join(PLUGINS, folder) if folder.startswith("module_utils/") else os.path.join(ROOT, folder)
        if not IN_WORK_TREE and not folder.startswith(("module_utils/", "plugins/", "roles/", "playbooks/")):
            continue
        assert os.path.exists(base), folder
        if folder.startswith("module_utils/"):
            for named in re.findall(r"`([a-z_]+\.py)`", owns):
                assert os.path.exists(os.path.join(base, named)), "%s names %s, which does not exist" % (folder, named)


def test_every_module_utils_package_and_file_is_on_the_design_map():
    rows = design_rows()
    for package in sorted(os.listdir(MODULE_UTILS)):
        directory = os.path.join(MODULE_UTILS, package)
        if not os.path.isdir(directory) or package == "__pycache__":
            continue
        key = "module_utils/%s/" % package
        assert key in rows, "%s is missing from README's Design map" % key
        for name in sorted(os.listdir(directory)):
            if name.endswith(".py") and name != "__init__.py":
                assert "`%s`" % name in rows[key], "%s%s is missing from README's Design map" % (key, name)


def test_module_utils_has_only_private_packages():
    loose = [name for name in os.listdir(MODULE_UTILS) if name.endswith(".py") and name != "__init__.py"]
    assert loose == [], "put %s in the package that owns it (README, Design)" % loose
    assert all(name.startswith("_") for name in os.listdir(MODULE_UTILS)
               if os.path.isdir(os.path.join(MODULE_UTILS, name)) and name != "__pycache__")


@pytest.mark.parametrize("name", module_names())
def test_every_library_a_module_imports_is_in_its_documented_requirements(name):
    """A module whose code imports netaddr says so (fortigate_info's ftm_push subset needs it)."""
    import subprocess
    import sys
    code = ("import importlib, sys; importlib.import_module('%s.modules.%s'); "
            "print(' '.join(m for m in ('requests', 'netaddr') if m in sys.modules))" % (COLLECTION, name))
    base = os.path.dirname(list(importlib.import_module("ansible_collections").__path__)[0])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([base] + sys.path))
    imported = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env=env).stdout.split()
    documented = importlib.import_module("%s.modules.%s" % (COLLECTION, name)).DOCUMENTATION
    at = documented.find("\nrequirements:")
    requirements = documented[at:].split("\n", 3)[2] if at >= 0 else ""
    # requests is imported behind a guard (a missing one is reported when a request is made); netaddr is not.
    for library in imported if requirements else [lib for lib in imported if lib != "requests"]:
        assert library in requirements, "%s imports %s but documents: %s" % (name, library, requirements.strip())
