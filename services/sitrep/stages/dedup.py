"""Exact and near-duplicate detection with MinHash, split so its state can be partitioned.

The index is sharded by LSH band: an article's band keys are routed to the partitions that
own them (``route``), each partition answers with the earlier articles it knows that share
a band and look alike (``probe``), and the answers are merged (``resolve``). Run with one
shard (a ``dict``) this is ordinary LSH; run over N Kafka partitions it finds the same
candidates, because every pair that shares a band meets in that band's partition.

Similarity is estimated *containment* of the shorter text in the longer one, not Jaccard:
a copy cut to 70 % or wrapped in extra paragraphs still contains the original.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field

import numpy as np

from sitrep.models import Dedup

NUM_PERM = 128  # minhash values kept per article (16 bits each: 256 bytes)
BANDS = 32  # LSH bands over the first BANDS * ROWS values
ROWS = 2
SHINGLE = 4  # words per shingle

_rng = np.random.default_rng(20181020)
_A = _rng.integers(0, 2**64 - 1, size=(NUM_PERM, 1), dtype=np.uint64, endpoint=True) | np.uint64(1)
_B = _rng.integers(0, 2**64 - 1, size=(NUM_PERM, 1), dtype=np.uint64, endpoint=True)
_MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F][:SHINGLE], dtype=np.uint64)
_WORD = re.compile(r"\w+")
_ENTRY = struct.Struct("<qIQ")  # order, shingle count, exact hash; then NUM_PERM uint16


@dataclass(frozen=True, slots=True)
class Signature:
    """What dedup needs of an article: an exact hash, a MinHash sketch and its set size."""

    exact: int
    minhash: bytes  # NUM_PERM little-endian uint16
    size: int
    bands: tuple[int, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Candidate:
    """An earlier article that shares a band (or the exact hash) with the probed one."""

    id: str
    order: int
    similarity: float
    exact: bool


def normalise(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def sign(body: str) -> Signature:
    """MinHash signature of the word 4-gram shingles of ``body``."""
    words = normalise(body)
    exact = int.from_bytes(hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest(), "little") >> 1
    tokens = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    if len(tokens) >= SHINGLE:
        windows = np.lib.stride_tricks.sliding_window_view(tokens, SHINGLE)
        shingles = np.unique((windows * _MIX).sum(axis=1) & np.uint64(0xFFFFFFFF))
    else:
        shingles = np.unique(tokens) if len(tokens) else np.zeros(1, dtype=np.uint64)
    # Multiply-shift hashing: with a random odd 64-bit a, the top 32 bits of a*x+b mod 2**64
    # are a universal family, and numpy's wrapping uint64 arithmetic gives that without a
    # slow modulo. (With a < 2**32 nothing wraps and the hash is monotone in x: no good.)
    hashed = (_A * shingles[None, :] + _B) >> np.uint64(32)
    mins = hashed.min(axis=1)
    bands = tuple(
        int.from_bytes(hashlib.blake2b(mins[i * ROWS : (i + 1) * ROWS].tobytes() + bytes([i]), digest_size=8).digest(), "little") >> 1
        for i in range(BANDS)
    )
    return Signature(exact=exact, minhash=(mins & np.uint64(0xFFFF)).astype("<u2").tobytes(), size=int(len(shingles)), bands=bands)


def keys(sig: Signature) -> list[int]:
    """Index keys of a signature: its band keys, then its exact hash (marked by the top bit)."""
    return [*sig.bands, sig.exact | (1 << 63)]


def route(index_keys: Iterable[int], partitions: int) -> dict[int, list[int]]:
    """Which index keys each partition owns; every partition that owns one gets a probe."""
    routed: dict[int, list[int]] = {}
    for key in index_keys:
        routed.setdefault(key % partitions, []).append(key)
    return routed


def pack(order: int, sig: Signature) -> bytes:
    return _ENTRY.pack(order, sig.size, sig.exact) + sig.minhash


def unpack(entry: bytes) -> tuple[int, int, int, bytes]:
    order, size, exact = _ENTRY.unpack_from(entry)
    return order, size, exact, entry[_ENTRY.size :]


def containment(sig_a: bytes, size_a: int, sig_b: bytes, size_b: int) -> float:
    """Estimated share of the smaller shingle set found in the larger one."""
    a = np.frombuffer(sig_a, dtype="<u2")
    b = np.frombuffer(sig_b, dtype="<u2")
    jaccard = float(np.count_nonzero(a == b)) / NUM_PERM
    if jaccard <= 0.0:
        return 0.0
    small, large = sorted((max(size_a, 1), max(size_b, 1)))
    return min(1.0, jaccard * (small + large) / ((1.0 + jaccard) * small))


def probe(
    article_id: str,
    order: int,
    sig: Signature,
    index_keys: Iterable[int],
    index: MutableMapping[int, list[str]],
    entries: MutableMapping[str, bytes],
    *,
    min_similarity: float,
    max_bucket: int = 64,
) -> list[Candidate]:
    """Earlier articles that share ``index_keys`` with this one and look alike; then index it.

    ``index`` maps an index key to the ids filed under it, ``entries`` an id to its packed
    signature: one shard's state, a ``dict`` in tests and offline, Faust tables in the worker.
    A message seen again (same id, same order: a redelivery) finds what it found the first
    time and changes nothing; the same id with a later order is a repeat, an exact copy.
    """
    found: dict[str, Candidate] = {}
    known = entries.get(article_id)
    if known is not None and unpack(known)[0] < order:
        found[article_id] = Candidate(article_id, unpack(known)[0], 1.0, True)
    key_list = list(index_keys)
    for key in key_list:
        for other in index.get(key, ()):
            if other in found or other == article_id:
                continue
            packed = entries.get(other)
            if packed is None:
                continue
            other_order, other_size, other_exact, other_min = unpack(packed)
            if (other_order, other) >= (order, article_id):
                continue  # only earlier articles can be the original
            if other_exact == sig.exact:
                found[other] = Candidate(other, other_order, 1.0, True)
                continue
            sim = containment(sig.minhash, sig.size, other_min, other_size)
            if sim >= min_similarity:
                found[other] = Candidate(other, other_order, round(sim, 4), False)
    if known is None:
        entries[article_id] = pack(order, sig)
        for key in key_list:
            bucket = index.get(key, [])
            # A band shared by very many articles is boilerplate, not evidence: keep the
            # first ones (the originals) and stop growing it.
            if len(bucket) < max_bucket:
                index[key] = [*bucket, article_id]
    return list(found.values())


def resolve(article_id: str, candidates: Iterable[Candidate], *, near: float) -> Dedup:
    """Merge the shards' candidates: the first-seen copy is the original; else the story."""
    cands = sorted(candidates, key=lambda c: (c.order, c.id))
    exact = [c for c in cands if c.exact]
    if exact:
        return Dedup(status="exact_duplicate", duplicate_of=exact[0].id, similarity=1.0, story_id=exact[0].id)
    near_copies = [c for c in cands if c.similarity >= near]
    if near_copies:
        best = near_copies[0]
        return Dedup(status="near_duplicate", duplicate_of=best.id, similarity=best.similarity, story_id=best.id)
    if cands:
        return Dedup(status="unique", similarity=max(c.similarity for c in cands), story_id=cands[0].id)
    return Dedup(status="unique", story_id=article_id)
