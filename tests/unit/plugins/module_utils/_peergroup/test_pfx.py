# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of pfx.check_work: every iteration count a PKCS#12 names is bounded before OpenSSL runs it."""

from __future__ import annotations

import datetime
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import der
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import pfx
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

PASSWORD = b"correct horse"
CAP = 5000
ROUNDS = 1000  # the writer's count in these tests: below CAP, and fast

DATA = "1.2.840.113549.1.7.1"
ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
CERT_BAG = "1.2.840.113549.1.12.10.1.3"
SAFE_CONTENTS_BAG = "1.2.840.113549.1.12.10.1.6"
X509_CERTIFICATE = "1.2.840.113549.1.9.22.1"


def integer(value: int) -> bytes:
    return der.encode(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def explicit(value: bytes) -> bytes:
    return der.encode(der.CONTEXT_0, value)


def pbes2(iterations: int, iv: bytes, kdf_oid: str = "1.2.840.113549.1.5.12") -> bytes:
    prf = der.sequence(der.object_identifier("1.2.840.113549.2.9"), b"\x05\x00")
    kdf = der.sequence(der.object_identifier(kdf_oid), der.sequence(der.octet_string(b"s" * 16), integer(iterations), prf))
    scheme = der.sequence(der.object_identifier("2.16.840.1.101.3.4.1.42"), der.octet_string(iv))
    return der.sequence(der.object_identifier("1.2.840.113549.1.5.13"), der.sequence(kdf, scheme))


def bag(bag_id: str, value: bytes) -> bytes:
    return der.sequence(der.object_identifier(bag_id), explicit(value))


def shrouded_key_bag(iterations: int) -> bytes:
    return bag(SHROUDED_KEY_BAG, der.sequence(pbes2(iterations, b"i" * 16), der.octet_string(b"\x00" * 32)))


def cert_bag() -> bytes:
    return bag(CERT_BAG, der.sequence(der.object_identifier(X509_CERTIFICATE), explicit(der.octet_string(b"\x30\x00"))))


def data_content(*bags: bytes) -> bytes:
    return der.sequence(der.object_identifier(DATA), explicit(der.octet_string(der.sequence(*bags))))


def encrypted_content(iterations: int, *bags: bytes, password: bytes = PASSWORD) -> bytes:
    iv = os.urandom(16)
    key = PBKDF2HMAC(hashes.SHA256(), 32, b"s" * 16, iterations).derive(password)
    padder = padding.PKCS7(128).padder()
    plaintext = padder.update(der.sequence(*bags)) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    info = der.sequence(der.object_identifier(DATA), pbes2(iterations, iv), der.encode(0x80, ciphertext))
    return der.sequence(der.object_identifier(ENCRYPTED_DATA), explicit(der.sequence(integer(0), info)))


def pfx_of(*content_infos: bytes, mac_iterations: int | None = 2048) -> bytes:
    """``mac_iterations=None`` leaves the count out, as DER does for its DEFAULT of 1."""
    auth_safe = der.sequence(der.object_identifier(DATA), explicit(der.octet_string(der.sequence(*content_infos))))
    digest = der.sequence(der.sequence(der.object_identifier("2.16.840.1.101.3.4.2.1"), b"\x05\x00"), der.octet_string(b"m" * 32))
    count = integer(mac_iterations) if mac_iterations is not None else b""
    mac = der.sequence(digest, der.octet_string(b"salt" * 2), count)
    return der.sequence(integer(3), auth_safe, mac)


def refused(data: bytes, password: bytes = PASSWORD) -> str:
    with pytest.raises(PeerError) as caught:
        pfx.check_work(data, password, CAP)
    assert caught.value.name == "E_INVALIDARG"
    assert PASSWORD.decode() not in caught.value.message
    return caught.value.message


@pytest.fixture(scope="module")
def written_by_cryptography():
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "pfx test")])
    now = datetime.datetime(2026, 1, 1)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
    )

    def write(rounds: int, algorithm=pkcs12.PBES.PBESv2SHA256AndAES256CBC) -> bytes:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(rounds)
            .key_cert_algorithm(algorithm).hmac_hash(hashes.SHA256()).build(PASSWORD)
        )
        return pkcs12.serialize_key_and_certificates(b"pfx test", key, cert, None, encryption)

    return write


