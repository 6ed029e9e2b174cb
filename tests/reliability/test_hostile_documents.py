# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile and broken documents against the import path (issue item 1).

Every case is built here from real documents of the session's world (see
reliability_kit.World) and fed to ``configs.plan_group_config_import`` or
``plan_identity_import`` against a real store; the plan is applied if one comes
back.  Each must end in a PeerError with the expected HRESULT, leave every file
of the store byte-for-byte as it was, and name no secret.  Durations are
recorded (docs/reliability.md), not asserted: timing goals live in ``make bench``.
"""

from __future__ import annotations

import base64
import codecs
import datetime
import functools
import os
import re
import select
import socket
import subprocess
import time
from typing import NamedTuple

import pytest

import processes
import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import seal
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError

INVALID = "E_INVALIDARG"
VERSION = "PEER_E_UNSUPPORTED_VERSION"
PASSWORD = "ERROR_INVALID_PASSWORD"
CREDENTIAL = "PEER_E_INVALID_CREDENTIAL"
PEER_NAME = "PEER_E_INVALID_PEER_NAME"
EXISTS = "PEER_E_ALREADY_EXISTS"
# docs/format.md "Chain rules" names PEER_E_INVITATION_NOT_TRUSTED for a bad chain; certs.py raises
# PEER_E_INVALID_CREDENTIAL (docs/reliability.md, Findings). Either is a clean, specific refusal.
NOT_TRUSTED = {"PEER_E_INVITATION_NOT_TRUSTED", CREDENTIAL}
CIRCULAR = {"PEER_E_CIRCULAR_CHAIN_DETECTED"}
TIME = {"PEER_E_INVALID_TIME_PERIOD"}
TOO_LONG = {"PEER_E_CHAIN_TOO_LONG", INVALID}

CONFIG_CHILDREN = ("IDENTITYPEERNAME", "GROUPPEERNAME", "CLOUDNAME", "SCOPE", "CLOUDFLAGS", "GMC", "pn:SEAL")
IDENTITY_CHILDREN = ("PEERNAME", "DATA", "pn:SEAL")
SEAL_CHILDREN = ("pn:KDF", "pn:SALT", "pn:KCV", "pn:NONCE", "pn:CIPHERTEXT")


class Case(NamedTuple):
    kind: str  # "config" or "identity"
    data: bytes
    expected: frozenset
    overwrite: str = "never"
    memberships: tuple = ()
    password: str | None = None  # None: the world's password


def case(kind, data, expected, **options):
    expected = frozenset([expected] if isinstance(expected, str) else expected)
    return Case(kind, data, expected, **options)


class Context(object):
    """Per-run helpers: a listening socket that must never be contacted."""

    def __init__(self, world):
        self.world = world
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.setblocking(False)
        self.url = "http://127.0.0.1:%d" % self.listener.getsockname()[1]

    def contacted(self):
        # A parser that fetched would have connected before returning: the connection is already queued.
        readable, _w, _x = select.select([self.listener], [], [], 0)
        return bool(readable)

    def close(self):
        self.listener.close()


# --- text surgery on rendered documents -------------------------------------------------------


def text_of(data):
    return data.decode("utf-8")


def sub(data, pattern, replacement, count=1):
    text, done = re.subn(pattern, replacement, text_of(data), count=count, flags=re.S)
    assert done, "pattern %r not found: the fixture document changed shape" % pattern
    return text.encode("utf-8")


def element_re(label):
    """The whole line-indented element ``label`` (``pn:`` prefixed for the seal's)."""
    if label == "pn:KDF":
        return r"[ ]*<pn:KDF [^>]*/>\n"
    return r"[ ]*<%s[ >].*?</%s>\n" % (re.escape(label), re.escape(label))


def element(data, label):
    match = re.search(element_re(label), text_of(data), flags=re.S)
    assert match, label
    return match.group(0)


def after_declaration(data, insert):
    return sub(data, r"(<\?xml[^>]*\?>\n)", lambda m: m.group(1) + insert)


def root_tag(kind):
    return "PEERGROUPCONFIG" if kind == "config" else "PEERIDENTITYEXPORT"


def set_text(data, label, value):
    return sub(data, r"(<%s(?: [^>]*)?>)[^<]*(</%s>)" % (label, label), lambda m: m.group(1) + value + m.group(2))


def set_b64(data, label, raw):
    return set_text(data, label, base64.b64encode(raw).decode("ascii"))


def get_b64(data, label):
    match = re.search(r"<%s(?: [^>]*)?>([^<]*)</%s>" % (label, label), text_of(data))
    return base64.b64decode(match.group(1))


def flip(raw, index=-1):
    raw = bytearray(raw)
    raw[index] ^= 0x01
    return bytes(raw)


def set_kdf(data, **values):
    def rewrite(match):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', match.group(0)))
        attrs.update({key: str(value) for key, value in values.items()})
        return '<pn:KDF name="%s" n="%s" r="%s" p="%s"/>' % (attrs["name"], attrs["n"], attrs["r"], attrs["p"])

    return sub(data, r"<pn:KDF [^>]*/>", rewrite)


# --- the corpus ------------------------------------------------------------------------------

CASES = {}


def hostile(name):
    def register(builder):
        assert name not in CASES, name
        CASES[name] = builder
        return builder

    return register


def both_kinds(name):
    """Register ``builder(kind, doc, ctx)`` once for a PEERGROUPCONFIG and once for a PEERIDENTITYEXPORT."""

    def register(builder):
        for kind in ("config", "identity"):
            CASES["%s-%s" % (kind, name)] = functools.partial(_with_base_doc, builder, kind)
        return builder

    return register


def _with_base_doc(builder, kind, ctx):
    return builder(kind, base_doc(ctx, kind), ctx)


def base_doc(ctx, kind):
    return ctx.world.document(kind)


# XML-level attacks, for both document types.


@both_kinds("xxe-file")
def _xxe_file(kind, doc, ctx):
    doc = after_declaration(doc, '<!DOCTYPE %s [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' % root_tag(kind))
    label = "CLOUDNAME" if kind == "config" else "PEERNAME"
    return case(kind, set_text(doc, label, "&xxe;"), INVALID)


@both_kinds("xxe-network")
def _xxe_network(kind, doc, ctx):
    doc = after_declaration(doc, '<!DOCTYPE %s [<!ENTITY xxe SYSTEM "%s/xxe">]>\n' % (root_tag(kind), ctx.url))
    label = "CLOUDNAME" if kind == "config" else "PEERNAME"
    return case(kind, set_text(doc, label, "&xxe;"), INVALID)


@both_kinds("xxe-parameter-entity")
def _xxe_parameter(kind, doc, ctx):
    doc = after_declaration(doc, '<!DOCTYPE %s [<!ENTITY %% remote SYSTEM "%s/evil.dtd"> %%remote;]>\n' % (root_tag(kind), ctx.url))
    return case(kind, doc, INVALID)


@both_kinds("external-dtd")
def _external_dtd(kind, doc, ctx):
    return case(kind, after_declaration(doc, '<!DOCTYPE %s SYSTEM "%s/schema.dtd">\n' % (root_tag(kind), ctx.url)), INVALID)


@both_kinds("billion-laughs")
def _billion_laughs(kind, doc, ctx):
    entities = ['<!ENTITY lol0 "lol">'] + [
        '<!ENTITY lol%d "%s">' % (level, "&lol%d;" % (level - 1) * 10) for level in range(1, 10)
    ]
    doc = after_declaration(doc, "<!DOCTYPE %s [%s]>\n" % (root_tag(kind), "".join(entities)))
    label = "CLOUDNAME" if kind == "config" else "PEERNAME"
    return case(kind, set_text(doc, label, "&lol9;"), INVALID)


@both_kinds("quadratic-blowup")
def _quadratic(kind, doc, ctx):
    doc = after_declaration(doc, '<!DOCTYPE %s [<!ENTITY a "%s">]>\n' % (root_tag(kind), "A" * 60000))
    label = "CLOUDNAME" if kind == "config" else "PEERNAME"
    return case(kind, set_text(doc, label, "&a;" * 15000), INVALID)


@both_kinds("doctype-bare")
def _doctype(kind, doc, ctx):
    return case(kind, after_declaration(doc, "<!DOCTYPE %s>\n" % root_tag(kind)), INVALID)


@both_kinds("xinclude")
def _xinclude(kind, doc, ctx):
    label = "CLOUDNAME" if kind == "config" else "PEERNAME"
    include = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'
    return case(kind, set_text(doc, label, include), INVALID)


@both_kinds("pi-before-root")
def _pi_before(kind, doc, ctx):
    return case(kind, after_declaration(doc, '<?xml-stylesheet type="text/xsl" href="%s/x.xsl"?>\n' % ctx.url), INVALID)


@both_kinds("pi-inside-root")
def _pi_inside(kind, doc, ctx):
    return case(kind, sub(doc, r'(VERSION="1.0">\n)', r"\1<?evil payload?>\n"), INVALID)


@both_kinds("pi-after-root")
def _pi_after(kind, doc, ctx):
    return case(kind, doc + b"<?evil payload?>\n", INVALID)


@both_kinds("comment-before-root")
def _comment_before(kind, doc, ctx):
    return case(kind, after_declaration(doc, "<!-- hello -->\n"), INVALID)


@both_kinds("comment-in-base64")
def _comment_in_base64(kind, doc, ctx):
    label = "GMC" if kind == "config" else "DATA"
    return case(kind, sub(doc, r"(<%s [^>]*>)(.{8})" % label, r"\1\2<!-- split -->"), INVALID)


@both_kinds("comment-in-seal")
def _comment_in_seal(kind, doc, ctx):
    return case(kind, sub(doc, r"(<pn:SEAL [^>]*>)", r"\1<!-- x -->"), INVALID)


@both_kinds("comment-after-root")
def _comment_after(kind, doc, ctx):
    return case(kind, doc + b"<!-- trailer -->\n", INVALID)


@both_kinds("wrong-root")
def _wrong_root(kind, doc, ctx):
    tag = root_tag(kind)
    return case(kind, sub(doc, "<(/?)%s" % tag, r"<\1%sX" % tag, count=2), INVALID)


@both_kinds("other-document-type")
def _other_type(kind, doc, ctx):
    # A PEERIDENTITYEXPORT given to the group import and the other way round.
    other = ctx.world.stranger_identity_doc if kind == "config" else ctx.world.owner_doc
    return case(kind, other, INVALID)


@both_kinds("identity-info")
def _identity_info(kind, doc, ctx):
    return case(kind, documents.render_identity_info(ctx.world.owner.cert), INVALID)


@both_kinds("version-2.0")
def _version_2(kind, doc, ctx):
    return case(kind, sub(doc, 'VERSION="1.0"', 'VERSION="2.0"'), VERSION)


@both_kinds("version-missing")
def _version_missing(kind, doc, ctx):
    return case(kind, sub(doc, ' VERSION="1.0"', ""), INVALID)


@both_kinds("version-padded")
def _version_padded(kind, doc, ctx):
    return case(kind, sub(doc, 'VERSION="1.0"', 'VERSION=" 1.0"'), VERSION)


@both_kinds("root-extra-attribute")
def _root_attribute(kind, doc, ctx):
    return case(kind, sub(doc, 'VERSION="1.0"', 'VERSION="1.0" EVIL="1"'), INVALID)


@both_kinds("root-in-foreign-namespace")
def _root_namespace(kind, doc, ctx):
    return case(kind, sub(doc, 'VERSION="1.0"', 'VERSION="1.0" xmlns="urn:evil"'), INVALID)


@both_kinds("seal-in-foreign-namespace")
def _seal_namespace(kind, doc, ctx):
    return case(kind, sub(doc, 'xmlns:pn="urn:peernet:peergroup:1"', 'xmlns:pn="urn:peernet:peergroup:2"'), INVALID)


@both_kinds("dt-in-foreign-namespace")
def _dt_namespace(kind, doc, ctx):
    return case(kind, sub(doc, 'xmlns:dt="urn:schemas-microsoft-com:datatypes"', 'xmlns:dt="urn:evil"'), INVALID)


@both_kinds("dt-wrong-type")
def _dt_type(kind, doc, ctx):
    return case(kind, sub(doc, 'dt:dt="bin.base64"', 'dt:dt="bin.hex"'), INVALID)


@both_kinds("unknown-element-first")
def _unknown_first(kind, doc, ctx):
    return case(kind, sub(doc, r'(VERSION="1.0">\n)', r"\1  <EVIL>1</EVIL>\n"), INVALID)


@both_kinds("unknown-element-in-seal")
def _unknown_in_seal(kind, doc, ctx):
    return case(kind, sub(doc, r"(</pn:SEAL>)", r"<pn:EXTRA>1</pn:EXTRA>\1"), INVALID)


@both_kinds("text-outside-elements")
def _stray_text(kind, doc, ctx):
    return case(kind, sub(doc, r'(VERSION="1.0">\n)', r"\1stray\n"), INVALID)


@both_kinds("nested-element-in-leaf")
def _nested(kind, doc, ctx):
    label = "CLOUDNAME" if kind == "config" else "PEERNAME"
    return case(kind, set_text(doc, label, "<B>bold</B>"), INVALID)


@both_kinds("deep-nesting")
def _deep(kind, doc, ctx):
    label = "CLOUDNAME" if kind == "config" else "PEERNAME"
    return case(kind, set_text(doc, label, "<a>" * 5000 + "</a>" * 5000), INVALID)


@both_kinds("two-roots")
def _two_roots(kind, doc, ctx):
    body = text_of(doc).split("\n", 1)[1]
    return case(kind, doc + body.encode("utf-8"), INVALID)


@both_kinds("truncated-xml")
def _truncated(kind, doc, ctx):
    return case(kind, doc[: len(doc) * 2 // 3], INVALID)


@both_kinds("nul-character-reference")
def _nul_ref(kind, doc, ctx):
    label = "CLOUDNAME" if kind == "config" else "PEERNAME"
    return case(kind, set_text(doc, label, "Global&#0;"), INVALID)


# Encodings and sizes.


@both_kinds("utf16-le-bom")
def _utf16le(kind, doc, ctx):
    return case(kind, codecs.BOM_UTF16_LE + text_of(doc).replace("UTF-8", "UTF-16").encode("utf-16-le"), INVALID)


@both_kinds("utf16-be-bom")
def _utf16be(kind, doc, ctx):
    return case(kind, codecs.BOM_UTF16_BE + text_of(doc).replace("UTF-8", "UTF-16").encode("utf-16-be"), INVALID)


@both_kinds("utf16-no-bom")
def _utf16_plain(kind, doc, ctx):
    return case(kind, text_of(doc).encode("utf-16-le"), INVALID)


@both_kinds("utf32-bom")
def _utf32(kind, doc, ctx):
    return case(kind, text_of(doc).replace("UTF-8", "UTF-32").encode("utf-32"), INVALID)


@both_kinds("utf8-bom-declaring-utf16")
def _bom_liar(kind, doc, ctx):
    return case(kind, codecs.BOM_UTF8 + sub(doc, 'encoding="UTF-8"', 'encoding="UTF-16"'), INVALID)


@both_kinds("latin1-declared")
def _latin1(kind, doc, ctx):
    return case(kind, sub(doc, 'encoding="UTF-8"', 'encoding="ISO-8859-1"'), INVALID)


@both_kinds("invalid-utf8-byte")
def _bad_utf8(kind, doc, ctx):
    label = "CLOUDNAME" if kind == "config" else "PEERNAME"
    return case(kind, set_text(doc, label, "Glob\u2603al").replace("\u2603".encode("utf-8"), b"\xff"), INVALID)


@both_kinds("overlong-utf8")
def _overlong(kind, doc, ctx):
    # "<" as the overlong 0xC0 0xBC would smuggle markup past a lax decoder.
    return case(kind, doc.replace(b"</pn:SEAL>", b"\xc0\xbc/pn:SEAL>"), INVALID)


@both_kinds("utf8-encoded-surrogate")
def _surrogate(kind, doc, ctx):
    return case(kind, doc.replace(b"VERSION=", b"\xed\xa0\x80 VERSION="), INVALID)


@both_kinds("10-mib")
def _ten_mib(kind, doc, ctx):
    return case(kind, doc + b" " * (10 * 1024 * 1024), INVALID)


@both_kinds("one-byte-over-the-limit")
def _over_limit(kind, doc, ctx):
    return case(kind, doc + b"\n" * (documents.MAX_DOCUMENT_SIZE + 1 - len(doc)), INVALID)


@hostile("empty")
def _empty(ctx):
    return case("config", b"", INVALID)


@hostile("whitespace-only")
def _whitespace(ctx):
    return case("config", b" \n\t" * 100, INVALID)


@hostile("random-binary")
def _binary(ctx):
    return case("config", bytes(range(1, 256)) * 40, INVALID)


@hostile("json")
def _json(ctx):
    return case("identity", b'{"PEERIDENTITYEXPORT": {"VERSION": "1.0"}}', INVALID)


@hostile("html")
def _html(ctx):
    return case("config", b"<!doctype html><html><body>PEERGROUPCONFIG</body></html>", INVALID)


# Structure: every element missing, duplicated, and every neighbour pair swapped.


def _missing(kind, label, ctx):
    return case(kind, sub(base_doc(ctx, kind), element_re(label), ""), INVALID)


def _duplicated(kind, label, ctx):
    return case(kind, sub(base_doc(ctx, kind), "(%s)" % element_re(label), r"\1\1"), INVALID)


def _swapped(kind, first, second, ctx):
    doc = base_doc(ctx, kind)
    one, two = element(doc, first), element(doc, second)
    return case(kind, text_of(doc).replace(one + two, two + one).encode("utf-8"), INVALID)


for _kind, _labels in (("config", CONFIG_CHILDREN), ("identity", IDENTITY_CHILDREN)):
    for _label in _labels + SEAL_CHILDREN:
        CASES["%s-missing-%s" % (_kind, _label)] = functools.partial(_missing, _kind, _label)
        CASES["%s-duplicated-%s" % (_kind, _label)] = functools.partial(_duplicated, _kind, _label)
    for _first, _second in zip(_labels, _labels[1:]):
        CASES["%s-swapped-%s-%s" % (_kind, _first, _second)] = functools.partial(_swapped, _kind, _first, _second)


# Base64.


@hostile("config-gmc-bad-base64")
def _bad_base64(ctx):
    return case("config", sub(ctx.world.owner_doc, r"(<GMC [^>]*>)", r"\1!!"), INVALID)


@hostile("config-gmc-bad-padding")
def _bad_padding(ctx):
    return case("config", set_text(ctx.world.owner_doc, "GMC", "QUJD="), INVALID)


@hostile("config-gmc-nonzero-padding-bits")
def _padding_bits(ctx):
    return case("config", set_text(ctx.world.owner_doc, "GMC", "QUJDRB=="), INVALID)


@hostile("config-salt-bad-base64")
def _salt_bad(ctx):
    return case("config", set_text(ctx.world.owner_doc, "pn:SALT", "not*base64*at*all="), INVALID)


@hostile("config-gmc-empty")
def _gmc_empty(ctx):
    return case("config", set_text(ctx.world.owner_doc, "GMC", ""), INVALID)


@hostile("config-gmc-huge-base64")
def _huge_gmc(ctx):
    return case("config", set_b64(ctx.world.owner_doc, "GMC", os.urandom(700 * 1024)), INVALID)


@hostile("identity-data-huge-base64")
def _huge_data(ctx):
    return case("identity", set_b64(ctx.world.stranger_identity_doc, "DATA", os.urandom(700 * 1024)), INVALID)


@hostile("config-ciphertext-huge")
def _huge_ciphertext(ctx):
    return case("config", set_b64(ctx.world.owner_doc, "pn:CIPHERTEXT", os.urandom(700 * 1024)), INVALID)


@hostile("config-salt-wrong-size")
def _salt_size(ctx):
    return case("config", set_b64(ctx.world.owner_doc, "pn:SALT", os.urandom(8)), INVALID)


@hostile("config-nonce-wrong-size")
def _nonce_size(ctx):
    return case("config", set_b64(ctx.world.owner_doc, "pn:NONCE", os.urandom(16)), INVALID)


@hostile("config-ciphertext-shorter-than-tag")
def _short_ciphertext(ctx):
    return case("config", set_b64(ctx.world.owner_doc, "pn:CIPHERTEXT", os.urandom(15)), INVALID)


# PKCS#7 chains.


@hostile("config-pkcs7-truncated")
def _pkcs7_truncated(ctx):
    chain = get_b64(ctx.world.owner_doc, "GMC")
    return case("config", set_b64(ctx.world.owner_doc, "GMC", chain[: len(chain) // 2]), INVALID)


@hostile("config-pkcs7-trailing-garbage")
def _pkcs7_trailing(ctx):
    chain = get_b64(ctx.world.owner_doc, "GMC")
    return case("config", set_b64(ctx.world.owner_doc, "GMC", chain + b"\x00\x00"), INVALID)


@hostile("config-pkcs7-not-pkcs7")
def _pkcs7_cert(ctx):
    # A bare certificate where the PKCS#7 belongs.
    return case("config", set_b64(ctx.world.owner_doc, "GMC", certs.certificate_to_der(ctx.world.owner_gmc)), INVALID)


@hostile("config-chain-empty-pkcs7")
def _pkcs7_empty(ctx):
    return case("config", set_b64(ctx.world.owner_doc, "GMC", kit.empty_pkcs7()), INVALID)


def _resealed(ctx, config=None, group_key_der=None, **fields):
    """The owner's document with ``fields`` (kit.GroupFields names) changed, validly sealed."""
    world = ctx.world
    config = config or world.owner_config
    group_key = config.group_key if group_key_der is None else group_key_der
    return kit.forge_group_config(world.group_fields(config)._replace(**fields), world.seal_key, group_key)


# Certificates that load but fail when read (the fuzzer's first finds: they were tracebacks).


def _chain_with_spoilt_leaf(ctx, old, new, occurrence=-1):
    """The owner's PKCS#7 chain with ``old`` bytes of its GMC replaced (same length): a leaf that
    cryptography loads lazily and that fails only when the spoilt part is read."""
    assert len(old) == len(new)
    leaf = certs.certificate_to_der(ctx.world.owner_gmc)
    at = leaf.rfind(old) if occurrence == -1 else leaf.find(old)
    assert at >= 0
    chain = kit.pkcs7_of([ctx.world.root_cert, ctx.world.owner_gmc])
    return chain.replace(leaf, leaf[:at] + new + leaf[at + len(old):])


def _spoilt_leaf_case(ctx, old, new, occurrence=-1):
    return case("config", _resealed(ctx, chain_der=_chain_with_spoilt_leaf(ctx, old, new, occurrence)), {INVALID, CREDENTIAL})


@hostile("config-gmc-unparseable-public-key")
def _bad_key(ctx):
    # The RSA modulus INTEGER tag 02 made a private tag C2: cert.public_key() raises ValueError.
    return _spoilt_leaf_case(ctx, bytes.fromhex("3082010a02820101"), bytes.fromhex("3082010ac2820101"))


@hostile("config-gmc-unknown-signature-algorithm")
def _bad_signature_algorithm(ctx):
    # The outer signatureAlgorithm 1.2.840.113549.1.1.11 made the unassigned ...1.1.123.
    return _spoilt_leaf_case(ctx, bytes.fromhex("06092a864886f70d01010b"), bytes.fromhex("06092a864886f70d01017b"))


@hostile("config-gmc-duplicate-extension")
def _duplicate_extension(ctx):
    # keyUsage 2.5.29.15 renamed subjectKeyIdentifier 2.5.29.14, which the leaf already has: DuplicateExtension.
    return _spoilt_leaf_case(ctx, bytes.fromhex("0603551d0f"), bytes.fromhex("0603551d0e"), occurrence=0)


@hostile("config-gmc-invalid-version")
def _invalid_version(ctx):
    # X.509 version v3 (2) made 7: cryptography raises InvalidVersion, not a ValueError.
    return _spoilt_leaf_case(ctx, bytes.fromhex("a003020102"), bytes.fromhex("a003020107"), occurrence=0)


@hostile("config-gmc-unparseable-issuer-name")
def _bad_issuer_name(ctx):
    # The issuer's commonName UTF8String (tag 0C) made tag 0D: the name raises ValueError when read.
    return _spoilt_leaf_case(ctx, bytes.fromhex("06035504030c"), bytes.fromhex("06035504030d"), occurrence=0)


@hostile("config-pkcs7-unknown-content-type")
def _pkcs7_unknown_type(ctx):
    # signedData 1.2.840.113549.1.7.2 with one bit flipped (2.26.840...): UnsupportedAlgorithm in cryptography.
    chain = certs.chain_to_pkcs7([ctx.world.root_cert, ctx.world.owner_gmc])
    spoilt = chain.replace(bytes.fromhex("06092a864886f70d010702"), bytes.fromhex("06096a864886f70d010702"), 1)
    return case("config", _resealed(ctx, chain_der=spoilt), INVALID)


@hostile("config-chain-of-25-gmcs")
def _chain_25_gmcs(ctx):
    # 26 certificates: one more than a PKCS#7 may hold (the 25 of a valid chain are accepted, see below).
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of(ctx.world.deep_chain(25))), TOO_LONG)


@hostile("config-chain-of-1000")
def _chain_1000(ctx):
    chain = ctx.world.long_chain()
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of(chain)), TOO_LONG)


@hostile("config-chain-cycle")
def _cycle(ctx):
    # Two GMCs that issue each other: a loop instead of a root.
    world = ctx.world
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of(world.cycle_chain())), NOT_TRUSTED | CIRCULAR)


