# -*- coding: utf-8 -*-
# Copyright (c) peernet.peergroup contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property-based fuzzing of the parsers and the import path (issue item 2).

Three generators, their example counts from ``kit.Counts`` (light in ``make test``,
over 100,000 together in ``make stress``):

* raw bytes and XML-ish token soup into both parsers;
* real documents mutated at byte, base64 and element level, through
  ``plan_*_import`` + ``apply()`` against a real store;
* validly sealed documents with fuzzed field values (the forger in
  reliability_kit), so the checks behind the seal are reached too.

Properties: only PeerError escapes (zero tracebacks); a refused input leaves
every store file byte-for-byte unchanged; an accepted one stores exactly what
the seal covers, nothing else.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reliability_kit as kit
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import certs
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup import documents
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.errors import PeerError
from ansible_collections.peernet.peergroup.plugins.module_utils._peergroup.store import Store


def fuzz_settings(examples):
    # Light runs (make test) replay a fixed sequence of choices, so CI is stable; stress runs explore.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not kit.stress_mode(),
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


TOKENS = [
    b"<", b">", b"/>", b"</", b"=", b'"', b"'", b"&", b";", b"&amp;", b"&#0;", b"&#x110000;", b"&lol;",
    b"<!DOCTYPE x>", b"<!ENTITY e 'x'>", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<?pi?>", b"<?xml version='1.0'?>",
    b"PEERGROUPCONFIG", b"PEERIDENTITYEXPORT", b' VERSION="1.0"', b' VERSION="2.0"', b"IDENTITYPEERNAME",
    b"GROUPPEERNAME", b"CLOUDNAME", b"SCOPE", b"CLOUDFLAGS", b"GMC", b"PEERNAME", b"DATA", b"pn:SEAL", b"pn:KDF",
    b"pn:SALT", b"pn:KCV", b"pn:NONCE", b"pn:CIPHERTEXT", b' xmlns:pn="urn:peernet:peergroup:1"',
    b' xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64"', b' name="scrypt" n="32768" r="8" p="1"',
    b"GLOBAL", b"SITELOCAL", b"0", b"1", b"AAAA", b"====", b"\x00", b"\xff", b"\xef\xbb\xbf", b"\xc0\xbc",
    b"\r\n", b" ", b"\t", b"\xe2\x80\xae",
]


# --- 1: raw input into the parsers -------------------------------------------------------------


def token_soup():
    return st.lists(st.one_of(st.sampled_from(TOKENS), st.binary(max_size=12)), max_size=80).map(b"".join)


