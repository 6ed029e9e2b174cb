# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the XML documents: hardened parsing, strict layout, the seal.

The KDF floor forbids cheap test keys, so the module derives a few keys once
(module-scoped fixtures) and reuses them.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import re
import shutil
import struct
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import seal
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup import builders

PASSWORD = "s3cret p\u00e4ssword"
CLOUD = "Global_"


class Fleet(object):
    """Keys, certificates and one sealed document of each kind, made once."""


@pytest.fixture(scope="module")
def fleet():
    f = Fleet()
    f.identity_key = certs.generate_key(2048)
    f.identity_name = str(peername.secure_name(f.identity_key.public_key(), "alice"))
    f.idc = certs.make_identity_certificate(f.identity_key, f.identity_name)
    f.group_key = certs.generate_key(2048)
    f.group_name = str(peername.secure_name(f.group_key.public_key(), "team"))
    f.grc = certs.make_group_root(f.group_key, f.group_name)
    f.gmc = certs.issue_gmc(
        f.grc, f.group_key, f.identity_key.public_key(), f.identity_name, f.group_name,
        [certs.ROLE_ADMIN], datetime.timedelta(days=30),
    )
    f.chain = (certs.certificate_to_der(f.grc), certs.certificate_to_der(f.gmc))
    f.member = documents.GroupConfig(
        identity_peer_name=f.identity_name,
        group_peer_name=f.group_name,
        cloud=CLOUD,
        scope="global",
        cloud_flags=0,
        chain=f.chain,
        group_key=None,
    )
    f.owner = f.member._replace(group_key=certs.private_key_to_der(f.group_key))
    f.cache = seal.KeyCache(PASSWORD)
    f.seal_key = f.cache.new_key()
    f.member_xml = documents.render_group_config(f.member, f.seal_key)
    f.owner_xml = documents.render_group_config(f.owner, f.seal_key)
    f.identity_xml = documents.render_identity_export(f.identity_name, f.identity_key, f.idc, f.seal_key)
    return f


@pytest.fixture(scope="module")
def wrong_cache():
    return seal.KeyCache(PASSWORD + "!")


def _error(call, *args):
    with pytest.raises(PeerError) as info:
        call(*args)
    return info.value


def _replace(data, old, new, count=1):
    assert data.count(old) >= 1, old
    return data.replace(old, new, count)


def _element(data, tag):
    """Text of the first ``<tag>...</tag>`` in a rendered document."""
    match = re.search(rb"<" + tag + rb"(?: [^>]*)?>([^<]*)</" + tag + rb">", data)
    assert match, tag
    return match.group(1)


def _other_name(name):
    """A different well-formed secure peer name: flip one authority digit."""
    first = "1" if name[0] != "1" else "2"
    return first + name[1:]


# --- round trips ------------------------------------------------------------------------


def test_member_round_trip(fleet):
    sealed = documents.parse_group_config(fleet.member_xml)
    assert sealed.identity_peer_name == fleet.identity_name
    assert sealed.group_peer_name == fleet.group_name
    assert (sealed.cloud, sealed.scope, sealed.cloud_flags) == (CLOUD, "global", 0)
    assert sealed.group_key_included is False
    assert sealed.kdf == seal.DEFAULT_KDF
    assert sealed.digest == hashlib.sha256(fleet.member_xml).hexdigest()
    assert sealed.chain_der == base64.b64decode(_element(fleet.member_xml, b"GMC"))
    assert [certs.certificate_to_der(cert) for cert in sealed.certificates] == list(fleet.chain)
    before = fleet.cache.derivations
    config = sealed.open(fleet.cache)
    assert fleet.cache.derivations == before
    assert config.group_key is None
    assert config == fleet.member
    assert config.diff_fields(fleet.member) == []


def test_owner_round_trip(fleet):
    sealed = documents.parse_group_config(fleet.owner_xml)
    assert sealed.group_key_included is True
    config = sealed.open(fleet.cache)
    assert config.group_key == fleet.owner.group_key
    assert config.public_fields() == documents.parse_group_config(fleet.member_xml).open(fleet.cache).public_fields()
    assert b"PRIVATE" not in fleet.owner_xml


def test_imported_group_key_is_checked_unless_the_caller_only_compares(fleet):
    broken = fleet.owner._replace(group_key=builders.inconsistent_rsa_der(fleet.group_key))
    if not builders.RSA_CHECK_CAN_BE_SKIPPED:
        assert _error(documents.render_group_config, broken, fleet.seal_key).name == "E_INVALIDARG"
        return
    sealed = documents.parse_group_config(documents.render_group_config(broken, fleet.seal_key))
    assert _error(sealed.open, fleet.cache).name == "E_INVALIDARG"
    assert sealed.open(fleet.cache, check_key=False) == broken


def test_render_is_deterministic_given_the_nonce(fleet):
    nonce = bytes(12)
    first = documents.render_group_config(fleet.owner, fleet.seal_key, nonce)
    assert documents.render_group_config(fleet.owner, fleet.seal_key, nonce) == first
    assert documents.render_group_config(fleet.owner, fleet.seal_key) != documents.render_group_config(fleet.owner, fleet.seal_key)
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<PEERGROUPCONFIG VERSION="1.0">\n')


def test_document_layout(fleet):
    text = fleet.member_xml.decode("utf-8")
    tags = re.findall(r"<([A-Za-z:]+)[ >/]", text)
    assert tags == [
        "PEERGROUPCONFIG", "IDENTITYPEERNAME", "GROUPPEERNAME", "CLOUDNAME", "SCOPE", "CLOUDFLAGS", "GMC",
        "pn:SEAL", "pn:KDF", "pn:SALT", "pn:KCV", "pn:NONCE", "pn:CIPHERTEXT",
    ]
    assert '<GMC xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64">' in text
    assert '<pn:SEAL xmlns:pn="urn:peernet:peergroup:1">' in text
    assert '<pn:KDF name="scrypt" n="32768" r="8" p="1"/>' in text
    assert "<SCOPE>GLOBAL</SCOPE>" in text and "<CLOUDFLAGS>0</CLOUDFLAGS>" in text


def test_one_kdf_for_a_batch(fleet):
    cache = seal.KeyCache(PASSWORD)
    key = cache.new_key()
    documents_ = [documents.render_group_config(fleet.member._replace(cloud="c%d" % i), key) for i in range(5)]
    nonces = {_element(doc, b"pn:NONCE") for doc in documents_}
    assert len(nonces) == 5
    for doc in documents_:
        documents.parse_group_config(doc).open(cache)
    assert cache.derivations == 1


