# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the import_configs document list: its order, the shapes a document may take,
its public facts and password entry, and when the play stops before touching a host."""

from __future__ import annotations

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.plugin_utils.document_list import (
    describe_sources,
    list_sources,
    listing_problem,
)
from ansible_collections.peernet.peergroup.tests.unit.plugins.plugin_utils.import_documents import GROUP, MEMBER

IDENTITY_FACTS = {"valid": True, "problem": None, "hresult": None, "document_type": "PEERIDENTITYEXPORT",
                  "identity_peer_name": MEMBER, "digest": "e1" * 32}
CONFIG_FACTS = {"valid": True, "problem": None, "hresult": None, "document_type": "PEERGROUPCONFIG",
                "identity_peer_name": MEMBER, "group_peer_name": GROUP, "digest": "c1" * 32, "not_after": "2027-01-01T00:00:00Z"}
EXPIRED_FACTS = dict(CONFIG_FACTS, valid=False, problem="the GMC expired",
                     hresult={"name": "PEER_E_INVALID_TIME_PERIOD", "code": "0x80630091", "value": -2141978479})


def files_reader(texts):
    """read_text over a dict of controller paths; a path not in it is missing."""
    def read_text(path):
        if path not in texts:
            raise PeerError("PEER_E_NOT_FOUND", "no such file on the controller: %s" % path)
        return texts[path]
    return read_text


def facts_by_text(known):
    return lambda text: dict(known[text])


def test_identities_come_first_folder_files_before_listed_documents():
    folder = {"identity": ["/d/a.peeridentity.xml"], "config": ["/d/a.peergroupconfig.xml", "/d/b.peergroupconfig.xml"]}
    sources = list_sources(folder, ["/x/listed.xml"], [{"path": "/x/farm.xml"}])
    assert [(source["kind"], source["path"]) for source in sources] == [
        ("identity", "/d/a.peeridentity.xml"),
        ("identity", "/x/listed.xml"),
        ("config", "/d/a.peergroupconfig.xml"),
        ("config", "/d/b.peergroupconfig.xml"),
        ("config", "/x/farm.xml"),
    ]
    assert [source["label"] for source in sources] == [
        "a.peeridentity.xml", "listed.xml", "a.peergroupconfig.xml", "b.peergroupconfig.xml", "farm.xml"]


def test_inline_documents_keep_their_label_or_get_their_place():
    sources = list_sources({}, [], [{"content": "<one/>", "label": "farm"}, {"content": "<two/>"}])
    assert [(source["label"], source["path"], source["content"]) for source in sources] == [
        ("farm", None, "<one/>"), ("inline config document #2", None, "<two/>")]


@pytest.mark.parametrize("document", [{"path": "/a", "content": "<a/>"}, {"label": "neither"}, 42, ["/a"]])
def test_a_document_of_another_shape_is_invalid_with_e_invalidarg(document):
    [described] = describe_sources(list_sources({}, [document], []), files_reader({}), facts_by_text({}), set())
    assert described["valid"] is False
    assert described["label"] == "identity document #1"
    assert described["reason"] == "identity document #1: E_INVALIDARG (give a controller path, {path: ...} or {content: ...})"


def test_public_facts_of_valid_documents():
    texts = {"/x/member.xml": "<identity/>", "/x/farm.xml": "<config/>"}
    known = {"<identity/>": IDENTITY_FACTS, "<config/>": CONFIG_FACTS}
    identity, config = describe_sources(list_sources({}, ["/x/member.xml"], ["/x/farm.xml"]), files_reader(texts), facts_by_text(known), set())
    assert identity == {"kind": "identity", "label": "member.xml", "path": "/x/member.xml", "content": None, "valid": True,
                        "reason": "member.xml: E_INVALIDARG (unreadable)", "identity": MEMBER, "group": None, "password_key": "",
                        "digest": "e1" * 32, "not_after": None}
    assert config["group"] == GROUP and config["identity"] == MEMBER
    assert config["digest"] == "c1" * 32 and config["not_after"] == "2027-01-01T00:00:00Z"


def test_a_missing_file_is_invalid_with_its_hresult():
    [described] = describe_sources(list_sources({}, [], ["/x/gone.xml"]), files_reader({}), facts_by_text({}), set())
    assert described["valid"] is False
    assert described["reason"] == "gone.xml: PEER_E_NOT_FOUND (no such file on the controller: /x/gone.xml)"


def test_a_document_of_the_other_kind_is_invalid():
    texts = {"/x/swapped.xml": "<config/>"}
    [described] = describe_sources(list_sources({}, ["/x/swapped.xml"], []), files_reader(texts), facts_by_text({"<config/>": CONFIG_FACTS}), set())
    assert described["valid"] is False
    assert described["reason"] == "swapped.xml: E_INVALIDARG (listed as PEERIDENTITYEXPORT but is PEERGROUPCONFIG)"


def test_an_expired_chain_keeps_its_hresult_and_problem():
    texts = {"/x/old.xml": "<old/>"}
    [described] = describe_sources(list_sources({}, [], ["/x/old.xml"]), files_reader(texts), facts_by_text({"<old/>": EXPIRED_FACTS}), set())
    assert described["valid"] is False
    assert described["reason"] == "old.xml: PEER_E_INVALID_TIME_PERIOD (the GMC expired)"


def test_inline_content_must_be_text():
    [described] = describe_sources(list_sources({}, [], [{"content": {"not": "text"}}]), files_reader({}), facts_by_text({}), set())
    assert described["valid"] is False and "must be its text" in described["reason"]


@pytest.mark.parametrize("names, expected", [
    (set(), ""),
    ({"build-farm"}, "build-farm"),
    ({GROUP}, GROUP),
    ({GROUP, "build-farm"}, GROUP),
    ({"other-farm"}, ""),
])
def test_the_group_peer_name_wins_over_the_classifier_for_the_password(names, expected):
    texts = {"/x/farm.xml": "<config/>"}
    [described] = describe_sources(list_sources({}, [], ["/x/farm.xml"]), files_reader(texts), facts_by_text({"<config/>": CONFIG_FACTS}), names)
    assert described["password_key"] == expected


def test_no_document_stops_the_play_except_in_check_mode():
    assert listing_problem([], True, False, "") == "No document to import: documents_dir, identity_documents and group_documents name none."
    assert listing_problem([], True, False, "/srv/docs") == (
        "No document to import: documents_dir, identity_documents and group_documents name none"
        " (/srv/docs holds no *.peeridentity.xml or *.peergroupconfig.xml).")
    assert listing_problem([], True, True, "/srv/docs") is None


def test_invalid_documents_stop_the_play_unless_told_otherwise():
    texts = {"/x/old.xml": "<old/>", "/x/farm.xml": "<config/>"}
    known = {"<old/>": EXPIRED_FACTS, "<config/>": CONFIG_FACTS}
    documents = describe_sources(list_sources({}, [], ["/x/old.xml", "/x/farm.xml", "/x/gone.xml"]), files_reader(texts), facts_by_text(known), set())
    assert listing_problem(documents, True, False, "") == (
        "2 document(s) cannot be imported on any host, nothing was changed: old.xml: PEER_E_INVALID_TIME_PERIOD (the GMC expired);"
        " gone.xml: PEER_E_NOT_FOUND (no such file on the controller: /x/gone.xml)")
    assert listing_problem(documents, False, False, "") is None
    assert listing_problem(documents[1:2], True, False, "") is None
