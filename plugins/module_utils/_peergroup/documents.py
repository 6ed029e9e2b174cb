# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The XML documents: PEERGROUPCONFIG, PEERIDENTITYEXPORT, PEERIDENTITYINFO and PEERINVITATION.

Every document from outside goes through ``parse_xml`` (bounded, UTF-8 only,
no DTD, no entities, no network) and then a strict reader that accepts exactly
the layout of docs/format.md.  Our password seal travels in extension elements
of namespace ``urn:peernet:peergroup:1``; its associated data is a canonical
encoding of every parsed field, so changing any field breaks the seal.

PRIVATE to the collection: no compatibility promise outside it.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import struct
import sys
from typing import NamedTuple

try:
    from lxml import etree
except ImportError:  # deps.missing_requirements() reports it before any use
    etree = None

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import seal
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError, shown
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.digests import document_digest

MAX_DOCUMENT_SIZE = 1024 * 1024
DOCUMENT_VERSION = "1.0"
DT_NS = "urn:schemas-microsoft-com:datatypes"
PN_NS = "urn:peernet:peergroup:1"
# MS-PPSEC 2.2.3.1 allows 254 bytes of UTF-16 with the NUL: the tighter of the two documented limits.
MAX_CLOUD_NAME = 126
MAX_FRIENDLY_NAME = 255

GROUP_CONFIG_TAG = "PEERGROUPCONFIG"
IDENTITY_EXPORT_TAG = "PEERIDENTITYEXPORT"
IDENTITY_INFO_TAG = "PEERIDENTITYINFO"
INVITATION_TAG = "PEERINVITATION"

SCOPES = ("global", "site-local", "link-local")
SCOPE_TOKENS = {"global": "GLOBAL", "site-local": "SITELOCAL", "link-local": "LINKLOCAL"}
# Both the pnrpdef.h tokens and the spelling of Microsoft's template comment, compared lower-cased.
_SCOPE_SPELLINGS = {
    "global": "global",
    "sitelocal": "site-local",
    "site-local": "site-local",
    "linklocal": "link-local",
    "link-local": "link-local",
}

_DT_ATTR = "{%s}dt" % DT_NS
_BASE64_ATTRS = {_DT_ATTR: "bin.base64"}
_XML_SPACE = " \t\r\n"
_GROUP_FRIENDLY_NAME_TAG = "{%s}GROUPFRIENDLYNAME" % PN_NS
_GROUP_CONFIG_CHILDREN = (
    "IDENTITYPEERNAME",
    "GROUPPEERNAME",
    "CLOUDNAME",
    "SCOPE",
    "CLOUDFLAGS",
    "GMC",
    "{%s}SEAL" % PN_NS,
)
_GROUP_CONFIG_NAMED_CHILDREN = _GROUP_CONFIG_CHILDREN[:-1] + (_GROUP_FRIENDLY_NAME_TAG,) + _GROUP_CONFIG_CHILDREN[-1:]
_INVITATION_CHILDREN = ("CLOUDNAME", "SCOPE", "CLOUDFLAGS", "GMC", "{%s}SIGNATURE" % PN_NS)
_INVITATION_NAMED_CHILDREN = _INVITATION_CHILDREN[:-1] + (_GROUP_FRIENDLY_NAME_TAG,) + _INVITATION_CHILDREN[-1:]
_IDENTITY_EXPORT_CHILDREN = ("PEERNAME", "DATA", "{%s}SEAL" % PN_NS)
_SEAL_CHILDREN = tuple("{%s}%s" % (PN_NS, name) for name in ("KDF", "SALT", "KCV", "NONCE", "CIPHERTEXT"))
_KDF_ATTRS = {"name": None, "n": None, "r": None, "p": None}

_DECLARATION = re.compile(r"<\?xml\s[^>]*?\?>")
_DECLARED_ENCODING = re.compile(r"""\sencoding\s*=\s*["']([^"']*)["']""")
_MARKUP_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# The characters XML 1.0 cannot carry, listed rather than negated: a negated class reaching
# U+10FFFF costs about 10 ms to compile in every module process.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,9}")
_STRICT_BASE64 = sys.version_info >= (3, 11)


def _invalid(message: str) -> PeerError:
    return PeerError("E_INVALIDARG", message)


def _label(tag: str) -> str:
    prefix = "{%s}" % PN_NS
    return "pn:" + tag[len(prefix):] if tag.startswith(prefix) else tag


def _escape(text: str) -> str:
    # A literal CR would come back as LF (XML end-of-line handling): write it as a reference.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


# --- hardened parsing ---------------------------------------------------------


