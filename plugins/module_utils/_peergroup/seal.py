# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The password seal of our documents: scrypt, then HKDF-SHA256, then AES-256-GCM.

One scrypt run per ``(password, KDF parameters, salt)`` yields a 16-byte
key-check value (KCV, stored in the document, so a wrong password is told
apart from tampering), an AES-256-GCM key (seals the payload and
authenticates every other field as associated data) and the password of the
PKCS#12 in an identity export (so no part of a document is cheaper to guess
against than scrypt).  docs/format.md, "The seal", is the byte-level
description.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import hmac
import os
from typing import NamedTuple

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
except ImportError:  # deps.missing_requirements() reports it before any use
    InvalidTag = None
    hashes = None
    AESGCM = None
    HKDF = None
    Scrypt = None

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError, shown

SALT_SIZE = 16
NONCE_SIZE = 12
KCV_SIZE = 16
TAG_SIZE = 16
AEAD_KEY_SIZE = 32
SCRYPT_OUTPUT_SIZE = 32
INFO_KCV = b"peernet kcv v1"
INFO_AEAD = b"peernet aead v1"
INFO_PKCS12 = b"peernet pkcs12 v1"
PKCS12_SECRET_SIZE = 32


class KdfParams(NamedTuple):
    """scrypt cost parameters as written in a document."""

    name: str
    n: int
    r: int
    p: int


class KdfCeiling(NamedTuple):
    """The most a document may make us spend: scrypt memory (128*n*r bytes) and lanes."""

    memory: int
    p: int


DEFAULT_KDF = KdfParams(name="scrypt", n=2**15, r=8, p=1)
# The floor is the default: a document cannot talk us into a weaker seal.
KDF_FLOOR = DEFAULT_KDF
# The ceiling keeps a hostile document from costing more than about a second and 64 MiB.
KDF_CEILING = KdfCeiling(memory=64 * 1024 * 1024, p=4)


def check_kdf(params: KdfParams) -> KdfParams:
    """Return ``params`` if they lie between the floor and the ceiling, else raise ``E_INVALIDARG``."""
    if params.name != "scrypt":
        raise PeerError("E_INVALIDARG", "unsupported key derivation function %s (only scrypt)" % shown(params.name))
    for field in ("n", "r", "p"):
        value = getattr(params, field)
        # bool is an int subclass; True must not pass for 1.
        if not isinstance(value, int) or isinstance(value, bool):
            raise PeerError("E_INVALIDARG", "scrypt parameter %s must be an integer" % field)
    if params.n < 2 or params.n & (params.n - 1):
        raise PeerError("E_INVALIDARG", "scrypt parameter n=%d is not a power of two" % params.n)
    if params.n < KDF_FLOOR.n or params.r < KDF_FLOOR.r or params.p < KDF_FLOOR.p:
        raise PeerError(
            "E_INVALIDARG",
            "scrypt parameters n=%d r=%d p=%d are below the floor n=%d r=%d p=%d"
            % (params.n, params.r, params.p, KDF_FLOOR.n, KDF_FLOOR.r, KDF_FLOOR.p),
        )
    if 128 * params.n * params.r > KDF_CEILING.memory or params.p > KDF_CEILING.p:
        raise PeerError(
            "E_INVALIDARG",
            "scrypt parameters n=%d r=%d p=%d are above the ceiling (128*n*r <= %d bytes, p <= %d)"
            % (params.n, params.r, params.p, KDF_CEILING.memory, KDF_CEILING.p),
        )
    return params


class SealKey(object):
    """Keys derived from one password, KDF parameters and salt.

    Holds the public KCV, an AES-GCM object and the derived PKCS#12 password;
    ``repr`` shows neither of the latter.
    """

    __slots__ = ("params", "salt", "kcv", "_aead", "_pkcs12_password")

    def __init__(self, params: KdfParams, salt: bytes, kcv: bytes, aead, pkcs12_password: bytes) -> None:
        self.params = params
        self.salt = salt
        self.kcv = kcv
        self._aead = aead
        self._pkcs12_password = pkcs12_password

    def __repr__(self) -> str:
        return "SealKey(params=%r, salt=%s)" % (tuple(self.params), self.salt.hex())

    def pkcs12_password(self) -> bytes:
        """The password of the PKCS#12 in an identity export: 64 lower-case hex digits, ASCII."""
        return self._pkcs12_password


