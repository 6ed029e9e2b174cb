# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the P2P certificates (IDC, GRC, GMC), PKCS#7 chains and the chain rules.

RSA key generation is slow, so one module-scoped pool of keys serves every test; the
expected encodings are written out here (docs/certificates.md), not taken from the code.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import random
import re
import shutil
import subprocess
import types

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs, peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup import builders

ADMIN = certs.ROLE_ADMIN
MEMBER = certs.ROLE_MEMBER
INVITING = certs.ROLE_INVITING_MEMBER
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)

# Role GUIDs from p2p.h, in Windows memory order (Data1..Data3 little-endian).
ROLE_BYTES_LE = {
    ADMIN: "2771380456aa0a458ce54f565c6790f4",
    MEMBER: "c7c42df15708a04c93fcb1bb19a3d8c2",
    INVITING: "89fd7043 18dcfb4c 8dbf9853a8a9f905".replace(" ", ""),
}
P2P = {
    "type": "1.3.6.1.4.1.311.44.0.1",
    "version": "1.3.6.1.4.1.311.44.0.4",
    "peer_name": "1.3.6.1.4.1.311.44.3.1",
    "grouping_flags": "1.3.6.1.4.1.311.44.3.2",
    "roles": "1.3.6.1.4.1.311.44.3.3",
    "classifiers": "1.3.6.1.4.1.311.44.3.5",
    "identity_flags": "1.3.6.1.4.1.311.44.2.2",
}
PEER_AUTH_EKU = "1.3.6.1.4.1.311.44.3.4"
PEER_NAME_TYPE_DER = bytes.fromhex("060a2b0601040182372c0002")
CLASSIFIER_TYPE_DER = bytes.fromhex("060a2b0601040182372c0003")
SHA256_RSA_DER = bytes.fromhex("06092a864886f70d01010b")
LEGACY_RSA_DER = {"sha1": bytes.fromhex("06092a864886f70d010105"), "md5": bytes.fromhex("06092a864886f70d010104")}
SIGNED_DATA_DER = bytes.fromhex("06092a864886f70d010702")
BASIC = {ExtensionOID.BASIC_CONSTRAINTS.dotted_string, ExtensionOID.KEY_USAGE.dotted_string,
         ExtensionOID.EXTENDED_KEY_USAGE.dotted_string, ExtensionOID.SUBJECT_KEY_IDENTIFIER.dotted_string}
AKI = ExtensionOID.AUTHORITY_KEY_IDENTIFIER.dotted_string
OPENSSL = shutil.which("openssl")


# --- helpers -------------------------------------------------------------------------------------


def _error(name, function, *args, **kwargs):
    with pytest.raises(PeerError) as excinfo:
        function(*args, **kwargs)
    assert excinfo.value.name == name, str(excinfo.value)
    return excinfo.value


def _tlv(tag, content):
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(body)]) + body + content


def _read_tlv(data, offset=0):
    """(tag, content, end) of the TLV at ``offset``; written here, independent of der.py."""
    tag, first = data[offset], data[offset + 1]
    offset += 2
    size = first
    if first & 0x80:
        count = first & 0x7F
        size = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    return tag, data[offset:offset + size], offset + size


def _children(content):
    items, offset = [], 0
    while offset < len(content):
        tag, value, offset = _read_tlv(content, offset)
        items.append((tag, value))
    return items


def _p2p_name_value(type_der, names):
    """GeneralNames of otherName { type-id, [0] EXPLICIT UniversalString }."""
    return _tlv(0x30, b"".join(_tlv(0xA0, type_der + _tlv(0xA0, _tlv(0x1C, name.encode("utf-32-be")))) for name in names))


def _ext(cert, oid):
    return cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid))


def _ext_oids(cert):
    return {extension.oid.dotted_string for extension in cert.extensions}


def _rebuild(cert, signing_key, drop=(), add=(), not_before=None, not_after=None, algorithm=None):
    """``cert`` again with some extensions or dates changed, signed by ``signing_key``."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(cert.public_key())
        .serial_number(cert.serial_number)
        .not_valid_before(not_before or certs.not_before_of(cert))
        .not_valid_after(not_after or certs.not_after_of(cert))
    )
    for extension in cert.extensions:
        if extension.oid.dotted_string not in drop:
            builder = builder.add_extension(extension.value, extension.critical)
    for value, critical in add:
        builder = builder.add_extension(value, critical)
    return builder.sign(signing_key, algorithm or hashes.SHA256())


def _p2p_extension(name, value):
    return x509.UnrecognizedExtension(x509.ObjectIdentifier(P2P[name]), value)


def _resign_legacy(cert, key, name):
    """``cert`` signed with sha1WithRSA or md5WithRSA, which cryptography's builder refuses."""
    tbs = cert.tbs_certificate_bytes
    assert tbs.count(SHA256_RSA_DER) == 1
    tbs = tbs.replace(SHA256_RSA_DER, LEGACY_RSA_DER[name])
    algorithm = {"sha1": hashes.SHA1(), "md5": hashes.MD5()}[name]
    signature = key.sign(tbs, padding.PKCS1v15(), algorithm)
    encoded = _tlv(0x30, tbs + _tlv(0x30, LEGACY_RSA_DER[name] + b"\x05\x00") + _tlv(0x03, b"\x00" + signature))
    return x509.load_der_x509_certificate(encoded)


def _tampered(cert):
    data = bytearray(certs.certificate_to_der(cert))
    data[-1] ^= 0x01  # the last byte of the signature
    return x509.load_der_x509_certificate(bytes(data))


def _is_probable_prime(candidate, rng):
    for small in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if candidate % small == 0:
            return False
    odd, twos = candidate - 1, 0
    while odd % 2 == 0:
        odd //= 2
        twos += 1
    for _round in range(32):
        witness = pow(rng.randrange(2, candidate - 1), odd, candidate)
        if witness in (1, candidate - 1):
            continue
        for _square in range(twos - 1):
            witness = pow(witness, 2, candidate)
            if witness == candidate - 1:
                break
        else:
            return False
    return True


def _rsa_512():
    """A 512-bit RSA key: cryptography no longer generates keys this small, so build one."""
    rng = random.Random(512)
    primes = []
    while len(primes) < 2:
        candidate = rng.getrandbits(256) | (3 << 254) | 1
        if (candidate - 1) % 65537 and _is_probable_prime(candidate, rng):
            primes.append(candidate)
    p, q = primes
    d = pow(65537, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(65537, p * q)
    )
    try:
        return numbers.private_key()
    except (ValueError, TypeError) as exc:
        pytest.skip("this cryptography/OpenSSL cannot load a 512-bit RSA key: %s" % exc)


