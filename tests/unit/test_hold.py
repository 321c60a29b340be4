"""Probes held at their shard until every input partition's mark has passed them (issue 24)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitrep.stages.dedup import Signature
from sitrep.stream import hold
from sitrep.stream.hold import ORDER_MARK, PROBES_A_RECORD, Holding, Position, Sources, order_mark
from sitrep.stream.wire import Probe, decode_lsh, encode_probes


def probe(order: int, article_id: str | None = None) -> Probe:
    return Probe(article_id or f"a{order}", order, Signature(order, bytes(128), 20), [order], "route")


def orders(held: list) -> list[int]:
    return [h.probe.order for h in held]


def test_a_probe_waits_for_the_marks_of_every_input_partition() -> None:
    holding = Holding(sources=2)
    holding.add([probe(10)], {0: 10}, now=0.0)
    assert holding.release(0.0, None).items == []  # partition 1 has said nothing yet
    holding.add([], {1: 9}, now=0.1)
    assert holding.release(0.1, None).items == []  # partition 1 may still send order 9.5
    holding.add([], {1: 10}, now=0.2)
    assert orders(holding.release(0.2, None).items) == [10]


def test_probes_are_answered_in_input_order_whatever_order_they_came_in() -> None:
    holding = Holding(sources=2)
    holding.add([probe(7), probe(3)], {1: 7}, now=0.0)  # the fast partition's copies
    holding.add([probe(5), probe(1)], {0: 5}, now=0.5)  # the slow partition's originals
    assert orders(holding.release(0.5, None).items) == [1, 3, 5]
    holding.add([], {0: 100}, now=1.0)
    released = holding.release(1.0, None)
    assert orders(released.items) == [7] and released.late == 0 and released.forced == 0


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000)), min_size=1, max_size=60, unique_by=lambda t: t[1]), st.randoms())
def test_any_interleaving_of_the_partitions_answers_in_order(articles, rng) -> None:
    # Each partition sends its articles in order, with its mark; the partitions interleave at random.
    streams = {p: sorted(order for q, order in articles if q == p) for p in range(4)}
    holding, answered = Holding(sources=4), []
    while any(streams.values()):
        p = rng.choice([p for p, left in streams.items() if left])
        order = streams[p].pop(0)
        holding.add([probe(order)], {p: order}, now=0.0)
        answered += orders(holding.release(0.0, None).items)
    holding.add([], dict.fromkeys(range(4), 10**6), now=0.0)
    answered += orders(holding.release(0.0, None).items)
    assert answered == sorted(order for _, order in articles)


def test_a_probe_behind_its_mark_is_answered_at_once_and_counted_late() -> None:
    holding = Holding(sources=1)
    holding.add([probe(10)], {0: 10}, now=0.0)
    assert orders(holding.release(0.0, None).items) == [10]
    holding.add([probe(4)], {}, now=1.0)
    released = holding.release(1.0, None)
    assert orders(released.items) == [4] and released.late == 1


def test_a_probe_held_past_max_hold_goes_with_everything_before_it() -> None:
    holding = Holding(sources=2)
    holding.add([probe(5), probe(8)], {0: 8}, now=0.0)
    holding.add([probe(9)], {0: 9}, now=20.0)
    assert holding.release(29.0, 30.0).items == []
    released = holding.release(30.0, 30.0)
    assert orders(released.items) == [5, 8] and released.forced == 2


def test_without_sources_nothing_waits() -> None:
    holding = Holding(sources=0)
    holding.add([probe(5)], {}, now=0.0)
    assert orders(holding.release(0.0, 30.0).items) == [5]


def test_a_redelivered_probe_is_held_once() -> None:
    holding = Holding(sources=1)
    holding.add([probe(5)], {}, now=0.0)
    holding.add([probe(5)], {}, now=0.1)
    holding.add([], {0: 5}, now=0.2)
    assert orders(holding.release(0.2, None).items) == [5]


def test_the_state_survives_a_restart_through_the_table() -> None:
    table: dict[bytes, bytes] = {}
    holding = Holding(sources=3)
    many = [probe(n) for n in range(2 * PROBES_A_RECORD + 5)]
    holding.add(many, {0: 7, 2: 9}, now=0.0)
    holding.add([], {1: 2}, now=0.0)
    assert orders(holding.release(0.0, None).items) == [0, 1, 2]
    holding.store(table, shard=3)
    assert len(table) == 3 and not holding.changed
    back = Holding.restored(table, 3, sources=3, now=5.0)
    assert back.marks == holding.marks and back.answered == 2
    assert sorted(back.held) == sorted(holding.held)
    # Fewer held now: the records no longer needed go.
    holding.add([], {1: 10**6, 0: 10**6, 2: 10**6}, now=1.0)
    holding.release(1.0, None)
    holding.store(table, shard=3)
    assert len(table) == 1 and Holding.restored(table, 3, 3, 0.0).held == {}
    assert Holding.restored(table, 1, 3, 0.0).marks == {}  # another shard: nothing stored


def test_marks_travel_with_the_probes() -> None:
    message = decode_lsh(encode_probes([probe(4)], {0: 4, 3: 2}, top=4))
    assert message.probes == [probe(4)] and message.marks == {0: 4, 3: 2} and message.top == 4
    alone = decode_lsh(encode_probes([], {1: 8}))
    assert alone.probes == [] and alone.marks == {1: 8} and alone.top is None


def test_a_partition_vouches_for_its_last_order_until_it_is_caught_up() -> None:
    sources = Sources(quiet_after=0.25)
    sources.begin({0: 4})
    sources.analyzed(0, offset=4, order=1_000)
    behind = Position(highwater=9, fetched_ms=5_000, committed=0)
    assert sources.marks({0: behind}) == {0: 1_000}
    caught_up = Position(highwater=5, fetched_ms=5_000, committed=0)
    assert sources.marks({0: caught_up}) == {0: 5_000_000 - 250_000}


def test_a_partition_never_analyzed_here_is_caught_up_from_its_committed_offset() -> None:
    sources = Sources(quiet_after=0.0)
    assert sources.marks({1: Position(highwater=7, fetched_ms=2, committed=7)}) == {1: 2_000}
    assert sources.marks({1: Position(highwater=7, fetched_ms=2, committed=3)}) == {}  # four to analyze first
    assert sources.marks({1: Position(highwater=None, fetched_ms=None, committed=None)}) == {}


def test_marks_alone_go_out_only_while_an_article_seen_is_ahead_of_them() -> None:
    sources = Sources(quiet_after=0.0)
    assert not sources.wanted({0: 50})  # nothing seen: an idle pipeline stays quiet
    sources.seen(100)
    assert sources.wanted({0: 50})
    sources.sending({0: 50})
    assert not sources.wanted({0: 50}) and sources.wanted({0: 120})
    sources.sending({0: 120})
    assert not sources.wanted({0: 200})  # past every article seen: quiet again


def test_a_revoked_partition_is_forgotten() -> None:
    sources = Sources(quiet_after=0.0)
    sources.begin({2: 0})
    sources.analyzed(2, offset=0, order=5)
    sources.forget({2})
    assert sources.marks({2: Position(highwater=1, fetched_ms=None, committed=None)}) == {}



def test_a_mark_vouches_only_for_offsets_analyzed_without_a_gap() -> None:
    # After a rebalance a later message can be analyzed before an earlier one, skipped by a
    # stream, is delivered again: the mark must not pass the earlier one meanwhile.
    sources = Sources(quiet_after=0.0)
    behind = Position(highwater=20, fetched_ms=None, committed=10)
    sources.begin({0: 10})
    sources.analyzed(0, offset=11, order=1_100)
    sources.marked(0, offset=12, order=1_200)
    assert sources.marks({0: behind}) == {}  # offset 10 not analyzed: nothing vouched for
    sources.analyzed(0, offset=10, order=1_000)
    assert sources.marks({0: behind}) == {0: 1_200}
    sources.analyzed(0, offset=10, order=1_000)  # delivered again: nothing changes
    sources.begin({0: 5})  # begun already: the start stays
    assert sources.next == {0: 13} and sources.marks({0: behind}) == {0: 1_200}


def test_a_partition_not_begun_counts_nothing() -> None:
    # A batch that outlived its partition (revoked meanwhile): a stale start would keep its
    # marks from ever catching up when the partition comes back idle.
    sources = Sources(quiet_after=0.0)
    sources.analyzed(1, offset=7, order=700)
    assert sources.next == {} and sources.last == {}
    assert sources.marks({1: Position(highwater=8, fetched_ms=None, committed=None)}) == {}


def test_a_gap_that_never_fills_is_passed_once_too_much_waits_behind_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hold, "AHEAD_MAX", 3)
    sources = Sources(quiet_after=0.0)
    sources.begin({0: 0})
    for offset in range(1, 5):
        sources.analyzed(0, offset=offset, order=offset * 100)
    assert sources.next == {0: 5} and sources.last == {0: 400} and sources.ahead == {0: {}}


def test_a_partition_whose_producer_marks_is_vouched_for_by_its_marks_not_by_time() -> None:
    sources = Sources(quiet_after=0.1)
    caught_up_late = Position(highwater=3, fetched_ms=9_000, committed=0)
    sources.begin({0: 0})
    sources.analyzed(0, offset=0, order=1_000)
    sources.marked(0, offset=1, order=2_000)
    sources.analyzed(0, offset=2, order=2_500)
    # Caught up long after its last article: by time it would vouch for 8.9 s, which a message
    # stamped at 3 s but still held by its producer would pass. Its producer's mark is 2 ms.
    assert sources.marks({0: caught_up_late}) == {0: 2_500}
    sources.marked(0, offset=3, order=4_000)
    assert sources.marks({0: caught_up_late}) == {0: 4_000}
    sources.forget({0})  # a new owner learns again whether the producer marks
    assert sources.marks({0: Position(highwater=4, fetched_ms=9_000, committed=4)}) == {0: 8_900_000}


def test_an_order_mark_is_read_from_the_record_headers() -> None:
    assert order_mark([(ORDER_MARK, b"1796592037134819")]) == 1796592037134819
    assert order_mark({ORDER_MARK: b"12"}) == 12
    assert order_mark([("other", b"1")]) is None and order_mark(None) is None and order_mark([]) is None
    assert order_mark([(ORDER_MARK, b"soon")]) is None  # not a mark: handled as an article, and dead-lettered


def test_a_partition_whose_marks_still_rise_is_waited_for_past_max_hold() -> None:
    # A restarted worker catching up on a backlog: partition 1's marks rise slowly, so the
    # probes wait for them however long that takes, and are answered in input order.
    holding = Holding(sources=2)
    holding.add([probe(5), probe(8)], {0: 8}, now=0.0)
    for second in range(1, 60):
        holding.add([], {1: second // 12}, now=float(second))  # up to 4: still below both probes
        assert holding.release(float(second), 30.0).items == []
    holding.add([], {1: 8}, now=60.0)
    released = holding.release(60.0, 30.0)
    assert orders(released.items) == [5, 8] and released.forced == 0


def test_a_partition_whose_marks_stopped_is_given_up_after_max_hold() -> None:
    holding = Holding(sources=2)
    holding.add([probe(5), probe(8)], {0: 8, 1: 3}, now=0.0)  # partition 1's last mark, then silence
    holding.add([], {0: 9}, now=20.0)
    assert holding.release(29.0, 30.0).items == []
    released = holding.release(30.0, 30.0)
    assert orders(released.items) == [5, 8] and released.forced == 2


def test_after_a_restart_the_stall_clocks_start_again() -> None:
    table: dict[bytes, bytes] = {}
    holding = Holding(sources=2)
    holding.add([probe(5)], {0: 5}, now=0.0)
    holding.store(table, shard=0)
    back = Holding.restored(table, 0, sources=2, now=100.0)
    assert back.release(129.0, 30.0).items == []  # partition 1 has had 29 s since the restart
    assert orders(back.release(130.0, 30.0).items) == [5]
