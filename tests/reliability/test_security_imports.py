# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What an import may put into the store, by a sender who knows the password (issue 18).

The documents are validly sealed: the seal does not stop a sender who knows the
password, so these are the checks behind it. Identity exports carrying a
certificate that is not the identity's IDC (finding 7), and group configurations
that would take something from a stored membership under ``overwrite=if_newer``
(finding 2).
"""

from __future__ import annotations

import pytest

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup import builders


# --- identity certificates (finding 7) --------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_identity_exports(world):
    """The stranger's export with its key and peer name intact, and each hostile certificate of its key."""
    stranger = world.stranger
    return [
        (case, documents.render_identity_export(stranger.name, stranger.key, cert, world.password, world.seal_key), hresult)
        for case, cert, hresult in builders.hostile_identity_certificates(stranger.key, stranger.name, world.spare_key)
    ]


def test_identity_import_refuses_certificates_that_are_not_the_identitys_idc(world, hostile_identity_exports, tmp_path):
    wrong = []
    for index, (case, data, hresult) in enumerate(hostile_identity_exports):
        target = world.fresh_target(tmp_path / ("target-%d" % index))
        try:
            error, _seconds, before, after = kit.expect_refusal(target, "identity", data, world.cache)
        except AssertionError:
            wrong.append("%s: imported" % case)
            continue
        if error.name != hresult or before != after or world.password in str(error):
            wrong.append("%s: %s, store %s" % (case, error, "unchanged" if before == after else "changed"))
    kit.figure("security.hostile_identity_certificates", len(hostile_identity_exports))
    assert wrong == []


def test_identity_import_accepts_the_genuine_idc(world, tmp_path):
    target = world.fresh_target(tmp_path / "target")
    assert kit.import_document(target, "identity", world.stranger_identity_doc, world.cache)["changed"]
