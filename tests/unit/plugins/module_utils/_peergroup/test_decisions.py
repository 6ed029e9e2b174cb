# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module decisions (plans, identities, groups, configs, inventory) against a real store: each plan, and each refusal."""

from __future__ import annotations

import datetime
import hashlib
import os
import re

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import clock as core_clock
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import groups
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import inventory
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import plans
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.seal import KeyCache
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup.builders import group_config, identity_record

PASSWORD = "unit-test-password-8d1f0c2a9b7e4d3c"
DAY = datetime.timedelta(days=1)


@pytest.fixture(scope="module")
def keys():
    return [certs.generate_key(2048) for _index in range(3)]


@pytest.fixture(scope="module")
def cache():
    # One KeyCache for the module: its memo keeps the scrypt cost to one run per salt.
    return KeyCache(PASSWORD)


@pytest.fixture(scope="module")
def seal_key(cache):
    return cache.new_key()


def _open(path):
    return Store.open(str(path), create=True)


def _store_files(path):
    # The -shm file is SQLite's shared-memory index, rewritten by readers; it holds no state.
    return {
        name: open(os.path.join(path, name), "rb").read()
        for name in sorted(os.listdir(path))
        if not name.endswith("-shm")
    }


@pytest.fixture
def target(tmp_path, keys):
    store = _open(tmp_path / "target")
    store.add_identity(identity_record(keys[0]))
    yield store
    store.close()


def test_identity_present_creates_once(tmp_path):
    with _open(tmp_path / "s") as store:
        plan = identities.plan_identity_present(store, "node", "Node")
        assert plan.changed and plan.result["identity_peer_name"] is None
        assert store.list_identities() == []
        created = plan.apply()
        assert created["identity_peer_name"].endswith(".node")
        assert b"PEERIDENTITYINFO" in created["identity_info_xml"].encode()
        again = identities.plan_identity_present(store, "node", "Node")
        assert not again.changed
        assert again.result["identity_peer_name"] == created["identity_peer_name"]
        assert identities.plan_identity_present(store, "node", "Other").changed


def test_identity_friendly_name_renames_in_place(tmp_path, keys):
    with _open(tmp_path / "s") as store:
        created = identities.plan_identity_present(store, "node", "Node").apply()["identity_peer_name"]
        key_before = store.get_identity(created).private_key
        rename = identities.plan_identity_present(store, "node", "Renamed")
        assert rename.changed
        assert (rename.diff_before["friendly_name"], rename.diff_after["friendly_name"]) == ("Node", "Renamed")
        assert rename.result["identity_peer_name"] == created
        assert [record.friendly_name for record in store.list_identities()] == ["Node"]  # nothing before apply
        rename.apply()
        [record] = store.list_identities()
        assert (record.peer_name, record.friendly_name, record.private_key) == (created, "Renamed", key_before)
        # No friendly name keeps the one set; the same one changes nothing.
        assert not identities.plan_identity_present(store, "node").changed
        assert not identities.plan_identity_present(store, "node", "Renamed").changed
        # Removal by classifier finds it whatever its friendly name.
        identities.plan_identity_absent(store, classifier="node").apply()
        assert store.list_identities() == []


def test_identity_classifier_shared_by_several_needs_the_friendly_name(tmp_path, keys):
    with _open(tmp_path / "s") as store:
        ours = identities.plan_identity_present(store, "node", "Ours").apply()["identity_peer_name"]
        theirs = identity_record(keys[1], classifier="node")._replace(friendly_name="Theirs")
        store.add_identity(theirs)
        assert identities.plan_identity_present(store, "node", "Ours").result["identity_peer_name"] == ours
        assert identities.plan_identity_present(store, "node", "Theirs").result["identity_peer_name"] == theirs.peer_name
        for call in (lambda: identities.plan_identity_present(store, "node", "Third"),
                     lambda: identities.plan_identity_absent(store, classifier="node")):
            with pytest.raises(PeerError) as error:
                call()
            assert error.value.name == "E_INVALIDARG" and ours in error.value.message
        assert len(store.list_identities()) == 2


