# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The durable journal of destructive and secret-producing steps, on the controller.

Internal API of fortifleet.auth: may change in any release.

Before a step that can lose something if the run dies half-way (a token re-import that unbinds
users, a key rotation), the caller opens an entry that records what it is about to touch; it updates
the entry as it goes and closes it when the device is back in a complete state. A run that finds an
open entry (any run, diagnose included) knows the device is in the middle of a transaction and what
must be put back.

Layout: one directory (0700), one JSON file per device and kind (0600), named after the device's
serial number (``<serial>.<kind>.json``). The same directory holds the memory of actions done but not confirmed
(``<serial>.unconfirmed-actions``, see below), which is not a transaction and never an open entry. Every write is
atomic (temporary file, fsync, rename, fsync of the directory), so a crash leaves the previous entry or the new
one, never a torn file. No secret is ever stored here: callers pass only names, serials and field values that
FortiOS shows in clear.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import stat
import threading
import time

from ansible_collections.fortifleet.auth.plugins.module_utils._task.files import atomic_write, fsync_directory

ENVIRONMENT_VARIABLE = "FORTIFLEET_JOURNAL_DIR"
FORMAT_VERSION = 1
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class JournalError(Exception):
    """The journal cannot be used (directory missing rights, unreadable entry)."""


def default_directory():
    """``$FORTIFLEET_JOURNAL_DIR``, else ``$XDG_STATE_HOME/fortifleet.auth/journal``
    (``~/.local/state/fortifleet.auth/journal``): outside any installed collection and kept across runs."""
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if configured:
        return os.path.expanduser(configured)
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "fortifleet.auth", "journal")


def ensure_private_directory(directory):
    """Create ``directory`` (and parents) as 0700 if missing; refuse one that is not a writable directory."""
    directory = os.path.abspath(os.path.expanduser(directory))
    if not os.path.isdir(directory):
        try:
            os.makedirs(directory, 0o700)
        except OSError as exc:
            if not os.path.isdir(directory):
                raise JournalError("cannot create %s: %s" % (directory, exc.strerror or exc))
    if not os.access(directory, os.W_OK | os.X_OK):
        raise JournalError("%s is not writable" % directory)
    mode = stat.S_IMODE(os.stat(directory).st_mode)
    if mode & 0o077:
        try:
            os.chmod(directory, 0o700)
        except OSError:
            pass  # not ours (e.g. a shared volume): usable, but files stay 0600
    return directory


def write_json_atomically(path, data):
    """``data`` as JSON at ``path`` (0600) with files.atomic_write: fsync'd, renamed, directory fsync'd."""
    atomic_write(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


class Journal(object):
    """Open entries of one journal directory, keyed by (device serial, kind)."""

    def __init__(self, directory=None):
        self.directory = os.path.abspath(os.path.expanduser(directory or default_directory()))

    def path(self, serial, kind):
        return os.path.join(self.directory, "%s.%s.json" % (_SAFE.sub("_", str(serial)), _SAFE.sub("_", kind)))

    def ensure(self):
        """Create the directory if needed; raises JournalError when it cannot be used."""
        ensure_private_directory(self.directory)
        return self

    def open(self, serial, kind, host, data, step="planned"):
        """Record an intent before the first destructive request; returns the entry."""
        self.ensure()
        entry = {"version": FORMAT_VERSION, "serial": serial, "kind": kind, "host": host, "step": step,
                 "opened": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "data": data}
        self._write(entry)
        return entry

    def update(self, entry, **changes):
        """Record progress (e.g. ``step='delete'``) before the request that makes it."""
        entry.update(changes)
        entry["updated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._write(entry)
        return entry

    def close(self, serial, kind):
        """The transaction is complete (or fully rolled back): forget it durably."""
        path = self.path(serial, kind)
        try:
            os.unlink(path)
        except OSError as exc:
            if os.path.exists(path):
                raise JournalError("cannot remove %s: %s" % (path, exc.strerror or exc))
            return
        fsync_directory(self.directory)

    def read(self, serial, kind):
        """The open entry, or None. An unreadable entry raises JournalError (never silently ignored)."""
        path = self.path(serial, kind)
        if not os.path.exists(path):
            return None
        try:
            with open(path) as handle:
                entry = json.load(handle)
        except (OSError, IOError, ValueError) as exc:
            raise JournalError("the journal entry %s cannot be read (%s): inspect it by hand" % (path, exc))
        if not isinstance(entry, dict) or entry.get("version") != FORMAT_VERSION:
            raise JournalError("the journal entry %s has an unknown format: inspect it by hand" % path)
        return entry

    def open_entries(self, serial):
        """Every open entry of a device, whatever its kind."""
        if not os.path.isdir(self.directory):
            return []
        prefix = "%s." % _SAFE.sub("_", str(serial))
        out = []
        for name in sorted(os.listdir(self.directory)):
            if name.startswith(prefix) and name.endswith(".json"):
                kind = name[len(prefix):-len(".json")]
                entry = self.read(serial, kind)
                if entry is not None:
                    out.append(entry)
        return out

    def entries_of_kind(self, kind):
        """Every readable open entry of one kind, whatever the device (for a device whose serial is unknown)."""
        if not os.path.isdir(self.directory):
            return []
        suffix = ".%s.json" % _SAFE.sub("_", kind)
        out = []
        for name in sorted(os.listdir(self.directory)):
            if name.endswith(suffix) and not name.startswith("."):
                try:
                    entry = self.read(name[:-len(suffix)], kind)
                except JournalError:
                    continue
                if entry is not None:
                    out.append(entry)
        return out

    def _write(self, entry):
        write_json_atomically(self.path(entry["serial"], entry["kind"]), entry)

    # -- actions done on a FortiGate but not confirmed by its re-read ("done, not confirmed") ----------------------
    # An action (verify-cert, activate, provision) is not idempotent, so it must not be sent again on every run
    # just because the device words its state in a way the collection cannot confirm. Each such action is
    # remembered with the evidence it was sent on (device serial, action, object, the state read before it); a
    # later run sends it again only when that evidence changed. One file per device, not ending in .json, so
    # open_entries never takes it for an interrupted transaction. Nothing secret: the key is a hash, the entry holds
    # the action name, the object name and a time.

    def actions_path(self, serial):
        return os.path.join(self.directory, "%s%s" % (_SAFE.sub("_", str(serial)), ACTIONS_SUFFIX))

    def sent_before(self, serial, action, obj, evidence):
        """The entry of the same action sent on the same evidence and not confirmed, or None."""
        return _load_actions(self.actions_path(serial)).get(_action_key(serial, action, obj, evidence))

    def remember(self, serial, action, obj, evidence):
        """Record an unconfirmed action; a failure to record is returned as text (the action itself is done)."""
        path = self.actions_path(serial)
        try:
            self.ensure()
            with _ACTIONS_LOCK:  # the threads of one fleet run: read-modify-write of one device's file
                data = _load_actions(path)
                data[_action_key(serial, action, obj, evidence)] = {
                    "action": action, "object": obj, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                write_json_atomically(path, data)
        except (IOError, OSError, JournalError) as exc:
            return str(exc)
        return None


ACTIONS_SUFFIX = ".unconfirmed-actions"
_ACTIONS_LOCK = threading.Lock()


def _action_key(serial, action, obj, evidence):
    text = json.dumps([serial, action, obj, evidence], sort_keys=True, default=str)
    return hashlib.sha256(("fortifleet:" + text).encode("utf-8")).hexdigest()[:32]


def _load_actions(path):
    try:
        with open(path) as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except (IOError, OSError, ValueError):
        return {}