def _name(key, classifier):
    return str(peername.secure_name(key.public_key(), classifier))


@pytest.fixture(scope="module")
def pki():
    f = types.SimpleNamespace()
    f.keys = [certs.generate_key(2048) for _index in range(5)]
    f.group_key, f.admin_key, f.member_key, f.stranger_key, f.other_group_key = f.keys
    f.small_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    f.now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    f.group = _name(f.group_key, "team")
    f.other_group = _name(f.other_group_key, "team")
    f.admin = _name(f.admin_key, "alice")
    f.member = _name(f.member_key, "bob")
    f.stranger = _name(f.stranger_key, "mallory")
    f.grc = certs.make_group_root(f.group_key, f.group)
    f.other_grc = certs.make_group_root(f.other_group_key, f.other_group)
    f.idc = certs.make_identity_certificate(f.admin_key, f.admin)
    f.admin_gmc = certs.issue_gmc(f.grc, f.group_key, f.admin_key.public_key(), f.admin, f.group, [ADMIN], 30 * DAY)
    f.member_gmc = certs.issue_gmc(f.admin_gmc, f.admin_key, f.member_key.public_key(), f.member, f.group, [MEMBER], 7 * DAY)
    # The same root with a not_before a year back, for tests that move the clock.
    f.old_grc = _rebuild(f.grc, f.group_key, not_before=f.now - 365 * DAY)
    return f


@pytest.fixture(scope="module")
def deep(pki):
    """The GRC and 25 administrator GMCs, each issued by the one above; distinct subjects per level."""
    pool = [pki.admin_key, pki.member_key, pki.stranger_key]
    chain, issuer_key = [pki.grc], pki.group_key
    for level in range(25):
        key = pool[level % len(pool)]
        subject = _name(key, "level%02d" % level)
        chain.append(certs.issue_gmc(chain[-1], issuer_key, key.public_key(), subject, pki.group, [ADMIN], DAY))
        issuer_key = key
    return chain


# --- keys ----------------------------------------------------------------------------------------


def test_generated_keys(pki):
    for key in pki.keys:
        assert isinstance(key, rsa.RSAPrivateKey)
        assert key.key_size == 2048
        assert key.public_key().public_numbers().e == 65537
    assert len({key.public_key().public_numbers().n for key in pki.keys}) == len(pki.keys)


@pytest.mark.parametrize("bits", [512, 1024, 2047, 2049, 8192, 0])
def test_refused_key_sizes(bits):
    _error("E_INVALIDARG", certs.generate_key, bits)


def test_private_key_der_round_trip(pki):
    data = certs.private_key_to_der(pki.admin_key)
    assert data == pki.admin_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    again = certs.private_key_from_der(data)
    assert again.private_numbers() == pki.admin_key.private_numbers()


def test_private_key_sizes_on_read(pki):
    small = certs.private_key_from_der(certs.private_key_to_der(pki.small_key))
    assert small.key_size == 1024
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.private_key_from_der, certs.private_key_to_der(_rsa_512()))
    assert "1024" in error.message


def test_private_key_consistency_is_checked_unless_asked_not_to(pki):
    data = builders.inconsistent_rsa_der(pki.admin_key)
    _error("E_INVALIDARG", certs.private_key_from_der, data)
    if builders.RSA_CHECK_CAN_BE_SKIPPED:
        loaded = certs.private_key_from_der(data, validate=False)
        assert loaded.public_key().public_numbers() == pki.admin_key.public_key().public_numbers()
        assert loaded.private_numbers().dmp1 == pki.admin_key.private_numbers().dmp1 ^ 2
    else:  # the check cannot be skipped: a broken key stays refused
        _error("E_INVALIDARG", certs.private_key_from_der, data, validate=False)


def test_private_key_without_the_check_loads_on_every_release(pki):
    # validate=False is only a shortcut: a good key loads either way, whatever cryptography can skip.
    data = certs.private_key_to_der(pki.member_key)
    assert certs.private_key_from_der(data, validate=False).private_numbers() == pki.member_key.private_numbers()


def test_private_key_must_be_rsa():
    key = ec.generate_private_key(ec.SECP256R1())
    _error("PEER_E_INVALID_CREDENTIAL", certs.private_key_from_der, certs.private_key_to_der(key))


@pytest.mark.parametrize("data", [b"", b"junk", b"\x30\x03\x02\x01\x00"])
def test_private_key_garbage(data):
    _error("E_INVALIDARG", certs.private_key_from_der, data)


def test_public_key_matches(pki):
    assert certs.public_key_matches(pki.admin_key, pki.admin_gmc)
    assert certs.public_key_matches(pki.admin_key.public_key(), pki.admin_gmc)
    assert certs.public_key_matches(pki.group_key, pki.grc)
    assert not certs.public_key_matches(pki.group_key, pki.admin_gmc)
    assert not certs.public_key_matches(pki.member_key.public_key(), pki.admin_gmc)


def test_certificate_der_round_trip(pki):
    data = certs.certificate_to_der(pki.member_gmc)
    assert data == pki.member_gmc.public_bytes(serialization.Encoding.DER)
    assert certs.certificate_from_der(data) == pki.member_gmc
    _error("E_INVALIDARG", certs.certificate_from_der, b"junk")
    _error("E_INVALIDARG", certs.certificate_from_der, data[:-10])


# --- what we issue -------------------------------------------------------------------------------


def _check_common(cert, subject, issuer, public_key, cert_type, peer_name_value):
    assert cert.version == x509.Version.v3
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == subject
    assert len(cert.subject) == 1
    assert cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == issuer
    assert len(cert.issuer) == 1
    assert certs.public_key_matches(public_key, cert)
    assert cert.signature_hash_algorithm.name == "sha256"
    for name in ("type", "version", "peer_name"):
        assert _ext(cert, P2P[name]).critical
    assert _ext(cert, P2P["type"]).value.value == bytes([0x04, 0x04, cert_type, 0, 0, 0])
    assert _ext(cert, P2P["version"]).value.value == bytes.fromhex("040401000200")
    assert _ext(cert, P2P["peer_name"]).value.value == _p2p_name_value(PEER_NAME_TYPE_DER, [peer_name_value])
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert basic.critical and usage.critical
    assert not eku.critical and not ski.critical
    assert basic.value.path_length is None
    assert usage.value.digital_signature and usage.value.key_encipherment
    assert usage.value.key_cert_sign == basic.value.ca
    assert not (usage.value.crl_sign or usage.value.content_commitment or usage.value.data_encipherment or usage.value.key_agreement)
    assert [oid.dotted_string for oid in eku.value] == [PEER_AUTH_EKU, ExtendedKeyUsageOID.SERVER_AUTH.dotted_string]
    assert ski.value.digest == hashlib.sha1(public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)).digest()
    assert certs.cert_type_of(cert) == cert_type
    assert certs.group_name_of(cert) == peer_name_value
    return basic.value


