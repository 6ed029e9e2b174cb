# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real identities and group configurations for the unit tests, built from keys."""

from __future__ import annotations

import datetime

import cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import IdentityRecord

DAY = datetime.timedelta(days=1)
# cryptography 39 added the switch that skips OpenSSL's RSA key check on load; before, every load checks.
RSA_CHECK_CAN_BE_SKIPPED = int(cryptography.__version__.split(".")[0]) >= 39
# The releases whose PKCS#12 writer takes our layout (PBES2 AES-256-CBC, HMAC-SHA256, explicit MAC
# iterations): the ones earlier collection releases required, so the only writers of older exports.
CRYPTOGRAPHY_WRITES_OUR_PKCS12 = int(cryptography.__version__.split(".")[0]) >= 42
RSA_ENCRYPTION_DER = bytes.fromhex("300d06092a864886f70d0101010500")


def _der(tag, content):
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(body)]) + body + content


def _der_integer(value):
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def inconsistent_rsa_der(key):
    """PKCS#8 DER of ``key`` with a wrong CRT exponent: the same public half, only OpenSSL's key check sees it.

    Written by hand: cryptography before 39 refuses to build such a key.
    """
    numbers = key.private_numbers()
    fields = (0, numbers.public_numbers.n, numbers.public_numbers.e, numbers.d, numbers.p, numbers.q,
              numbers.dmp1 ^ 2, numbers.dmq1, numbers.iqmp)
    rsa_private_key = _der(0x30, b"".join(_der_integer(value) for value in fields))
    return _der(0x30, _der_integer(0) + RSA_ENCRYPTION_DER + _der(0x04, rsa_private_key))


def identity_record(key, classifier="member"):
    name = str(peername.secure_name(key.public_key(), classifier))
    cert = certs.make_identity_certificate(key, name)
    return IdentityRecord(
        peer_name=name,
        classifier=classifier,
        friendly_name=classifier,
        key_size=key.key_size,
        private_key=certs.private_key_to_der(key),
        certificate=certs.certificate_to_der(cert),
    )


def group_config(identity_key, group_key, spare_key=None, gmc_lifetime=DAY * 30, now=None, depth=1, group_key_included=False, scope="global"):
    """A GroupConfig for ``identity_key`` in the group of ``group_key``, with ``depth`` GMCs."""
    identity_name = str(peername.secure_name(identity_key.public_key(), "member"))
    group_name = str(peername.secure_name(group_key.public_key(), "crew"))
    root = certs.make_group_root(group_key, group_name)
    chain = [root]
    issuer, issuer_key = root, group_key
    for level in range(depth):
        last = level == depth - 1
        # Intermediate administrators alternate between two keys, each level its own name.
        subject_key = identity_key if last else (group_key, spare_key)[level % 2]
        subject_name = identity_name if last else str(peername.secure_name(subject_key.public_key(), "admin%d" % level))
        cert = certs.issue_gmc(
            issuer, issuer_key, subject_key.public_key(), subject_name, group_name, ["administrator"], gmc_lifetime, now=now
        )
        chain.append(cert)
        issuer, issuer_key = cert, subject_key
    return documents.GroupConfig(
        identity_peer_name=identity_name,
        group_peer_name=group_name,
        cloud="Global_",
        scope=scope,
        cloud_flags=0,
        chain=tuple(certs.certificate_to_der(cert) for cert in chain),
        group_key=certs.private_key_to_der(group_key) if group_key_included else None,
    )


