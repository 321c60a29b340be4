"""Corroboration: reports of the same event (place, day window, cause) from other outlets.

State is a mapping from event key to the reports filed under it (a ``dict`` offline, a
Faust table in the worker, keyed so one event's reports live in one partition). Each new
report is compared with the earlier ones; the earlier ones are rescored when the new one
corroborates or contradicts them.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import date

from pydantic import Field

from sitrep.models import Credibility, Signal
from sitrep.stages.credibility import score, stream_signals
from sitrep.stages.types import CleanArticle, Extraction, Stage


class Report(Stage):
    """What the corroboration state remembers of one article (no body: state stays small)."""

    id: str
    source: str | None = None
    order: int
    published: date | None = None
    place: str | None = None
    cause: str = "unknown"
    killed: int | None = None
    injured: int | None = None
    copy_of: str | None = Field(None, description="set for duplicates: copies are not independent")
    story_id: str
    text_signals: list[Signal] = []
    credibility: Credibility | None = None


class Revision(Stage):
    """An earlier report whose score a later one changed."""

    report: Report
    old: Credibility
    new: Credibility
    reason: str
    caused_by: str


def event_key(clean: CleanArticle, extraction: Extraction) -> str | None:
    """Governorate and cause of the article's main claim; None when it reports no event.

    The day is not in the key: a strike reported on the 20th and the 21st is one event,
    so the day window is applied among the reports under one key.
    """
    claim = next((c for c in extraction.casualties if not c.cumulative and (c.killed or c.injured)), None)
    if claim is None:
        return None
    place = next((e for e in extraction.entities if e.id == (claim.location or extraction.primary_location)), None)
    region = place.geo.admin1_code if place is not None and place.geo is not None and place.geo.admin1_code else None
    area = f"{place.geo.country_code}-{region}" if region else (claim.location or extraction.primary_location or "unknown")
    return f"{area}|{claim.cause}"


def same_event(a: Report, b: Report, window_days: int) -> bool:
    if a.published is None or b.published is None:
        return True
    return abs((a.published - b.published).days) <= window_days


def corroborate(
    report: Report,
    key: str,
    store: MutableMapping[str, list[Report]],
    *,
    window_days: int = 3,
    max_reports: int = 200,
) -> tuple[Credibility, str, list[Revision]]:
    """Score ``report`` against the earlier reports of its event, file it, and rescore those."""
    earlier = [r for r in store.get(key, []) if same_event(r, report, window_days) and r.id != report.id]
    story_id = earlier[0].story_id if earlier and report.copy_of is None else report.story_id
    credibility = score(report.text_signals, stream_signals(report, earlier))
    filed = report.model_copy(update={"credibility": credibility, "story_id": story_id})
    earlier_ids = {r.id for r in earlier}
    revisions: list[Revision] = []
    updated: list[Report] = []
    for old in store.get(key, []):
        if old.id == report.id:
            continue
        if old.id in earlier_ids and old.credibility is not None:
            others = [r for r in [*earlier, filed] if r.id != old.id]
            new = score(old.text_signals, stream_signals(old, others))
            if abs(new.score - old.credibility.score) >= 0.01:
                reason = "contradicted" if new.score < old.credibility.score else "corroborated"
                revisions.append(Revision(report=old, old=old.credibility, new=new, reason=reason, caused_by=report.id))
                old = old.model_copy(update={"credibility": new})
        updated.append(old)
    store[key] = [*updated, filed][-max_reports:]
    return credibility, story_id, revisions