@hostile("config-self-signed-leaf")
def _self_signed_leaf(ctx):
    world = ctx.world
    leaf = certs.issue_gmc(world.owner.cert, world.owner.key, world.owner.key.public_key(), world.owner.name,
                           world.group, ["administrator"], 300 * kit.DAY)
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of([world.root_cert, leaf])), NOT_TRUSTED | CIRCULAR)


@hostile("config-leaf-only")
def _leaf_only(ctx):
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of([ctx.world.owner_gmc])), NOT_TRUSTED)


@hostile("config-root-only")
def _root_only(ctx):
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of([ctx.world.root_cert])), NOT_TRUSTED)


@hostile("config-leaf-signed-by-stranger")
def _stranger_signed(ctx):
    world = ctx.world
    leaf = certs.issue_gmc(world.root_cert, world.stranger.key, world.owner.key.public_key(), world.owner.name,
                           world.group, ["administrator"], 300 * kit.DAY)
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of([world.root_cert, leaf])), NOT_TRUSTED)


@hostile("config-chain-of-another-group")
def _other_group_chain(ctx):
    world = ctx.world
    leaf = certs.issue_gmc(world.other_root_cert, world.other_group_key, world.owner.key.public_key(), world.owner.name,
                           world.other_group, ["administrator"], 300 * kit.DAY)
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of([world.other_root_cert, leaf])), NOT_TRUSTED)