def parse_xml(data: bytes, root_tag: str):
    """Parse untrusted bytes into an lxml root element named ``root_tag`` with ``VERSION="1.0"``.

    Refuses, with ``E_INVALIDARG``: more than ``MAX_DOCUMENT_SIZE`` bytes, anything
    but UTF-8, DTDs and entity declarations, comments, processing instructions,
    other root elements and root attributes other than VERSION.  A VERSION other
    than 1.0 is ``PEER_E_UNSUPPORTED_VERSION``.
    """
    if not isinstance(data, bytes):
        raise _invalid("a document must be given as bytes")
    if len(data) > MAX_DOCUMENT_SIZE:
        raise _invalid("the document is %d bytes; the limit is %d" % (len(data), MAX_DOCUMENT_SIZE))
    # Also catches the UTF-32 little-endian mark, which starts the same way.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _invalid("the document is UTF-16 or UTF-32; only UTF-8 is accepted")
    if b"\x00" in data:
        raise _invalid("the document contains NUL bytes (UTF-16 or UTF-32 without a byte-order mark?); only UTF-8 is accepted")
    body = data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid("the document is not valid UTF-8 (byte %d)" % exc.start) from None
    declaration = _DECLARATION.match(text)
    if declaration:
        encoding = _DECLARED_ENCODING.search(declaration.group(0))
        if encoding and encoding.group(1).lower() != "utf-8":
            raise _invalid("the XML declaration names encoding %s; only UTF-8 is accepted" % shown(encoding.group(1)))
    if _MARKUP_DECLARATION.search(body):
        raise _invalid("DOCTYPE and ENTITY declarations are not allowed")

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _invalid("the document is not well-formed XML: %s" % shown(exc)) from None
    docinfo = root.getroottree().docinfo
    # Second line of defence behind the byte scan above.
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _invalid("DOCTYPE and ENTITY declarations are not allowed")
    outside = list(root.itersiblings(preceding=True)) + list(root.itersiblings())
    for node in outside + list(root.iter()):
        if node.tag is etree.Comment:
            raise _invalid("comments are not allowed")
        if node.tag is etree.PI:
            raise _invalid("processing instructions are not allowed")
        if node.tag is etree.Entity:
            raise _invalid("entity references are not allowed")

    if root.tag != root_tag:
        raise _invalid("expected a %s document, found %s" % (root_tag, shown(str(root.tag))))
    version = root.get("VERSION")
    if version is None:
        raise _invalid("%s has no VERSION attribute" % root_tag)
    if version != DOCUMENT_VERSION:
        raise PeerError(
            "PEER_E_UNSUPPORTED_VERSION",
            "%s VERSION %s is not supported (only %s)" % (root_tag, shown(version), DOCUMENT_VERSION),
        )
    _check_attributes(root, {"VERSION": None})
    return root


def _is_space(text) -> bool:
    return text is None or not text.strip(_XML_SPACE)


def _check_attributes(element, expected: dict) -> None:
    """``expected`` maps each attribute to its required value, or None for any value."""
    name = _label(element.tag)
    for attribute in element.attrib:
        if attribute not in expected:
            raise _invalid("%s has an unexpected attribute %s" % (name, shown(str(attribute))))
    for attribute, value in expected.items():
        found = element.get(attribute)
        shown_attribute = "dt:dt" if attribute == _DT_ATTR else attribute
        if found is None:
            raise _invalid("%s lacks the attribute %s" % (name, shown_attribute))
        if value is not None and found != value:
            raise _invalid("%s attribute %s must be %s, not %s" % (name, shown_attribute, shown(value), shown(found)))


def _children(element, expected: tuple) -> list:
    """Return the child elements if they are exactly ``expected``, in order, with only whitespace around."""
    name = _label(element.tag)
    children = list(element)
    if not _is_space(element.text) or any(not _is_space(child.tail) for child in children):
        raise _invalid("%s holds text outside its child elements" % name)
    tags = [child.tag for child in children]
    for index, tag in enumerate(tags):
        if tag not in expected:
            raise _invalid("%s holds an unexpected element %s" % (name, shown(_label(str(tag)))))
        if tag in tags[:index]:
            raise _invalid("%s holds %s more than once" % (name, _label(tag)))
        if tag != expected[index]:
            if expected[index] not in tags:
                raise _invalid("%s lacks %s" % (name, _label(expected[index])))
            raise _invalid("%s is out of order in %s (expected %s there)" % (_label(tag), name, _label(expected[index])))
    if len(tags) < len(expected):
        raise _invalid("%s lacks %s" % (name, _label(expected[len(tags)])))
    return children


