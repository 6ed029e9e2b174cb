# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of pfx: our PKCS#12 is standard, and reading any PFX costs at most one MAC and two bounded PBKDF2 runs."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import random

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import der
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import pfx
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup import builders

PASSWORD = b"0123456789abcdef" * 4
WORK_BOUND = pfx.DERIVATIONS * pfx.MAX_ITERATIONS


@pytest.fixture(scope="module")
def identity():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "pfx test")])
    now = datetime.datetime(2026, 1, 1)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
    )
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key, cert, key_der, cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def ours(identity):
    _key, _cert, key_der, cert_der = identity
    return pfx.write(key_der, cert_der, "abc.alice\U0001F600", PASSWORD)


@pytest.fixture
def work(monkeypatch):
    """Every derivation ``read`` runs, as ``(kind, iterations)``."""
    runs = []
    mac_key, pbkdf2_key = pfx._mac_key, pfx._pbkdf2_key

    def counted_mac_key(password, salt, iterations):
        runs.append(("mac", iterations))
        return mac_key(password, salt, iterations)

    def counted_pbkdf2_key(password, salt, iterations):
        runs.append(("pbkdf2", iterations))
        return pbkdf2_key(password, salt, iterations)

    monkeypatch.setattr(pfx, "_mac_key", counted_mac_key)
    monkeypatch.setattr(pfx, "_pbkdf2_key", counted_pbkdf2_key)
    return runs


def refused(data: bytes, password: bytes = PASSWORD) -> str:
    with pytest.raises(PeerError) as caught:
        pfx.read(data, password)
    assert caught.value.name == "E_INVALIDARG"
    assert password.decode() not in caught.value.message
    return caught.value.message


# --- a DER tree, to edit a PFX in place ----------------------------------------------------


def _parse(data: bytes) -> list:
    """Nodes ``[tag, content]``; ``content`` a list of nodes when the value holds DER (constructed, or an OCTET STRING of DER)."""
    nodes = []
    for tag, content in der.read_all(data):
        if tag & 0x20 or (tag == der.OCTET_STRING and content[:1] == b"\x30"):
            try:
                content = _parse(content)
            except PeerError:
                pass
        nodes.append([tag, content])
    return nodes


def _encode(nodes: list) -> bytes:
    return b"".join(der.encode(tag, _encode(content) if isinstance(content, list) else content) for tag, content in nodes)


def _counts(nodes: list) -> list:
    """The iteration-count nodes: an INTEGER right after a salt, in document order (PBKDF2s, then the MAC)."""
    found = []
    for node in nodes:
        if isinstance(node[1], list):
            kids = node[1]
            for first, second in zip(kids, kids[1:]):
                if first[0] == der.OCTET_STRING and not isinstance(first[1], list) and second[0] == der.INTEGER and 8 <= len(first[1]) <= 64:
                    found.append(second)
            found += _counts(kids)
    return found


def with_count(data: bytes, index: int, iterations: int) -> bytes:
    tree = _parse(data)
    counts = _counts(tree)
    assert len(counts) == 3
    counts[index][1] = iterations.to_bytes(iterations.bit_length() // 8 + 1, "big")
    return _encode(tree)


# --- the format -------------------------------------------------------------------------


def test_round_trip(identity, ours, work):
    _key, _cert, key_der, cert_der = identity
    assert pfx.read(ours, PASSWORD) == (key_der, cert_der)
    assert sorted(work) == [("mac", pfx.ITERATIONS), ("pbkdf2", pfx.ITERATIONS), ("pbkdf2", pfx.ITERATIONS)]


def test_cryptography_reads_ours(identity, ours):
    key, cert, others = pkcs12.load_key_and_certificates(ours, PASSWORD)
    assert cert == identity[1] and others == []
    assert key.private_numbers() == identity[0].private_numbers()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(ours, b"wrong")


@pytest.mark.skipif(not builders.CRYPTOGRAPHY_WRITES_OUR_PKCS12, reason="cryptography < 42 writes another PKCS#12 layout")
def test_we_read_what_cryptography_writes_in_our_layout(identity):
    """Checks our MAC key (RFC 7292 B.2) and PBES2 against OpenSSL's, through cryptography's writer."""
    key, cert, key_der, cert_der = identity
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(pfx.ITERATIONS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256()).build(PASSWORD)
    )
    written = pkcs12.serialize_key_and_certificates(b"pfx test", key, cert, None, encryption)
    assert pfx.read(written, PASSWORD) == (key_der, cert_der)


def _auth_safe_octets(tree):
    """The OCTET STRING node inside the PFX's authSafe ContentInfo."""
    return tree[0][1][1][1][1][1][0]


