"""Output records rendered in two halves, so the stateful agent never parses an analysis.

An article's records are almost all decided by its analysis alone: the analyze processes
render them (``prepare``) as JSON that stops short of the few fields only the dedup verdict
and corroboration decide: ``dedup``, ``credibility`` and the times of ``articles.enriched``,
``story_id`` of each claim. Finishing an article (``pipeline.finish``) appends those fields
and the closing brace. The result is, byte for byte, what pydantic writes for the whole
model (``tests/unit/test_render.py``). Before this, parsing a 16 KB analysis back into
pydantic models cost the Faust process more than everything else it did for the article.

A ``Prepared`` travels as newline-separated JSON lines (orjson never writes a raw newline):
the small fields finishing needs, then the article's half record, then one per claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from sitrep.analysis import Analysis
from sitrep.models import CasualtyClaim, Credibility, Dedup, EnrichedArticle
from sitrep.stages.credibility.corroborate import report_for
from sitrep.stages.types import Report

# The fields of each record set at the end, in the models' order (they are their last fields).
ARTICLE_TAIL = ("dedup", "credibility", "replayed_at", "processed_at")
CLAIM_TAIL = ("story_id",)
_PLACEHOLDER_DEDUP = Dedup(story_id="")
_PLACEHOLDER_CREDIBILITY = Credibility(score=0.0, band="low")


@dataclass(frozen=True, slots=True)
class Facts:
    """What the metrics count of an article (``metrics.record_outcome``)."""

    source: str | None
    url: str | None
    entities: list[tuple[str, str | None]]  # type, category
    claims: list[tuple[str, str | None]]  # cause, governorate
    capped: tuple[str, ...] = ()  # the extraction limits the article reached (Extraction.capped)


@dataclass(frozen=True, slots=True)
class Prepared:
    """An analysed article as finishing needs it."""

    id: str
    event_key: str | None
    report: Report  # copy_of and story_id are the verdict's, set when finishing
    title: str
    replayed_at: str | None  # as the record writes it (JSON)
    facts: Facts
    article: bytes  # articles.enriched up to its tail fields
    claims: list[bytes]  # claims.casualties, each up to its story_id

    def encode(self) -> bytes:
        head = {
            "id": self.id,
            "event_key": self.event_key,
            "report": self.report.model_dump(mode="json"),
            "title": self.title,
            "replayed_at": self.replayed_at,
            "facts": [self.facts.source, self.facts.url, self.facts.entities, self.facts.claims, self.facts.capped],
        }
        return b"\n".join([orjson.dumps(head), self.article, *self.claims])

    @classmethod
    def decode(cls, data: bytes) -> Prepared:
        head_line, article, *claims = data.split(b"\n")
        head = orjson.loads(head_line)
        source, url, entities, claim_labels, *capped = head["facts"]  # no capped: stored by an older worker
        facts = Facts(source, url, [(t, c) for t, c in entities], [(c, g) for c, g in claim_labels], tuple(capped[0] if capped else ()))
        report = Report.model_validate(head["report"])
        return cls(head["id"], head["event_key"], report, head["title"], head["replayed_at"], facts, article, claims)


def _head(record: dict[str, Any], tail: tuple[str, ...]) -> bytes:
    """The record's JSON without its tail fields and closing brace."""
    for name in tail:
        del record[name]
    return orjson.dumps(record)[:-1]


def prepare(analysis: Analysis) -> Prepared:
    """Everything about the article that does not wait for the verdict, rendered."""
    clean, ext = analysis.clean, analysis.extraction
    article = EnrichedArticle(
        id=clean.id,
        source=clean.source,
        url=clean.url,
        title=clean.title,
        author=clean.author,
        published=clean.published,
        published_from=clean.published_from,
        dateline=clean.dateline,
        language=clean.language,
        body=clean.body,
        removed=clean.removed,
        entities=ext.entities,
        primary_location=ext.primary_location,
        casualties=ext.casualties,
        dedup=_PLACEHOLDER_DEDUP,
        credibility=_PLACEHOLDER_CREDIBILITY,
        replayed_at=clean.replayed_at,
    )
    record = article.model_dump(mode="json")
    replayed_at = record["replayed_at"]
    claims = claims_of(article)
    facts = Facts(
        source=clean.source,
        url=clean.url,
        entities=[(e.type, e.category) for e in ext.entities],
        claims=[(c.cause, c.admin1_name) for c in claims],
        capped=tuple(ext.capped),
    )
    report = report_for(clean, ext, analysis.text_signals, analysis.order, _PLACEHOLDER_DEDUP)
    rendered = [_head(claim.model_dump(mode="json"), CLAIM_TAIL) for claim in claims]
    return Prepared(clean.id, analysis.event_key, report, clean.title, replayed_at, facts, _head(record, ARTICLE_TAIL), rendered)


def claims_of(article: EnrichedArticle) -> list[CasualtyClaim]:
    """One ``claims.casualties`` record per claim, with its place and perpetrator resolved."""
    by_id = {e.id: e for e in article.entities}
    claims = []
    for index, claim in enumerate(article.casualties):
        place = by_id.get(claim.location or "")
        actor = by_id.get(claim.perpetrator or "")
        claims.append(
            CasualtyClaim(
                **claim.model_dump(),
                article_id=article.id,
                claim_index=index,
                source=article.source,
                published=article.published,
                location_name=place.name if place else None,
                admin1_name=place.geo.admin1_name if place and place.geo else None,
                country_code=place.geo.country_code if place and place.geo else None,
                perpetrator_category=actor.category if actor else None,
                story_id=article.dedup.story_id,
            )
        )
    return claims


def timestamp(moment: datetime) -> bytes:
    """A time as pydantic writes it in JSON (UTC as ``Z``)."""
    return orjson.dumps(moment, option=orjson.OPT_UTC_Z)


def article_record(prepared: Prepared, verdict: Dedup, credibility: Credibility, processed_at: datetime) -> bytes:
    """The whole ``articles.enriched`` record."""
    replayed = b"null" if prepared.replayed_at is None else orjson.dumps(prepared.replayed_at)
    return b"".join((prepared.article, b',"dedup":', verdict.to_json(), b',"credibility":', credibility.to_json(),
                     b',"replayed_at":', replayed, b',"processed_at":', timestamp(processed_at), b"}"))


def claim_key(article_id: str, claim_index: int) -> bytes:
    """The key of a ``claims.casualties`` record: one per claim, so log compaction or an
    upsert sink keeps every claim of an article (the article id alone would keep the last)."""
    return f"{article_id}:{claim_index}".encode()


def claim_records(prepared: Prepared, story_id: str) -> list[bytes]:
    """The article's ``claims.casualties`` records, in ``claim_index`` order."""
    tail = b',"story_id":' + orjson.dumps(story_id) + b"}"
    return [claim + tail for claim in prepared.claims]
