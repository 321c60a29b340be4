"""Exact and near-duplicate detection with MinHash, split so its state can be partitioned.

The index is sharded by LSH band: an article's band keys are routed to the partitions that
own them (``route``), each partition answers with the earlier articles it knows that share
bands and look alike (``probe``), and the answers are merged (``resolve``). Run with one
shard (a ``dict``) this is ordinary LSH; run over N Kafka partitions it finds the same
candidates, because every pair that shares a band meets in that band's partition.

Signatures (``sign``, in ``dedup_sketch``): word 4-grams of the cleaned body, numbers as one
token, a 256-bin one-permutation MinHash kept at 4 bits a bin, 16 one-row LSH bands.

Similarity is a Tversky index estimated from the sketches and the exact set sizes: shared
shingles / (smaller set + EXTRA_WEIGHT * the larger's unshared ones). With weight 0 that is
containment, which a copy cut to 70 % or wrapped in comments still scores high on; the
weight keeps a page that merely quotes a short article (a teaser) from passing as its copy.
A candidate must share an estimated MIN_SHARED shingles: a very short text is no evidence
of copying.

State, per shard (``dedup_state``): ``entries``, one packed record per article (order,
shingle count, sketch, id, and the index keys it is filed under), and ``index``, from an
index key to the articles filed under it (a full bucket keeps its earliest and latest few).
Only the entries are kept (in the worker, a table with a changelog): the index is derived
from them (``rebuild``). ``evict`` bounds both by age and count.

``sign_many`` and ``probe_many`` do a whole batch (a worker's ``take_events``) at once with
the same answers as ``sign`` and ``probe`` one by one, which are those with a batch of one.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

import numpy as np

from sitrep.models import Dedup
from sitrep.stages.dedup import terms as story
from sitrep.stages.dedup.entries import (
    HOLDER,
    SKETCH_AT,
    all_members,
    answer_of,
    as_holder,
    bucket_of,
    comes_before,
    entry_key,
    facts_of,
    filed_under,
    heads,
    holder_words,
    id_of,
    key_bytes,
    last_key,
    marked_in,
    members,
    order_of,
    order_size,
    pack,
    packed_answer,
    rank_of,
    shard_entries,
    size_of,
    size_ratio,
    state_bytes,
    terms_of,
    terms_rows,
    unpack,
    with_counted,
    words,
)
from sitrep.stages.dedup.entries import LAYOUT as ENTRY_LAYOUT
from sitrep.stages.dedup.facts import (
    Fields,
    conflict_stated,
    event_facts,
    other_event_stated,
    other_events,
    same_day_stated,
    same_days,
    stated,
    written_mask,
)
from sitrep.stages.dedup.facts import fields as fact_fields
from sitrep.stages.dedup.sketch import (
    BANDS,
    BITS,
    NUM_PERM,
    SHINGLE,
    SKETCH_BYTES,
    Signature,
    Sketch,
    Sketches,
    jaccard,
    jaccards,
    round4,
    sign,
    sign_many,
    tversky,
    tversky_one,
)

__all__ = ["BANDS", "BITS", "ENTRY_LAYOUT", "EXACT_BIT", "NUM_PERM", "SHINGLE", "STORY_CHAIN", "STORY_CHAIN_DAY", "STORY_TERMS",
           "STORY_TERMS_DAY", "TERM_BIT", "TERM_BUCKET", "Ages", "Candidate",
           "Signature", "MIN_DISTINCT", "STORY_DISTINCT", "ages_of", "conflict", "distinctive",
           "entry_key", "evict",
           "evict_oldest", "event_facts", "written_mask", "id_key", "keys", "members", "merged", "pack", "probe", "probe_many", "rebuild", "resolve",
           "route", "sign", "sign_many", "similarity", "state_bytes", "term_keys", "unpack"]

EXTRA_WEIGHT = 0.3  # Tversky weight of the larger text's unshared shingles
MIN_SHARED = 8  # estimated shared shingles below which there is no evidence of a copy
LINK_SIMILARITY = 0.55  # the earliest copy this similar and within LINK_MARGIN of the best is linked
LINK_MARGIN = 0.3
MIN_DISTINCT = 2  # distinctive band keys two articles must share to be copies: their cores overlap
STORY_DISTINCT = 3  # and to be one story by their wording (one shared paragraph of boilerplate is no story)
COMMON_HOLDERS = 3  # a band key held by this many earlier distinct articles is common text, not evidence
ALIKE = 0.6  # an article this similar to an earlier holder of a band key is its copy there, not a distinct holder
STORY_TERMS = 0.35  # weighted share of story terms (``terms.similarity``) from which two reports are one story
STORY_CHAIN = 0.4  # and from which two earlier reports in one story term bucket are chained (``_chains``): errors compound along a chain
# The same two bars for two reports that state one day (``facts.same_day``): the day is evidence
# of one event that names alone are not, so fewer shared names suffice.
STORY_TERMS_DAY = 0.2
STORY_CHAIN_DAY = 0.3
TERM_COMMON = 4  # a story term key held by this many earlier distinct stories names no one event (an outlet, a country)
EXACT_BIT = 1 << 63  # marks the exact-body key among the band keys
TERM_BIT = 1 << 62  # marks a story term key (band keys are below it)
# A story term key's bucket holds the first holders to arrive, up to this many; a later one is
# marked in its entry as not filed there (``entries.pack``'s ``unfiled``), so the bucket is always
# what its entries say, after evictions and restarts alike (the earliest reports are the ones
# a story needs, and a key this widely held is common anyway).
TERM_BUCKET = 8
assert TERM_BUCKET <= 16, "a story term bucket's chains are masks of its members, read through a table of every mask (``_chains``)"
_TERM_MIX = 0x9E3779B97F4A7C15
_BY_ORDER = itemgetter(1, 0)  # a Candidate's (order, id)


class Candidate(NamedTuple):
    """An earlier article that shares a band (or the exact hash) with the probed one.

    ``distinct`` and ``shared`` are this shard's share of the evidence of copying: of the band
    keys the two share among those this shard owns, the distinctive ones (held by few distinct
    articles, unlike chrome, boilerplate and stock phrases), and all. ``resolve`` adds the
    shares up, so the verdict is the same whatever the partitioning.
    """

    id: str
    order: int
    similarity: float  # of the wording, from the sketches
    exact: bool
    distinct: int = 0
    conflict: bool = False  # the two state different facts of their main event (``facts.conflict``)
    story: bool = False  # one story by their terms: alike (STORY_TERMS) and sharing a distinctive term key here
    shared: int = 0  # band keys the two share here, distinctive or common
    ratio: float = 1.0  # the smaller text's shingle count over the larger's


def _candidate(fields: tuple[str, int, float, bool, int, bool, bool, int, float]) -> Candidate:
    """A Candidate of all its fields, made without the keyword parsing of its constructor (many a probe)."""
    return tuple.__new__(Candidate, fields)


def keys(sig: Signature, article_id: str | None = None) -> list[int]:
    """Index keys of a signature: its exact hash (marked by the top bit), the article id's key
    (``id_key``, when given), its band keys, then its story term keys (``term_keys``).

    A text too short to show copying (fewer than MIN_SHARED shingles) has no exact key
    either: two bodies that are both "Read more" are not one story.
    """
    exact = [sig.exact | EXACT_BIT] if sig.size >= MIN_SHARED else []
    return exact + ([id_key(article_id)] if article_id is not None else []) + list(sig.bands) + term_keys(sig.terms)


def term_keys(terms: Sequence[int]) -> list[int]:
    """The index keys of an article's most frequent story terms (``terms.TERM_KEYS``), marked by TERM_BIT."""
    return list(dict.fromkeys([((t * _TERM_MIX) & (TERM_BIT - 1)) | TERM_BIT for t in terms[: story.TERM_KEYS]]))


