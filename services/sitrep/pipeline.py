"""The pipeline as plain functions, shared by the Faust worker and ``sitrep process``.

``analyze`` is the stateless part (clean, extract, sign, text signals). ``probe`` and
``resolve`` (in ``stages.dedup``) and ``corroborate`` are the stateful parts; they take
their state as mappings. ``Pipeline`` runs them all in one process with dicts, which is
exactly what one worker over one partition computes with Faust tables.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ConfigDict

from sitrep.models import Credibility, CredibilityUpdate, Dedup, DuplicateLink, EnrichedArticle, RawArticle, Signal
from sitrep.records import Facts, Prepared, article_record, claim_records, prepare
from sitrep.settings import Thresholds
from sitrep.stages import credibility
from sitrep.stages import dedup
from sitrep.stages.clean.article import clean_article
from sitrep.stages.clean.article import warm_up as clean_warm_up
from sitrep.stages.credibility.corroborate import corroborate, event_key
from sitrep.stages.credibility.sources import SourcePriors
from sitrep.stages.extract.article import extract
from sitrep.stages.types import CleanArticle, Extraction, Report, Revision, Stage

STAGES = ("clean", "extract", "sign", "dedup", "corroborate")


class Analysis(Stage):
    """Everything the stateless stage learns about one article."""

    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

    order: int
    clean: CleanArticle
    extraction: Extraction
    text_signals: list[Signal]
    event_key: str | None
    exact: int
    minhash: bytes
    size: int
    bands: list[int]

    @property
    def signature(self) -> dedup.Signature:
        return dedup.Signature(self.exact, self.minhash, self.size, tuple(self.bands))


def order_of(raw: RawArticle, fallback: int) -> int:
    """Arrival order used to decide which copy came first: replay time in microseconds."""
    if raw.replayed_at is not None:
        return int(raw.replayed_at.timestamp() * 1_000_000)
    return fallback


def analyze(raw: RawArticle, order: int, timings: dict[str, float] | None = None, priors: SourcePriors | None = None) -> Analysis:
    """Clean, extract and sign one article. Pure: the same input gives the same output.

    ``priors`` is the source prior table (``Settings.source_priors``); None: the packaged one.
    """
    t0 = time.perf_counter()
    clean = clean_article(raw)
    t1 = time.perf_counter()
    extraction = extract(clean)
    t2 = time.perf_counter()
    sig = dedup.sign(clean.body or clean.title)
    t3 = time.perf_counter()
    if timings is not None:
        timings["clean"] = t1 - t0
        timings["extract"] = t2 - t1
        timings["sign"] = t3 - t2
    return Analysis(
        order=order,
        clean=clean,
        extraction=extraction,
        text_signals=credibility.text_signals(clean, extraction, priors),
        event_key=event_key(clean, extraction),
        exact=sig.exact,
        minhash=sig.minhash,
        size=sig.size,
        bands=list(sig.bands),
    )


def warm_up() -> None:
    """Load the stages' data (rules, gazetteers, automata) now rather than on the first article.

    A worker that builds its gazetteer while its first batch waits falls a second behind
    its peers; a copy on another partition could then reach the index before its original.
    """
    clean_warm_up()  # the language model: a short warm-up article is too short to need it
    analyze(RawArticle(id="warm-up", title="Warm up", body="Warm up: 3 people were killed in Aleppo on Monday."), 0)


def update_of(revision: Revision) -> CredibilityUpdate:
    return CredibilityUpdate(
        article_id=revision.report.id,
        old_score=revision.old.score,
        new_score=revision.new.score,
        old_band=revision.old.band,
        new_band=revision.new.band,
        reason=revision.reason,
        caused_by=revision.caused_by,
        story_id=revision.report.story_id,
        signals=revision.new.signals,
        updated_at=datetime.now(UTC),
    )


@dataclass
class Outcome:
    """What one article produces: its records for the output topics, as JSON."""

    id: str
    verdict: Dedup  # with the story id corroboration settled on
    credibility: Credibility
    record: bytes  # articles.enriched
    link: bytes | None  # articles.duplicates, for a copy (which publishes no claims)
    claims: list[bytes]  # claims.casualties
    updates: list[CredibilityUpdate]
    facts: Facts

    @property
    def article(self) -> EnrichedArticle:
        """The enriched record as a model (for reading offline; the worker sends the bytes)."""
        return EnrichedArticle.model_validate_json(self.record)


@dataclass
class Pipeline:
    """All stages in one process, state in dicts: ``sitrep process`` and the unit tests."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    index: dict[int, bytes] = field(default_factory=dict)
    entries: dict[int, bytes] = field(default_factory=dict)
    ages: dedup.Ages = field(default_factory=list)
    events: dict[str, list[Report]] = field(default_factory=dict)
    priors: SourcePriors | None = None

    def run(self, raw: RawArticle, order: int) -> Outcome:
        analysis = analyze(raw, order, priors=self.priors)
        candidates = dedup.probe(
            raw.id,
            analysis.order,
            analysis.signature,
            dedup.keys(analysis.signature),
            self.index,
            self.entries,
            min_similarity=self.thresholds.story,
            window=self.thresholds.window,
            ages=self.ages,
        )
        # The retention bounds, as the worker applies them: from the heap of ages, at the cost of what goes.
        dedup.evict_oldest(self.index, self.entries, self.ages, now_order=order, window=self.thresholds.window, max_entries=self.thresholds.max_index_articles)
        verdict = dedup.resolve(raw.id, candidates, near=self.thresholds.near_duplicate)
        return finish(prepare(analysis), verdict, self.events)

    def run_all(self, raws: list[RawArticle]) -> Iterator[Outcome]:
        for order, raw in enumerate(raws):
            yield self.run(raw, order)


def finish(prepared: Prepared, verdict: Dedup, events: dict[str, list[Report]] | None) -> Outcome:
    """Corroborate and score a deduplicated article, and complete its output records."""
    report = prepared.report.model_copy(update={"copy_of": verdict.duplicate_of, "story_id": verdict.story_id})
    if prepared.event_key is None or events is None:
        cred, story_id = credibility.score(report.text_signals, credibility.stream_signals(report, [])), verdict.story_id
        revisions: list[Revision] = []
    else:
        cred, story_id, revisions = corroborate(report, prepared.event_key, events)
    verdict = verdict.model_copy(update={"story_id": story_id})
    now = datetime.now(UTC)
    record = article_record(prepared, verdict, cred, now)
    updates = [update_of(r) for r in revisions]
    if verdict.status == "unique":
        return Outcome(prepared.id, verdict, cred, record, None, claim_records(prepared, story_id), updates, prepared.facts)
    link = DuplicateLink(
        id=prepared.id,
        duplicate_of=verdict.duplicate_of or prepared.id,
        similarity=verdict.similarity if verdict.similarity is not None else 1.0,
        kind="exact" if verdict.status == "exact_duplicate" else "near",
        story_id=story_id,
        source=report.source,
        title=prepared.title,
        processed_at=now,
    )
    return Outcome(prepared.id, verdict, cred, record, link.to_json(), [], updates, prepared.facts)
