# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Identity, group root and group membership certificates, and chain checks.

Certificates carry the Microsoft P2P extensions of MS-PNRP 2.2.3.5 and
MS-PPSEC 2.2.5, critical as on Windows; docs/certificates.md says which value
encodings are documented and which we inferred.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import datetime
import inspect
import os
import uuid
from typing import NamedTuple

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import clock
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import der
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import deps
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError, shown

try:
    import cryptography
    from cryptography import x509
    from cryptography.exceptions import InternalError, InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    # What hostile DER raises when a certificate is loaded or read; not all of it is ValueError:
    # cryptography 36-41 raise KeyError for an unknown string type in a name, and OpenSSL's
    # failed assertions (the parser before 35) are InternalError.
    UNREADABLE = (ValueError, TypeError, LookupError, UnsupportedAlgorithm, InternalError, x509.InvalidVersion,
                  x509.DuplicateExtension)
    # What this cryptography has (README, "Managed host requirements"): aware validity dates
    # since 42; NameAttribute's switch off its checks (3.4 has none to switch off); skipping
    # OpenSSL's RSA key check on load since 39 (before, every load checks the key).
    _HAS_UTC_VALIDITY = hasattr(x509.Certificate, "not_valid_before_utc")
    _NAME_VALIDATION_SWITCH = "_validate" in inspect.signature(x509.NameAttribute).parameters
    _CAN_SKIP_KEY_CHECK = deps.version_tuple(cryptography.__version__) >= (39,)
except ImportError:  # deps.missing_requirements() reports it before any use
    x509 = None
    UNREADABLE = ()

P2P_ARC = "1.3.6.1.4.1.311.44"
OID_CERT_TYPE = P2P_ARC + ".0.1"
OID_CERT_VERSION = P2P_ARC + ".0.4"
OID_PEER_NAME = P2P_ARC + ".3.1"
OID_PEER_NAME_OTHER_NAME = P2P_ARC + ".0.2"
OID_GROUPING_FLAGS = P2P_ARC + ".3.2"
OID_ROLES = P2P_ARC + ".3.3"
OID_PEER_AUTH_EKU = P2P_ARC + ".3.4"
OID_CLASSIFIERS = P2P_ARC + ".3.5"
OID_CLASSIFIER_OTHER_NAME = P2P_ARC + ".0.3"
OID_IDENTITY_FLAGS = P2P_ARC + ".2.2"
OID_PKCS7_DATA = "1.2.840.113549.1.7.1"
OID_PKCS7_SIGNED_DATA = "1.2.840.113549.1.7.2"

TYPE_GMC = 1
TYPE_GRC = 2
TYPE_IDC = 3
TYPE_NAMES = {TYPE_GMC: "GMC", TYPE_GRC: "GRC", TYPE_IDC: "IDC"}
CERT_VERSION = bytes([0x01, 0x00, 0x02, 0x00])  # version 1.2, network order

ROLE_ADMIN = "administrator"
ROLE_MEMBER = "member"
ROLE_INVITING_MEMBER = "inviting-member"
ROLES = {
    ROLE_ADMIN: uuid.UUID("04387127-aa56-450a-8ce5-4f565c6790f4"),
    ROLE_MEMBER: uuid.UUID("f12dc4c7-0857-4ca0-93fc-b1bb19a3d8c2"),
    ROLE_INVITING_MEMBER: uuid.UUID("4370fd89-dc18-4cfb-8dbf-9853a8a9f905"),
}
_ROLE_BY_UUID = dict((value, name) for name, value in ROLES.items())
# Which roles a holder may grant (MS-PPSEC 2.2.5.3); a GRC may grant any.
ISSUABLE = {
    ROLE_ADMIN: frozenset(ROLES),
    ROLE_INVITING_MEMBER: frozenset([ROLE_INVITING_MEMBER, ROLE_MEMBER]),
    ROLE_MEMBER: frozenset(),
}
PARTICIPANT_CLASSIFIER = "participant"

