"""The pipeline as plain functions, shared by the Faust worker and ``sitrep process``.

``analyze`` is the stateless part (clean, extract, sign, text signals). ``probe`` and
``resolve`` (in ``stages.dedup``) and ``corroborate`` are the stateful parts; they take
their state as mappings. ``Pipeline`` runs them all in one process with dicts, which is
exactly what one worker over one partition computes with Faust tables.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sitrep.analysis import Analysis
from sitrep.errors import RejectedMessage
from sitrep.models import Credibility, CredibilityUpdate, Dedup, DuplicateLink, EnrichedArticle, RawArticle
from sitrep.render import Facts, Prepared, article_record, claim_records, prepare
from sitrep.settings import Thresholds
from sitrep.stages import credibility, dedup
from sitrep.stages.clean.article import clean_article
from sitrep.stages.clean.article import warm_up as clean_warm_up
from sitrep.stages.clean.dates import event_days
from sitrep.stages.credibility.corroborate import corroborate, event_key
from sitrep.stages.credibility.sources import SourcePriors
from sitrep.stages.credibility.text import main_claim
from sitrep.stages.extract.article import extract
from sitrep.stages.types import CleanArticle, Extraction, Report, Revision

STAGES = ("clean", "extract", "sign", "dedup", "corroborate")


def order_of(raw: RawArticle, fallback: int) -> int:
    """Arrival order used to decide which copy came first: replay time in microseconds."""
    if raw.replayed_at is not None:
        return int(raw.replayed_at.timestamp() * 1_000_000)
    return fallback


# An article whose clean body has fewer words than this has no content: a page of chrome, an
# extraction that found nothing. It is dead-lettered (no_content), never scored.
MIN_CONTENT_WORDS = 3


def clean(raw: RawArticle, max_body_bytes: int | None = None) -> CleanArticle:
    """``clean_article``, and the checks on its result that the worker and ``sitrep process`` share.

    Raises :class:`RejectedMessage`: ``no_content`` when the body is empty or trivially short,
    ``body_too_large`` when the clean text is over ``max_body_bytes`` (None: no cap).
    """
    article = clean_article(raw)
    words = len(article.body.split(None, MIN_CONTENT_WORDS))
    if words < MIN_CONTENT_WORDS:
        raise RejectedMessage("no_content", f"the clean body has {words} words (fewer than {MIN_CONTENT_WORDS}): nothing to analyse")
    if max_body_bytes is not None and len(article.body.encode("utf-8", "surrogatepass")) > max_body_bytes:
        raise RejectedMessage("body_too_large", f"the clean text is over the cap of {max_body_bytes} bytes (SITREP_THRESHOLDS__MAX_BODY_BYTES)")
    return article


def analyze(raw: RawArticle, order: int, timings: dict[str, float] | None = None, priors: SourcePriors | None = None,
            max_body_bytes: int | None = None) -> Analysis:
    """Clean, extract and sign one article. Pure: the same input gives the same output.

    ``priors`` is the source prior table (``Settings.source_priors``); None: the packaged one.
    ``max_body_bytes``: the cap on the clean text (see :func:`clean`).
    """
    t0 = time.perf_counter()
    article = clean(raw, max_body_bytes)
    t1 = time.perf_counter()
    extraction = extract(article)
    t2 = time.perf_counter()
    key = event_key(article, extraction)
    sig = dedup.sign(article.body or article.title, facts_of(article, extraction, key))
    t3 = time.perf_counter()
    if timings is not None:
        timings["clean"] = t1 - t0
        timings["extract"] = t2 - t1
        timings["sign"] = t3 - t2
    return Analysis(
        order=order,
        clean=article,
        extraction=extraction,
        text_signals=credibility.text_signals(article, extraction, priors),
        event_key=key,
        exact=sig.exact,
        minhash=sig.minhash,
        size=sig.size,
        bands=list(sig.bands),
        facts=sig.facts,
        terms=list(sig.terms),
    )


def facts_of(article: CleanArticle, extraction: Extraction, key: str | None) -> bytes:
    """The main event's toll, day and event key (area and cause), and the dates the body
    writes, for dedup: a copy states the same figures and dates; a report of another event
    with the same names, another toll, day, key or dates."""
    written = dedup.written_mask(event_days(article.body))
    claim = main_claim(extraction)
    if claim is None:
        if article.published is None and not written:
            return b""
        return dedup.event_facts(None, None, article.published, written=written)
    return dedup.event_facts(claim.killed, claim.injured, claim.date or article.published, key, written)


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
        analysis = analyze(raw, order, priors=self.priors, max_body_bytes=self.thresholds.max_body_bytes)
        sig = analysis.signature
        shard = dedup_shard(self.thresholds, self.entries, index=self.index, ages=self.ages)
        candidates = shard.probe([(raw.id, analysis.order, sig, dedup.keys(sig, raw.id))])[0]
        return finish(prepare(analysis), judge(raw.id, candidates, self.thresholds), self.events)

    def run_all(self, raws: list[RawArticle]) -> Iterator[Outcome]:
        for order, raw in enumerate(raws):
            yield self.run(raw, order)


def dedup_shard(thresholds: Thresholds, entries: MutableMapping[int, bytes], *, index: MutableMapping[int, bytes] | None = None,
                ages: dedup.Ages | None = None, shard: int = 0, shards: int = 1) -> dedup.DedupShard:
    """One shard of the dedup index, bounded by ``thresholds``; without ``index`` and
    ``ages``, both are derived from the entries (a worker's first probe of a shard).

    Each shard keeps the whole size cap, as the one shard offline does: an article files an
    entry in nearly every shard, so the index remembers as many articles whatever the
    partitions (not a quarter as many over four).
    """
    bounds = {"min_similarity": thresholds.story, "window": thresholds.window, "max_entries": thresholds.max_index_articles, "shard": shard, "shards": shards}
    if index is None or ages is None:
        return dedup.DedupShard.rebuilt(entries, **bounds)
    return dedup.DedupShard(index, entries, ages, **bounds)


def judge(article_id: str, candidates: Iterable[dedup.Candidate], thresholds: Thresholds) -> Dedup:
    """The dedup verdict on an article from every shard's candidates; an article under the id
    of a different, earlier one is rejected (``id_conflict``): one key, one article."""
    earlier = dedup.conflict(article_id, candidates := list(candidates))
    if earlier is not None:
        raise RejectedMessage("id_conflict", f"id {article_id!r} was first used (order {earlier.order}) by a different article")
    return dedup.resolve(article_id, candidates, near=thresholds.near_duplicate, story=thresholds.story)


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