def _leaf_text(element, attributes: dict | None = None) -> str:
    """Text of an element that must hold text only, with exactly ``attributes``."""
    if len(element):
        raise _invalid("%s must hold text, not elements" % _label(element.tag))
    _check_attributes(element, attributes or {})
    return element.text or ""


def _token(element) -> str:
    # Tokens (scope, flags) may be padded by pretty-printers; names and clouds are kept verbatim.
    return _leaf_text(element).strip(_XML_SPACE)


def _base64(element, attributes: dict | None = None) -> bytes:
    """Strict base64 (whitespace allowed between characters), the same on every Python."""
    name = _label(element.tag)
    text = "".join(_leaf_text(element, attributes).split())
    if not _STRICT_BASE64 and not _BASE64.fullmatch(text):
        raise _invalid("%s is not valid base64" % name)
    try:
        if _STRICT_BASE64:
            data = binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
        else:
            data = binascii.a2b_base64(text.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raise _invalid("%s is not valid base64" % name) from None
    # Non-zero padding bits would give one value two spellings.
    if base64.b64encode(data).decode("ascii") != text:
        raise _invalid("%s is not canonical base64 (non-zero padding bits)" % name)
    return data


def _decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text):
        raise _invalid("%s must be a decimal integer, not %s" % (what, shown(text)))
    return int(text)


# --- field rules ----------------------------------------------------------------


def _secure_peer_name(text: str, what: str) -> str:
    try:
        name = peername.parse(text)
    except PeerError as exc:
        raise PeerError(exc.name, "%s: %s" % (what, exc.message)) from None
    if name.authority == "0":
        raise PeerError("PEER_E_INVALID_PEER_NAME", "%s must be a secure peer name, not an unsecured 0.<classifier> name" % what)
    return str(name)


def validate_cloud_name(text: str) -> str:
    """Cloud names are opaque and case-sensitive: 1..126 UTF-16 code units an XML file can carry."""
    if not isinstance(text, str) or not text:
        raise _invalid("the cloud name must not be empty")
    if len(text.encode("utf-16-le", "surrogatepass")) // 2 > MAX_CLOUD_NAME:
        raise _invalid("the cloud name is longer than %d UTF-16 code units" % MAX_CLOUD_NAME)
    if _NOT_XML_CHAR.search(text):
        raise _invalid("the cloud name contains NUL or another character XML 1.0 cannot carry")
    return text


def validate_friendly_name(text) -> str:
    """A display name (identity or group): 1..255 characters an XML file can carry, kept verbatim."""
    if not isinstance(text, str) or not text or len(text) > MAX_FRIENDLY_NAME or _NOT_XML_CHAR.search(text):
        raise PeerError(
            "PEER_E_INVALID_FRIENDLY_NAME",
            "friendly name must be 1 to %d characters without NUL or another character XML 1.0 cannot carry" % MAX_FRIENDLY_NAME,
        )
    return text


def read_scope(text: str) -> str:
    """Canonical scope ("global", "site-local", "link-local") of either spelling, any case."""
    scope = _SCOPE_SPELLINGS.get(text.lower())
    if scope is None:
        raise _invalid("SCOPE %s is not one of GLOBAL, SITELOCAL, LINKLOCAL" % shown(text))
    return scope


def _check_scope(scope: str) -> str:
    if scope not in SCOPE_TOKENS:
        raise _invalid("scope must be one of %s" % ", ".join(SCOPES))
    return scope


def _check_flags(flags) -> int:
    if flags not in (0, 1) or isinstance(flags, bool):
        raise _invalid("CLOUDFLAGS must be 0 (public cloud name) or 1 (local cloud name)")
    return flags


def _read_cloud(cloud_el, scope_el, flags_el) -> tuple:
    """``(cloud, scope, flags)`` of CLOUDNAME, SCOPE and CLOUDFLAGS, each checked."""
    try:
        cloud = validate_cloud_name(_leaf_text(cloud_el))
    except PeerError as exc:
        raise _invalid("CLOUDNAME: %s" % exc.message) from None
    return cloud, read_scope(_token(scope_el)), _check_flags(_decimal(_token(flags_el), "CLOUDFLAGS"))


def _check_group_key(der: bytes, group_peer_name: str, validate: bool = True) -> None:
    """The group key must be the key the group peer name commits to."""
    key = certs.private_key_from_der(der, validate=validate)
    if peername.authority_for_key(key.public_key()) != peername.parse(group_peer_name).authority:
        raise PeerError("PEER_E_INVALID_CREDENTIAL", "the group key does not belong to group %s" % group_peer_name)


