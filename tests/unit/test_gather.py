"""Gathering an article's analysis and its shards' answers, within a batch and across a crash."""

from __future__ import annotations

from sitrep.gather import Gatherer
from sitrep.wire import Part

ANALYSIS = Part("a1", 7, shards=[0, 2], event_key="Aleppo|airstrike|2017-04-12", analysis=b'{"order": 7}')
FROM_0 = Part("a1", 7, shard=0, candidates=[("w1", 3, 0.91, False)])
FROM_2 = Part("a1", 7, shard=2, candidates=[])


def test_an_article_complete_within_a_batch_writes_nothing() -> None:
    pending: dict[str, bytes] = {}
    gatherer = Gatherer(pending)
    assert gatherer.add(ANALYSIS, ANALYSIS.encode()) is None
    assert gatherer.add(FROM_2, FROM_2.encode()) is None
    done = gatherer.add(FROM_0, FROM_0.encode())
    assert done is not None and done.head == ANALYSIS and not done.stored
    assert dict(done.answers) == {"0": FROM_0.candidates, "2": []}
    assert gatherer.unfinished() == [] and pending == {}


def test_an_incomplete_article_waits_in_the_table_and_is_finished_after_a_crash() -> None:
    pending: dict[str, bytes] = {}
    first = Gatherer(pending)
    first.add(ANALYSIS, ANALYSIS.encode(), event="e1")
    first.add(FROM_0, FROM_0.encode(), event="e2")
    writes = first.unfinished()
    assert sorted(key for _, key, _ in writes) == ["a:a1@7", "r:a1@7"] and {e for e, _, _ in writes} == {"e2"}
    pending.update({key: value for _, key, value in writes})

    restarted = Gatherer(pending)  # a new worker: nothing in memory, the table restored
    assert restarted.add(FROM_0, FROM_0.encode()) is None  # a redelivered answer counts once
    done = restarted.add(FROM_2, FROM_2.encode())
    assert done is not None and done.stored and done.head.analysis == ANALYSIS.analysis
    assert [tuple(c) for c in done.answers["0"]] == FROM_0.candidates


def test_only_what_changed_in_the_batch_is_written_again() -> None:
    pending: dict[str, bytes] = {}
    gatherer = Gatherer(pending)
    gatherer.add(ANALYSIS, ANALYSIS.encode())
    pending.update({key: value for _, key, value in gatherer.unfinished()})
    gatherer.add(FROM_0, FROM_0.encode())
    assert [key for _, key, _ in gatherer.unfinished()] == ["r:a1@7"]


def test_an_article_without_shards_is_complete_with_its_analysis() -> None:
    alone = Part("tiny", 1, shards=[], event_key=None, analysis=b"{}")
    assert Gatherer({}).add(alone, alone.encode()) is not None
