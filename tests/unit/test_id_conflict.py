"""An id used again: the same article is a repeat, a different one is dead-lettered (id_conflict)."""

from __future__ import annotations

import pytest

from sitrep.errors import RejectedMessage
from sitrep.models import RawArticle
from sitrep.pipeline import Pipeline, analyze, dedup_shard, judge
from sitrep.settings import Thresholds
from sitrep.stages import dedup

FIRST = (
    "Eight civilians were killed when shells hit a market in Douma on Monday, the civil defence said. "
    "Rescue teams pulled survivors from the rubble for several hours while the shelling went on, and "
    "the local council said the market had been crowded with people buying food before the holiday."
)
OTHER = (
    "Government forces retook two villages east of Hama after a week of fighting, state media said. "
    "Opposition fighters withdrew towards the north, a commander told reporters, while aircraft "
    "struck the roads leading out of the area and several families fled to camps near the border."
)


def _raw(article_id: str, body: str) -> RawArticle:
    return RawArticle(id=article_id, title="Report", body=body)


def test_the_same_id_with_a_different_article_is_rejected() -> None:
    pipeline = Pipeline()
    assert pipeline.run(_raw("x", FIRST), 1).verdict.status == "unique"
    with pytest.raises(RejectedMessage) as caught:
        pipeline.run(_raw("x", OTHER), 2)
    assert caught.value.reason == "id_conflict"
    # The id's first article stands: a third message with its text is a repeat of it, not a conflict.
    again = pipeline.run(_raw("x", FIRST), 3)
    assert (again.verdict.status, again.verdict.duplicate_of) == ("exact_duplicate", "x")


def test_the_same_id_with_the_same_or_an_edited_text_is_a_repeat() -> None:
    pipeline = Pipeline()
    pipeline.run(_raw("x", FIRST), 1)
    assert pipeline.run(_raw("x", FIRST), 2).verdict.duplicate_of == "x"
    edited = FIRST.replace("Eight civilians", "Nine civilians").replace("several hours", "many hours")
    assert pipeline.run(_raw("x", edited), 3).verdict.duplicate_of == "x"


def test_short_texts_under_one_id() -> None:
    # Too short to show copying by bands: the sketch itself tells the same text from another.
    pipeline = Pipeline()
    pipeline.run(_raw("s", "Shelling in Daraa."), 1)
    assert pipeline.run(_raw("s", "Shelling in Daraa."), 2).verdict.duplicate_of == "s"
    with pytest.raises(RejectedMessage, match="first used"):
        pipeline.run(_raw("s", "Clashes near Idlib."), 3)


def test_other_ids_are_untouched() -> None:
    pipeline = Pipeline()
    pipeline.run(_raw("a", FIRST), 1)
    assert pipeline.run(_raw("b", OTHER), 2).verdict.status == "unique"
    assert pipeline.run(_raw("c", FIRST), 3).verdict.duplicate_of == "a"


def test_sharded_answers_agree_and_a_redelivery_is_rejected_again() -> None:
    # Four shards, keys routed as the worker routes them: the id key reaches one of them only.
    thresholds = Thresholds()
    shards = [dedup_shard(thresholds, {}, index={}, ages=[], shard=n, shards=4) for n in range(4)]

    def run(article_id: str, body: str, order: int) -> list[dedup.Candidate]:
        sig = analyze(_raw(article_id, body), order).signature
        found: list[dedup.Candidate] = []
        for shard, shard_keys in dedup.route(dedup.keys(sig, article_id), 4).items():
            found += shards[shard].probe([(article_id, order, sig, shard_keys)])[0]
        return found

    assert judge("x", run("x", FIRST, 1), thresholds).status == "unique"
    for _ in range(2):  # the second time is a redelivery (same order): the stored answer
        with pytest.raises(RejectedMessage):
            judge("x", run("x", OTHER, 2), thresholds)
    assert judge("x", run("x", FIRST, 3), thresholds).duplicate_of == "x"