def _check_identity_key(peer_name: str, private_key, certificate) -> None:
    if not certs.public_key_matches(private_key, certificate):
        raise PeerError("PEER_E_INVALID_CREDENTIAL", "the identity certificate does not hold the public half of its private key")
    if peername.authority_for_key(private_key.public_key()) != peername.parse(peer_name).authority:
        raise PeerError("PEER_E_INVALID_CREDENTIAL", "the identity key does not belong to peer name %s" % peer_name)


# --- the seal element -------------------------------------------------------------


class _SealFields(NamedTuple):
    kdf: seal.KdfParams
    salt: bytes
    kcv: bytes
    nonce: bytes
    ciphertext: bytes


def _read_seal(element) -> _SealFields:
    _check_attributes(element, {})
    kdf_el, salt_el, kcv_el, nonce_el, ciphertext_el = _children(element, _SEAL_CHILDREN)
    if _leaf_text(kdf_el, _KDF_ATTRS):
        raise _invalid("pn:KDF must be empty")
    kdf = seal.KdfParams(
        name=kdf_el.get("name"),
        n=_decimal(kdf_el.get("n"), "pn:KDF n"),
        r=_decimal(kdf_el.get("r"), "pn:KDF r"),
        p=_decimal(kdf_el.get("p"), "pn:KDF p"),
    )
    # Before any derivation: a hostile document must not choose our cost.
    seal.check_kdf(kdf)
    fields = _SealFields(kdf, _base64(salt_el), _base64(kcv_el), _base64(nonce_el), _base64(ciphertext_el))
    for value, size, what in (
        (fields.salt, seal.SALT_SIZE, "pn:SALT"),
        (fields.kcv, seal.KCV_SIZE, "pn:KCV"),
        (fields.nonce, seal.NONCE_SIZE, "pn:NONCE"),
    ):
        if len(value) != size:
            raise _invalid("%s must be %d bytes, not %d" % (what, size, len(value)))
    if len(fields.ciphertext) < seal.TAG_SIZE:
        raise _invalid("pn:CIPHERTEXT is shorter than the %d-byte tag" % seal.TAG_SIZE)
    return fields


class _SealedDocument(object):
    """A parsed document before the password: its seal and the digest of its bytes."""

    def __init__(self, sealed: _SealFields, digest):
        self.kdf, self.salt, self.kcv, self.nonce, self.ciphertext = sealed
        self.digest = digest

    def _unseal(self, cache: seal.KeyCache, aad: bytes) -> tuple:
        """``(seal_key, payload)``: ``ERROR_INVALID_PASSWORD`` or ``E_INVALIDARG`` (altered) otherwise."""
        seal_key = cache.derive(self.kdf, self.salt)
        return seal_key, seal.open_seal(seal_key, self.kcv, aad, self.nonce, self.ciphertext)


def _seal_lines(kdf: seal.KdfParams, salt: bytes, kcv: bytes, nonce: bytes, ciphertext: bytes) -> list:
    return [
        '  <pn:SEAL xmlns:pn="%s">' % PN_NS,
        '    <pn:KDF name="%s" n="%d" r="%d" p="%d"/>' % (kdf.name, kdf.n, kdf.r, kdf.p),
        "    <pn:SALT>%s</pn:SALT>" % _b64(salt),
        "    <pn:KCV>%s</pn:KCV>" % _b64(kcv),
        "    <pn:NONCE>%s</pn:NONCE>" % _b64(nonce),
        "    <pn:CIPHERTEXT>%s</pn:CIPHERTEXT>" % _b64(ciphertext),
        "  </pn:SEAL>",
    ]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _base64_element(tag: str, data: bytes) -> str:
    return '  <%s xmlns:dt="%s" dt:dt="bin.base64">%s</%s>' % (tag, DT_NS, _b64(data), tag)


def _document(lines: list) -> bytes:
    return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>'] + lines + [""]).encode("utf-8")


def encode_aad(fields: list) -> bytes:
    """Each field as a 4-byte big-endian length then its bytes (docs/format.md, "Associated data")."""
    return b"".join(struct.pack(">I", len(field)) + field for field in fields)


def _seal_aad(kdf: seal.KdfParams, salt: bytes, kcv: bytes, nonce: bytes) -> list:
    return [kdf.name.encode("ascii"), b"%d" % kdf.n, b"%d" % kdf.r, b"%d" % kdf.p, salt, kcv, nonce]


# --- PEERGROUPCONFIG -----------------------------------------------------------------


