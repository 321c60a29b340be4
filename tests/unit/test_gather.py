"""Gathering an article's analysis and its shards' answers, between commits and across a crash."""

from __future__ import annotations

from sitrep.stream.gather import Gatherer
from sitrep.stream.wire import Part

ANALYSIS = Part("a1", 7, shards=[0, 2], event_key="Aleppo|airstrike|2017-04-12", analysis=b'{"order": 7}')
FROM_0 = Part("a1", 7, shard=0, candidates=[("w1", 3, 0.91, False)])
FROM_2 = Part("a1", 7, shard=2, candidates=[])


def test_an_article_complete_before_the_commit_writes_nothing() -> None:
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


def test_only_what_changed_since_the_last_commit_is_written_again() -> None:
    pending: dict[str, bytes] = {}
    gatherer = Gatherer(pending)
    gatherer.add(ANALYSIS, ANALYSIS.encode())
    pending.update({key: value for _, key, value in gatherer.unfinished()})
    gatherer.add(FROM_0, FROM_0.encode())
    assert [key for _, key, _ in gatherer.unfinished()] == ["r:a1@7"]


def test_an_article_without_shards_is_complete_with_its_analysis() -> None:
    alone = Part("tiny", 1, shards=[], event_key=None, analysis=b"{}")
    assert Gatherer({}).add(alone, alone.encode()) is not None


def test_a_revoked_partition_is_forgotten_and_its_parts_read_back_by_their_new_owner() -> None:
    pending: dict[str, bytes] = {}
    gatherer = Gatherer(pending)
    gatherer.add(ANALYSIS, ANALYSIS.encode(), partition=1)
    other = Part("b2", 8, shards=[0], event_key=None, analysis=b"{}")
    gatherer.add(other, other.encode(), partition=3)
    pending.update({key: value for _, key, value in gatherer.unfinished()})  # the commit before the revoke
    gatherer.add(FROM_0, FROM_0.encode(), partition=1)  # comes after the commit, its offset uncommitted
    gatherer.forget({1})
    assert [key for _, key, _ in gatherer.unfinished()] == []  # nothing of partition 1 is written now
    new_owner = Gatherer(pending)
    assert new_owner.add(FROM_0, FROM_0.encode(), partition=1) is None  # redelivered to it
    assert new_owner.add(FROM_2, FROM_2.encode(), partition=1) is not None