def test_what_our_writer_makes_passes(written_by_cryptography):
    pfx.check_work(written_by_cryptography(ROUNDS), PASSWORD, CAP)


def test_the_cap_is_inclusive(written_by_cryptography):
    pfx.check_work(written_by_cryptography(CAP), PASSWORD, CAP)


def test_counts_above_the_cap_are_refused_before_any_derivation(written_by_cryptography):
    message = refused(written_by_cryptography(CAP + 1))
    assert "the encrypted content demands %d iterations; at most %d" % (CAP + 1, CAP) in message


@pytest.mark.parametrize("mac_iterations", [2048, None], ids=["mac-count-stated", "mac-count-default"])
def test_a_hand_built_pfx_passes(mac_iterations):
    data = pfx_of(encrypted_content(ROUNDS, cert_bag()), data_content(shrouded_key_bag(ROUNDS)), mac_iterations=mac_iterations)
    pfx.check_work(data, PASSWORD, CAP)


@pytest.mark.parametrize(
    "data, culprit",
    [
        (pfx_of(data_content(cert_bag()), mac_iterations=CAP + 1), "the MAC"),
        (pfx_of(data_content(cert_bag()), mac_iterations=0), "the MAC"),
        (pfx_of(data_content(cert_bag(), shrouded_key_bag(2**31 - 1))), "the shrouded key bag"),
        # Only visible once decrypted: the reason check_work decrypts.
        (pfx_of(encrypted_content(ROUNDS, cert_bag(), shrouded_key_bag(2**31 - 1))), "the shrouded key bag"),
    ],
    ids=["mac", "mac-zero", "key-bag", "key-bag-inside-encrypted-content"],
)
def test_every_count_is_bounded(data, culprit):
    assert "%s demands" % culprit in refused(data)


@pytest.mark.parametrize(
    "data, reason",
    [
        (pfx_of(data_content(bag(SAFE_CONTENTS_BAG, der.sequence(shrouded_key_bag(ROUNDS))))), "nested SafeContents"),
        (pfx_of(data_content(bag("1.2.3.4", der.sequence()))), "unknown bag type"),
        (pfx_of(data_content(der.sequence(der.object_identifier(SHROUDED_KEY_BAG), explicit(der.sequence(pbes2(ROUNDS, b"i" * 16, "1.2.3")))))),
         "a SEQUENCE of 1 fields where 2 belong"),
        (pfx_of(data_content(der.sequence(der.object_identifier(SHROUDED_KEY_BAG), explicit(der.sequence(
            pbes2(ROUNDS, b"i" * 16, "1.2.840.113549.1.5.13"), der.octet_string(b"")))))), "does not derive with PBKDF2"),
        (pfx_of(der.sequence(der.object_identifier("1.2.840.113549.1.7.3"), explicit(der.sequence()))), "unsupported ContentInfo"),
        (pfx_of(data_content(cert_bag()))[:-1], "malformed DER"),
        (pfx_of(data_content(cert_bag())) + b"\x00", "malformed DER"),
        (b"", "malformed DER"),
    ],
    ids=["nested-safe-contents", "unknown-bag", "short-key-bag", "not-pbkdf2", "enveloped-data", "truncated", "trailing", "empty"],
)
def test_layouts_it_cannot_see_through_are_refused(data, reason):
    assert reason in refused(data)


def test_a_wrong_password_is_refused():
    assert "does not decrypt" in refused(pfx_of(encrypted_content(ROUNDS, cert_bag(), password=b"other")))


def test_pkcs12_pbe_without_pbes2_is_refused(written_by_cryptography):
    legacy = written_by_cryptography(ROUNDS, pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
    assert "is not PBES2" in refused(legacy)
