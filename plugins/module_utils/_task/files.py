# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files the collection writes on the controller.

Internal API of fortifleet.auth: may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import stat
import tempfile

# Free space a file write needs at least (a key is a few dozen bytes; the temporary file and the
# filesystem's own blocks need more than that).
MIN_FREE_BYTES = 64 * 1024


def atomic_write(path, text, mode=0o600):
    """Write ``text`` with ``mode`` set before any byte lands: a crash leaves the old file or the new one."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path)[:64], suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    fsync_directory(directory)


def fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def not_a_regular_file(path):
    """Why ``path`` cannot be (re)written as a regular file, or None. Absent is fine; a symlink is judged by
    what it points to (a dangling one counts as absent)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        return "%s cannot be examined (%s)" % (path, exc.strerror or exc)
    if stat.S_ISREG(info.st_mode):
        return None
    kind = ("a directory" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode)
            else "a device node" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
    return "%s is %s, not a regular file: give the path of a file (it is replaced atomically)" % (path, kind)


def writable_path(path):
    """Whether ``path`` can be (re)written: its directory exists and is writable, and it is not a directory."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    return not os.path.isdir(path) and os.path.isdir(directory) and os.access(directory, os.W_OK)


def _limit(directory, name, default):
    try:
        return os.pathconf(directory, name)
    except (OSError, ValueError, AttributeError):  # pragma: no cover - platforms without pathconf
        return default


def prove_writable(path):
    """Why ``path`` cannot be written right now, or None: the checks made BEFORE a step whose output exists only
    once (a generated key). Proves it the only sure way: creates and removes a temporary file beside it, so a
    read-only mount, a full disk (no inode) or an ACL shows now and not after the key was rotated."""
    path = os.path.abspath(os.path.expanduser(path))
    directory = os.path.dirname(path) or "."
    reason = not_a_regular_file(path)
    if reason:
        return reason
    if not os.path.isdir(directory):
        return "its directory %s does not exist" % directory
    name_max = _limit(directory, "PC_NAME_MAX", 255)
    path_max = _limit(directory, "PC_PATH_MAX", 4096)
    # The temporary file's name is longer than the file's own (".<name>.<random>.tmp").
    if len(os.path.basename(path).encode("utf-8")) + 16 > name_max:
        return "the file name is too long for this filesystem (at most %d bytes, less the temporary file's " \
               "extra 16)" % name_max
    if len(path.encode("utf-8")) + 16 > path_max:
        return "the path is too long (at most %d bytes)" % path_max
    try:
        fs = os.statvfs(directory)
    except (OSError, AttributeError):  # pragma: no cover - platforms without statvfs
        fs = None
    if fs is not None and fs.f_bavail * fs.f_frsize < MIN_FREE_BYTES:
        return "the filesystem of %s is full (less than %d KiB free)" % (directory, MIN_FREE_BYTES // 1024)
    try:
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".fortifleet-probe.", suffix=".tmp")
        try:
            os.write(fd, b"probe\n")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(temp)
    except OSError as exc:
        return "a test file cannot be written in %s (%s)" % (directory, exc.strerror or exc)
    return None