@hostile("config-leaf-of-another-identity")
def _other_leaf(ctx):
    world = ctx.world
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of([world.root_cert, world.member_gmc])), NOT_TRUSTED)


@hostile("config-swapped-peer-names")
def _swapped_names(ctx):
    world = ctx.world
    return case("config", _resealed(ctx, identity=world.group, group=world.owner.name), "PEER_E_NOT_FOUND")


@hostile("config-expired-gmc")
def _expired(ctx):
    world = ctx.world
    past = datetime.datetime.now(datetime.timezone.utc) - 400 * kit.DAY
    leaf = world.issue(world.owner, ["administrator"], lifetime=30 * kit.DAY, now=past)
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of([world.root_cert, leaf])), TIME)


@hostile("config-gmc-not-yet-valid")
def _future(ctx):
    world = ctx.world
    future = datetime.datetime.now(datetime.timezone.utc) + 10 * kit.DAY
    leaf = world.issue(world.owner, ["administrator"], lifetime=30 * kit.DAY, now=future)
    return case("config", _resealed(ctx, chain_der=kit.pkcs7_of([world.root_cert, leaf])), TIME)


@hostile("config-group-key-of-another-group")
def _foreign_group_key(ctx):
    return case("config", _resealed(ctx, group_key_der=certs.private_key_to_der(ctx.world.other_group_key)), CREDENTIAL)


