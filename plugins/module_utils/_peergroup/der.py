# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The little DER the Microsoft P2P certificate extensions and our PKCS#12 need.

cryptography builds and parses the certificates; the values of the P2P
extensions (octet strings, sequences, otherName, UniversalString) and the
PKCS#12 of an identity export (pfx.py) are encoded here.  Decoding is
strict: definite, minimal lengths and no trailing bytes, so one value has
exactly one encoding.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
UNIVERSAL_STRING = 0x1C
BMP_STRING = 0x1E
SEQUENCE = 0x30
SET = 0x31
CONTEXT_0 = 0xA0
CONTEXT_1 = 0xA1


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def sequence(*items: bytes) -> bytes:
    return encode(SEQUENCE, b"".join(items))


def set_of(*items: bytes) -> bytes:
    """A SET OF: DER sorts the encoded elements."""
    return encode(SET, b"".join(sorted(items)))


def octet_string(data: bytes) -> bytes:
    return encode(OCTET_STRING, data)


def integer(value: int) -> bytes:
    """A non-negative INTEGER, minimal two's complement."""
    return encode(INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def null() -> bytes:
    return encode(NULL, b"")


def bmp_string(text: str) -> bytes:
    """UTF-16 big-endian, as PKCS#12 writes friendly names (characters beyond U+FFFF as surrogate pairs)."""
    return encode(BMP_STRING, text.encode("utf-16-be"))


def explicit(item: bytes) -> bytes:
    """``[0] EXPLICIT`` around one encoded value."""
    return encode(CONTEXT_0, item)


def universal_string(text: str) -> bytes:
    return encode(UNIVERSAL_STRING, text.encode("utf-32-be"))


def object_identifier(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return encode(OBJECT_IDENTIFIER, bytes(body))


def other_name(type_id: str, text: str) -> bytes:
    """GeneralName otherName: [0] IMPLICIT SEQUENCE {type-id, [0] EXPLICIT UniversalString}."""
    return encode(CONTEXT_0, object_identifier(type_id) + encode(CONTEXT_0, universal_string(text)))


def _bad(what: str) -> PeerError:
    return PeerError("PEER_E_INVALID_CREDENTIAL", "malformed certificate extension value: %s" % what)


def read(data: bytes, offset: int = 0) -> tuple:
    """One TLV at ``offset``: ``(tag, content, next_offset)``."""
    if offset + 2 > len(data):
        raise _bad("truncated")
    tag = data[offset]
    first = data[offset + 1]
    offset += 2
    if first < 0x80:
        size = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise _bad("bad length")
        size = int.from_bytes(data[offset:offset + count], "big")
        if size < 0x80 or data[offset] == 0:
            raise _bad("non-minimal length")
        offset += count
    end = offset + size
    if end > len(data):
        raise _bad("truncated")
    return tag, data[offset:end], end


def read_all(data: bytes) -> list:
    """Every TLV in ``data`` as ``(tag, content)``; the bytes must be used up exactly."""
    items = []
    offset = 0
    while offset < len(data):
        tag, content, offset = read(data, offset)
        items.append((tag, content))
    return items


def expect_one(data: bytes, tag: int) -> bytes:
    """The content of the single TLV that ``data`` must be, with tag ``tag``."""
    items = read_all(data)
    if len(items) != 1 or items[0][0] != tag:
        raise _bad("expected tag 0x%02x" % tag)
    return items[0][1]


def read_other_names(data: bytes, type_id: str) -> list:
    """Texts of GeneralNames made of otherName entries of ``type_id``."""
    names = []
    wanted = object_identifier(type_id)
    for tag, content in read_all(expect_one(data, SEQUENCE)):
        if tag != CONTEXT_0 or not content.startswith(wanted):
            raise _bad("unexpected GeneralName")
        value = expect_one(expect_one(content[len(wanted):], CONTEXT_0), UNIVERSAL_STRING)
        if len(value) % 4:
            raise _bad("UniversalString length")
        try:
            names.append(value.decode("utf-32-be"))
        except UnicodeDecodeError:
            raise _bad("UniversalString content") from None
    return names
