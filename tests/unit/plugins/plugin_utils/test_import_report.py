# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of what a store lacks of the role's documents and of the per-host summary."""

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.plugin_utils.import_report import batch_plans, pending_documents, predicted_pending, summarize
from ansible_collections.peernet.peergroup.tests.unit.plugins.plugin_utils.import_documents import (
    GROUP,
    MEMBER,
    OTHER_GROUP,
    config_document,
    identity_document,
    invalid_document,
    store_holding,
)

IDENTITY = identity_document()
CONFIG = config_document()
OTHER = config_document("test-lab.peergroupconfig.xml", group=OTHER_GROUP, digest="e2" * 32)
INVALID = invalid_document()
DOCUMENTS = [IDENTITY, CONFIG, OTHER, INVALID]


def failure(name, message):
    return {"failed": True, "msg": message, "hresult": {"name": name, "code": "0x80630001", "value": -2140995583}}


def test_an_empty_store_lacks_every_valid_document():
    assert pending_documents(DOCUMENTS, store_holding()) == [IDENTITY, CONFIG, OTHER]


def test_an_unreadable_store_lacks_every_valid_document():
    assert pending_documents(DOCUMENTS, {}) == [IDENTITY, CONFIG, OTHER]


def test_held_identity_and_the_very_document_imported_last_time_are_not_pending():
    store = store_holding(identities=[MEMBER], imported=[(GROUP, CONFIG["digest"]), (OTHER_GROUP, "f3" * 32)])
    # The test-lab membership was imported from another document: its own is still pending.
    assert pending_documents(DOCUMENTS, store) == [OTHER]


def test_a_membership_created_on_the_host_is_no_import():
    store = store_holding(identities=[MEMBER], imported=[(GROUP, None)])
    assert pending_documents([CONFIG], store) == [CONFIG]


def test_nothing_pending_counts_every_valid_document_as_unchanged():
    summary = summarize("node1", DOCUMENTS, [])
    assert summary["unchanged"] == [IDENTITY["label"], CONFIG["label"], OTHER["label"]]
    assert summary["imported"] == [] and summary["refused"] == []
    assert summary["skipped"] == [INVALID["reason"]]
    assert summary["line"] == "node1: imported 0, unchanged 3, refused 0, skipped 1 invalid (%s)" % INVALID["reason"]


def test_results_are_sorted_into_imported_unchanged_and_refused():
    identity_results = [{"item": IDENTITY, "changed": True, "identity_peer_name": MEMBER}]
    config_results = {"changed": True, "configs": [
        {"changed": True, "changed_fields": ["membership", "chain"]},
        failure("ERROR_INVALID_PASSWORD", "the password does not open test-lab"),
    ]}
    summary = summarize("node1", [IDENTITY, CONFIG, OTHER], [IDENTITY, CONFIG, OTHER], identity_results, config_results)
    assert summary["imported"] == [IDENTITY["label"], CONFIG["label"] + " (membership, chain)"]
    assert summary["refused"] == [{"document": OTHER["label"], "hresult": "ERROR_INVALID_PASSWORD",
                                   "message": "the password does not open test-lab",
                                   "hint": "Check import_configs_password, or give this group its own in import_configs_group_passwords."}]
    assert summary["line"] == ("node1: imported 2 (%s, %s (membership, chain)), unchanged 0, refused 1 (%s: ERROR_INVALID_PASSWORD)"
                               % (IDENTITY["label"], CONFIG["label"], OTHER["label"]))


def test_an_identity_result_without_its_peer_name_is_a_refusal():
    identity_results = [{"item": IDENTITY, "changed": False, "failed": True, "msg": "no", "hresult": {"name": "PEER_E_INVALID_PEER_NAME"}}]
    summary = summarize("node1", [IDENTITY], [IDENTITY], identity_results)
    assert summary["refused"] == [{"document": IDENTITY["label"], "hresult": "PEER_E_INVALID_PEER_NAME", "message": "no", "hint": ""}]


