"""A probe of a few pairs compares them one at a time in plain Python, a batch all at once
with numpy: each rule is written twice, and the two must give the same answers (the same
floats, where a float is kept), or a verdict would depend on the size of a batch."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sitrep.stages.dedup import index as dedup
from sitrep.stages.dedup import sketch, terms

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "ops/bench"))
import corpus  # noqa: E402


def _packed(nibbles: list[int]) -> bytes:
    return bytes(low | (high << 4) for low, high in zip(nibbles[0::2], nibbles[1::2]))


@st.composite
def _sketch_pairs(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """Two sketches from empty to full, with bins often alike (copies) and often empty (short texts)."""
    rng = random.Random(draw(st.integers(0, 2**32)))  # a seed: hypothesis's own randoms record every draw, too many here
    filled, kept, empty = (draw(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0])) for _ in range(3))
    mine = [rng.randrange(1, 16) if rng.random() < filled else 0 for _ in range(sketch.NUM_PERM)]
    theirs = [m if rng.random() < kept else rng.randrange(16) for m in mine]
    theirs = [0 if rng.random() < empty else t for t in theirs]
    return _packed(mine), _packed(theirs)


@settings(max_examples=400, deadline=None)
@given(pair=_sketch_pairs(), sizes=st.tuples(st.integers(0, 5000), st.integers(0, 5000)), weight=st.sampled_from([0.0, 0.3, 1.0]))
def test_one_pair_is_compared_as_a_batch_compares_it(pair, sizes, weight) -> None:
    mine, theirs = pair
    one = np.zeros(1, dtype=np.intp)
    jaccards = sketch.jaccards(sketch.Sketches([mine]), one, sketch.Sketches([theirs]), one)
    jaccard = sketch.jaccard(sketch.Sketch(mine), sketch.Sketch(theirs))
    assert jaccard == float(jaccards[0])
    sims, shared = sketch.tversky(jaccards, np.array([sizes[0]], dtype=np.float64), np.array([sizes[1]], dtype=np.float64), weight)
    sim, one_shared = sketch.tversky_one(jaccard, sizes[0], sizes[1], weight)
    assert (sim, one_shared) == (float(sims[0]), float(shared[0]))
    assert sketch.round4(sim) == float(np.round(sims, 4)[0])


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.floats(0.0, 1.0), st.integers(0, 20_000).map(lambda k: k / 20_000)), min_size=1, max_size=50))
def test_a_similarity_is_rounded_as_numpy_rounds_it(values) -> None:
    # halves included: numpy rounds the scaled value half to even, ``round(x, 4)`` the decimal one
    assert [sketch.round4(v) for v in values] == np.round(np.array(values), 4).tolist()


@st.composite
def _term_rows(draw: st.DrawFn) -> list[int]:
    # few distinct terms, so rows share some and a 16-bit term fills two slots of one row now and then
    alphabet = draw(st.sampled_from([3, 8, 40, 0xFFFF]))
    row = draw(st.lists(st.integers(1, alphabet), max_size=terms.TERMS))
    row += [0] * (terms.TERMS - len(row))
    if draw(st.booleans()) and draw(st.booleans()):
        row = draw(st.permutations(row))  # an empty slot between terms: not as entries keep them, still the same rule
    return list(row)


@settings(max_examples=600, deadline=None)
@given(mine=_term_rows(), theirs=_term_rows(), threshold=st.sampled_from([0.35, 0.4, 0.0, 1.0]) | st.floats(0.0, 1.0), at_value=st.integers(-1, 2))
def test_one_pair_of_term_rows_is_alike_as_a_batch_finds_it(mine, theirs, threshold, at_value) -> None:
    value = float(terms.similarities(np.array([mine], dtype=np.uint16), np.array([theirs], dtype=np.uint16))[0])
    if at_value < 2:  # the threshold at the value or a step either side: left to ``similarities``
        threshold = float(np.nextafter(value, [-1.0, 0.0, 2.0][at_value + 1])) if at_value else value
    assert terms.alike(terms.Ranked(mine), terms.Ranked(theirs), threshold) == (value >= threshold)


def _probed_in_pairs(ids: list[str], sigs: list) -> tuple[list, list[dict]]:
    """Every answer of four shards over the stream in batches of two, and their entries."""
    state: list[tuple[dict, dict]] = [({}, {}) for _ in range(4)]
    answers = []
    for start in range(0, len(ids), 2):
        per_shard: list[list] = [[] for _ in state]
        for order in range(start, min(start + 2, len(ids))):
            for shard, keys in dedup.route(dedup.keys(sigs[order], ids[order]), len(state)).items():
                per_shard[shard].append((ids[order], order, sigs[order], keys))
        for shard, requests in enumerate(per_shard):
            answers.append(dedup.probe_many(requests, *state[shard], min_similarity=0.3, shard=shard, shards=len(state)))
    return answers, [entries for _, entries in state]


def test_a_probe_answers_alike_a_pair_at_a_time_and_all_at_once(monkeypatch) -> None:
    # the same stream, its pairs compared in plain Python and with numpy: the same candidates
    # (similarities to the bit) and the same entries stored
    rows = list(corpus.articles(300, seed=11))
    ids, sigs = [r["id"] for r in rows], dedup.sign_many([r["body"] for r in rows])
    monkeypatch.setattr(dedup, "_FEW", dedup._Few(10**9, 10**9, 10**9))
    few = _probed_in_pairs(ids, sigs)
    monkeypatch.setattr(dedup, "_FEW", dedup._Few(-1, -1, -1))
    many = _probed_in_pairs(ids, sigs)
    assert sum(c.story for answer in few[0] for found in answer for c in found) >= 20  # stories told, and chains read
    assert few == many
