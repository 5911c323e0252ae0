# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The areas of the collection, defined once.

Internal API of fortifleet.auth: may change in any release.

Every finding, fortigate_info subset, report column and fleet step belongs to one area. ``id`` is what findings,
subsets and reports say; ``role`` is the role that remediates the area, the prefix of its settings
(``ems_connector_server``) and the name the fleet's ``areas`` option takes; ``None`` for an area without a role.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

Area = namedtuple("Area", ["id", "title", "role"])

# Reading order: access first (nothing else is read without it), then system (the others need the version).
AREAS = (
    Area("api_access", "API access", "api_access"),
    Area("system", "System", None),
    Area("ftm_push", "FTM push", "ftm_push"),
    Area("fortitoken", "FortiToken", "fortitoken"),
    Area("ems", "EMS connector", "ems_connector"),
)
IDS = tuple(area.id for area in AREAS)
ROLES = tuple(area.role for area in AREAS if area.role)
BY_ID = dict((area.id, area) for area in AREAS)
BY_ROLE = dict((area.role, area) for area in AREAS if area.role)


def of_role(role):
    """The area id a role (or fleet ``areas`` entry) works on: ems_connector -> ems."""
    return BY_ROLE[role].id