@pytest.mark.parametrize(
    "cloud",
    ["Global_", "LinkLocal_{0F4B0B6A-3E0E-4C4C-9A1B-2C3D4E5F6A7B}", "a&b<c>\"d'e\r\tf\n", "\U0001F600" * 63, "x" * 126],
)
def test_cloud_names_survive_verbatim(fleet, cloud):
    data = documents.render_group_config(fleet.member._replace(cloud=cloud, scope="link-local", cloud_flags=1), fleet.seal_key)
    config = documents.parse_group_config(data).open(fleet.cache)
    assert (config.cloud, config.scope, config.cloud_flags) == (cloud, "link-local", 1)


@pytest.mark.parametrize("cloud", ["", "x" * 127, "\U0001F600" * 64, "a\x00b", "a\x01b", "\ud800"])
def test_bad_cloud_names_are_refused_on_render(fleet, cloud):
    error = _error(documents.render_group_config, fleet.member._replace(cloud=cloud), fleet.seal_key)
    assert error.name == "E_INVALIDARG"


def test_render_refuses_bad_fields(fleet):
    assert _error(documents.render_group_config, fleet.member._replace(scope="GLOBAL"), fleet.seal_key).name == "E_INVALIDARG"
    assert _error(documents.render_group_config, fleet.member._replace(cloud_flags=2), fleet.seal_key).name == "E_INVALIDARG"
    assert _error(documents.render_group_config, fleet.member._replace(cloud_flags=True), fleet.seal_key).name == "E_INVALIDARG"
    unsecured = fleet.member._replace(group_peer_name="0.team")
    assert _error(documents.render_group_config, unsecured, fleet.seal_key).name == "PEER_E_INVALID_PEER_NAME"
    foreign_key = fleet.member._replace(group_key=certs.private_key_to_der(fleet.identity_key))
    assert _error(documents.render_group_config, foreign_key, fleet.seal_key).name == "PEER_E_INVALID_CREDENTIAL"


# --- GroupConfig -----------------------------------------------------------------------------


def test_group_config_helpers_keep_the_key_out(fleet):
    fields = fleet.owner.public_fields()
    assert "group_key" not in fields
    assert fields["chain"] == fleet.chain
    assert fleet.owner.group_key not in repr(fleet.owner).encode("latin-1", "replace")
    assert fleet.owner.group_key.hex()[:64] not in repr(fleet.owner)
    assert "<redacted>" in repr(fleet.owner)
    assert fleet.member.diff_fields(fleet.owner) == ["group_key"]
    # Flip a bit: setting a byte to a fixed value leaves a key that already ends in it unchanged.
    other_key = fleet.owner._replace(group_key=fleet.owner.group_key[:-1] + bytes([fleet.owner.group_key[-1] ^ 1]))
    assert fleet.owner.diff_fields(other_key) == ["group_key"]
    changed = fleet.member._replace(cloud="x", scope="link-local", chain=list(fleet.chain))
    assert fleet.member.diff_fields(changed) == ["cloud", "scope"]


# --- passwords and tampering -------------------------------------------------------------------


def test_wrong_password(fleet, wrong_cache):
    for data in (fleet.member_xml, fleet.owner_xml):
        error = _error(documents.parse_group_config(data).open, wrong_cache)
        assert error.name == "ERROR_INVALID_PASSWORD"
        assert PASSWORD not in error.message


def _flip(b64):
    raw = base64.b64decode(b64)
    return base64.b64encode(bytes([raw[0] ^ 1]) + raw[1:])


def _tamper_cases(fleet):
    """(label, old bytes, new bytes, expected HRESULT) for every element and attribute."""
    salt = _element(fleet.member_xml, b"pn:SALT")
    kcv = _element(fleet.member_xml, b"pn:KCV")
    nonce = _element(fleet.member_xml, b"pn:NONCE")
    ciphertext = _element(fleet.owner_xml, b"pn:CIPHERTEXT")
    other_chain = base64.b64encode(certs.chain_to_pkcs7([fleet.grc]))
    identity = fleet.identity_name.encode()
    group = fleet.group_name.encode()
    return [
        ("IDENTITYPEERNAME", identity, _other_name(fleet.identity_name).encode(), "E_INVALIDARG"),
        ("GROUPPEERNAME", b"<GROUPPEERNAME>" + group, b"<GROUPPEERNAME>" + _other_name(fleet.group_name).encode(), "E_INVALIDARG"),
        ("GROUPPEERNAME classifier", b"<GROUPPEERNAME>" + group, b"<GROUPPEERNAME>" + group + b"x", "E_INVALIDARG"),
        ("CLOUDNAME", b">Global_<", b">Global2<", "E_INVALIDARG"),
        ("SCOPE", b">GLOBAL<", b">LINKLOCAL<", "E_INVALIDARG"),
        ("CLOUDFLAGS", b"<CLOUDFLAGS>0", b"<CLOUDFLAGS>1", "E_INVALIDARG"),
        ("GMC", _element(fleet.owner_xml, b"GMC"), other_chain, "E_INVALIDARG"),
        ("NONCE", nonce, _flip(nonce), "E_INVALIDARG"),
        ("CIPHERTEXT", ciphertext, _flip(ciphertext), "E_INVALIDARG"),
        ("CIPHERTEXT truncated to the tag", ciphertext, base64.b64encode(base64.b64decode(ciphertext)[-16:]), "E_INVALIDARG"),
        ("KDF n", b'n="32768"', b'n="65536"', "ERROR_INVALID_PASSWORD"),
        ("KDF r", b'r="8"', b'r="9"', "ERROR_INVALID_PASSWORD"),
        ("KDF p", b'p="1"', b'p="2"', "ERROR_INVALID_PASSWORD"),
        ("SALT", salt, _flip(salt), "ERROR_INVALID_PASSWORD"),
        ("KCV", kcv, _flip(kcv), "ERROR_INVALID_PASSWORD"),
    ]


def test_every_field_is_sealed(fleet):
    for label, old, new, expected in _tamper_cases(fleet):
        # The member's ciphertext is a bare tag: tamper the owner's document for it.
        source = fleet.owner_xml if label.startswith("CIPHERTEXT") or label == "GMC" else fleet.member_xml
        data = _replace(source, old, new)
        sealed = documents.parse_group_config(data)
        error = _error(sealed.open, fleet.cache)
        assert error.name == expected, label
        if expected == "E_INVALIDARG":
            assert "altered" in error.message, label


def test_other_spellings_are_the_same_document(fleet):
    data = _replace(fleet.owner_xml, b">GLOBAL<", b"> global <")
    data = _replace(data, b"<CLOUDFLAGS>0", b"<CLOUDFLAGS>\n0\n")
    wrapped = _element(data, b"GMC")
    data = _replace(data, wrapped, b"\n".join(wrapped[i:i + 64] for i in range(0, len(wrapped), 64)) + b"\n")
    # Another prefix for our namespace is the same document.
    data = _replace(data, b'xmlns:pn="urn:peernet:peergroup:1"', b'xmlns:peer="urn:peernet:peergroup:1"')
    data = data.replace(b"<pn:", b"<peer:").replace(b"</pn:", b"</peer:")
    data = b"\xef\xbb\xbf" + data
    sealed = documents.parse_group_config(data)
    assert sealed.digest != documents.parse_group_config(fleet.owner_xml).digest
    assert sealed.open(fleet.cache) == documents.parse_group_config(fleet.owner_xml).open(fleet.cache)