def test_a_failed_call_without_per_document_results_refuses_each_pending_config():
    summary = summarize("node1", [CONFIG, OTHER], [CONFIG, OTHER], config_results=failure("E_INVALIDARG", "src not found"))
    assert [entry["document"] for entry in summary["refused"]] == [CONFIG["label"], OTHER["label"]]
    assert {entry["hresult"] for entry in summary["refused"]} == {"E_INVALIDARG"}


def test_an_unchanged_config_result_counts_as_unchanged():
    summary = summarize("node1", [CONFIG], [CONFIG], config_results={"changed": False, "configs": [{"changed": False}]})
    assert summary["unchanged"] == [CONFIG["label"]] and summary["imported"] == []


def test_check_mode_counts_a_config_waiting_for_its_identity_as_imported():
    identity_results = [{"item": IDENTITY, "changed": True, "identity_peer_name": MEMBER}]
    config_results = {"configs": [failure("PEER_E_NOT_FOUND", "no such identity")]}
    summary = summarize("node1", [IDENTITY, CONFIG], [IDENTITY, CONFIG], identity_results, config_results, check_mode=True)
    assert summary["imported"] == [IDENTITY["label"], CONFIG["label"] + " (after its identity)"]
    assert summary["line"].startswith("node1: would import 2 (")
    # The import task reported no change for it: the summary does, as the real run's import task would.
    assert summary["unreported_change"]
    # Outside check mode the same result is a refusal.
    real = summarize("node1", [IDENTITY, CONFIG], [IDENTITY, CONFIG], identity_results, config_results)
    assert [entry["hresult"] for entry in real["refused"]] == ["PEER_E_NOT_FOUND"]
    assert not real["unreported_change"]


def test_check_mode_reports_no_extra_change_when_the_import_task_reported_one():
    identity_results = [{"item": IDENTITY, "changed": True, "identity_peer_name": MEMBER}]
    config_results = {"changed": True, "configs": [failure("PEER_E_NOT_FOUND", "no such identity"),
                                                   {"changed": True, "changed_fields": ["membership"]}]}
    summary = summarize("node1", [IDENTITY, CONFIG, OTHER], [IDENTITY, CONFIG, OTHER], identity_results, config_results, check_mode=True)
    assert len(summary["imported"]) == 3 and not summary["unreported_change"]
    nothing = summarize("node1", [IDENTITY, CONFIG], [], check_mode=True)
    assert not nothing["unreported_change"]


def expected(document, digest=None):
    """An export_configs_content_changes entry for ``document``."""
    return {"kind": document["kind"], "label": document["label"], "identity": document["identity"], "group": document["group"], "digest": digest}


def test_check_mode_predicts_a_new_configuration_the_export_would_write():
    store = store_holding(identities=[MEMBER], imported=[(GROUP, CONFIG["digest"])])
    new_config = config_document("test-lab.peergroupconfig.xml", group=OTHER_GROUP)
    pending, predicted = predicted_pending([IDENTITY, CONFIG], [expected(new_config)], store)
    assert pending == [] and [document["label"] for document in predicted] == [new_config["label"]]
    assert predicted[0]["predicted"] and predicted[0]["path"] is None
    summary = summarize("node1", [IDENTITY, CONFIG], pending, check_mode=True, predicted=predicted)
    assert summary["line"] == "node1: would import 1 (test-lab.peergroupconfig.xml (after the export)), unchanged 2, refused 0"


def test_a_predicted_document_stands_in_for_the_listed_one_of_its_label():
    store = store_holding(identities=[MEMBER], imported=[(GROUP, CONFIG["digest"])])
    # New content for a document the target holds: it would be imported.
    pending, predicted = predicted_pending([IDENTITY, CONFIG], [expected(CONFIG)], store)
    assert pending == [] and [document["label"] for document in predicted] == [CONFIG["label"]]
    summary = summarize("node1", [IDENTITY, CONFIG], pending, check_mode=True, predicted=predicted)
    assert summary["unchanged"] == [IDENTITY["label"]]
    # The very bytes the target imported last time, written anew on the controller: nothing to import.
    pending, predicted = predicted_pending([IDENTITY, CONFIG], [expected(CONFIG, CONFIG["digest"]), expected(IDENTITY)], store)
    assert (pending, predicted) == ([], [])


