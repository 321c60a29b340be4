"""Text to MinHash signature, and the similarity of two signatures: the arithmetic of dedup.

Words are runs of word characters (as ``\\w``), lower-cased; every number becomes one token,
so an updated toll leaves a copy a copy. Shingles are word 4-grams. The sketch is
one-permutation MinHash: each shingle is hashed once, its top bits pick one of ``NUM_PERM``
bins, and the smallest hash per bin is kept, so signing is linear in the text rather than in
text times permutations. Only ``BITS`` low bits per bin are stored (b-bit MinHash: 128 bytes);
the Jaccard estimate takes the chance collisions out. The LSH band keys are ``BANDS`` coarser
bins of the same hashes, one row each: two texts share a band with probability equal to
their Jaccard similarity, so copies cut short or buried in chrome (Jaccard 0.2 to 0.4) meet.
A signature also carries the text's story terms (``terms.story_terms``).

Everything runs on numpy arrays for a whole batch of texts at once (``sign_many``): the
per-call overhead of numpy is paid once per batch, not once per article. The texts are
joined with a separator that is not a word character, so no word or shingle spans two.
Array methods (``a.searchsorted``, ``a.nonzero()[0]``) stand for the ``np.`` functions that
wrap them: on the one short text the worker signs at a time, a wrapper costs as much as the
work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from sitrep.stages.dedup.terms import PROSE_WORDS, TERMS

NUM_PERM = 256  # one-permutation MinHash bins
BITS = 4  # bits kept per bin: NUM_PERM * BITS / 8 = 128 bytes of sketch
BANDS = 16  # LSH bands of one row: the smallest hash in 1/BANDS of the hash space
SHINGLE = 4  # words per shingle

SKETCH_BYTES = NUM_PERM * BITS // 8
LEVELS = (1 << BITS) - 1  # values a filled bin takes (0 marks an empty bin)
_CHANCE = 1.0 - 1.0 / LEVELS  # the share of bins filled in both that do not match by chance
_U64 = np.uint64
_HASH_BITS = 44  # shingle hash bits kept: the rest of a 64-bit word holds the text's number in a batch
_DOC_SHIFT = _U64(_HASH_BITS)
_HASH_MASK = _U64((1 << _HASH_BITS) - 1)
_BIN_SHIFT = _U64(_HASH_BITS - (NUM_PERM.bit_length() - 1))
_BAND_SHIFT = NUM_PERM.bit_length() - BANDS.bit_length()
_MAX_CHARS = 4_000_000  # characters per batch, and texts per batch below 2**(64 - _HASH_BITS)
_MAX_TEXTS = 1 << (64 - _HASH_BITS - 1)
_NUMBER = _U64(0x6E756D6265722121)  # the token every number becomes
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5][:SHINGLE], dtype=_U64)
_BAND_SALT = np.arange(BANDS, dtype=_U64) * _U64(0x9E3779B97F4A7C15)
_SPREAD = _U64(0x9E3779B97F4A7C15)  # a word's 32-bit hash times this fills 64 bits

assert BITS == 4 and NUM_PERM % 2 == 0, "sketches are packed two 4-bit bins a byte"
assert NUM_PERM & (NUM_PERM - 1) == 0 and BANDS & (BANDS - 1) == 0 and BANDS <= NUM_PERM, "powers of two"


@dataclass(frozen=True, slots=True)
class Signature:
    """What dedup needs of an article: an exact hash, a MinHash sketch and its set size."""

    exact: int  # 63-bit hash of the lower-cased words
    minhash: bytes  # NUM_PERM bins of BITS bits, two bins a byte, 0 for an empty bin
    size: int  # distinct shingles
    bands: tuple[int, ...] = field(default=())  # 63-bit LSH band keys
    facts: bytes = b""  # the main event's toll (``facts.event_facts``); empty: none stated
    terms: tuple[int, ...] = field(default=())  # the names it is about (``terms.story_terms``), most frequent first


def _fmix(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: every input bit reaches every output bit."""
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> _U64(33))


