# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PEERINVITATION (docs/format.md): layout, strict reading, the issuer's signature; PEERIDENTITYINFO reading."""

from __future__ import annotations

import datetime
import os
import re

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

DAY = datetime.timedelta(days=1)
COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 5))


class Chain(object):
    """GRC -> administrator GMC -> member GMC, with every key."""


@pytest.fixture(scope="module")
def chain():
    made = Chain()
    made.group_key, made.admin_key, made.member_key = (certs.generate_key(2048) for _key in range(3))
    made.group = str(peername.secure_name(made.group_key.public_key(), "farm"))
    made.admin = str(peername.secure_name(made.admin_key.public_key(), "admin"))
    made.member = str(peername.secure_name(made.member_key.public_key(), "web1"))
    root = certs.make_group_root(made.group_key, made.group)
    admin_gmc = certs.issue_gmc(root, made.group_key, made.admin_key.public_key(), made.admin, made.group, ["administrator"], 30 * DAY)
    member_gmc = certs.issue_gmc(admin_gmc, made.admin_key, made.member_key.public_key(), made.member, made.group, ["member"], 10 * DAY)
    made.certs = [root, admin_gmc, member_gmc]
    return made


def _render(chain, signing_key=None, name="Farm & <co>", cloud="Global_"):
    return documents.render_invitation(cloud, "site-local", 1, chain.certs, name, signing_key or chain.admin_key)


def _expect(name, call, *args):
    with pytest.raises(PeerError) as caught:
        call(*args)
    assert caught.value.name == name, str(caught.value)
    return caught.value


def test_layout_and_round_trip(chain):
    data = _render(chain)
    lines = data.decode("utf-8").split("\n")
    assert lines[:5] == ['<?xml version="1.0" encoding="UTF-8"?>', '<PEERINVITATION VERSION="1.0">', "  <CLOUDNAME>Global_</CLOUDNAME>",
                         "  <SCOPE>SITELOCAL</SCOPE>", "  <CLOUDFLAGS>1</CLOUDFLAGS>"]
    assert re.fullmatch('  <GMC xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64">[A-Za-z0-9+/=]+</GMC>', lines[5])
    assert lines[6] == '  <pn:GROUPFRIENDLYNAME xmlns:pn="urn:peernet:peergroup:1">Farm &amp; &lt;co&gt;</pn:GROUPFRIENDLYNAME>'
    assert re.fullmatch('  <pn:SIGNATURE xmlns:pn="urn:peernet:peergroup:1">[A-Za-z0-9+/=]+</pn:SIGNATURE>', lines[7])
    assert lines[8:] == ["</PEERINVITATION>", ""]
    parsed = documents.parse_invitation(data)
    assert (parsed.cloud, parsed.scope, parsed.cloud_flags, parsed.group_friendly_name) == ("Global_", "site-local", 1, "Farm & <co>")
    verified = documents.verify_invitation(parsed)
    assert verified.subjects == [chain.group, chain.admin, chain.member] and verified.roles == ["member"]
    unnamed = documents.parse_invitation(_render(chain, name=None))
    assert unnamed.group_friendly_name is None
    documents.verify_invitation(unnamed)


@pytest.mark.parametrize("old, new", [
    (b"<CLOUDNAME>Global_<", b"<CLOUDNAME>Evil_<"),
    (b"<SCOPE>SITELOCAL<", b"<SCOPE>GLOBAL<"),
    (b"<CLOUDFLAGS>1<", b"<CLOUDFLAGS>0<"),
    (b"Farm &amp; &lt;co&gt;", b"Farm"),
])
def test_every_field_is_signed(chain, old, new):
    data = _render(chain)
    assert old in data
    parsed = documents.parse_invitation(data.replace(old, new))
    error = _expect("PEER_E_INVITATION_NOT_TRUSTED", documents.verify_invitation, parsed)
    assert "pn:SIGNATURE" in error.message