def test_a_fresh_target_imports_the_listed_documents_and_the_predicted_ones():
    new_config = config_document("test-lab.peergroupconfig.xml", group=OTHER_GROUP)
    pending, predicted = predicted_pending([IDENTITY, CONFIG], [expected(new_config)], store_holding())
    assert pending == [IDENTITY, CONFIG] and len(predicted) == 1
    identity_results = [{"item": IDENTITY, "changed": True, "identity_peer_name": MEMBER}]
    config_results = {"configs": [failure("PEER_E_NOT_FOUND", "no such identity")]}
    summary = summarize("node1", [IDENTITY, CONFIG], pending, identity_results, config_results, check_mode=True, predicted=predicted)
    assert summary["line"].startswith("node1: would import 3 (") and summary["refused"] == []
    assert summary["unreported_change"]


def test_a_predicted_identity_lets_its_configurations_wait_for_it():
    new_identity = identity_document("other.peeridentity.xml", identity="e" * 40 + ".other")
    _pending, predicted = predicted_pending([], [expected(new_identity)], store_holding())
    config_results = {"configs": [failure("PEER_E_NOT_FOUND", "no such identity")]}
    other_config = dict(CONFIG, identity=new_identity["identity"])
    summary = summarize("node1", [other_config], [other_config], (), config_results, check_mode=True, predicted=predicted)
    assert summary["refused"] == [] and len(summary["imported"]) == 2


def test_a_refused_password_refuses_all_and_names_the_document_checked():
    refusal = {"document": IDENTITY["label"], "hresult": "ERROR_INVALID_PASSWORD",
               "message": "the password does not open this document (ERROR_INVALID_PASSWORD 0x80070056)"}
    summary = summarize("node1", DOCUMENTS, [], refusal=refusal, names=PLAYBOOK_NAMES)
    assert [entry["document"] for entry in summary["refused"]] == [IDENTITY["label"]]
    assert summary["unchanged"] == [] and summary["skipped"] == []
    assert summary["line"] == "node1: refused all, ERROR_INVALID_PASSWORD: %s" % IDENTITY["label"]
    assert summary["failures"] == [
        "node1: %s: ERROR_INVALID_PASSWORD: the password does not open this document (checked once, on the controller); "
        "nothing was changed. Check peergroup_identity_password (peergroup_password when that is not set)." % IDENTITY["label"]]


PLAYBOOK_NAMES = {"password": "peergroup_password", "identity_password": "peergroup_identity_password",
                  "group_passwords": "peergroup_group_passwords", "overwrite": "peergroup_overwrite"}


def test_each_refusal_is_one_line_with_its_hresult_once_and_the_variable_to_set():
    own_password = dict(OTHER, password_key="test-lab")
    config_results = {"configs": [
        failure("PEER_E_ALREADY_EXISTS", "a different configuration of identity m in group g is already present (differs in: chain); "
                "set overwrite to if_newer or always to replace it (PEER_E_ALREADY_EXISTS 0x80630001)"),
        failure("ERROR_INVALID_PASSWORD", "the password does not open this document (ERROR_INVALID_PASSWORD 0x80070056)"),
    ]}
    for names, overwrite, group_passwords in ((None, "import_configs_overwrite", "import_configs_group_passwords"),
                                              (PLAYBOOK_NAMES, "peergroup_overwrite", "peergroup_group_passwords")):
        summary = summarize("node1", [CONFIG, own_password], [CONFIG, own_password], config_results=config_results, names=names)
        assert summary["failures"] == [
            "node1: %s: PEER_E_ALREADY_EXISTS: a different configuration of identity m in group g is already present "
            "(differs in: chain). Set %s=if_newer to roll out a renewed GMC, or %s=always to replace what the target holds."
            % (CONFIG["label"], overwrite, overwrite),
            "node1: %s: ERROR_INVALID_PASSWORD: the password does not open this document. Check %s[test-lab]."
            % (OTHER["label"], group_passwords),
        ]
        for line in summary["failures"]:
            hresult = line.split(": ")[2]
            assert line.count(hresult) == 1 and "\n" not in line
            assert "set overwrite" not in line and "0x" not in line


