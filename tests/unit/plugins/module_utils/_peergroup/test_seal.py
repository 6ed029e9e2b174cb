# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the password seal (scrypt -> HKDF-SHA256 -> AES-256-GCM).

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import seal
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

PASSWORD = "correct horse battery staple \u00e9"
SALT = bytes(range(16))
NONCE = bytes(range(100, 112))


def _hkdf_sha256(ikm, info, length):
    """RFC 5869 written out, independent of the code under test."""
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()
    block, output, counter = b"", b"", 1
    while len(output) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
        counter += 1
    return output[:length]


def _reference_keys(password, salt, n=2**15, r=8, p=1):
    master = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)
    return _hkdf_sha256(master, b"peernet kcv v1", 16), _hkdf_sha256(master, b"peernet aead v1", 32)


@pytest.fixture(scope="module")
def cache():
    return seal.KeyCache(PASSWORD)


@pytest.fixture(scope="module")
def key(cache):
    return cache.derive(seal.DEFAULT_KDF, SALT)


def test_derive_matches_an_independent_implementation(key):
    kcv, aead_key = _reference_keys(PASSWORD, SALT)
    assert key.kcv == kcv
    nonce, ciphertext = seal.seal(key, b"aad", b"payload", NONCE)
    assert nonce == NONCE
    assert ciphertext == AESGCM(aead_key).encrypt(NONCE, b"payload", b"aad")


def test_repr_shows_no_key_material(key, cache):
    _kcv, aead_key = _reference_keys(PASSWORD, SALT)
    text = repr(key) + repr(cache)
    assert aead_key.hex() not in text
    assert PASSWORD not in text
    assert SALT.hex() in repr(key)


def test_cache_memoises_by_params_and_salt(cache, key):
    before = cache.derivations
    assert cache.derive(seal.DEFAULT_KDF, SALT) is key
    assert cache.derivations == before
    fresh = cache.new_key()
    assert cache.derivations == before + 1
    assert len(fresh.salt) == seal.SALT_SIZE and fresh.salt != SALT
    assert fresh.kcv != key.kcv
    assert cache.derive(seal.DEFAULT_KDF, fresh.salt) is fresh
    assert cache.derivations == before + 1


def test_round_trip_and_random_nonces(key):
    nonce1, ciphertext1 = seal.seal(key, b"header", b"secret")
    nonce2, ciphertext2 = seal.seal(key, b"header", b"secret")
    assert len(nonce1) == seal.NONCE_SIZE and nonce1 != nonce2
    assert ciphertext1 != ciphertext2
    assert len(ciphertext1) == len(b"secret") + seal.TAG_SIZE
    assert seal.open_seal(key, key.kcv, b"header", nonce1, ciphertext1) == b"secret"
    assert seal.open_seal(key, key.kcv, b"header", nonce2, ciphertext2) == b"secret"


def test_empty_payload_is_a_bare_tag(key):
    nonce, ciphertext = seal.seal(key, b"header", b"")
    assert len(ciphertext) == seal.TAG_SIZE
    assert seal.open_seal(key, key.kcv, b"header", nonce, ciphertext) == b""


def test_wrong_password_is_invalid_password(key):
    other = seal.KeyCache(PASSWORD + "x").derive(seal.DEFAULT_KDF, SALT)
    nonce, ciphertext = seal.seal(key, b"header", b"secret")
    with pytest.raises(PeerError) as info:
        seal.open_seal(other, key.kcv, b"header", nonce, ciphertext)
    assert info.value.name == "ERROR_INVALID_PASSWORD"
    assert info.value.message == "the password does not open this document"


@pytest.mark.parametrize("what", ["aad", "nonce", "ciphertext", "tag"])
def test_alteration_is_invalidarg(key, what):
    nonce, ciphertext = seal.seal(key, b"header", b"secret")
    aad = b"header"
    if what == "aad":
        aad = b"Header"
    elif what == "nonce":
        nonce = bytes([nonce[0] ^ 1]) + nonce[1:]
    elif what == "ciphertext":
        ciphertext = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    else:
        ciphertext = ciphertext[:-1] + bytes([ciphertext[-1] ^ 0x80])
    with pytest.raises(PeerError) as info:
        seal.open_seal(key, key.kcv, aad, nonce, ciphertext)
    assert info.value.name == "E_INVALIDARG"
    assert "altered" in info.value.message


