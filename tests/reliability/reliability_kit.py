# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Building blocks of the reliability suite: counts, figures, a test world, store snapshots
and a document forger.

The forger writes PEERGROUPCONFIG / PEERIDENTITYEXPORT documents from raw field
values and seals them as docs/format.md describes (an implementation of the
format independent of documents.render_*), so a test can seal content the
renderer would refuse (a chain of 1,000 certificates, a PKCS#12 of its own
making) and alter any field after sealing.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import os
import secrets
import shutil
import stat
import struct
import time
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import configs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import identities
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import peername
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import seal
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import IdentityRecord, MembershipRecord, Store
from ansible_collections.peernet.peergroup.tests.unit.plugins.module_utils._peergroup import builders

HERE = os.path.dirname(os.path.abspath(__file__))
DAY = datetime.timedelta(days=1)
DT_NS = "urn:schemas-microsoft-com:datatypes"
PN_NS = "urn:peernet:peergroup:1"

# --- counts and figures -------------------------------------------------------------------


def stress_mode() -> bool:
    return os.environ.get("PEERNET_STRESS", "") not in ("", "0")


class Counts(NamedTuple):
    """How much each test does: light for ``make test``, heavy for ``make stress``."""

    fuzz_parser: int  # raw bytes into parse_group_config / parse_identity_export
    fuzz_mutations: int  # structural mutations of real documents, through the import path
    fuzz_sealed: int  # validly sealed documents with fuzzed content, through the import path
    crash_trials: int
    concurrency_rounds: int

    @classmethod
    def current(cls) -> Counts:
        if stress_mode():
            counts = cls(fuzz_parser=60000, fuzz_mutations=36000, fuzz_sealed=6000, crash_trials=200, concurrency_rounds=5)
        else:
            counts = cls(fuzz_parser=1000, fuzz_mutations=600, fuzz_sealed=150, crash_trials=20, concurrency_rounds=1)
        # Single counts may be forced, e.g. PEERNET_COUNT_CRASH_TRIALS=50.
        overrides = {}
        for field in cls._fields:
            value = os.environ.get("PEERNET_COUNT_%s" % field.upper())
            if value:
                overrides[field] = int(value)
        return counts._replace(**overrides)


def counts_overridden() -> bool:
    return any(os.environ.get("PEERNET_COUNT_%s" % field.upper()) for field in Counts._fields)


FIGURES = {}


def figure(name, value):
    FIGURES[name] = value


def add_figure(name, value=1):
    FIGURES[name] = FIGURES.get(name, 0) + value


def format_figures(figures):
    lines = []
    for name in sorted(figures):
        value = figures[name]
        if isinstance(value, float):
            value = "%.3f" % value
        elif isinstance(value, (list, dict)):
            value = repr(value)
        lines.append("%-48s %s" % (name, value))
    return lines


