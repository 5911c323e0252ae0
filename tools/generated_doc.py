"""Write a generated docs page, or with --check fail when the committed page differs (shared by the doc tools)."""
import os
import sys


def write_or_check(path, text, argv, tool):
    """``argv`` == ["--check"]: exit 0 when ``path`` holds ``text``, else say it is stale; otherwise write it."""
    if argv == ["--check"]:
        with open(path) as handle:
            sys.exit(0 if handle.read() == text else "%s is stale: run %s" % (os.path.relpath(path), tool))
    with open(path, "w") as handle:
        handle.write(text)