def _starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts."""
    first = np.empty(values.size, dtype=bool)
    first[:1] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return first


class _Powers:
    """base**i and base**-i modulo 2**bits (unsigned products wrap), grown on demand."""

    def __init__(self, base: int, bits: int) -> None:
        self.base, self.inverse = base, pow(base, -1, 1 << bits)
        self.dtype = np.uint32 if bits == 32 else np.uint64
        self.up = self.down = np.ones(1, dtype=self.dtype)

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.up) < n:
            size = max(n, 2 * len(self.up), 1 << 16)
            up, down = np.ones(size, dtype=self.dtype), np.ones(size, dtype=self.dtype)
            up[1:] = np.cumprod(np.full(size - 1, self.base, dtype=self.dtype), dtype=self.dtype)
            down[1:] = np.cumprod(np.full(size - 1, self.inverse, dtype=self.dtype), dtype=self.dtype)
            self.up, self.down = up, down
        return self.up, self.down


# Polynomial hashes from prefix sums: of a word over its characters (32 bits: half the memory
# traffic of 64, and words are few), of a text over its words (64 bits: the exact hash).
_char_powers = _Powers(0x01000193, 32)
_word_powers = _Powers(0x100000001B3, 64)
# Each code point of the Basic Multilingual Plane as part of a word: its lower case, or 0
# between words (``\w`` and ``str.lower``). Astral characters are words, emoji excepted.
_BMP = 0x10000
_FOLD = np.array([(ord(low) if len(low := chr(c).lower()) == 1 else c) if chr(c).isalnum() or c == 95 else 0
                  for c in range(_BMP)], dtype=np.uint32)


_NEWLINE, _SPACE, _PIPE = 10, 32, 124
_AFTER = np.zeros(_BMP, dtype=bool)  # what a name inside a sentence follows (then a space): a word, or one of ,;%)
_AFTER[[ord(c) for c in ",;%)"]] = True


class _Words:
    """The words of a text: hashes as written and with numbers as one token, where each
    starts, and which are names inside prose (``terms``) with their 32-bit hashes."""

    def __init__(self, text: str) -> None:
        n = len(text)
        if n == 0:
            self.raw = self.normal = self.name_hashes = np.zeros(0, dtype=_U64)
            self.starts = self.names = np.zeros(0, dtype=np.intp)
            return
        encoded = text.encode("utf-16-le")
        if len(encoded) == 2 * n:  # no surrogate pairs: all in the BMP, a code point in 16 bits (half the bytes to read)
            raw = np.frombuffer(encoded, dtype=np.uint16)
            cp = _FOLD.take(raw)  # take: half the cost of indexing with an array of uint32
        else:
            raw = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
            astral = raw >= _BMP
            cp = np.where(astral, np.where(raw < 0x1F000, raw, 0), _FOLD.take(np.where(astral, 0, raw)))
        is_word = cp != 0
        edge = np.empty(n + 1, dtype=bool)  # where a word starts, or ends (a bool's nonzero is the fast one)
        edge[0], edge[n] = is_word[0], is_word[-1]
        np.not_equal(is_word[1:], is_word[:-1], out=edge[1:n])
        edges = edge.nonzero()[0]
        starts, ends = edges[0::2], edges[1::2]
        lead = cp[starts]
        digits = lead - 48 < 10  # numbers become one token
        self.names = self._names(raw, cp, starts, ends, lead)
        up, down = _char_powers.get(n + 1)
        prefix = np.zeros(n + 1, dtype=np.uint32)
        np.multiply(cp, up[:n], out=cp)
        cp.cumsum(dtype=np.uint32, out=prefix[1:])
        word_hashes = (prefix[ends] - prefix[starts]) * down[starts]  # wherever the word stands
        self.name_hashes = word_hashes[self.names]
        self.raw = word_hashes.astype(_U64) * _SPREAD
        self.normal = np.where(digits, _NUMBER, self.raw)
        self.starts = starts

    @staticmethod
    def _names(raw: np.ndarray, folded: np.ndarray, starts: np.ndarray, ends: np.ndarray, lead: np.ndarray) -> np.ndarray:
        """Which words are names inside prose: capitalised, after a word (or ,;%)) and a space,
        in a line of PROSE_WORDS words or more, without a ``|``, where such names are fewer
        than half the words (texts are lines apart). ``lead``: each word's first character folded."""
        first = raw[starts]
        capital = ((first != lead) & (starts >= 2)).nonzero()[0]  # the other tests on these few only
        at, first = starts[capital], first[capital]
        named = (first < _BMP) & (ends[capital] - at >= 2) & (raw[at - 1] == _SPACE)
        prior = np.minimum(raw[at - 2], _BMP - 1)
        named &= (folded[at - 2] != 0) | _AFTER[prior]
        names = capital[named]
        if not names.size:
            return names
        breaks = ((raw == _NEWLINE) | (raw == 0)).nonzero()[0]  # a text's separator ends a line too
        # Words before each line break, between 0 and all of them: words in each line. (Not
        # np.diff's prepend and append, whose broadcasting costs more than the rest of this.)
        bounds = np.empty(breaks.size + 2, dtype=np.int64)
        bounds[0], bounds[-1] = 0, starts.size
        bounds[1:-1] = starts.searchsorted(breaks)
        words_in = bounds[1:] - bounds[:-1]
        piped = np.zeros(words_in.size, dtype=bool)
        piped[breaks.searchsorted((raw == _PIPE).nonzero()[0])] = True
        line = breaks.searchsorted(starts[names])
        capitals = np.bincount(line, minlength=words_in.size)  # a line of capitalised words is a title or a list
        return names[(words_in[line] >= PROSE_WORDS) & ~piped[line] & (2 * capitals[line] < words_in[line])]