def _serial_content(cert):
    tbs = _children(_read_tlv(certs.certificate_to_der(cert))[1])[0]
    assert tbs[0] == 0x30
    version, serial = _children(tbs[1])[:2]
    assert version == (0xA0, bytes.fromhex("020102"))
    assert serial[0] == 0x02
    return serial[1]


def test_identity_certificate(pki):
    cert = pki.idc
    basic = _check_common(cert, pki.admin, pki.admin, pki.admin_key.public_key(), 3, pki.admin)
    assert not basic.ca
    assert _ext_oids(cert) == BASIC | {P2P["type"], P2P["version"], P2P["peer_name"], P2P["identity_flags"]}
    flags = _ext(cert, P2P["identity_flags"])
    assert flags.critical and flags.value.value == bytes.fromhex("040400000000")
    pki.admin_key.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA256())
    assert certs.not_after_of(cert) - certs.not_before_of(cert) == datetime.timedelta(days=365 * 1000)
    assert abs(certs.not_before_of(cert) - pki.now) < datetime.timedelta(minutes=5)
    assert certs.roles_of(cert) == []


def test_group_root_certificate(pki):
    cert = pki.grc
    basic = _check_common(cert, pki.group, pki.group, pki.group_key.public_key(), 2, pki.group)
    assert basic.ca
    assert _ext_oids(cert) == BASIC | {P2P["type"], P2P["version"], P2P["peer_name"], P2P["grouping_flags"]}
    flags = _ext(cert, P2P["grouping_flags"])
    assert flags.critical and flags.value.value == bytes.fromhex("040400000000")
    pki.group_key.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA256())
    assert certs.not_after_of(cert) - certs.not_before_of(cert) == datetime.timedelta(days=365 * 1000)
    assert certs.roles_of(cert) == []
    # the group name's authority is the hash of the root key
    assert peername.parse(pki.group).authority == hashlib.sha1(
        pki.group_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ).hexdigest()


@pytest.mark.parametrize(
    "roles, ca, classifiers",
    [
        ([ADMIN], True, False),
        ([MEMBER], False, True),
        ([INVITING], True, True),
        ([INVITING, MEMBER], True, True),
        ([MEMBER, ADMIN], True, False),
    ],
)
def test_group_membership_certificate(pki, roles, ca, classifiers):
    cert = certs.issue_gmc(pki.grc, pki.group_key, pki.member_key.public_key(), pki.member, pki.group, roles, DAY)
    basic = _check_common(cert, pki.member, pki.group, pki.member_key.public_key(), 1, pki.group)
    assert basic.ca is ca
    expected = BASIC | {P2P["type"], P2P["version"], P2P["peer_name"], P2P["grouping_flags"], P2P["roles"], AKI}
    if classifiers:
        expected.add(P2P["classifiers"])
        extension = _ext(cert, P2P["classifiers"])
        assert extension.critical
        assert extension.value.value == _p2p_name_value(CLASSIFIER_TYPE_DER, ["participant"])
        assert extension.value.value.hex().startswith("303ea03c060a2b0601040182372c0003a02e1c2c00000070")
    assert _ext_oids(cert) == expected
    role_extension = _ext(cert, P2P["roles"])
    assert role_extension.critical
    assert role_extension.value.value == _tlv(0x30, b"".join(_tlv(0x04, bytes.fromhex(ROLE_BYTES_LE[role])) for role in roles))
    assert certs.roles_of(cert) == roles
    assert _ext(cert, AKI).value.key_identifier == pki.grc.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    pki.group_key.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA256())


def test_gmc_issued_by_an_administrator(pki):
    cert = pki.member_gmc
    _check_common(cert, pki.member, pki.admin, pki.member_key.public_key(), 1, pki.group)
    assert _ext(cert, AKI).value.key_identifier == pki.admin_gmc.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    pki.admin_key.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA256())


def test_serials_are_16_bytes(pki):
    issued = [certs.issue_gmc(pki.grc, pki.group_key, pki.member_key.public_key(), pki.member, pki.group, [MEMBER], DAY) for _index in range(40)]
    issued += [pki.grc, pki.idc, pki.admin_gmc, pki.member_gmc]
    serials = set()
    for cert in issued:
        content = _serial_content(cert)
        assert len(content) == 16
        assert content[0] != 0 and content[0] < 0x80  # minimal and positive
        assert int.from_bytes(content, "big") == cert.serial_number
        serials.add(cert.serial_number)
    assert len(serials) == len(issued)
    for _index in range(4096):  # the generator itself, where a 1-in-256 fault would show
        serial = certs._serial()
        assert 120 < serial.bit_length() < 128


# cryptography warns about a commonName longer than X.520's 64; that is the point here.
@pytest.mark.filterwarnings("ignore:Attribute's length:UserWarning")
def test_peer_names_longer_than_x520_allows(pki):
    long_name = _name(pki.admin_key, "c" * 149)
    long_group = _name(pki.group_key, "\u00e9" * 149)
    assert len(long_name) == len(long_group) == 190
    idc = certs.make_identity_certificate(pki.admin_key, long_name)
    data = certs.certificate_to_der(idc)
    assert b"\x0c\x81\xbe" + long_name.encode("ascii") in data  # commonName as a 190-byte UTF8String
    assert certs.peer_name_of(certs.certificate_from_der(data)) == long_name
    grc = certs.make_group_root(pki.group_key, long_group)
    gmc = certs.issue_gmc(grc, pki.group_key, pki.admin_key.public_key(), long_name, long_group, [ADMIN], DAY)
    info = certs.verify_chain([gmc, grc], long_group, long_name)
    assert info.subjects == [long_group, long_name]


# --- issue_gmc ----------------------------------------------------------------------------------


def test_gmc_is_clipped_to_its_issuer(pki):
    cert = certs.issue_gmc(pki.admin_gmc, pki.admin_key, pki.member_key.public_key(), pki.member, pki.group, [MEMBER], 100 * DAY)
    assert certs.not_after_of(cert) == certs.not_after_of(pki.admin_gmc)
    assert certs.not_after_of(cert) - certs.not_before_of(cert) < 31 * DAY


