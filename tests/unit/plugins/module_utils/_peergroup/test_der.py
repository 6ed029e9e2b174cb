# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the small DER encoder/decoder of the P2P certificate extension values.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import pytest

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import der
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

PEER_NAME_TYPE = "1.3.6.1.4.1.311.44.0.2"
CLASSIFIER_TYPE = "1.3.6.1.4.1.311.44.0.3"


def _malformed(function, *args):
    with pytest.raises(PeerError) as excinfo:
        function(*args)
    assert excinfo.value.name == "PEER_E_INVALID_CREDENTIAL"
    assert "malformed" in excinfo.value.message
    return excinfo.value


# --- encoding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size, header",
    [
        (0, "0400"),
        (1, "0401"),
        (0x7F, "047f"),
        (0x80, "048180"),
        (0xFF, "0481ff"),
        (0x100, "04820100"),
        (0xFFFF, "0482ffff"),
        (0x10000, "0483010000"),
    ],
)
def test_lengths_are_minimal(size, header):
    content = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    encoded = der.octet_string(content)
    assert encoded == bytes.fromhex(header) + content
    assert der.read(encoded) == (der.OCTET_STRING, content, len(encoded))


@pytest.mark.parametrize(
    "dotted, expected",
    [
        ("1.3.6.1.4.1.311.44.0.2", "060a2b0601040182372c0002"),
        ("1.3.6.1.4.1.311.44.3.5", "060a2b0601040182372c0305"),
        ("1.2.840.113549.1.1.1", "06092a864886f70d010101"),
        ("2.5.29.19", "0603551d13"),
        ("1.3.6.1.5.5.7.3.1", "06082b06010505070301"),
        ("1.2.3.16383.16384", "06072a03ff7f818000"),
    ],
)
def test_object_identifiers(dotted, expected):
    assert der.object_identifier(dotted).hex() == expected


def test_sequence_and_octet_string():
    assert der.sequence() == b"\x30\x00"
    assert der.sequence(der.octet_string(b"\x01"), der.octet_string(b"")) == bytes.fromhex("3005040101" + "0400")
    assert der.encode(0x1C, b"") == b"\x1c\x00"


def test_universal_string_is_utf32_big_endian():
    assert der.universal_string("A") == bytes.fromhex("1c0400000041")
    assert der.universal_string("\u00e9\U0001F600") == bytes.fromhex("1c08000000e90001f600")


def test_other_name_layout():
    encoded = der.other_name(PEER_NAME_TYPE, "0.g")
    type_id = bytes.fromhex("060a2b0601040182372c0002")
    value = bytes.fromhex("1c0c") + "0.g".encode("utf-32-be")
    inner = bytes.fromhex("a0%02x" % len(value)) + value
    assert encoded == bytes([0xA0, len(type_id) + len(inner)]) + type_id + inner
    assert encoded.hex() == "a01c060a2b0601040182372c0002a00e1c0c000000300000002e00000067"


# --- decoding ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 5, 0x7F, 0x80, 0x81, 0x3FF, 0x1000, 0x12345])
@pytest.mark.parametrize("tag", [der.OCTET_STRING, der.SEQUENCE, der.UNIVERSAL_STRING, der.CONTEXT_0])
def test_round_trip(tag, size):
    content = bytes((index * 7) & 0xFF for index in range(size))
    encoded = der.encode(tag, content) + b"\x05\x00"
    tag_read, content_read, offset = der.read(encoded)
    assert (tag_read, content_read) == (tag, content)
    assert der.read(encoded, offset) == (0x05, b"", len(encoded))
    assert der.read_all(encoded) == [(tag, content), (0x05, b"")]
    assert der.expect_one(encoded[:offset], tag) == content


@pytest.mark.parametrize(
    "data",
    [
        "048105" + "00" * 5,  # long form for a short length
        "04820080" + "00" * 0x80,  # leading zero length byte
        "0482007f" + "00" * 0x7F,
        "048200ff" + "00" * 0xFF,
        "0480" + "0000",  # indefinite length
        "0485" + "0000000001" + "00",  # more than 4 length bytes
        "04ff",
    ],
)
def test_non_minimal_or_unsupported_lengths(data):
    _malformed(der.read, bytes.fromhex(data))
    _malformed(der.read_all, bytes.fromhex(data))


