"""The findings catalogue in docs/ lists exactly the ids the code can emit."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


TOOL = os.path.join(ROOT, "tools", "findings_doc.py")


@pytest.mark.skipif(not os.path.isfile(TOOL), reason="dev tool not in this tree (ansible-test's copy, the tarball)")
def test_findings_doc_is_generated_from_the_code():
    proc = subprocess.run([sys.executable, TOOL, "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_every_emitted_id_is_defined():
    # Ids are only ever built through finding(id), which looks the id up in the catalogue:
    # scan the sources for finding("...") calls and check each against the catalogue.
    import re
    from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info as _fortigate_info  # noqa: F401
    from ansible_collections.fortifleet.auth.plugins.module_utils._config.findings import CATALOGUE
    pattern = re.compile(r'finding\(\s*"([A-Z0-9_]+)"')
    used = set()
    base = os.path.join(ROOT, "plugins", "module_utils")
    for name in os.listdir(base):
        if name.endswith(".py"):
            with open(os.path.join(base, name)) as handle:
                used.update(pattern.findall(handle.read()))
    assert used <= set(CATALOGUE), used - set(CATALOGUE)


def test_status_findings_are_defined():
    from ansible_collections.fortifleet.auth.plugins.module_utils._api_access.diagnosis import STATUS_FINDING, STATUSES
    from ansible_collections.fortifleet.auth.plugins.module_utils._config.findings import CATALOGUE
    assert set(STATUS_FINDING.values()) <= set(CATALOGUE)
    assert set(STATUS_FINDING) == set(STATUSES) - {"ok"}
