"""How one dedup shard's state is laid out: packed entries, and the index derived from them.

``entries`` maps a message key (``entry_key``: article id and order) to its packed entry:
order, shingle count, which of its band keys it is a distinct holder of (``counted``), sketch,
facts (where any is stated), id, the index keys filed in this shard, the story terms (where a
story term bucket here holds it), and the answer the shard gave the first time
(so a redelivered probe gets the same answer, whatever was filed since). It is the state that is kept: a Faust table with a changelog in the worker, a
``dict`` offline.

``index`` maps an index key (a band key, or the exact key) to the 8-byte entry keys of the
articles filed under it, concatenated; a member's top bit (``HOLDER``) marks a distinct holder
of a band or story term key (its entry's ``counted`` bit), so how many distinct articles hold
a key is read from its bucket alone. It is derived: ``rebuild`` makes it again from the
entries (after a restart or a rebalance), so it is never written to a changelog, and a
restarted worker reads one small record per article instead of every bucket it touched.
"""

from __future__ import annotations

import hashlib
import struct
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np

from sitrep.stages.dedup.facts import FACTS_BYTES
from sitrep.stages.dedup.sketch import SKETCH_BYTES, Signature
from sitrep.stages.dedup.terms import TERMS, padded

# order, shingle count, id length, key count (with bits for the unfiled keys and whether the
# facts and the story terms are kept), counted (bit i: a distinct holder of its i-th index
# key); then the sketch, the facts (where kept), the id, the keys, the story terms (where
# kept), the answer
# Bumped whenever the packing below changes: the worker's table is named by it.
LAYOUT = 7
_ENTRY = struct.Struct("<qIHHI")
_HEAD = np.dtype([("order", "<i8"), ("size", "<u4"), ("id_len", "<u2"), ("keys", "<u2"), ("counted", "<u4")])
# a candidate in an answer: its entry key; similarity * 10^4 with a bit if exact and one if the
# facts conflict; distinctive band keys shared, with a bit if one story; band keys shared (the
# ratio of the two texts' sizes is not kept: both entries hold their sizes)
_FOUND = struct.Struct("<QHBB")
_EXACT = 1 << 15
_CONFLICT = 1 << 14
_STORY = 1 << 7
# entry key, similarity, exact, distinctive keys shared, conflict, one story by its terms, keys shared
Answer = Sequence[tuple[int, float, bool, int, bool, bool, int]]
_KEY = struct.Struct("<Q")
SKETCH_AT = _ENTRY.size
FACTS_AT = SKETCH_AT + SKETCH_BYTES
_ID_AT = FACTS_AT  # where an entry's id starts, when it keeps no facts
_TERMS = struct.Struct(f"<{TERMS}H")  # 16 bits of each story term, 0 for an empty slot
_WITH_TERMS = 1 << 15  # in the key count: the entry keeps the story terms (after its keys)
_WITH_FACTS = 1 << 14  # in the key count: the entry keeps its facts (before its id)
_UNFILED_SHIFT = 8  # in the key count, from this bit: its last keys (by position from the end) not filed in their bucket
_UNFILED = 0x3F << _UNFILED_SHIFT
_COUNT = 0xFF  # the key count itself
_NO_PACKED_TERMS = bytes(_TERMS.size)
_NO_FACTS = bytes(FACTS_BYTES)  # what an entry that keeps none states: nothing (``facts``)


def entry_key(article_id: str, order: int, shard: int = 0, shards: int = 1) -> int:
    """The 63-bit key a message (an article id at an order) is filed under in one shard's state.

    A message, not an id: a shard only learns of an id through the keys routed to it, so
    "this id was seen before" is settled like any other likeness, by the keys two messages
    share, and the answer is the same whatever the shards. Like an index key it is ``shard``
    modulo ``shards``, so each partition's state is its own and a partition can evict (and
    write the deletes to its changelog) without touching another's, even when one worker
    holds both in one table.
    """
    digest = int.from_bytes(hashlib.blake2b(f"{order}:{article_id}".encode(), digest_size=8).digest(), "little") >> 1
    return digest - digest % shards + shard


