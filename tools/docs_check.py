#!/usr/bin/env python3
"""After `make docs`: every module, role and playbook has a page, and the findings page lists every finding id."""
import glob
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HTML = os.path.join(ROOT, "docs", "build", "html")


def names(pattern):
    return sorted(os.path.splitext(os.path.basename(p.rstrip("/")))[0] for p in glob.glob(os.path.join(ROOT, pattern)))


def main():
    sys.path.insert(0, os.path.join(ROOT, ".build"))
    from ansible_collections.fortifleet.auth.plugins.module_utils._info import fortigate_info as _fortigate_info  # noqa: F401 (registers)
    from ansible_collections.fortifleet.auth.plugins.module_utils._config.findings import CATALOGUE

    expected = ["index.html", "guide/installing.html", "guide/inventory.html", "guide/findings.html",
                "guide/awx.html", "guide/pipelines.html", "guide/troubleshooting.html"]
    ref = "collections/fortifleet/auth/"
    expected += [ref + "%s_module.html" % m for m in names("plugins/modules/*.py") if m != "__init__"]
    expected += [ref + "%s_role.html" % r for r in names("roles/*/")]
    expected += ["guide/roles/%s.html" % r for r in names("roles/*/")]
    expected += ["guide/playbooks/%s.html" % p for p in names("playbooks/*.yml")]
    missing = [page for page in expected if not os.path.isfile(os.path.join(HTML, page))]
    with open(os.path.join(HTML, "guide", "findings.html")) as handle:
        findings = handle.read()
    absent = sorted(fid for fid in CATALOGUE if fid not in findings)
    if missing or absent:
        sys.stderr.write("docs_check: pages missing: %s; finding ids missing from the catalogue page: %s\n"
                         % (missing, absent))
        sys.exit(1)
    print("docs: %d pages checked (every module, role and playbook), %d finding ids in the catalogue"
          % (len(expected), len(CATALOGUE)))


if __name__ == "__main__":
    main()
