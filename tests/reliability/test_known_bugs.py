# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Open findings without a better home (docs/reliability.md, Findings).

Each is marked ``xfail(strict=True)``: it shows the bug today and turns into a
failure ("XPASS(strict)") once the bug is fixed, so that the marker is removed
with the fix.  Fixed findings live on as ordinary cases of the hostile corpus.
"""

from __future__ import annotations

import warnings

import pytest

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError


@pytest.mark.xfail(strict=True, reason=(
    "certs.chain_from_pkcs7 lets cryptography fall back to BER: a GMC of DER PKCS#7 plus trailing bytes is "
    "accepted (with a UserWarning on stderr), though docs/format.md requires DER"))
def test_sealed_pkcs7_with_trailing_bytes_is_refused(world, tmp_path):
    chain_der = kit.pkcs7_of([world.root_cert, world.owner_gmc]) + b"\x00\x00trailing"
    fields = world.group_fields(world.owner_config)._replace(chain_der=chain_der)
    data = kit.forge_group_config(fields, world.seal_key, world.owner_config.group_key)
    store_path = world.fresh_target(tmp_path / "target")
    before = kit.snapshot(store_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # cryptography's BER notice, not the point here
        with pytest.raises(PeerError) as caught:
            kit.import_document(store_path, "config", data, world.cache)
    assert caught.value.name == "E_INVALIDARG"
    assert kit.snapshot(store_path) == before
