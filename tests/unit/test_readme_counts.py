"""README's tested figures are counted from the tests themselves, so they cannot go stale."""
import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BAD_INPUT = os.path.join(ROOT, "tests", "integration", "test_bad_input.py")

# ansible-test units runs on a copy of what the collection ships: tests/integration is only in the work tree.
pytestmark = pytest.mark.skipif(not os.path.exists(BAD_INPUT), reason="tests/integration is not shipped")


def bad_input_cases():
    """len(CASES) + len(ROLE_CASES) of tests/integration/test_bad_input.py, read without importing it."""
    with open(BAD_INPUT) as handle:
        tree = ast.parse(handle.read())
    count = 0
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            if any(isinstance(t, ast.Name) and t.id in ("CASES", "ROLE_CASES") for t in node.targets):
                count += len(node.value.elts)
    return count


def readme():
    with open(os.path.join(ROOT, "README.md")) as handle:
        return handle.read()


def test_the_readme_gives_the_real_number_of_bad_inputs():
    count = bad_input_cases()
    assert count > 54
    stated = re.findall(r"\*\*Bad input\.\*\* (\d+) invalid inputs", readme())
    assert stated == [str(count)], "README says %s invalid inputs, tests/integration/test_bad_input.py has %d" % (
        stated, count)
    others = re.findall(r"bad-input table (?:now )?holds (\d+) cases", readme())
    assert all(n == str(count) for n in others), others
