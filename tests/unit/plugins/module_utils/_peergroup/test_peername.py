# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of peer names: ``authority.classifier`` (MS-PNRP 2.2.4, docs/certificates.md).

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

MICROSOFT_EXAMPLE = "6520c005f63fc1864b7d8f3cabebd4916ae7f33d.JohnDoe"  # from the Windows SDK's "Peer Names" page
HEX40 = "0123456789abcdef0123456789abcdef01234567"
ASTRAL = "\U0001F600"  # one code point, two UTF-16 code units


def _error(name, function, *args):
    with pytest.raises(PeerError) as excinfo:
        function(*args)
    assert excinfo.value.name == name, str(excinfo.value)
    return excinfo.value


# --- an independent SubjectPublicKeyInfo encoder (RFC 5280 4.1, RFC 8017 A.1.1) ---------------


def _tlv(tag, content):
    size = len(content)
    if size < 0x80:
        header = bytes([tag, size])
    else:
        body = size.to_bytes((size.bit_length() + 7) // 8, "big")
        header = bytes([tag, 0x80 | len(body)]) + body
    return header + content


def _integer(value):
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _rsa_spki(public_key):
    numbers = public_key.public_numbers()
    rsa_encryption = bytes.fromhex("06092a864886f70d010101") + bytes.fromhex("0500")
    rsa_public_key = _tlv(0x30, _integer(numbers.n) + _integer(numbers.e))
    return _tlv(0x30, _tlv(0x30, rsa_encryption) + _tlv(0x03, b"\x00" + rsa_public_key))


@pytest.fixture(scope="module")
def keys():
    return [rsa.generate_private_key(public_exponent=65537, key_size=size) for size in (1024, 2048)]


# --- parse -------------------------------------------------------------------------------------


def test_secure_name():
    name = peername.parse(MICROSOFT_EXAMPLE)
    assert name == ("6520c005f63fc1864b7d8f3cabebd4916ae7f33d", "JohnDoe")
    assert name.secure
    assert str(name) == MICROSOFT_EXAMPLE


def test_unsecured_name_keeps_the_dots_of_its_classifier():
    name = peername.parse("0.JohnDoe.Games")
    assert name.authority == peername.UNSECURED_AUTHORITY == "0"
    assert name.classifier == "JohnDoe.Games"
    assert not name.secure
    assert str(name) == "0.JohnDoe.Games"


@pytest.mark.parametrize("classifier", ["a.b.c", ".", "..", "x.", ".x", "participant"])
def test_classifier_with_dots(classifier):
    name = peername.parse(HEX40 + "." + classifier)
    assert name.authority == HEX40
    assert name.classifier == classifier


@pytest.mark.parametrize(
    "text",
    [
        HEX40.upper() + ".x",  # authorities are lower-case hex only
        HEX40[:-1] + "A.x",
        HEX40[:39] + ".x",
        HEX40 + "0.x",
        HEX40[:-1] + "g.x",
        "00.x",
        "1.x",
        ".x",
        "x",
        HEX40,
        "0",
        "",
        " 0.x",
        "0 .x",
        HEX40 + "\n.x",  # a regex anchored with $ would let the newline through
        "0\n.x",
        "\uff10.x",  # FULLWIDTH DIGIT ZERO
    ],
)
def test_bad_authorities_and_shapes(text):
    error = _error("PEER_E_INVALID_PEER_NAME", peername.parse, text)
    assert error.value == 0x80632050


@pytest.mark.parametrize("value", [None, 0, b"0.x", ["0", "x"]])
def test_non_strings_are_not_peer_names(value):
    _error("PEER_E_INVALID_PEER_NAME", peername.parse, value)


def test_empty_classifier():
    error = _error("PEER_E_INVALID_CLASSIFIER", peername.parse, "0.")
    assert error.value == 0x80632060
    _error("PEER_E_INVALID_CLASSIFIER", peername.parse, HEX40 + ".")


# --- classifier length: 149 UTF-16 code units (150 with the NUL) --------------------------------


@pytest.mark.parametrize(
    "classifier",
    [
        "c" * 149,
        ASTRAL * 74 + "c",  # 148 + 1 units, 75 code points
        "c" * 147 + ASTRAL,
        "\u00e9" * 149,  # two UTF-8 bytes each, still one UTF-16 unit
        "\ufffd" * 149,
    ],
)
def test_longest_classifiers(classifier):
    assert peername.validate_classifier(classifier) == classifier
    name = peername.parse(HEX40 + "." + classifier)
    assert name.classifier == classifier
    assert len(str(name)) == 41 + len(classifier)


@pytest.mark.parametrize(
    "classifier",
    [
        "c" * 150,
        ASTRAL * 75,  # only 75 code points, but 150 UTF-16 units
        "c" * 148 + ASTRAL,
        "c" * 1000,
    ],
)
def test_too_long_classifiers(classifier):
    error = _error("PEER_E_CLASSIFIER_TOO_LONG", peername.validate_classifier, classifier)
    assert error.value == 0x80630201
    units = len(classifier.encode("utf-16-le")) // 2
    assert "is %d UTF-16 code units" % units in error.message
    assert "at most 149" in error.message
    _error("PEER_E_CLASSIFIER_TOO_LONG", peername.parse, "0." + classifier)


def test_max_classifier_constant():
    assert peername.MAX_CLASSIFIER_UNITS == 149


# --- classifier characters ---------------------------------------------------------------------


def _codepoint(char):
    return "U+%04X" % ord(char)


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ufffe", "\uffff", "\ud800", "\udfff", "\udc00"],
    ids=_codepoint,
)
def test_characters_xml_cannot_carry(char):
    for classifier in (char, "a" + char, char + "b", "a" + char + "b"):
        error = _error("PEER_E_INVALID_CLASSIFIER", peername.validate_classifier, classifier)
        assert "U+%04X" % ord(char) in error.message
    _error("PEER_E_INVALID_CLASSIFIER", peername.parse, HEX40 + ".a" + char)