def id_key(article_id: str) -> int:
    """The index key every message with this id is filed under (top bit set, like an exact
    key): one shard sees all of them, so an id used again for a different article is found
    whatever its text (see ``conflict``)."""
    digest = hashlib.blake2b(article_id.encode(), digest_size=8, person=b"sitrep-id").digest()
    return int.from_bytes(digest, "little") | EXACT_BIT


def route(index_keys: Iterable[int], partitions: int) -> dict[int, list[int]]:
    """Which index keys each partition owns; every partition that owns one gets a probe."""
    if partitions == 1:
        return {0: list(index_keys)}
    routed: dict[int, list[int]] = {}
    for key in index_keys:
        routed.setdefault(key % partitions, []).append(key)
    return routed


def similarity(sig_a: Signature, sig_b: Signature) -> float:
    """The similarity ``probe`` reports for two signatures (0 when too little is shared)."""
    one = np.zeros(1, dtype=np.intp)
    jac = jaccards(Sketches([sig_a.minhash]), one, Sketches([sig_b.minhash]), one)
    sim, shared = tversky(jac, np.array([sig_a.size]), np.array([sig_b.size]), EXTRA_WEIGHT)
    return float(np.round(sim[0], 4)) if shared[0] >= MIN_SHARED else 0.0


# --- the stateful part --------------------------------------------------------------------------

Request = tuple[str, int, Signature, Iterable[int]]  # article id, order, signature, this shard's keys
Ages = list[tuple[int, str, int]]  # a heap of (order, id, entry key): a shard's entries, oldest first


def probe(
    article_id: str,
    order: int,
    sig: Signature,
    index_keys: Iterable[int],
    index: MutableMapping[int, bytes],
    entries: MutableMapping[int, bytes],
    *,
    min_similarity: float,
    max_bucket: int = 8,
    window: int | None = None,
    shard: int = 0,
    shards: int = 1,
    ages: Ages | None = None,
) -> list[Candidate]:
    """Earlier articles that share ``index_keys`` with this one and look alike; then index it.

    ``index`` and ``entries`` are one shard's state (see the module docstring): ``dict`` s in
    tests and offline, Faust tables in the worker. Only earlier articles (by ``order``, then
    id) are candidates, and with a ``window`` only those less than ``window`` older, so the
    answer does not depend on when eviction last ran. The exact key finds identical bodies;
    an article sharing a band key is compared by its sketch, and reported when at least
    ``min_similarity`` alike. A message seen again (same id, same order: a redelivery)
    finds what it found the first time and changes nothing; an earlier message with the
    same id that is found is a repeat: an exact copy of itself. ``shard`` of ``shards``
    names the partition whose state this is (see ``entry_key``).
    """
    options = {"min_similarity": min_similarity, "max_bucket": max_bucket, "window": window, "shard": shard, "shards": shards, "ages": ages}
    return probe_many([(article_id, order, sig, index_keys)], index, entries, **options)[0]


def probe_many(
    requests: Sequence[Request],
    index: MutableMapping[int, bytes],
    entries: MutableMapping[int, bytes],
    *,
    min_similarity: float,
    max_bucket: int = 8,
    window: int | None = None,
    shard: int = 0,
    shards: int = 1,
    ages: Ages | None = None,
) -> list[list[Candidate]]:
    """``probe`` for each request in turn, the sketches of all of them compared at once.

    The same answers as calling ``probe`` request by request: who is a candidate is settled
    in order (each request sees the ones before it), only the arithmetic is batched. With
    ``ages``, every article filed is pushed on that heap (see ``evict_oldest``).
    """
    found: list[dict[str, Candidate]] = []
    sharing: list[set[int]] = []  # per request: who shares a band with it, as the buckets stood
    naming: list[set[int]] = []  # per request: who shares a story term key with it
    filed_as: dict[tuple[str, int], int] = {}  # (id, order) of a candidate -> its entry key
    mine: list[_Filed | None] = []  # per request: how it was filed; None for a redelivery
    room = 8 * (max_bucket - 1)  # a bucket shorter than this takes one more without a second look
    full_size = 8 * max_bucket
    for article_id, order, sig, index_keys in requests:
        me = entry_key(article_id, order, shard, shards)
        key_list = list(index_keys)
        hits: dict[str, Candidate] = {}
        found.append(hits)
        if entries.get(me) is not None:  # a redelivery: answered below as the first time
            mine.append(None)
            sharing.append(set())
            naming.append(set())
            continue
        oldest = None if window is None else order - window
        buckets = list(map(index.get, key_list))
        shared, told = [], []
        filed = key_bytes(me)
        rank = (order, article_id)
        first = key_bytes(me | HOLDER)  # the first holder of a band or term key is a distinct one
        bands = terms = present = full = unfiled = unfiled_at = 0
        last = len(key_list) - 1
        for i, (key, bucket) in enumerate(zip(key_list, buckets)):
            if key < TERM_BIT:
                bands |= 1 << i
                if bucket is None:
                    index[key] = first
                    continue
                shared.append(bucket)
                if len(bucket) < room:
                    index[key] = bucket + filed
                else:
                    if len(bucket) >= full_size:
                        full |= 1 << i
                    _file(index, entries, key, bucket, me, rank, max_bucket)
            elif key < EXACT_BIT:
                terms |= 1 << i
                if bucket is None:
                    index[key] = first
                    continue
                told.append(bucket)
                if len(bucket) < 8 * TERM_BUCKET:  # the first holders to arrive, and no more: see TERM_BUCKET
                    index[key] = bucket + filed
                else:
                    unfiled |= 1 << (last - i)
                    unfiled_at |= 1 << i
            else:
                if bucket is None:
                    index[key] = filed
                    continue
                if key == id_key(article_id):
                    _same_id(hits, filed_as, bucket, entries, me, (article_id, order, sig), oldest)
                else:
                    for other in members(bucket):  # an identical body is an exact copy, whatever the bands say
                        earlier = _earlier(entries.get(other), order, article_id, oldest) if other != me else None
                        if earlier is not None:
                            _keep(hits, Candidate(earlier[1], earlier[0], 1.0, True))
                            filed_as[earlier[1], earlier[0]] = other
                _file(index, entries, key, bucket, me, rank, max_bucket)
            if bucket:
                present |= 1 << i
        others = all_members(shared)
        others.discard(me)
        sharing.append(others)
        named = all_members(told)
        named.discard(me)
        naming.append(named)
        # the story terms are read where a story term bucket holds the article, and only there
        entries[me] = pack(order, sig, article_id, key_list, terms=bool(terms & ~unfiled_at), unfiled=unfiled)
        if ages is not None:
            heapq.heappush(ages, (order, article_id, me))
        mine.append(_Filed(me, key_list, buckets, bands, terms, present, full))
    _compare(requests, sharing, entries, found, min_similarity, window, filed_as)
    storied = _one_story(requests, naming, entries, window)
    chains = _chains(mine, storied, entries)
    answers = []
    later: dict[int, set[int]] = {}
    for request, hits, filing, alike_story in zip(requests, found, mine, storied):
        if filing is None:
            answers.append(_answered(entries.get(entry_key(request[0], request[1], shard, shards)), entries))
            continue
        answer, counted = _weigh(request, sorted(hits.values(), key=_BY_ORDER), alike_story, filing, index, entries, filed_as, later,
                                 max_bucket, chains, None if window is None else request[1] - window)
        answers.append(answer)
        if counted or answer:  # the marks and the answer go with the entry, in one write
            entry = entries[filing.me]
            if counted:
                entry = with_counted(entry, counted)
            if answer:
                entry += packed_answer([(filed_as[c.id, c.order], c.similarity, c.exact, c.distinct, c.conflict, c.story, c.shared)
                                        for c in answer])
            entries[filing.me] = entry
    return answers