def pack(order: int, sig: Signature, article_id: str, index_keys: Sequence[int] = (), answer: Answer = (), counted: int = 0,
         terms: bool = True, unfiled: int = 0) -> bytes:
    """An entry: what probes compare against, the keys it is filed under in this shard, and
    the answer it got. The story terms are kept with ``terms`` only: a shard compares them
    where a story term bucket holds the article, so the others need not keep them. Facts
    that state nothing are not kept (``facts_of`` reads them as all 0). Bit j of
    ``unfiled`` marks its (j + 1)-th key from the end as not filed in that key's bucket (a
    full story term bucket takes no more, see ``index``)."""
    raw_id = article_id.encode()
    facts = sig.facts[:FACTS_BYTES].ljust(FACTS_BYTES, b"\0")
    flags = (_WITH_TERMS if terms else 0) | (_WITH_FACTS if facts != _NO_FACTS else 0) | unfiled << _UNFILED_SHIFT
    head = _ENTRY.pack(order, sig.size, len(raw_id), len(index_keys) | flags, counted)
    kept = _terms_kept(sig.terms) if terms else b""
    return (head + sig.minhash + (facts if flags & _WITH_FACTS else b"") + raw_id + bucket_of(index_keys) + kept
            + (packed_answer(answer) if answer else b""))


@lru_cache(maxsize=1024)
def _terms_kept(terms: tuple[int, ...]) -> bytes:
    """The story terms as an entry keeps them, packed once per article (every shard it is filed in packs them)."""
    return _TERMS.pack(*padded(terms))


def _id_at(n_keys: int) -> int:
    """Where the id starts, by the key count's flags."""
    return _ID_AT + FACTS_BYTES if n_keys & _WITH_FACTS else _ID_AT


def with_counted(entry: bytes, counted: int) -> bytes:
    """The entry with its ``counted`` bits set."""
    order, size, id_len, n_keys, _ = _ENTRY.unpack_from(entry)
    return _ENTRY.pack(order, size, id_len, n_keys, counted) + entry[_ENTRY.size :]


def packed_answer(answer: Answer) -> bytes:
    """An answer as it ends an entry: ``pack(..., answer)`` is ``pack(...) + packed_answer(answer)``."""
    return b"".join(_FOUND.pack(key, round(sim * 10_000) | (_EXACT if exact else 0) | (_CONFLICT if conflict else 0),
                                distinct | (_STORY if story else 0), shared)
                    for key, sim, exact, distinct, conflict, story, shared in answer)


def unpack(entry: bytes) -> tuple[int, int, bytes, str]:
    """Order, shingle count, sketch and id of a packed entry."""
    order, size, id_len, n_keys, _ = _ENTRY.unpack_from(entry)
    at = _id_at(n_keys)
    return order, size, entry[SKETCH_AT:FACTS_AT], entry[at : at + id_len].decode()


def facts_of(entry: bytes) -> bytes:
    """The entry's packed facts (all 0 where it keeps none: none stated)."""
    return entry[FACTS_AT : FACTS_AT + FACTS_BYTES] if _ENTRY.unpack_from(entry)[3] & _WITH_FACTS else _NO_FACTS


def terms_of(entry: bytes) -> tuple[int, ...]:
    """The 16-bit story terms of an entry (0: an empty slot; all empty where it keeps none)."""
    return _TERMS.unpack(_packed_terms(entry))


def terms_rows(entries: Sequence[bytes]) -> np.ndarray:
    """The story terms of many entries, a row each (read as packed, not as ints)."""
    return np.frombuffer(b"".join(map(_packed_terms, entries)), dtype="<u2").reshape(len(entries), TERMS)


