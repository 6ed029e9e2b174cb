# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the report's rows, page and CSV (playbook peernet.peergroup.report)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from ansible_collections.peernet.peergroup.plugins.plugin_utils._report import CSV_COLUMNS, build_rows, render_csv, render_html, summary

OWNER = "a" * 40 + ".owner"
MEMBER = "b" * 40 + ".member"
GROUP = "c" * 40 + ".crew"
OTHER_GROUP = "d" * 40 + ".deck"
DATE = "2026-12-03"


def membership(identity=MEMBER, group=GROUP, not_after="2027-06-01T00:00:00Z", days_left=180, roles=("member",), **fields):
    entry = {
        "identity_peer_name": identity, "group_peer_name": group, "group_friendly_name": "Crew", "roles": list(roles),
        "owner": False, "chain_length": 3, "not_after": not_after, "days_left": days_left, "chain_verified": True,
        "chain_problem": None,
    }
    entry.update(fields)
    return entry


def issued(identity=MEMBER, group=GROUP, not_after="2027-06-01T00:00:00Z", days_left=180, revoked=False, **fields):
    entry = {
        "issuer_peer_name": OWNER, "identity_peer_name": identity, "group_peer_name": group, "group_classifier": "crew",
        "roles": ["member"], "not_before": "2026-06-01T00:00:00Z", "not_after": not_after, "days_left": days_left,
        "revoked": revoked, "revoked_at": "2026-11-01T00:00:00Z" if revoked else None,
    }
    entry.update(fields)
    return entry


def store(memberships=(), issued_records=None, **fields):
    result = {"changed": False, "exists": True, "store_path": "/var/lib/peernet", "identities": [], "memberships": list(memberships),
              "integrity_problems": []}
    if issued_records is not None:
        result["issued"] = list(issued_records)
    result.update(fields)
    return result


def owner_store(*issued_records):
    return store([membership(OWNER, roles=("administrator",), owner=True, chain_length=2, not_after="2027-12-01T00:00:00Z", days_left=363)],
                 issued_records)


def rows_of(stores, expiring_days=30):
    return build_rows(list(stores), stores, expiring_days)


def parse_csv(text):
    table = list(csv.reader(io.StringIO(text, newline="")))
    return table[0], [dict(zip(table[0], line)) for line in table[1:]]


def test_rows_come_soonest_expiry_first_with_undated_rows_on_top():
    stores = {
        "late": store([membership(not_after="2027-09-01T00:00:00Z", days_left=270)]),
        "soon": store([membership(not_after="2027-01-01T00:00:00Z", days_left=29)]),
        "down": {"unreachable": True, "msg": "ssh: connect refused", "changed": False},
        "mid": store([membership(not_after="2027-03-01T00:00:00Z", days_left=88)]),
    }
    assert [row["host"] for row in rows_of(stores)] == ["down", "soon", "mid", "late"]


@pytest.mark.parametrize("days_left, expiring", [(-1, False), (0, True), (29, True), (30, False), (None, False)])
def test_rows_inside_the_window_are_marked(days_left, expiring):
    [row] = rows_of({"h": store([membership(days_left=days_left)])}, expiring_days=30)
    assert row["expiring"] is expiring


def test_an_expired_credential_is_a_problem_not_an_expiring_one():
    [row] = rows_of({"h": store([membership(days_left=-3, not_after="2026-11-30T00:00:00Z", chain_verified=False,
                                            chain_problem="PEER_E_INVALID_TIME_PERIOD: expired")])})
    assert row["problems"] == ["PEER_E_INVALID_TIME_PERIOD: expired", "expired on 2026-11-30T00:00:00Z"]
    assert not row["expiring"]