class _Filed(NamedTuple):
    """How a request was filed: its entry key, its index keys and their buckets as they stood
    before it, and which of those keys are band keys, story term keys, held already, and
    band keys whose bucket was full (bitmasks by position: bit i is ``keys[i]``)."""

    me: int
    keys: list[int]
    buckets: list[bytes | None]
    bands: int
    terms: int
    present: int
    full: int


def _weigh(request: Request, hits: list[Candidate], alike_story: dict[int, tuple[int, str]], filing: _Filed,
           index: MutableMapping[int, bytes], entries: MutableMapping[int, bytes], filed_as: dict[tuple[str, int], int],
           later: dict[int, set[int]], max_bucket: int, chains: Chains, oldest: int | None
           ) -> tuple[list[Candidate], int]:
    """The evidence of each candidate in this shard's band and term keys, and which keys the
    article is a distinct holder of (marked in its buckets, and returned for its entry: a
    bitmask by position).

    A band key's earlier holders are its bucket's members before the article; the distinct
    ones among them are those that were not a copy of an earlier holder when filed (so a
    story copied twenty times counts once). A key with COMMON_HOLDERS distinct holders is
    common text (an outlet's "Related News" list, an agency's boilerplate): each candidate
    is told the band keys it shares with the article here and how many of them are
    distinctive, so ``resolve`` counts only the distinctive part of their likeness. A story
    term key is counted alike, an article being no new holder when it is one story
    (``alike_story``) with an earlier holder, and with TERM_COMMON distinct holders it names
    no one event: two reports alike by their terms are one story when they share a term key
    that is not common, and so is the earliest report such an earlier one is chained to in
    that key's bucket (``chains``), unless its facts tell another event. Of those not already
    candidates, the earliest is reported (the story id is the earliest). ``later`` holds, per
    key, the batch's articles weighed so far that were marked distinct holders of it after
    filing: the buckets as they stood before the article do not show those marks.

    Sets of key positions are bitmasks (bit i: the i-th key): a mask is one int where a set
    is an object per candidate.
    """
    _, _, sig, _ = request
    if not hits and not alike_story:  # nothing alike: a distinct holder of every key, and no evidence to weigh
        counted = filing.bands | filing.terms
        _mark_holder(filing, counted, index, later)
        return [], counted
    found = {filed_as[c.id, c.order]: c for c in hits}
    stood = _Stood(filing)
    held = _sharing(found, stood, entries)
    copied = 0
    for other, c in found.items():
        if c.exact or c.similarity >= ALIKE:
            copied |= held.get(other, 0)
    counted, one_story, chained = _counted(copied, alike_story, stood, later, chains)
    facts = stated(sig.facts)  # read once: compared with every candidate's (none stated: theirs are not read)
    for reach in chained:  # the chain's earliest report still held, within the window, not another event
        root = next((r for r in reach if (oldest is None or r[0] >= oldest) and r[2] in entries
                     and not (facts is not None and other_event_stated(facts, _facts(entries[r[2]])))), None)
        if root is not None and root[2] not in one_story:
            one_story.add(root[2])
            alike_story = alike_story if root[2] in alike_story else {**alike_story, root[2]: root[:2]}
    common = 0
    buckets = filing.buckets
    for i in _bits(_union(held.values())):
        # a bucket of fewer members than that has fewer holders: not common, without counting
        if len(buckets[i] or b"") >= 8 * COMMON_HOLDERS and _holders(stood, i, later, COMMON_HOLDERS) >= COMMON_HOLDERS:
            common |= 1 << i
    _mark_holder(filing, counted, index, later)
    weighed_hits = []
    size = sig.size
    for other, c in found.items():
        packed = entries.get(other)
        disagree = packed is not None and not c.exact and facts is not None and conflict_stated(facts, _facts(packed))
        shared = held.get(other, 0)
        weighed_hits.append(_candidate((c.id, c.order, c.similarity, c.exact, (shared & ~common).bit_count(), disagree, other in one_story,
                                        shared.bit_count(), size_ratio(size, size_of(packed)) if packed is not None else 1.0)))
    told = sorted((alike_story[other], other) for other in one_story - found.keys())
    if told:
        (other_order, other_id), other = told[0]
        if other_id not in {c.id for c in hits}:
            packed = entries.get(other)
            disagree = packed is not None and facts is not None and conflict_stated(facts, _facts(packed))
            filed_as[other_id, other_order] = other
            weighed_hits.append(Candidate(other_id, other_order, 0.0, False, 0, disagree, True, ratio=_ratio(sig, packed)))
            weighed_hits.sort(key=_BY_ORDER)
    return weighed_hits, counted


def _ratio(sig: Signature, packed: bytes | None) -> float:
    """The size ratio of the article and an earlier one (1.0 when that one is gone)."""
    return size_ratio(sig.size, size_of(packed)) if packed is not None else 1.0