def test_gmc_lifetime_and_start(pki):
    start = pki.now.replace(microsecond=654321) + 2 * SECOND
    cert = certs.issue_gmc(pki.admin_gmc, pki.admin_key, pki.member_key.public_key(), pki.member, pki.group, [MEMBER], DAY, now=start)
    assert certs.not_before_of(cert) == start.replace(microsecond=0)
    assert certs.not_after_of(cert) == start.replace(microsecond=0) + DAY
    default = certs.issue_gmc(pki.grc, pki.group_key, pki.member_key.public_key(), pki.member, pki.group, [MEMBER], 3 * DAY)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs(certs.not_before_of(default) - now) < datetime.timedelta(minutes=1)
    assert certs.not_after_of(default) - certs.not_before_of(default) == 3 * DAY


def test_gmc_from_an_expired_issuer(pki):
    end = certs.not_after_of(pki.admin_gmc)
    args = (pki.admin_gmc, pki.admin_key, pki.member_key.public_key(), pki.member, pki.group, [MEMBER], DAY)
    last = certs.issue_gmc(*args, now=end - SECOND)
    assert certs.not_after_of(last) == end
    _error("PEER_E_INVALID_TIME_PERIOD", certs.issue_gmc, *args, now=end)
    _error("PEER_E_INVALID_TIME_PERIOD", certs.issue_gmc, *args, now=end + DAY)


@pytest.mark.parametrize(
    "roles",
    [[], ["owner"], [ADMIN, "Administrator"], ["04387127-aa56-450a-8ce5-4f565c6790f4"], [MEMBER, "guest"]],
)
def test_issue_gmc_refuses_unknown_roles(pki, roles):
    _error("E_INVALIDARG", certs.issue_gmc, pki.grc, pki.group_key, pki.member_key.public_key(), pki.member, pki.group, roles, DAY)


# --- verify_chain: good chains -------------------------------------------------------------------


def _fingerprint(cert):
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def test_creator_chain(pki):
    info = certs.verify_chain([pki.grc, pki.admin_gmc], pki.group, pki.admin)
    assert info.certs == [pki.grc, pki.admin_gmc]
    assert info.leaf == pki.admin_gmc
    assert info.roles == [ADMIN]
    assert info.not_before == certs.not_before_of(pki.admin_gmc)
    assert info.not_after == certs.not_after_of(pki.admin_gmc)
    assert info.fingerprints == [_fingerprint(pki.grc), _fingerprint(pki.admin_gmc)]
    assert info.subjects == [pki.group, pki.admin]
    assert certs.verify_chain([pki.grc, pki.admin_gmc], pki.group).leaf == pki.admin_gmc


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_member_chain_in_any_order(pki, order):
    chain = [pki.grc, pki.admin_gmc, pki.member_gmc]
    info = certs.verify_chain(iter([chain[index] for index in order]), pki.group, pki.member)
    assert info.certs == chain
    assert info.leaf == pki.member_gmc
    assert info.roles == [MEMBER]
    assert info.subjects == [pki.group, pki.admin, pki.member]
    assert info.fingerprints == [_fingerprint(cert) for cert in chain]
    assert info.not_after == certs.not_after_of(pki.member_gmc)


def test_24_gmcs_are_allowed(pki, deep):
    chain = deep[:25]
    shuffled = list(chain)
    random.Random(24).shuffle(shuffled)
    info = certs.verify_chain(shuffled, pki.group)
    assert info.certs == chain
    assert len(info.certs) == certs.MAX_CHAIN_CERTIFICATES == 25
    assert info.subjects[-1].endswith(".level23")


@pytest.mark.parametrize(
    "issuer_roles, child_roles, allowed",
    [
        ([ADMIN], [ADMIN], True),
        ([ADMIN], [MEMBER], True),
        ([ADMIN], [INVITING, MEMBER], True),
        ([INVITING], [INVITING], True),
        ([INVITING], [MEMBER], True),
        ([MEMBER, INVITING], [MEMBER], True),
        ([INVITING], [ADMIN], False),
        ([INVITING], [MEMBER, ADMIN], False),
        ([MEMBER], [MEMBER], False),
        ([MEMBER], [INVITING], False),
        ([MEMBER], [ADMIN], False),
    ],
)
def test_roles_a_holder_may_grant(pki, issuer_roles, child_roles, allowed):
    issuer = certs.issue_gmc(pki.grc, pki.group_key, pki.admin_key.public_key(), pki.admin, pki.group, issuer_roles, DAY)
    child = certs.issue_gmc(issuer, pki.admin_key, pki.member_key.public_key(), pki.member, pki.group, child_roles, DAY)
    if allowed:
        assert certs.verify_chain([pki.grc, issuer, child], pki.group, pki.member).roles == child_roles
    else:
        error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, issuer, child], pki.group, pki.member)
        assert "may not grant" in error.message


# --- verify_chain: refusals ----------------------------------------------------------------------


def test_forged_gmc_same_issuer_name(pki):
    forged = certs.issue_gmc(pki.grc, pki.stranger_key, pki.admin_key.public_key(), pki.admin, pki.group, [ADMIN], DAY)
    assert forged.issuer == pki.grc.subject
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, forged], pki.group)
    assert "not signed by its parent" in error.message
    forged_member = certs.issue_gmc(pki.admin_gmc, pki.stranger_key, pki.member_key.public_key(), pki.member, pki.group, [MEMBER], DAY)
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.admin_gmc, forged_member], pki.group)


def test_tampered_signatures(pki):
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, _tampered(pki.admin_gmc)], pki.group)
    assert "not signed by its parent" in error.message
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [_tampered(pki.grc), pki.admin_gmc], pki.group)
    assert "root certificate's signature" in error.message


def test_root_of_another_group(pki):
    # the other group's root, presented for our group
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.other_grc, pki.admin_gmc], pki.group)
    assert "not for group" in error.message
    # our chain, checked against the other group's name
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.admin_gmc], pki.other_group)


def test_root_key_must_match_the_group_name(pki):
    impostor = certs.make_group_root(pki.other_group_key, pki.group)
    gmc = certs.issue_gmc(impostor, pki.other_group_key, pki.admin_key.public_key(), pki.admin, pki.group, [ADMIN], DAY)
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [impostor, gmc], pki.group, pki.admin)
    assert "does not match the group peer name" in error.message
    # the genuine GMC under the impostor root fails too
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [impostor, pki.admin_gmc], pki.group)


def test_unsecured_group_name(pki):
    grc = certs.make_group_root(pki.group_key, "0.team")
    gmc = certs.issue_gmc(grc, pki.group_key, pki.admin_key.public_key(), pki.admin, "0.team", [ADMIN], DAY)
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [grc, gmc], "0.team")


def test_chain_of_25_gmcs_is_too_long(pki, deep):
    assert len(deep) == 26
    error = _error("PEER_E_CHAIN_TOO_LONG", certs.verify_chain, deep, pki.group)
    assert error.value == 0x80630703
    _error("PEER_E_CHAIN_TOO_LONG", certs.verify_chain, list(reversed(deep)), pki.group)
    # the length is checked first, before duplicates
    _error("PEER_E_CHAIN_TOO_LONG", certs.verify_chain, [pki.grc] * 26, pki.group)