class GroupConfig(NamedTuple):
    """The canonical content of one ``(identity, group)`` configuration."""

    identity_peer_name: str
    group_peer_name: str
    cloud: str
    scope: str
    cloud_flags: int
    chain: tuple
    group_key: bytes | None
    # Display only; None when the document carries none (written before the name travelled).
    group_friendly_name: str | None = None

    def public_fields(self) -> dict:
        """Every field but the group key."""
        fields = dict(self._asdict())
        del fields["group_key"]
        return fields

    def diff_fields(self, other: GroupConfig) -> list:
        """Names of the fields that differ; the group key is compared by value, reported by name only."""
        differing = []
        for name in self._fields:
            mine, theirs = getattr(self, name), getattr(other, name)
            if name == "chain":
                mine, theirs = tuple(mine), tuple(theirs)
            if mine != theirs:
                differing.append(name)
        return differing

    def __repr__(self) -> str:
        fields = self.public_fields()
        fields["chain"] = "<%d certificates>" % len(self.chain)
        fields["group_key"] = None if self.group_key is None else "<redacted>"
        return "GroupConfig(%s)" % ", ".join("%s=%s" % (name, value if name in ("chain", "group_key") else repr(value)) for name, value in fields.items())


def _group_aad(identity, group, cloud, scope, flags, chain_der, friendly_name, kdf, salt, kcv, nonce) -> bytes:
    # Without a friendly name the fields are those of documents written before it existed, so
    # they still open; with one, its label and value come after the GMC and bind it.
    named = [b"GROUPFRIENDLYNAME", friendly_name.encode("utf-8")] if friendly_name is not None else []
    return encode_aad(
        [
            GROUP_CONFIG_TAG.encode("ascii"),
            DOCUMENT_VERSION.encode("ascii"),
            identity.encode("utf-8"),
            group.encode("utf-8"),
            cloud.encode("utf-8"),
            SCOPE_TOKENS[scope].encode("ascii"),
            b"%d" % flags,
            chain_der,
        ]
        + named
        + _seal_aad(kdf, salt, kcv, nonce)
    )


class SealedGroupConfig(_SealedDocument):
    """A parsed PEERGROUPCONFIG before the password: public fields plus the seal."""

    def __init__(self, identity_peer_name, group_peer_name, cloud, scope, cloud_flags, chain_der, certificates, sealed, digest,
                 group_friendly_name=None):
        self.identity_peer_name = identity_peer_name
        self.group_peer_name = group_peer_name
        self.cloud = cloud
        self.scope = scope
        self.cloud_flags = cloud_flags
        self.chain_der = chain_der
        self.group_friendly_name = group_friendly_name
        self.certificates = certificates
        super(SealedGroupConfig, self).__init__(sealed, digest)

    @property
    def group_key_included(self) -> bool:
        return len(self.ciphertext) > seal.TAG_SIZE

    def open(self, cache: seal.KeyCache, check_key: bool = True) -> GroupConfig:
        """Check the password and the seal; ``ERROR_INVALID_PASSWORD`` or ``E_INVALIDARG`` (altered).

        ``check_key=False`` skips the consistency check of the group key, for a caller that only
        compares the content with the store's and takes nothing from it.
        """
        aad = _group_aad(
            self.identity_peer_name, self.group_peer_name, self.cloud, self.scope, self.cloud_flags,
            self.chain_der, self.group_friendly_name, self.kdf, self.salt, self.kcv, self.nonce,
        )
        group_key = self._unseal(cache, aad)[1] or None
        if group_key is not None:
            _check_group_key(group_key, self.group_peer_name, validate=check_key)
        return GroupConfig(
            identity_peer_name=self.identity_peer_name,
            group_peer_name=self.group_peer_name,
            cloud=self.cloud,
            scope=self.scope,
            cloud_flags=self.cloud_flags,
            chain=tuple(certs.certificate_to_der(cert) for cert in self.certificates),
            group_key=group_key,
            group_friendly_name=self.group_friendly_name,
        )


def parse_group_config(data: bytes) -> SealedGroupConfig:
    """Read a PEERGROUPCONFIG document; no password needed, no KDF run."""
    root = parse_xml(data, GROUP_CONFIG_TAG)
    if any(child.tag == _GROUP_FRIENDLY_NAME_TAG for child in root):
        identity_el, group_el, cloud_el, scope_el, flags_el, gmc_el, name_el, seal_el = _children(root, _GROUP_CONFIG_NAMED_CHILDREN)
        friendly_name = _document_friendly_name(_leaf_text(name_el))
    else:
        identity_el, group_el, cloud_el, scope_el, flags_el, gmc_el, seal_el = _children(root, _GROUP_CONFIG_CHILDREN)
        friendly_name = None
    identity = _secure_peer_name(_leaf_text(identity_el), "IDENTITYPEERNAME")
    group = _secure_peer_name(_leaf_text(group_el), "GROUPPEERNAME")
    cloud, scope, flags = _read_cloud(cloud_el, scope_el, flags_el)
    sealed = _read_seal(seal_el)
    chain_der = _base64(gmc_el, _BASE64_ATTRS)
    certificates = certs.chain_from_pkcs7(chain_der)
    return SealedGroupConfig(identity, group, cloud, scope, flags, chain_der, certificates, sealed, document_digest(data), friendly_name)