KEY_SIZES = (2048, 3072, 4096)
MIN_KEY_SIZE_ON_READ = 1024
MAX_CHAIN_CERTIFICATES = 25  # the GRC and at most 24 GMCs
ROOT_LIFETIME = datetime.timedelta(days=365 * 1000)  # Windows' "infinite"
# The signature algorithms accepted on read, PKCS#1 v1.5 only (Windows signs with SHA-1), by OID:
# cryptography's own view of the algorithm (RSASSA-PSS parameters, hash objects) differs by version.
_SIGNATURE_HASHES = {
    "1.2.840.113549.1.1.5": "SHA1",
    "1.2.840.113549.1.1.11": "SHA256",
    "1.2.840.113549.1.1.12": "SHA384",
    "1.2.840.113549.1.1.13": "SHA512",
}
_KNOWN_CRITICAL = frozenset(
    [OID_CERT_TYPE, OID_CERT_VERSION, OID_PEER_NAME, OID_GROUPING_FLAGS, OID_ROLES, OID_CLASSIFIERS, OID_IDENTITY_FLAGS,
     "2.5.29.19", "2.5.29.15", "2.5.29.37"]
)


def _invalid(message: str) -> PeerError:
    return PeerError("PEER_E_INVALID_CREDENTIAL", message)


# --- keys -------------------------------------------------------------------