def password_bytes(password: str) -> bytes:
    """The password as UTF-8 (no normalisation); ``E_INVALIDARG`` if it is not text or holds U+0000.

    Every password entering the seal passes here before any derivation.  U+0000 is refused
    because C callers (Windows' PCWSTR, OpenSSL) end a password there: no other tool could
    type it.
    """
    if not isinstance(password, str):
        raise PeerError("E_INVALIDARG", "a password (text) is required")
    if "\x00" in password:
        raise PeerError("E_INVALIDARG", "the password contains U+0000 (NUL), which no password may hold")
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError:
        raise PeerError("E_INVALIDARG", "the password is not valid Unicode (it contains a lone surrogate)") from None


def derive(password: str, params: KdfParams, salt: bytes) -> SealKey:
    """Run the KDF: scrypt, then HKDF-SHA256 into the KCV, the AES-256-GCM key and the PKCS#12 password."""
    check_kdf(params)
    if not isinstance(salt, bytes) or len(salt) != SALT_SIZE:
        raise PeerError("E_INVALIDARG", "the salt must be %d bytes" % SALT_SIZE)
    secret = password_bytes(password)
    master = Scrypt(salt=salt, length=SCRYPT_OUTPUT_SIZE, n=params.n, r=params.r, p=params.p).derive(secret)
    kcv = HKDF(algorithm=hashes.SHA256(), length=KCV_SIZE, salt=None, info=INFO_KCV).derive(master)
    aead_key = HKDF(algorithm=hashes.SHA256(), length=AEAD_KEY_SIZE, salt=None, info=INFO_AEAD).derive(master)
    pkcs12_secret = HKDF(algorithm=hashes.SHA256(), length=PKCS12_SECRET_SIZE, salt=None, info=INFO_PKCS12).derive(master)
    return SealKey(params, salt, kcv, AESGCM(aead_key), pkcs12_secret.hex().encode("ascii"))


class KeyCache(object):
    """One password and the keys derived from it during one module call.

    ``derive`` memoises by ``(params, salt)``: opening many documents sealed in
    one batch, or re-opening one just written, costs one KDF.  ``new_key``
    starts a batch: fresh salt, one KDF, then any number of ``seal`` calls,
    each with its own random 96-bit nonce.
    """

    def __init__(self, password: str) -> None:
        password_bytes(password)
        self.password = password
        self.derivations = 0
        self._keys = {}

    def __repr__(self) -> str:
        return "KeyCache(derivations=%d)" % self.derivations

    def derive(self, params: KdfParams, salt: bytes) -> SealKey:
        cache_key = (tuple(params), salt)
        key = self._keys.get(cache_key)
        if key is None:
            key = derive(self.password, params, salt)
            self.derivations += 1
            self._keys[cache_key] = key
        return key

    def check_sealing(self) -> None:
        """``PEER_E_PASSWORD_DOES_NOT_MEET_POLICY`` for a password too weak to seal with (empty).

        Exports call it before any work, so check mode refuses what a real run would.
        """
        if not self.password:
            raise PeerError("PEER_E_PASSWORD_DOES_NOT_MEET_POLICY", "an empty password cannot seal a document; use a long random one")

    def new_key(self, params: KdfParams = DEFAULT_KDF) -> SealKey:
        self.check_sealing()
        return self.derive(params, os.urandom(SALT_SIZE))


def new_nonce() -> bytes:
    """A fresh random 96-bit nonce, for callers that bind the nonce into their associated data."""
    return os.urandom(NONCE_SIZE)


def seal(key: SealKey, aad: bytes, payload: bytes, nonce: bytes | None = None) -> tuple:
    """Encrypt ``payload`` and authenticate ``aad``; return ``(nonce, ciphertext || tag)``.

    Without ``nonce`` a fresh random one is drawn.  A given nonce must come
    from ``new_nonce()`` (or be a fixed one for a test vector): one key seals
    many documents, so a repeated nonce would break GCM.
    """
    if nonce is None:
        nonce = new_nonce()
    elif len(nonce) != NONCE_SIZE:
        raise PeerError("E_INVALIDARG", "the nonce must be %d bytes" % NONCE_SIZE)
    return nonce, key._aead.encrypt(nonce, payload, aad)


def open_seal(key: SealKey, kcv: bytes, aad: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
    """Check the password (KCV), then authenticate and decrypt; return the payload."""
    if len(kcv) != KCV_SIZE or len(nonce) != NONCE_SIZE or len(ciphertext) < TAG_SIZE:
        raise PeerError("E_INVALIDARG", "the seal is malformed (wrong KCV, nonce or ciphertext size)")
    if not hmac.compare_digest(key.kcv, kcv):
        raise PeerError("ERROR_INVALID_PASSWORD", "the password does not open this document")
    try:
        return key._aead.decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise PeerError("E_INVALIDARG", "the document was altered after it was sealed (integrity check failed)") from None