def _packed_terms(entry: bytes) -> bytes:
    _, _, id_len, n_keys, _ = _ENTRY.unpack_from(entry)
    if not n_keys & _WITH_TERMS:
        return _NO_PACKED_TERMS
    at = _id_at(n_keys) + id_len + 8 * (n_keys & _COUNT)
    return entry[at : at + _TERMS.size]


def size_of(entry: bytes) -> int:
    """The shingle count of the entry's text."""
    return _ENTRY.unpack_from(entry)[1]


def size_ratio(size: int, other: int) -> float:
    """The smaller of two shingle counts over the larger, in steps of 1/1000 (as answers report it)."""
    size, other = max(size, 1), max(other, 1)
    return round(size / other if size < other else other / size, 3)


def order_of(entry: bytes) -> int:
    return _ENTRY.unpack_from(entry)[0]


def order_size(entry: bytes) -> tuple[int, int]:
    """Order and shingle count (``heads`` of one entry)."""
    return _ENTRY.unpack_from(entry)[:2]


def id_of(entry: bytes) -> str:
    _, _, id_len, n_keys, _ = _ENTRY.unpack_from(entry)
    at = _id_at(n_keys)
    return entry[at : at + id_len].decode()


def rank_of(entry: bytes) -> tuple[int, str]:
    """Order and id: which of two articles came first."""
    order, _, id_len, n_keys, _ = _ENTRY.unpack_from(entry)
    at = _id_at(n_keys)
    return order, entry[at : at + id_len].decode()


def comes_before(entry: bytes, rank: tuple[int, str]) -> bool:
    """Whether the entry's article comes before (order, id) ``rank`` (the id read only on a tie)."""
    order, _, id_len, n_keys, _ = _ENTRY.unpack_from(entry)
    if order != rank[0]:
        return order < rank[0]
    at = _id_at(n_keys)
    return entry[at : at + id_len].decode() < rank[1]


def indexed_under(entry: bytes) -> list[int]:
    """The index keys whose buckets hold the entry: those it is filed under, less the ones
    marked not filed (what ``index.rebuild`` files it under)."""
    keys = filed_under(entry)
    unfiled = (_ENTRY.unpack_from(entry)[3] & _UNFILED) >> _UNFILED_SHIFT
    return [key for i, key in enumerate(keys) if not unfiled >> (len(keys) - 1 - i) & 1] if unfiled else keys


def filed_under(entry: bytes) -> list[int]:
    """The index keys an entry is filed under in its shard."""
    _, _, id_len, n_keys, _ = _ENTRY.unpack_from(entry)
    start = _id_at(n_keys) + id_len
    return _keys_in(entry[start : start + 8 * (n_keys & _COUNT)]).tolist()


def holder_words(entry: bytes, key: int) -> list[tuple[int, int]]:
    """The index keys whose buckets hold the entry (``indexed_under``), each with the word it
    is filed as there: its entry ``key``, with HOLDER where it is a distinct holder of that key."""
    counted = _ENTRY.unpack_from(entry)[4]
    keys = filed_under(entry)
    indexed = set(indexed_under(entry))
    return [(index_key, key | HOLDER if counted >> i & 1 else key) for i, index_key in enumerate(keys) if index_key in indexed]


def answer_of(entry: bytes) -> list[tuple[int, float, bool, int, bool, bool, int]]:
    """The candidates the entry's article was answered with the first time: entry key,
    similarity, exact, distinctive band keys shared, facts in conflict, one story by its terms,
    band keys shared."""
    _, _, id_len, n_keys, _ = _ENTRY.unpack_from(entry)
    rest = entry[_id_at(n_keys) + id_len + 8 * (n_keys & _COUNT) + (_TERMS.size if n_keys & _WITH_TERMS else 0) :]
    return [(key, (value & ~(_EXACT | _CONFLICT)) / 10_000, bool(value & _EXACT), flags & ~_STORY, bool(value & _CONFLICT),
             bool(flags & _STORY), shared)
            for key, value, flags, shared in _FOUND.iter_unpack(rest)]


