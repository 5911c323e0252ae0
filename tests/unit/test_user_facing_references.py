"""User-facing texts cite only public sources (Fortinet KB numbers, document names), never the project's internal
reference notes: a reader cannot open 'ts B2' or 'fortios-api.md §7'. Scans every finding definition, every string
the plugins can show (error hints, warnings, module docs; docstrings and comments may cite them) and every value of
the roles' and playbooks' YAML."""
import ast
import importlib
import os
import re

import yaml

from ansible_collections.fortifleet.auth.plugins.module_utils._config import findings as fnd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS = os.path.join(ROOT, "plugins")
# The internal references: the notes themselves, their sections, the troubleshooting ids ("ts B2", "X3" as cited).
INTERNAL = re.compile(r"fortios-api(\.md)?\b|troubleshooting\.md|docs/reference|\.\./shared|§\s*\d+"
                      r"|\b[Tt][Ss]\.? ?[A-H]\d+\b")
DIAGNOSES = ("_api_access.diagnosis", "_system.diagnosis", "_ftm_push.diagnosis", "_fortitoken.diagnosis",
             "_ems.diagnosis", "_fortitoken.interrupted")


def internal(text):
    return INTERNAL.findall(text) and INTERNAL.search(text).group(0)


def test_the_pattern_finds_the_internal_references_and_leaves_public_ones():
    assert internal("Remove it from FortiManager (ts B2, KB 194508).") == "ts B2"
    assert internal("see fortios-api.md §7") and internal("troubleshooting.md C4") and internal("(TS A1)")
    assert not internal("Fortinet KB 194508, FortiOS 7.4 Administration Guide, port 4433, FTKMOB1B2")


def test_no_finding_definition_cites_an_internal_reference():
    for module in DIAGNOSES:
        importlib.import_module("ansible_collections.fortifleet.auth.plugins.module_utils." + module)
    assert len(fnd.CATALOGUE) > 30
    bad = ["%s %s: %s" % (fid, field, internal(spec[field])) for fid, spec in sorted(fnd.CATALOGUE.items())
           for field in ("summary", "remediation") if internal(spec[field])]
    assert bad == []


def _docstrings(tree):
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def test_no_string_the_plugins_can_show_cites_an_internal_reference():
    bad = []
    for directory, unused_dirs, files in os.walk(PLUGINS):
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(directory, name)
            with open(path) as handle:
                tree = ast.parse(handle.read())
            docstrings = _docstrings(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                        and internal(node.value):
                    bad.append("%s:%d: %s" % (os.path.relpath(path, ROOT), node.lineno, internal(node.value)))
    assert bad == []


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_no_role_or_playbook_text_cites_an_internal_reference():
    bad = []
    for top in ("roles", "playbooks"):
        for directory, unused_dirs, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if name.endswith((".yml", ".yaml")):
                    with open(os.path.join(directory, name)) as handle:
                        data = yaml.safe_load(handle)
                    bad += ["%s: %s" % (name, internal(t)) for t in _strings(data) if internal(t)]
    assert bad == []