def test_a_refusal_under_if_newer_does_not_suggest_if_newer():
    config_results = {"configs": [
        failure("PEER_E_ALREADY_EXISTS", "overwrite=if_newer keeps the stored configuration of identity m in group g: not newer: x; "
                "set overwrite to always to replace it (PEER_E_ALREADY_EXISTS 0x80630001)"),
    ]}
    summary = summarize("node1", [CONFIG], [CONFIG], config_results=config_results, names=PLAYBOOK_NAMES)
    assert summary["failures"] == [
        "node1: %s: PEER_E_ALREADY_EXISTS: overwrite=if_newer keeps the stored configuration of identity m in group g: not newer: x. "
        "Set peergroup_overwrite=always to replace what the target holds anyway." % CONFIG["label"],
    ]


def test_no_documents_says_the_export_writes_them_in_a_real_run():
    assert summarize("node1", [], [])["line"] == "node1: no document to import yet (check mode: the export writes them in a real run)"


def test_a_batch_splits_into_lacking_and_complete_hosts_in_name_order():
    complete = {"pending": [], "ansible_facts": {"import_configs_summary": {"line": "node1: imported 0, unchanged 2, refused 0"}}}
    plans = {
        "node3": {"pending": [CONFIG]},
        "node1": complete,
        "node2": {"pending": [IDENTITY, CONFIG]},
        # A plan that failed, a host that never ran it: in neither list.
        "node4": {"failed": True, "msg": "unreachable"},
        "node5": None,
    }
    assert batch_plans(plans) == {"lacking": ["node2", "node3"], "complete": ["node1"],
                                  "lines": ["node1: imported 0, unchanged 2, refused 0"]}


def test_an_empty_batch_lacks_nothing():
    assert batch_plans({}) == {"lacking": [], "complete": [], "lines": []}


def test_the_diff_shows_named_non_secret_fields_of_each_imported_document():
    identity_diff = {"before": {}, "after": {"peer_name": MEMBER, "classifier": "member", "friendly_name": "member", "key_size": 2048,
                                             "private_key": "SECRET-KEY"}}
    identity_results = [{"item": IDENTITY, "changed": True, "identity_peer_name": MEMBER, "diff": identity_diff}]
    before = {"group_peer_name": OTHER_GROUP, "group_friendly_name": "Test lab", "roles": ["member"], "not_after": "2027-01-01T00:00:00Z",
              "chain_fingerprints": ["aa", "bb"], "days_left": 30}
    after = dict(before, roles=["member", "administrator"], not_after="2028-01-01T00:00:00Z", chain_fingerprints=["aa", "cc"],
                 days_left=400, group_key="SECRET-GROUP-KEY")
    config_results = {"changed": True,
                      "configs": [failure("ERROR_INVALID_PASSWORD", "no"), {"changed": True, "changed_fields": ["chain"]}],
                      # The refused first document has no diff: the second's is headed with its own index.
                      "diff": [{"before": before, "after": after, "before_header": "configs[1]", "after_header": "configs[1]"}]}
    summary = summarize("node1", [IDENTITY, CONFIG, OTHER], [IDENTITY, CONFIG, OTHER], identity_results, config_results)
    assert summary["diff"] == [
        "%s: peer_name: - -> %s" % (IDENTITY["label"], MEMBER),
        "%s: classifier: - -> member" % IDENTITY["label"],
        "%s: friendly_name: - -> member" % IDENTITY["label"],
        "%s: key_size: - -> 2048" % IDENTITY["label"],
        "%s: roles: [member] -> [member, administrator]" % OTHER["label"],
        "%s: not_after: 2027-01-01T00:00:00Z -> 2028-01-01T00:00:00Z" % OTHER["label"],
        "%s: chain_fingerprints: [aa, bb] -> [aa, cc]" % OTHER["label"],
    ]
    assert "SECRET" not in str(summary)