@hostile("config-group-key-garbage")
def _garbage_group_key(ctx):
    return case("config", _resealed(ctx, group_key_der=os.urandom(1200)), {INVALID, CREDENTIAL})


# Field values.


@hostile("config-unsecured-identity-name")
def _unsecured(ctx):
    return case("config", _resealed(ctx, identity="0.owner"), PEER_NAME)


@hostile("config-upper-case-authority")
def _upper(ctx):
    return case("config", _resealed(ctx, group=ctx.world.group.upper()), PEER_NAME)


@hostile("config-classifier-too-long")
def _long_classifier(ctx):
    name = ctx.world.group.split(".")[0] + "." + "c" * 150
    return case("config", _resealed(ctx, group=name), "PEER_E_CLASSIFIER_TOO_LONG")


@hostile("config-cloud-too-long")
def _long_cloud(ctx):
    return case("config", _resealed(ctx, cloud="C" * 127), INVALID)


@hostile("config-cloud-empty")
def _empty_cloud(ctx):
    return case("config", _resealed(ctx, cloud=""), INVALID)


@hostile("config-scope-unknown")
def _bad_scope(ctx):
    return case("config", _resealed(ctx, scope="UNIVERSE"), INVALID)


@hostile("config-flags-2")
def _flags_2(ctx):
    return case("config", _resealed(ctx, flags="2"), INVALID)