def test_identity_absent_refuses_with_groups(tmp_path):
    with _open(tmp_path / "s") as store:
        name = identities.plan_identity_present(store, "node").apply()["identity_peer_name"]
        groups.plan_group_present(store, name, "crew").apply()
        with pytest.raises(PeerError) as error:
            identities.plan_identity_absent(store, peer_name=name)
        assert error.value.name == "PEER_E_GROUPS_EXIST"
        identities.plan_identity_absent(store, peer_name=name, force=True).apply()
        assert store.list_identities() == [] and store.list_memberships() == []


def test_group_friendly_name_is_kept_when_omitted_and_reset_by_empty(tmp_path):
    with _open(tmp_path / "s") as store:
        name = identities.plan_identity_present(store, "node").apply()["identity_peer_name"]
        created = groups.plan_group_present(store, name, "crew")
        assert created.diff_after["group_friendly_name"] == "crew"
        created.apply()
        groups.plan_group_present(store, name, "crew", friendly_name="Test lab").apply()
        assert not groups.plan_group_present(store, name, "crew").changed
        [record] = store.list_memberships()
        assert record.group_friendly_name == "Test lab"
        reset = groups.plan_group_present(store, name, "crew", friendly_name="")
        assert reset.changed and reset.diff_after["group_friendly_name"] == "crew"


def test_group_present_is_idempotent_and_verifiable(tmp_path):
    with _open(tmp_path / "s") as store:
        name = identities.plan_identity_present(store, "owner").apply()["identity_peer_name"]
        check = groups.plan_group_present(store, name, "crew", scope="site-local")
        assert check.changed and store.list_memberships() == []
        group = check.apply()["group_peer_name"]
        again = groups.plan_group_present(store, name, "crew", scope="site-local")
        assert not again.changed and again.result["group_peer_name"] == group
        held = inventory.store_inventory(store)
        membership = held["memberships"][0]
        assert membership["roles"] == ["administrator"] and membership["owner"]
        assert membership["chain_verified"], membership["chain_problem"]
        assert groups.plan_group_present(store, name, "crew", scope="link-local").changed


START = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def _timed_group(store, lifetime_days):
    """An owner and its group ``crew`` whose GMC starts at START and lasts ``lifetime_days``."""
    owner = identities.plan_identity_present(store, "owner").apply()["identity_peer_name"]
    groups.plan_group_present(store, owner, "crew", gmc_lifetime_days=lifetime_days, now=START).apply()
    return owner


def test_gmc_lifetime_days_sets_the_end_of_a_new_gmc(tmp_path):
    with _open(tmp_path / "s") as store:
        _timed_group(store, 10)
        [membership] = inventory.store_inventory(store, now=START)["memberships"]
        assert membership["not_before"] == "2030-01-01T00:00:00Z" and membership["not_after"] == "2030-01-11T00:00:00Z"
        assert membership["days_left"] == 10 and membership["chain_verified"]
        for days in (0, 36501):
            with pytest.raises(PeerError) as error:
                groups.plan_group_present(store, store.list_identities()[0].peer_name, "crew", gmc_lifetime_days=days, now=START)
            assert error.value.name == "PEER_E_INVALID_TIME_PERIOD"


def test_renew_days_renews_only_inside_the_window(tmp_path):
    with _open(tmp_path / "s") as store:
        owner = _timed_group(store, 60)
        outside = groups.plan_group_present(store, owner, "crew", gmc_lifetime_days=60, renew_days=30, now=START + 29 * DAY)
        assert not outside.changed and not outside.result["renewed"]
        inside = groups.plan_group_present(store, owner, "crew", gmc_lifetime_days=60, renew_days=30, now=START + 31 * DAY)
        assert inside.changed and inside.result["renewed"]
        renewed = inside.apply()["membership"]
        assert renewed["not_before"] == "2030-02-01T00:00:00Z" and renewed["not_after"] == "2030-04-02T00:00:00Z"
        assert not groups.plan_group_present(store, owner, "crew", renew_days=30, now=START + 31 * DAY).changed
        assert not groups.plan_group_present(store, owner, "crew", renew_days=0, now=START + 59 * DAY).changed


