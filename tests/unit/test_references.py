"""Fact citations in code and docs resolve to docs/reference/ (see docs/reference/README.md).

Code comments cite `fortios-api.md §N` (heading `## N.` of docs/reference/fortios-api.md) and
`troubleshooting.md XN` / `troubleshooting.md X` (heading `### XN.` / `## X.` of
docs/reference/troubleshooting.md), also as lists: `C1/C4`, `C1-C6`, `§4/§6`. The old forms pointed
at fact sheets outside the repository (`facts §N`, `ts XN`, ...) and must not come back.
Plain pytest; needs neither Ansible nor the collection layout, only git for the list of files.
"""
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE = os.path.join(ROOT, "docs", "reference")
API_DOC = "fortios-api.md"
TS_DOC = "troubleshooting.md"

SCANNED_DIRS = ("plugins/", "roles/", "playbooks/", "tests/emulator/", "tools/", "docs/")
SCANNED_FILES = ("README.md",)
EXCLUDED_DIRS = ("docs/reference/", "docs/build/")

# Citations of the fact sheets that lived outside the repository, and paths out of it.
OLD_FORMS = [
    re.compile(r"\bfacts:? §\d"),                   # facts §3, facts: §3
    re.compile(r"\bfacts:? [A-F]\d*\b"),            # facts E, facts C7, facts: F
    re.compile(r"\bts:? §?[A-F]\d*\b"),             # ts C4, ts §D, ts: F, ts B
    re.compile(r"\bts [A-F]{2}\b"),                 # ts DE
    re.compile(r"\bstyle §\d"),                     # the old collection style sheet
    re.compile(r"fortios-api-facts\.md"),
    re.compile(r"troubleshooting-facts\.md"),
    re.compile(r"shared/reference"),
    re.compile(r"\.\./shared"),
    re.compile(r"troubleshooting\.md section [A-F]\b"),  # write `troubleshooting.md B`
]

# New forms. fortios-api.md §4, §4/§6, §1-§3; troubleshooting.md D, C4, C1/C4, C1-C6, B3/B5/B7.
API_CITE = re.compile(r"fortios-api\.md §(\d+(?:\s*[/-]\s*§?\d+)*)")
TS_CITE = re.compile(r"troubleshooting\.md ([A-F]\d{0,2}(?:[/-][A-F]?\d{1,2})*)\b")


def _git(*args):
    return subprocess.run(["git"] + list(args), cwd=ROOT, capture_output=True, check=True).stdout


def _tracked_text_files():
    try:
        top = _git("rev-parse", "--show-toplevel").decode().strip()
        out = _git("ls-files", "-z")
    except (OSError, subprocess.CalledProcessError):
        top, out = None, b""
    if not top or os.path.realpath(top) != os.path.realpath(ROOT):
        pytest.skip("not the git work tree (ansible-test's copy, the tarball): nothing to scan")
    for rel in out.decode("utf-8", "surrogateescape").split("\0"):
        if not rel:
            continue
        if not (rel in SCANNED_FILES or rel.startswith(SCANNED_DIRS)):
            continue
        path = os.path.join(ROOT, rel)
        if not os.path.isfile(path):  # deleted in the work tree, not yet committed
            continue
        with open(path, "rb") as handle:
            data = handle.read()
        if b"\0" in data[:8192]:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        yield rel, text


def _lines(rel_filter):
    for rel, text in _tracked_text_files():
        if rel_filter(rel):
            for number, line in enumerate(text.splitlines(), 1):
                yield rel, number, line


def _headings(name, pattern):
    path = os.path.join(REFERENCE, name)
    if not os.path.isfile(path):
        pytest.fail("docs/reference/%s is missing" % name)
    with open(path, encoding="utf-8") as handle:
        return {m.group(1) for m in re.finditer(pattern, handle.read(), re.M)}


def _api_sections(spec):
    """'4/§6' -> ['4', '6']; '1-§3' -> ['1', '2', '3']."""
    out = []
    for part in re.split(r"\s*/\s*", spec):
        bounds = [b.strip().lstrip("§") for b in part.split("-")]
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit() and int(bounds[0]) <= int(bounds[1]):
            out.extend(str(n) for n in range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            out.extend(bounds)
    return out


def _ts_ids(spec):
    """'C1/C4' -> ['C1', 'C4']; 'C1-C6' -> C1..C6; 'B3/5' -> ['B3', 'B5']; 'D' -> ['D']."""
    out = []
    letter = None
    for part in spec.split("/"):
        ids = []
        for bound in part.split("-"):
            m = re.match(r"([A-F]?)(\d*)$", bound)
            letter = m.group(1) or letter
            ids.append((letter, m.group(2)))
        if len(ids) == 2 and ids[0][0] == ids[1][0] and ids[0][1] and ids[1][1] and int(ids[0][1]) <= int(ids[1][1]):
            out.extend("%s%d" % (ids[0][0], n) for n in range(int(ids[0][1]), int(ids[1][1]) + 1))
        else:
            out.extend(a + b for a, b in ids)
    return out


def _in_scope_for_old_forms(rel):
    return not rel.startswith(EXCLUDED_DIRS)


def test_no_old_form_citations():
    bad = []
    for rel, number, line in _lines(_in_scope_for_old_forms):
        for pattern in OLD_FORMS:
            for m in pattern.finditer(line):
                bad.append("%s:%d: %r" % (rel, number, m.group(0)))
    assert not bad, ("old-form citations (cite docs/reference/ instead: `fortios-api.md §N`, "
                     "`troubleshooting.md XN`; see docs/reference/README.md):\n" + "\n".join(bad))


def test_citations_resolve_to_reference_headings():
    api = _headings(API_DOC, r"^## (\d+)\. ")
    ts = _headings(TS_DOC, r"^## ([A-F])\. ") | _headings(TS_DOC, r"^### ([A-F]\d+)\. ")
    found = 0
    dangling = []
    # docs/reference itself is scanned too: its README's examples must resolve as well.
    for rel, number, line in _lines(lambda rel: not rel.startswith("docs/build/")):
        for m in API_CITE.finditer(line):
            for section in _api_sections(m.group(1)):
                found += 1
                if section not in api:
                    dangling.append("%s:%d: %r (no '## %s.' in docs/reference/%s)"
                                    % (rel, number, m.group(0), section, API_DOC))
        for m in TS_CITE.finditer(line):
            for ident in _ts_ids(m.group(1)):
                found += 1
                if ident not in ts:
                    heading = "## %s." % ident if len(ident) == 1 else "### %s." % ident
                    dangling.append("%s:%d: %r (no '%s' in docs/reference/%s)"
                                    % (rel, number, m.group(0), heading, TS_DOC))
    assert not dangling, "citations of missing reference sections:\n" + "\n".join(dangling)
    assert found > 0, "no `fortios-api.md §N` / `troubleshooting.md XN` citation found: the scan is broken"


def test_reference_sections_are_complete():
    # The numbering is what the code depends on: §1-§7 and A-F, none renumbered or dropped.
    assert _headings(API_DOC, r"^## (\d+)\. ") == {str(n) for n in range(1, 8)}
    assert _headings(TS_DOC, r"^## ([A-F])\. ") == set("ABCDEF")
    subsections = _headings(TS_DOC, r"^### ([A-F]\d+)\. ")
    expected = {"A%d" % n for n in range(1, 8)} | {"B%d" % n for n in range(1, 11)} | {"C%d" % n for n in range(1, 8)} | {"F1"}
    assert subsections == expected