class Stopwatch(object):
    """Durations by label; ``summarise`` gives count, median and max of one list."""

    def __init__(self):
        self.samples = {}

    @staticmethod
    def summarise(values):
        ordered = sorted(values)
        return {
            "count": len(ordered),
            "median_s": round(ordered[len(ordered) // 2], 4),
            "max_s": round(ordered[-1], 4),
        }


# --- store snapshots ---------------------------------------------------------------------------


def snapshot(path):
    """Every file and folder below ``path``: mode, owner and SHA-256 of the bytes.

    Taken with no connection open, so SQLite's -wal/-shm files show up only if a
    writer left them behind.
    """
    result = {}
    for directory, dirnames, filenames in os.walk(path):
        for name in sorted(dirnames) + sorted(filenames):
            full = os.path.join(directory, name)
            info = os.lstat(full)
            relative = os.path.relpath(full, path)
            if stat.S_ISREG(info.st_mode):
                with open(full, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            else:
                digest = None
            result[relative] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_uid, digest)
    info = os.lstat(path)
    result["."] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_uid, None)
    return result


def logical_content(path):
    """Identities and memberships of the store at ``path`` (records as dicts) and its integrity problems."""
    with contextlib.closing(Store.open(str(path), create=False)) as store:
        identity_rows = sorted((record_dict(record) for record in store.list_identities()), key=lambda r: r["peer_name"])
        memberships = sorted(
            (record_dict(record) for record in store.list_memberships()),
            key=lambda r: (r["identity_peer_name"], r["group_peer_name"]),
        )
        problems = store.check_integrity()
    return {"identities": identity_rows, "memberships": memberships, "integrity_problems": problems}


def record_dict(record):
    return {name: tuple(value) if isinstance(value, list) else value for name, value in record._asdict().items()}


# --- the forger ------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode_aad(fields):
    """docs/format.md "Associated data": each field as a 4-byte big-endian length, then its bytes."""
    return b"".join(struct.pack(">I", len(field)) + field for field in fields)


class SealParts(NamedTuple):
    kdf_name: str
    n: int
    r: int
    p: int
    salt: bytes
    kcv: bytes
    nonce: bytes
    ciphertext: bytes

    def kdf_fields(self):
        return [self.kdf_name.encode("ascii"), b"%d" % self.n, b"%d" % self.r, b"%d" % self.p, self.salt, self.kcv, self.nonce]


SCOPE_TOKENS = {"global": "GLOBAL", "site-local": "SITELOCAL", "link-local": "LINKLOCAL"}


class GroupFields(NamedTuple):
    """The written fields of a PEERGROUPCONFIG; text fields exactly as they go into the XML."""

    identity: str
    group: str
    cloud: str
    scope: str  # the token as written, e.g. GLOBAL
    flags: str
    chain_der: bytes

    def aad_fields(self):
        return [
            b"PEERGROUPCONFIG",
            b"1.0",
            self.identity.encode("utf-8"),
            self.group.encode("utf-8"),
            self.cloud.encode("utf-8"),
            self.scope.upper().encode("utf-8"),
            self.flags.encode("utf-8"),
            self.chain_der,
        ]


class IdentityFields(NamedTuple):
    peer_name: str
    pfx: bytes

    def aad_fields(self):
        return [b"PEERIDENTITYEXPORT", b"1.0", self.peer_name.encode("utf-8"), self.pfx]


def seal_parts(seal_key, aad_fields, payload):
    """Seal ``payload`` over the document fields plus the seal's own KDF/salt/KCV/nonce."""
    kdf = seal_key.params
    nonce = os.urandom(seal.NONCE_SIZE)
    parts = SealParts(kdf.name, kdf.n, kdf.r, kdf.p, seal_key.salt, seal_key.kcv, nonce, b"")
    _nonce, ciphertext = seal.seal(seal_key, encode_aad(list(aad_fields) + parts.kdf_fields()), payload, nonce)
    return parts._replace(ciphertext=ciphertext)


def seal_xml(parts: SealParts):
    return "\n".join(
        [
            '  <pn:SEAL xmlns:pn="%s">' % PN_NS,
            '    <pn:KDF name="%s" n="%s" r="%s" p="%s"/>' % (parts.kdf_name, parts.n, parts.r, parts.p),
            "    <pn:SALT>%s</pn:SALT>" % b64(parts.salt),
            "    <pn:KCV>%s</pn:KCV>" % b64(parts.kcv),
            "    <pn:NONCE>%s</pn:NONCE>" % b64(parts.nonce),
            "    <pn:CIPHERTEXT>%s</pn:CIPHERTEXT>" % b64(parts.ciphertext),
            "  </pn:SEAL>",
        ]
    )


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def group_config_xml(fields: GroupFields, parts: SealParts) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<PEERGROUPCONFIG VERSION="1.0">',
        "  <IDENTITYPEERNAME>%s</IDENTITYPEERNAME>" % _escape(fields.identity),
        "  <GROUPPEERNAME>%s</GROUPPEERNAME>" % _escape(fields.group),
        "  <CLOUDNAME>%s</CLOUDNAME>" % _escape(fields.cloud),
        "  <SCOPE>%s</SCOPE>" % _escape(fields.scope),
        "  <CLOUDFLAGS>%s</CLOUDFLAGS>" % _escape(fields.flags),
        '  <GMC xmlns:dt="%s" dt:dt="bin.base64">%s</GMC>' % (DT_NS, b64(fields.chain_der)),
        seal_xml(parts),
        "</PEERGROUPCONFIG>",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def identity_export_xml(fields: IdentityFields, parts: SealParts) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<PEERIDENTITYEXPORT VERSION="1.0">',
        "  <PEERNAME>%s</PEERNAME>" % _escape(fields.peer_name),
        '  <DATA xmlns:dt="%s" dt:dt="bin.base64">%s</DATA>' % (DT_NS, b64(fields.pfx)),
        seal_xml(parts),
        "</PEERIDENTITYEXPORT>",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def forge_group_config(fields: GroupFields, seal_key, group_key_der=None):
    """A validly sealed PEERGROUPCONFIG of ``fields``, whatever they hold."""
    return group_config_xml(fields, seal_parts(seal_key, fields.aad_fields(), group_key_der or b""))


def forge_identity_export(fields: IdentityFields, seal_key):
    """A validly sealed PEERIDENTITYEXPORT of ``fields``, whatever they hold."""
    return identity_export_xml(fields, seal_parts(seal_key, fields.aad_fields(), b""))


def pkcs7_of(certificates) -> bytes:
    """A certs-only PKCS#7 SignedData of any number of certificates, in the order given.

    Written here, not by certs.chain_to_pkcs7 (the code under test) nor by cryptography (whose
    writer came in 37: these tests run on 3.4.8 too).
    """
    encoded = b"".join(cert.public_bytes(serialization.Encoding.DER) for cert in certificates)
    signed = Tlv(0x30, children=[
        Tlv(0x02, b"\x01"),
        Tlv(0x31, children=[]),
        Tlv(0x30, children=[Tlv(0x06, bytes.fromhex("2a864886f70d010701"))]),
        Tlv(0xA0, encoded),
        Tlv(0x31, children=[]),
    ])
    return Tlv(0x30, children=[Tlv(0x06, bytes.fromhex("2a864886f70d010702")), Tlv(0xA0, children=[signed])]).encode()


def empty_pkcs7() -> bytes:
    """A certs-only PKCS#7 SignedData without certificates (cryptography will not write one)."""
    return pkcs7_of([])


# --- DER surgery (hostile PKCS#12) ----------------------------------------------------------


class Tlv(object):
    """A DER node: ``tag`` byte, then either ``children`` (constructed) or ``value``."""

    def __init__(self, tag, value=None, children=None):
        self.tag = tag
        self.value = value
        self.children = children

    @classmethod
    def parse(cls, data, offset=0, end=None):
        nodes = []
        end = len(data) if end is None else end
        while offset < end:
            tag = data[offset]
            length = data[offset + 1]
            offset += 2
            if length & 0x80:
                count = length & 0x7F
                length = int.from_bytes(data[offset:offset + count], "big")
                offset += count
            body = data[offset:offset + length]
            # Constructed tags, and OCTET STRINGs that wrap DER (PKCS#12 content), are walked.
            if tag & 0x20:
                nodes.append(cls(tag, children=cls.parse(data, offset, offset + length)))
            elif tag == 0x04 and _looks_like_der(body):
                nodes.append(cls(tag, children=cls.parse(body)))
            else:
                nodes.append(cls(tag, value=bytes(body)))
            offset += length
        return nodes

    def encode(self):
        body = self.value if self.children is None else b"".join(child.encode() for child in self.children)
        length = len(body)
        if length < 0x80:
            header = bytes([self.tag, length])
        else:
            raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
            header = bytes([self.tag, 0x80 | len(raw)]) + raw
        return header + body

    def walk(self):
        yield self
        for child in self.children or ():
            yield from child.walk()


def _looks_like_der(body):
    if len(body) < 2 or body[0] != 0x30:
        return False
    try:
        nodes = Tlv.parse(body)
    except (IndexError, ValueError):
        return False
    return len(nodes) == 1 and len(nodes[0].encode()) == len(body)


def raise_pkcs12_iterations(pfx: bytes, iterations: int) -> tuple:
    """Re-encode a PKCS#12 with every iteration count set to ``iterations``.

    Iteration counts are the INTEGERs right after a salt (OCTET STRING) in a
    SEQUENCE: PBKDF2 parameters and the MacData.  Returns ``(der, replaced)``.
    """
    root = Tlv.parse(pfx)[0]
    replaced = 0
    encoded = iterations.to_bytes((iterations.bit_length() + 8) // 8, "big")
    for node in root.walk():
        kids = node.children or []
        for first, second in zip(kids, kids[1:]):
            if first.tag == 0x04 and first.children is None and second.tag == 0x02 and 8 <= len(first.value) <= 64:
                second.value = encoded
                replaced += 1
    return root.encode(), replaced


# --- the world: keys, certificates, stores, documents ------------------------------------------


class Member(NamedTuple):
    key: object
    name: str
    cert: object
    record: IdentityRecord


def make_member(key, classifier):
    record = builders.identity_record(key, classifier)
    return Member(key, record.peer_name, certs.certificate_from_der(record.certificate), record)


def plain_chain(key, length, prefix="link"):
    """``length`` certificates, each issuing the next (distinct CNs, one key): shape only."""
    now = datetime.datetime.now(datetime.timezone.utc)
    chain = []
    issuer_name = None
    for index in range(length):
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "%s-%d" % (prefix, index))])
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name or subject)
            .public_key(key.public_key())
            .serial_number(index + 1)
            .not_valid_before(now - DAY)
            .not_valid_after(now + 30 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        )
        chain.append(builder.sign(key, hashes.SHA256()))
        issuer_name = subject
    return chain