def test_an_expired_gmc_fails_verification_and_counts_negative_days(tmp_path):
    with _open(tmp_path / "s") as store:
        _timed_group(store, 10)
        [membership] = inventory.store_inventory(store, now=START + 11 * DAY)["memberships"]
        assert not membership["chain_verified"] and membership["days_left"] == -1
        assert membership["chain_problem"].startswith("PEER_E_")


def test_every_default_now_is_the_clock(tmp_path, monkeypatch):
    """Without ``now``, the decisions read the time through clock.utcnow only."""
    with _open(tmp_path / "s") as store:
        owner = _timed_group(store, 10)
        monkeypatch.setattr(core_clock, "utcnow", lambda: START + 11 * DAY)
        [membership] = inventory.store_inventory(store)["memberships"]
        assert not membership["chain_verified"] and membership["days_left"] == -1
        renewal = groups.plan_group_present(store, owner, "crew", gmc_lifetime_days=10)
        assert renewal.result["renewed"]
        assert renewal.apply()["membership"]["not_before"] == "2030-01-12T00:00:00Z"


_READS_THE_TIME = re.compile(r"datetime\.(now|utcnow|today)\(|date\.today\(|time\.time\(")


def test_only_the_clock_reads_the_time():
    core = os.path.dirname(core_clock.__file__)
    readers = [
        name for name in sorted(os.listdir(core))
        if name.endswith(".py") and name != "clock.py"
        and _READS_THE_TIME.search(open(os.path.join(core, name), encoding="utf-8").read())
    ]
    assert readers == []


def test_group_present_refuses_unknown_creator(tmp_path):
    with _open(tmp_path / "s") as store:
        with pytest.raises(PeerError) as error:
            groups.plan_group_present(store, "0." + "x", "crew")
        assert error.value.name == "PEER_E_NOT_FOUND"


def test_import_then_reimport_without_kdf(target, keys, seal_key):
    data = documents.render_group_config(group_config(keys[0], keys[1]), seal_key)
    fresh = KeyCache(PASSWORD)
    plan = configs.plan_group_config_import(target, data, fresh)
    assert plan.changed and plan.result["changed_fields"] == ["membership"]
    assert target.list_memberships() == []
    plan.apply()
    again_cache = KeyCache(PASSWORD)
    again = configs.plan_group_config_import(target, data, again_cache, overwrite="always")
    assert not again.changed
    assert again_cache.derivations == 0


def test_inventory_shows_the_digest_of_the_imported_document(target, keys, cache, seal_key):
    data = documents.render_group_config(group_config(keys[0], keys[1]), seal_key)
    configs.plan_group_config_import(target, data, cache).apply()
    owner = identities.plan_identity_present(target, "owner").apply()["identity_peer_name"]
    groups.plan_group_present(target, owner, "local-crew").apply()
    digests = {entry["group_peer_name"]: entry["imported_digest"] for entry in inventory.store_inventory(target)["memberships"]}
    imported_group = documents.parse_group_config(data).group_peer_name
    assert digests.pop(imported_group) == hashlib.sha256(data).hexdigest()
    # Created on this host, not imported.
    assert list(digests.values()) == [None]


def test_same_content_other_bytes_is_unchanged(target, keys, cache, seal_key):
    config = group_config(keys[0], keys[1])
    configs.plan_group_config_import(target, documents.render_group_config(config, seal_key), cache).apply()
    other_bytes = documents.render_group_config(config, seal_key)
    plan = configs.plan_group_config_import(target, other_bytes, cache, overwrite="never")
    assert not plan.changed and plan.result["changed_fields"] == []