def _document_friendly_name(text: str) -> str:
    try:
        return validate_friendly_name(text)
    except PeerError as exc:
        raise PeerError(exc.name, "pn:GROUPFRIENDLYNAME: %s" % exc.message) from None


def _group_lines(cloud, scope, flags, chain_der, friendly_name):
    """The group's elements a PEERGROUPCONFIG and a PEERINVITATION both carry, in document order."""
    lines = [
        "  <CLOUDNAME>%s</CLOUDNAME>" % _escape(cloud),
        "  <SCOPE>%s</SCOPE>" % SCOPE_TOKENS[scope],
        "  <CLOUDFLAGS>%d</CLOUDFLAGS>" % flags,
        _base64_element("GMC", chain_der),
    ]
    if friendly_name is not None:
        lines.append('  <pn:GROUPFRIENDLYNAME xmlns:pn="%s">%s</pn:GROUPFRIENDLYNAME>' % (PN_NS, _escape(friendly_name)))
    return lines


def render_group_config(config: GroupConfig, seal_key: seal.SealKey, nonce: bytes | None = None) -> bytes:
    """Write and seal a PEERGROUPCONFIG document (UTF-8).

    ``nonce`` is for reproducible test vectors only; leave it unset.
    """
    identity = _secure_peer_name(config.identity_peer_name, "identity peer name")
    group = _secure_peer_name(config.group_peer_name, "group peer name")
    cloud = validate_cloud_name(config.cloud)
    scope = _check_scope(config.scope)
    flags = _check_flags(config.cloud_flags)
    friendly_name = _document_friendly_name(config.group_friendly_name) if config.group_friendly_name is not None else None
    if config.group_key is not None:
        # A key being sealed comes from the store, which it entered checked (generated here, or
        # opened by SealedGroupConfig.open): matching its public half to the name is enough.
        _check_group_key(config.group_key, group, validate=False)
    chain_der = certs.chain_to_pkcs7([certs.certificate_from_der(der) for der in config.chain])
    kdf, salt, kcv = seal_key.params, seal_key.salt, seal_key.kcv
    nonce = nonce if nonce is not None else seal.new_nonce()
    aad = _group_aad(identity, group, cloud, scope, flags, chain_der, friendly_name, kdf, salt, kcv, nonce)
    nonce, ciphertext = seal.seal(seal_key, aad, config.group_key or b"", nonce)
    lines = [
        '<%s VERSION="%s">' % (GROUP_CONFIG_TAG, DOCUMENT_VERSION),
        "  <IDENTITYPEERNAME>%s</IDENTITYPEERNAME>" % _escape(identity),
        "  <GROUPPEERNAME>%s</GROUPPEERNAME>" % _escape(group),
    ] + _group_lines(cloud, scope, flags, chain_der, friendly_name)
    lines += _seal_lines(kdf, salt, kcv, nonce, ciphertext)
    lines.append("</%s>" % GROUP_CONFIG_TAG)
    return _document(lines)


# --- PEERIDENTITYEXPORT ---------------------------------------------------------------


def _identity_aad(peer_name, data, kdf, salt, kcv, nonce) -> bytes:
    return encode_aad(
        [IDENTITY_EXPORT_TAG.encode("ascii"), DOCUMENT_VERSION.encode("ascii"), peer_name.encode("utf-8"), data]
        + _seal_aad(kdf, salt, kcv, nonce)
    )


class IdentityExport(_SealedDocument):
    """A parsed PEERIDENTITYEXPORT before the password: the peer name, the PKCS#12 and the seal."""

    def __init__(self, peer_name, data, sealed, digest):
        self.peer_name = peer_name
        self.data = data
        super(IdentityExport, self).__init__(sealed, digest)

    def open(self, cache: seal.KeyCache) -> tuple:
        """Return ``(peer_name, private_key_der, certificate_der)``.

        The seal is checked first, so a wrong password is ``ERROR_INVALID_PASSWORD``
        and an altered document ``E_INVALIDARG`` before the PKCS#12 is touched.
        """
        seal_key = self.open_seal(cache)
        pfx = _pfx()
        try:
            key_der, certificate_der = pfx.read(self.data, seal_key.pkcs12_password())
        except PeerError as exc:
            raise _invalid(
                "%s (an identity export written before DATA took the derived PKCS#12 password: export the identity again)"
                % exc.message
            ) from None
        private_key = certs.private_key_from_der(key_der)
        certificate = certs.certificate_from_der(certificate_der)
        _check_identity_key(self.peer_name, private_key, certificate)
        return self.peer_name, certs.private_key_to_der(private_key), certs.certificate_to_der(certificate)

    def open_seal(self, cache: seal.KeyCache) -> seal.SealKey:
        """Check the password and the seal; return the key they derive."""
        return self._unseal(cache, _identity_aad(self.peer_name, self.data, self.kdf, self.salt, self.kcv, self.nonce))[0]


