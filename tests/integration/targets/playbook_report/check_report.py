# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the report that runme.sh made: python check_report.py FOLDER [--expiring-days N] [--revoked]."""

from __future__ import annotations

import argparse
import csv
import os
import stat

COLUMNS = [
    "host", "identity_peer_name", "group_classifier", "group_peer_name", "group_friendly_name", "roles", "owner",
    "issuer", "not_after", "days_left", "expiring", "revoked", "problems",
]
FORMULA = '=HYPERLINK("http://example.invalid")'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--expiring-days", type=int, default=30)
    parser.add_argument("--revoked", action="store_true", help="the owner has revoked beta's credential")
    args = parser.parse_args()
    html_path = os.path.join(args.folder, "peergroup-report.html")
    csv_path = os.path.join(args.folder, "peergroup-report.csv")

    assert stat.S_IMODE(os.stat(args.folder).st_mode) == 0o700, oct(os.stat(args.folder).st_mode)
    for path in (html_path, csv_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, (path, oct(os.stat(path).st_mode))

    with open(csv_path, encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == COLUMNS, table[0]
    rows = [dict(zip(COLUMNS, line)) for line in table[1:]]
    assert len(rows) == 6, rows

    # The hosts that did not answer come first, with why.
    undated = {row["host"]: row for row in rows[:2]}
    assert sorted(undated) == ["delta", "gamma"] and not any(row["group_peer_name"] for row in undated.values()), rows[:2]
    assert undated["gamma"]["problems"].startswith("store_info failed: "), undated
    assert undated["delta"]["problems"].startswith("unreachable: "), undated

    dated = rows[2:]
    assert [row["not_after"] for row in dated] == sorted(row["not_after"] for row in dated), dated
    assert [(row["host"], row["group_classifier"]) for row in dated] == [
        ("alpha", "'" + FORMULA), ("beta", "deck"), ("alpha", "crew"), ("beta", "crew")], dated
    soonest, deck, crew, member = dated
    # The formula and the @ name come back as text, not as formulas.
    assert soonest["group_friendly_name"] == "'@SUM(1+1)", soonest
    assert soonest["group_peer_name"].endswith("." + FORMULA), soonest
    assert int(soonest["days_left"]) in (9, 10), soonest
    assert soonest["expiring"] == ("yes" if int(soonest["days_left"]) < args.expiring_days else ""), soonest
    for row in (soonest, deck, crew):
        assert row["owner"] == "yes" and row["roles"] == "administrator" and row["revoked"] == "" and row["problems"] == "", row
        # The creator's certificate is issued by the group root itself.
        assert row["issuer"] == row["group_peer_name"], row
        assert row["identity_peer_name"].endswith("." + row["host"] + "-node"), row
    assert deck["expiring"] == crew["expiring"] == member["expiring"] == ""

    # beta joined alpha's crew: the issuer and the revocation come from alpha's records.
    assert member["group_peer_name"] == crew["group_peer_name"] and member["identity_peer_name"] == deck["identity_peer_name"], member
    assert member["roles"] == "member" and member["owner"] == "no" and member["issuer"] == crew["identity_peer_name"], member
    if args.revoked:
        assert member["revoked"] == "yes", member
        assert member["problems"].startswith("revoked by %s on " % crew["identity_peer_name"]), member
        assert member["problems"].endswith(" but still held"), member
    else:
        assert member["revoked"] == "no" and member["problems"] == "", member

    with open(html_path, encoding="utf-8") as handle:
        page = handle.read()
    lowered = page.lower()
    assert "<script" not in lowered and "src=" not in lowered and "href=" not in lowered and "@import" not in lowered
    assert "&lt;script&gt;alert(&#x27;crew&#x27;)&lt;/script&gt;" in page
    assert "Deck &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert ("expiring</span>" in page) == (int(soonest["days_left"]) < args.expiring_days)
    assert "default-src 'none'" in page
    print("report checked: %d rows" % len(rows))


if __name__ == "__main__":
    main()