@hostile("config-flags-negative")
def _flags_negative(ctx):
    return case("config", _resealed(ctx, flags="-1"), INVALID)


@hostile("config-flags-hex")
def _flags_hex(ctx):
    return case("config", _resealed(ctx, flags="0x1"), INVALID)


@hostile("config-flags-leading-zero")
def _flags_zero(ctx):
    return case("config", _resealed(ctx, flags="01"), INVALID)


@hostile("config-attribute-on-leaf")
def _leaf_attribute(ctx):
    return case("config", sub(ctx.world.owner_doc, "<CLOUDNAME>", '<CLOUDNAME lang="en">'), INVALID)


# Every field altered after sealing.


def _altered_case(kind, change, expected, ctx):
    return case(kind, change(ctx, base_doc(ctx, kind)), expected)


def _altered(name, kind, change, expected):
    CASES["%s-altered-%s" % (kind, name)] = functools.partial(_altered_case, kind, change, expected)


_altered("identity-name", "config", lambda ctx, d: set_text(d, "IDENTITYPEERNAME", ctx.world.member.name), NOT_TRUSTED)
_altered("group-name", "config", lambda ctx, d: set_text(d, "GROUPPEERNAME", ctx.world.other_group), NOT_TRUSTED)
_altered("cloud", "config", lambda ctx, d: set_text(d, "CLOUDNAME", "Evil_"), INVALID)
_altered("scope", "config", lambda ctx, d: set_text(d, "SCOPE", "LINKLOCAL"), INVALID)
_altered("flags", "config", lambda ctx, d: set_text(d, "CLOUDFLAGS", "1"), INVALID)
_altered("gmc", "config", lambda ctx, d: set_b64(d, "GMC", kit.pkcs7_of([ctx.world.root_cert, ctx.world.fresh_owner_gmc()])), INVALID)
_altered("ciphertext-bit", "config", lambda ctx, d: set_b64(d, "pn:CIPHERTEXT", flip(get_b64(d, "pn:CIPHERTEXT"), 5)), INVALID)
_altered("ciphertext-tag-bit", "config", lambda ctx, d: set_b64(d, "pn:CIPHERTEXT", flip(get_b64(d, "pn:CIPHERTEXT"))), INVALID)
_altered("ciphertext-key-removed", "config", lambda ctx, d: set_b64(d, "pn:CIPHERTEXT", get_b64(d, "pn:CIPHERTEXT")[-16:]), INVALID)
for _kind in ("config", "identity"):
    _altered("nonce", _kind, lambda ctx, d: set_b64(d, "pn:NONCE", flip(get_b64(d, "pn:NONCE"))), INVALID)
    # The KCV comes from the KDF output: changing its inputs reads as a wrong password.
    _altered("kcv", _kind, lambda ctx, d: set_b64(d, "pn:KCV", flip(get_b64(d, "pn:KCV"))), PASSWORD)
    _altered("salt", _kind, lambda ctx, d: set_b64(d, "pn:SALT", flip(get_b64(d, "pn:SALT"))), PASSWORD)
    _altered("kdf-n", _kind, lambda ctx, d: set_kdf(d, n=2**16), PASSWORD)
    _altered("kdf-r", _kind, lambda ctx, d: set_kdf(d, r=9), PASSWORD)
    _altered("kdf-p", _kind, lambda ctx, d: set_kdf(d, p=2), PASSWORD)
