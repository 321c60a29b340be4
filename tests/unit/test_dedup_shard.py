"""DedupShard runs the shard sequence (probe, file, evict) that the worker and ``sitrep process`` share."""

from __future__ import annotations

import pytest

from sitrep.pipeline import dedup_shard
from sitrep.settings import Thresholds
from sitrep.stages import dedup

BODY = "Three civilians were killed and five injured when shelling hit a market in the town on Monday, a monitor said. " * 3


def request(article_id: str, order: int, body: str = BODY) -> dedup.Request:
    sig = dedup.sign(body)
    return (article_id, order, sig, dedup.keys(sig))


def test_a_copy_finds_its_original_and_the_verdict_links_them():
    shard = dedup_shard(Thresholds(), {}, index={}, ages=[])
    assert shard.probe([request("a", 1)]) == [[]]
    [found] = shard.probe([request("b", 2)])
    assert [c.id for c in found] == ["a"]
    assert dedup.resolve("b", found, near=Thresholds().near_duplicate).duplicate_of == "a"


def test_the_oldest_entries_go_beyond_the_cap_and_a_rebuilt_shard_agrees():
    entries: dict[int, bytes] = {}
    shard = dedup_shard(Thresholds(max_index_articles=2), entries, index={}, ages=[])
    for order, text in enumerate(["alpha beta gamma delta epsilon", "one two three four five six", "red green blue cyan magenta"]):
        shard.probe([request(f"x{order}", order, " ".join([text] * 10))])
    assert len(shard.ages) == 2
    rebuilt = dedup_shard(Thresholds(max_index_articles=2), entries)
    assert rebuilt.index == shard.index and sorted(rebuilt.ages) == sorted(shard.ages)


def test_what_was_filed_is_reported_even_when_the_probe_fails():
    calls = []
    shard = dedup_shard(Thresholds(), {}, index={}, ages=[])
    with pytest.raises(AttributeError):  # a request without a signature fails inside the probe
        shard.probe([("a", 1, None, [1, 2])], filed=lambda: calls.append("filed"))  # type: ignore[list-item]
    assert calls == ["filed"]
