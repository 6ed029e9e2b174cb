# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""20 imports into one store at once (issue item 4).

Twenty real ``group_config_import`` module runs (module_child.py: the module's
own ``main()``, its argument file as ``python -m`` takes it) are started, and
released together on a "go" line:

* 10 import the very same document (owner in group ``farm``);
* 7 import different documents (owner in groups ``farm-1`` ... ``farm-7``);
* 3 import different configurations of one (member, ``farm``) with overwrite=never.

Correct means serialisable: the results and the final store are those of the
twenty imports run one after the other in some order.  So: no traceback and no
lock error; the 7 distinct imports all report a change; the 10 identical ones
all succeed and exactly one reports a change; of the 3 conflicting ones exactly
one succeeds and the others fail with PEER_E_ALREADY_EXISTS; the store holds
exactly the winners and passes its integrity check.

The in-process tests below replay the interleaving that breaks this
deterministically: two plans made before either is applied.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pytest

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store

MODULE_CHILD = os.path.join(kit.HERE, "module_child.py")


class Scenario(object):
    def __init__(self, world):
        self.world = world
        self.identical = world.owner_doc
        self.distinct = []
        self.distinct_groups = []
        for index in range(1, 8):
            group = str(peername.secure_name(world.group_key.public_key(), "farm-%d" % index))
            root = certs.make_group_root(world.group_key, group)
            gmc = world.issue(world.owner, ["administrator"], issuer=root, group=group)
            config = world.config(world.owner, [root, gmc], group_key=True, group_peer_name=group)
            self.distinct.append(world.render(config))
            self.distinct_groups.append(group)
        self.conflicting = {
            cloud: world.render(world.member_config._replace(cloud=cloud)) for cloud in ("Alpha_", "Beta_", "Gamma_")
        }

    def jobs(self):
        """(label, document, overwrite) for the twenty children."""
        jobs = [("identical", self.identical, "never")] * 10
        jobs += [("distinct-%d" % index, doc, "never") for index, doc in enumerate(self.distinct)]
        jobs += [("conflict-%s" % cloud, doc, "never") for cloud, doc in self.conflicting.items()]
        return jobs