def test_overwrite_policies(target, keys, cache, seal_key):
    old = group_config(keys[0], keys[1], now=datetime.datetime.now(datetime.timezone.utc) - DAY)
    new = group_config(keys[0], keys[1], scope="link-local")
    configs.plan_group_config_import(target, documents.render_group_config(new, seal_key), cache).apply()
    older = documents.render_group_config(old._replace(group_peer_name=new.group_peer_name), seal_key)
    for policy in ("never", "if_newer"):
        with pytest.raises(PeerError) as error:
            configs.plan_group_config_import(target, older, cache, overwrite=policy)
        assert error.value.name == "PEER_E_ALREADY_EXISTS"
    replaced = configs.plan_group_config_import(target, older, cache, overwrite="always")
    assert replaced.changed and "scope" in replaced.result["changed_fields"]


def test_if_newer_takes_the_group_modules_renewal_and_keeps_the_group_key(tmp_path, monkeypatch):
    """The owner's renewal by ``group``, exported without the key, replaces the target's copy under if_newer."""
    with _open(tmp_path / "source") as source, _open(tmp_path / "target") as target:
        hour_ago = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(hours=1)
        with monkeypatch.context() as clock:
            clock.setattr(core_clock, "utcnow", lambda: hour_ago)
            owner = identities.plan_identity_present(source, "owner").apply()["identity_peer_name"]
            group = groups.plan_group_present(source, owner, "crew").apply()["group_peer_name"]
        target.add_identity(source.get_identity(owner))
        cache = KeyCache(PASSWORD)

        def export(include_group_key):
            request = configs.ExportRequest(owner, group, include_group_key=include_group_key)
            return configs.plan_group_config_export(source, [request], cache).apply()["configs"][0]["config_xml"].encode()

        configs.plan_group_config_import(target, export(True), cache).apply()
        groups.plan_group_present(source, owner, "crew", force_renew=True).apply()
        plan = configs.plan_group_config_import(target, export(False), cache, overwrite="if_newer")
        assert plan.changed and plan.result["changed_fields"] == ["chain"]
        assert plan.result["group_key_kept"] and plan.result["downgrades"] == [] and plan.result["owner"]
        plan.apply()
        stored = target.get_membership(owner, group)
        assert stored.chain == source.get_membership(owner, group).chain
        assert stored.group_key == source.get_membership(owner, group).group_key


def _assert_refused(store_path, store, data, name, password=PASSWORD):
    before = _store_files(store_path)
    with pytest.raises(PeerError) as error:
        configs.plan_group_config_import(store, data, KeyCache(password)).apply()
    assert error.value.name == name, error.value
    assert password not in str(error.value)
    assert _store_files(store_path) == before


def test_wrong_password(tmp_path, target, keys, seal_key):
    data = documents.render_group_config(group_config(keys[0], keys[1]), seal_key)
    _assert_refused(tmp_path / "target", target, data, "ERROR_INVALID_PASSWORD", password="another-password-123456")


def test_identity_missing(tmp_path, keys, seal_key):
    with _open(tmp_path / "empty") as store:
        data = documents.render_group_config(group_config(keys[2], keys[1]), seal_key)
        _assert_refused(tmp_path / "empty", store, data, "PEER_E_NOT_FOUND")


def test_leaf_key_is_not_the_identity(tmp_path, target, keys, seal_key):
    config = group_config(keys[2], keys[1])
    # Claim the target's identity for a chain issued to another key.
    target_name = target.list_identities()[0].peer_name
    data = documents.render_group_config(config._replace(identity_peer_name=target_name), seal_key)
    _assert_refused(tmp_path / "target", target, data, "PEER_E_INVALID_CREDENTIAL")


def test_expired_gmc(tmp_path, target, keys, seal_key):
    past = datetime.datetime.now(datetime.timezone.utc) - DAY * 10
    data = documents.render_group_config(group_config(keys[0], keys[1], gmc_lifetime=DAY, now=past), seal_key)
    _assert_refused(tmp_path / "target", target, data, "PEER_E_INVALID_TIME_PERIOD")


