# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deterministic reproductions of the tracebacks the fuzz tests found (docs/reliability.md, Findings).

Each is marked ``xfail(strict=True)``: it shows the bug today and turns into a
failure ("XPASS(strict)") once the bug is fixed, so that the marker and the
entry in test_fuzz.KNOWN_TRACEBACKS are removed with the fix.
"""

from __future__ import annotations

import warnings

import pytest
from cryptography.exceptions import UnsupportedAlgorithm

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError


def spoil_public_key(cert):
    """The certificate's DER with the RSA modulus INTEGER tag (02) turned into a private tag (C2).

    The certificate still loads (the key is a BIT STRING to the outer parser);
    only ``cert.public_key()`` fails, with ValueError.
    """
    der = certs.certificate_to_der(cert)
    rsa_key = bytes.fromhex("3082010a02820101")
    assert der.count(rsa_key) == 1
    return der.replace(rsa_key, bytes.fromhex("3082010ac2820101"))


@pytest.mark.xfail(strict=True, raises=ValueError, reason=(
    "certs._check_key_and_algorithm calls cert.public_key() unguarded: an unparseable key in a "
    "GMC chain is a ValueError traceback, not a PeerError"))
def test_gmc_with_unparseable_public_key_is_a_clean_error(world, tmp_path):
    bad_leaf = spoil_public_key(world.owner_gmc)
    chain_der = kit.pkcs7_of([world.root_cert, certs.certificate_from_der(bad_leaf)])
    fields = world.group_fields(world.owner_config)._replace(chain_der=chain_der)
    data = kit.forge_group_config(fields, world.seal_key, world.owner_config.group_key)
    store_path = world.fresh_target(tmp_path / "target")
    before = kit.snapshot(store_path)
    with pytest.raises(PeerError) as caught:
        kit.import_document(store_path, "config", data, world.cache)
    assert caught.value.name in ("E_INVALIDARG", "PEER_E_INVALID_CREDENTIAL")
    assert kit.snapshot(store_path) == before


@pytest.mark.xfail(strict=True, raises=UnsupportedAlgorithm, reason=(
    "certs.chain_from_pkcs7 catches ValueError only: a PKCS#7 whose content type OpenSSL does not know makes "
    "cryptography raise UnsupportedAlgorithm, a traceback instead of E_INVALIDARG"))
def test_pkcs7_of_an_unknown_content_type_is_a_clean_error(world, tmp_path):
    chain_der = certs.chain_to_pkcs7([world.root_cert, world.owner_gmc])
    signed_data = bytes.fromhex("06092a864886f70d010702")  # OID 1.2.840.113549.1.7.2 signedData
    unknown = bytes.fromhex("06096a864886f70d010702")  # 2.26.840.113549.1.7.2: one bit flipped, what the fuzzer did
    assert chain_der.count(signed_data) == 1
    fields = world.group_fields(world.owner_config)._replace(chain_der=chain_der.replace(signed_data, unknown))
    data = kit.forge_group_config(fields, world.seal_key, world.owner_config.group_key)
    store_path = world.fresh_target(tmp_path / "target")
    before = kit.snapshot(store_path)
    try:
        kit.import_document(store_path, "config", data, world.cache)
    except PeerError as exc:
        assert exc.name == "E_INVALIDARG"
    else:
        pytest.fail("accepted")
    assert kit.snapshot(store_path) == before


@pytest.mark.xfail(strict=True, raises=UnsupportedAlgorithm, reason=(
    "certs._check_key_and_algorithm reads cert.signature_hash_algorithm unguarded: a GMC signed with an "
    "algorithm cryptography does not know is an UnsupportedAlgorithm traceback, not a PeerError"))
def test_gmc_with_unknown_signature_algorithm_is_a_clean_error(world, tmp_path):
    der = certs.certificate_to_der(world.owner_gmc)
    sha256_rsa = bytes.fromhex("06092a864886f70d01010b")  # 1.2.840.113549.1.1.11 sha256WithRSAEncryption
    unknown = bytes.fromhex("06092a864886f70d01017b")  # 1.2.840.113549.1.1.123, unassigned
    assert der.count(sha256_rsa) == 2
    # The outer signatureAlgorithm only (the last occurrence), as the fuzzer did.
    head, _sep, tail = der.rpartition(sha256_rsa)
    bad_leaf = certs.certificate_from_der(head + unknown + tail)
    chain_der = kit.pkcs7_of([world.root_cert, bad_leaf])
    fields = world.group_fields(world.owner_config)._replace(chain_der=chain_der)
    data = kit.forge_group_config(fields, world.seal_key, world.owner_config.group_key)
    store_path = world.fresh_target(tmp_path / "target")
    before = kit.snapshot(store_path)
    with pytest.raises(PeerError) as caught:
        kit.import_document(store_path, "config", data, world.cache)
    assert caught.value.name in ("E_INVALIDARG", "PEER_E_INVALID_CREDENTIAL")
    assert kit.snapshot(store_path) == before


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
