# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The PKCS#12 in an identity export: guessing costs scrypt, opening costs a bounded total (issue 18, findings 1 and 3).

Each hostile DATA below is sealed validly with the world's password (the seal
is checked first, so only a password holder can send one) and imported into a
real store.  The derivations ``pfx`` runs are counted; OpenSSL's PKCS#12 parser
must never be reached.
"""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import der
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import pfx

WORK_BOUND = pfx.DERIVATIONS * pfx.MAX_ITERATIONS


def _data(document):
    return base64.b64decode(re.search(rb"<DATA[^>]*>([^<]*)</DATA>", document).group(1))


def _edited(data, edit):
    root = kit.Tlv.parse(data)[0]
    edit(root)
    return root.encode()


def _auth_safe(root):
    """The AuthenticatedSafe SEQUENCE node (ContentInfo → [0] → OCTET STRING → SEQUENCE)."""
    return root.children[1].children[1].children[0].children[0]


def _pbmac1(root):
    """RFC 9579: a PBMAC1 MAC whose PBKDF2 asks for 2^31-1 iterations."""
    kdf = der.sequence(
        der.object_identifier("1.2.840.113549.1.5.12"),
        der.sequence(der.octet_string(b"s" * 16), der.integer(2**31 - 1), der.integer(32), der.sequence(der.object_identifier("1.2.840.113549.2.9"))),
    )
    algorithm = der.sequence(der.object_identifier("1.2.840.113549.1.5.14"), der.sequence(kdf, der.sequence(der.object_identifier("1.2.840.113549.2.9"))))
    root.children[2].children[0].children[0] = kit.Tlv.parse(algorithm)[0]


def _many_contents(root):
    """Fifty copies of the encrypted content: each would cost a derivation of its own."""
    contents = _auth_safe(root).children
    _auth_safe(root).children = [contents[0]] * 50 + contents[1:]


def _older_writer(world):
    """DATA as the collection wrote it before the derived PKCS#12 password: the raw password, 600,000 rounds."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(600000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256()).build(world.password.encode())
    )
    return pkcs12.serialize_key_and_certificates(world.stranger.name.encode(), world.stranger.key, world.stranger.cert, None, encryption)


HOSTILE_DATA = {
    "pbmac1-2^31-iterations": lambda world: _edited(_data(world.stranger_identity_doc), _pbmac1),
    "fifty-encrypted-contents": lambda world: _edited(_data(world.stranger_identity_doc), _many_contents),
    "every-count-2^31": lambda world: kit.raise_pkcs12_iterations(_data(world.stranger_identity_doc), 2**31 - 1)[0],
    "older-writer-raw-password": _older_writer,
    "openssl-default-layout": lambda world: world.pfx_under(world.password),
}


@pytest.fixture
def work(monkeypatch):
    """``(kind, iterations)`` of every derivation pfx runs; OpenSSL's PKCS#12 loaders fail the test."""
    runs = []
    mac_key, pbkdf2_key = pfx._mac_key, pfx._pbkdf2_key

    def counted(kind, real):
        def derive(password, salt, iterations):
            runs.append((kind, iterations))
            return real(password, salt, iterations)

        return derive

    def forbidden(*_args, **_kwargs):
        raise AssertionError("OpenSSL's PKCS#12 parser was reached")

    monkeypatch.setattr(pfx, "_mac_key", counted("mac", mac_key))
    monkeypatch.setattr(pfx, "_pbkdf2_key", counted("pbkdf2", pbkdf2_key))
    for name in ("load_key_and_certificates", "load_pkcs12"):
        monkeypatch.setattr(pkcs12, name, forbidden, raising=False)
    return runs


@pytest.mark.parametrize("name", sorted(HOSTILE_DATA))
def test_opening_any_pkcs12_is_bounded_in_total(world, work, tmp_path, name):
    hostile = HOSTILE_DATA[name](world)
    document = kit.forge_identity_export(kit.IdentityFields(world.stranger.name, hostile), world.seal_key)
    store_path = world.fresh_target(tmp_path / "target")
    exc, elapsed, before, after = kit.expect_refusal(store_path, "identity", document, world.cache)
    kit.figure("pkcs12_bound.%s" % name, "refused in %.3f s after %d iterations" % (elapsed, sum(count for _kind, count in work)))
    assert exc.name == "E_INVALIDARG", exc
    assert "export the identity again" in exc.message
    assert after == before
    assert len(work) <= pfx.DERIVATIONS and sum(count for _kind, count in work) <= WORK_BOUND


def test_a_genuine_export_costs_one_mac_and_two_pbkdf2_runs_per_open(world, work, tmp_path):
    store_path = world.fresh_target(tmp_path / "target")
    kit.import_document(store_path, "identity", world.stranger_identity_doc, world.cache)
    # The import decides once to plan and once more under the write lock: one or two opens.
    one_open = [("mac", pfx.ITERATIONS), ("pbkdf2", pfx.ITERATIONS), ("pbkdf2", pfx.ITERATIONS)]
    assert sorted(work) in (one_open, sorted(one_open * 2))


def test_data_does_not_open_with_the_export_password(world):
    """A guess at the export password can only be tested through scrypt: DATA needs the derived password."""
    data = _data(world.stranger_identity_doc)
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(data, world.password.encode())
    derived = documents.identity_pkcs12_password(world.stranger_identity_doc, world.password)
    key, cert, _others = pkcs12.load_key_and_certificates(data, derived.encode())
    assert cert == world.stranger.cert