def heads(entries: list[bytes]) -> np.ndarray:
    """Orders and shingle counts (fields ``order``, ``size``) of many entries, at once."""
    return np.frombuffer(b"".join(e[: _ENTRY.size] for e in entries), dtype=_HEAD)


def _keys_in(data: bytes | bytearray) -> array:
    """Concatenated little-endian 8-byte keys."""
    found = array("Q", data)
    if sys.byteorder == "big":
        found.byteswap()
    return found


HOLDER = 1 << 63  # on a member of a bucket: a distinct holder of the bucket's key (entry keys are below it)
_MEMBER = HOLDER - 1
_UNMARKED = bytes(range(0x80))  # a member's top byte without the HOLDER bit


def words(bucket: bytes | None) -> list[int]:
    """The members of an ``index`` bucket as filed: entry keys, with HOLDER where set."""
    return _keys_in(bucket).tolist() if bucket else []


def members(bucket: bytes | None) -> list[int]:
    """Entry keys in an ``index`` bucket."""
    return _keys_in(_unmarked(bucket)).tolist() if bucket else []


def all_members(buckets: Sequence[bytes]) -> set[int]:
    return set(_keys_in(_unmarked(b"".join(buckets)))) if buckets else set()


_CLEARED = bytes(top & ~(HOLDER >> 56) for top in range(0x100))  # a member's top byte without the HOLDER bit


def _unmarked(bucket: bytes) -> bytes | bytearray:
    """The bucket with no member marked: the HOLDER bits cleared in the top bytes, at once
    (bytes methods, not an int operation per member)."""
    tops = bucket[7::8]
    cleared = tops.translate(_CLEARED)
    if cleared == tops:
        return bucket
    words = bytearray(bucket)
    words[7::8] = cleared
    return words


def marked_in(bucket: bytes) -> int:
    """How many members of a bucket are marked distinct holders of its key (their top bytes with HOLDER set)."""
    return len(bucket[7::8].translate(None, _UNMARKED))


def as_holder(bucket: bytes, word: bytes, marked: bytes) -> bytes | None:
    """The bucket with a member marked a distinct holder; None when it is not a member. The
    member as filed (``key_bytes(key)``) and marked (``key_bytes(key | HOLDER)``) are passed
    in, as the caller marks one article in many buckets."""
    at = bucket.find(word)
    while at >= 0 and at % 8:
        at = bucket.find(word, at + 1)
    return None if at < 0 else bucket[:at] + marked + bucket[at + 8 :]


def bucket_of(keys: Iterable[int]) -> bytes:
    """Keys as concatenated little-endian 8-byte words."""
    packed = array("Q", keys)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def last_key(bucket: bytes) -> int:
    """The key a bucket ends with."""
    return _KEY.unpack_from(bucket, len(bucket) - 8)[0] & _MEMBER


key_bytes = _KEY.pack  # one key as a bucket of one (a C call: this is the hot path)


def as_key(key: int | bytes) -> int:
    """A table key as an int: tables seen through the worker's view iterate raw 8-byte keys."""
    return int.from_bytes(key, "little") if isinstance(key, (bytes, bytearray)) else int(key)


def shard_entries(entries: Mapping[int, bytes], shard: int = 0, shards: int = 1) -> list[tuple[int, bytes]]:
    """This shard's (entry key, entry) pairs."""
    rows = []
    for raw_key in list(entries):
        key = as_key(raw_key)
        if key % shards == shard and (packed := entries.get(key)) is not None:
            rows.append((key, packed))
    return rows


def state_bytes(index: Mapping[int, bytes], entries: Mapping[int, bytes]) -> int:
    """Size of one shard's dedup state as 8-byte keys and packed values (index included)."""
    total = 0
    for table in (index, entries):
        for raw_key in list(table):
            value = table.get(as_key(raw_key))
            total += 8 + (len(value) if value is not None else 0)
    return total
