"""`make` alone (or `make help`) says what the README's two commands and the other targets do."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.skipif(not os.path.exists(os.path.join(ROOT, "Makefile")) or not shutil.which("make"),
                    reason="the Makefile is only in the work tree")
@pytest.mark.parametrize("args", [[], ["help"]])
def test_make_help_lists_the_two_commands(args):
    out = subprocess.run(["make", "-s", "-C", ROOT] + args, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    for target in ("make demo", "make test", "make bench"):
        assert target in out.stdout
