"""Issue 21: one article's extraction is bounded (Limits) and its cost linear in its length.

Regression tests on built pathological articles; the limits against real articles and the
growth of the cost are measured by ops/eval/bounds.py.
"""

from __future__ import annotations

from sitrep.stages.extract.article import Limits, extract
from sitrep.stages.extract.claims import _merged
from sitrep.stages.types import CleanArticle

_PLACES = ["Aleppo", "Homs", "Idlib", "Raqqa", "Douma", "Hama"]


def _sentences(n: int) -> str:
    return " ".join(f"{i + 2} people were killed in {_PLACES[i % 6]} on Monday." for i in range(n))


def test_a_name_repeated_is_capped_in_mentions_and_says_so() -> None:
    ext = extract(CleanArticle(id="a", title="t", body="Homs " * 5_000))
    (homs,) = [e for e in ext.entities if e.name == "Homs"]
    assert len(homs.mentions) == 500 and ext.capped == ["mentions"]
    assert homs.mentions[-1].start < 5 * 500  # the first ones, in text order


def test_claims_capped_and_every_entity_they_name_kept() -> None:
    limits = Limits(entities=2, claims=5)
    ext = extract(CleanArticle(id="a", title="t", body=_sentences(60)), limits)
    assert len(ext.casualties) == 5 and {"claims", "entities"} <= set(ext.capped)
    ids = {e.id for e in ext.entities}
    assert all(c.location in ids for c in ext.casualties if c.location)
    assert ext.primary_location is None or ext.primary_location in ids


def test_total_mentions_capped_across_entities() -> None:
    ext = extract(CleanArticle(id="a", title="t", body=" ".join(_PLACES) * 50), Limits(mentions_total=40))
    assert sum(len(e.mentions) for e in ext.entities) <= 40 and "mentions" in ext.capped


def test_a_sentence_of_a_whole_page_gives_evidence_around_its_figure() -> None:
    body = "word " * 3_000 + "12 people were killed in Aleppo " + "word " * 3_000
    ext = extract(CleanArticle(id="a", title="t", body=body), Limits(evidence_chars=500))
    (claim,) = ext.casualties
    assert claim.evidence.end - claim.evidence.start == 500 and "12 people were killed" in claim.evidence.text
    assert body[claim.evidence.start:claim.evidence.end] == claim.evidence.text and "evidence" in ext.capped


def test_an_ordinary_article_reaches_no_limit() -> None:
    ext = extract(CleanArticle(id="a", title="Strike", body="A Russian airstrike killed eight civilians in Saraqib on Monday."))
    assert ext.capped == [] and ext.casualties


def test_victim_spans_merged_for_bisection() -> None:
    assert _merged([(10, 20), (0, 5), (15, 30), (40, 41)]) == ([0, 10, 40], [5, 30, 41])
    assert _merged([]) == ([], [])