def test_duplicate_certificates(pki):
    error = _error("PEER_E_CIRCULAR_CHAIN_DETECTED", certs.verify_chain, [pki.grc, pki.admin_gmc, pki.admin_gmc], pki.group)
    assert error.value == 0x80630706
    _error("PEER_E_CIRCULAR_CHAIN_DETECTED", certs.verify_chain, [pki.grc, pki.grc], pki.group)
    # duplicates are found before signatures are looked at
    forged = certs.issue_gmc(pki.grc, pki.stranger_key, pki.admin_key.public_key(), pki.admin, pki.group, [ADMIN], DAY)
    _error("PEER_E_CIRCULAR_CHAIN_DETECTED", certs.verify_chain, [pki.grc, forged, forged], pki.group)


@pytest.mark.parametrize("count", [0, 1])
def test_too_short(pki, count):
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.admin_gmc][:count], pki.group)


def test_no_root_or_two_roots(pki):
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.admin_gmc, pki.member_gmc], pki.group)
    assert "exactly one" in error.message
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.old_grc, pki.admin_gmc], pki.group)
    assert "exactly one" in error.message


def test_branches_are_not_a_chain(pki):
    sibling = certs.issue_gmc(pki.admin_gmc, pki.admin_key, pki.stranger_key.public_key(), pki.stranger, pki.group, [MEMBER], DAY)
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.admin_gmc, pki.member_gmc, sibling], pki.group)


def test_expired_gmc(pki):
    start = pki.now - 10 * DAY
    gmc = certs.issue_gmc(pki.old_grc, pki.group_key, pki.admin_key.public_key(), pki.admin, pki.group, [ADMIN], DAY, now=start)
    assert certs.verify_chain([pki.old_grc, gmc], pki.group, now=start + DAY / 2).leaf == gmc
    error = _error("PEER_E_INVALID_TIME_PERIOD", certs.verify_chain, [pki.old_grc, gmc], pki.group)
    assert error.value == 0x80630705
    assert pki.admin in error.message


def test_not_yet_valid_gmc(pki):
    start = pki.now + 2 * DAY
    gmc = certs.issue_gmc(pki.grc, pki.group_key, pki.admin_key.public_key(), pki.admin, pki.group, [ADMIN], DAY, now=start)
    _error("PEER_E_INVALID_TIME_PERIOD", certs.verify_chain, [pki.grc, gmc], pki.group)
    assert certs.verify_chain([pki.grc, gmc], pki.group, now=start + DAY / 2).leaf == gmc


def test_validity_bounds_are_inclusive(pki):
    start = pki.now - 10 * DAY
    gmc = certs.issue_gmc(pki.old_grc, pki.group_key, pki.admin_key.public_key(), pki.admin, pki.group, [ADMIN], DAY, now=start)
    chain = [pki.old_grc, gmc]
    certs.verify_chain(chain, pki.group, now=start)
    certs.verify_chain(chain, pki.group, now=start + DAY)
    _error("PEER_E_INVALID_TIME_PERIOD", certs.verify_chain, chain, pki.group, now=start - SECOND)
    _error("PEER_E_INVALID_TIME_PERIOD", certs.verify_chain, chain, pki.group, now=start + DAY + SECOND)


def test_expired_intermediate(pki):
    start = pki.now - 10 * DAY
    admin = certs.issue_gmc(pki.old_grc, pki.group_key, pki.admin_key.public_key(), pki.admin, pki.group, [ADMIN], 5 * DAY, now=start)
    member = certs.issue_gmc(admin, pki.admin_key, pki.member_key.public_key(), pki.member, pki.group, [MEMBER], DAY, now=start)
    assert certs.verify_chain([pki.old_grc, admin, member], pki.group, now=start + DAY / 2).leaf == member
    # a leaf that outlives its (expired) issuer does not make the chain valid
    outliving = _rebuild(member, pki.admin_key, not_after=pki.now + 10 * DAY)
    error = _error("PEER_E_INVALID_TIME_PERIOD", certs.verify_chain, [pki.old_grc, admin, outliving], pki.group)
    assert pki.admin in error.message


def test_leaf_identity_mismatch(pki):
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.admin_gmc], pki.group, pki.member)
    assert pki.member in error.message
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.admin_gmc, pki.member_gmc], pki.group, pki.admin)


def test_leaf_key_must_match_its_name(pki):
    # the member's key under the administrator's name
    gmc = certs.issue_gmc(pki.grc, pki.group_key, pki.member_key.public_key(), pki.admin, pki.group, [ADMIN], DAY)
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, gmc], pki.group)
    assert "does not match its peer name" in error.message
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, gmc], pki.group, pki.admin)
    unsecured = certs.issue_gmc(pki.grc, pki.group_key, pki.member_key.public_key(), "0.bob", pki.group, [MEMBER], DAY)
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, unsecured], pki.group)


def test_missing_group_name_extension(pki):
    bare = _rebuild(pki.admin_gmc, pki.group_key, drop={P2P["peer_name"]})
    assert certs.group_name_of(bare) is None
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, bare], pki.group)
    assert "not for group" in error.message
    bare_root = _rebuild(pki.grc, pki.group_key, drop={P2P["peer_name"]})
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [bare_root, pki.admin_gmc], pki.group)


def test_gmc_for_another_group(pki):
    gmc = certs.issue_gmc(pki.grc, pki.group_key, pki.admin_key.public_key(), pki.admin, pki.other_group, [ADMIN], DAY)
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, gmc], pki.group)


def test_unknown_critical_extension(pki):
    extension = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.311.44.9.9"), b"\x05\x00")
    critical = _rebuild(pki.admin_gmc, pki.group_key, add=[(extension, True)])
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, critical], pki.group)
    assert "unknown critical extension 1.3.6.1.4.1.311.44.9.9" in error.message
    not_critical = _rebuild(pki.admin_gmc, pki.group_key, add=[(extension, False)])
    assert certs.verify_chain([pki.grc, not_critical], pki.group).leaf == not_critical
    # a standard extension made critical is refused too
    names = x509.SubjectAlternativeName([x509.DNSName("example.org")])
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, _rebuild(pki.admin_gmc, pki.group_key, add=[(names, True)])], pki.group)


def test_child_must_be_a_gmc(pki):
    idc_typed = _rebuild(pki.member_gmc, pki.admin_key, drop={P2P["type"]}, add=[(_p2p_extension("type", bytes.fromhex("040403000000")), True)])
    assert certs.cert_type_of(idc_typed) == certs.TYPE_IDC
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.admin_gmc, idc_typed], pki.group)
    assert "not a GMC" in error.message
    untyped = _rebuild(pki.member_gmc, pki.admin_key, drop={P2P["type"]})
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.admin_gmc, untyped], pki.group)