@pytest.mark.parametrize(
    "data",
    [
        "",
        "04",
        "0405010203",  # content shorter than its length
        "048180" + "00" * 0x7F,
        "0482",  # length bytes missing
        "048201",
        "3003040101" + "0401",
    ],
)
def test_truncated(data):
    error = _malformed(der.read_all, bytes.fromhex(data)) if data else _malformed(der.read, b"")
    assert "truncated" in error.message or "bad length" in error.message


def test_read_at_an_offset_past_the_end():
    _malformed(der.read, b"\x04\x00", 2)
    _malformed(der.read, b"\x04\x00", 1)


def test_read_all_of_nothing():
    assert der.read_all(b"") == []


@pytest.mark.parametrize("data", ["040100" + "00", "04010004", "0401003000", "3000" + "3000"])
def test_trailing_bytes(data):
    _malformed(der.expect_one, bytes.fromhex(data), int(data[:2], 16))


def test_expect_one_checks_the_tag():
    assert der.expect_one(b"\x04\x01\x2a", der.OCTET_STRING) == b"\x2a"
    error = _malformed(der.expect_one, b"\x04\x01\x2a", der.SEQUENCE)
    assert "0x30" in error.message
    _malformed(der.expect_one, b"", der.OCTET_STRING)


# --- GeneralNames of otherName ------------------------------------------------------------------


@pytest.mark.parametrize(
    "names",
    [
        [],
        ["participant"],
        ["0.g", "a" * 40 + "." + "c" * 149],
        ["\u00e9t\u00e9", "\U0001F600.x", "tab\there"],
    ],
)
def test_other_names_round_trip(names):
    encoded = der.sequence(*[der.other_name(CLASSIFIER_TYPE, name) for name in names])
    assert der.read_other_names(encoded, CLASSIFIER_TYPE) == names


def _one_other_name(type_id, value_tlv):
    inner = der.object_identifier(type_id) + der.encode(der.CONTEXT_0, value_tlv)
    return der.sequence(der.encode(der.CONTEXT_0, inner))


def test_other_name_decoded_by_hand():
    encoded = bytes.fromhex("301ea01c060a2b0601040182372c0002a00e1c0c000000300000002e00000067")
    assert der.read_other_names(encoded, PEER_NAME_TYPE) == ["0.g"]
    assert encoded == der.sequence(der.other_name(PEER_NAME_TYPE, "0.g"))


def test_other_name_of_another_type_is_refused():
    encoded = der.sequence(der.other_name(PEER_NAME_TYPE, "0.g"))
    _malformed(der.read_other_names, encoded, CLASSIFIER_TYPE)
    # an OID that merely starts with the wanted one's arcs
    _malformed(der.read_other_names, _one_other_name(PEER_NAME_TYPE + "0", der.universal_string("x")), PEER_NAME_TYPE)


@pytest.mark.parametrize(
    "value",
    [
        bytes.fromhex("1c03000000"),  # not a multiple of 4
        bytes.fromhex("1c040000d800"),  # a surrogate
        bytes.fromhex("1c0400110000"),  # beyond U+10FFFF
        der.encode(0x0C, b"x"),  # UTF8String instead of UniversalString
        der.universal_string("x") + b"\x05\x00",  # trailing bytes inside the [0]
        b"",
    ],
)
def test_bad_other_name_values(value):
    _malformed(der.read_other_names, _one_other_name(PEER_NAME_TYPE, value), PEER_NAME_TYPE)


@pytest.mark.parametrize(
    "encoded",
    [
        der.other_name(PEER_NAME_TYPE, "x"),  # a bare GeneralName, not GeneralNames
        der.sequence(der.octet_string(b"x")),  # another GeneralName choice
        der.sequence(der.encode(0x81, b"x")),  # rfc822Name
        der.sequence(der.other_name(PEER_NAME_TYPE, "x")) + b"\x00",
        der.octet_string(der.sequence(der.other_name(PEER_NAME_TYPE, "x"))),
    ],
)
def test_bad_general_names(encoded):
    _malformed(der.read_other_names, encoded, PEER_NAME_TYPE)
