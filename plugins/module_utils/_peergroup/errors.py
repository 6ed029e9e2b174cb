# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one error type of the domain core: a message plus a Windows HRESULT.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

# Values from p2p.h / winerror.h (see docs/format.md, "Error codes").
HRESULTS = {
    "E_INVALIDARG": 0x80070057,
    "E_OUTOFMEMORY": 0x8007000E,
    "E_ACCESSDENIED": 0x80070005,
    "ERROR_INVALID_PASSWORD": 0x80070056,
    "PEER_E_NOT_FOUND": 0x80070490,
    "PEER_E_ALREADY_EXISTS": 0x800700B7,
    "PEER_E_DISK_FULL": 0x80070070,
    "PEER_E_CLASSIFIER_TOO_LONG": 0x80630201,
    "PEER_E_NO_KEY_ACCESS": 0x80630203,
    "PEER_E_GROUPS_EXIST": 0x80630204,
    "PEER_E_INVITATION_NOT_TRUSTED": 0x80630701,
    "PEER_E_CHAIN_TOO_LONG": 0x80630703,
    "PEER_E_INVALID_TIME_PERIOD": 0x80630705,
    "PEER_E_CIRCULAR_CHAIN_DETECTED": 0x80630706,
    "PEER_E_CERT_STORE_CORRUPTED": 0x80630801,
    "PEER_E_NOT_AUTHORIZED": 0x80632020,
    "PEER_E_PASSWORD_DOES_NOT_MEET_POLICY": 0x80632021,
    "PEER_E_INVALID_PEER_NAME": 0x80632050,
    "PEER_E_INVALID_CLASSIFIER": 0x80632060,
    "PEER_E_INVALID_FRIENDLY_NAME": 0x80632070,
    "PEER_E_INVALID_CREDENTIAL": 0x80632082,
    "PEER_E_UNSUPPORTED_VERSION": 0x80632090,
}

# The most characters of an outside value a message quotes (docs/format.md, "Error codes").
SHOWN_CHARACTERS = 40


def shown(value) -> str:
    """Quote an outside value for a message, cut to ``SHOWN_CHARACTERS``: a hostile value may be huge."""
    text = value if isinstance(value, str) else str(value)
    return repr(text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "...")


class PeerError(Exception):
    """A failure with a Windows-compatible HRESULT.

    The message must never contain a password or key material: it reaches
    module results and logs unchanged.
    """

    def __init__(self, name: str, message: str) -> None:
        if name not in HRESULTS:
            raise ValueError("unknown HRESULT name %s" % shown(name))
        super().__init__(message)
        self.name = name
        self.message = message

    @property
    def value(self) -> int:
        """Unsigned 32-bit HRESULT, e.g. 0x80070057."""
        return HRESULTS[self.name]

    @property
    def signed(self) -> int:
        """The same HRESULT as a signed 32-bit int, as C callers see it."""
        return self.value - (1 << 32) if self.value & 0x80000000 else self.value

    def as_dict(self) -> dict:
        return {"name": self.name, "code": "0x%08X" % self.value, "value": self.signed}

    def __str__(self) -> str:
        return "%s (%s 0x%08X)" % (self.message, self.name, self.value)