def run_together(world, tmp_path, jobs):
    """One real group_config_import module run per job, released at once; ``[(label, result)]``."""
    store_path = world.fresh_target(tmp_path / "store")
    children = []
    for index, (label, data, overwrite) in enumerate(jobs):
        args = {"ANSIBLE_MODULE_ARGS": {
            "store_path": store_path,
            "config_xml": data.decode("utf-8"),
            "password": world.password,
            "overwrite": overwrite,
        }}
        args_path = tmp_path / ("args-%d.json" % index)
        args_path.write_text(json.dumps(args), encoding="utf-8")
        os.chmod(str(args_path), 0o600)
        child = subprocess.Popen(
            [sys.executable, MODULE_CHILD, "group_config_import", str(args_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        children.append((label, child))
    for label, child in children:
        line = child.stdout.readline().decode("utf-8")
        assert line.startswith("ready"), (label, child.stderr.read().decode("utf-8", "replace"))
    for _label, child in children:
        child.stdin.write(b"go\n")
        child.stdin.flush()
    results = []
    for label, child in children:
        out, err = child.communicate(timeout=300)
        text = out.decode("utf-8")
        assert "Traceback" not in text + err.decode("utf-8", "replace"), (label, text, err)
        result = json.loads(text.strip().splitlines()[-1])
        assert world.password not in text
        if result.get("failed"):
            assert "hresult" in result, (label, result)
            results.append((label, {"failed": True, "hresult": result["hresult"]["name"], "msg": result["msg"]}))
        else:
            results.append((label, {"failed": False, "changed": result["changed"]}))
    return store_path, results


def check_consistent(world, scenario, store_path, results):
    """What must hold whatever the interleaving: clean results, and a store of winners only."""
    for label, result in results:
        if result["failed"]:
            # Only the refusal of the conflicting configurations is a correct failure.
            assert label.startswith("conflict-") and result["hresult"] == "PEER_E_ALREADY_EXISTS", (label, result)
    content = kit.logical_content(store_path)
    assert content["integrity_problems"] == []
    by_key = {(m["identity_peer_name"], m["group_peer_name"]): m for m in content["memberships"]}
    assert set(by_key) == {(world.owner.name, world.group), (world.member.name, world.group)} | {
        (world.owner.name, group) for group in scenario.distinct_groups
    }
    assert by_key[(world.owner.name, world.group)]["cloud"] == "Global_"
    winner_cloud = by_key[(world.member.name, world.group)]["cloud"]
    assert winner_cloud in scenario.conflicting
    succeeded = [label for label, result in results if label.startswith("conflict-") and not result["failed"]]
    # The stored configuration is one that some run reported importing.
    assert "conflict-%s" % winner_cloud in succeeded
    return content


def serialisation_problems(results):
    problems = []
    identical_changed = [result["changed"] for label, result in results if label == "identical"]
    if sum(identical_changed) != 1:
        problems.append("%d of 10 identical imports reported a change (want 1)" % sum(identical_changed))
    conflict_wins = [label for label, result in results if label.startswith("conflict-") and not result["failed"]]
    if len(conflict_wins) != 1:
        problems.append("%d of 3 conflicting imports with overwrite=never succeeded (want 1): %s" % (len(conflict_wins), conflict_wins))
    distinct = [result for label, result in results if label.startswith("distinct-")]
    if not all(not result["failed"] and result["changed"] for result in distinct):
        problems.append("a distinct import did not report its change: %s" % distinct)
    return problems


@pytest.fixture(scope="module")
def scenario(world):
    return Scenario(world)


@pytest.fixture(scope="module")
def concurrent_rounds(world, scenario, counts, tmp_path_factory):
    """``(store path, results)`` of each round of twenty imports run at once; each test reads them."""
    rounds = []
    for round_index in range(counts.concurrency_rounds):
        rounds.append(run_together(world, tmp_path_factory.mktemp("round-%d" % round_index), scenario.jobs()))
        kit.add_figure("concurrency.imports", len(rounds[-1][1]))
    kit.figure("concurrency.rounds", counts.concurrency_rounds)
    return rounds


def test_twenty_concurrent_imports_leave_a_consistent_store(world, scenario, concurrent_rounds):
    for store_path, results in concurrent_rounds:
        check_consistent(world, scenario, store_path, results)


def test_twenty_concurrent_imports_are_serialisable(concurrent_rounds):
    """Every result as if the imports ran one by one."""
    rounds_with_problems = [problems for problems in (serialisation_problems(results) for _path, results in concurrent_rounds) if problems]
    kit.figure("concurrency.rounds_not_serialisable", len(rounds_with_problems))
    if rounds_with_problems:
        kit.figure("concurrency.example_problems", rounds_with_problems[0])
    assert rounds_with_problems == []


# --- the same race, replayed deterministically in one process -------------------------------


def _plan(store_path, world, data, overwrite="never"):
    store = Store.open(str(store_path), create=False)
    return store, configs.plan_group_config_import(store, data, world.cache, overwrite)


def test_overwrite_never_holds_when_two_imports_interleave(world, tmp_path):
    store_path = world.fresh_target(tmp_path / "store")
    first = world.render(world.member_config._replace(cloud="Alpha_"))
    second = world.render(world.member_config._replace(cloud="Beta_"))
    store_a, plan_a = _plan(store_path, world, first)
    store_b, plan_b = _plan(store_path, world, second)
    with contextlib.closing(store_a), contextlib.closing(store_b):
        plan_a.apply()
        # The store now holds Alpha_; overwrite=never must not let Beta_ replace it.
        with pytest.raises(PeerError) as caught:
            plan_b.apply()
    assert caught.value.name == "PEER_E_ALREADY_EXISTS"
    stored = kit.logical_content(store_path)["memberships"]
    assert [m["cloud"] for m in stored] == ["Alpha_"]


def test_identical_identity_imports_interleaved_both_succeed(world, tmp_path):
    """Run one after the other, the second import of an identity is "ok, unchanged"; interleaved it fails."""
    store_path = world.fresh_target(tmp_path / "store")
    stores = [Store.open(str(store_path), create=False) for _index in range(2)]
    with contextlib.closing(stores[0]), contextlib.closing(stores[1]):
        plans = [identities.plan_identity_import(store, world.stranger_identity_doc, world.cache) for store in stores]
        plans[0].apply()
        plans[1].apply()
    names = [identity["peer_name"] for identity in kit.logical_content(store_path)["identities"]]
    assert world.stranger.name in names
