# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the import_configs_summary filter on the shapes Ansible registers."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.peernet.peergroup.plugins.filter.__import_configs_summary import import_configs_summary
from ansible_collections.peernet.peergroup.tests.unit.plugins.plugin_utils.import_documents import (
    MEMBER,
    config_document,
    identity_document,
)

IDENTITY = identity_document()
CONFIG = config_document()


def test_registered_loop_and_skipped_batch():
    identity_loop = {"changed": True, "msg": "All items completed",
                     "results": [{"item": IDENTITY, "changed": True, "identity_peer_name": MEMBER}]}
    skipped_batch = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}
    summary = import_configs_summary([IDENTITY, CONFIG], "node1", pending=[IDENTITY], identity_results=identity_loop,
                             config_results=skipped_batch)
    assert summary["imported"] == [IDENTITY["label"]]
    assert summary["unchanged"] == [CONFIG["label"]]


def test_a_skipped_identity_loop_has_no_results():
    skipped_loop = {"changed": False, "skipped": True, "results": []}
    batch = {"changed": True, "configs": [{"changed": True, "changed_fields": ["membership"]}]}
    summary = import_configs_summary([CONFIG], "node1", pending=[CONFIG], identity_results=skipped_loop, config_results=batch)
    assert summary["line"] == "node1: imported 1 (%s (membership)), unchanged 0, refused 0" % CONFIG["label"]


def test_refusal_wins():
    refusal = {"document": IDENTITY["label"], "hresult": "ERROR_INVALID_PASSWORD", "message": "wrong"}
    summary = import_configs_summary([IDENTITY], "node1", refusal=refusal, names={"password": "peergroup_password"})
    assert [(entry["document"], entry["hresult"]) for entry in summary["refused"]] == [(IDENTITY["label"], "ERROR_INVALID_PASSWORD")]
    # A name the caller leaves out keeps the role's.
    assert summary["refused"][0]["hint"] == "Check import_configs_identity_password (peergroup_password when that is not set)."


def test_names_must_be_a_dict():
    with pytest.raises(AnsibleFilterError, match="names as a dict"):
        import_configs_summary([IDENTITY], "node1", names="peergroup_password")


@pytest.mark.parametrize("documents", ["text", [1, 2], None])
def test_anything_but_the_document_list_is_refused(documents):
    with pytest.raises(AnsibleFilterError, match="list of documents"):
        import_configs_summary(documents, "node1")