def test_fuzz_parsers_raw(world, counts):
    seen = {"examples": 0, "parsed": 0}
    tracebacks = Tracebacks()

    @fuzz_settings(counts.fuzz_parser)
    @given(data=st.one_of(st.binary(max_size=2048), token_soup(), st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass"))))
    def run(data):
        seen["examples"] += 1
        for parse in (documents.parse_group_config, documents.parse_identity_export):
            try:
                parse(data)
            except PeerError:
                continue
            except Exception as exc:  # noqa: BLE001 - recorded, see Tracebacks
                tracebacks.record(exc, data)
                continue
            seen["parsed"] += 1

    run()
    tracebacks.check()
    kit.figure("fuzz.raw_parser.examples", seen["examples"])
    kit.figure("fuzz.raw_parser.parsed", seen["parsed"])
    # Both parsers ran on every example; nothing but PeerError came out (else hypothesis failed).
    assert seen["examples"] >= min(counts.fuzz_parser, 100)


# --- 2: mutated real documents through the import path -------------------------------------------


B64_FIELD = re.compile(rb"(<(GMC|DATA|pn:SALT|pn:KCV|pn:NONCE|pn:CIPHERTEXT)(?: [^>]*)?>)([^<]*)(</)")
TEXT_FIELD = re.compile(rb"(<(IDENTITYPEERNAME|GROUPPEERNAME|CLOUDNAME|SCOPE|CLOUDFLAGS|PEERNAME)>)([^<]*)(</)")
ELEMENT = re.compile(rb"\n[ ]*<(?!/)[^\n]*(?:\n[ ]{4,}[^\n]*)*")


@st.composite
def mutation(draw, doc):
    kind = draw(st.sampled_from(["bytes", "insert", "delete", "duplicate", "base64", "text", "element", "kdf"]))
    if kind == "bytes":
        position = draw(st.integers(0, len(doc) - 1))
        value = draw(st.integers(0, 255))
        return doc[:position] + bytes([value]) + doc[position + 1:]
    if kind == "insert":
        position = draw(st.integers(0, len(doc)))
        return doc[:position] + draw(st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=8))) + doc[position:]
    if kind == "delete":
        start = draw(st.integers(0, len(doc) - 1))
        return doc[:start] + doc[start + draw(st.integers(1, 64)):]
    if kind == "duplicate":
        start = draw(st.integers(0, len(doc) - 1))
        end = start + draw(st.integers(1, 200))
        return doc[:end] + doc[start:end] + doc[end:]
    if kind == "base64":
        # Decode a base64 field, change its bytes, re-encode: parses, reaches the PKCS#7 and the seal.
        fields = list(B64_FIELD.finditer(doc))
        match = draw(st.sampled_from(fields))
        raw = bytearray(base64.b64decode(match.group(3)))
        action = draw(st.sampled_from(["flip", "truncate", "extend", "zero"]))
        if action == "flip" and raw:
            index = draw(st.integers(0, len(raw) - 1))
            raw[index] ^= 1 << draw(st.integers(0, 7))
        elif action == "truncate":
            raw = raw[: draw(st.integers(0, len(raw)))]
        elif action == "extend":
            raw += draw(st.binary(min_size=1, max_size=32))
        else:
            raw = bytearray(len(raw))
        return doc[: match.start(3)] + base64.b64encode(bytes(raw)) + doc[match.end(3):]
    if kind == "text":
        fields = list(TEXT_FIELD.finditer(doc))
        match = draw(st.sampled_from(fields))
        value = draw(st.one_of(
            st.text(max_size=60),
            st.sampled_from(["global", " GLOBAL ", "SiteLocal", "link-local", "0", "1", " 1", "00", "Global_"]),
            st.just(match.group(3).decode("utf-8").upper()),
        ))
        escaped = value.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "surrogatepass")
        return doc[: match.start(3)] + escaped + doc[match.end(3):]
    if kind == "element":
        elements = list(ELEMENT.finditer(doc))
        match = draw(st.sampled_from(elements))
        action = draw(st.sampled_from(["drop", "double", "move"]))
        chunk = match.group(0)
        rest = doc[: match.start()] + doc[match.end():]
        if action == "drop":
            return rest
        if action == "double":
            return doc[: match.end()] + chunk + doc[match.end():]
        target = draw(st.sampled_from([m.start() for m in ELEMENT.finditer(rest)] or [0]))
        return rest[:target] + chunk + rest[target:]
    # kdf: parameters around the floor and the ceiling.
    attribute = draw(st.sampled_from(["n", "r", "p"]))
    value = draw(st.sampled_from([0, 1, 2, 4, 7, 8, 9, 16, 2**14, 2**15, 2**16, 2**17, 2**20, 2**31, 2**64]))
    return re.sub(rb' %s="\d+"' % attribute.encode(), b' %s="%d"' % (attribute.encode(), value), doc, count=1)


class Tracebacks(object):
    """Exceptions other than PeerError: each is a traceback a module would show.

    Recorded by signature (type and the collection function that raised it)
    with the first input that caused it; the run goes on, so that one bug does
    not hide the next.  ``check`` fails on any signature not in KNOWN_TRACEBACKS.
    """

    def __init__(self):
        self.seen = {}

    def record(self, exc, data):
        entry = self.seen.setdefault(traceback_signature(exc), {"count": 0, "input": data[:4096]})
        entry["count"] += 1

    def check(self):
        kit.add_figure("fuzz.tracebacks", sum(entry["count"] for entry in self.seen.values()))
        for signature, entry in self.seen.items():
            kit.add_figure("fuzz.traceback[%s]" % signature, entry["count"])
        unknown = {signature: entry["input"] for signature, entry in self.seen.items() if signature not in KNOWN_TRACEBACKS}
        assert not unknown, "new tracebacks (first input of each shown): %r" % unknown


