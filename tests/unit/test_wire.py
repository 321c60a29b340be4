"""The internal messages survive their trip through bytes, batched as the agents send them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sitrep.models import RawArticle
from sitrep.pipeline import analyze
from sitrep.stages.dedup import Signature
from sitrep.stream.wire import Part, Probe, decode_parts, decode_probes, encode_answers, encode_probes, partition_of

ids = st.text(min_size=1, max_size=40)
orders = st.integers(0, 2**62)
candidates = st.lists(st.tuples(ids, orders, st.floats(0, 1), st.booleans()), max_size=5)


@given(st.lists(st.tuples(ids, orders, st.binary(min_size=128, max_size=128), st.lists(st.integers(0, 2**63 - 1), max_size=17), ids), min_size=1, max_size=20))
def test_a_batch_of_probes_round_trips(rows) -> None:
    probes = [Probe(i, order, Signature(order // 3, sketch, len(keys) + 8), keys=keys, route=route) for i, order, sketch, keys, route in rows]
    assert decode_probes(encode_probes(probes)) == probes


@given(st.lists(st.tuples(ids, orders, st.integers(0, 63), candidates), min_size=1, max_size=20))
def test_a_batch_of_answers_round_trips(rows) -> None:
    answers = [Part(i, order, shard=shard, candidates=found) for i, order, shard, found in rows]
    assert decode_parts(encode_answers(answers)) == answers


def test_an_analysis_travels_as_the_bytes_analyze_made() -> None:
    analysis = analyze(RawArticle(id="a\nb", title="Strike", body="An airstrike killed\n eight civilians in Saraqib on Monday."), 5)
    raw = analysis.model_dump_json().encode()
    part = Part("a\nb", 5, shards=[0, 3], event_key=analysis.event_key, analysis=raw)
    [back] = decode_parts(part.encode())
    assert back == part and back.analysis == raw


def test_a_route_key_always_lands_on_the_same_partition() -> None:
    routes = [f"event-{n}" for n in range(200)]
    assert [partition_of(r, 4) for r in routes] == [partition_of(r, 4) for r in routes]
    assert {partition_of(r, 4) for r in routes} == {0, 1, 2, 3}