@pytest.mark.parametrize(
    "kcv, nonce, ciphertext",
    [(b"\x00" * 15, b"\x00" * 12, b"\x00" * 16), (b"\x00" * 16, b"\x00" * 16, b"\x00" * 16), (b"\x00" * 16, b"\x00" * 12, b"\x00" * 15)],
)
def test_malformed_seal_is_invalidarg(key, kcv, nonce, ciphertext):
    with pytest.raises(PeerError) as info:
        seal.open_seal(key, kcv, b"", nonce, ciphertext)
    assert info.value.name == "E_INVALIDARG"


def test_given_nonce_must_have_the_right_size(key):
    with pytest.raises(PeerError) as info:
        seal.seal(key, b"", b"", b"\x00" * 16)
    assert info.value.name == "E_INVALIDARG"


@pytest.mark.parametrize(
    "params, words",
    [
        (seal.KdfParams("scrypt", 2**14, 8, 1), "below the floor"),
        (seal.KdfParams("scrypt", 2**15, 4, 1), "below the floor"),
        (seal.KdfParams("scrypt", 2**15, 8, 0), "below the floor"),
        (seal.KdfParams("scrypt", 2**17, 8, 1), "above the ceiling"),
        (seal.KdfParams("scrypt", 2**16, 16, 1), "above the ceiling"),
        (seal.KdfParams("scrypt", 2**15, 8, 5), "above the ceiling"),
        (seal.KdfParams("scrypt", 2**40, 8, 1), "above the ceiling"),
        (seal.KdfParams("scrypt", 3 * 2**14, 8, 1), "power of two"),
        (seal.KdfParams("scrypt", 0, 8, 1), "power of two"),
        (seal.KdfParams("argon2id", 2**15, 8, 1), "unsupported"),
        (seal.KdfParams("scrypt", 2**15, 8, True), "integer"),
        (seal.KdfParams("scrypt", "32768", 8, 1), "integer"),
    ],
)
def test_kdf_bounds_refused_without_running_the_kdf(monkeypatch, params, words):
    def no_kdf(*args, **kwargs):
        raise AssertionError("the KDF must not run")

    monkeypatch.setattr(seal, "Scrypt", no_kdf)
    cache = seal.KeyCache(PASSWORD)
    with pytest.raises(PeerError) as info:
        cache.derive(params, SALT)
    assert info.value.name == "E_INVALIDARG"
    assert words in info.value.message
    assert cache.derivations == 0


def test_bounds_themselves_are_accepted():
    assert seal.check_kdf(seal.KDF_FLOOR) == seal.DEFAULT_KDF
    top = seal.KdfParams("scrypt", 2**16, 8, seal.KDF_CEILING.p)
    assert 128 * top.n * top.r == seal.KDF_CEILING.memory
    assert seal.check_kdf(top) == top


@pytest.mark.parametrize("salt", [b"", b"\x00" * 15, b"\x00" * 17, "0" * 16])
def test_salt_must_be_16_bytes(salt):
    with pytest.raises(PeerError) as info:
        seal.derive(PASSWORD, seal.DEFAULT_KDF, salt)
    assert info.value.name == "E_INVALIDARG"


@pytest.mark.parametrize("password", [None, b"bytes", "lone \udc80 surrogate"])
def test_password_must_be_text(password):
    with pytest.raises(PeerError) as info:
        seal.KeyCache(password)
    assert info.value.name == "E_INVALIDARG"
    if isinstance(password, str):
        assert password not in info.value.message


@pytest.mark.parametrize("password", ["\x00", "abc\x00", "\x00abc", "a\x00b"])
def test_a_nul_is_refused_before_any_derivation(monkeypatch, password):
    monkeypatch.setattr(seal, "Scrypt", None)  # any derivation would fail with a TypeError
    for call in (lambda: seal.KeyCache(password), lambda: seal.derive(password, seal.DEFAULT_KDF, SALT)):
        with pytest.raises(PeerError) as info:
            call()
        assert info.value.name == "E_INVALIDARG" and "U+0000" in info.value.message


def test_an_empty_password_opens_but_never_seals(monkeypatch):
    cache = seal.KeyCache("")
    monkeypatch.setattr(seal, "Scrypt", None)  # refused before any derivation
    for call in (cache.check_sealing, cache.new_key):
        with pytest.raises(PeerError) as info:
            call()
        assert info.value.name == "PEER_E_PASSWORD_DOES_NOT_MEET_POLICY"
    assert cache.derivations == 0