class _Stood:
    """An article's buckets as they stood before it was filed, each one's members read once
    (the evidence of every candidate is weighed against the same few buckets)."""

    __slots__ = ("filing", "_members")

    def __init__(self, filing: _Filed) -> None:
        self.filing = filing
        self._members: dict[int, list[int]] = {}

    def members(self, i: int) -> list[int]:
        listed = self._members.get(i)
        if listed is None:
            listed = self._members[i] = members(self.filing.buckets[i])
        return listed


def _bits(mask: int) -> tuple[int, ...]:
    """The positions set in a bitmask, lowest first (read from two tables: an article's masks
    have a bit per index key, about 20, and are read many times each)."""
    if mask < 1 << 2 * _HALF:
        return _LOW_BITS[mask & _HALF_MASK] + _HIGH_BITS[mask >> _HALF]
    return tuple(i for i in range(mask.bit_length()) if mask >> i & 1)


_HALF = 11
_HALF_MASK = (1 << _HALF) - 1
_LOW_BITS = [tuple(i for i in range(_HALF) if mask >> i & 1) for mask in range(1 << _HALF)]
_HIGH_BITS = [tuple(i + _HALF for i in range(_HALF) if mask >> i & 1) for mask in range(1 << _HALF)]


def _union(masks: Iterable[int]) -> int:
    union = 0
    for mask in masks:
        union |= mask
    return union


def _sharing(found: Mapping[int, Candidate], stood: _Stood, entries: Mapping[int, bytes]) -> dict[int, int]:
    """Per candidate, the positions (a bitmask) of the article's band keys whose buckets (as
    they stood before it) hold the candidate too: the keys both are filed under, where a full
    bucket (which may have dropped it) holds it still."""
    filing = stood.filing
    at = {key: 1 << i for i, key in enumerate(filing.keys) if key < TERM_BIT}
    full = filing.full
    in_full: dict[int, int] | None = None  # member -> the full buckets (a bitmask) that hold it, read once
    held: dict[int, int] = {}
    for other in found:
        packed = entries.get(other)
        if packed is None:
            continue
        theirs = _filed(packed)
        both = 0
        for key in at.keys() & theirs:
            both |= at[key]
        if both & full:
            if in_full is None:
                in_full = {}
                for i in _bits(full):
                    for member in stood.members(i):
                        in_full[member] = in_full.get(member, 0) | 1 << i
            both &= ~full | in_full.get(other, 0)
        if both:
            held[other] = both
    return held


def _counted(copied: int, alike_story: dict[int, tuple[int, str]], stood: _Stood, later: dict[int, set[int]], chains: Chains
             ) -> tuple[int, set[int], list[tuple[tuple[int, str, int], ...]]]:
    """Which of its band and term keys the article is a distinct holder of (a bitmask by
    position): not a band key an earlier article it is alike to holds (``copied``), not a term
    key an earlier article one story with it holds; the earlier articles one story with it by
    a distinctive term key (see ``_weigh``); and the chains in those keys' buckets that reach
    them (``_chains``)."""
    filing = stood.filing
    one_story: set[int] = set()
    chained: list[tuple[tuple[int, str, int], ...]] = []
    counted = filing.bands & ~copied
    if not alike_story:
        return counted | filing.terms & ~copied, one_story, chained
    for i in _bits(filing.terms & ~copied):
        if not filing.buckets[i]:
            counted |= 1 << i
            continue
        sharing = [other for other in stood.members(i) if other in alike_story]
        if not sharing:
            counted |= 1 << i
        elif (((chain := chains.get(filing.buckets[i])) is not None or not one_story.issuperset(sharing))
              and (len(filing.buckets[i]) < 8 * TERM_COMMON or _holders(stood, i, later, TERM_COMMON) < TERM_COMMON)):
            one_story.update(sharing)  # else all are one story by an earlier key already (and no chain to follow)
            if chain is not None:  # every key's chains, whichever shard holds the key
                chained.extend(chain.of(other) for other in sharing if other in chain.keys)
    return counted, one_story, chained


def _holders(stood: _Stood, i: int, later: dict[int, set[int]], enough: int) -> int:
    """How many members of the bucket at position ``i`` are distinct holders of its key (up to
    ``enough``): those marked, and those of the batch weighed before whose marks came after
    the bucket was read."""
    bucket = stood.filing.buckets[i]
    if not bucket:
        return 0
    holders = marked_in(bucket)
    if holders < enough and 8 * holders < len(bucket) and (batch := later.get(stood.filing.keys[i])):  # some unmarked: of the batch, maybe
        holders += len(batch.intersection(stood.members(i)))  # the batch's articles are distinct: a count of them
    return holders


def _mark_holder(filing: _Filed, counted: int, index: MutableMapping[int, bytes], later: dict[int, set[int]]) -> None:
    """Mark the article a distinct holder of the ``counted`` keys in those buckets that hold
    it, and note it in ``later`` for the rest of the batch (the first holder of a key was
    filed marked already)."""
    me = filing.me
    word, holder = key_bytes(me), key_bytes(me | HOLDER)
    for i in _bits(counted & filing.present):
        key = filing.keys[i]
        batch = later.get(key)
        if batch is None:
            later[key] = {me}
        else:
            batch.add(me)
        if (now := index.get(key)) is not None and (marked := as_holder(now, word, holder)) is not None:
            index[key] = marked


def _same_id(hits: dict[str, Candidate], filed_as: dict[tuple[str, int], int], bucket: bytes, entries: Mapping[int, bytes],
             me: int, request: tuple[str, int, Signature], oldest: int | None) -> None:
    """The earlier messages filed under the article's id key: with the same sketch, a repeat
    (an exact copy of itself); else a candidate of similarity 0, not exact, which ``_compare``
    raises to a repeat if the two texts are alike, and ``conflict`` reports if not."""
    article_id, order, sig = request
    for other in members(bucket):
        packed = entries.get(other) if other != me else None
        earlier = _earlier(packed, order, article_id, oldest)
        if packed is None or earlier is None or earlier[1] != article_id:  # evicted, later, or another id under the same hash
            continue
        same = unpack(packed)[1:3] == (sig.size, sig.minhash)
        _keep(hits, Candidate(article_id, earlier[0], 1.0 if same else 0.0, same))
        filed_as[article_id, earlier[0]] = other


def _answered(packed: bytes | None, entries: Mapping[int, bytes]) -> list[Candidate]:
    """The answer stored with an entry, as candidates (those evicted since are gone)."""
    found = []
    for key, similarity, exact, distinct, disagree, one_story, shared in answer_of(packed) if packed is not None else []:
        other = entries.get(key)
        if other is not None:
            found.append(Candidate(id_of(other), order_of(other), similarity, exact, distinct, disagree, one_story, shared,
                                   size_ratio(size_of(packed), size_of(other))))
    return found