def test_chain_too_long(tmp_path, target, keys, seal_key):
    data = documents.render_group_config(group_config(keys[0], keys[1], keys[2], depth=25), seal_key)
    _assert_refused(tmp_path / "target", target, data, "PEER_E_CHAIN_TOO_LONG")


def test_chain_of_24_gmcs_imports(target, keys, cache, seal_key):
    data = documents.render_group_config(group_config(keys[0], keys[1], keys[2], depth=24), seal_key)
    configs.plan_group_config_import(target, data, cache).apply()
    assert target.list_memberships()[0].chain.__len__() == 25


def test_owner_import_can_issue(target, keys, cache, seal_key):
    data = documents.render_group_config(group_config(keys[0], keys[1], group_key_included=True), seal_key)
    result = configs.plan_group_config_import(target, data, cache)
    result.apply()
    identity = target.list_identities()[0].peer_name
    renew = groups.plan_group_present(target, identity, "crew", force_renew=True)
    assert renew.changed and renew.result["group_peer_name"] == result.result["group_peer_name"]
    renew.apply()
    assert inventory.store_inventory(target)["memberships"][0]["chain_verified"]


def test_the_group_friendly_name_travels_and_follows_the_document(tmp_path):
    with _open(tmp_path / "source") as source, _open(tmp_path / "target") as target:
        owner = identities.plan_identity_present(source, "owner").apply()["identity_peer_name"]
        group = groups.plan_group_present(source, owner, "test-lab", friendly_name="Test lab").apply()["group_peer_name"]
        target.add_identity(source.get_identity(owner))
        cache = KeyCache(PASSWORD)

        def export(existing=None):
            request = configs.ExportRequest(owner, group, existing=existing)
            entry = configs.plan_group_config_export(source, [request], cache).apply()["configs"][0]
            return entry, entry["config_xml"].encode()

        entry, document = export()
        assert entry["group_friendly_name"] == "Test lab"
        plan = configs.plan_group_config_import(target, document, cache, overwrite="never")
        assert plan.diff_after["group_friendly_name"] == "Test lab"
        plan.apply()
        assert target.get_membership(owner, group).group_friendly_name == "Test lab"

        # A rename alone reaches the target under every policy: the name is display only.
        groups.plan_group_present(source, owner, "test-lab", friendly_name="Test lab 2").apply()
        renamed, renamed_document = export(existing=document)
        assert renamed["changed"]
        plan = configs.plan_group_config_import(target, renamed_document, cache, overwrite="never")
        assert plan.changed and plan.result["changed_fields"] == ["group_friendly_name"]
        assert (plan.diff_before["group_friendly_name"], plan.diff_after["group_friendly_name"]) == ("Test lab", "Test lab 2")
        plan.apply()
        assert target.get_membership(owner, group).group_friendly_name == "Test lab 2"

        # A document without the name (written before it travelled) leaves the stored one.
        unnamed = documents.parse_group_config(renamed_document).open(cache)._replace(group_friendly_name=None)
        plan = configs.plan_group_config_import(target, documents.render_group_config(unnamed, cache.new_key()), cache, overwrite="never")
        assert not plan.changed and plan.result["changed_fields"] == []

        # A refused document renames nothing.
        other_scope = unnamed._replace(scope="link-local", group_friendly_name="Other")
        with pytest.raises(PeerError) as error:
            configs.plan_group_config_import(target, documents.render_group_config(other_scope, cache.new_key()), cache, overwrite="never")
        assert error.value.name == "PEER_E_ALREADY_EXISTS" and "differs in: scope)" in error.value.message
        assert target.get_membership(owner, group).group_friendly_name == "Test lab 2"


