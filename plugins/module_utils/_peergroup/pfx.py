# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bound the work a PKCS#12 (PFX, RFC 7292) may demand before OpenSSL opens it.

A PFX names its own iteration counts (MAC, each PBES2 bag), and OpenSSL runs
whatever it is told: 2^31 rounds take tens of minutes.  ``check_work`` walks
the DER, refuses any count above ``max_iterations`` and any layout it cannot
see through.  Encrypted content is decrypted here (PBES2, PBKDF2, AES-CBC
only) because a key bag hidden inside it carries a count of its own.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

try:
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
except ImportError:  # deps.missing_requirements() reports it before any use
    hashes = padding = Cipher = algorithms = modes = PBKDF2HMAC = None

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import der
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

INTEGER = 0x02
PRIMITIVE_0 = 0x80
SET = 0x31

_PKCS7_DATA = der.object_identifier("1.2.840.113549.1.7.1")
_PKCS7_ENCRYPTED_DATA = der.object_identifier("1.2.840.113549.1.7.6")
_PBES2 = der.object_identifier("1.2.840.113549.1.5.13")
_PBKDF2 = der.object_identifier("1.2.840.113549.1.5.12")
_SHROUDED_KEY_BAG = der.object_identifier("1.2.840.113549.1.12.10.1.2")
_SAFE_CONTENTS_BAG = der.object_identifier("1.2.840.113549.1.12.10.1.6")
# Bags that hold nothing OpenSSL derives a key for: keyBag, certBag, crlBag, secretBag.
_PLAIN_BAGS = {der.object_identifier("1.2.840.113549.1.12.10.1.%d" % n) for n in (1, 3, 4, 5)}
_PRFS = {
    der.object_identifier("1.2.840.113549.2.7"): "SHA1",
    der.object_identifier("1.2.840.113549.2.9"): "SHA256",
    der.object_identifier("1.2.840.113549.2.10"): "SHA384",
    der.object_identifier("1.2.840.113549.2.11"): "SHA512",
}
_AES_CBC = {der.object_identifier("2.16.840.1.101.3.4.1.%d" % n): size for n, size in ((2, 16), (22, 24), (42, 32))}


def _invalid(what: str) -> PeerError:
    return PeerError("E_INVALIDARG", "DATA is not a PKCS#12 this collection opens: %s" % what)


def _content(item: tuple, tag: int) -> bytes:
    if item[0] != tag:
        raise _invalid("unexpected tag 0x%02x" % item[0])
    return item[1]


def _fields(item: tuple, count: int = 0) -> list:
    """The TLVs inside a SEQUENCE item; exactly ``count`` of them unless 0."""
    fields = der.read_all(_content(item, der.SEQUENCE))
    if count and len(fields) != count:
        raise _invalid("a SEQUENCE of %d fields where %d belong" % (len(fields), count))
    return fields


def _explicit(item: tuple) -> tuple:
    """The one TLV inside an ``[0] EXPLICIT`` item."""
    inner = der.read_all(_content(item, der.CONTEXT_0))
    if len(inner) != 1:
        raise _invalid("[0] EXPLICIT must hold one value")
    return inner[0]


def _is(item: tuple, oid: bytes) -> bool:
    return der.encode(*item) == oid


def _integer(item: tuple) -> int:
    content = _content(item, INTEGER)
    if not content or content[0] & 0x80 or len(content) > 8:
        raise _invalid("an INTEGER out of range")
    return int.from_bytes(content, "big")


def _octets_holding(item: tuple) -> tuple:
    """The one DER value an OCTET STRING item carries."""
    inner = der.read_all(_content(item, der.OCTET_STRING))
    if len(inner) != 1:
        raise _invalid("an OCTET STRING must hold one value")
    return inner[0]