@pytest.mark.parametrize(
    "token, scope",
    [
        ("GLOBAL", "global"), ("global", "global"), ("Global", "global"),
        ("SITELOCAL", "site-local"), ("site-local", "site-local"), ("SiteLocal", "site-local"), ("SITE-LOCAL", "site-local"),
        ("LINKLOCAL", "link-local"), ("link-local", "link-local"), ("LinkLocal", "link-local"),
    ],
)
def test_scope_spellings(fleet, token, scope):
    assert documents.read_scope(token) == scope
    original = documents.render_group_config(fleet.member._replace(scope=scope), fleet.seal_key)
    token_written = documents.SCOPE_TOKENS[scope].encode()
    data = _replace(original, b"<SCOPE>" + token_written, b"<SCOPE>" + token.encode())
    sealed = documents.parse_group_config(data)
    assert sealed.scope == scope
    assert sealed.open(fleet.cache).scope == scope


@pytest.mark.parametrize("token", ["", "ANY", "site_local", "LOCAL", "GLOBAL_", "link local"])
def test_unknown_scopes(fleet, token):
    data = _replace(fleet.member_xml, b">GLOBAL<", b">" + token.encode() + b"<")
    error = _error(documents.parse_group_config, data)
    assert error.name == "E_INVALIDARG" and "SCOPE" in error.message


@pytest.mark.parametrize("flags", ["2", "01", "-0", "0x1", "", "one", "4294967297"])
def test_bad_cloud_flags(fleet, flags):
    data = _replace(fleet.member_xml, b"<CLOUDFLAGS>0", b"<CLOUDFLAGS>" + flags.encode())
    error = _error(documents.parse_group_config, data)
    assert error.name == "E_INVALIDARG" and "CLOUDFLAGS" in error.message


# --- KDF parameters in the document -----------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, words",
    [
        (b'n="32768"', b'n="16384"', "below the floor"),
        (b'n="32768"', b'n="1024"', "below the floor"),
        (b'r="8"', b'r="1"', "below the floor"),
        (b'n="32768"', b'n="131072"', "above the ceiling"),
        (b'n="32768"', b'n="1073741824"', "above the ceiling"),
        (b'r="8"', b'r="4096"', "above the ceiling"),
        (b'p="1"', b'p="16"', "above the ceiling"),
        (b'p="1"', b'p="0"', "below the floor"),
        (b'n="32768"', b'n="40000"', "power of two"),
        (b'name="scrypt"', b'name="pbkdf2"', "unsupported"),
        (b'n="32768"', b'n="032768"', "decimal"),
        (b'n="32768"', b'n="0x8000"', "decimal"),
        (b'p="1"', b'p="+1"', "decimal"),
        (b'p="1"', b'p="99999999999999999999"', "decimal"),
    ],
)
def test_kdf_limits_are_checked_before_any_derivation(fleet, monkeypatch, old, new, words):
    def no_kdf(*args, **kwargs):
        raise AssertionError("the KDF must not run")

    monkeypatch.setattr(seal, "Scrypt", no_kdf)
    cache = seal.KeyCache(PASSWORD)
    data = _replace(fleet.member_xml, old, new)
    error = _error(documents.parse_group_config, data)
    assert error.name == "E_INVALIDARG"
    assert words in error.message
    assert cache.derivations == 0


@pytest.mark.parametrize("element, size", [(b"pn:SALT", 15), (b"pn:SALT", 17), (b"pn:KCV", 8), (b"pn:NONCE", 16), (b"pn:CIPHERTEXT", 15)])
def test_seal_field_sizes(fleet, element, size):
    data = _replace(fleet.member_xml, _element(fleet.member_xml, element), base64.b64encode(bytes(size)))
    error = _error(documents.parse_group_config, data)
    assert error.name == "E_INVALIDARG" and element.decode() in error.message


# --- versions and structure -----------------------------------------------------------------------------


@pytest.mark.parametrize("version", [b"1.1", b"2.0", b"1", b"1.00", b""])
def test_unsupported_version(fleet, version):
    data = _replace(fleet.member_xml, b'VERSION="1.0"', b'VERSION="' + version + b'"')
    assert _error(documents.parse_group_config, data).name == "PEER_E_UNSUPPORTED_VERSION"


def test_missing_version_and_extra_root_attributes(fleet):
    assert _error(documents.parse_group_config, _replace(fleet.member_xml, b' VERSION="1.0"', b"")).name == "E_INVALIDARG"
    error = _error(documents.parse_group_config, _replace(fleet.member_xml, b'VERSION="1.0"', b'VERSION="1.0" EXTRA="1"'))
    assert error.name == "E_INVALIDARG" and "EXTRA" in error.message


