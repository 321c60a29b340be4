"""Story terms: the names an article is about, for grouping the reports of one event.

Two outlets' own reports of one event share few sentences but name the same people, places,
groups and things, and name them often. An article's terms are the capitalised words that
stand inside a sentence (after a word and a space: not a sentence's first word, not a
headline list or a menu item after a separator), in lines of running prose (at least
``PROSE_WORDS`` words, no ``|``: not a headline, a menu or a footer), ranked by how often
they occur (``sketch.sign`` finds them with the words, for a whole batch at once). The first
``TERMS`` are kept as 32-bit hashes; an entry keeps 16 bits of each, enough to tell a dozen
terms apart from another dozen. Those 16 bits are the top of the hash times an odd constant,
not the hash's own top bits: a word's first letter only moves the low bits of its polynomial
hash, so "US" and "IS" would share them. A row keeps a 16-bit term once (two terms that
still collide are one), so no row shares weight with itself.

Which of them are distinctive is not decided here: an outlet's name or an agency's, repeated
in its prose, is held by many stories, and the index learns that from the stream
(``index.TERM_COMMON``). Scripts without capitals (Arabic) give no terms: their reports are
grouped by wording and by corroboration only.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

TERMS = 12  # terms kept per article, most frequent first
TERM_KEYS = 3  # the most frequent ones, filed in the index: who shares one is a story candidate
PROSE_WORDS = 12  # a line shorter than this is a headline, a caption or chrome, not prose
_WEIGHTS = 1.0 / np.sqrt(1.0 + np.arange(TERMS))  # a term's weight falls with its rank
_SPREAD = 0x9E3779B1  # odd: the top bits of a 32-bit product depend on every bit of the hash


def short(terms: Sequence[int]) -> list[int]:
    """The 16 bits of each term an entry keeps (never 0, which marks an empty slot), each
    once, in rank order (a later term that collides with an earlier one is dropped)."""
    return list(dict.fromkeys([((t * _SPREAD) & 0xFFFFFFFF) >> 16 or 1 for t in terms]))


def similarities(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Weighted Jaccard similarity of pairs of ranked term lists (rows of TERMS 16-bit terms, 0
    an empty slot): shared weight over the weight of either, a term weighing less the lower
    it ranks (a shared term weighs what it weighs where it ranks lower). In the two lists'
    terms sorted together a shared one is a pair of neighbours, one from each list: a term
    one row holds twice (``short`` keeps each once, but any row can be passed) shares no
    weight with itself."""
    ranks = np.arange(TERMS, dtype=np.uint32)
    both = np.concatenate([(mine.astype(np.uint32) << 5) | ranks, (theirs.astype(np.uint32) << 5) | (ranks + 16)], axis=1)
    both.sort(axis=1)
    term, rank, theirs_side = both >> 5, both & 15, both & 16
    paired = (term[:, 1:] == term[:, :-1]) & (term[:, 1:] != 0) & (theirs_side[:, 1:] != theirs_side[:, :-1])
    shared = (paired * _WEIGHTS[np.maximum(rank[:, 1:], rank[:, :-1])]).sum(axis=1)
    union = (mine != 0) @ _WEIGHTS + (theirs != 0) @ _WEIGHTS - shared
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


_WEIGHT_LIST = _WEIGHTS.tolist()
_CLOSE = 1e-9  # far above the rounding of either way of summing a dozen weights, far below any real margin


class Ranked:
    """One row of TERMS 16-bit terms (0 an empty slot) as ``alike`` reads it: where each term
    first and last stands (a row packed before terms were kept once can hold one twice), and
    the weight of all its terms."""

    __slots__ = ("row", "first", "last", "weight")

    def __init__(self, row: Sequence[int]) -> None:
        self.row = row
        n = len(row) - row.count(0)
        if 0 not in row[:n] and len(first := dict(zip(row[:n], range(n)))) == n:  # distinct terms first, as most rows have them
            self.first = self.last = first
            self.weight = _FIRST_WEIGHTS[n]
            return
        self.first, self.last, self.weight = {}, {}, 0.0
        for rank, term in enumerate(row):
            if term:
                if term not in self.last:
                    self.first[term] = rank
                self.last[term] = rank
                self.weight += _WEIGHT_LIST[rank]


_FIRST_WEIGHTS = [sum(_WEIGHT_LIST[:n]) for n in range(TERMS + 1)]


def alike(mine: Ranked, theirs: Ranked, threshold: float) -> bool:
    """``similarities(...) >= threshold`` of one pair of rows, decided in plain Python, a
    fraction of the cost of numpy's calls on rows of one. The same neighbours are weighed
    (in the two rows sorted together, a term's slots in ``mine`` come before its slots in
    ``theirs``), but summed in another order (numpy's sums are pairwise), so a value within
    rounding of the threshold is left to ``similarities`` itself: the answer is that of
    ``similarities`` whatever the value. (A test holds the two together.)"""
    shared = 0.0
    last, first = mine.last, theirs.first
    for term in last.keys() & first.keys():
        rank, other = last[term], first[term]
        shared += _WEIGHT_LIST[rank if rank > other else other]
    if shared == 0.0 and threshold > _CLOSE:
        return False  # nothing shared: 0, or no terms at all (0 by ``similarities``' ``where``)
    union = mine.weight + theirs.weight - shared
    if union > _CLOSE and abs(shared / union - threshold) > _CLOSE:
        return shared / union >= threshold
    pair = np.array([mine.row, theirs.row], dtype=np.uint16)
    return bool(similarities(pair[:1], pair[1:])[0] >= threshold)


def rows(lists: Sequence[Sequence[int]]) -> np.ndarray:
    """``padded`` of each list of terms, a row each (at once: a batch's requests). A list
    whose 16-bit terms collide is shortened as ``short`` does (rare: a dozen terms in 65,536)."""
    kept = [terms[:TERMS] for terms in lists]
    lengths = np.fromiter(map(len, kept), dtype=np.intp, count=len(kept))
    flat = (np.fromiter(chain.from_iterable(kept), dtype=np.uint64, count=int(lengths.sum())) * np.uint64(_SPREAD)
            & np.uint64(0xFFFFFFFF)) >> np.uint64(16)
    flat[flat == 0] = 1  # never 0, which marks an empty slot
    out = np.zeros((len(kept), TERMS), dtype=np.uint16)
    firsts = np.repeat(lengths.cumsum() - lengths, lengths)
    out[np.repeat(np.arange(len(kept)), lengths), np.arange(flat.size) - firsts] = flat
    ordered = np.sort(out, axis=1)
    collided = ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] != 0)).any(axis=1)
    for r in collided.nonzero()[0].tolist():  # two terms of a row on one 16-bit value: the row as ``short`` keeps it
        out[r] = padded(kept[r])
    return out


def padded(terms: Sequence[int]) -> list[int]:
    """An article's 16-bit terms in TERMS slots, as an entry keeps them."""
    kept = short(terms[:TERMS])
    return kept + [0] * (TERMS - len(kept))


def similarity(mine: Sequence[int], theirs: Sequence[int]) -> float:
    """``similarities`` of two lists of 16-bit terms."""
    rows = np.zeros((2, TERMS), dtype=np.uint16)
    for row, terms in zip(rows, (mine, theirs)):
        kept = list(terms)[:TERMS]
        row[: len(kept)] = kept
    return float(similarities(rows[:1], rows[1:])[0])