def _auth_safe(tree):
    """The list of ContentInfo nodes of the AuthenticatedSafe."""
    return _auth_safe_octets(tree)[1][0][1]


def _mac_data(tree):
    """``[DigestInfo, macSalt, iterations]`` nodes."""
    return tree[0][1][2][1]


def test_the_mac_key_follows_rfc_7292(ours):
    tree = _parse(ours)
    auth_safe = _encode(_auth_safe_octets(tree)[1])  # the OCTET STRING's content, as the MAC covers it
    (digest_info, salt, count) = _mac_data(tree)
    key = pfx._mac_key(PASSWORD, salt[1], int.from_bytes(count[1], "big"))
    assert hmac.compare_digest(hmac.new(key, auth_safe, hashlib.sha256).digest(), digest_info[1][1][1])


def test_a_wrong_password_is_refused_by_the_mac_first(ours, work):
    assert "MAC" in refused(ours, b"f" * 64)
    assert work == [("mac", pfx.ITERATIONS)]


# --- the work bound -----------------------------------------------------------------------


@pytest.mark.parametrize("index, what", [(0, "the certificate"), (1, "the key"), (2, "the MAC")])
@pytest.mark.parametrize("iterations", [0, pfx.MAX_ITERATIONS + 1, 600000, 2**31 - 1])
def test_every_count_is_bounded_before_any_derivation(ours, work, index, what, iterations):
    message = refused(with_count(ours, index, iterations))
    assert what in message and "iterations" in message
    assert work == []


def test_the_bound_is_inclusive(identity):
    # Only the count is changed, so the MAC fails afterwards; the point is that the bound let it through.
    data = with_count(pfx.write(identity[2], identity[3], "x", PASSWORD), 2, pfx.MAX_ITERATIONS)
    assert "MAC does not verify" in refused(data)


def _rebuilt(ours, edit):
    tree = _parse(ours)
    edit(tree)
    return _encode(tree)


def _pbmac1(tree):
    """RFC 9579: the MAC algorithm becomes PBMAC1 with its own PBKDF2 count."""
    params = der.sequence(
        der.sequence(der.object_identifier("1.2.840.113549.1.5.12"), der.sequence(der.octet_string(b"s" * 16), der.integer(2**31 - 1), der.integer(32))),
        der.sequence(der.object_identifier("1.2.840.113549.2.9")),
    )
    _mac_data(tree)[0][1][0] = _parse(der.sequence(der.object_identifier("1.2.840.113549.1.5.14"), params))[0]


@pytest.mark.parametrize(
    "edit, reason",
    [
        (lambda tree: _auth_safe(tree).append(_auth_safe(tree)[0]), "SEQUENCE of 3 fields"),
        (lambda tree: _auth_safe(tree).__setitem__(1, _auth_safe(tree)[0]), "second content type"),
        (lambda tree: _auth_safe(tree).reverse(), "first content type"),
        (lambda tree: _auth_safe(tree).pop(), "SEQUENCE of 1 fields"),
        (_pbmac1, "MAC digest"),
        (lambda tree: tree[0][1].pop(), "SEQUENCE of 2 fields"),
        (lambda tree: _mac_data(tree).pop(), "SEQUENCE of 2 fields"),
    ],
    ids=["three-contents", "two-encrypted", "swapped", "no-key", "pbmac1", "no-mac", "no-mac-count"],
)
def test_layouts_other_than_ours_are_refused_before_any_derivation(ours, work, edit, reason):
    assert reason in refused(_rebuilt(ours, edit))
    assert work == []


def test_legacy_pkcs12_encryption_is_refused(identity, work):
    key, cert = identity[0], identity[1]
    legacy = pkcs12.serialize_key_and_certificates(b"x", key, cert, None, serialization.BestAvailableEncryption(PASSWORD))
    refused(legacy)
    assert sum(iterations for _kind, iterations in work) <= WORK_BOUND


def test_every_single_byte_change_is_bounded(ours, work):
    """Whatever a byte becomes, reading refuses cleanly or succeeds, within the total bound."""
    generator = random.Random(18)
    for position in sorted(generator.sample(range(len(ours)), 400)):
        changed = bytearray(ours)
        changed[position] ^= generator.randrange(1, 256)
        del work[:]
        try:
            pfx.read(bytes(changed), PASSWORD)
        except PeerError as error:
            assert error.name == "E_INVALIDARG"
        assert len(work) <= pfx.DERIVATIONS
        assert sum(iterations for _kind, iterations in work) <= WORK_BOUND


@pytest.mark.parametrize("data", [b"", b"\x30\x00", b"\x30\x80\x00\x00", hashlib.sha512(b"garbage").digest(), b"\x30\x84\xff\xff\xff\xff"])
def test_garbage_is_refused(data):
    refused(data)