def identity_certificate(key, peer_name, subject=None, issuer=None, signing_key=None, not_before=None, not_after=None,
                         cert_type=certs.TYPE_IDC, named=None, drop=(), add=(), extra_name=None):
    """An IDC of ``key`` laid out like make_identity_certificate's, with any part changed.

    ``named`` is the peer-name extension's value; ``drop`` (extension OIDs) and ``add``
    (``(extension, critical)`` pairs) edit the extensions before signing; ``extra_name``
    (a NameAttribute) is added to both subject and issuer.
    """
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    signing_key = signing_key or key
    subject = subject or peer_name
    cert = certs._build(subject, issuer or subject, key.public_key(), signing_key, not_before or now - DAY,
                        not_after or now + 365 * DAY, cert_type, named or peer_name)
    if not drop and not add and extra_name is None:
        return cert
    extra = [extra_name] if extra_name is not None else []
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(list(cert.subject) + extra))
        .issuer_name(x509.Name(list(cert.issuer) + extra))
        .public_key(cert.public_key())
        .serial_number(cert.serial_number)
        .not_valid_before(certs.not_before_of(cert))
        .not_valid_after(certs.not_after_of(cert))
    )
    for extension in cert.extensions:
        if extension.oid.dotted_string not in drop:
            builder = builder.add_extension(extension.value, extension.critical)
    for extension, critical in add:
        builder = builder.add_extension(extension, critical)
    return builder.sign(signing_key, hashes.SHA256())


def hostile_identity_certificates(key, peer_name, other_key):
    """``(case, certificate, HRESULT name)``: certificates of ``key`` that must not pass as the IDC of ``peer_name``.

    Each keeps ``key`` as its public key, so the identity export's own key checks let it through.
    """
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    other_name = str(peername.secure_name(other_key.public_key(), "issuer"))
    p2p = [certs.OID_CERT_TYPE, certs.OID_CERT_VERSION, certs.OID_PEER_NAME, certs.OID_IDENTITY_FLAGS]
    flags_one = x509.UnrecognizedExtension(x509.ObjectIdentifier(certs.OID_IDENTITY_FLAGS), bytes.fromhex("040401000000"))
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier(certs.P2P_ARC + ".9.9"), b"\x05\x00")
    organisation = x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "evil")
    cases = [
        ("subject-evil", dict(subject="evil"), "PEER_E_INVALID_CREDENTIAL"),
        ("subject-with-another-attribute", dict(extra_name=organisation), "PEER_E_INVALID_CREDENTIAL"),
        ("issued-by-another-key", dict(issuer=other_name, signing_key=other_key), "PEER_E_INVALID_CREDENTIAL"),
        ("self-issued-signed-by-another-key", dict(signing_key=other_key), "PEER_E_INVALID_CREDENTIAL"),
        ("no-p2p-extensions", dict(drop=p2p), "PEER_E_INVALID_CREDENTIAL"),
        ("no-type", dict(drop=[certs.OID_CERT_TYPE]), "PEER_E_INVALID_CREDENTIAL"),
        ("type-gmc", dict(cert_type=certs.TYPE_GMC), "PEER_E_INVALID_CREDENTIAL"),
        ("type-grc", dict(cert_type=certs.TYPE_GRC), "PEER_E_INVALID_CREDENTIAL"),
        ("peer-name-extension-of-another", dict(named=other_name), "PEER_E_INVALID_CREDENTIAL"),
        ("no-peer-name-extension", dict(drop=[certs.OID_PEER_NAME]), "PEER_E_INVALID_CREDENTIAL"),
        ("no-identity-flags", dict(drop=[certs.OID_IDENTITY_FLAGS]), "PEER_E_INVALID_CREDENTIAL"),
        ("identity-flags-1", dict(drop=[certs.OID_IDENTITY_FLAGS], add=[(flags_one, True)]), "PEER_E_INVALID_CREDENTIAL"),
        ("unknown-critical-extension", dict(add=[(unknown, True)]), "PEER_E_INVALID_CREDENTIAL"),
        ("expired", dict(not_before=now - 10 * DAY, not_after=now - DAY), "PEER_E_INVALID_TIME_PERIOD"),
        ("not-yet-valid", dict(not_before=now + DAY, not_after=now + 10 * DAY), "PEER_E_INVALID_TIME_PERIOD"),
    ]
    return [(case, identity_certificate(key, peer_name, **changes), hresult) for case, changes, hresult in cases]