@pytest.mark.parametrize(
    "char",
    ["\t", "\n", "\r", " ", "\x7f", "\u00a0", "\ud7ff", "\ue000", "\ufffd", ASTRAL, "\U0010FFFD", "\u202e"],
    ids=_codepoint,
)
def test_characters_a_classifier_may_hold(char):
    assert peername.validate_classifier("a" + char + "b") == "a" + char + "b"
    assert peername.parse("0." + char).classifier == char


@pytest.mark.parametrize("value", [None, 1, b"abc", ""])
def test_classifier_must_be_a_non_empty_string(value):
    _error("PEER_E_INVALID_CLASSIFIER", peername.validate_classifier, value)


# --- authorities of keys -----------------------------------------------------------------------


def test_authority_is_sha1_of_the_der_spki(keys):
    for key in keys:
        public = key.public_key()
        expected = hashlib.sha1(_rsa_spki(public)).hexdigest()
        authority = peername.authority_for_key(public)
        assert authority == expected
        assert len(authority) == 40
        assert authority == authority.lower()
        assert peername.parse(authority + ".x").authority == authority


def test_authorities_differ_between_keys(keys):
    authorities = {peername.authority_for_key(key.public_key()) for key in keys}
    assert len(authorities) == len(keys)


def test_secure_name(keys):
    name = peername.secure_name(keys[1].public_key(), "alice.laptop")
    assert isinstance(name, peername.PeerName)
    assert name.authority == hashlib.sha1(_rsa_spki(keys[1].public_key())).hexdigest()
    assert name.classifier == "alice.laptop"
    assert name.secure
    assert peername.parse(str(name)) == name


def test_secure_name_validates_the_classifier(keys):
    _error("PEER_E_CLASSIFIER_TOO_LONG", peername.secure_name, keys[0].public_key(), "c" * 150)
    _error("PEER_E_INVALID_CLASSIFIER", peername.secure_name, keys[0].public_key(), "a\x00")
    _error("PEER_E_INVALID_CLASSIFIER", peername.secure_name, keys[0].public_key(), "")