def sign_many(bodies: Sequence[str], facts: Sequence[bytes] | None = None) -> list[Signature]:
    """``sign`` of every text, computed for all of them at once (with each one's ``facts``)."""
    if facts is not None:
        return [replace(sig, facts=packed) for sig, packed in zip(sign_many(bodies), facts, strict=True)]
    out: list[Signature] = []
    chunk: list[str] = []
    chars = 0
    for body in bodies:
        if chunk and (chars + len(body) > _MAX_CHARS or len(chunk) >= _MAX_TEXTS):
            out += _sign_chunk(chunk)
            chunk, chars = [], 0
        chunk.append(body)
        chars += len(body) + 1
    return out + _sign_chunk(chunk) if chunk else out


def sign(body: str, facts: bytes = b"") -> Signature:
    """Exact hash, one-permutation b-bit MinHash sketch and LSH band keys of ``body``."""
    return sign_many([body], [facts])[0]


def _sign_chunk(bodies: list[str]) -> list[Signature]:
    """Signatures of texts joined into one array: every step is one numpy call for all of them."""
    count = len(bodies)
    words = _Words("\0".join(bodies))
    raw, normal, starts = words.raw, words.normal, words.starts
    lengths = np.fromiter(map(len, bodies), dtype=np.int64, count=count) + 1
    # Words up to each text's end, then each word's text: a few searches, not one a word.
    upto = starts.searchsorted(lengths.cumsum())
    per_text = np.empty(count, dtype=np.intp)
    per_text[0] = upto[0]
    np.subtract(upto[1:], upto[:-1], out=per_text[1:])
    text_of_word = np.repeat(np.arange(count), per_text)
    word_bounds = [0, *upto.tolist()]
    n = normal.size
    # Shingles that stay inside one text; a text shorter than a shingle is one shingle.
    if n >= SHINGLE:
        grams = normal[: n - SHINGLE + 1] * _MIX[0]
        for i in range(1, SHINGLE):
            grams += normal[i : n - SHINGLE + 1 + i] * _MIX[i]
        inside = text_of_word[: n - SHINGLE + 1] == text_of_word[SHINGLE - 1 :]
        grams, owner = grams[inside], text_of_word[: n - SHINGLE + 1][inside]
    else:
        grams, owner = np.zeros(0, dtype=_U64), np.zeros(0, dtype=np.intp)
    short = [t for t in range(count) if 0 < word_bounds[t + 1] - word_bounds[t] < SHINGLE]
    if short:
        extra = [(normal[word_bounds[t] : word_bounds[t + 1]] * _MIX[: word_bounds[t + 1] - word_bounds[t]]).sum() for t in short]
        grams = np.concatenate([grams, np.array(extra, dtype=_U64)])
        owner = np.concatenate([owner, np.array(short, dtype=np.intp)])
    # One sort orders every text's shingle hashes: the text's number sits above the hash bits.
    keyed = (owner.astype(_U64) << _DOC_SHIFT) | (_fmix(grams) & _HASH_MASK)
    keyed.sort()
    keyed = keyed[_starts(keyed).nonzero()[0]]
    text_of = (keyed >> _DOC_SHIFT).astype(np.intp)
    sizes = np.bincount(text_of, minlength=count)
    # Bins are ranges of the hash space: the first hash of a (text, bin) run is its minimum.
    cell_key = keyed >> _BIN_SHIFT
    first = _starts(cell_key).nonzero()[0]  # positions, not a mask: a mask this mixed is slow to index with, and is used thrice
    minima, owners = keyed[first] & _HASH_MASK, text_of[first]
    cells = (cell_key[first] & _U64(NUM_PERM - 1)).astype(np.intp)
    bins = np.zeros((count, NUM_PERM), dtype=np.uint8)
    # The low bits are independent of which hash is smallest: b-bit MinHash keeps those.
    bins[owners, cells] = minima % _U64(LEVELS) + _U64(1)
    sketches = (bins[:, 0::2] | (bins[:, 1::2] << 4)).tobytes()
    # A band is a run of bins; its first filled bin holds the band's smallest hash.
    band = cells >> _BAND_SHIFT
    first = _starts(owners * BANDS + band).nonzero()[0]
    keys = (_fmix(minima[first] ^ _BAND_SALT[band[first]]) >> _U64(2)).tolist()  # below 2**62: story term keys sit above
    key_bounds = owners[first].searchsorted(np.arange(count + 1)).tolist()
    exact = _exact_hashes(raw, word_bounds).tolist()
    sizes = sizes.tolist()
    terms = _terms(words, text_of_word, count)
    return [
        Signature(exact=exact[t], minhash=sketches[t * SKETCH_BYTES : (t + 1) * SKETCH_BYTES], size=sizes[t],
                  bands=tuple(keys[key_bounds[t] : key_bounds[t + 1]]), terms=terms[t])
        for t in range(count)
    ]


