# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one config engine: read, normalise, compare, diff, write, re-read.

Internal API of fortifleet.auth: may change in any release.

``plan`` decides what would change; ``ensure_present`` and ``ensure_absent``
use it in check mode and in real runs alike, so ``--check`` predicts exactly
what a real run does. ``changed`` never comes from FortiOS ``revision_changed``
(old firmware lacks it and it hides no-op PUTs).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import re

from ansible_collections.fortifleet.auth.plugins.module_utils._fortios import errors as err

# Keys FortiOS adds to every answer that are not configuration (fortios-api.md §6 / C check mode).
SERVER_ADDED_KEYS = frozenset(["q_origin_key"])
SECRET_PLACEHOLDER = "<hidden>"


class ObjectSpec(object):
    """What the engine needs to know about one cmdb table or singleton."""

    def __init__(self, path, mkey=None, scope=None, canonical=None, secret_keys=(), extra_headers=None):
        self.path = path
        self.mkey = mkey  # hyphenated key field name; None for a singleton
        self.scope = scope  # "global" for objects that live in the global scope
        self.canonical = dict(canonical or {})
        self.secret_keys = frozenset(secret_keys)
        self.extra_headers = extra_headers  # callable(client) -> dict, for writes

    @property
    def singleton(self):
        return self.mkey is None


def hyphenate(value):
    """Option names use underscores, FortiOS uses hyphens: convert dict keys recursively."""
    if isinstance(value, dict):
        return dict((str(k).replace("_", "-"), hyphenate(v)) for k, v in value.items())
    if isinstance(value, list):
        return [hyphenate(v) for v in value]
    return value


