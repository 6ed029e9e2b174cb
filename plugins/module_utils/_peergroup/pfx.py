# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The PKCS#12 (PFX, RFC 7292) in DATA of an identity export, written and read here.

One layout only (docs/format.md, PEERIDENTITYEXPORT): the certificate in a
PBES2-encrypted content, the PKCS#8 key in a PBES2 shrouded key bag (both
PBKDF2-HMAC-SHA256 and AES-256-CBC) and an HMAC-SHA256 MAC.  The reader
accepts exactly that layout, so opening costs at most one MAC key and two
PBKDF2 runs of at most ``MAX_ITERATIONS`` each, whatever a document says;
OpenSSL's PKCS#12 parser never sees it.  The password is ``seal``'s derived
PKCS#12 password (256 bits): the iteration counts add no strength to it.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import hashlib
import hmac
import os

try:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:  # deps.missing_requirements() reports it before any use
    padding = Cipher = algorithms = modes = None

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import der
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

# What we write, for the MAC and each PBKDF2.
ITERATIONS = 2048
# The most a reader runs per derivation; one MAC and two PBKDF2 make the whole bound.
MAX_ITERATIONS = 4 * ITERATIONS
DERIVATIONS = 3
SALT_SIZE = 16
MAX_SALT_SIZE = 64
AES_KEY_SIZE = 32
AES_BLOCK_SIZE = 16
MAC_SIZE = 32

_PKCS7_DATA = der.object_identifier("1.2.840.113549.1.7.1")
_PKCS7_ENCRYPTED_DATA = der.object_identifier("1.2.840.113549.1.7.6")
_PBES2 = der.object_identifier("1.2.840.113549.1.5.13")
_PBKDF2 = der.object_identifier("1.2.840.113549.1.5.12")
_HMAC_SHA256 = der.object_identifier("1.2.840.113549.2.9")
_AES_256_CBC = der.object_identifier("2.16.840.1.101.3.4.1.42")
_SHA256 = der.object_identifier("2.16.840.1.101.3.4.2.1")
_SHROUDED_KEY_BAG = der.object_identifier("1.2.840.113549.1.12.10.1.2")
_CERT_BAG = der.object_identifier("1.2.840.113549.1.12.10.1.3")
_X509_CERTIFICATE = der.object_identifier("1.2.840.113549.1.9.22.1")
_FRIENDLY_NAME = der.object_identifier("1.2.840.113549.1.9.20")
_LOCAL_KEY_ID = der.object_identifier("1.2.840.113549.1.9.21")
# An AlgorithmIdentifier's absent parameters may be spelled NULL or left out (RFC 4055 §2.1).
_SHA256_IDS = (der.sequence(_SHA256, der.null()), der.sequence(_SHA256))
_HMAC_SHA256_IDS = (der.sequence(_HMAC_SHA256, der.null()), der.sequence(_HMAC_SHA256))
_ENCRYPTED_CONTENT = 0x80  # [0] IMPLICIT OCTET STRING
_MAC_KEY_ID = 3  # RFC 7292 B.3
_MAC_BLOCK = 64  # SHA-256's block size, v in RFC 7292 B.2


# --- shared -----------------------------------------------------------------------