def _pfx():
    """pfx.py, imported by the identity exports alone: every other module process is spared compiling it."""
    from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import pfx

    return pfx


def parse_identity_export(data: bytes) -> IdentityExport:
    """Read a PEERIDENTITYEXPORT document; no password needed, no KDF run."""
    root = parse_xml(data, IDENTITY_EXPORT_TAG)
    name_el, data_el, seal_el = _children(root, _IDENTITY_EXPORT_CHILDREN)
    peer_name = _secure_peer_name(_leaf_text(name_el), "PEERNAME")
    sealed = _read_seal(seal_el)
    if len(sealed.ciphertext) != seal.TAG_SIZE:
        raise _invalid("pn:CIPHERTEXT of an identity export must be the bare %d-byte tag" % seal.TAG_SIZE)
    pkcs12_data = _base64(data_el, _BASE64_ATTRS)
    if not pkcs12_data:
        raise _invalid("DATA is empty")
    return IdentityExport(peer_name, pkcs12_data, sealed, document_digest(data))


def render_identity_export(peer_name: str, private_key, certificate, seal_key: seal.SealKey, nonce: bytes | None = None) -> bytes:
    """Write and seal a PEERIDENTITYEXPORT: DATA is our PKCS#12 under ``seal_key``'s derived PKCS#12 password.

    ``nonce`` is for reproducible test vectors only; leave it unset.
    """
    peer_name = _secure_peer_name(peer_name, "identity peer name")
    _check_identity_key(peer_name, private_key, certificate)
    pkcs12_data = _pfx().write(
        certs.private_key_to_der(private_key), certs.certificate_to_der(certificate), peer_name, seal_key.pkcs12_password()
    )
    kdf, salt, kcv = seal_key.params, seal_key.salt, seal_key.kcv
    nonce = nonce if nonce is not None else seal.new_nonce()
    nonce, ciphertext = seal.seal(seal_key, _identity_aad(peer_name, pkcs12_data, kdf, salt, kcv, nonce), b"", nonce)
    lines = [
        '<%s VERSION="%s">' % (IDENTITY_EXPORT_TAG, DOCUMENT_VERSION),
        "  <PEERNAME>%s</PEERNAME>" % _escape(peer_name),
        _base64_element("DATA", pkcs12_data),
    ]
    lines += _seal_lines(kdf, salt, kcv, nonce, ciphertext)
    lines.append("</%s>" % IDENTITY_EXPORT_TAG)
    return _document(lines)


def identity_pkcs12_password(data: bytes, password: str) -> str:
    """The password that opens DATA of an identity export with other tools (``openssl pkcs12``).

    Costs one scrypt run; a wrong password is ``ERROR_INVALID_PASSWORD``.
    """
    return parse_identity_export(data).open_seal(seal.KeyCache(password)).pkcs12_password().decode("ascii")


# --- PEERIDENTITYINFO -------------------------------------------------------------------


def render_identity_info(certificate) -> bytes:
    """The public PEERIDENTITYINFO of an identity: its IDC as a certs-only PKCS#7, base64."""
    lines = [
        '<%s VERSION="%s">' % (IDENTITY_INFO_TAG, DOCUMENT_VERSION),
        _base64_element("IDC", certs.chain_to_pkcs7([certificate])),
        "</%s>" % IDENTITY_INFO_TAG,
    ]
    return _document(lines)


def parse_identity_info(data: bytes, now=None):
    """The identity certificate of a PEERIDENTITYINFO, checked as the IDC of its subject's peer name."""
    root = parse_xml(data, IDENTITY_INFO_TAG)
    (idc_el,) = _children(root, ("IDC",))
    chain = certs.chain_from_pkcs7(_base64(idc_el, _BASE64_ATTRS))
    if len(chain) != 1:
        raise _invalid("IDC must hold exactly one certificate, not %d" % len(chain))
    certificate = chain[0]
    try:
        peer_name = _secure_peer_name(certs.peer_name_of(certificate), "the IDC's subject")
    except PeerError as exc:
        # The certificate's own fault, as check_identity_certificate reports the others.
        raise PeerError("PEER_E_INVALID_CREDENTIAL", exc.message) from None
    return certs.check_identity_certificate(certificate, peer_name, now=now)