def test_gmc_role_extension_faults(pki):
    roleless = _rebuild(pki.admin_gmc, pki.group_key, drop={P2P["roles"]})
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, roleless], pki.group)
    assert "no role" in error.message
    unknown = _p2p_extension("roles", _tlv(0x30, _tlv(0x04, bytes(range(16)))))
    strange = _rebuild(pki.admin_gmc, pki.group_key, drop={P2P["roles"]}, add=[(unknown, True)])
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, strange], pki.group)
    short = _p2p_extension("roles", _tlv(0x30, _tlv(0x04, bytes.fromhex(ROLE_BYTES_LE[ADMIN])[:15])))
    truncated = _rebuild(pki.admin_gmc, pki.group_key, drop={P2P["roles"]}, add=[(short, True)])
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, truncated], pki.group)


def test_sha1_signed_gmc_is_accepted(pki):
    legacy = _resign_legacy(pki.admin_gmc, pki.group_key, "sha1")
    assert legacy.signature_hash_algorithm.name == "sha1"
    assert legacy.signature_algorithm_oid.dotted_string == "1.2.840.113549.1.1.5"
    info = certs.verify_chain([legacy, pki.grc], pki.group, pki.admin)
    assert info.leaf == legacy
    legacy_root = _resign_legacy(pki.grc, pki.group_key, "sha1")
    member = _resign_legacy(pki.member_gmc, pki.admin_key, "sha1")
    assert certs.verify_chain([member, legacy, legacy_root], pki.group, pki.member).roles == [MEMBER]
    # SHA-1 signatures are still checked
    forged = _resign_legacy(pki.admin_gmc, pki.stranger_key, "sha1")
    _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, forged], pki.group)


def _resign_pss(cert, key):
    """``cert`` signed with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32): same key, another padding."""
    sha256 = _tlv(0x30, bytes.fromhex("0609608648016503040201") + b"\x05\x00")
    pss = _tlv(0x30, bytes.fromhex("06092a864886f70d01010a") + _tlv(0x30, _tlv(0xA0, sha256) + _tlv(
        0xA1, _tlv(0x30, bytes.fromhex("06092a864886f70d010108") + sha256)) + _tlv(0xA2, bytes.fromhex("020120"))))
    fields = _children(_read_tlv(cert.tbs_certificate_bytes)[1])
    assert fields[2] == (0x30, SHA256_RSA_DER + b"\x05\x00")  # version, serial, then the signature algorithm
    fields[2] = _read_tlv(pss)[:2]
    tbs = _tlv(0x30, b"".join(_tlv(tag, value) for tag, value in fields))
    signature = key.sign(tbs, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    return x509.load_der_x509_certificate(_tlv(0x30, tbs + pss + _tlv(0x03, b"\x00" + signature)))


def test_pss_signed_gmc_is_refused(pki):
    # Windows signs with PKCS#1 v1.5; PSS would be accepted or not depending on the cryptography release.
    pss = _resign_pss(pki.admin_gmc, pki.group_key)
    assert certs.peer_name_of(certs.certificate_from_der(certs.certificate_to_der(pss))) == pki.admin
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pss], pki.group)
    assert "unsupported signature algorithm" in error.message
    pss_root = _resign_pss(pki.grc, pki.group_key)
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pss_root, pki.admin_gmc], pki.group)
    assert "unsupported signature algorithm" in error.message


@pytest.mark.parametrize("algorithm", [hashes.SHA384(), hashes.SHA512()])
def test_other_sha2_signatures(pki, algorithm):
    gmc = _rebuild(pki.admin_gmc, pki.group_key, algorithm=algorithm)
    assert certs.verify_chain([pki.grc, gmc], pki.group).leaf == gmc


def test_md5_signed_gmc_is_refused(pki):
    try:
        legacy = _resign_legacy(pki.admin_gmc, pki.group_key, "md5")
    except (ValueError, TypeError) as exc:
        pytest.skip("this OpenSSL cannot sign with MD5: %s" % exc)
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, legacy], pki.group)
    assert "signature algorithm" in error.message


def test_1024_bit_identity_is_accepted(pki):
    name = _name(pki.small_key, "old")
    gmc = certs.issue_gmc(pki.admin_gmc, pki.admin_key, pki.small_key.public_key(), name, pki.group, [MEMBER], DAY)
    assert certs.verify_chain([pki.grc, pki.admin_gmc, gmc], pki.group, name).leaf.public_key().key_size == 1024


def test_512_bit_identity_is_refused(pki):
    tiny = _rsa_512()
    assert tiny.key_size == 512
    name = _name(tiny, "tiny")
    gmc = certs.issue_gmc(pki.admin_gmc, pki.admin_key, tiny.public_key(), name, pki.group, [MEMBER], DAY)
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.verify_chain, [pki.grc, pki.admin_gmc, gmc], pki.group, name)
    assert "at least 1024 bits" in error.message


def test_validity_is_aware_utc(pki):
    for moment in (certs.not_before_of(pki.admin_gmc), certs.not_after_of(pki.admin_gmc)):
        assert moment.utcoffset() == datetime.timedelta(0)
    assert certs.not_after_of(pki.admin_gmc) - certs.not_before_of(pki.admin_gmc) == 30 * DAY


def test_name_with_an_unknown_string_type(pki):
    # The issuer's commonName UTF8String (tag 0C) made tag 0D: cryptography 36-41 raise KeyError.
    data = certs.certificate_to_der(pki.admin_gmc)
    spoilt = data.replace(bytes.fromhex("06035504030c"), bytes.fromhex("06035504030d"), 1)
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.certificate_from_der, spoilt)
    assert "does not parse" in error.message


def _mutations(data, rng, count):
    for _index in range(count):
        spoilt = bytearray(data)
        for _change in range(rng.choice([1, 1, 2, 3])):
            position = rng.randrange(len(spoilt))
            spoilt[position] = rng.choice([rng.randrange(256), spoilt[position] ^ (1 << rng.randrange(8)),
                                           rng.choice([0x00, 0x02, 0x04, 0x0C, 0x0D, 0x13, 0x1E, 0x30, 0x31, 0x80, 0x81, 0xFF])])
        yield bytes(spoilt)


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_mutated_certificates_fail_with_peer_errors_only(pki):
    # Which exception a damaged certificate raises differs by cryptography release; callers see a PeerError.
    rng = random.Random(2022)
    for parent, child in ((pki.grc, pki.admin_gmc), (pki.admin_gmc, pki.member_gmc)):
        for spoilt in _mutations(certs.certificate_to_der(child), rng, 600):
            try:
                cert = certs.certificate_from_der(spoilt)
                certs.describe_certificate(cert)
                certs.verify_chain(certs.chain_from_pkcs7(certs.chain_to_pkcs7([pki.grc, parent, cert])), pki.group)
            except PeerError:
                pass