class ImportBench(object):
    """One store for a whole fuzz run: reset to the template after an accepted import."""

    def __init__(self, world, path, memberships=()):
        self.world = world
        self.path = str(path)
        self.memberships = memberships
        self.tracebacks = Tracebacks()
        self.reset()

    def reset(self):
        if os.path.exists(self.path):
            shutil.rmtree(self.path)
        self.world.fresh_target(self.path, self.memberships)
        self.snapshot = kit.snapshot(self.path)

    def attempt(self, kind, data, overwrite="never"):
        """``None`` when refused (store checked unchanged), else the result of the import."""
        try:
            result = kit.import_document(self.path, kind, data, self.world.cache, overwrite)
        except PeerError as exc:
            assert self.world.password not in str(exc)
            assert kit.snapshot(self.path) == self.snapshot, "a refused import changed the store"
            return None
        except Exception as exc:  # noqa: BLE001 - a traceback: record it, check the store, go on
            self.tracebacks.record(exc, data)
            assert kit.snapshot(self.path) == self.snapshot, "a failed import changed the store"
            return None
        return result


def traceback_signature(exc):
    """``Type@file.py:function``, the innermost frame in the collection's code."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if "/plugins/" in frame.filename]
    where = "%s:%s" % (os.path.basename(frames[-1].filename), frames[-1].name) if frames else "outside the collection"
    return "%s@%s" % (type(exc).__name__, where)


# Signatures of tracebacks already reported and still open, each with its own failing test.
# None today: the fuzzer's finds of this suite's first runs (cryptography exceptions escaping
# certs.py) are fixed and are hostile-corpus cases now.
KNOWN_TRACEBACKS = frozenset()


def test_fuzz_import_mutations(world, counts, tmp_path):
    bench = ImportBench(world, tmp_path / "store")
    bases = {"config": world.owner_doc, "member": world.member_doc, "identity": world.stranger_identity_doc}
    expected = {
        "config": world.membership_record(world.owner_config),
        "member": world.membership_record(world.member_config),
    }
    seen = {"examples": 0, "accepted": 0}

    @fuzz_settings(counts.fuzz_mutations)
    @given(st.sampled_from(sorted(bases)).flatmap(lambda name: st.tuples(st.just(name), mutation(bases[name]))))
    def run(case):
        name, data = case
        seen["examples"] += 1
        kind = "identity" if name == "identity" else "config"
        result = bench.attempt(kind, data)
        if result is None:
            return
        # Accepted: the mutation kept the sealed content; the store must hold exactly that.
        seen["accepted"] += 1
        content = kit.logical_content(bench.path)
        assert content["integrity_problems"] == []
        if kind == "config":
            (stored,) = content["memberships"]
            want = kit.record_dict(expected[name])
            # Every field but the digest of the (mutated) input bytes.
            stored.pop("imported_digest")
            want.pop("imported_digest")
            assert stored == want, "an accepted mutation stored other content"
        else:
            names = [record["peer_name"] for record in content["identities"]]
            assert sorted(names) == sorted([world.owner.name, world.member.name, world.stranger.name])
        bench.reset()

    run()
    bench.tracebacks.check()
    kit.figure("fuzz.import_mutations.examples", seen["examples"])
    kit.figure("fuzz.import_mutations.accepted_same_content", seen["accepted"])
    assert seen["examples"] >= min(counts.fuzz_mutations, 100)


# --- 3: validly sealed documents with fuzzed content ---------------------------------------------


def mostly(valid, fuzz):
    """``valid`` four times in five, else ``fuzz``: most sealed documents should get deep."""
    return st.integers(0, 4).flatmap(lambda pick: valid if pick else fuzz)


@st.composite
def sealed_config(draw, world, pool):
    names = [world.owner.name, world.member.name, world.stranger.name, world.group, world.other_group]
    identity = draw(mostly(st.just(world.owner.name), st.one_of(st.sampled_from(names), st.text(max_size=50))))
    group = draw(mostly(st.just(world.group), st.one_of(st.sampled_from(names), st.text(max_size=50))))
    cloud = draw(mostly(st.sampled_from(["Global_", "Other_", "x" * 126, "\u00e9t\u00e9 \U0001f600"]), st.text(max_size=130)))
    scope = draw(mostly(st.sampled_from(["GLOBAL", "SITELOCAL", "LINKLOCAL", "global", "Site-Local", " LINKLOCAL\n"]),
                        st.text(max_size=12)))
    flags = draw(mostly(st.sampled_from(["0", "1"]), st.text(max_size=4)))
    valid_chain = st.just([world.root_cert, world.owner_gmc]) | st.just([world.owner_gmc, world.root_cert])
    chain = draw(mostly(valid_chain, st.lists(st.sampled_from(pool), max_size=6)))
    chain_der = draw(mostly(st.just(kit.pkcs7_of(chain) if chain else kit.empty_pkcs7()), st.binary(max_size=64)))
    key = draw(mostly(st.sampled_from(["group", None]), st.sampled_from(["other", "garbage"])))
    fields = kit.GroupFields(identity, group, cloud, scope, flags, chain_der)
    key_der = {
        None: None,
        "group": certs.private_key_to_der(world.group_key),
        "other": certs.private_key_to_der(world.other_group_key),
        "garbage": b"\x30\x03\x02\x01\x00",
    }[key]
    return fields, key_der


def _xml_safe(fields):
    # The forger writes text verbatim: skip values XML cannot carry (the parser tests cover those).
    bad = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    return not any(bad.search(value) for value in fields[:5])


def test_fuzz_sealed_documents(world, counts, tmp_path):
    bench = ImportBench(world, tmp_path / "store")
    pool = [world.root_cert, world.owner_gmc, world.member_gmc, world.other_root_cert, world.fresh_owner_gmc(),
            world.owner.cert, world.stranger.cert]
    seen = {"examples": 0, "accepted": 0}

    @fuzz_settings(counts.fuzz_sealed)
    @given(sealed_config(world, pool))
    def run(case):
        fields, key_der = case
        if not _xml_safe(fields):
            return
        seen["examples"] += 1
        data = kit.forge_group_config(fields, world.seal_key, key_der)
        result = bench.attempt("config", data, overwrite="always")
        if result is None:
            return
        seen["accepted"] += 1
        content = kit.logical_content(bench.path)
        assert content["integrity_problems"] == []
        (stored,) = content["memberships"]
        # What was stored is what the seal covers.
        assert (stored["identity_peer_name"], stored["group_peer_name"], stored["cloud"]) == (
            fields.identity, fields.group, fields.cloud)
        assert stored["cloud_flags"] == int(fields.flags)
        assert stored["scope"] == documents.read_scope(fields.scope.strip(" \t\r\n"))
        assert stored["group_key"] == key_der
        with contextlib.closing(Store.open(bench.path, create=False)) as store:
            record = store.get_membership(fields.identity, fields.group)
            certs.verify_chain([certs.certificate_from_der(der) for der in record.chain], fields.group, fields.identity)
        bench.reset()

    run()
    bench.tracebacks.check()
    kit.figure("fuzz.sealed_documents.examples", seen["examples"])
    kit.figure("fuzz.sealed_documents.accepted", seen["accepted"])
    assert seen["examples"] >= min(counts.fuzz_sealed, 20) // 2


def test_fuzz_total_reaches_the_stress_figure(counts):
    names = ("fuzz.raw_parser.examples", "fuzz.import_mutations.examples", "fuzz.sealed_documents.examples")
    if not all(name in kit.FIGURES for name in names):
        pytest.skip("runs after the three fuzz tests")
    total = sum(kit.FIGURES[name] for name in names)
    kit.figure("fuzz.total_examples", total)
    if counts == kit.Counts.current() and kit.stress_mode() and not kit.counts_overridden():
        assert total >= 100000
