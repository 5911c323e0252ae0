#!/usr/bin/env python3
"""Write docs/findings.md from the findings catalogue in the code (`--check` fails if it is stale)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "findings.md")


def catalogue():
    sys.path.insert(0, os.path.join(ROOT, ".build"))
    from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info as _fortigate_info  # noqa: F401 (registers)
    from ansible_collections.fortifleet.auth.plugins.module_utils._config.findings import AREAS, CATALOGUE
    return AREAS, CATALOGUE


def render():
    areas, cat = catalogue()
    out = ["# Findings catalogue", "",
           "Every finding id that fortifleet.auth can emit (generated from the code by "
           "`tools/findings_doc.py`; a unit test keeps it in step). `{placeholders}` are filled in per "
           "device. *Auto-fix* says whether remediation fixes it without a human.", ""]
    for area in areas:
        ids = sorted(fid for fid, spec in cat.items() if spec["area"] == area)
        if not ids:
            continue
        out += ["## %s" % area, "", "| Id | Severity | Auto-fix | What it means | What is done / what to do |",
                "| --- | --- | --- | --- | --- |"]
        for fid in ids:
            spec = cat[fid]
            out.append("| `%s` | %s | %s | %s | %s |" % (fid, spec["severity"], "yes" if spec["auto_fix"] else "no",
                                                         spec["summary"].replace("|", "\\|"),
                                                         spec["remediation"].replace("|", "\\|")))
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    from generated_doc import write_or_check  # tools/ is sys.path[0] when run as a script
    write_or_check(DOC, render(), sys.argv[1:], "tools/findings_doc.py")
