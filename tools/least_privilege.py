#!/usr/bin/env python3
"""Write docs/least-privilege.md from the access-group data in the code (`--check` fails if it is stale)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "least-privilege.md")

INTRO = """# Least privilege: the access profile each module and role needs

Generated from `plugins/module_utils/_fortios/access_groups.py` by `tools/least_privilege.py` (a unit test keeps it in
step); every HTTP 403 hint of the collection is worded from the same data.

Three rules decide what a REST API administrator (`config system api-user`) may do:

- **The accprofile permission group** of each request (`sysgrp`, `authgrp`, `netgrp`, ...): *read* for a read,
  *read-write* for a write. The groups follow Fortinet's published API library (access group of each endpoint).
- **super_admin itself**: creating or changing an administrator or a REST API administrator, and generating its key,
  succeed only with the `super_admin` profile, even when a custom profile grants read-write everywhere (Fortinet's
  answers in fortinet-ansible-dev/ansible-galaxy-fortios-collection issues #370 and #363, and
  fortinetdev/terraform-provider-fortios issue #331; FortiOS administration guide, "REST API administrator").
  `super_admin` can be given to an api-user only from the CLI, by another super_admin. So the `api_access`
  role (module `api_user`) needs a super_admin token; nothing else does, except re-binding an *administrator's*
  FortiToken (module `fortitoken`), which changes an administrator.
- **scope global**: on a FortiGate with multiple VDOMs, global objects (ftm-push, administrators, api-users, access
  profiles, system global, central management, FortiGuard) need a profile with `set scope global`
  (fortinet-ansible-dev/ansible-galaxy-fortios-collection issue #226). In no-VDOM mode the scope does not matter.

From FortiOS 7.6.5, a change of an administrator or api-user also needs the administrator's password confirmed
(header `X-Admin-Passwd`, issue #409 there): give `admin_password` where the module asks for it.

A least-privilege profile for everything but `api_access`: `sysgrp` read-write (or `sysgrp.cfg`/`sysgrp.admin`
custom, read-write for `ftm_push`), `authgrp` read-write, `netgrp` read-write, `vpngrp` read,
`utmgrp` custom with `endpoint-control` read-write, `scope global` when the unit has VDOMs. For diagnose-only runs
(`--check`, `playbooks/diagnose.yml`) *read* everywhere is enough.
"""


def tables():
    sys.path.insert(0, os.path.join(ROOT, ".build"))
    from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import access_groups as ag
    return ag


def row(ag, what, api, path, method):
    need = ag.permission(api, path, method)
    return "| %s | `%s %s/%s` | `%s` | %s | %s | %s |" % (
        what, method, api, path, need["group"] or "?", need["level"],
        "**yes**" if need["super_admin"] else "no", "yes" if need["global"] else "no")


def render():
    ag = tables()
    out = [INTRO, "## Per module", ""]
    head = ["| What for | Request | Group | Permission | super_admin | scope global (multi-VDOM) |",
            "| --- | --- | --- | --- | --- | --- |"]
    for module in sorted(ag.MODULE_REQUESTS):
        out += ["### `fortifleet.auth.%s`" % module, ""] + head
        out += [row(ag, *request) for request in ag.MODULE_REQUESTS[module]]
        out.append("")
    out += ["## Per role", "", "| Role | Modules | Groups (read-write where a module writes) | super_admin | "
            "scope global (multi-VDOM) |", "| --- | --- | --- | --- | --- |"]
    for role in sorted(ag.ROLE_MODULES):
        needs = [ag.permission(api, path, method) for module in ag.ROLE_MODULES[role]
                 for (dummy, api, path, method) in ag.MODULE_REQUESTS[module]]
        groups = {}
        for need in needs:
            if need["group"] and need["group"] != "any":
                if groups.get(need["group"]) != ag.WRITE:
                    groups[need["group"]] = need["level"]
        out.append("| `%s` | %s | %s | %s | %s |" % (
            role, ", ".join("`%s`" % m for m in ag.ROLE_MODULES[role]) or "none (reads the records)",
            ", ".join("`%s` %s" % (g, groups[g]) for g in sorted(groups)) or "none",
            "**yes**" if any(n["super_admin"] for n in needs) else "no",
            "yes" if any(n["global"] for n in needs) else "no"))
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    from generated_doc import write_or_check  # tools/ is sys.path[0] when run as a script
    write_or_check(DOC, render(), sys.argv[1:], "tools/least_privilege.py")