def _compare(requests: Sequence[Request], sharing: list[set[int]], entries: Mapping[int, bytes],
             found: list[dict[str, Candidate]], min_similarity: float, window: int | None,
             filed_as: dict[tuple[str, int], int]) -> None:
    """Estimate the similarity of every request with every article it shares a band with, at once."""
    total = sum(map(len, sharing))
    if not total:
        return
    alike = _alike_few if total <= _FEW.compared else _alike_many
    for r, key, other_order, sim, packed in alike(requests, sharing, entries, min_similarity, window):
        other_id = _id(packed)
        article_id, order = requests[r][0], requests[r][1]
        if other_order == order and other_id >= article_id:
            continue  # same order: the id decides which came first
        repeat = other_id == article_id  # the same id earlier
        hits = found[r]
        if other_id in hits:
            _keep(hits, Candidate(other_id, other_order, 1.0 if repeat else sim, repeat))
        else:
            hits[other_id] = Candidate(other_id, other_order, 1.0 if repeat else sim, repeat)
        filed_as[other_id, other_order] = key


# What a probe reads from an earlier article's entry, decoded once and kept across probes: the
# same earlier articles are candidates of many later ones. Keyed by the packed entry itself, so
# an entry rewritten or evicted is never misread; the least recently used go first.
_DECODED = 1 << 12


@lru_cache(maxsize=_DECODED)
def _sketched(packed: bytes) -> tuple[int, int, Sketch]:
    """Order, shingle count and sketch of an entry (``_alike_few``)."""
    return (*order_size(packed), Sketch(packed[SKETCH_AT : SKETCH_AT + SKETCH_BYTES]))


_id = lru_cache(maxsize=_DECODED)(id_of)


@lru_cache(maxsize=_DECODED)
def _ranked(packed: bytes) -> story.Ranked:
    """An entry's story terms as ``terms.alike`` reads them."""
    return story.Ranked(terms_of(packed))


@lru_cache(maxsize=_DECODED)
def _facts(packed: bytes) -> Fields | None:
    """An entry's facts, read (``facts.stated``)."""
    return stated(facts_of(packed))


@lru_cache(maxsize=_DECODED)
def _filed(packed: bytes) -> tuple[int, ...]:
    """The index keys an entry is filed under (``_sharing``)."""
    return tuple(filed_under(packed))


_own_sketch = lru_cache(maxsize=1024)(Sketch)  # a probed article's, once per article (every shard it probes compares it)


@lru_cache(maxsize=1024)
def _own_ranked(terms: tuple[int, ...]) -> story.Ranked:
    """A probed article's story terms as ``terms.alike`` reads them, once per article (every shard it probes reads them)."""
    return story.Ranked(story.padded(terms))


@lru_cache(maxsize=4 * _DECODED)
def _chained(earlier: bytes, later: bytes) -> bool:
    """Whether two members of a story term bucket are chained (``_chains``): STORY_CHAIN alike
    by names (STORY_CHAIN_DAY when they state one day), facts not telling another event."""
    earlier_facts, later_facts = _facts(earlier), _facts(later)
    bar = STORY_CHAIN_DAY if same_day_stated(earlier_facts, later_facts) else STORY_CHAIN
    return story.alike(_ranked(earlier), _ranked(later), bar) and not other_event_stated(earlier_facts, later_facts)


class _Few(NamedTuple):
    """Pairs up to which a probe compares one pair at a time in plain Python: numpy's calls
    cost a fixed amount each, more than about a hundred pairs do in Python, where an earlier
    article's entry is decoded once (``_sketched``, ``_ranked``). Either way gives the same
    answers (``sketch.jaccard``, ``terms.alike``), so the limits only move the cost."""

    compared: int  # sketches (``_compare``)
    told: int  # story terms and facts (``_one_story``)
    chained: int  # a chain's pairs (``_chains``): most were compared before (``_chained``)


_FEW = _Few(100, 100, 200)
_Alike = Iterator[tuple[int, int, int, float, bytes]]  # request, entry key, its order, similarity, packed entry


def _alike_many(requests: Sequence[Request], sharing: list[set[int]], entries: Mapping[int, bytes], min_similarity: float,
                window: int | None) -> _Alike:
    """The pairs that pass (similar enough, sharing MIN_SHARED), request by request, each one's
    entry keys as its set iterates: all compared at once."""
    pairs = _pairs(requests, sharing, entries, window)
    if pairs is None:
        return
    req, cand, key_list, packed_list, head, keep = pairs
    their_orders = head["order"][cand]
    theirs = Sketches([p[SKETCH_AT : SKETCH_AT + SKETCH_BYTES] for p in packed_list])
    mine = Sketches([sig.minhash for _, _, sig, _ in requests])
    sizes = np.array([sig.size for _, _, sig, _ in requests], dtype=np.float64)
    sims, overlap = tversky(jaccards(mine, req[keep], theirs, cand[keep]), sizes[req[keep]],
                            head["size"][cand[keep]].astype(np.float64), EXTRA_WEIGHT)
    passed = np.flatnonzero((sims >= min_similarity) & (overlap >= MIN_SHARED))
    for r, c, other_order, sim in zip(req[keep[passed]].tolist(), cand[keep[passed]].tolist(),
                                      their_orders[keep[passed]].tolist(), np.round(sims[passed], 4).tolist()):
        yield r, key_list[c], other_order, sim, packed_list[c]


def _alike_few(requests: Sequence[Request], sharing: list[set[int]], entries: Mapping[int, bytes], min_similarity: float,
               window: int | None) -> _Alike:
    """``_alike_many`` a pair at a time, in plain Python: the same pairs, in the same order
    (each request's set as it iterates), with the same floats."""
    for r, keys in enumerate(sharing):
        if not keys:
            continue
        _, order, sig, _ = requests[r]
        oldest = None if window is None else order - window
        mine = None
        for key in keys:
            packed = entries.get(key)
            if packed is None:
                continue  # evicted
            other_order, other_size, theirs = _sketched(packed)
            if other_order > order or (oldest is not None and other_order < oldest):
                continue  # later, or out of the window
            if mine is None:
                mine = _own_sketch(sig.minhash)
            sim, overlap = tversky_one(jaccard(mine, theirs), sig.size, other_size, EXTRA_WEIGHT)
            if sim >= min_similarity and overlap >= MIN_SHARED:
                yield r, key, other_order, round4(sim), packed


_BLANK = pack(0, Signature(0, b"\0" * SKETCH_BYTES, 0), "")  # an evicted entry's place among the pairs