def _terms(words: _Words, text_of_word: np.ndarray, count: int) -> list[tuple[int, ...]]:
    """Each text's story terms: the 32-bit hashes of its names, the most frequent first (then
    the first named), at most TERMS (see ``terms``)."""
    out: list[tuple[int, ...]] = [()] * count
    if words.names.size == 0:
        return out
    keyed = (text_of_word[words.names].astype(_U64) << _U64(32)) | np.maximum(words.name_hashes, 1).astype(_U64)
    unique, first, counts = _unique_first_counts(keyed)
    if keyed.size < 1 << _RANK_BITS:  # text, fewer occurrences, first occurrence in one word: one sort, not a lexsort
        ranks = (unique >> _U64(32) << _U64(2 * _RANK_BITS)) | ((_RANK_MASK - counts.astype(_U64)) << _U64(_RANK_BITS)) | first.astype(_U64)
        ranks.sort()
        texts = (ranks >> _U64(2 * _RANK_BITS)).astype(np.intp)
        ranked_hashes = keyed[(ranks & _RANK_MASK).astype(np.intp)] & _U64(0xFFFFFFFF)
    else:
        texts = (unique >> _U64(32)).astype(np.intp)
        ranked = np.lexsort((first, -counts, texts))
        texts = texts[ranked]
        ranked_hashes = unique[ranked] & _U64(0xFFFFFFFF)
    bounds = texts.searchsorted(np.arange(count + 1))
    kept = (np.arange(texts.size) - bounds[texts]) < TERMS  # a text's first TERMS only
    hashes = ranked_hashes[kept].tolist()
    bounds = texts[kept].searchsorted(np.arange(count + 1)).tolist()
    for t in range(count):
        if bounds[t] < bounds[t + 1]:
            out[t] = tuple(hashes[bounds[t] : bounds[t + 1]])
    return out


_RANK_BITS = 21  # bits of a name's count and first occurrence in a rank word: texts (below _MAX_TEXTS) take the rest
_RANK_MASK = _U64((1 << _RANK_BITS) - 1)
assert _MAX_TEXTS <= 1 << (64 - 2 * _RANK_BITS)


def _unique_first_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(values, return_index=True, return_counts=True)`` of a non-empty 1-d array: its
    stable sort and run starts, without the wrapper's generality (most of its cost on a few names)."""
    order = np.argsort(values, kind="mergesort")  # stable: a run's first index is the value's first occurrence
    ordered = values[order]
    runs = _starts(ordered).nonzero()[0]
    counts = np.empty(runs.size, dtype=np.intp)
    counts[:-1] = runs[1:] - runs[:-1]
    counts[-1] = ordered.size - runs[-1]
    return ordered[runs], order[runs], counts


def _exact_hashes(words: np.ndarray, bounds: list[int]) -> np.ndarray:
    """63-bit hash of each text's word sequence (texts are ``words[bounds[t]:bounds[t + 1]]``)."""
    up, down = _word_powers.get(words.size + 1)
    prefix = np.zeros(words.size + 1, dtype=_U64)
    (words * up[: words.size]).cumsum(out=prefix[1:])
    lo, hi = np.array(bounds[:-1]), np.array(bounds[1:])
    sums = (prefix[hi] - prefix[lo]) * down[lo] + (hi - lo).astype(_U64)
    return _fmix(sums) >> _U64(1)


_LOW_BITS = np.uint64(0x1111111111111111)  # the lowest bit of each 4-bit bin of a 64-bit word