def normalise(value):
    """Hyphenate keys and drop server-added keys, recursively."""
    if isinstance(value, dict):
        return dict((str(k).replace("_", "-"), normalise(v)) for k, v in value.items()
                    if k not in SERVER_ADDED_KEYS)
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def default_canonical(value):
    """FortiOS-equivalent values compare equal: trimmed strings, unordered tables."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return dict((k, default_canonical(v)) for k, v in normalise(value).items())
    if isinstance(value, list):
        items = [default_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def space_set(value):
    """Space-separated option lists such as allowaccess: order does not matter."""
    if isinstance(value, (list, tuple)):
        words = [str(v) for v in value]
    else:
        words = str(value or "").split()
    return sorted(set(w.strip('"') for w in words if w.strip('"')))


def canonical(spec, key, value):
    return spec.canonical.get(key, default_canonical)(value)


def changed_keys(spec, current, desired):
    """Keys of ``desired`` whose value differs from ``current`` (both normalised)."""
    current = current or {}
    return sorted(k for k in desired if canonical(spec, k, current.get(k)) != canonical(spec, k, desired[k]))


def masked(spec, obj):
    return dict((k, SECRET_PLACEHOLDER if k in spec.secret_keys and v not in (None, "") else v)
                for k, v in obj.items())


def build_diff(spec, current, desired, label):
    """Before/after of just the keys the user supplied (the vendor collection diffs whole objects, which buries the change)."""
    keys = sorted(desired)
    before = dict((k, (current or {}).get(k)) for k in keys) if current is not None else {}
    after = dict((k, desired[k]) for k in keys)
    return {
        "before": masked(spec, before), "after": masked(spec, after),
        "before_header": label, "after_header": label,
    }


def read(client, spec, mkey=None):
    """The current object, normalised, or None when a table row does not exist."""
    try:
        response = client.get(spec.path, mkey=mkey, scope=spec.scope)
    except err.NotFoundError:
        if spec.singleton:
            raise
        return None
    results = response.results
    if isinstance(results, list):
        if not results:
            return None
        results = results[0]
    return normalise(results) if isinstance(results, dict) else None


def read_table(client, spec, params=None):
    """Every row of a table, normalised."""
    results = client.get(spec.path, scope=spec.scope, params=params).results
    return [normalise(row) for row in (results or []) if isinstance(row, dict)]


_CONTROL = re.compile(u"[\x00-\x1f\x7f]")


def refuse_control_characters(value, field=""):
    """The last line of defence for every config write: a line break in a value is a second CLI command on the
    device and a NUL cuts the value, so no string with a control character is ever sent. Raises InputError naming
    the field (never quoting the value: it may be a secret)."""
    if isinstance(value, dict):
        for key, item in value.items():
            refuse_control_characters(item, "%s.%s" % (field, key) if field else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            refuse_control_characters(item, "%s[%d]" % (field, index))
    elif isinstance(value, str) and _CONTROL.search(value):
        raise err.InputError(field or "value", "contains a line break or another control character, which is "
                                               "never sent to a FortiGate")


def plan(spec, current, desired):
    """What an ensure would do: operation ('create'/'update'/None) and the keys it writes."""
    if current is None:
        return ("create", sorted(desired))
    keys = changed_keys(spec, current, desired)
    return ("update" if keys else None, keys)


def object_label(client, spec, mkey):
    return "%s%s on %s" % (spec.path, "" if mkey is None else "/%s" % mkey, client.label)


def ensure_present(client, spec, desired, check_mode, mkey=None, diff=False, create=True):
    """Make the object hold ``desired`` (only those keys are compared and written).

    With ``create=False`` a missing row is an error (NotFoundError, before any write), not a reason to create it:
    for changes to an object that must already exist, such as a user's two-factor binding.

    Returns a dict with changed, operation, changed_keys, before, after and,
    when ``diff`` is true, the Ansible diff.
    """
    desired = normalise(copy.deepcopy(desired))
    refuse_control_characters(desired)
    if not spec.singleton and mkey is None:
        mkey = desired.get(spec.mkey)
    current = read(client, spec, mkey)
    if current is None and not create:
        raise err.NotFoundError("update", object_label(client, spec, mkey).rsplit(" on ", 1)[0], client.label,
                                "it no longer exists, so it is not created again",
                                hint="Another process deleted it while the task ran.", status=404)
    operation, keys = plan(spec, current, desired)
    result = {"changed": operation is not None, "operation": operation, "changed_keys": keys,
              "before": current}
    if diff:
        result["diff"] = build_diff(spec, current, desired, object_label(client, spec, mkey))
    if operation is None:
        result["after"] = current
        return result
    if check_mode:
        predicted = dict(current or {})
        predicted.update(desired)
        result["after"] = predicted
        return result
    headers = spec.extra_headers(client) if spec.extra_headers else None
    if operation == "create":
        body = dict(desired)
        if not spec.singleton:
            body[spec.mkey] = mkey
        client.post(spec.path, body, scope=spec.scope, headers=headers)
    else:
        client.put(spec.path, dict((k, desired[k]) for k in keys), mkey=mkey, scope=spec.scope, headers=headers)
    after = read(client, spec, mkey)
    left = changed_keys(spec, after, desired) if after is not None else sorted(desired)
    if left:
        raise err.NotAppliedError(
            action="verify", obj=object_label(client, spec, mkey).rsplit(" on ", 1)[0], host=client.label,
            detail="the device accepted the change but still shows other values for %s" % ", ".join(left),
            hint="Another process may have changed it, or the device normalises the value differently; "
                 "read it back and adjust the input.")
    result["after"] = after
    return result


def ensure_absent(client, spec, mkey, check_mode, diff=False):
    """Delete a table row if it exists."""
    current = read(client, spec, mkey)
    result = {"changed": current is not None, "operation": "delete" if current is not None else None,
              "changed_keys": [], "before": current, "after": None}
    if diff:
        label = object_label(client, spec, mkey)
        result["diff"] = {"before": masked(spec, current or {}), "after": {},
                          "before_header": label, "after_header": label}
    if current is not None and not check_mode:
        headers = spec.extra_headers(client) if spec.extra_headers else None
        client.delete(spec.path, mkey, scope=spec.scope, headers=headers)
    return result