def generate_key(bits: int = 2048):
    if bits not in KEY_SIZES:
        raise PeerError("E_INVALIDARG", "RSA key size must be one of %s" % ", ".join(map(str, KEY_SIZES)))
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_to_der(key) -> bytes:
    """PKCS#8 DER, unencrypted: the store and the seal protect it."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def private_key_from_der(data: bytes, validate: bool = True):
    """An RSA private key from PKCS#8 DER.

    ``validate=False`` skips OpenSSL's consistency check of the key (primality of p and q,
    about 0.1 s per 2048-bit key): only for keys that were checked when they entered the store.
    cryptography before 39 cannot skip it: there every load checks.
    """
    try:
        key = _load_der_private_key(data, validate)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise PeerError("E_INVALIDARG", "not a PKCS#8 private key") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_KEY_SIZE_ON_READ:
        raise PeerError("PEER_E_INVALID_CREDENTIAL", "private keys must be RSA of at least %d bits" % MIN_KEY_SIZE_ON_READ)
    return key


def _load_der_private_key(data: bytes, validate: bool):
    if validate or not _CAN_SKIP_KEY_CHECK:
        return serialization.load_der_private_key(data, password=None)
    return serialization.load_der_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)


def _spki(key) -> bytes:
    public = key.public_key() if hasattr(key, "private_bytes") else key
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_matches(key, cert) -> bool:
    """Whether ``key`` (private or public) is the key ``cert`` certifies."""
    return _spki(key) == _spki(cert.public_key())


def sign(key, data: bytes) -> bytes:
    """RSA PKCS#1 v1.5 over SHA-256 of ``data``: the signature of our documents' extension fields."""
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def signature_verifies(public_key, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is ``sign(key, data)`` by the private half of ``public_key``."""
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


# --- certificates -------------------------------------------------------------


def certificate_to_der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def certificate_from_der(data: bytes):
    try:
        cert = x509.load_der_x509_certificate(data)
    except UNREADABLE:
        raise PeerError("E_INVALIDARG", "not a DER X.509 certificate") from None
    return readable(cert)


def readable(cert):
    """``cert``, once every part cryptography parses lazily has been read.

    Names, key, algorithm, extensions and validity fail only when first read: reading them here
    turns a hostile certificate into one clean error instead of an exception deep in a check.
    """
    try:
        _parts = (cert.subject, cert.issuer, cert.public_key(), cert.signature_algorithm_oid,
                  cert.extensions, not_before_of(cert), not_after_of(cert))
    except UNREADABLE:
        raise _invalid("a certificate does not parse (names, key, signature algorithm, extensions or validity)") from None
    return cert


def fingerprint(cert) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _dword(value: int) -> bytes:
    return der.octet_string(value.to_bytes(4, "little"))


def _name(peer_name: str):
    # Peer names reach 190 characters; X.520 caps commonName at 64, Windows did not.
    if _NAME_VALIDATION_SWITCH:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, peer_name, _validate=False)])
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, peer_name)])


def _serial() -> int:
    # 16 bytes exactly once DER-encoded: top bit clear, first byte non-zero.
    return (int.from_bytes(os.urandom(16), "big") & ((1 << 127) - 1)) | (1 << 120)


def _p2p(oid: str, value: bytes):
    return x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), value)


def _build(subject_name, issuer_name, public_key, signing_key, not_before, not_after, cert_type, peer_name_value,
           roles=None, can_issue=False):
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject_name))
        .issuer_name(_name(issuer_name))
        .public_key(public_key)
        .serial_number(_serial())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=can_issue, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=True, data_encipherment=False,
                key_agreement=False, key_cert_sign=can_issue, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(OID_PEER_AUTH_EKU), ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_p2p(OID_CERT_TYPE, _dword(cert_type)), critical=True)
        .add_extension(_p2p(OID_CERT_VERSION, der.octet_string(CERT_VERSION)), critical=True)
        .add_extension(_p2p(OID_PEER_NAME, der.sequence(der.other_name(OID_PEER_NAME_OTHER_NAME, peer_name_value))), critical=True)
    )
    if cert_type == TYPE_IDC:
        builder = builder.add_extension(_p2p(OID_IDENTITY_FLAGS, _dword(0)), critical=True)
    else:
        builder = builder.add_extension(_p2p(OID_GROUPING_FLAGS, _dword(0)), critical=True)
    if roles is not None:
        encoded = der.sequence(*[der.octet_string(ROLES[role].bytes_le) for role in roles])
        builder = builder.add_extension(_p2p(OID_ROLES, encoded), critical=True)
        if ROLE_ADMIN not in roles:
            classifiers = der.sequence(der.other_name(OID_CLASSIFIER_OTHER_NAME, PARTICIPANT_CLASSIFIER))
            builder = builder.add_extension(_p2p(OID_CLASSIFIERS, classifiers), critical=True)
    if subject_name != issuer_name or cert_type == TYPE_GMC:
        issuer_public = signing_key.public_key()
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


def make_identity_certificate(key, peer_name: str, now=None):
    """The self-signed identity certificate (IDC) of an identity, valid from ``now``."""
    now = (now or clock.utcnow()).replace(microsecond=0)
    return _build(peer_name, peer_name, key.public_key(), key, now, now + ROOT_LIFETIME, TYPE_IDC, peer_name)


def make_group_root(group_key, group_peer_name: str, now=None):
    """The group root certificate (GRC), self-signed with the group key, valid from ``now``."""
    now = (now or clock.utcnow()).replace(microsecond=0)
    return _build(group_peer_name, group_peer_name, group_key.public_key(), group_key, now, now + ROOT_LIFETIME,
                  TYPE_GRC, group_peer_name, can_issue=True)


def issue_gmc(issuer_cert, issuer_key, subject_public_key, subject_peer_name: str, group_peer_name: str, roles,
              lifetime: datetime.timedelta, now=None):
    """A group membership certificate for ``subject_public_key``; never outlives its issuer."""
    for role in roles:
        if role not in ROLES:
            raise PeerError("E_INVALIDARG", "unknown role %s" % shown(role))
    if not roles:
        raise PeerError("E_INVALIDARG", "a GMC needs at least one role")
    now = (now or clock.utcnow()).replace(microsecond=0)
    not_after = min(now + lifetime, not_after_of(issuer_cert))
    if not_after <= now:
        raise PeerError("PEER_E_INVALID_TIME_PERIOD", "the issuer's certificate expires before the new GMC would start")
    can_issue = any(ISSUABLE[role] for role in roles)
    return _build(subject_peer_name, peer_name_of(issuer_cert), subject_public_key, issuer_key, now, not_after,
                  TYPE_GMC, group_peer_name, roles=list(roles), can_issue=can_issue)


# --- reading certificates -----------------------------------------------------


def _extension_value(cert, oid: str):
    try:
        return cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value.value
    except x509.ExtensionNotFound:
        return None


def _read_dword(cert, oid: str, what: str) -> int:
    value = _extension_value(cert, oid)
    if value is None:
        raise _invalid("certificate %s has no %s extension" % (peer_name_of(cert), what))
    content = der.expect_one(value, der.OCTET_STRING)
    if len(content) != 4:
        raise _invalid("%s extension is not a DWORD" % what)
    return int.from_bytes(content, "little")


def cert_type_of(cert) -> int:
    return _read_dword(cert, OID_CERT_TYPE, "certificate type")


def peer_name_of(cert) -> str:
    """The subject's peer name (commonName)."""
    attributes = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(attributes) != 1:
        raise _invalid("certificate subject must be one peer name")
    return attributes[0].value


def issuer_name_of(cert) -> str:
    attributes = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attributes[0].value if len(attributes) == 1 else cert.issuer.rfc4514_string()


def subject_text(cert) -> str:
    return peer_name_of(cert)


def group_name_of(cert):
    """The peer name in the P2P peer-name extension, or None."""
    value = _extension_value(cert, OID_PEER_NAME)
    if value is None:
        return None
    names = der.read_other_names(value, OID_PEER_NAME_OTHER_NAME)
    if len(names) != 1:
        raise _invalid("the peer-name extension must hold one name")
    return names[0]


def roles_of(cert) -> list:
    value = _extension_value(cert, OID_ROLES)
    if value is None:
        return []
    roles = []
    for tag, content in der.read_all(der.expect_one(value, der.SEQUENCE)):
        if tag != der.OCTET_STRING or len(content) != 16:
            raise _invalid("a role is not a 16-byte GUID")
        role = _ROLE_BY_UUID.get(uuid.UUID(bytes_le=content))
        if role is None:
            raise _invalid("unknown role %s" % uuid.UUID(bytes_le=content))
        roles.append(role)
    return roles


def not_before_of(cert):
    """The start of validity, an aware UTC datetime."""
    if _HAS_UTC_VALIDITY:
        return cert.not_valid_before_utc
    return cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def not_after_of(cert):
    """The end of validity, an aware UTC datetime."""
    if _HAS_UTC_VALIDITY:
        return cert.not_valid_after_utc
    return cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def describe_certificate(cert) -> dict:
    """Non-secret summary of one certificate."""
    try:
        kind = TYPE_NAMES.get(cert_type_of(cert), "unknown")
    except PeerError:
        kind = "unknown"
    try:
        roles = roles_of(cert)
        group = group_name_of(cert)
    except PeerError:
        roles, group = [], None
    return {
        "subject": subject_text(cert) if cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME) else cert.subject.rfc4514_string(),
        "issuer": issuer_name_of(cert),
        "serial": "%x" % cert.serial_number,
        "sha256": fingerprint(cert),
        "not_before": _iso(not_before_of(cert)),
        "not_after": _iso(not_after_of(cert)),
        "type": kind,
        "roles": roles,
        "group_peer_name": group,
    }


