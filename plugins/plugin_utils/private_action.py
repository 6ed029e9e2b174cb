# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to the collection peernet.peergroup; do not use directly, it may change in any release.
"""The base of the roles' and playbooks' private action plugins."""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class PrivateAction(ActionBase):
    """Checks the task's arguments against ``ARGUMENT_SPEC``, then lets ``decide`` build the result."""

    TRANSFERS_FILES = False
    ARGUMENT_SPEC = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._VALID_ARGS = frozenset(cls.ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        return self.decide(result, args, task_vars)

    def decide(self, result, args, task_vars):
        raise NotImplementedError