def test_issuer_and_revocation_come_from_the_owners_records():
    stores = {"owner": owner_store(issued(revoked=True)), "member": store([membership()])}
    rows = {row["host"]: row for row in rows_of(stores)}
    assert rows["member"]["issuer"] == OWNER
    assert rows["member"]["revoked"] is True
    assert rows["member"]["problems"] == ["revoked by %s on 2026-11-01T00:00:00Z but still held" % OWNER]
    # The owner's own membership: issued by the group root, no record, no revocation known.
    assert rows["owner"]["issuer"] == GROUP and rows["owner"]["revoked"] is None and rows["owner"]["problems"] == []


def test_the_record_of_the_held_credential_decides_not_an_older_revoked_one():
    old = issued(not_after="2026-12-20T00:00:00Z", revoked=True, not_before="2025-12-20T00:00:00Z")
    stores = {"owner": owner_store(old, issued()), "member": store([membership()])}
    member = [row for row in rows_of(stores) if row["host"] == "member"][0]
    assert member["revoked"] is False and member["problems"] == []


def test_a_renewal_not_joined_yet_is_a_problem():
    renewal = issued(not_after="2027-12-01T00:00:00Z", days_left=363, not_before="2026-12-01T00:00:00Z")
    stores = {"owner": owner_store(issued(), renewal), "member": store([membership(not_after="2026-12-20T00:00:00Z", days_left=16)])}
    member = [row for row in rows_of(stores) if row["host"] == "member"][0]
    assert member["problems"] == ["a renewal until 2027-12-01T00:00:00Z was issued and is not joined yet"]


def test_a_live_credential_no_host_holds_gets_a_row_and_revoked_or_expired_ones_do_not():
    gone = "e" * 40 + ".gone"
    stores = {"owner": owner_store(issued(identity=gone), issued(identity="f" * 40 + ".revoked", revoked=True),
                                   issued(identity="9" * 40 + ".old", days_left=-1))}
    unheld = [row for row in rows_of(stores) if row["host"] == ""]
    assert [(row["identity_peer_name"], row["problems"]) for row in unheld] == [(gone, ["issued, but no host of this report holds it"])]


@pytest.mark.parametrize("result, problem", [
    ({"unreachable": True, "msg": "Failed to connect"}, "unreachable: Failed to connect"),
    ({"failed": True, "msg": "PEER_E_NO_KEY_ACCESS"}, "store_info failed: PEER_E_NO_KEY_ACCESS"),
    (None, "no answer was recorded for this host"),
    (store(exists=False), "no store at /var/lib/peernet"),
    (store(), "no group membership"),
])
def test_a_host_without_an_inventory_is_a_row_with_why(result, problem):
    rows = build_rows(["h"], {"h": result}, 30)
    assert [(row["host"], row["problems"]) for row in rows] == [("h", [problem])]
    header, csv_rows = parse_csv(render_csv(rows))
    assert csv_rows[0]["problems"] == problem and csv_rows[0]["not_after"] == ""


def test_store_integrity_problems_reach_every_row_of_the_host():
    rows = rows_of({"h": store([membership(), membership(group=OTHER_GROUP)], integrity_problems=["sqlite: page 3"])})
    assert [row["problems"] for row in rows] == [["store: sqlite: page 3"]] * 2


def test_the_csv_has_every_column_and_neutralises_formulas():
    hostile = {"=cmd|' /C calc'!A0": "=", "+1": "+", "-2+3": "-", "@SUM(A1)": "@", "\tx": "tab", "\rx": "cr"}
    memberships = [membership(group=("c" * 40 + "." + text), group_friendly_name=text) for text in hostile]
    header, rows = parse_csv(render_csv(rows_of({"h": store(memberships)})))
    assert tuple(header) == CSV_COLUMNS
    assert sorted(row["group_classifier"] for row in rows) == sorted("'" + text for text in hostile)
    assert sorted(row["group_friendly_name"] for row in rows) == sorted("'" + text for text in hostile)
    # Numbers the report computes are numbers; the peer names start with their hex authority.
    assert {row["days_left"] for row in rows} == {"180"}
    assert all(row["group_peer_name"].startswith("c" * 40) for row in rows)


