# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fortifleet.auth contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs fortifleet.auth.merge_reports in the controller, where the slices' report directories are."""

from __future__ import annotations

from ansible_collections.fortifleet.auth.plugins.module_utils._report import merge_reports as logic
from ansible_collections.fortifleet.auth.plugins.plugin_utils._launcher import FortiFleetAction


class ActionModule(FortiFleetAction):
    LOGIC = logic