def _fill(data: bytes) -> bytes:
    """``data`` repeated to the next multiple of the hash's block size (RFC 7292 B.2 steps 2-3)."""
    size = -(-len(data) // _MAC_BLOCK) * _MAC_BLOCK
    return (data * (size // len(data) + 1))[:size] if data else b""


def _mac_key(password: bytes, salt: bytes, iterations: int) -> bytes:
    """RFC 7292 appendix B.2 with SHA-256 (u=32, v=64), ID 3, for a 32-byte HMAC key.

    The password is a BMPString with its two-byte terminator, as B.1 says.
    """
    secret = password.decode("utf-8").encode("utf-16-be") + b"\x00\x00"
    digest = bytes([_MAC_KEY_ID]) * _MAC_BLOCK + _fill(salt) + _fill(secret)
    for _round in range(iterations):
        digest = hashlib.sha256(digest).digest()
    return digest


def _pbkdf2_key(password: bytes, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password, salt, iterations, AES_KEY_SIZE)


def _invalid(what: str) -> PeerError:
    return PeerError("E_INVALIDARG", "DATA is not the PKCS#12 this collection writes: %s" % what)


# --- writing ----------------------------------------------------------------------


def _pbes2(salt: bytes, iv: bytes) -> bytes:
    kdf = der.sequence(_PBKDF2, der.sequence(der.octet_string(salt), der.integer(ITERATIONS), _HMAC_SHA256_IDS[0]))
    return der.sequence(_PBES2, der.sequence(kdf, der.sequence(_AES_256_CBC, der.octet_string(iv))))


def _encrypt(plaintext: bytes, password: bytes) -> tuple:
    """``(AlgorithmIdentifier, ciphertext)`` under a fresh salt and IV."""
    salt, iv = os.urandom(SALT_SIZE), os.urandom(AES_BLOCK_SIZE)
    padder = padding.PKCS7(AES_BLOCK_SIZE * 8).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(_pbkdf2_key(password, salt, ITERATIONS)), modes.CBC(iv)).encryptor()
    return _pbes2(salt, iv), encryptor.update(padded) + encryptor.finalize()


def _attributes(friendly_name: str, certificate_der: bytes) -> bytes:
    # localKeyId = SHA-1 of the certificate, as OpenSSL writes it: ties the key to its certificate.
    return der.set_of(
        der.sequence(_FRIENDLY_NAME, der.set_of(der.bmp_string(friendly_name))),
        der.sequence(_LOCAL_KEY_ID, der.set_of(der.octet_string(hashlib.sha1(certificate_der).digest()))),
    )


def write(private_key_der: bytes, certificate_der: bytes, friendly_name: str, password: bytes) -> bytes:
    """The PKCS#12 of one PKCS#8 key and its certificate under ``password`` (ASCII)."""
    attributes = _attributes(friendly_name, certificate_der)
    cert_bag = der.sequence(
        _CERT_BAG, der.explicit(der.sequence(_X509_CERTIFICATE, der.explicit(der.octet_string(certificate_der)))), attributes
    )
    cert_algorithm, cert_ciphertext = _encrypt(der.sequence(cert_bag), password)
    encrypted_certs = der.sequence(
        _PKCS7_ENCRYPTED_DATA,
        der.explicit(der.sequence(der.integer(0), der.sequence(_PKCS7_DATA, cert_algorithm, der.encode(_ENCRYPTED_CONTENT, cert_ciphertext)))),
    )
    key_algorithm, key_ciphertext = _encrypt(private_key_der, password)
    key_bag = der.sequence(_SHROUDED_KEY_BAG, der.explicit(der.sequence(key_algorithm, der.octet_string(key_ciphertext))), attributes)
    keys = der.sequence(_PKCS7_DATA, der.explicit(der.octet_string(der.sequence(key_bag))))
    auth_safe = der.sequence(encrypted_certs, keys)
    mac_salt = os.urandom(SALT_SIZE)
    mac = hmac.new(_mac_key(password, mac_salt, ITERATIONS), auth_safe, hashlib.sha256).digest()
    mac_data = der.sequence(der.sequence(_SHA256_IDS[0], der.octet_string(mac)), der.octet_string(mac_salt), der.integer(ITERATIONS))
    return der.sequence(der.integer(3), der.sequence(_PKCS7_DATA, der.explicit(der.octet_string(auth_safe))), mac_data)


# --- reading ----------------------------------------------------------------------


def _content(item: tuple, tag: int) -> bytes:
    if item[0] != tag:
        raise _invalid("tag 0x%02x where 0x%02x belongs" % (item[0], tag))
    return item[1]


def _fields(item: tuple, *counts: int) -> list:
    """The TLVs inside a SEQUENCE item; as many as one of ``counts``."""
    fields = der.read_all(_content(item, der.SEQUENCE))
    if len(fields) not in counts:
        raise _invalid("a SEQUENCE of %d fields where %s belong" % (len(fields), " or ".join(map(str, counts))))
    return fields


def _sequence(data: bytes, *counts: int) -> list:
    """The fields of the single SEQUENCE ``data`` must be."""
    return _fields((der.SEQUENCE, _one(data, der.SEQUENCE)), *counts)


def _one(data: bytes, tag: int) -> bytes:
    """The content of the single TLV ``data`` must be."""
    items = der.read_all(data)
    if len(items) != 1:
        raise _invalid("%d values where one belongs" % len(items))
    return _content(items[0], tag)


def _explicit(item: tuple, tag: int) -> bytes:
    """The content of the one ``tag`` value inside an ``[0] EXPLICIT`` item."""
    return _one(_content(item, der.CONTEXT_0), tag)


def _expect(item: tuple, encodings: tuple, what: str) -> None:
    if der.encode(*item) not in encodings:
        raise _invalid("%s is not the one this collection writes" % what)


def _integer(item: tuple) -> int:
    content = _content(item, der.INTEGER)
    if not content or content[0] & 0x80 or len(content) > 4 or (len(content) > 1 and content[0] == 0 and content[1] < 0x80):
        raise _invalid("an INTEGER out of range or not minimal")
    return int.from_bytes(content, "big")


def _salt(item: tuple, what: str) -> bytes:
    salt = _content(item, der.OCTET_STRING)
    if not 8 <= len(salt) <= MAX_SALT_SIZE:
        raise _invalid("%s has a salt of %d bytes (8 to %d belong)" % (what, len(salt), MAX_SALT_SIZE))
    return salt


def _iterations(item: tuple, what: str) -> int:
    # Checked before any derivation: the count is the document's, the work would be ours.
    iterations = _integer(item)
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise _invalid("%s demands %d iterations; 1 to %d are allowed" % (what, iterations, MAX_ITERATIONS))
    return iterations


class _Encrypted(object):
    """A PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) ciphertext whose parameters passed the bounds."""

    def __init__(self, algorithm: tuple, ciphertext: bytes, what: str) -> None:
        algorithm_id, params = _fields(algorithm, 2)
        _expect(algorithm_id, (_PBES2,), "the encryption of %s" % what)
        kdf, scheme = _fields(params, 2)
        kdf_id, kdf_params = _fields(kdf, 2)
        _expect(kdf_id, (_PBKDF2,), "the key derivation of %s" % what)
        pbkdf2 = _fields(kdf_params, 3, 4)
        if len(pbkdf2) == 4 and _integer(pbkdf2[2]) != AES_KEY_SIZE:
            raise _invalid("the PBKDF2 key length of %s is not %d" % (what, AES_KEY_SIZE))
        _expect(pbkdf2[-1], _HMAC_SHA256_IDS, "the PBKDF2 PRF of %s" % what)
        scheme_id, iv = _fields(scheme, 2)
        _expect(scheme_id, (_AES_256_CBC,), "the cipher of %s" % what)
        self.iv = _content(iv, der.OCTET_STRING)
        if len(self.iv) != AES_BLOCK_SIZE:
            raise _invalid("the AES IV of %s is %d bytes" % (what, len(self.iv)))
        if not ciphertext or len(ciphertext) % AES_BLOCK_SIZE:
            raise _invalid("the ciphertext of %s is not whole AES blocks" % what)
        self.salt = _salt(pbkdf2[0], what)
        self.iterations = _iterations(pbkdf2[1], what)
        self.ciphertext = ciphertext
        self.what = what

    def decrypt(self, password: bytes) -> bytes:
        key = _pbkdf2_key(password, self.salt, self.iterations)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(self.iv)).decryptor()
        unpadder = padding.PKCS7(AES_BLOCK_SIZE * 8).unpadder()
        try:
            return unpadder.update(decryptor.update(self.ciphertext) + decryptor.finalize()) + unpadder.finalize()
        except ValueError:
            raise _invalid("%s does not decrypt" % self.what) from None


def _bag(data: bytes, bag_id: bytes, what: str) -> tuple:
    """The value inside the one SafeBag of a SafeContents; its attributes are not read."""
    bag = _sequence(data, 1)[0]
    fields = _fields(bag, 2, 3)
    _expect(fields[0], (bag_id,), "the bag of %s" % what)
    if len(fields) == 3:
        der.read_all(_content(fields[2], der.SET))
    return der.read_all(_content(fields[1], der.CONTEXT_0))


def _layout(data: bytes) -> tuple:
    """Walk the whole PFX without deriving anything: ``(auth_safe, mac, mac_salt, iterations, certs, key)``."""
    version, auth_safe_info, mac_data = _sequence(data, 3)
    if _integer(version) != 3:
        raise _invalid("not a version 3 PFX")
    content_type, content = _fields(auth_safe_info, 2)
    _expect(content_type, (_PKCS7_DATA,), "the authSafe content type")
    auth_safe = _explicit(content, der.OCTET_STRING)
    mac, mac_salt, mac_iterations = _fields(mac_data, 3)
    digest_algorithm, digest = _fields(mac, 2)
    _expect(digest_algorithm, _SHA256_IDS, "the MAC digest")
    digest = _content(digest, der.OCTET_STRING)
    if len(digest) != MAC_SIZE:
        raise _invalid("the MAC is %d bytes" % len(digest))

    encrypted_certs, keys = _sequence(auth_safe, 2)
    content_type, content = _fields(encrypted_certs, 2)
    _expect(content_type, (_PKCS7_ENCRYPTED_DATA,), "the first content type")
    version, info = _sequence(_content(content, der.CONTEXT_0), 2)
    if _integer(version) != 0:
        raise _invalid("an EncryptedData of an unknown version")
    info_type, algorithm, ciphertext = _fields(info, 3)
    _expect(info_type, (_PKCS7_DATA,), "the encrypted content type")
    certs = _Encrypted(algorithm, _content(ciphertext, _ENCRYPTED_CONTENT), "the certificate")

    content_type, content = _fields(keys, 2)
    _expect(content_type, (_PKCS7_DATA,), "the second content type")
    (shrouded,) = _bag(_explicit(content, der.OCTET_STRING), _SHROUDED_KEY_BAG, "the key")
    algorithm, encrypted_key = _fields(shrouded, 2)
    key = _Encrypted(algorithm, _content(encrypted_key, der.OCTET_STRING), "the key")
    return auth_safe, digest, _salt(mac_salt, "the MAC"), _iterations(mac_iterations, "the MAC"), certs, key


def read(data: bytes, password: bytes) -> tuple:
    """``(private_key_der, certificate_der)`` of a PKCS#12 in our layout, else ``E_INVALIDARG``.

    Every count is checked before the first derivation; then one MAC key and two PBKDF2 runs.
    """
    try:
        auth_safe, digest, mac_salt, mac_iterations, certs, key = _layout(data)
        expected = hmac.new(_mac_key(password, mac_salt, mac_iterations), auth_safe, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, digest):
            raise _invalid("its MAC does not verify under the PKCS#12 password derived from this password")
        (cert_bag,) = _bag(certs.decrypt(password), _CERT_BAG, "the certificate")
        cert_type, cert_value = _fields(cert_bag, 2)
        _expect(cert_type, (_X509_CERTIFICATE,), "the certificate type")
        return key.decrypt(password), _explicit(cert_value, der.OCTET_STRING)
    except ValueError:  # unpacking a TLV list of the wrong length
        raise _invalid("malformed DER") from None
    except PeerError as error:
        if error.name != "E_INVALIDARG":  # der's own errors speak of certificate extensions
            raise _invalid("malformed DER") from None
        raise