def _line(data, tag):
    match = re.search(rb"\n( *<" + tag + rb"[ >/][^\n]*\n)", data)
    assert match, tag
    return match.group(1)


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda d: d.replace(_line(d, b"CLOUDNAME"), b""), "PEERGROUPCONFIG lacks CLOUDNAME"),
        (lambda d: d.replace(_line(d, b"GMC"), b""), "PEERGROUPCONFIG lacks GMC"),
        (lambda d: re.sub(rb"  <pn:SEAL.*</pn:SEAL>\n", b"", d, flags=re.S), "PEERGROUPCONFIG lacks pn:SEAL"),
        (lambda d: d.replace(_line(d, b"SCOPE"), _line(d, b"SCOPE") * 2), "PEERGROUPCONFIG holds SCOPE more than once"),
        (lambda d: d.replace(_line(d, b"CLOUDNAME") + _line(d, b"SCOPE"), _line(d, b"SCOPE") + _line(d, b"CLOUDNAME")), "SCOPE is out of order"),
        (lambda d: d.replace(_line(d, b"GMC"), _line(d, b"GMC") + b"  <EXTRA/>\n"), "unexpected element 'EXTRA'"),
        (lambda d: d.replace(b"<CLOUDFLAGS>", b"x<CLOUDFLAGS>"), "PEERGROUPCONFIG holds text"),
        (lambda d: d.replace(b"<CLOUDNAME>Global_", b"<CLOUDNAME>Global_<B/>"), "CLOUDNAME must hold text"),
        (lambda d: d.replace(b"<CLOUDNAME>", b'<CLOUDNAME lang="en">'), "CLOUDNAME has an unexpected attribute"),
        (lambda d: d.replace(b'dt:dt="bin.base64"', b'dt:dt="bin.hex"'), "GMC attribute dt:dt must be"),
        (lambda d: d.replace(b' dt:dt="bin.base64"', b""), "GMC lacks the attribute dt:dt"),
        (lambda d: d.replace(b'xmlns:dt="urn:schemas-microsoft-com:datatypes"', b'xmlns:dt="urn:other"'), "GMC has an unexpected attribute"),
        (lambda d: d.replace(b'xmlns:pn="urn:peernet:peergroup:1"', b'xmlns:pn="urn:peernet:peergroup:2"'),
            "unexpected element '{urn:peernet:peergroup:2}SEAL'"),
        (lambda d: d.replace(b'<pn:SEAL xmlns:pn="urn:peernet:peergroup:1">', b'<pn:SEAL xmlns:pn="urn:peernet:peergroup:1" alg="x">'),
            "pn:SEAL has an unexpected attribute"),
        (lambda d: d.replace(_line(d, b"pn:KCV"), b""), "pn:SEAL lacks pn:KCV"),
        (lambda d: d.replace(_line(d, b"pn:KCV") + _line(d, b"pn:NONCE"), _line(d, b"pn:NONCE") + _line(d, b"pn:KCV")), "pn:NONCE is out of order"),
        (lambda d: d.replace(_line(d, b"pn:SALT"), _line(d, b"pn:SALT") * 2), "pn:SEAL holds pn:SALT more than once"),
        (lambda d: d.replace(b' p="1"', b""), "pn:KDF lacks the attribute p"),
        (lambda d: d.replace(b' p="1"', b' p="1" q="2"'), "pn:KDF has an unexpected attribute"),
        (lambda d: d.replace(b' p="1"/>', b' p="1">x</pn:KDF>'), "pn:KDF must be empty"),
        (lambda d: d.replace(b"<pn:SALT>", b"<SALT>").replace(b"</pn:SALT>", b"</SALT>"), "unexpected element 'SALT'"),
        (lambda d: d.replace(b"<GMC ", b"<pn:GMC xmlns:pn=\"urn:peernet:peergroup:1\" ").replace(b"</GMC>", b"</pn:GMC>"), "pn:GMC"),
    ],
)
def test_strict_layout(fleet, edit, words):
    data = edit(fleet.member_xml)
    assert data != fleet.member_xml
    error = _error(documents.parse_group_config, data)
    assert error.name == "E_INVALIDARG"
    assert words in error.message


def test_wrong_root(fleet):
    error = _error(documents.parse_group_config, fleet.identity_xml)
    assert error.name == "E_INVALIDARG" and "PEERGROUPCONFIG" in error.message
    error = _error(documents.parse_identity_export, fleet.member_xml)
    assert error.name == "E_INVALIDARG" and "PEERIDENTITYEXPORT" in error.message


@pytest.mark.parametrize(
    "name, expected",
    [
        ("0.alice", "PEER_E_INVALID_PEER_NAME"),
        ("ABCDEF0123456789ABCDEF0123456789ABCDEF01.alice", "PEER_E_INVALID_PEER_NAME"),
        ("abcdef", "PEER_E_INVALID_PEER_NAME"),
        ("abcdef0123456789abcdef0123456789abcdef01." + "c" * 150, "PEER_E_CLASSIFIER_TOO_LONG"),
    ],
)
def test_bad_peer_names(fleet, name, expected):
    data = _replace(fleet.member_xml, fleet.identity_name.encode(), name.encode())
    error = _error(documents.parse_group_config, data)
    assert error.name == expected
    assert "IDENTITYPEERNAME" in error.message


HUGE = "x" * 200000


@pytest.mark.parametrize(
    "edit",
    [
        lambda d, f: _replace(d, b'name="scrypt"', b'name="%s"' % HUGE.encode()),
        lambda d, f: _replace(d, b'n="32768"', b'n="%s"' % HUGE.encode()),
        lambda d, f: _replace(d, f.identity_name.encode(), HUGE.encode()),
        lambda d, f: _replace(d, f.identity_name.encode(), b"A" * 200000 + b".alice"),
        lambda d, f: _replace(d, b"<SCOPE>GLOBAL<", b"<SCOPE>%s<" % HUGE.encode()),
        lambda d, f: _replace(d, b'VERSION="1.0"', b'VERSION="%s"' % HUGE.encode()),
        lambda d, f: _replace(d, b'<SCOPE>', b'<SCOPE %s="1">' % HUGE.encode()),
        lambda d, f: _replace(d, b"<SCOPE>", b"<%s/><SCOPE>" % HUGE.encode()),
        lambda d, f: _replace(d, b"<SCOPE>", b"<%s></y><SCOPE>" % HUGE.encode()),
        lambda d, f: _replace(d, b"PEERGROUPCONFIG", b"P" + HUGE.encode(), 2),
        lambda d, f: _replace(d, b'encoding="UTF-8"', b'encoding="%s"' % HUGE.encode()),
    ],
    ids=["kdf-name", "kdf-n", "peer-name", "authority", "scope", "version", "attribute", "element", "xml-syntax", "root", "encoding"],
)
def test_messages_cut_every_quoted_value(fleet, edit):
    error = _error(documents.parse_group_config, edit(fleet.member_xml, fleet))
    assert len(error.message) < 300, error.message[:300]


def test_core_messages_cut_quoted_values():
    for call, args in (
        (peername.parse, (HUGE,)),
        (peername.parse, ("A" * 200000 + ".alice",)),
        (seal.check_kdf, (seal.KdfParams(HUGE, 2**15, 8, 1),)),
    ):
        assert len(_error(call, *args).message) < 300
    with pytest.raises(ValueError) as info:
        raise PeerError(HUGE, "unknown name")
    assert len(str(info.value)) < 300


def test_bad_gmc_content(fleet):
    data = _replace(fleet.member_xml, _element(fleet.member_xml, b"GMC"), base64.b64encode(b"not a PKCS#7"))
    assert _error(documents.parse_group_config, data).name == "E_INVALIDARG"


# --- base64 -----------------------------------------------------------------------------------------------


@pytest.fixture(params=[True, False], ids=["strict_mode", "own_check"])
def base64_path(request, monkeypatch):
    # Python 3.9/3.10 take the own_check path; both must refuse the same inputs.
    monkeypatch.setattr(documents, "_STRICT_BASE64", request.param and documents._STRICT_BASE64)
    return request.param


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:10] + b"!" + s[10:],
        lambda s: s[:10] + b"-" + s[11:],
        lambda s: s + b"=",
        lambda s: s.rstrip(b"=")[:-1] if s.endswith(b"=") else s[:-1],
        lambda s: b"=" + s[1:],
        lambda s: s[:-2] + b"=" + s[-1:] if not s.endswith(b"=") else s.replace(b"=", b"") + b"A=A",
        lambda s: s + b"AAAA" if s.endswith(b"=") else s + b"AA==AAAA",
        lambda s: s[:10] + b"\xc3\xa9" + s[10:],
    ],
)
def test_bad_base64(fleet, base64_path, mangle):
    salt = _element(fleet.member_xml, b"pn:SALT")
    error = _error(documents.parse_group_config, _replace(fleet.member_xml, salt, mangle(salt)))
    assert error.name == "E_INVALIDARG" and "pn:SALT" in error.message