def test_removing_the_friendly_name_breaks_the_signature(chain):
    data = re.sub(rb"  <pn:GROUPFRIENDLYNAME[^\n]*\n", b"", _render(chain))
    _expect("PEER_E_INVITATION_NOT_TRUSTED", documents.verify_invitation, documents.parse_invitation(data))


def test_a_signature_by_another_key_is_refused(chain):
    for key in (chain.member_key, chain.group_key):
        _expect("PEER_E_INVITATION_NOT_TRUSTED", documents.verify_invitation, documents.parse_invitation(_render(chain, signing_key=key)))


def test_chain_faults_are_not_trusted_and_time_is_its_own(chain):
    forged = list(chain.certs)
    forged[2] = certs.issue_gmc(chain.certs[1], chain.member_key, chain.member_key.public_key(), chain.member, chain.group, ["member"], DAY)
    data = documents.render_invitation("Global_", "global", 0, forged, None, chain.admin_key)
    _expect("PEER_E_INVITATION_NOT_TRUSTED", documents.verify_invitation, documents.parse_invitation(data))
    later = datetime.datetime.now(datetime.timezone.utc) + 20 * DAY
    _expect("PEER_E_INVALID_TIME_PERIOD", documents.verify_invitation, documents.parse_invitation(_render(chain)), later)


def test_strict_layout(chain):
    data = _render(chain)
    _expect("E_INVALIDARG", documents.parse_invitation, data.replace(b"  <SCOPE>", b"  <EXTRA/>\n  <SCOPE>"))
    _expect("E_INVALIDARG", documents.parse_invitation, re.sub(rb"  <pn:SIGNATURE[^\n]*\n", b"", data))
    not_base64 = re.sub(rb'(<pn:SIGNATURE xmlns:pn="[^"]*">)', rb"\1=", data)
    _expect("E_INVALIDARG", documents.parse_invitation, not_base64)
    _expect("PEER_E_UNSUPPORTED_VERSION", documents.parse_invitation, data.replace(b'VERSION="1.0"', b'VERSION="1.1"'))


def test_identity_info_round_trip_and_refusals(chain):
    idc = certs.make_identity_certificate(chain.member_key, chain.member)
    info = documents.render_identity_info(idc)
    assert certs.peer_name_of(documents.parse_identity_info(info)) == chain.member
    two = documents._document(['<PEERIDENTITYINFO VERSION="1.0">',
                               documents._base64_element("IDC", certs.chain_to_pkcs7(chain.certs[:2])), "</PEERIDENTITYINFO>"])
    _expect("E_INVALIDARG", documents.parse_identity_info, two)
    gmc_only = documents._document(['<PEERIDENTITYINFO VERSION="1.0">',
                                    documents._base64_element("IDC", certs.chain_to_pkcs7(chain.certs[2:])), "</PEERIDENTITYINFO>"])
    _expect("PEER_E_INVALID_CREDENTIAL", documents.parse_identity_info, gmc_only)


def test_the_example_of_format_md():
    text = open(os.path.join(COLLECTION, "docs", "format.md"), encoding="utf-8").read()
    section = text[text.index("## PEERINVITATION"):]
    example = section[section.index("```xml\n") + len("```xml\n"):section.index("```\n", section.index("```xml\n") + 7)].encode("utf-8")
    parsed = documents.parse_invitation(example)
    moment = datetime.datetime(2026, 12, 2, tzinfo=datetime.timezone.utc)
    verified = documents.verify_invitation(parsed, now=moment)
    assert [name.rpartition(".")[2] for name in verified.subjects] == ["farm", "owner", "web1"]
    assert verified.roles == ["member"]
    signature_line = [line for line in example.split(b"\n") if b"pn:SIGNATURE" in line]
    unsigned = documents.render_invitation(parsed.cloud, parsed.scope, parsed.cloud_flags, parsed.certificates,
                                           parsed.group_friendly_name, certs.generate_key(2048))
    relaid = [line if b"pn:SIGNATURE" not in line else signature_line[0] for line in unsigned.split(b"\n")]
    assert b"\n".join(relaid) == example
