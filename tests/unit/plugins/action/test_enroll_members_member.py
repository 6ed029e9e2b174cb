# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The enroll_members member module through main(), and the role's pick of joins over what it returns."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import subprocess
import sys

from ansible_collections.peernet.peergroup.plugins.action.__enroll_members_joins import joins
from ansible_collections.peernet.peergroup.plugins.action.__enroll_members_plan import identity_info
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import groups, identities, invitations
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
from ansible_collections.peernet.peergroup.plugins.modules import __enroll_members_member as member_module
from ansible_collections.peernet.peergroup.tests.unit.plugins.modules.module_runner import run_module


def _apply(plan):
    result = dict(plan.result)
    result.update(plan.apply())
    return result


def _owner(path):
    with Store.open(path) as store:
        owner = _apply(identities.plan_identity_present(store, "owner"))
        return _apply(groups.plan_group_present(store, owner["identity_peer_name"], "farm"))["group_peer_name"]


def _issue(owner_path, info, now=None, renew_days=30):
    with Store.open(owner_path) as store:
        with store.transaction():
            plan = invitations.plan_invitations(store, "farm", [invitations.Invitee(identity_info_xml=info.encode("utf-8"))],
                                                renew_days=renew_days, now=now)
            issued = _apply(plan)
    return [issued]


def _join(member_path, issued):
    for invitation in issued[0]["invitations"]:
        with Store.open(member_path) as store:
            with store.transaction():
                invitations.plan_join(store, invitation["invitation_xml"].encode("utf-8")).apply()


def _private_keys(path):
    with Store.open(path, read_only=True) as store:
        return [record.private_key.hex() for record in store.list_identities()]


def test_check_mode_names_no_identity_and_creates_no_store(capsys, tmp_path):
    path = str(tmp_path / "member")
    checked = run_module(capsys, member_module, dict(store_path=path, classifier="web1"), check_mode=True, diff=True)
    assert checked["changed"] and checked["identity_peer_name"] is None and checked["memberships"] == []
    assert checked["diff"]["after"]["classifier"] == "web1"
    assert not os.path.exists(path)


def _info(result):
    """The PEERIDENTITYINFO the plan writes on the controller from the member module's result."""
    return identity_info(result)


def test_one_process_gives_the_identity_and_the_memberships_held(capsys, tmp_path):
    owner_path, member_path = str(tmp_path / "owner"), str(tmp_path / "member")
    group = _owner(owner_path)
    first = run_module(capsys, member_module, dict(store_path=member_path, classifier="web1"))
    secrets = _private_keys(member_path)
    assert first["changed"] and first["identity_peer_name"].endswith(".web1") and first["memberships"] == []
    with Store.open(member_path, read_only=True) as store:
        assert base64.b64decode(first["identity_certificate"]) == store.get_identity(first["identity_peer_name"]).certificate
    issued = _issue(owner_path, _info(first))
    assert [join["group"] for join in joins(issued, first["identity_peer_name"], first["memberships"])] == [group]
    _join(member_path, issued)

    again = run_module(capsys, member_module, dict(store_path=member_path, classifier="web1"), secrets=secrets)
    assert not again["changed"] and again["identity_peer_name"] == first["identity_peer_name"]
    assert again["identity_certificate"] == first["identity_certificate"]
    # The member holds the very invitation the owner recorded: what the plan compares to leave the owner out.
    invitation = issued[0]["invitations"][0]["invitation_xml"].encode("utf-8")
    assert again["memberships"] == [{"group_peer_name": group, "imported_digest": hashlib.sha256(invitation).hexdigest()}]
    with Store.open(owner_path, read_only=True) as store:
        [record] = store.recorded_inventory()["issued"]
    assert record["invitation_digest"] == again["memberships"][0]["imported_digest"]
    # The re-run: the owner hands back the recorded invitation, which the member holds: nothing to join.
    assert joins(_issue(owner_path, _info(first)), first["identity_peer_name"], again["memberships"]) == []


def test_a_renewed_or_another_invitation_is_joined(capsys, tmp_path):
    owner_path, member_path = str(tmp_path / "owner"), str(tmp_path / "member")
    group = _owner(owner_path)
    first = run_module(capsys, member_module, dict(store_path=member_path, classifier="web1"))
    _join(member_path, _issue(owner_path, _info(first)))
    held = run_module(capsys, member_module, dict(store_path=member_path, classifier="web1"))["memberships"]
    later = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(seconds=5)
    renewed = _issue(owner_path, _info(first), now=later, renew_days=400)
    assert renewed[0]["invitations"][0]["action"] == "renewed"
    assert [join["group"] for join in joins(renewed, first["identity_peer_name"], held)] == [group]
    # An invitation that does not read goes to group_join, which refuses it with its HRESULT.
    broken = [{"invitations": [dict(renewed[0]["invitations"][0], invitation_xml="<nope/>")]}]
    assert [join["invitation_xml"] for join in joins(broken, first["identity_peer_name"], held)] == ["<nope/>"]


def test_a_join_of_the_same_chain_from_other_bytes_records_their_digest_unchanged(tmp_path):
    owner_path, member_path = str(tmp_path / "owner"), str(tmp_path / "member")
    _owner(owner_path)
    with Store.open(member_path) as store:
        created = _apply(identities.plan_identity_present(store, "web1"))
    issued = _issue(owner_path, created["identity_info_xml"])
    data = issued[0]["invitations"][0]["invitation_xml"].encode("utf-8")
    _join(member_path, issued)
    # The same document with other insignificant bytes: the same credential, another digest.
    other = data.replace(b"?>", b"?>\n", 1)
    with Store.open(member_path) as store:
        with store.transaction():
            plan = invitations.plan_join(store, other)
            assert not plan.changed
            plan.apply()
        [membership] = store.list_memberships()
    assert membership.imported_digest == hashlib.sha256(other).hexdigest()


# The member module's decision on a re-run, in a fresh interpreter, then what it loaded.
_RERUN = """
import json, sys
from ansible_collections.peernet.peergroup.plugins.modules.__enroll_members_member import plan_member
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
with Store.open(sys.argv[1], read_only=True) as store:
    assert not plan_member(store, "web1").changed
print(json.dumps(sorted(sys.modules)))
"""


def test_a_rerun_loads_neither_cryptography_nor_lxml(tmp_path):
    # A module process compiles and loads what it imports each time: on a re-run the member costs what stat costs.
    path = str(tmp_path / "member")
    with Store.open(path) as store:
        _apply(identities.plan_identity_present(store, "web1"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    output = subprocess.run([sys.executable, "-c", _RERUN, path], env=env, check=True, stdout=subprocess.PIPE).stdout
    heavy = ("cryptography.x509", "cryptography.hazmat", "lxml.etree", "ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.certs")
    assert [name for name in json.loads(output) if name.startswith(heavy)] == []