def test_a_negative_days_left_stays_a_number():
    _header, [row] = parse_csv(render_csv(rows_of({"h": store([membership(days_left=-3)])})))
    assert row["days_left"] == "-3"


def test_the_csv_keeps_line_breaks_and_quotes_inside_one_cell():
    text = 'two\nlines, "quoted"'
    _header, [row] = parse_csv(render_csv(rows_of({"h": store([membership(group_friendly_name=text)])})))
    assert row["group_friendly_name"] == text


def test_the_page_escapes_every_value():
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'
    stores = {
        "<b>host</b>": store([membership(identity="b" * 40 + "." + hostile, group="c" * 40 + "." + hostile, group_friendly_name=hostile,
                                         roles=[hostile], chain_verified=False, chain_problem=hostile)]),
        "down'\"": {"failed": True, "msg": hostile},
    }
    page = render_html(rows_of(stores), DATE, 30)
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b>" not in lowered
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;" in page
    assert "&lt;b&gt;host&lt;/b&gt;" in page and "down&#x27;&quot;" in page


def test_the_page_loads_nothing_and_runs_nothing():
    page = render_html(rows_of({"owner": owner_store(issued()), "member": store([membership(days_left=5)])}), DATE, 30)
    lowered = page.lower()
    for needle in ("<script", "<link", "<img", "<iframe", "src=", "href=", "@import", "url(", "http:", "https:"):
        assert needle not in lowered, needle
    assert "content-security-policy" in lowered and "default-src 'none'" in lowered


def test_control_characters_and_bidi_overrides_cannot_disguise_a_name():
    name = "ev\u202eil\x1b[31m"
    page = render_html(rows_of({"h": store([membership(group_friendly_name=name)])}), DATE, 30)
    assert "\x1b" not in page
    assert "<bdi>ev\u202eil\ufffd[31m</bdi>" in page


def test_the_page_marks_expiring_rows_and_problem_rows():
    stores = {"soon": store([membership(days_left=5)]), "late": store([membership(days_left=200, not_after="2027-12-01T00:00:00Z")]),
              "down": {"unreachable": True, "msg": "timeout"}}
    page = render_html(rows_of(stores), DATE, 30)
    body = re.findall(r"<tr( class=\"[^\"]*\")?><td><bdi>(\w+)</bdi>", page)
    assert body == [(' class="problem"', "down"), (' class="expiring"', "soon"), ("", "late")]
    assert page.count('<span class="mark">expiring</span>') == 1
    assert "1 expiring within 30 days; 1 with problems" in page


def test_the_same_data_gives_the_same_bytes_and_the_date_is_the_only_time():
    stores = {"owner": owner_store(issued()), "member": store([membership()])}
    first = render_html(rows_of(stores), DATE, 30) + render_csv(rows_of(stores))
    assert first == render_html(rows_of(dict(reversed(list(stores.items())))), DATE, 30) + render_csv(rows_of(stores))
    # The only times of day on the page are the data's own expiry times.
    page = render_html(rows_of(stores), DATE, 30)
    for not_after in ("2027-06-01T00:00:00Z", "2027-12-01T00:00:00Z"):
        page = page.replace(not_after, "")
    assert re.findall(r"\d\d:\d\d", page) == []


def test_an_empty_fleet_gives_a_page_and_a_header_only_csv():
    rows = build_rows([], {}, 30)
    assert rows == [] and summary(rows) == {"rows": 0, "hosts": 0, "expiring": 0, "with_problems": 0}
    assert "No host to report." in render_html(rows, DATE, 30)
    assert render_csv(rows) == ",".join(CSV_COLUMNS) + "\r\n"


def test_only_the_named_fields_of_a_result_reach_the_report():
    secret = "never-shown-7d1c"
    result = store([membership(private_key=secret, group_key=secret)], invocation={"module_args": {"password": secret}}, issued_records=[
        issued(invitation_xml=secret)])
    rows = rows_of({"h": result})
    assert secret not in render_html(rows, DATE, 30) and secret not in render_csv(rows)