# --- PEERINVITATION -------------------------------------------------------------------


class Invitation(NamedTuple):
    """A parsed PEERINVITATION, before its chain and signature are verified (``verify_invitation``)."""

    cloud: str
    scope: str
    cloud_flags: int
    chain_der: bytes
    certificates: list
    group_friendly_name: str | None
    signature: bytes
    digest: str


def _invitation_signed_data(cloud, scope, flags, chain_der, friendly_name) -> bytes:
    named = [b"GROUPFRIENDLYNAME", friendly_name.encode("utf-8")] if friendly_name is not None else []
    return encode_aad(
        [INVITATION_TAG.encode("ascii"), DOCUMENT_VERSION.encode("ascii"), cloud.encode("utf-8"),
         SCOPE_TOKENS[scope].encode("ascii"), b"%d" % flags, chain_der] + named
    )


def parse_invitation(data: bytes) -> Invitation:
    """Read a PEERINVITATION strictly; nothing is trusted until ``verify_invitation``."""
    root = parse_xml(data, INVITATION_TAG)
    if any(child.tag == _GROUP_FRIENDLY_NAME_TAG for child in root):
        cloud_el, scope_el, flags_el, gmc_el, name_el, signature_el = _children(root, _INVITATION_NAMED_CHILDREN)
        friendly_name = _document_friendly_name(_leaf_text(name_el))
    else:
        cloud_el, scope_el, flags_el, gmc_el, signature_el = _children(root, _INVITATION_CHILDREN)
        friendly_name = None
    cloud, scope, flags = _read_cloud(cloud_el, scope_el, flags_el)
    signature = _base64(signature_el)
    if not signature:
        raise _invalid("pn:SIGNATURE is empty")
    chain_der = _base64(gmc_el, _BASE64_ATTRS)
    certificates = certs.chain_from_pkcs7(chain_der)
    return Invitation(cloud, scope, flags, chain_der, certificates, friendly_name, signature, document_digest(data))


def _not_trusted(message: str) -> PeerError:
    return PeerError("PEER_E_INVITATION_NOT_TRUSTED", message)


def verify_invitation(invitation: Invitation, now=None):
    """The verified chain (``certs.ChainInfo``) of an invitation whose issuer signed every field.

    A chain fault that is not about time, length or a cycle is PEER_E_INVITATION_NOT_TRUSTED, as
    PeerGroupJoin reports it; so is a signature that the leaf's issuer did not make.
    """
    try:
        group = certs.group_name_of(invitation.certificates[0])
        if group is None:
            raise _not_trusted("the GMC chain names no group")
        chain = certs.verify_chain(invitation.certificates, group, now=now)
    except PeerError as exc:
        if exc.name == "PEER_E_INVALID_CREDENTIAL":
            raise _not_trusted(exc.message) from None
        raise
    signed = _invitation_signed_data(invitation.cloud, invitation.scope, invitation.cloud_flags, invitation.chain_der,
                                     invitation.group_friendly_name)
    if not certs.signature_verifies(chain.certs[-2].public_key(), invitation.signature, signed):
        raise _not_trusted("pn:SIGNATURE is not the leaf issuer's signature over this invitation (altered, or signed by another key)")
    return chain


def render_invitation(cloud: str, scope: str, cloud_flags: int, chain, group_friendly_name, signing_key) -> bytes:
    """Write a PEERINVITATION for ``chain`` (certificates), signed by the leaf issuer's ``signing_key``."""
    cloud = validate_cloud_name(cloud)
    scope = _check_scope(scope)
    flags = _check_flags(cloud_flags)
    friendly_name = _document_friendly_name(group_friendly_name) if group_friendly_name is not None else None
    chain_der = certs.chain_to_pkcs7(chain)
    signature = certs.sign(signing_key, _invitation_signed_data(cloud, scope, flags, chain_der, friendly_name))
    lines = [
        '<%s VERSION="%s">' % (INVITATION_TAG, DOCUMENT_VERSION),
    ] + _group_lines(cloud, scope, flags, chain_der, friendly_name)
    lines.append('  <pn:SIGNATURE xmlns:pn="%s">%s</pn:SIGNATURE>' % (PN_NS, _b64(signature)))
    lines.append("</%s>" % INVITATION_TAG)
    return _document(lines)
