# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# PRIVATE: internal to playbook peernet.peergroup.report; do not use directly.
"""The rows of the fleet report and their HTML page and CSV file.

Input is what ``store_info`` returned on each host (or the failure Ansible registered for it).
Every value from a host is outside data: it is escaped in the page, neutralised in the CSV,
and nothing but the fields named here is read from a result.
"""

from __future__ import annotations

import csv
import html
import io
import re

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

CSV_COLUMNS = (
    "host", "identity_peer_name", "group_classifier", "group_peer_name", "group_friendly_name", "roles", "owner",
    "issuer", "not_after", "days_left", "expiring", "revoked", "problems",
)
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# C0/C1 controls have no place on a page; a tab or a line break in a name would hide its shape.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
NO_DATE = ""


def _text(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _days(value):
    # JSON gives an int; anything else from a host is no number of days.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _list(value):
    return value if isinstance(value, list) else []


def _dicts(value):
    return [entry for entry in _list(value) if isinstance(entry, dict)]


def _classifier(group_peer_name):
    try:
        return peername.parse(group_peer_name).classifier
    except (PeerError, TypeError, AttributeError):
        return ""


def _row(host, **fields):
    row = {
        "host": host, "identity_peer_name": "", "group_classifier": "", "group_peer_name": "", "group_friendly_name": "",
        "roles": [], "owner": None, "issuer": "", "not_after": NO_DATE, "days_left": None, "expiring": False,
        "revoked": None, "problems": [],
    }
    row.update(fields)
    return row


def _issued_index(stores):
    """``{(identity, group): [issued record, ...]}`` over every store that answered."""
    index = {}
    for result in stores.values():
        if not isinstance(result, dict) or result.get("failed") or result.get("unreachable"):
            continue
        for record in _dicts(result.get("issued")):
            key = (_text(record.get("identity_peer_name")), _text(record.get("group_peer_name")))
            index.setdefault(key, []).append(record)
    return index


def _host_problem(result):
    """Why a host gave no inventory, or None when it did."""
    if not isinstance(result, dict):
        return "no answer was recorded for this host"
    if result.get("unreachable"):
        return "unreachable: %s" % _text(result.get("msg"))
    if result.get("failed"):
        return "store_info failed: %s" % _text(result.get("msg"))
    return None


def _matching_issue(membership, records):
    """The issued record of this exact credential (same not_after), else the latest one issued."""
    for record in records:
        if _text(record.get("not_after")) == _text(membership.get("not_after")):
            return record, True
    latest = max(records, key=lambda record: _text(record.get("not_before")))
    return latest, False


def _membership_row(host, membership, issued, store_problems):
    identity = _text(membership.get("identity_peer_name"))
    group = _text(membership.get("group_peer_name"))
    not_after = _text(membership.get("not_after"))
    days_left = _days(membership.get("days_left"))
    problems = []
    if membership.get("chain_verified") is False:
        problems.append(_text(membership.get("chain_problem")) or "the chain does not verify")
    if days_left is not None and days_left < 0:
        problems.append("expired on %s" % not_after)
    issuer = ""
    revoked = None
    records = issued.get((identity, group))
    if records:
        record, exact = _matching_issue(membership, records)
        issuer = _text(record.get("issuer_peer_name"))
        revoked = record.get("revoked") is True
        if revoked:
            problems.append("revoked by %s on %s but still held" % (issuer, _text(record.get("revoked_at"))))
        elif not exact and _text(record.get("not_after")) > not_after:
            problems.append("a renewal until %s was issued and is not joined yet" % _text(record.get("not_after")))
    elif membership.get("chain_length") == 2:
        # GRC -> leaf: the group root itself issued the leaf (the creator, or a copy of its configuration).
        issuer = group
    problems.extend(store_problems)
    return _row(
        host,
        identity_peer_name=identity,
        group_classifier=_classifier(group),
        group_peer_name=group,
        group_friendly_name=_text(membership.get("group_friendly_name")),
        roles=sorted(_text(role) for role in _list(membership.get("roles"))),
        owner=membership.get("owner") is True,
        issuer=issuer,
        not_after=not_after,
        days_left=days_left,
        revoked=revoked,
        problems=problems,
    )


def _host_rows(host, result, issued):
    problem = _host_problem(result)
    if problem is not None:
        return [_row(host, problems=[problem])]
    store_problems = ["store: %s" % _text(problem) for problem in _list(result.get("integrity_problems"))]
    if not result.get("exists"):
        return [_row(host, problems=["no store at %s" % _text(result.get("store_path"))])]
    memberships = _dicts(result.get("memberships"))
    if not memberships:
        return [_row(host, problems=["no group membership"] + store_problems)]
    return [_membership_row(host, membership, issued, store_problems) for membership in memberships]


def _unheld_rows(issued, held):
    """Live credentials an owner issued that no host of the report holds."""
    rows = []
    for key, records in issued.items():
        if key in held:
            continue
        for record in records:
            days_left = _days(record.get("days_left"))
            if record.get("revoked") is True or days_left is None or days_left < 0:
                continue
            rows.append(_row(
                "",
                identity_peer_name=key[0],
                group_classifier=_text(record.get("group_classifier")) or _classifier(key[1]),
                group_peer_name=key[1],
                roles=sorted(_text(role) for role in _list(record.get("roles"))),
                issuer=_text(record.get("issuer_peer_name")),
                not_after=_text(record.get("not_after")),
                days_left=days_left,
                revoked=False,
                problems=["issued, but no host of this report holds it"],
            ))
    return rows


def _sort_key(row):
    # Rows without a date (hosts that did not answer, empty stores) first: nothing is known of them.
    return (row["not_after"] != NO_DATE, row["not_after"], row["host"], row["group_peer_name"], row["identity_peer_name"])


def build_rows(hosts, stores, expiring_days):
    """Every host x group of the report, soonest expiry first, those within ``expiring_days`` marked.

    ``hosts`` are the inventory names in report order; ``stores`` maps each to its ``store_info``
    result, or to the failure registered for it (``failed`` or ``unreachable`` with ``msg``).
    """
    issued = _issued_index(stores)
    rows = []
    for host in hosts:
        rows.extend(_host_rows(host, stores.get(host), issued))
    held = {(row["identity_peer_name"], row["group_peer_name"]) for row in rows}
    rows.extend(_unheld_rows(issued, held))
    for row in rows:
        row["expiring"] = row["days_left"] is not None and 0 <= row["days_left"] < expiring_days
    rows.sort(key=_sort_key)
    return rows


def summary(rows):
    """Counts for the task result and the page's heading."""
    return {
        "rows": len(rows),
        "hosts": len({row["host"] for row in rows if row["host"]}),
        "expiring": sum(1 for row in rows if row["expiring"]),
        "with_problems": sum(1 for row in rows if row["problems"]),
    }


def _yes_no(value):
    return "" if value is None else ("yes" if value else "no")


def _cells(row):
    return {
        "host": row["host"],
        "identity_peer_name": row["identity_peer_name"],
        "group_classifier": row["group_classifier"],
        "group_peer_name": row["group_peer_name"],
        "group_friendly_name": row["group_friendly_name"],
        "roles": " ".join(row["roles"]),
        "owner": _yes_no(row["owner"]),
        "issuer": row["issuer"],
        "not_after": row["not_after"],
        "days_left": row["days_left"],
        "expiring": "yes" if row["expiring"] else "",
        "revoked": _yes_no(row["revoked"]),
        "problems": "; ".join(row["problems"]),
    }


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    # A leading quote makes the cell text for a spreadsheet and shows what the host sent.
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def render_csv(rows):
    """The CSV file: a header, then one line per row (RFC 4180 quoting, CRLF)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        cells = _cells(row)
        writer.writerow([_csv_cell(cells[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _h(value):
    return html.escape(_CONTROLS.sub("\ufffd", _text(value)), quote=True)


def _bdi(value):
    # <bdi> keeps a right-to-left or override character in a name from reordering its neighbours.
    return "<bdi>%s</bdi>" % _h(value) if value else ""


_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #c8c8c8; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eeeeee; position: sticky; top: 0; }
.name { font-family: monospace; word-break: break-all; }
td.number { text-align: right; }
tr.expiring td { background: #fff3c4; }
tr.problem td { background: #fde0de; }
.mark { font-weight: bold; }
"""

_HEADINGS = (
    "Host", "Identity", "Group", "Roles", "Issuer", "Not after (UTC)", "Days left", "Revoked", "Problems",
)


def _html_row(row):
    classes = []
    if row["problems"]:
        classes.append("problem")
    if row["expiring"]:
        classes.append("expiring")
    group = _bdi(row["group_classifier"] or row["group_peer_name"])
    if row["group_friendly_name"]:
        group += "<br>%s" % _bdi(row["group_friendly_name"])
    if row["group_peer_name"]:
        group += '<br><small class="name">%s</small>' % _bdi(row["group_peer_name"])
    roles = _h(" ".join(row["roles"]))
    if row["owner"]:
        roles += "<br>(holds the group key)"
    cells = [
        "<td>%s</td>" % _bdi(row["host"]),
        '<td class="name">%s</td>' % _bdi(row["identity_peer_name"]),
        "<td>%s</td>" % group,
        "<td>%s</td>" % roles,
        '<td class="name">%s</td>' % _bdi(row["issuer"]),
        "<td>%s</td>" % _h(row["not_after"]),
        '<td class="number">%s%s</td>' % (_h(row["days_left"]), ' <span class="mark">expiring</span>' if row["expiring"] else ""),
        "<td>%s</td>" % _h(_yes_no(row["revoked"])),
        "<td>%s</td>" % "<br>".join(_bdi(problem) for problem in row["problems"]),
    ]
    class_attribute = ' class="%s"' % " ".join(classes) if classes else ""
    return "<tr%s>%s</tr>" % (class_attribute, "".join(cells))


def render_html(rows, data_date, expiring_days):
    """A self-contained page: no script, no external resource, inline CSS only.

    ``data_date`` (YYYY-MM-DD) is the day the stores were read: the page holds no clock time,
    so a run on the same day with the same data writes the same bytes.
    """
    counts = summary(rows)
    title = "Peer group report, %s" % data_date
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        # Refuses scripts and every fetch even if a value escaped its cell.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>%s</title>" % _h(title),
        "<style>%s</style>" % _STYLE,
        "</head>",
        "<body>",
        "<h1>%s</h1>" % _h(title),
        "<p>%d host(s), %d row(s); %d expiring within %d days; %d with problems. "
        "Soonest expiry first; rows without a date (hosts that did not answer, empty stores) on top.</p>"
        % (counts["hosts"], counts["rows"], counts["expiring"], expiring_days, counts["with_problems"]),
        "<table>",
        "<thead><tr>%s</tr></thead>" % "".join("<th>%s</th>" % _h(heading) for heading in _HEADINGS),
        "<tbody>",
    ]
    lines.extend(_html_row(row) for row in rows)
    if not rows:
        lines.append('<tr><td colspan="%d">No host to report.</td></tr>' % len(_HEADINGS))
    lines.extend(["</tbody>", "</table>", "</body>", "</html>", ""])
    return "\n".join(lines)
