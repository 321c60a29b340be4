"""Story terms: the names an article is about, for grouping the reports of one event.

Two outlets' own reports of one event share few sentences but name the same people, places,
groups and things, and name them often. An article's terms are the capitalised words that
stand inside a sentence (after a word and a space: not a sentence's first word, not a
headline list or a menu item after a separator), in lines of running prose (at least
``PROSE_WORDS`` words, no ``|``: not a headline, a menu or a footer), ranked by how often
they occur (``sketch.sign`` finds them with the words, for a whole batch at once). The first
``TERMS`` are kept as 32-bit hashes; an entry keeps 16 bits of each, enough to tell a dozen
terms apart from another dozen.

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


def short(terms: Sequence[int]) -> list[int]:
    """The 16 bits of each term an entry keeps (never 0, which marks an empty slot)."""
    return [(t >> 16) or 1 for t in terms]


def similarities(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Weighted Jaccard similarity of pairs of ranked term lists (rows of TERMS 16-bit terms, 0
    an empty slot): shared weight over the weight of either, a term weighing less the lower
    it ranks (a shared term weighs what it weighs where it ranks lower). The terms of one
    list are distinct, so in the two lists' terms sorted together a shared one is a pair of
    neighbours."""
    ranks = np.arange(TERMS, dtype=np.uint32)
    both = np.concatenate([(mine.astype(np.uint32) << 5) | ranks, (theirs.astype(np.uint32) << 5) | (ranks + 16)], axis=1)
    both.sort(axis=1)
    term, rank = both >> 5, both & 15
    paired = (term[:, 1:] == term[:, :-1]) & (term[:, 1:] != 0)
    shared = (paired * _WEIGHTS[np.maximum(rank[:, 1:], rank[:, :-1])]).sum(axis=1)
    union = (mine != 0) @ _WEIGHTS + (theirs != 0) @ _WEIGHTS - shared
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


def rows(lists: Sequence[Sequence[int]]) -> np.ndarray:
    """``padded`` of each list of terms, a row each (at once: a batch's requests)."""
    kept = [terms[:TERMS] for terms in lists]
    lengths = np.fromiter(map(len, kept), dtype=np.intp, count=len(kept))
    flat = np.fromiter(chain.from_iterable(kept), dtype=np.int64, count=int(lengths.sum())) >> 16
    flat[flat == 0] = 1  # never 0, which marks an empty slot
    out = np.zeros((len(kept), TERMS), dtype=np.uint16)
    firsts = np.repeat(lengths.cumsum() - lengths, lengths)
    out[np.repeat(np.arange(len(kept)), lengths), np.arange(flat.size) - firsts] = flat
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