# --- chains -------------------------------------------------------------------


# Written and read here, not by cryptography: its PKCS#7 writer came in 37, and its readers
# differ by version (OpenSSL's before 35 takes BER and fails asserting on unknown content types).
def chain_to_pkcs7(certs) -> bytes:
    """A certs-only PKCS#7 SignedData (RFC 5652 5.1), DER: no digest algorithm, no signer."""
    # DER sorts a SET OF by encoding.
    encoded = sorted(certificate_to_der(cert) for cert in certs)
    signed_data = der.sequence(
        der.encode(der.INTEGER, b"\x01"),
        der.encode(der.SET, b""),
        der.sequence(der.object_identifier(OID_PKCS7_DATA)),
        der.encode(der.CONTEXT_0, b"".join(encoded)),
        der.encode(der.SET, b""),
    )
    return der.sequence(der.object_identifier(OID_PKCS7_SIGNED_DATA), der.encode(der.CONTEXT_0, signed_data))


def _pkcs7_certificates(data: bytes):
    """The DER certificates, unparsed, of a certs-only SignedData ContentInfo, or None for another layout.

    Anything but strict DER raises der.py's PeerError.
    """
    content_info = der.read_all(der.expect_one(data, der.SEQUENCE))
    if [tag for tag, _content in content_info] != [der.OBJECT_IDENTIFIER, der.CONTEXT_0]:
        return None
    if der.encode(der.OBJECT_IDENTIFIER, content_info[0][1]) != der.object_identifier(OID_PKCS7_SIGNED_DATA):
        return None
    fields = der.read_all(der.expect_one(content_info[1][1], der.SEQUENCE))
    # version, digestAlgorithms, encapContentInfo, [0] certificates, optional [1] crls, signerInfos
    if [tag for tag, _content in fields] not in ([der.INTEGER, der.SET, der.SEQUENCE, der.CONTEXT_0, der.SET],
                                                 [der.INTEGER, der.SET, der.SEQUENCE, der.CONTEXT_0, der.CONTEXT_1, der.SET]):
        return None
    encoded = []
    offset, certificates = 0, fields[3][1]
    while offset < len(certificates):
        tag, _content, end = der.read(certificates, offset)
        if tag != der.SEQUENCE:  # another CertificateChoices than an X.509 certificate
            return None
        encoded.append(certificates[offset:end])
        offset = end
    return encoded