def test_non_canonical_padding_bits(fleet, base64_path):
    salt = _element(fleet.member_xml, b"pn:SALT")  # 16 bytes: "xx==" at the end, 4 unused bits
    assert salt.endswith(b"==")
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(salt[-3:-2])
    mangled = salt[:-3] + alphabet[last ^ 1:(last ^ 1) + 1] + b"=="
    error = _error(documents.parse_group_config, _replace(fleet.member_xml, salt, mangled))
    assert error.name == "E_INVALIDARG" and "pn:SALT" in error.message


def test_base64_whitespace_is_allowed(fleet, base64_path):
    salt = _element(fleet.member_xml, b"pn:SALT")
    spaced = b"\n  " + b" ".join(salt[i:i + 4] for i in range(0, len(salt), 4)) + b"\r\n\t"
    data = _replace(fleet.member_xml, salt, spaced)
    assert documents.parse_group_config(data).salt == base64.b64decode(salt)


# --- hostile XML ------------------------------------------------------------------------------------------------

MINIMAL = b'<PEERGROUPCONFIG VERSION="1.0"/>'


@pytest.mark.parametrize(
    "data, words",
    [
        (b'<!DOCTYPE PEERGROUPCONFIG []>' + MINIMAL, "DOCTYPE"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE PEERGROUPCONFIG SYSTEM "http://127.0.0.1:9/x.dtd">' + MINIMAL, "DOCTYPE"),
        (
            b'<!DOCTYPE PEERGROUPCONFIG [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<PEERGROUPCONFIG VERSION="1.0"><CLOUDNAME>&xxe;</CLOUDNAME></PEERGROUPCONFIG>',
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            b'<PEERGROUPCONFIG VERSION="1.0"><CLOUDNAME>&lol3;</CLOUDNAME></PEERGROUPCONFIG>',
            "DOCTYPE",
        ),
        (b'<PEERGROUPCONFIG VERSION="1.0"><CLOUDNAME>&xxe;</CLOUDNAME></PEERGROUPCONFIG>', "not well-formed"),
        (b'<?xml-stylesheet href="x.xsl"?>' + MINIMAL, "processing instructions"),
        (b'<PEERGROUPCONFIG VERSION="1.0"><?php echo 1; ?></PEERGROUPCONFIG>', "processing instructions"),
        (MINIMAL + b"<?tail x?>", "processing instructions"),
        (b"<!-- hi -->" + MINIMAL, "comments"),
        (b'<PEERGROUPCONFIG VERSION="1.0"><!-- hi --></PEERGROUPCONFIG>', "comments"),
        (MINIMAL + b"<!-- bye -->", "comments"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?>' + MINIMAL, "encoding"),
        (b"<?xml version='1.0' encoding='UTF-16'?>" + MINIMAL, "encoding"),
        (MINIMAL.decode().encode("utf-16"), "UTF-16"),
        (b"\xfe\xff" + MINIMAL.decode().encode("utf-16-be"), "UTF-16"),
        (MINIMAL.decode().encode("utf-16-le"), "NUL"),
        (MINIMAL.decode().encode("utf-32"), "UTF-16"),
        (b'<PEERGROUPCONFIG VERSION="1.0"><CLOUDNAME>\xff</CLOUDNAME></PEERGROUPCONFIG>', "UTF-8"),
        (b'<PEERGROUPCONFIG VERSION="1.0"><CLOUDNAME>\xed\xa0\x80</CLOUDNAME></PEERGROUPCONFIG>', "UTF-8"),
        (b"<PEERGROUPCONFIG VERSION=\"1.0\">", "not well-formed"),
        (b"", "not well-formed"),
        (b"<PEERGROUPCONFIG VERSION=\"1.0\"/><PEERGROUPCONFIG VERSION=\"1.0\"/>", "not well-formed"),
        ("<PEERGROUPCONFIG VERSION=\"1.0\"/>", "bytes"),
        (bytearray(MINIMAL), "bytes"),
    ],
)
def test_hostile_xml(data, words):
    error = _error(documents.parse_xml, data, "PEERGROUPCONFIG")
    assert error.name == "E_INVALIDARG"
    assert words in error.message


@pytest.mark.parametrize(
    "data",
    [
        b'<!DOCTYPE PEERGROUPCONFIG []>' + MINIMAL,
        b'<!DOCTYPE PEERGROUPCONFIG [<!ENTITY a "b">]><PEERGROUPCONFIG VERSION="1.0">&a;</PEERGROUPCONFIG>',
        b'<!DOCTYPE PEERGROUPCONFIG SYSTEM "file:///etc/passwd">' + MINIMAL,
    ],
)
def test_parser_refuses_dtds_without_the_byte_scan(monkeypatch, data):
    monkeypatch.setattr(documents, "_MARKUP_DECLARATION", re.compile(b"(?!)"))
    error = _error(documents.parse_xml, data, "PEERGROUPCONFIG")
    assert error.name == "E_INVALIDARG"
    assert "DOCTYPE" in error.message or "entity" in error.message


def test_size_limit_is_checked_before_parsing(monkeypatch):
    monkeypatch.setattr(documents.etree, "fromstring", None)
    data = MINIMAL[:-2] + b">" + b" " * documents.MAX_DOCUMENT_SIZE + b"</PEERGROUPCONFIG>"
    error = _error(documents.parse_xml, data, "PEERGROUPCONFIG")
    assert error.name == "E_INVALIDARG" and "limit" in error.message


def test_accepted_preambles():
    for data in (
        MINIMAL,
        b"\xef\xbb\xbf" + MINIMAL,
        b'<?xml version="1.0" encoding="utf-8"?>\n' + MINIMAL + b"\n",
        b"<?xml version='1.0' standalone='yes'?>" + MINIMAL,
    ):
        assert documents.parse_xml(data, "PEERGROUPCONFIG").tag == "PEERGROUPCONFIG"


def test_parse_xml_checks_root_and_version():
    assert _error(documents.parse_xml, MINIMAL, "PEERIDENTITYEXPORT").name == "E_INVALIDARG"
    assert _error(documents.parse_xml, b'<PEERGROUPCONFIG VERSION="9"/>', "PEERGROUPCONFIG").name == "PEER_E_UNSUPPORTED_VERSION"
    assert _error(documents.parse_xml, b"<PEERGROUPCONFIG/>", "PEERGROUPCONFIG").name == "E_INVALIDARG"
    long_version = b'<PEERGROUPCONFIG VERSION="' + b"9" * 10000 + b'"/>'
    assert len(_error(documents.parse_xml, long_version, "PEERGROUPCONFIG").message) < 200


def test_a_large_valid_document_fits(fleet):
    padded = _replace(fleet.member_xml, b"</PEERGROUPCONFIG>", b" " * (documents.MAX_DOCUMENT_SIZE - len(fleet.member_xml)) + b"</PEERGROUPCONFIG>")
    assert len(padded) == documents.MAX_DOCUMENT_SIZE
    assert documents.parse_group_config(padded).open(fleet.cache) == documents.parse_group_config(fleet.member_xml).open(fleet.cache)
    assert _error(documents.parse_group_config, padded + b" ").name == "E_INVALIDARG"


# --- PEERIDENTITYEXPORT ---------------------------------------------------------------------------------------------


def test_identity_round_trip(fleet):
    parsed = documents.parse_identity_export(fleet.identity_xml)
    assert parsed.peer_name == fleet.identity_name
    assert parsed.digest == hashlib.sha256(fleet.identity_xml).hexdigest()
    name, key_der, cert_der = parsed.open(fleet.cache)
    assert name == fleet.identity_name
    assert key_der == certs.private_key_to_der(fleet.identity_key)
    assert cert_der == certs.certificate_to_der(fleet.idc)
    text = fleet.identity_xml.decode("utf-8")
    assert re.findall(r"<([A-Za-z:]+)[ >/]", text) == [
        "PEERIDENTITYEXPORT", "PEERNAME", "DATA", "pn:SEAL", "pn:KDF", "pn:SALT", "pn:KCV", "pn:NONCE", "pn:CIPHERTEXT",
    ]
    assert '<DATA xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64">' in text
    assert len(base64.b64decode(_element(fleet.identity_xml, b"pn:CIPHERTEXT"))) == seal.TAG_SIZE


def _pkcs12_password(password: str, salt: bytes) -> bytes:
    """docs/format.md's recipe, independent of the code under test."""
    master = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=32768, r=8, p=1, dklen=32, maxmem=64 * 1024 * 1024)
    return HKDF(hashes.SHA256(), 32, None, b"peernet pkcs12 v1").derive(master).hex().encode("ascii")


def test_identity_pkcs12_needs_the_derived_password(fleet):
    """A guess at DATA costs a scrypt run: the raw password does not open it, the derived one does."""
    pfx = base64.b64decode(_element(fleet.identity_xml, b"DATA"))
    derived = _pkcs12_password(PASSWORD, fleet.seal_key.salt)
    assert documents.identity_pkcs12_password(fleet.identity_xml, PASSWORD).encode("ascii") == derived
    key, cert, others = pkcs12.load_key_and_certificates(pfx, derived)
    assert cert == fleet.idc and others == []
    assert certs.private_key_to_der(key) == certs.private_key_to_der(fleet.identity_key)
    for guess in (PASSWORD.encode("utf-8"), b"wrong"):
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(pfx, guess)
    assert _error(documents.identity_pkcs12_password, fleet.identity_xml, PASSWORD + "!").name == "ERROR_INVALID_PASSWORD"


def test_openssl_reads_the_identity_export(fleet, tmp_path):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    path = tmp_path / "identity.p12"
    path.write_bytes(base64.b64decode(_element(fleet.identity_xml, b"DATA")))
    derived = documents.identity_pkcs12_password(fleet.identity_xml, PASSWORD)
    environment = dict(os.environ, PEERNET_TEST_PASSWORD=derived)
    result = subprocess.run(
        [openssl, "pkcs12", "-info", "-in", str(path), "-passin", "env:PEERNET_TEST_PASSWORD", "-nodes"],
        capture_output=True, env=environment, check=True,
    )
    report = result.stderr.decode()
    assert "MAC: sha256, Iteration 2048" in report
    assert report.count("PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256") == 2
    pem = result.stdout.decode("ascii")
    assert certs.certificate_to_der(fleet.idc) == base64.b64decode(
        "".join(pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0].split())
    )
    key_pem = pem.split("-----BEGIN PRIVATE KEY-----")[1].split("-----END PRIVATE KEY-----")[0]
    assert base64.b64decode("".join(key_pem.split())) == certs.private_key_to_der(fleet.identity_key)
    assert fleet.identity_name in pem
    for guess in (PASSWORD, "nope"):
        wrong = subprocess.run(
            [openssl, "pkcs12", "-in", str(path), "-passin", "env:PEERNET_TEST_PASSWORD", "-nodes"],
            capture_output=True, env=dict(os.environ, PEERNET_TEST_PASSWORD=guess), check=False,
        )
        assert wrong.returncode != 0