_altered("peer-name", "identity", lambda ctx, d: set_text(d, "PEERNAME", ctx.world.spare_name), INVALID)
_altered("data-bit", "identity", lambda ctx, d: set_b64(d, "DATA", flip(get_b64(d, "DATA"), 40)), INVALID)
_altered("data-swapped", "identity", lambda ctx, d: set_b64(d, "DATA", get_b64(ctx.world.owner_identity_doc, "DATA")), INVALID)
_altered("ciphertext-tag-bit", "identity", lambda ctx, d: set_b64(d, "pn:CIPHERTEXT", flip(get_b64(d, "pn:CIPHERTEXT"))), INVALID)


@hostile("identity-ciphertext-longer-than-tag")
def _identity_payload(ctx):
    doc = ctx.world.stranger_identity_doc
    return case("identity", set_b64(doc, "pn:CIPHERTEXT", get_b64(doc, "pn:CIPHERTEXT") + b"\x00" * 16), INVALID)


# Validly sealed identity exports with a bad inside.


def _identity_forged(ctx, peer_name=None, pfx=None):
    world = ctx.world
    fields = kit.IdentityFields(peer_name or world.stranger.name, pfx or get_b64(world.stranger_identity_doc, "DATA"))
    return kit.forge_identity_export(fields, world.seal_key)