def _pairs(requests: Sequence[Request], keyed: list[set[int]], entries: Mapping[int, bytes], window: int | None
           ) -> tuple[np.ndarray, np.ndarray, list[int], list[bytes], np.ndarray, np.ndarray] | None:
    """Every (request, indexed article) pair of a request with the entry keys in ``keyed``, at
    once: the pairs' request rows and entry columns, the entry keys and packed entries by
    column (an evicted entry blank), their heads, and the indices of the pairs whose entry is
    present, no later than the request and within the window. None when there is no pair."""
    counts = [len(keys) for keys in keyed]
    total = sum(counts)
    if not total:
        return None
    req = np.repeat(np.arange(len(keyed)), counts)
    unique_keys, cand = np.unique(np.fromiter(chain.from_iterable(keyed), dtype=np.uint64, count=total), return_inverse=True)
    key_list = unique_keys.tolist()
    packed_list = list(map(entries.get, key_list))
    present = np.fromiter((p is not None for p in packed_list), dtype=bool, count=len(packed_list))  # else evicted
    packed_list = [p if p is not None else _BLANK for p in packed_list]
    head = heads(packed_list)
    orders = np.array([order for _, order, _, _ in requests], dtype=np.int64)[req]
    their_orders = head["order"][cand]
    keep = present[cand] & (their_orders <= orders)
    if window is not None:
        keep &= their_orders >= orders - window
    return req, cand, key_list, packed_list, head, np.flatnonzero(keep)


def _one_story(requests: Sequence[Request], naming: list[set[int]], entries: Mapping[int, bytes],
               window: int | None) -> list[dict[int, tuple[int, str]]]:
    """Per request: the earlier articles sharing a story term key with it whose story terms
    are STORY_TERMS alike (``terms.similarities``) and whose facts do not tell another event
    (``facts.other_events``), as entry key -> (order, id). Compared all at once, or a pair at
    a time when there are few (``_FEW``)."""
    out: list[dict[int, tuple[int, str]]] = [{} for _ in requests]
    total = sum(map(len, naming))
    if not total:
        return out
    told = _told_few if total <= _FEW.told else _told_many
    for r, key, other_order, packed in told(requests, naming, entries, window):
        article_id, order = requests[r][0], requests[r][1]
        other_id = _id(packed)
        if other_id == article_id or (other_order == order and other_id >= article_id):
            continue  # the same id, or the same order and a later id
        out[r][key] = (other_order, other_id)
    return out


_Told = Iterator[tuple[int, int, int, bytes]]  # request, entry key, its order, packed entry


def _told_many(requests: Sequence[Request], naming: list[set[int]], entries: Mapping[int, bytes], window: int | None) -> _Told:
    """The pairs one story by their terms and not another event by their facts, request by
    request, each one's entry keys as its set iterates: all compared at once."""
    pairs = _pairs(requests, naming, entries, window)
    if pairs is None:
        return
    req, cand, key_list, packed_list, head, keep = pairs
    their_orders = head["order"][cand]
    mine_terms = story.rows([sig.terms for _, _, sig, _ in requests])
    mine_facts = fact_fields([sig.facts for _, _, sig, _ in requests])[req[keep]]
    their_facts = fact_fields([facts_of(p) for p in packed_list])[cand[keep]]
    bar = np.where(same_days(mine_facts, their_facts), STORY_TERMS_DAY, STORY_TERMS)
    alike = story.similarities(mine_terms[req[keep]], terms_rows(packed_list)[cand[keep]]) >= bar
    keep = keep[alike & ~other_events(mine_facts, their_facts)]
    for r, c, other_order in zip(req[keep].tolist(), cand[keep].tolist(), their_orders[keep].tolist()):
        yield r, key_list[c], other_order, packed_list[c]


def _told_few(requests: Sequence[Request], naming: list[set[int]], entries: Mapping[int, bytes], window: int | None) -> _Told:
    """``_told_many`` a pair at a time, in plain Python (``terms.alike``, ``facts.other_event``):
    the same pairs, in the same order (each request's set as it iterates)."""
    for r, keys in enumerate(naming):
        if not keys:
            continue
        _, order, sig, _ = requests[r]
        oldest = None if window is None else order - window
        mine: story.Ranked | None = None
        facts = stated(sig.facts)
        for key in keys:
            packed = entries.get(key)
            if packed is None:
                continue  # evicted
            other_order = order_of(packed)
            if other_order > order or (oldest is not None and other_order < oldest):
                continue
            if mine is None:
                mine = _own_ranked(sig.terms)
            theirs = _facts(packed)
            bar = STORY_TERMS_DAY if same_day_stated(facts, theirs) else STORY_TERMS
            if story.alike(mine, _ranked(packed), bar) and not other_event_stated(facts, theirs):
                yield r, key, other_order, packed


class _Chain:
    """A story term bucket's chains: its members still held, earliest first, their entry keys,
    and per member a bitmask of the positions in ``held`` it reaches. (Lists of at most
    TERM_BUCKET: a search in one costs less than making a dict of it.)"""

    __slots__ = ("held", "keys", "reach", "_of")

    def __init__(self, held: list[tuple[int, str, int]], keys: list[int], reach: list[int]) -> None:
        self.held, self.keys, self.reach = held, keys, reach
        self._of: dict[int, tuple[tuple[int, str, int], ...]] = {}  # the batch's articles ask of the same members

    def of(self, key: int) -> tuple[tuple[int, str, int], ...]:
        """What a member is chained to, itself included, earliest first."""
        found = self._of.get(key)
        if found is None:
            held = self.held
            found = self._of[key] = tuple(held[k] for k in _POSITIONS[self.reach[self.keys.index(key)]])
        return found


_POSITIONS = [tuple(i for i in range(TERM_BUCKET) if mask >> i & 1) for mask in range(1 << TERM_BUCKET)]  # a chain's mask as positions


Chains = dict[bytes, _Chain]  # a story term bucket -> its chains


