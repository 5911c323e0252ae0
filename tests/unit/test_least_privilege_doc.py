"""docs/least-privilege.md is generated from the access-group data (it cannot drift), and the 403 hints use it."""
import os
import subprocess
import sys

import pytest

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import access_groups as ag

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "least_privilege.py")


@pytest.mark.skipif(not os.path.isfile(TOOL), reason="dev tool not in this tree (ansible-test's copy, the tarball)")
def test_least_privilege_doc_is_generated_from_the_code():
    proc = subprocess.run([sys.executable, TOOL, "--check"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_every_module_and_role_of_the_table_exists():
    for module in ag.MODULE_REQUESTS:
        assert os.path.isfile(os.path.join(ROOT, "plugins", "modules", module + ".py")), module
    for role, modules in ag.ROLE_MODULES.items():
        assert os.path.isdir(os.path.join(ROOT, "roles", role)), role
        assert set(modules) <= set(ag.MODULE_REQUESTS)


@pytest.mark.parametrize("api,path,method,words,absent", [
    ("cmdb", "system/api-user", "POST", ["read-write", "sysgrp.admin", "super_admin", "scope global"], []),
    ("monitor", "system/api-user/generate-key", "POST", ["super_admin"], []),
    ("cmdb", "system/api-user", "GET", ["read permission", "sysgrp.admin", "scope global"], ["super_admin"]),
    ("cmdb", "system/ftm-push", "PUT", ["read-write", "'sysgrp'", "scope global"], ["super_admin"]),
    ("cmdb", "user/fortitoken", "DELETE", ["read-write", "authgrp"], ["super_admin", "scope global"]),
])
def test_permission_text_names_profile_permission_and_scope(api, path, method, words, absent):
    text = ag.permission_text(api, path, method)
    for word in words:
        assert word in text
    for word in absent:
        assert word not in text