@hostile("identity-key-of-another-peer-name")
def _identity_other_key(ctx):
    # The stranger's PKCS#12 under a name the target does not hold (spare key's name).
    return case("identity", _identity_forged(ctx, peer_name=ctx.world.spare_name), CREDENTIAL)


@hostile("identity-pkcs12-garbage")
def _identity_garbage(ctx):
    return case("identity", _identity_forged(ctx, pfx=os.urandom(2000)), INVALID)


@hostile("identity-pkcs12-other-password")
def _identity_other_password(ctx):
    return case("identity", _identity_forged(ctx, pfx=ctx.world.pfx_under("another password")), INVALID)


# Seal parameters.


KDF_REFUSED = {
    "n-below-floor": dict(n=2**14),
    "r-below-floor": dict(r=4),
    "p-zero": dict(p=0),
    "n-not-power-of-two": dict(n=3 * 2**14),
    "n-zero": dict(n=0),
    "n-2^40": dict(n=2**40),
    "r-2^20": dict(r=2**20),
    "p-2^20": dict(p=2**20),
    "p-above-ceiling": dict(p=5),
    "memory-above-ceiling": dict(n=2**17),
    "n-300-digits": dict(n=10**300),
    "n-negative": dict(n=-(2**15)),
    "name-pbkdf2": dict(name="pbkdf2"),
    "name-empty": dict(name=""),
}


def _kdf_refused(kind, values, ctx):
    return case(kind, set_kdf(base_doc(ctx, kind), **values), INVALID)


for _kind in ("config", "identity"):
    for _name, _values in KDF_REFUSED.items():
        CASES["%s-kdf-%s" % (_kind, _name)] = functools.partial(_kdf_refused, _kind, _values)


# Policy and store state.


@hostile("config-wrong-password")
def _wrong_password(ctx):
    return case("config", ctx.world.owner_doc, PASSWORD, password="not the password")


@hostile("identity-wrong-password")
def _identity_wrong_password(ctx):
    return case("identity", ctx.world.stranger_identity_doc, PASSWORD, password="not the password")


@hostile("config-identity-not-in-store")
def _no_identity(ctx):
    world = ctx.world
    leaf = world.issue(world.stranger, ["member"])
    config = world.config(world.stranger, [world.root_cert, leaf])
    return case("config", world.render(config), "PEER_E_NOT_FOUND")


@hostile("config-overwrite-never")
def _overwrite_never(ctx):
    world = ctx.world
    existing = world.membership_record(world.owner_config._replace(cloud="Other_"))
    return case("config", world.owner_doc, EXISTS, memberships=(existing,))


@hostile("config-overwrite-if-newer-older")
def _overwrite_older(ctx):
    world = ctx.world
    newer = world.owner_config._replace(
        chain=(world.owner_config.chain[0], certs.certificate_to_der(world.future_owner_gmc())), cloud="Other_"
    )
    return case("config", world.owner_doc, EXISTS, overwrite="if_newer", memberships=(world.membership_record(newer),))


@hostile("config-overwrite-bogus-policy")
def _bogus_policy(ctx):
    return case("config", ctx.world.owner_doc, INVALID, overwrite="sometimes")


# --- the test --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def context(world):
    ctx = Context(world)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def timings():
    watch = kit.Stopwatch()
    yield watch
    durations = watch.samples.get("refusal", [])
    if durations:
        summary = kit.Stopwatch.summarise(durations)
        kit.figure("hostile.refusal_seconds_median", summary["median_s"])
        kit.figure("hostile.refusal_seconds_max", summary["max_s"])
        cases = [(name, max(values)) for name, values in watch.samples.items() if name != "refusal"]
        slowest = sorted(cases, key=lambda item: -item[1])[:3]
        kit.figure("hostile.slowest_cases", [(name, round(seconds, 3)) for name, seconds in slowest])


def test_network_probe_detects_a_connection(world):
    """Positive control for the XXE-by-network cases: a fetch would be seen."""
    probe = Context(world)
    try:
        assert not probe.contacted()
        with socket.create_connection(probe.listener.getsockname(), timeout=5):
            assert probe.contacted()
    finally:
        probe.close()


def test_corpus_is_large_enough():
    kit.figure("hostile.cases", len(CASES))
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_document_is_refused_cleanly(name, world, context, timings, tmp_path):
    built = CASES[name](context)
    store_path = world.fresh_target(tmp_path / "target", built.memberships)
    cache = world.cache if built.password is None else seal.KeyCache(built.password)
    try:
        exc, elapsed, before, after = kit.expect_refusal(store_path, built.kind, built.data, cache, built.overwrite)
    except AssertionError:
        kit.add_figure("hostile.accepted")
        raise
    timings.samples.setdefault("refusal", []).append(elapsed)
    timings.samples.setdefault(name, []).append(elapsed)
    kit.add_figure("hostile.refused")
    assert exc.name in built.expected, "%s: got %s (%s)" % (name, exc.name, exc.message)
    assert after == before, "the store changed"
    assert world.password not in str(exc) and world.password not in repr(exc.args)
    assert "PRIVATE KEY" not in str(exc)
    assert not context.contacted(), "the parser opened a network connection"


def test_xml_kdf_cost_is_capped_before_any_derivation(world, monkeypatch, tmp_path):
    """A document cannot make the target run scrypt outside [floor, ceiling]: refused with no KDF run."""
    calls = []
    real_scrypt = seal.Scrypt

    def counting_scrypt(*args, **kwargs):
        calls.append(kwargs)
        return real_scrypt(*args, **kwargs)

    monkeypatch.setattr(seal, "Scrypt", counting_scrypt)
    store_path = world.fresh_target(tmp_path / "target")
    checked = 0
    for kind in ("config", "identity"):
        for name, values in KDF_REFUSED.items():
            cache = seal.KeyCache(world.password)
            started = time.perf_counter()
            with pytest.raises(PeerError) as caught:
                kit.import_document(store_path, kind, set_kdf(world.document(kind), **values), cache)
            elapsed = time.perf_counter() - started
            assert caught.value.name == INVALID, name
            assert cache.derivations == 0, name
            assert calls == [], name
            # Generous: the point is "no KDF", which the counters prove; this catches a hang.
            assert elapsed < 10, name
            checked += 1
    kit.figure("kdf_cap.refused_without_derivation", checked)