def _chains(filings: Sequence[_Filed | None], storied: Sequence[dict[int, tuple[int, str]]], entries: Mapping[int, bytes]) -> Chains:
    """Per story term bucket holding an earlier report one story with a request by names: what
    each member is chained to there, itself and every earlier member one story with it by
    names (STORY_CHAIN alike, facts not telling another event) and what those reach, earliest
    first. So a report that joins a later report of a story joins the story's first report
    when the two are chained in the key's bucket, though it names other things than the
    first: the reports of one event name it in overlapping ways, not all alike to the first.
    Read from the bucket and its members' entries only, as the story term bucket holds the
    same members whatever the shards, so the chains are the same too. Compared all at once,
    every bucket a row of a matrix: its members earliest first, each pair of positions once."""
    wanted: dict[bytes, list[int]] = {}
    for filing, alike in zip(filings, storied):
        if filing is None or not alike:
            continue
        for i in _bits(filing.terms):
            bucket = filing.buckets[i]
            # a bucket that marks TERM_COMMON distinct holders already holds a common key, whose chains ``_counted`` never follows
            if (bucket is not None and len(bucket) > 8 and bucket not in wanted and marked_in(bucket) < TERM_COMMON
                    and not alike.keys().isdisjoint(listed := members(bucket))):
                wanted[bucket] = listed
    if not wanted:
        return {}
    ranked: dict[int, tuple[int, str, int]] = {}
    packed: dict[int, bytes] = {}
    for listed in wanted.values():
        for key in listed:
            if key not in packed and (entry := entries.get(key)) is not None:  # else evicted
                packed[key] = entry
                ranked[key] = (*rank_of(entry), key)
    ordered = [sorted([ranked[key] for key in listed if key in ranked]) for listed in wanted.values()]
    pairs = sum(len(held) * (len(held) - 1) // 2 for held in ordered)
    reach = _reach_few(ordered, packed) if pairs <= _FEW.chained else _reach_many(ordered, packed)
    return {bucket: _Chain(held, [rank[2] for rank in held], row) for bucket, held, row in zip(wanted, ordered, reach)}


def _reach_many(ordered: list[list[tuple[int, str, int]]], packed: dict[int, bytes]) -> list[list[int]]:
    """Per bucket (its members still held, earliest first), per position up to the widest, the
    positions it reaches (a bitmask: ``_Chain.reach``), every bucket a row of a matrix."""
    column = {key: c for c, key in enumerate(packed)}
    width = max(map(len, ordered))
    at = np.full((len(ordered), width), -1, dtype=np.intp)  # a bucket's members by column, -1 past its last
    for b, held in enumerate(ordered):
        at[b, : len(held)] = [column[rank[2]] for rank in held]
    earlier, later = np.triu_indices(width, 1)
    first, then = at[:, earlier], at[:, later]
    both = (first >= 0) & (then >= 0)
    linked = np.zeros((len(ordered), width, width), dtype=bool)  # [bucket, later position, earlier position]: chained
    if both.any():
        rows = terms_rows(list(packed.values()))
        facts = fact_fields([facts_of(entry) for entry in packed.values()])
        # each pair once: the versions of one bucket a batch sees hold mostly the same members
        pairs, inverse = np.unique(first[both] * len(packed) + then[both], return_inverse=True)
        first, then = np.divmod(pairs, len(packed))
        alike = np.zeros(both.shape, dtype=bool)
        bar = np.where(same_days(facts[first], facts[then]), STORY_CHAIN_DAY, STORY_CHAIN)
        alike[both] = ((story.similarities(rows[first], rows[then]) >= bar) & ~other_events(facts[first], facts[then]))[inverse]
        linked[:, later, earlier] = alike
    reach = np.zeros((len(ordered), width), dtype=np.int64)  # per member, the positions it reaches (a bitmask)
    for j in range(width):  # itself, and what the earlier ones it is chained to reach
        reach[:, j] = np.bitwise_or.reduce(np.where(linked[:, j, :j], reach[:, :j], 0), axis=1, initial=1 << j)
    return reach.tolist()


def _reach_few(ordered: list[list[tuple[int, str, int]]], packed: dict[int, bytes]) -> list[list[int]]:
    """``_reach_many`` a pair at a time, in plain Python (``terms.alike``, ``facts.other_event``)."""
    width = max(map(len, ordered))
    out = []
    for held in ordered:
        entries = [packed[rank[2]] for rank in held]
        reach: list[int] = []
        for j, later in enumerate(entries):
            mask = 1 << j
            for i in range(j):
                if _chained(entries[i], later):  # a pair is in many versions of a bucket, in a batch and after
                    mask |= reach[i]
            reach.append(mask)
        out.append(reach + [1 << j for j in range(len(held), width)])  # past its last, as the matrix has them
    return out


def _keep(hits: dict[str, Candidate], candidate: Candidate) -> None:
    """File a candidate under its id; of two with one id (an id repeated), the first seen, then the closer."""
    held = hits.get(candidate.id)
    if held is None or (candidate.order, not candidate.exact, -candidate.similarity) < (held.order, not held.exact, -held.similarity):
        hits[candidate.id] = candidate


def _earlier(packed: bytes | None, order: int, article_id: str, oldest: int | None) -> tuple[int, str] | None:
    """Order and id of an indexed article if it came before (``order``, ``article_id``) and within the window."""
    if packed is None:
        return None
    other_order = order_of(packed)
    if other_order > order or (oldest is not None and other_order < oldest):
        return None
    other_id = id_of(packed)
    if other_order == order and other_id >= article_id:
        return None
    return other_order, other_id


def _file(index: MutableMapping[int, bytes], entries: Mapping[int, bytes], key: int, bucket: bytes, me: int,
          rank: tuple[int, str], max_bucket: int) -> None:
    """Add an article to a bucket once; a full bucket keeps its earliest and its latest articles.

    A band shared by very many articles is boilerplate, not evidence: a bucket holds at most
    ``max_bucket`` articles, the ``max_bucket // 2`` earliest (the first reports) and the
    latest (still there when the earliest have been evicted). Which ones depends only on
    their order, not on the order they arrived in, so every partitioning of the stream keeps
    the same ones. A bucket is sorted by order from the moment it fills, so a full one is
    checked against its last article only. ``me`` is the word the article is filed as (its
    entry key, marked HOLDER where a rebuild knows it is a distinct holder).
    """
    size = 8 * max_bucket
    if len(bucket) + 8 < size:
        index[key] = bucket + key_bytes(me)
        return
    head = 8 * (max_bucket // 2)
    if len(bucket) >= size:
        last = entries.get(last_key(bucket))
        if last is not None and comes_before(last, rank):  # the latest: it replaces the oldest of the latest
            index[key] = bucket[:head] + bucket[head + 8 : size] + key_bytes(me)
            return
    ranked = [(rank_of(packed), word) for word in words(bucket) if (packed := entries.get(word & ~HOLDER)) is not None]  # else evicted
    ranked.append((rank, me))
    ranked.sort()
    kept = ranked if len(ranked) <= max_bucket else ranked[: max_bucket // 2] + ranked[max_bucket // 2 - max_bucket :]
    index[key] = bucket_of(other for _, other in kept)




def evict(
    index: MutableMapping[int, bytes],
    entries: MutableMapping[int, bytes],
    *,
    now_order: int,
    window: int | None = None,
    max_entries: int | None = None,
    shard: int = 0,
    shards: int = 1,
) -> int:
    """Forget this shard's articles older than ``window`` before ``now_order`` and, beyond
    ``max_entries``, the oldest; take them out of the index buckets. Returns how many went.

    Pure over the two mappings and linear in the entries (it lines them up by age first):
    with the same ``window`` passed to ``probe`` the answers do not depend on when it last
    ran. A caller that keeps the heap of ages as it files (``probe_many(..., ages=)``)
    calls ``evict_oldest`` instead, at the cost of what goes.
    """
    ages = ages_of(entries, shard=shard, shards=shards)
    return evict_oldest(index, entries, ages, now_order=now_order, window=window, max_entries=max_entries)


def _forget(index: MutableMapping[int, bytes], entries: MutableMapping[int, bytes], key: int, packed: bytes) -> None:
    """Drop an entry, and its key from the buckets it is filed in."""
    del entries[key]
    for index_key in filed_under(packed):
        bucket = index.get(index_key)
        if bucket is None:
            continue
        live = [word for word in words(bucket) if word & ~HOLDER != key]
        if live:
            index[index_key] = bucket_of(live)
        else:
            del index[index_key]


def ages_of(entries: Mapping[int, bytes], *, shard: int = 0, shards: int = 1) -> Ages:
    """The heap of a shard's entries by age (after a restart or a rebalance)."""
    ages = [(*rank_of(packed), key) for key, packed in shard_entries(entries, shard, shards)]
    heapq.heapify(ages)
    return ages


def evict_oldest(
    index: MutableMapping[int, bytes],
    entries: MutableMapping[int, bytes],
    ages: Ages,
    *,
    now_order: int,
    window: int | None = None,
    max_entries: int | None = None,
) -> int:
    """What ``evict`` forgets, found on a heap of ages (``probe_many(..., ages=)`` keeps it)
    instead of a scan of the entries: its cost is what goes, so the worker runs it on
    every batch. Returns how many went."""
    gone = 0
    while ages:
        order = ages[0][0]
        if not ((window is not None and order < now_order - window) or (max_entries is not None and len(ages) > max_entries)):
            break
        _, _, key = heapq.heappop(ages)
        packed = entries.get(key)
        if packed is not None:
            _forget(index, entries, key, packed)
            gone += 1
    return gone


def rebuild(entries: Mapping[int, bytes], *, shard: int = 0, shards: int = 1, max_bucket: int = 8) -> dict[int, bytes]:
    """The index of one shard, derived from its entries (after a restart or a rebalance).

    The articles are filed in their order, so a full bucket keeps the earliest and latest
    of those still held, as it did when they arrived (unless eviction had emptied part of
    it: then the rebuilt one may hold a few more, which only adds candidates).
    """
    rows = sorted((order_of(packed), id_of(packed), key, packed) for key, packed in shard_entries(entries, shard, shards))
    index: dict[int, bytes] = {}
    for order, article_id, key, packed in rows:
        for index_key, word in holder_words(packed, key):
            bucket = index.get(index_key)
            if bucket is None:
                index[index_key] = key_bytes(word)
            elif TERM_BIT <= index_key < EXACT_BIT:
                index[index_key] = bucket + key_bytes(word)
            else:
                _file(index, entries, index_key, bucket, word, (order, article_id), max_bucket)
    return index


def conflict(article_id: str, candidates: Iterable[Candidate]) -> Candidate | None:
    """The earliest earlier message with this article's id, when it is a different article.

    An id seen again is a repeat when the two texts are alike (the story threshold, as a
    shard reports them; the same id then links as an exact copy of itself), and a conflict
    when they are not: the caller dead-letters the later one (``id_conflict``) rather than
    publish two different articles under one key.
    """
    same: dict[str, Candidate] = {}
    for c in candidates:
        if c.id == article_id:
            _keep(same, c)
    first = same.get(article_id)
    return first if first is not None and not first.exact else None


def merged(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The shards' answers as one: a message's evidence added up over the shards that found it."""
    by_message: dict[tuple[str, int], Candidate] = {}
    for c in candidates:
        held = by_message.get((c.id, c.order))
        if held is None:
            by_message[c.id, c.order] = c
        else:
            by_message[c.id, c.order] = held._replace(similarity=max(held.similarity, c.similarity), exact=held.exact or c.exact,
                                                      distinct=held.distinct + c.distinct, conflict=held.conflict or c.conflict,
                                                      story=held.story or c.story, shared=held.shared + c.shared,
                                                      ratio=min(held.ratio, c.ratio))  # 1.0 where a shard only told the story
    return list(by_message.values())


def distinctive(candidate: Candidate) -> float:
    """The similarity that counts for a copy: the Tversky index of the two texts once the
    common text they share (chrome, boilerplate, stock phrases) is taken out of both.

    The band keys two texts share are a sample of their shared shingles, so the distinctive
    ones among them estimate the share of the shared text that is the two texts' own; the
    rest is taken out of the shared count and of both sizes. In units of the larger text
    (only the ratio of the sizes is known), from the similarity: shared / (smaller +
    EXTRA_WEIGHT * (larger - shared)).
    """
    sim, small = candidate.similarity, candidate.ratio
    own = candidate.distinct / max(candidate.shared, candidate.distinct, 1)
    if own >= 1.0 or candidate.exact:
        return sim
    shared = sim * (small + EXTRA_WEIGHT) / (1.0 + EXTRA_WEIGHT * sim)
    common = shared * (1.0 - own)
    shared_own, small_own, large_own = shared - common, max(small - common, 1e-9), max(1.0 - common, 1e-9)
    return shared_own / (small_own + EXTRA_WEIGHT * max(large_own - shared_own, 0.0))


def resolve(article_id: str, candidates: Iterable[Candidate], *, near: float, story: float = 0.0) -> Dedup:
    """Merge the shards' candidates into the verdict.

    A copy is an exact match, or a candidate that shares at least MIN_DISTINCT distinctive
    band keys with the article (their cores overlap: sharing only chrome, boilerplate or stock
    phrases is no evidence), is at least ``near`` alike by its distinctive text
    (``distinctive``) and whose facts do not conflict. The
    earliest copy at least LINK_SIMILARITY alike, and within LINK_MARGIN of the best match,
    is the first report and is linked, so a copy of a copy links to the report it copies;
    when no copy is that close, the best match is (a weak early match is more likely a shared
    quote than the source). The story is the earliest candidate at least ``story`` alike that
    shares a distinctive key, conflicting facts or not (a later toll is the same story); when
    there is none, the earliest that is one story with it by their names (``Candidate.story``:
    shared wording says more than shared names, and a copy joins its source's story).
    """
    by_id: dict[str, Candidate] = {}
    for c in merged(candidates):
        held = by_id.get(c.id)
        if held is None or (c.order, not c.exact, -c.similarity) < (held.order, not held.exact, -held.similarity):
            by_id[c.id] = c
    cands = sorted(by_id.values(), key=_BY_ORDER)
    if not cands:
        return Dedup(status="unique", duplicate_of=None, similarity=None, story_id=article_id)
    worded = next((c.id for c in cands if c.exact or (c.similarity >= story and c.distinct >= STORY_DISTINCT)), None)
    story_id = worded or next((c.id for c in cands if c.story), article_id)
    copies = [c for c in cands if c.exact or (c.distinct >= MIN_DISTINCT and not c.conflict and distinctive(c) >= near)]
    if not copies:
        return Dedup(status="unique", duplicate_of=None, similarity=max(c.similarity for c in cands), story_id=story_id)
    best = max(copies, key=lambda c: (c.exact, c.similarity))
    bar = max(LINK_SIMILARITY, best.similarity - LINK_MARGIN)  # an exact match has similarity 1
    first = next((c for c in copies if c.exact or c.similarity >= bar), best)
    status = "exact_duplicate" if first.exact else "near_duplicate"
    return Dedup(status=status, duplicate_of=first.id, similarity=first.similarity, story_id=story_id)