def chain_from_pkcs7(data: bytes) -> list:
    """The certificates of a certs-only PKCS#7 SignedData (exactly one DER value), each ``readable``."""
    try:
        encoded = _pkcs7_certificates(data)
    except PeerError:
        encoded = None
    if encoded is None:
        raise PeerError("E_INVALIDARG", "GMC is not one DER-encoded certs-only PKCS#7 SignedData")
    if not encoded:
        raise PeerError("E_INVALIDARG", "GMC holds no certificate")
    # Counted before any is parsed: parsing is the work to bound.
    if len(encoded) > MAX_CHAIN_CERTIFICATES:
        raise PeerError(
            "PEER_E_CHAIN_TOO_LONG",
            "the chain holds %d certificates; at most %d (a GRC and 24 GMCs) are allowed" % (len(encoded), MAX_CHAIN_CERTIFICATES),
        )
    certs = []
    for item in encoded:
        try:
            certs.append(x509.load_der_x509_certificate(item))
        except UNREADABLE:
            raise PeerError("E_INVALIDARG", "GMC holds a certificate that does not parse") from None
    return [readable(cert) for cert in certs]


class ChainInfo(NamedTuple):
    certs: list
    leaf: object
    roles: list
    not_before: datetime.datetime
    not_after: datetime.datetime
    fingerprints: list
    subjects: list


def _check_key_and_algorithm(cert) -> None:
    key = readable(cert).public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_KEY_SIZE_ON_READ:
        raise _invalid("certificate %s must have an RSA key of at least %d bits" % (peer_name_of(cert), MIN_KEY_SIZE_ON_READ))
    if cert.signature_algorithm_oid.dotted_string not in _SIGNATURE_HASHES:
        raise _invalid("certificate %s uses an unsupported signature algorithm" % peer_name_of(cert))
    for extension in cert.extensions:
        if extension.critical and extension.oid.dotted_string not in _KNOWN_CRITICAL:
            raise _invalid("certificate %s has an unknown critical extension %s" % (peer_name_of(cert), extension.oid.dotted_string))


def _signed_by(child, parent) -> bool:
    # Not verify_directly_issued_by: it refuses SHA-1 (cryptography 42-50), which Windows signs with.
    algorithm = _SIGNATURE_HASHES.get(child.signature_algorithm_oid.dotted_string)
    if child.issuer != parent.subject or algorithm is None:
        return False
    try:
        parent.public_key().verify(child.signature, child.tbs_certificate_bytes, padding.PKCS1v15(), getattr(hashes, algorithm)())
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _order(certs, group_peer_name):
    """Root first, each certificate followed by the one it signed."""
    roots = [cert for cert in certs if cert.issuer == cert.subject and cert_type_of(cert) == TYPE_GRC]
    if len(roots) != 1:
        raise _invalid("the chain must have exactly one self-signed group root certificate")
    root = roots[0]
    if not _signed_by(root, root):
        raise _invalid("the group root certificate's signature does not verify")
    if peername.authority_for_key(root.public_key()) != peername.parse(group_peer_name).authority:
        raise _invalid("the group root key does not match the group peer name %s" % group_peer_name)
    ordered = [root]
    remaining = [cert for cert in certs if cert is not root]
    while remaining:
        parent = ordered[-1]
        child = next((cert for cert in remaining if cert.issuer == parent.subject and _signed_by(cert, parent)), None)
        if child is None:
            raise _invalid("certificate %s is not signed by its parent in the chain" % peer_name_of(remaining[0]))
        ordered.append(child)
        remaining.remove(child)
    return ordered