def test_xml_kdf_ceiling_is_the_dearest_accepted(world):
    """The dearest KDF a document may demand derives; one step dearer in any parameter is refused.

    Its cost is recorded for docs/reliability.md (a figure, not an assertion).
    """
    ceiling = seal.KdfParams("scrypt", seal.KDF_CEILING.memory // (128 * seal.KDF_FLOOR.r), seal.KDF_FLOOR.r, seal.KDF_CEILING.p)
    seal.check_kdf(ceiling)
    for dearer in (ceiling._replace(n=ceiling.n * 2), ceiling._replace(r=ceiling.r * 2), ceiling._replace(p=ceiling.p + 1)):
        with pytest.raises(PeerError) as refused:
            seal.check_kdf(dearer)
        assert refused.value.name == "E_INVALIDARG", dearer
    started = time.perf_counter()
    assert len(seal.derive(world.password, ceiling, os.urandom(seal.SALT_SIZE)).kcv) == seal.KCV_SIZE
    kit.figure("kdf_cap.ceiling_params", list(ceiling))
    kit.figure("kdf_cap.ceiling_derivation_seconds", round(time.perf_counter() - started, 3))
    started = time.perf_counter()
    seal.derive(world.password, seal.DEFAULT_KDF, os.urandom(seal.SALT_SIZE))
    kit.figure("kdf_cap.default_derivation_seconds", round(time.perf_counter() - started, 3))


PKCS12_TIMEOUT = 10


def test_pkcs12_iteration_count_is_capped(world, tmp_path):
    """A sealed identity export whose PKCS#12 demands 2^31-1 PBKDF2 rounds must be refused, not run.

    The seal needs the password, so this is the document of a password holder
    (or of anyone, once a password is shared): its DATA still must not make the
    target spend minutes.  The import runs in a child with a timeout: a hang is
    a failure, not a stuck test run.
    """
    pfx = get_b64(world.stranger_identity_doc, "DATA")
    hostile_pfx, replaced = kit.raise_pkcs12_iterations(pfx, 2**31 - 1)
    assert replaced >= 2  # the MAC and at least one PBES2 bag
    doc = kit.forge_identity_export(kit.IdentityFields(world.stranger.name, hostile_pfx), world.seal_key)
    store_path = world.fresh_target(tmp_path / "target")
    before = kit.snapshot(store_path)
    job = processes.write_job(tmp_path / "job.json", world, store_path, [processes.step("identity", doc)])
    child = processes.spawn(job)
    started = time.perf_counter()
    try:
        out, err = child.communicate(timeout=PKCS12_TIMEOUT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        kit.figure("hostile.pkcs12_2^31_iterations", "still running after %d s (killed)" % PKCS12_TIMEOUT)
        pytest.fail("importing a PKCS#12 with 2^31-1 iterations ran for more than %d s" % PKCS12_TIMEOUT)
    elapsed = time.perf_counter() - started
    progress = processes.Progress.of(out.decode("utf-8"))
    kit.figure("hostile.pkcs12_2^31_iterations", "refused in %.2f s" % elapsed)
    assert progress.results[0]["failed"], progress.results
    assert progress.results[0]["hresult"] == INVALID
    assert kit.snapshot(store_path) == before


def test_sealed_pkcs7_with_trailing_bytes_is_refused(world, tmp_path):
    """DER only: cryptography would read DER plus trailing bytes as BER, giving one chain two spellings."""
    chain_der = kit.pkcs7_of([world.root_cert, world.owner_gmc]) + b"\x00\x00trailing"
    fields = world.group_fields(world.owner_config)._replace(chain_der=chain_der)
    data = kit.forge_group_config(fields, world.seal_key, world.owner_config.group_key)
    store_path = world.fresh_target(tmp_path / "target")
    before = kit.snapshot(store_path)
    with pytest.raises(PeerError) as caught:
        kit.import_document(store_path, "config", data, world.cache)
    assert caught.value.name == INVALID
    assert kit.snapshot(store_path) == before


def test_boundary_valid_chain_of_25_certificates_is_accepted(world, tmp_path):
    """Not hostile: the limit is inclusive (root + 24 GMCs), whatever the PKCS#7 order."""
    chain = world.deep_chain(24)
    assert len(chain) == 25
    store_path = world.fresh_target(tmp_path / "target")
    fields = world.group_fields(world.owner_config)._replace(chain_der=kit.pkcs7_of(list(reversed(chain))))
    result = kit.import_document(store_path, "config", kit.forge_group_config(fields, world.seal_key, world.owner_config.group_key), world.cache)
    assert result["changed"] is True
    (stored,) = kit.logical_content(store_path)["memberships"]
    assert stored["chain"] == tuple(certs.certificate_to_der(cert) for cert in chain)  # root first


def test_boundary_utf8_bom_is_accepted(world, tmp_path):
    """Not hostile: one UTF-8 byte-order mark is allowed (docs/format.md) and changes no content."""
    store_path = world.fresh_target(tmp_path / "target")
    result = kit.import_document(store_path, "config", codecs.BOM_UTF8 + world.member_doc, world.cache)
    assert result["changed"] is True
    (stored,) = kit.logical_content(store_path)["memberships"]
    want = kit.record_dict(world.membership_record(world.member_config))
    assert {k: v for k, v in stored.items() if k != "imported_digest"} == {k: v for k, v in want.items() if k != "imported_digest"}