def test_identity_wrong_password(fleet, wrong_cache):
    error = _error(documents.parse_identity_export(fleet.identity_xml).open, wrong_cache)
    assert error.name == "ERROR_INVALID_PASSWORD"


def test_identity_every_field_is_sealed(fleet):
    data_b64 = _element(fleet.identity_xml, b"DATA")
    raw = base64.b64decode(data_b64)
    flipped = base64.b64encode(raw[:100] + bytes([raw[100] ^ 1]) + raw[101:])
    cases = [
        ("PEERNAME", fleet.identity_name.encode(), _other_name(fleet.identity_name).encode(), "E_INVALIDARG"),
        ("DATA", data_b64, flipped, "E_INVALIDARG"),
        ("DATA appended", data_b64, base64.b64encode(raw + b"\x00"), "E_INVALIDARG"),
        ("NONCE", _element(fleet.identity_xml, b"pn:NONCE"), base64.b64encode(bytes(12)), "E_INVALIDARG"),
        ("TAG", _element(fleet.identity_xml, b"pn:CIPHERTEXT"), base64.b64encode(bytes(16)), "E_INVALIDARG"),
        ("SALT", _element(fleet.identity_xml, b"pn:SALT"), base64.b64encode(bytes(16)), "ERROR_INVALID_PASSWORD"),
        ("KCV", _element(fleet.identity_xml, b"pn:KCV"), base64.b64encode(bytes(16)), "ERROR_INVALID_PASSWORD"),
    ]
    for label, old, new, expected in cases:
        parsed = documents.parse_identity_export(_replace(fleet.identity_xml, old, new))
        assert _error(parsed.open, fleet.cache).name == expected, label
    error = _error(documents.parse_identity_export, _replace(fleet.identity_xml, b'VERSION="1.0"', b'VERSION="1.1"'))
    assert error.name == "PEER_E_UNSUPPORTED_VERSION"


def test_identity_export_refuses_a_payload(fleet):
    tag = _element(fleet.identity_xml, b"pn:CIPHERTEXT")
    error = _error(documents.parse_identity_export, _replace(fleet.identity_xml, tag, base64.b64encode(bytes(17))))
    assert error.name == "E_INVALIDARG" and "pn:CIPHERTEXT" in error.message