def _filled(words: np.ndarray) -> np.ndarray:
    """The lowest bit of every non-empty 4-bit bin."""
    x = words | (words >> np.uint64(1))
    return (x | (x >> np.uint64(2))) & _LOW_BITS


class Sketches:
    """Packed sketches as rows of 64-bit words, with their filled bins, ready for ``jaccards``."""

    def __init__(self, sketches: Sequence[bytes]) -> None:
        self.words = np.frombuffer(b"".join(sketches), dtype="<u8").reshape(len(sketches), SKETCH_BYTES // 8)
        self.filled = _filled(self.words)
        self.count = np.bitwise_count(self.filled).sum(axis=1, dtype=np.int64)


def jaccards(mine: Sketches, mine_rows: np.ndarray, theirs: Sketches, their_rows: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of pairs of shingle sets, ``mine[mine_rows[i]]`` with ``theirs[their_rows[i]]``.

    Bins empty in both say nothing; a bin filled in both matches by chance with probability
    1 / LEVELS, which is taken out of the count.
    """
    both = mine.filled[mine_rows] & theirs.filled[their_rows]
    same = both & ~_filled(mine.words[mine_rows] ^ theirs.words[their_rows])
    filled_both = np.bitwise_count(both).sum(axis=1, dtype=np.int64)
    union = mine.count[mine_rows] + theirs.count[their_rows] - filled_both
    matches = np.bitwise_count(same).sum(axis=1, dtype=np.int64)
    estimate = (matches - filled_both / LEVELS) / np.maximum(union, 1) / _CHANCE
    return np.clip(estimate, 0.0, 1.0)


class Sketch:
    """One packed sketch as one int (``Sketches`` is many as arrays), for ``jaccard``: a pair
    or a few are compared at a fraction of the cost of numpy's calls on arrays of one row."""

    __slots__ = ("word", "filled", "count")

    def __init__(self, sketch: bytes) -> None:
        self.word = int.from_bytes(sketch, "little")
        self.filled = _filled_int(self.word)
        self.count = self.filled.bit_count()


_LOW_BITS_INT = int.from_bytes(bytes([0x11]) * SKETCH_BYTES, "little")


def _filled_int(word: int) -> int:
    """``_filled`` of a whole sketch as one int (the shifts stay inside each 4-bit bin that is kept)."""
    x = word | (word >> 1)
    return (x | (x >> 2)) & _LOW_BITS_INT


def jaccard(mine: Sketch, theirs: Sketch) -> float:
    """``jaccards`` of one pair, in plain Python: the same counts, and the same float
    operations on them in the same order, so the same float to the bit (a test holds the two
    together). Bins filled in both that differ are counted, not those that match: one
    operation fewer on ints of a thousand bits."""
    both = mine.filled & theirs.filled
    x = mine.word ^ theirs.word
    x |= x >> 1
    filled_both = both.bit_count()
    matches = filled_both - (both & (x | (x >> 2))).bit_count()
    union = mine.count + theirs.count - filled_both
    estimate = (matches - filled_both / LEVELS) / (union if union > 1 else 1) / _CHANCE
    return 0.0 if estimate < 0.0 else 1.0 if estimate > 1.0 else estimate


def tversky_one(jaccard: float, size_a: int, size_b: int, extra_weight: float) -> tuple[float, float]:
    """``tversky`` of one pair, in plain Python (the same operations in the same order)."""
    small, large = (size_a, size_b) if size_a < size_b else (size_b, size_a)
    small, large = float(small if small > 1 else 1), float(large if large > 1 else 1)
    shared = jaccard * (small + large) / (1.0 + jaccard)
    if small < shared:
        shared = small
    return shared / (small + extra_weight * (large - shared)), shared


def round4(value: float) -> float:
    """``np.round(value, 4)`` in plain Python: numpy scales, rounds half to even and scales
    back (``round(value, 4)`` rounds the decimal value instead, which can differ)."""
    return round(value * 10_000.0) / 10_000.0


def tversky(jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, extra_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Similarity and estimated shared shingles of set pairs, from their Jaccard and sizes.

    shared / (smaller + extra_weight * the larger's unshared): containment when the weight
    is 0, which a copy cut short or wrapped in comments still scores high on; a small weight
    on the larger text's extra part keeps a page that only quotes a short article (a
    teaser, a "related" box) from passing as its copy.
    """
    a, b = np.maximum(size_a, 1), np.maximum(size_b, 1)
    small, large = np.minimum(a, b), np.maximum(a, b)
    shared = np.minimum(small, jaccard * (small + large) / (1.0 + jaccard))
    return shared / (small + extra_weight * (large - shared)), shared