def test_an_export_without_the_friendly_name_is_sealed_anew_once(tmp_path):
    with _open(tmp_path / "source") as source:
        owner = identities.plan_identity_present(source, "owner").apply()["identity_peer_name"]
        group = groups.plan_group_present(source, owner, "test-lab", friendly_name="Test lab").apply()["group_peer_name"]
        cache = KeyCache(PASSWORD)
        config = configs._config_from_record(source.get_membership(owner, group))
        older = documents.render_group_config(config._replace(group_friendly_name=None), cache.new_key())
        plan = configs.plan_group_config_export(source, [configs.ExportRequest(owner, group, existing=older)], cache)
        assert plan.changed
        document = plan.apply()["configs"][0]["config_xml"].encode()
        assert documents.parse_group_config(document).group_friendly_name == "Test lab"
        assert not configs.plan_group_config_export(source, [configs.ExportRequest(owner, group, existing=document)], cache).changed


@pytest.mark.parametrize("name", ["x" * 256, "a\x01b", "a\ufffeb"])
def test_friendly_names_a_document_cannot_carry_are_refused_at_the_source(tmp_path, name):
    with _open(tmp_path / "source") as source:
        owner = identities.plan_identity_present(source, "owner").apply()["identity_peer_name"]
        with pytest.raises(PeerError) as error:
            groups.plan_group_present(source, owner, "test-lab", friendly_name=name)
        assert error.value.name == "PEER_E_INVALID_FRIENDLY_NAME"
        assert name[:3] not in error.value.message


