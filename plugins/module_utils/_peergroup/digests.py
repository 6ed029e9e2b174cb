# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The digest a store records of a document it took in, and when a membership holds a document.

hashlib only: the per-host plan actions of the roles decide with it and load nothing else.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import hashlib


def document_digest(data: bytes) -> str:
    """What a store records of a document it took in (``imported_digest``): SHA-256, hex."""
    return hashlib.sha256(data).hexdigest()


def holds_document(imported_digest, digest) -> bool:
    """Whether a membership whose ``imported_digest`` it is was made by importing the document of ``digest``:
    importing it again changes nothing. group_config_import and group_join decide so, and the roles'
    plans on the controller leave such a document out by the same rule, from store_info."""
    return imported_digest is not None and imported_digest == digest