def verify_chain(certs, group_peer_name: str, identity_peer_name=None, now=None) -> ChainInfo:
    """Check a GMC chain by MS-PPSEC 2.2.5.2 and return it root first; see docs/certificates.md."""
    certs = list(certs)
    if len(certs) > MAX_CHAIN_CERTIFICATES:
        raise PeerError("PEER_E_CHAIN_TOO_LONG", "the chain holds %d certificates; at most %d are allowed" % (len(certs), MAX_CHAIN_CERTIFICATES))
    if len(certs) < 2:
        raise _invalid("the chain needs a group root certificate and at least one GMC")
    fingerprints = [fingerprint(cert) for cert in certs]
    if len(set(fingerprints)) != len(fingerprints):
        raise PeerError("PEER_E_CIRCULAR_CHAIN_DETECTED", "the chain holds the same certificate twice")
    for cert in certs:
        _check_key_and_algorithm(cert)
        if group_name_of(cert) != group_peer_name:
            raise _invalid("certificate %s is not for group %s" % (peer_name_of(cert), group_peer_name))
    ordered = _order(certs, group_peer_name)
    for parent, child in zip(ordered, ordered[1:]):
        if cert_type_of(child) != TYPE_GMC:
            raise _invalid("certificate %s is not a GMC" % peer_name_of(child))
        roles = roles_of(child)
        if not roles:
            raise _invalid("GMC %s carries no role" % peer_name_of(child))
        granted = frozenset(ROLES) if parent is ordered[0] else frozenset().union(*[ISSUABLE[role] for role in roles_of(parent)])
        if not set(roles) <= granted:
            raise _invalid("GMC %s has roles its issuer may not grant" % peer_name_of(child))
    leaf = ordered[-1]
    leaf_name = peer_name_of(leaf)
    if identity_peer_name is not None and leaf_name != identity_peer_name:
        raise _invalid("the leaf GMC is for %s, not for identity %s" % (leaf_name, identity_peer_name))
    if peername.authority_for_key(leaf.public_key()) != peername.parse(leaf_name).authority:
        raise _invalid("the leaf GMC's key does not match its peer name %s" % leaf_name)
    moment = now or clock.utcnow()
    for cert in ordered:
        if not not_before_of(cert) <= moment <= not_after_of(cert):
            raise PeerError(
                "PEER_E_INVALID_TIME_PERIOD",
                "certificate %s is valid from %s to %s, not now" % (peer_name_of(cert), _iso(not_before_of(cert)), _iso(not_after_of(cert))),
            )
    return ChainInfo(
        certs=ordered,
        leaf=leaf,
        roles=roles_of(leaf),
        not_before=not_before_of(leaf),
        not_after=not_after_of(leaf),
        fingerprints=[fingerprint(cert) for cert in ordered],
        subjects=[peer_name_of(cert) for cert in ordered],
    )


# --- identity certificates ----------------------------------------------------


def check_identity_certificate(cert, peer_name: str, private_key=None, now=None):
    """Check that ``cert`` is the identity certificate (IDC) of ``peer_name``; return it.

    Every IDC that enters the store or is read from a PEERIDENTITYINFO passes here: the
    store publishes it as the identity's public credential. With ``private_key`` its public
    half must be the certified key. Validity faults are PEER_E_INVALID_TIME_PERIOD, every
    other fault PEER_E_INVALID_CREDENTIAL (docs/format.md, PEERIDENTITYEXPORT).
    """
    authority = peername.parse(peer_name).authority
    if authority == "0":
        raise _invalid("identity %s has an unsecured peer name" % peer_name)
    _check_key_and_algorithm(cert)
    if len(cert.subject) != 1 or peer_name_of(cert) != peer_name:
        raise _invalid("the identity certificate's subject is not the peer name %s alone" % peer_name)
    if cert.issuer != cert.subject or not _signed_by(cert, cert):
        raise _invalid("the identity certificate of %s is not self-signed" % peer_name)
    if cert_type_of(cert) != TYPE_IDC:
        raise _invalid("the certificate of %s is not an identity certificate" % peer_name)
    if group_name_of(cert) != peer_name:
        raise _invalid("the identity certificate's peer-name extension does not name %s" % peer_name)
    if _read_dword(cert, OID_IDENTITY_FLAGS, "identity flags") != 0:
        raise _invalid("the identity certificate of %s has identity flags other than 0" % peer_name)
    if peername.authority_for_key(cert.public_key()) != authority:
        raise _invalid("the identity certificate's key does not match the peer name %s" % peer_name)
    if private_key is not None and not public_key_matches(private_key, cert):
        raise _invalid("the identity certificate does not hold the public half of its private key")
    moment = now or clock.utcnow()
    if not not_before_of(cert) <= moment <= not_after_of(cert):
        raise PeerError(
            "PEER_E_INVALID_TIME_PERIOD",
            "the identity certificate of %s is valid from %s to %s, not now" % (peer_name, _iso(not_before_of(cert)), _iso(not_after_of(cert))),
        )
    return cert
