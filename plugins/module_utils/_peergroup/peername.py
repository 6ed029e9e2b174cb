# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Peer names: ``authority.classifier`` (MS-PNRP 2.2.4).

The authority is ``0`` (unsecured) or the SHA-1 of the owner's public key in
DER SubjectPublicKeyInfo form, as 40 lower-case hex digits (docs/certificates.md).

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError, shown

# 150 UTF-16 code units including the terminating NUL (MS-PNRP 1.3.1.1).
MAX_CLASSIFIER_UNITS = 149
UNSECURED_AUTHORITY = "0"
_AUTHORITY = re.compile(r"\A(?:0|[0-9a-f]{40})\Z")
# Characters XML 1.0 cannot carry: the documents must be able to hold every name.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class PeerName(NamedTuple):
    authority: str
    classifier: str

    def __str__(self) -> str:
        return "%s.%s" % (self.authority, self.classifier)

    @property
    def secure(self) -> bool:
        return self.authority != UNSECURED_AUTHORITY


def _utf16_units(text: str) -> int:
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def validate_classifier(text) -> str:
    """Return ``text`` if it is a valid classifier, else raise."""
    if not isinstance(text, str) or not text:
        raise PeerError("PEER_E_INVALID_CLASSIFIER", "a classifier must be a non-empty string")
    if _utf16_units(text) > MAX_CLASSIFIER_UNITS:
        raise PeerError(
            "PEER_E_CLASSIFIER_TOO_LONG",
            "the classifier is %d UTF-16 code units long; at most %d are allowed" % (_utf16_units(text), MAX_CLASSIFIER_UNITS),
        )
    bad = _XML_ILLEGAL.search(text)
    if bad:
        raise PeerError(
            "PEER_E_INVALID_CLASSIFIER",
            "the classifier contains U+%04X, which a peer name cannot carry" % ord(bad.group()),
        )
    return text


def parse(text) -> PeerName:
    """Split and validate a peer name."""
    if not isinstance(text, str) or "." not in text:
        raise PeerError("PEER_E_INVALID_PEER_NAME", "%s is not a peer name (authority.classifier)" % shown(text))
    authority, classifier = text.split(".", 1)
    if not _AUTHORITY.match(authority):
        raise PeerError(
            "PEER_E_INVALID_PEER_NAME",
            "the authority of %s must be 0 or 40 lower-case hex digits" % shown(text),
        )
    return PeerName(authority, validate_classifier(classifier))


def authority_for_key(public_key) -> str:
    """SHA-1 over the DER SubjectPublicKeyInfo of ``public_key``, lower-case hex."""
    # Imported here: names are read without cryptography, so a light read of a store never loads it.
    from cryptography.hazmat.primitives import serialization

    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha1(spki).hexdigest()


def secure_name(public_key, classifier: str) -> PeerName:
    return PeerName(authority_for_key(public_key), validate_classifier(classifier))