class _Walker(object):
    def __init__(self, password: bytes, max_iterations: int) -> None:
        self.password = password
        self.max_iterations = max_iterations

    def count(self, iterations: int, what: str) -> None:
        if not 1 <= iterations <= self.max_iterations:
            raise _invalid("%s demands %d iterations; at most %d are allowed" % (what, iterations, self.max_iterations))

    def pbes2(self, algorithm: tuple, what: str) -> tuple:
        """Check a PBES2 AlgorithmIdentifier; return ``(salt, iterations, key_size, prf, iv)``."""
        algorithm_id, params = _fields(algorithm, 2)
        if not _is(algorithm_id, _PBES2):
            raise _invalid("%s is not PBES2" % what)
        kdf, scheme = _fields(params, 2)
        kdf_id, kdf_params = _fields(kdf, 2)
        if not _is(kdf_id, _PBKDF2):
            raise _invalid("%s does not derive with PBKDF2" % what)
        pbkdf2 = _fields(kdf_params)
        if not 2 <= len(pbkdf2) <= 4:
            raise _invalid("%s has malformed PBKDF2 parameters" % what)
        salt = _content(pbkdf2[0], der.OCTET_STRING)
        iterations = _integer(pbkdf2[1])
        self.count(iterations, what)
        prf = "SHA1"  # the RFC 8018 default
        for optional in pbkdf2[2:]:
            if optional[0] == der.SEQUENCE:
                prf = _PRFS.get(der.encode(*_fields(optional)[0]))
                if prf is None:
                    raise _invalid("%s uses an unknown PBKDF2 PRF" % what)
        scheme_id, iv = _fields(scheme, 2)
        key_size = _AES_CBC.get(der.encode(*scheme_id))
        if key_size is None:
            raise _invalid("%s does not encrypt with AES-CBC" % what)
        iv = _content(iv, der.OCTET_STRING)
        if len(iv) != 16:
            raise _invalid("%s has an AES IV of %d bytes" % (what, len(iv)))
        return salt, iterations, key_size, prf, iv

    def decrypt(self, algorithm: tuple, ciphertext: bytes) -> bytes:
        salt, iterations, key_size, prf, iv = self.pbes2(algorithm, "the encrypted content")
        key = PBKDF2HMAC(getattr(hashes, prf)(), key_size, salt, iterations).derive(self.password)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            padded = decryptor.update(ciphertext) + decryptor.finalize()
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise _invalid("the encrypted content does not decrypt with this password") from None

    def safe_contents(self, safe_contents: tuple) -> None:
        for bag in _fields(safe_contents):
            fields = _fields(bag)
            if len(fields) not in (2, 3) or (len(fields) == 3 and fields[2][0] != SET):
                raise _invalid("a malformed SafeBag")
            bag_id, value = fields[0], _explicit(fields[1])
            if _is(bag_id, _SHROUDED_KEY_BAG):
                encryption, _encrypted_key = _fields(value, 2)
                self.pbes2(encryption, "the shrouded key bag")
            elif _is(bag_id, _SAFE_CONTENTS_BAG):
                raise _invalid("nested SafeContents are not supported")
            elif not any(_is(bag_id, plain) for plain in _PLAIN_BAGS):
                raise _invalid("an unknown bag type")

    def content_info(self, content_info: tuple) -> None:
        content_type, content = _fields(content_info, 2)
        if _is(content_type, _PKCS7_DATA):
            self.safe_contents(_octets_holding(_explicit(content)))
        elif _is(content_type, _PKCS7_ENCRYPTED_DATA):
            version, info = _fields(_explicit(content), 2)
            if _integer(version) != 0:
                raise _invalid("an EncryptedData of an unknown version")
            info_type, encryption, ciphertext = _fields(info, 3)
            if not _is(info_type, _PKCS7_DATA):
                raise _invalid("encrypted content that is not data")
            plaintext = self.decrypt(encryption, _content(ciphertext, PRIMITIVE_0))
            (safe_contents,) = der.read_all(plaintext)
            self.safe_contents(safe_contents)
        else:
            raise _invalid("an unsupported ContentInfo type")


def check_work(data: bytes, password: bytes, max_iterations: int) -> None:
    """Refuse, with ``E_INVALIDARG``, a PFX that asks for more than ``max_iterations`` anywhere.

    Costs one PBKDF2 (with a bounded count) per encrypted content.
    """
    walker = _Walker(password, max_iterations)
    try:
        (pfx,) = der.read_all(data)
        version, auth_safe, mac_data = _fields(pfx, 3)
        if _integer(version) != 3:
            raise _invalid("not a version 3 PFX")
        auth_safe_type, auth_safe_content = _fields(auth_safe, 2)
        if not _is(auth_safe_type, _PKCS7_DATA):
            raise _invalid("the authSafe is not plain data")
        for content_info in _fields(_octets_holding(_explicit(auth_safe_content))):
            walker.content_info(content_info)
        mac_fields = _fields(mac_data)
        if len(mac_fields) not in (2, 3):
            raise _invalid("a malformed MacData")
        # iterations is DEFAULT 1, so DER leaves it out (cryptography < 43 writes that).
        walker.count(_integer(mac_fields[2]) if len(mac_fields) == 3 else 1, "the MAC")
    except ValueError:  # unpacking a TLV list of the wrong length
        raise _invalid("malformed DER") from None
    except PeerError as error:
        if error.name != "E_INVALIDARG":  # der's own errors speak of certificate extensions
            raise _invalid("malformed DER") from None
        raise