# --- identity certificates -----------------------------------------------------------------------


def test_identity_certificate_passes_its_checks(pki):
    assert certs.check_identity_certificate(pki.idc, pki.admin, pki.admin_key) is pki.idc
    # Windows signs with SHA-1; a 1024-bit identity key is still allowed on read.
    legacy = _resign_legacy(pki.idc, pki.admin_key, "sha1")
    assert certs.check_identity_certificate(legacy, pki.admin, pki.admin_key) is legacy
    small = _name(pki.small_key, "old")
    certs.check_identity_certificate(certs.make_identity_certificate(pki.small_key, small), small, pki.small_key)


def test_hostile_identity_certificates_are_refused(pki):
    wrong = []
    cases = builders.hostile_identity_certificates(pki.member_key, pki.member, pki.stranger_key)
    for case, cert, hresult in cases:
        try:
            certs.check_identity_certificate(cert, pki.member, pki.member_key)
        except PeerError as exc:
            if exc.name != hresult:
                wrong.append("%s: %s" % (case, exc))
        else:
            wrong.append("%s: accepted" % case)
    assert len(cases) == 15 and wrong == []


def test_identity_certificate_must_certify_the_named_key(pki):
    # A proper IDC, but of another key than the name's authority commits to.
    borrowed = builders.identity_certificate(pki.stranger_key, pki.member)
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.check_identity_certificate, borrowed, pki.member)
    assert "does not match the peer name" in error.message
    error = _error("PEER_E_INVALID_CREDENTIAL", certs.check_identity_certificate, pki.idc, pki.admin, pki.member_key)
    assert "private key" in error.message
    unsecured = builders.identity_certificate(pki.member_key, "0.bob")
    _error("PEER_E_INVALID_CREDENTIAL", certs.check_identity_certificate, unsecured, "0.bob")
    _error("PEER_E_INVALID_PEER_NAME", certs.check_identity_certificate, pki.idc, "not a peer name")


def test_identity_certificate_validity_bounds(pki):
    start, end = certs.not_before_of(pki.idc), certs.not_after_of(pki.idc)
    for moment in (start, end):
        certs.check_identity_certificate(pki.idc, pki.admin, now=moment)
    for moment in (start - SECOND, end + SECOND):
        error = _error("PEER_E_INVALID_TIME_PERIOD", certs.check_identity_certificate, pki.idc, pki.admin, now=moment)
        assert "not now" in error.message


# --- PKCS#7 ------------------------------------------------------------------------------------


def test_pkcs7_round_trip(pki):
    chain = [pki.grc, pki.admin_gmc, pki.member_gmc]
    data = certs.chain_to_pkcs7(chain)
    content_info = _children(_read_tlv(data)[1])
    assert content_info[0] == (0x06, SIGNED_DATA_DER[2:])
    signed_data = _children(_children(content_info[1][1])[0][1])
    tags = [tag for tag, _value in signed_data]
    assert tags == [0x02, 0x31, 0x30, 0xA0, 0x31]  # version, digests, content, certificates, signerInfos
    assert signed_data[-1][1] == b""  # certs-only: no signer
    loaded = certs.chain_from_pkcs7(data)
    assert sorted(certs.certificate_to_der(cert) for cert in loaded) == sorted(certs.certificate_to_der(cert) for cert in chain)
    assert certs.verify_chain(loaded, pki.group, pki.member).certs == chain


@pytest.mark.parametrize("data", [b"", b"junk", b"\x30\x00", b"\x30\x03\x06\x01\x00"])
def test_pkcs7_garbage(data):
    error = _error("E_INVALIDARG", certs.chain_from_pkcs7, data)
    assert error.value == 0x80070057


def test_pkcs7_truncated_or_not_pkcs7(pki):
    data = certs.chain_to_pkcs7([pki.grc, pki.admin_gmc])
    _error("E_INVALIDARG", certs.chain_from_pkcs7, data[:-1])
    _error("E_INVALIDARG", certs.chain_from_pkcs7, data[:100])
    _error("E_INVALIDARG", certs.chain_from_pkcs7, certs.certificate_to_der(pki.grc))


def _signed_data(*fields, content_type=SIGNED_DATA_DER):
    return _tlv(0x30, content_type + _tlv(0xA0, _tlv(0x30, b"".join(fields))))


DATA_CONTENT_INFO = _tlv(0x30, bytes.fromhex("06092a864886f70d010701"))


def test_pkcs7_is_written_as_der_whatever_the_order(pki):
    chain = [pki.grc, pki.admin_gmc, pki.member_gmc]
    encoded = sorted(certs.certificate_to_der(cert) for cert in chain)  # DER sorts a SET OF
    expected = _signed_data(bytes.fromhex("020101"), b"\x31\x00", DATA_CONTENT_INFO, _tlv(0xA0, b"".join(encoded)), b"\x31\x00")
    for order in itertools.permutations(chain):
        assert certs.chain_to_pkcs7(order) == expected


def test_pkcs7_with_crls_and_signer_infos_is_read(pki):
    certificates = _tlv(0xA0, certs.certificate_to_der(pki.grc) + certs.certificate_to_der(pki.admin_gmc))
    data = _signed_data(bytes.fromhex("020101"), b"\x31\x00", DATA_CONTENT_INFO, certificates, b"\xa1\x00", b"\x31\x00")
    assert certs.chain_from_pkcs7(data) == [pki.grc, pki.admin_gmc]