def test_identity_export_refuses_mismatched_keys(fleet):
    other_key = certs.generate_key(2048)
    error = _error(documents.render_identity_export, fleet.identity_name, other_key, fleet.idc, fleet.seal_key)
    assert error.name == "PEER_E_INVALID_CREDENTIAL"
    other_name = str(peername.secure_name(other_key.public_key(), "alice"))
    other_idc = certs.make_identity_certificate(other_key, other_name)
    error = _error(documents.render_identity_export, fleet.identity_name, other_key, other_idc, fleet.seal_key)
    assert error.name == "PEER_E_INVALID_CREDENTIAL"

    # A correctly sealed document whose PKCS#12 holds a key the peer name does not commit to.
    good = documents.render_identity_export(other_name, other_key, other_idc, fleet.seal_key)
    pfx = base64.b64decode(_element(good, b"DATA"))
    nonce = seal.new_nonce()
    key = fleet.seal_key
    aad = documents._identity_aad(fleet.identity_name, pfx, key.params, key.salt, key.kcv, nonce)
    nonce, tag = seal.seal(key, aad, b"", nonce)
    forged = _replace(good, other_name.encode(), fleet.identity_name.encode())
    forged = _replace(forged, _element(good, b"pn:NONCE"), base64.b64encode(nonce))
    forged = _replace(forged, _element(good, b"pn:CIPHERTEXT"), base64.b64encode(tag))
    error = _error(documents.parse_identity_export(forged).open, fleet.cache)
    assert error.name == "PEER_E_INVALID_CREDENTIAL"


def _sealed_identity(fleet, pkcs12_data):
    """An identity export whose seal opens with PASSWORD around any DATA."""
    key = fleet.seal_key
    nonce = seal.new_nonce()
    aad = documents._identity_aad(fleet.identity_name, pkcs12_data, key.params, key.salt, key.kcv, nonce)
    nonce, tag = seal.seal(key, aad, b"", nonce)
    data = _replace(fleet.identity_xml, _element(fleet.identity_xml, b"DATA"), base64.b64encode(pkcs12_data))
    data = _replace(data, _element(fleet.identity_xml, b"pn:NONCE"), base64.b64encode(nonce))
    return _replace(data, _element(fleet.identity_xml, b"pn:CIPHERTEXT"), base64.b64encode(tag))


@pytest.mark.skipif(not builders.CRYPTOGRAPHY_WRITES_OUR_PKCS12, reason="cryptography < 42 writes another PKCS#12 layout")
def test_an_older_export_under_the_raw_password_is_refused_with_what_to_do(fleet):
    """Earlier releases wrote DATA with cryptography under the raw password; the seal still opens."""
    older = pkcs12.serialize_key_and_certificates(
        fleet.identity_name.encode(), fleet.identity_key, fleet.idc, None,
        serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(600000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256()).build(PASSWORD.encode()),
    )
    error = _error(documents.parse_identity_export(_sealed_identity(fleet, older)).open, fleet.cache)
    assert error.name == "E_INVALIDARG" and "export the identity again" in error.message


def test_identity_pkcs12_under_another_password_is_invalidarg(fleet):
    other = seal.KeyCache(PASSWORD + "?")
    data = documents.render_identity_export(fleet.identity_name, fleet.identity_key, fleet.idc, other.new_key())
    pkcs12_data = base64.b64decode(_element(data, b"DATA"))
    # The seal opens (same seal key), the PKCS#12 does not: the document was made inconsistently.
    error = _error(documents.parse_identity_export(_sealed_identity(fleet, pkcs12_data)).open, fleet.cache)
    assert error.name == "E_INVALIDARG" and "MAC" in error.message
    assert _error(documents.parse_identity_export(data).open, fleet.cache).name == "ERROR_INVALID_PASSWORD"


# --- PEERIDENTITYINFO ------------------------------------------------------------------------------------------------


def test_identity_info(fleet):
    data = documents.render_identity_info(fleet.idc)
    root = documents.parse_xml(data, "PEERIDENTITYINFO")
    (idc,) = list(root)
    assert idc.tag == "IDC"
    assert idc.get("{urn:schemas-microsoft-com:datatypes}dt") == "bin.base64"
    (cert,) = certs.chain_from_pkcs7(base64.b64decode(idc.text))
    assert cert == fleet.idc
    assert b"PRIVATE" not in data


# --- docs/format.md, "Worked example" ------------------------------------------------------------

EXAMPLE_FIELDS = [
    b"PEERGROUPCONFIG",
    b"1.0",
    b"0123456789abcdef0123456789abcdef01234567.alice",
    b"89abcdef0123456789abcdef0123456789abcdef.team",
    b"Global_",
    b"GLOBAL",
    b"0",
    bytes.fromhex("3003020100"),
]
EXAMPLE_SALT = bytes(range(16))
EXAMPLE_NONCE = bytes(range(0xA0, 0xAC))
EXAMPLE_VALUES = {
    "master": "7a8e34241db898d59175c696538c417467a975ffe569068425f16188d3159c58",
    "kcv": "357b687d442b7d3850bcab6c80fe0187",
    "aead_key": "14cc109af4f1c345213390df12d3f588a09d45cd6f28c2bba8813c8fd571ebd6",
    "pkcs12_pw": "8e452b0e73346a89ebab7394c5fcecafd12fc2bb622715fef4c9c1313dfa8bdf",
    "aad_length": 245,
    "member": "14cb893e6ee829d91f730ca1c88f140d",
    "owner": "4706fd95e41c220a82cd25e9fd7a75b1d1835ca57f50f667",
}


def test_worked_example_of_format_md():
    """The page's recipe, implemented here from the page, and the collection's code give its values."""
    password = b"correct horse battery staple"
    master = hashlib.scrypt(password, salt=EXAMPLE_SALT, n=32768, r=8, p=1, dklen=32, maxmem=64 * 1024 * 1024)
    kcv = HKDF(hashes.SHA256(), 16, None, b"peernet kcv v1").derive(master)
    aead_key = HKDF(hashes.SHA256(), 32, None, b"peernet aead v1").derive(master)
    pkcs12_pw = HKDF(hashes.SHA256(), 32, None, b"peernet pkcs12 v1").derive(master).hex()
    fields = EXAMPLE_FIELDS + [b"scrypt", b"32768", b"8", b"1", EXAMPLE_SALT, kcv, EXAMPLE_NONCE]
    aad = b"".join(struct.pack(">I", len(field)) + field for field in fields)
    member = AESGCM(aead_key).encrypt(EXAMPLE_NONCE, b"", aad)
    owner = AESGCM(aead_key).encrypt(EXAMPLE_NONCE, b"payload!", aad)
    computed = {
        "master": master.hex(), "kcv": kcv.hex(), "aead_key": aead_key.hex(), "pkcs12_pw": pkcs12_pw, "aad_length": len(aad),
        "member": member.hex(), "owner": owner.hex(),
    }
    assert computed == EXAMPLE_VALUES

    key = seal.derive(password.decode(), seal.DEFAULT_KDF, EXAMPLE_SALT)
    code_aad = documents.encode_aad(EXAMPLE_FIELDS + documents._seal_aad(seal.DEFAULT_KDF, EXAMPLE_SALT, key.kcv, EXAMPLE_NONCE))
    assert (key.kcv, code_aad, key.pkcs12_password()) == (kcv, aad, pkcs12_pw.encode("ascii"))
    assert seal.seal(key, aad, b"", EXAMPLE_NONCE) == (EXAMPLE_NONCE, member)
    assert seal.open_seal(key, kcv, aad, EXAMPLE_NONCE, owner) == b"payload!"