class World(object):
    """Everything the hostile, fuzz, crash and concurrency tests share (built once: RSA and scrypt are slow)."""

    @classmethod
    def build(cls, root):
        world = cls()
        world.root = str(root)
        world.password = "reliability-" + secrets.token_urlsafe(24)
        world.cache = seal.KeyCache(world.password)
        world.seal_key = world.cache.new_key()
        started = time.perf_counter()
        keys = [certs.generate_key(2048) for _index in range(6)]
        world.owner = make_member(keys[0], "owner")
        world.member = make_member(keys[1], "member")
        world.stranger = make_member(keys[2], "stranger")
        world.group_key = keys[3]
        world.other_group_key = keys[4]
        world.spare_key = keys[5]
        world.group = str(peername.secure_name(world.group_key.public_key(), "farm"))
        world.other_group = str(peername.secure_name(world.other_group_key.public_key(), "other-farm"))
        world.root_cert = certs.make_group_root(world.group_key, world.group)
        world.other_root_cert = certs.make_group_root(world.other_group_key, world.other_group)
        world.owner_gmc = world.issue(world.owner, ["administrator"])
        world.member_gmc = world.issue(world.member, ["member"])
        world.owner_config = world.config(world.owner, [world.root_cert, world.owner_gmc], group_key=True)
        world.member_config = world.config(world.member, [world.root_cert, world.member_gmc])
        world.owner_doc = documents.render_group_config(world.owner_config, world.seal_key)
        world.member_doc = documents.render_group_config(world.member_config, world.seal_key)
        world.owner_identity_doc = documents.render_identity_export(
            world.owner.name, world.owner.key, world.owner.cert, world.seal_key
        )
        world.stranger_identity_doc = documents.render_identity_export(
            world.stranger.name, world.stranger.key, world.stranger.cert, world.seal_key
        )
        world.build_seconds = time.perf_counter() - started
        world.template = os.path.join(world.root, "template")
        with contextlib.closing(Store.open(world.template, create=True)) as store:
            with store.transaction():
                store.add_identity(world.owner.record)
                store.add_identity(world.member.record)
        return world

    def document(self, kind):
        """The base document of a kind: the owner's configuration, or the export of an
        identity the target lacks (an identity already present is not re-checked, by design)."""
        return self.owner_doc if kind == "config" else self.stranger_identity_doc

    @property
    def spare_name(self):
        return str(peername.secure_name(self.spare_key.public_key(), "spare"))

    def fresh_owner_gmc(self):
        """Another valid GMC for the owner (new serial and signature)."""
        return self._memo("fresh_owner_gmc", lambda: self.issue(self.owner, ["administrator"], lifetime=200 * DAY))

    def future_owner_gmc(self):
        """An owner GMC that starts in two hours: newer than every document of the world."""
        later = datetime.datetime.now(datetime.timezone.utc) + 2 * 3600 * datetime.timedelta(seconds=1)
        return self._memo("future_owner_gmc", lambda: self.issue(self.owner, ["administrator"], now=later))

    def deep_chain(self, gmcs):
        """GRC, then ``gmcs`` GMCs each issuing the next (hops on the spare key), ending with the owner's."""

        def build():
            chain = [self.root_cert]
            issuer, issuer_key = self.root_cert, self.group_key
            for level in range(1, gmcs):
                hop = str(peername.secure_name(self.spare_key.public_key(), "hop-%d" % level))
                cert = certs.issue_gmc(issuer, issuer_key, self.spare_key.public_key(), hop, self.group,
                                       ["administrator"], 300 * DAY)
                chain.append(cert)
                issuer, issuer_key = cert, self.spare_key
            chain.append(certs.issue_gmc(issuer, issuer_key, self.owner.key.public_key(), self.owner.name, self.group,
                                         ["administrator"], 200 * DAY))
            return chain

        return self._memo("deep-%d" % gmcs, build)

    def cycle_chain(self):
        """Two GMCs that name each other as issuer, then the owner's leaf under one of them."""

        def build():
            hop_a = str(peername.secure_name(self.spare_key.public_key(), "hop-a"))
            hop_b = str(peername.secure_name(self.spare_key.public_key(), "hop-b"))
            key = self.spare_key.public_key()
            draft_b = certs.issue_gmc(self.root_cert, self.group_key, key, hop_b, self.group, ["administrator"], 300 * DAY)
            cert_a = certs.issue_gmc(draft_b, self.spare_key, key, hop_a, self.group, ["administrator"], 300 * DAY)
            cert_b = certs.issue_gmc(cert_a, self.spare_key, key, hop_b, self.group, ["administrator"], 300 * DAY)
            leaf = certs.issue_gmc(cert_b, self.spare_key, self.owner.key.public_key(), self.owner.name, self.group,
                                   ["administrator"], 200 * DAY)
            return [cert_a, cert_b, leaf]

        return self._memo("cycle", build)

    def long_chain(self, length=1000):
        return self._memo("chain-%d" % length, lambda: plain_chain(self.spare_key, length))

    def pfx_under(self, password):
        """The stranger's key and certificate as a PKCS#12 under another password."""
        from cryptography.hazmat.primitives.serialization import pkcs12

        return pkcs12.serialize_key_and_certificates(
            b"stranger", self.stranger.key, self.stranger.cert, None,
            serialization.BestAvailableEncryption(password.encode("utf-8")),
        )

    def _memo(self, name, build):
        memo = self.__dict__.setdefault("_memos", {})
        if name not in memo:
            memo[name] = build()
        return memo[name]

    def issue(self, member, roles, lifetime=365 * DAY, now=None, issuer=None, issuer_key=None, group=None):
        return certs.issue_gmc(
            issuer or self.root_cert,
            issuer_key or self.group_key,
            member.key.public_key(),
            member.name,
            group or self.group,
            roles,
            lifetime,
            now=now,
        )

    def config(self, member, chain, group_key=False, **changes):
        config = documents.GroupConfig(
            identity_peer_name=member.name,
            group_peer_name=self.group,
            cloud="Global_",
            scope="global",
            cloud_flags=0,
            chain=tuple(certs.certificate_to_der(cert) for cert in chain),
            group_key=certs.private_key_to_der(self.group_key) if group_key else None,
        )
        return config._replace(**changes)

    def render(self, config):
        return documents.render_group_config(config, self.seal_key)

    def group_fields(self, config):
        """The forger's fields of ``config`` (chain as the renderer encodes it)."""
        return GroupFields(
            identity=config.identity_peer_name,
            group=config.group_peer_name,
            cloud=config.cloud,
            scope=SCOPE_TOKENS[config.scope],
            flags="%d" % config.cloud_flags,
            chain_der=certs.chain_to_pkcs7([certs.certificate_from_der(der) for der in config.chain]),
        )

    def fresh_target(self, path, memberships=()):
        """A copy of the template store at ``path`` (modes kept), with ``memberships`` added."""
        path = str(path)
        shutil.copytree(self.template, path)
        if memberships:
            with contextlib.closing(Store.open(path, create=False)) as store:
                with store.transaction():
                    for record in memberships:
                        store.put_membership(record)
        return path

    def membership_record(self, config, friendly_name=None):
        return MembershipRecord(
            identity_peer_name=config.identity_peer_name,
            group_peer_name=config.group_peer_name,
            cloud=config.cloud,
            scope=config.scope,
            cloud_flags=config.cloud_flags,
            chain=tuple(config.chain),
            group_key=config.group_key,
            group_classifier=peername.parse(config.group_peer_name).classifier,
            group_friendly_name=friendly_name or peername.parse(config.group_peer_name).classifier,
            imported_digest=None,
        )


# --- driving the import path -------------------------------------------------------------------


def import_document(store_path, kind, data, cache, overwrite="never"):
    """Plan and apply one import against the store at ``store_path``; return the result dict.

    Opens and closes the store like one module run does.
    """
    with contextlib.closing(Store.open(str(store_path), create=True)) as store:
        if kind == "config":
            plan = configs.plan_group_config_import(store, data, cache, overwrite)
        else:
            plan = identities.plan_identity_import(store, data, cache)
        result = dict(plan.result)
        result.update(plan.apply())
        result["changed"] = plan.changed
        return result


def expect_refusal(store_path, kind, data, cache, overwrite="never"):
    """Import ``data``; return ``(PeerError, seconds, before, after)`` snapshots of the store.

    Anything but a PeerError propagates (a traceback is a failure); success
    raises AssertionError.
    """
    before = snapshot(store_path)
    started = time.perf_counter()
    try:
        import_document(store_path, kind, data, cache, overwrite)
    except PeerError as exc:
        elapsed = time.perf_counter() - started
        return exc, elapsed, before, snapshot(store_path)
    raise AssertionError("the document was accepted")
