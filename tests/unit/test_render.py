"""Records rendered in two halves are the records pydantic writes for the whole model."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sitrep.analysis import Analysis
from sitrep.codec import decode_raw
from sitrep.models import Credibility, Dedup, EnrichedArticle, RawArticle, Signal
from sitrep.pipeline import Pipeline, analyze
from sitrep.readers import read_messages
from sitrep.render import Prepared, article_record, claim_records, claims_of, prepare

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "credibility" / "reports.jsonl"


def analyses() -> list[Analysis]:
    raws = [decode_raw(m.value, max_body_bytes=1_000_000) for m in read_messages([str(ROOT / "seeds")])]
    for line in CORPUS.read_text().splitlines()[:40]:
        r = json.loads(line)
        raws.append(RawArticle(id=r["id"], title=r["title"], body=r["content"], source=r["source"], published=r["date"]))
    # replay times in and out of UTC, with and without microseconds
    raws[0] = raws[0].model_copy(update={"replayed_at": datetime(2026, 11, 22, 5, 1, 2, 345678, tzinfo=UTC)})
    raws[1] = raws[1].model_copy(update={"replayed_at": datetime(2026, 11, 22, 5, 1, 2, tzinfo=timezone(timedelta(hours=3)))})
    return [analyze(raw, n) for n, raw in enumerate(raws)]


def whole(analysis: Analysis, verdict: Dedup, cred: Credibility, processed_at: datetime) -> EnrichedArticle:
    clean, ext = analysis.clean, analysis.extraction
    return EnrichedArticle(
        id=clean.id, source=clean.source, url=clean.url, title=clean.title, author=clean.author, published=clean.published,
        published_from=clean.published_from, dateline=clean.dateline, language=clean.language, body=clean.body,
        removed=clean.removed, entities=ext.entities, primary_location=ext.primary_location, casualties=ext.casualties,
        dedup=verdict, credibility=cred, replayed_at=clean.replayed_at, processed_at=processed_at,
    )


VERDICTS = [
    Dedup(story_id="story-1"),
    Dedup(status="near_duplicate", duplicate_of="orig \"1\"\n", similarity=0.61, story_id="story-é"),
    Dedup(status="exact_duplicate", duplicate_of="orig", similarity=1.0, story_id="s"),
]
CREDIBILITY = Credibility(score=0.42, band="medium", signals=[Signal(name="source_prior", value=0.5, weight=1.0, contribution=0.1, evidence=["a\nb"])])


@pytest.mark.parametrize("verdict", VERDICTS)
def test_the_spliced_article_is_byte_for_byte_the_whole_model(verdict: Dedup) -> None:
    processed_at = datetime(2026, 11, 22, 6, 0, 0, 123, tzinfo=UTC)
    for analysis in analyses():
        expected = whole(analysis, verdict, CREDIBILITY, processed_at)
        prepared = Prepared.decode(prepare(analysis).encode())
        assert article_record(prepared, verdict, CREDIBILITY, processed_at) == expected.to_json()
        assert claim_records(prepared, verdict.story_id) == [claim.to_json() for claim in claims_of(expected)]


def test_prepared_survives_its_wire_format_and_counts_what_the_article_says() -> None:
    found = [prepare(a) for a in analyses()]
    assert [Prepared.decode(p.encode()) for p in found] == found
    with_claims = [p for p in found if p.claims]
    assert with_claims and all(len(p.facts.claims) == len(p.claims) for p in found)
    assert any(governorate for p in with_claims for _, governorate in p.facts.claims)
    assert all(p.facts.entities for p in found[:5])  # every seed names someone or somewhere


def test_the_pipeline_outcome_parses_as_its_models() -> None:
    pipeline = Pipeline()
    for n, analysis in enumerate(analyses()):
        outcome = pipeline.run(RawArticle(id=analysis.clean.id, title=analysis.clean.title, body=analysis.clean.body), n)
        article = outcome.article
        assert article.dedup == outcome.verdict and article.credibility == outcome.credibility
        assert article.processed_at is not None and article.processed_at.tzinfo is not None


def test_claims_are_keyed_article_id_and_claim_index_in_order() -> None:
    """The worker keys the n-th of claim_records n: it must be the claim with claim_index n."""
    from sitrep.models import CasualtyClaim
    from sitrep.render import claim_key

    root = Path(__file__).resolve().parents[2]
    pipeline = Pipeline()
    several = 0
    for n, message in enumerate(read_messages([str(root / "seeds")])):
        outcome = pipeline.run(decode_raw(message.value, max_body_bytes=1_000_000), n)
        several += len(outcome.claims) > 1
        for index, claim in enumerate(outcome.claims):
            record = json.loads(claim)
            assert record["claim_index"] == index and record["article_id"] == outcome.id
            assert claim_key(outcome.id, index) == f"{outcome.id}:{index}".encode()
    assert several >= 2
    description = CasualtyClaim.model_json_schema()["description"]
    assert "article_id:claim_index" in description