# --- the group's friendly name (pn:GROUPFRIENDLYNAME) -------------------------------------------

# Markup, a CR (written as a reference), TAB, non-ASCII and an astral character survive verbatim.
FRIENDLY_NAME = " Test lab & <co>\r\n\t\u00e4\U0001f600 "


def _named(fleet, name=FRIENDLY_NAME):
    return documents.render_group_config(fleet.member._replace(group_friendly_name=name), fleet.seal_key)


def test_friendly_name_round_trip(fleet):
    data = _named(fleet)
    tags = re.findall(r"<([A-Za-z:]+)[ >/]", data.decode("utf-8"))
    assert tags[tags.index("GMC") + 1:tags.index("GMC") + 3] == ["pn:GROUPFRIENDLYNAME", "pn:SEAL"]
    assert '<pn:GROUPFRIENDLYNAME xmlns:pn="urn:peernet:peergroup:1">' in data.decode("utf-8")
    sealed = documents.parse_group_config(data)
    assert sealed.group_friendly_name == FRIENDLY_NAME
    assert sealed.open(fleet.cache) == fleet.member._replace(group_friendly_name=FRIENDLY_NAME)
    longest = "\U0001f600" * documents.MAX_FRIENDLY_NAME
    assert documents.parse_group_config(_named(fleet, longest)).open(fleet.cache).group_friendly_name == longest


def test_a_document_without_friendly_name_keeps_the_associated_data_it_always_had(fleet):
    sealed = documents.parse_group_config(fleet.member_xml)
    assert sealed.group_friendly_name is None
    assert sealed.open(fleet.cache).group_friendly_name is None
    # The fields of docs/format.md before the name existed: the GCM tag must verify with exactly these.
    aad = documents.encode_aad([
        b"PEERGROUPCONFIG", b"1.0", fleet.identity_name.encode(), fleet.group_name.encode(), CLOUD.encode(), b"GLOBAL", b"0",
        sealed.chain_der, b"scrypt", b"32768", b"8", b"1", sealed.salt, sealed.kcv, sealed.nonce,
    ])
    key = fleet.cache.derive(sealed.kdf, sealed.salt)
    assert seal.open_seal(key, sealed.kcv, aad, sealed.nonce, sealed.ciphertext) == b""
    named = documents.parse_group_config(_named(fleet, "Test lab"))
    named_aad = documents.encode_aad([
        b"PEERGROUPCONFIG", b"1.0", fleet.identity_name.encode(), fleet.group_name.encode(), CLOUD.encode(), b"GLOBAL", b"0",
        named.chain_der, b"GROUPFRIENDLYNAME", b"Test lab", b"scrypt", b"32768", b"8", b"1", named.salt, named.kcv, named.nonce,
    ])
    assert seal.open_seal(key, named.kcv, named_aad, named.nonce, named.ciphertext) == b""


def test_the_friendly_name_is_sealed(fleet):
    data = _named(fleet, "Test lab")
    element = b'<pn:GROUPFRIENDLYNAME xmlns:pn="urn:peernet:peergroup:1">Test lab</pn:GROUPFRIENDLYNAME>\n  '
    unnamed_element = element.replace(b"Test lab", b"Test lad")
    for label, edited in (
        ("changed", _replace(data, b">Test lab<", b">Test lad<")),
        ("removed", _replace(data, element, b"")),
        ("added to an unnamed document", _replace(fleet.member_xml, b"<pn:SEAL", unnamed_element + b"<pn:SEAL")),
    ):
        error = _error(documents.parse_group_config(edited).open, fleet.cache)
        assert (error.name, "altered" in error.message) == ("E_INVALIDARG", True), label


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "PEER_E_INVALID_FRIENDLY_NAME"),
        ("x" * (documents.MAX_FRIENDLY_NAME + 1), "PEER_E_INVALID_FRIENDLY_NAME"),
        ("\U0001f600" * (documents.MAX_FRIENDLY_NAME + 1), "PEER_E_INVALID_FRIENDLY_NAME"),
        ("a&#1;b", "E_INVALIDARG"),
        ("a&#0;b", "E_INVALIDARG"),
        ("<b>bold</b>", "E_INVALIDARG"),
    ],
)
def test_hostile_friendly_names_are_refused_before_the_password(fleet, text, expected):
    data = _replace(_named(fleet, "Test lab"), b">Test lab<", (">%s<" % text).encode("utf-8"))
    error = _error(documents.parse_group_config, data)
    assert error.name == expected
    assert "x" * 41 not in error.message and "\U0001f600" * 2 not in error.message
    if expected == "PEER_E_INVALID_FRIENDLY_NAME":
        assert error.message.startswith("pn:GROUPFRIENDLYNAME: ")


def test_friendly_name_layout_is_strict(fleet):
    data = _named(fleet, "Test lab")
    element = b'<pn:GROUPFRIENDLYNAME xmlns:pn="urn:peernet:peergroup:1">Test lab</pn:GROUPFRIENDLYNAME>'
    cases = {
        "after the seal": _replace(_replace(data, element, b""), b"</PEERGROUPCONFIG>", element + b"</PEERGROUPCONFIG>"),
        "twice": _replace(data, element, element + element),
        "before the GMC": _replace(_replace(data, element, b""), b"<GMC ", element + b"<GMC "),
        "with an attribute": _replace(data, b'1">Test lab<', b'1" lang="en">Test lab<'),
        "with a child": _replace(data, b">Test lab<", b"><b/>Test lab<"),
    }
    for label, edited in cases.items():
        error = _error(documents.parse_group_config, edited)
        assert error.name == "E_INVALIDARG", label


@pytest.mark.parametrize("name", ["", "x" * 256, "a\x00b", "a\x01b", "a\ud800b", "a\ufffeb"])
def test_render_refuses_a_friendly_name_xml_cannot_carry(fleet, name):
    error = _error(documents.render_group_config, fleet.member._replace(group_friendly_name=name), fleet.seal_key)
    assert error.name == "PEER_E_INVALID_FRIENDLY_NAME"
    assert error.message.startswith("pn:GROUPFRIENDLYNAME: ")
