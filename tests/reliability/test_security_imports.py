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

import datetime
from typing import NamedTuple

import pytest

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup import builders


# --- identity certificates (finding 7) --------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_identity_exports(world):
    """The stranger's export with its key and peer name intact, and each hostile certificate of its key."""
    stranger = world.stranger
    return [
        (case, documents.render_identity_export(stranger.name, stranger.key, cert, world.seal_key), hresult)
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


# --- overwrite=if_newer (finding 2) -----------------------------------------------------------


class Replacement(NamedTuple):
    stored: object  # the MembershipRecord in the target
    document: bytes
    downgrades: list  # what replacing the stored configuration gives up


@pytest.fixture(scope="module")
def replacements(world):
    """Stored memberships from two days ago, and documents issued now that start later than them."""
    past = datetime.datetime.now(datetime.timezone.utc) - 2 * kit.DAY
    owner, member = world.owner, world.member
    stored_owner = world.membership_record(world.config(owner, [world.root_cert, world.issue(owner, ["administrator"], now=past)], group_key=True))
    stored_member = world.membership_record(world.config(member, [world.root_cert, world.issue(member, ["member"], now=past)]))
    stored_inviter = world.membership_record(
        world.config(member, [world.root_cert, world.issue(member, ["member", "inviting-member"], now=past)])
    )
    inviter_gmc = world.issue(member, ["inviting-member"])
    demoted_owner = world.issue(owner, ["member"], issuer=inviter_gmc, issuer_key=member.key)
    remade_root = certs.make_group_root(world.group_key, world.group)
    cases = {
        # The review's case: an inviting member seals a newer member GMC for the owner's key, without the group key.
        "inviting-member-demotes-owner": Replacement(
            stored_owner, world.render(world.config(owner, [world.root_cert, inviter_gmc, demoted_owner])), ["issuer", "roles", "group_key"]
        ),
        "fewer-roles-same-issuer": Replacement(
            stored_inviter, world.render(world.config(member, [world.root_cert, world.issue(member, ["member"])])), ["roles"]
        ),
        "ends-earlier": Replacement(
            stored_owner,
            world.render(world.config(owner, [world.root_cert, world.issue(owner, ["administrator"], lifetime=30 * kit.DAY)], group_key=True)),
            ["expiry"],
        ),
        "another-group-root": Replacement(
            stored_owner,
            world.render(world.config(owner, [remade_root, world.issue(owner, ["administrator"], issuer=remade_root)], group_key=True)),
            ["group_root"],
        ),
        "another-issuer-same-roles": Replacement(
            stored_member,
            world.render(world.config(member, [world.root_cert, world.owner_gmc,
                                               world.issue(member, ["member"], issuer=world.owner_gmc, issuer_key=owner.key)])),
            ["issuer"],
        ),
    }
    renewals = {
        "owner-renewal-without-the-group-key": Replacement(
            stored_owner, world.render(world.config(owner, [world.root_cert, world.issue(owner, ["administrator"])])), ["group_key"]
        ),
        "member-renewal-same-roles": Replacement(
            stored_member, world.render(world.config(member, [world.root_cert, world.issue(member, ["member"])])), []
        ),
        "member-renewal-more-roles": Replacement(
            stored_member, world.render(world.config(member, [world.root_cert, world.issue(member, ["member", "inviting-member"])])), []
        ),
    }
    return cases, renewals


def _membership(path, record):
    return [
        entry for entry in kit.logical_content(path)["memberships"]
        if (entry["identity_peer_name"], entry["group_peer_name"]) == (record.identity_peer_name, record.group_peer_name)
    ]


def test_if_newer_never_gives_up_anything_of_the_stored_membership(world, replacements, tmp_path):
    cases, _renewals = replacements
    wrong = []
    for case, replacement in sorted(cases.items()):
        target = world.fresh_target(tmp_path / case, memberships=(replacement.stored,))
        try:
            error, _seconds, before, after = kit.expect_refusal(target, "config", replacement.document, world.cache, overwrite="if_newer")
        except AssertionError:
            wrong.append("%s: imported" % case)
            continue
        named = [code for code in ("group_root", "issuer", "roles", "expiry") if "%s: " % code in error.message]
        expected = [code for code in replacement.downgrades if code != "group_key"]
        if error.name != "PEER_E_ALREADY_EXISTS" or before != after or named != expected:
            wrong.append("%s: %s (store %s)" % (case, error, "unchanged" if before == after else "changed"))
    kit.figure("security.if_newer_downgrades_refused", len(cases))
    assert wrong == []


def test_if_newer_takes_renewals_and_keeps_the_group_key(world, replacements, tmp_path):
    _cases, renewals = replacements
    for case, replacement in sorted(renewals.items()):
        target = world.fresh_target(tmp_path / case, memberships=(replacement.stored,))
        result = kit.import_document(target, "config", replacement.document, world.cache, overwrite="if_newer")
        stored = _membership(target, replacement.stored)[0]
        assert result["changed"] and "chain" in result["changed_fields"], case
        assert result["downgrades"] == [] and "group_key" not in result["changed_fields"], case
        assert result["group_key_kept"] == (replacement.downgrades == ["group_key"]), case
        assert stored["group_key"] == replacement.stored.group_key, case
        assert result["owner"] == (replacement.stored.group_key is not None), case


def test_always_replaces_and_reports_what_it_gave_up(world, replacements, tmp_path):
    cases, _renewals = replacements
    for case, replacement in sorted(cases.items()):
        target = world.fresh_target(tmp_path / case, memberships=(replacement.stored,))
        result = kit.import_document(target, "config", replacement.document, world.cache, overwrite="always")
        assert result["changed"] and result["downgrades"] == replacement.downgrades, case
        assert not result["group_key_kept"], case
        stored = _membership(target, replacement.stored)[0]
        # The PKCS#7 keeps its own order; the store keeps the chain root first.
        assert set(stored["chain"]) == set(documents.parse_group_config(replacement.document).open(world.cache).chain), case
        assert (stored["group_key"] is None) == ("group_key" in replacement.downgrades or replacement.stored.group_key is None), case