def test_export_batch_derives_once_and_is_idempotent(tmp_path):
    with _open(tmp_path / "s") as store:
        owner = identities.plan_identity_present(store, "owner").apply()["identity_peer_name"]
        group_names = [groups.plan_group_present(store, owner, "g%d" % i).apply()["group_peer_name"] for i in range(3)]
        cache = KeyCache(PASSWORD)
        requests = [configs.ExportRequest(owner, group) for group in group_names]
        plan = configs.plan_group_config_export(store, requests, cache)
        assert plan.changed
        exported = plan.apply()["configs"]
        assert cache.derivations == 1
        again_cache = KeyCache(PASSWORD)
        requests = [
            configs.ExportRequest(owner, entry["group_peer_name"], existing=entry["config_xml"].encode())
            for entry in exported
        ]
        again = configs.plan_group_config_export(store, requests, again_cache)
        assert not again.changed
        assert again_cache.derivations == 1
        with pytest.raises(PeerError) as error:
            configs.plan_group_config_export(store, requests, KeyCache("not-the-password-0000"))
        assert error.value.name == "ERROR_INVALID_PASSWORD"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A source store with one owned group, and its group configuration and identity documents."""
    store = _open(tmp_path_factory.mktemp("exported"))
    owner = identities.plan_identity_present(store, "owner").apply()["identity_peer_name"]
    group = groups.plan_group_present(store, owner, "lab").apply()["group_peer_name"]
    cache = KeyCache(PASSWORD)
    config_xml = configs.plan_group_config_export(store, [configs.ExportRequest(owner, group)], cache).apply()["configs"][0]["config_xml"]
    identity_xml = identities.plan_identity_export(store, owner, cache).apply()["identity_xml"]
    yield store, owner, group, config_xml.encode(), identity_xml.encode()
    store.close()


def _export_config(exported, regenerate, existing, password=PASSWORD, include_group_key=True):
    store, owner, group = exported[:3]
    request = configs.ExportRequest(owner, group, include_group_key=include_group_key, existing=existing, dest="/x/lab.xml")
    return configs.plan_group_config_export(store, [request], KeyCache(password), regenerate=regenerate)


@pytest.mark.parametrize("regenerate", plans.REGENERATE_POLICIES)
def test_regenerate_without_an_existing_document_seals_a_new_one(exported, regenerate):
    plan = _export_config(exported, regenerate, None)
    assert plan.changed and plan.result["configs"][0]["content_changed"]


@pytest.mark.parametrize("regenerate, changed", [
    ("never", False), ("fail", False), ("partial_idempotence", False), ("full_idempotence", False), ("always", True)])
def test_regenerate_on_a_document_of_the_same_content(exported, regenerate, changed):
    plan = _export_config(exported, regenerate, exported[3])
    entry = plan.result["configs"][0]
    assert (plan.changed, entry["changed"]) == (changed, changed)
    # A new seal over the same content is nothing a target would import.
    assert not entry["content_changed"]


def test_regenerate_on_a_document_of_other_content(exported):
    assert _export_config(exported, "never", exported[3], include_group_key=False).result["configs"][0]["changed"] is False
    for regenerate in ("partial_idempotence", "full_idempotence", "always"):
        entry = _export_config(exported, regenerate, exported[3], include_group_key=False).result["configs"][0]
        assert entry["changed"] and entry["content_changed"]
    with pytest.raises(PeerError) as error:
        _export_config(exported, "fail", exported[3], include_group_key=False)
    assert error.value.name == "PEER_E_ALREADY_EXISTS" and "/x/lab.xml" in error.value.message


def test_export_diff_shows_the_document_at_dest_against_the_new_one(exported):
    plan = _export_config(exported, "full_idempotence", exported[3], include_group_key=False)
    before, after = plan.diff_before["configs"][0], plan.diff_after["configs"][0]
    assert (before["group_key_included"], after["group_key_included"]) == (True, False)
    assert before["roles"] == after["roles"] and "administrator" in after["roles"]
    assert before["chain_fingerprints"] == after["chain_fingerprints"] and before["not_after"] == after["not_after"]
    # Without a document at dest the diff has an empty before, one per request.
    assert _export_config(exported, "full_idempotence", None).diff_before == {"configs": [{}]}


@pytest.mark.parametrize("regenerate", ["fail", "full_idempotence"])
def test_a_document_the_password_does_not_open_is_refused(exported, regenerate):
    with pytest.raises(PeerError) as error:
        _export_config(exported, regenerate, exported[3], password="another-password-0000")
    assert error.value.name == "ERROR_INVALID_PASSWORD"
    assert "/x/lab.xml" in error.value.message and "another" not in error.value.message


def test_partial_idempotence_rotates_the_password_once(exported):
    rotated = _export_config(exported, "partial_idempotence", exported[3], password="another-password-0000")
    assert rotated.changed and not rotated.result["configs"][0]["content_changed"]
    document = rotated.apply()["configs"][0]["config_xml"].encode()
    assert not _export_config(exported, "partial_idempotence", document, password="another-password-0000").changed


def test_always_reseals_with_a_new_password_and_never_keeps_the_old_seal(exported):
    rotated = _export_config(exported, "always", exported[3], password="another-password-0000")
    assert rotated.changed and not rotated.result["configs"][0]["content_changed"]
    kept = _export_config(exported, "never", exported[3], password="another-password-0000")
    assert not kept.changed and kept.result["configs"][0]["config_xml"].encode() == exported[3]


def test_an_unreadable_document_is_sealed_anew_unless_the_policy_refuses(exported):
    entry = _export_config(exported, "full_idempotence", b"not a document").result["configs"][0]
    assert entry["changed"] and entry["content_changed"]
    with pytest.raises(PeerError) as error:
        _export_config(exported, "fail", b"not a document")
    assert error.value.name == "PEER_E_ALREADY_EXISTS"


def test_an_unknown_regenerate_policy_is_refused(exported):
    for plan in (lambda: _export_config(exported, "sometimes", None),
                 lambda: identities.plan_identity_export(exported[0], exported[1], KeyCache(PASSWORD), regenerate="sometimes")):
        with pytest.raises(PeerError) as error:
            plan()
        assert error.value.name == "E_INVALIDARG"


def test_identity_export_regenerate(exported):
    store, owner, _group, _config_xml, identity_xml = exported

    def plan(regenerate, existing=identity_xml, password=PASSWORD):
        return identities.plan_identity_export(store, owner, KeyCache(password), existing=existing, regenerate=regenerate, dest="/x/id.xml")

    assert plan("full_idempotence", existing=None).result["content_changed"]
    assert not plan("full_idempotence").changed and not plan("fail").changed
    rotated = plan("always", password="another-password-0000")
    assert rotated.changed and not rotated.result["content_changed"]
    kept = plan("never", password="another-password-0000")
    assert not kept.changed and kept.result["identity_xml"].encode() == identity_xml
    assert plan("partial_idempotence", password="another-password-0000").changed
    assert not plan("partial_idempotence").changed
    with pytest.raises(PeerError) as error:
        plan("full_idempotence", password="another-password-0000")
    assert error.value.name == "ERROR_INVALID_PASSWORD" and "/x/id.xml" in error.value.message
    unreadable = plan("full_idempotence", existing=b"garbage")
    assert unreadable.changed and unreadable.result["content_changed"]
    with pytest.raises(PeerError) as error:
        plan("fail", existing=b"garbage")
    assert error.value.name == "PEER_E_ALREADY_EXISTS"


def test_identity_export_import_roundtrip(tmp_path):
    with _open(tmp_path / "source") as source, _open(tmp_path / "target") as target:
        name = identities.plan_identity_present(source, "node").apply()["identity_peer_name"]
        cache = KeyCache(PASSWORD)
        document = identities.plan_identity_export(source, name, cache).apply()["identity_xml"].encode()
        assert not identities.plan_identity_export(source, name, cache, existing=document).changed
        with pytest.raises(PeerError) as error:
            identities.plan_identity_import(target, document, KeyCache("wrong-password-000000")).apply()
        assert error.value.name == "ERROR_INVALID_PASSWORD"
        identities.plan_identity_import(target, document, cache).apply()
        assert target.get_identity(name).private_key == source.get_identity(name).private_key
        assert not identities.plan_identity_import(target, document, cache).changed


def _recording_key_checks(monkeypatch):
    """The ``validate`` flag of every private key load from now on."""
    checks = []
    real_load = certs._load_der_private_key

    def recording_load(data, validate):
        checks.append(validate)
        return real_load(data, validate)

    monkeypatch.setattr(certs, "_load_der_private_key", recording_load)
    return checks


def test_a_key_is_checked_once_when_it_enters_and_never_when_read_from_the_store(tmp_path, monkeypatch):
    """OpenSSL's RSA check costs 40 ms or more per key: once for a key from outside, none for the store's own."""
    with _open(tmp_path / "source") as source, _open(tmp_path / "target") as target:
        name = identities.plan_identity_present(source, "node").apply()["identity_peer_name"]
        cache = KeyCache(PASSWORD)
        checks = _recording_key_checks(monkeypatch)
        document = identities.plan_identity_export(source, name, cache).apply()["identity_xml"].encode()
        assert checks == [False]
        del checks[:]
        # The earlier document is a file from outside: its key is checked; the stored one is not.
        assert not identities.plan_identity_export(source, name, cache, existing=document).changed
        assert sorted(checks) == [False, True]
        del checks[:]
        # Planned, then decided again under the lock: the document's key is checked once.
        identities.plan_identity_import(target, document, cache).apply()
        assert checks.count(True) == 1


def test_the_group_key_of_an_imported_document_is_checked_once(target, keys, cache, seal_key, monkeypatch):
    data = documents.render_group_config(group_config(keys[0], keys[1], group_key_included=True), seal_key)
    checks = _recording_key_checks(monkeypatch)
    plan = configs.plan_group_config_import(target, data, cache)
    plan.apply()
    assert checks == [True]
    assert target.list_memberships()[0].group_key == certs.private_key_to_der(keys[1])


def test_describe_document(keys, seal_key):
    info = configs.describe_document(documents.render_group_config(group_config(keys[0], keys[1]), seal_key))
    assert info["valid"] and info["roles"] == ["administrator"] and len(info["chain"]) == 2
    past = datetime.datetime.now(datetime.timezone.utc) - DAY * 10
    expired = documents.render_group_config(group_config(keys[0], keys[1], gmc_lifetime=DAY, now=past), seal_key)
    info = configs.describe_document(expired)
    assert not info["valid"] and info["hresult"]["name"] == "PEER_E_INVALID_TIME_PERIOD"