def test_pkcs7_structures_that_are_refused(pki):
    grc = certs.certificate_to_der(pki.grc)
    head = (bytes.fromhex("020101"), b"\x31\x00", DATA_CONTENT_INFO)
    cases = {
        "another content type": _signed_data(*head, _tlv(0xA0, grc), b"\x31\x00", content_type=bytes.fromhex("06092a864886f70d010701")),
        "an unassigned content type": _signed_data(*head, _tlv(0xA0, grc), b"\x31\x00", content_type=bytes.fromhex("06096a864886f70d010702")),
        "no certificates": _signed_data(*head, b"\x31\x00"),
        "an empty certificate set": _signed_data(*head, _tlv(0xA0, b""), b"\x31\x00"),
        "no signerInfos": _signed_data(*head, _tlv(0xA0, grc)),
        "a field too many": _signed_data(*head, _tlv(0xA0, grc), b"\x31\x00", b"\x31\x00"),
        "an attribute certificate": _signed_data(*head, _tlv(0xA0, _tlv(0xA1, grc[4:])), b"\x31\x00"),
        "a certificate that does not parse": _signed_data(*head, _tlv(0xA0, _tlv(0x30, b"\x02\x01\x00")), b"\x31\x00"),
        # BER: an indefinite length inside, which OpenSSL-based readers accept
        "an indefinite length": _signed_data(*head, b"\xa0\x80" + grc + b"\x00\x00", b"\x31\x00"),
        "a long form length for a short value": _signed_data(bytes.fromhex("02810101"), *head[1:], _tlv(0xA0, grc), b"\x31\x00"),
        "no content": _tlv(0x30, SIGNED_DATA_DER),
        "content not explicitly tagged": _tlv(0x30, SIGNED_DATA_DER + _tlv(0x30, b"")),
    }
    for what, data in cases.items():
        error = _error("E_INVALIDARG", certs.chain_from_pkcs7, data)
        assert error.message.startswith("GMC "), what


def test_pkcs7_certificate_count_is_checked_before_any_is_parsed():
    head = (bytes.fromhex("020101"), b"\x31\x00", DATA_CONTENT_INFO)
    garbage = _signed_data(*head, _tlv(0xA0, b"\x30\x00" * 26), b"\x31\x00")
    _error("PEER_E_CHAIN_TOO_LONG", certs.chain_from_pkcs7, garbage)
    _error("E_INVALIDARG", certs.chain_from_pkcs7, _signed_data(*head, _tlv(0xA0, b"\x30\x00" * 25), b"\x31\x00"))


@pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
def test_mutated_pkcs7_fails_with_peer_errors_only(pki):
    rng = random.Random(7)
    for spoilt in _mutations(certs.chain_to_pkcs7([pki.grc, pki.admin_gmc]), rng, 1500):
        try:
            certs.chain_from_pkcs7(spoilt)
        except PeerError:
            pass


def test_pkcs7_holding_26_certificates(pki, deep):
    assert len(certs.chain_from_pkcs7(certs.chain_to_pkcs7(deep[:25]))) == 25
    error = _error("PEER_E_CHAIN_TOO_LONG", certs.chain_from_pkcs7, certs.chain_to_pkcs7(deep))
    assert "26" in error.message


# --- describe_certificate ------------------------------------------------------------------------

ISO_UTC = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")


def test_describe_gmc(pki):
    cert = pki.member_gmc
    summary = certs.describe_certificate(cert)
    assert summary == {
        "subject": pki.member,
        "issuer": pki.admin,
        "serial": "%x" % cert.serial_number,
        "sha256": _fingerprint(cert),
        "not_before": certs.not_before_of(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": certs.not_after_of(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "type": "GMC",
        "roles": [MEMBER],
        "group_peer_name": pki.group,
    }
    assert ISO_UTC.match(summary["not_before"]) and ISO_UTC.match(summary["not_after"])
    assert int(summary["serial"], 16) == cert.serial_number


def test_describe_roots_and_identities(pki):
    grc = certs.describe_certificate(pki.grc)
    assert (grc["type"], grc["subject"], grc["issuer"], grc["roles"], grc["group_peer_name"]) == ("GRC", pki.group, pki.group, [], pki.group)
    idc = certs.describe_certificate(pki.idc)
    assert (idc["type"], idc["subject"], idc["issuer"], idc["roles"], idc["group_peer_name"]) == ("IDC", pki.admin, pki.admin, [], pki.admin)
    assert idc["not_after"][:4] == str(certs.not_after_of(pki.idc).year)


def test_describe_a_foreign_certificate(pki):
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example")])
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(pki.stranger_key.public_key())
        .serial_number(7).not_valid_before(pki.now).not_valid_after(pki.now + DAY).sign(pki.stranger_key, hashes.SHA256())
    )
    summary = certs.describe_certificate(cert)
    assert summary["type"] == "unknown"
    assert summary["subject"] == "O=Example"
    assert summary["issuer"] == "O=Example"
    assert summary["serial"] == "7"
    assert summary["roles"] == [] and summary["group_peer_name"] is None


# --- the OpenSSL command line -------------------------------------------------------------------


def _openssl(*args):
    return subprocess.run([OPENSSL] + list(args), check=False, capture_output=True, text=True, timeout=60)


def _pem(path, cert):
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")
def test_openssl_verifies_our_chain(pki, tmp_path):
    grc = _pem(tmp_path / "grc.pem", pki.grc)
    gmc = _pem(tmp_path / "gmc.pem", pki.admin_gmc)
    result = _openssl("verify", "-ignore_critical", "-CAfile", grc, gmc)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gmc.pem: OK" in result.stdout
    # OpenSSL does not know the P2P extensions, and they are critical
    strict = _openssl("verify", "-CAfile", grc, gmc)
    assert strict.returncode != 0
    assert "unhandled critical extension" in strict.stdout + strict.stderr


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")
def test_openssl_refuses_other_signers(pki, tmp_path):
    grc = _pem(tmp_path / "grc.pem", pki.grc)
    forged = certs.issue_gmc(pki.grc, pki.stranger_key, pki.admin_key.public_key(), pki.admin, pki.group, [ADMIN], DAY)
    for index, cert in enumerate([forged, _tampered(pki.admin_gmc)]):
        result = _openssl("verify", "-ignore_critical", "-CAfile", grc, _pem(tmp_path / ("bad%d.pem" % index), cert))
        assert result.returncode != 0
        assert ": OK" not in result.stdout


@pytest.mark.skipif(OPENSSL is None, reason="the openssl command is not installed")
@pytest.mark.filterwarnings("ignore:Attribute's length:UserWarning")
def test_openssl_shows_the_p2p_extensions(pki, tmp_path):
    result = _openssl("x509", "-noout", "-text", "-in", _pem(tmp_path / "gmc.pem", pki.member_gmc))
    assert result.returncode == 0, result.stderr
    for name in ("type", "version", "peer_name", "grouping_flags", "roles", "classifiers"):
        assert re.search(re.escape(P2P[name]) + r": critical", result.stdout), name
    assert PEER_AUTH_EKU in result.stdout
    assert "TLS Web Server Authentication" in result.stdout
    assert "CA:FALSE" in result.stdout
    long_name = _name(pki.admin_key, "c" * 149)
    subject = _openssl("x509", "-noout", "-subject", "-nameopt", "RFC2253",
                       "-in", _pem(tmp_path / "idc.pem", certs.make_identity_certificate(pki.admin_key, long_name)))
    assert subject.returncode == 0, subject.stderr
    assert subject.stdout.strip() == "subject=CN=" + long_name
