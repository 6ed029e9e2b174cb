# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Finding a store's identity by the names a user gives.

Standard library only: a read that finds what it needs here loads neither cryptography nor lxml.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError


def identity_by_classifier(store, classifier, friendly_name=None):
    """The identity with ``classifier`` (validated), or None; when several share it, the one whose
    friendly name is ``friendly_name`` (default the classifier). Still several: E_INVALIDARG."""
    classifier = peername.validate_classifier(classifier)
    found = [record for record in store.list_identities() if record.classifier == classifier]
    if len(found) > 1:
        # Imported identities may share a classifier: the friendly name picks one.
        found = [record for record in found if record.friendly_name == (friendly_name or classifier)] or found
    refuse_ambiguous(found, classifier)
    return found[0] if found else None


def refuse_ambiguous(found, classifier):
    """E_INVALIDARG when ``found`` holds more than one identity of ``classifier``."""
    if len(found) > 1:
        raise PeerError(
            "E_INVALIDARG",
            "%d identities have classifier %s (%s); give the friendly name of one, or remove the others by peer_name"
            % (len(found), classifier, ", ".join(record.peer_name for record in found)),
        )
