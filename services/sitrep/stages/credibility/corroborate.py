"""Corroboration: reports of the same event from other outlets, and the scores they revise.

State is a mapping from event key (governorate and cause of the article's main claim) to the
reports filed under it: a ``dict`` offline, a Faust table in the worker, keyed so that one
event's reports live in one partition whatever the number of workers. Within a key, two
reports are of the same event when their event days are at most ``window_days`` apart and,
when both name a town, it is the same town.

Each new report is scored against the earlier reports of its event, filed, and the earlier
ones are rescored with it; an earlier report whose score moved by ``MIN_CHANGE`` or more is
returned as a :class:`Revision` (``credibility.updates``). Stream signals depend only on the
other reports' text signals, never on their scores, so a revision never cascades.

Retention is explicit: a key keeps the reports that arrived within ``retention_days`` of its
newest one (arrival time: ``Report.order``, the replay or broker time in microseconds), and
at most ``max_reports`` of them, the latest arrivals. A historical archive replayed in any
order is therefore corroborated as a whole, while a live stream forgets month-old events.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from sitrep.models import Credibility, Dedup, Signal
from sitrep.stages.credibility.scoring import score, stream_signals
from sitrep.stages.credibility.sources import outlet_key
from sitrep.stages.credibility.text import is_fine, main_claim, place_of
from sitrep.stages.types import CleanArticle, Extraction, Report, Revision

MIN_CHANGE = 0.01  # smallest score change published on credibility.updates
WINDOW_DAYS = 2  # event days further apart than this are different events
RETENTION_DAYS = 30.0  # of arrival time
MAX_REPORTS = 50  # per event key: the latest arrivals (every write rewrites the list)
_MICROSECONDS_PER_DAY = 86_400_000_000


def report_for(clean: CleanArticle, extraction: Extraction, text_signals: list[Signal], order: int, verdict: Dedup) -> Report:
    """The slim record the corroboration state keeps for an article."""
    claim = main_claim(extraction)
    place = place_of(extraction, claim, clean.dateline)
    return Report(
        id=clean.id,
        source=clean.source,
        outlet=outlet_key(clean.source, clean.url),
        order=order,
        published=clean.published,
        day=(claim.date if claim else None) or clean.published,
        place=place.id if place is not None else None,
        fine=is_fine(place),
        cause=claim.cause if claim else "unknown",
        killed=claim.killed if claim else None,
        injured=claim.injured if claim else None,
        victims=claim.victims if claim else "unknown",
        copy_of=verdict.duplicate_of,
        story_id=verdict.story_id,
        text_signals=text_signals,
    )


def event_key(clean: CleanArticle, extraction: Extraction) -> str | None:
    """Governorate and cause of the article's main claim; None when it reports no event.

    The day is not in the key: a strike reported on the 20th and the 21st is one event,
    so the day window is applied among the reports under one key.
    """
    claim = main_claim(extraction)
    if claim is None:
        return None
    return f"{event_area(clean, extraction)}|{claim.cause}"


def event_area(clean: CleanArticle, extraction: Extraction) -> str | None:
    """Where the main claim's event happened: its governorate (country and admin1 code), else
    the place or location named; None without a claim."""
    claim = main_claim(extraction)
    if claim is None:
        return None
    place = place_of(extraction, claim, clean.dateline)
    geo = place.geo if place is not None else None
    if geo is not None and geo.admin1_code:
        return f"{geo.country_code}-{geo.admin1_code}"
    return place.id if place is not None else (claim.location or extraction.primary_location or "unknown")


def same_event(a: Report, b: Report, window_days: int = WINDOW_DAYS) -> bool:
    """Within ``window_days`` of each other and, when both name a town, the same town.

    A report with no date (neither the event's nor the publication's) is no one's
    corroboration: without a day it cannot be placed in one event rather than another,
    and counting it would merge every undated report of a governorate into one.
    """
    day_a, day_b = a.day or a.published, b.day or b.published
    if day_a is None or day_b is None or abs((day_a - day_b).days) > window_days:
        return False
    return not (a.fine and b.fine and a.place != b.place)


def retain(reports: list[Report], retention_days: float, max_reports: int) -> list[Report]:
    """The reports a key keeps: arrived within ``retention_days`` of the newest, at most ``max_reports``."""
    if not reports:
        return reports
    newest = max(r.order for r in reports)
    horizon = retention_days * _MICROSECONDS_PER_DAY
    kept = [r for r in reports if newest - r.order <= horizon]
    if len(kept) > max_reports:
        kept = sorted(kept, key=lambda r: r.order)[-max_reports:]
    return kept


def corroborate(
    report: Report,
    key: str,
    store: MutableMapping[str, list[Report]],
    *,
    window_days: int = WINDOW_DAYS,
    retention_days: float = RETENTION_DAYS,
    max_reports: int = MAX_REPORTS,
) -> tuple[Credibility, str, list[Revision]]:
    """Score ``report`` against the earlier reports of its event, file it, and rescore those.

    Returns its credibility, its story id (the first original report of the event's, so one
    event reads as one story) and the revisions of earlier reports. A redelivered report
    replaces its earlier filing, so at-least-once delivery gives the same state.
    """
    held = [r for r in store.get(key, []) if r.id != report.id]
    earlier = [r for r in held if same_event(r, report, window_days)]
    originals = [r for r in earlier if r.copy_of is None]
    story_id = min(originals, key=lambda r: r.order).story_id if originals and report.copy_of is None else report.story_id
    credibility = score(report.text_signals, stream_signals(report, earlier))
    filed = report.model_copy(update={"credibility": credibility, "story_id": story_id})
    pool = [*held, filed]
    revisions: list[Revision] = []
    updated: list[Report] = []
    for old in held:
        if old.credibility is not None and same_event(old, report, window_days):
            others = [r for r in pool if r.id != old.id and same_event(r, old, window_days)]
            new = score(old.text_signals, stream_signals(old, others))
            change = new.score - old.credibility.score
            if abs(change) >= MIN_CHANGE:
                reason = "corroborated" if change > 0 else "contradicted"
                revisions.append(Revision(report=old, old=old.credibility, new=new, reason=reason, caused_by=report.id))
                old = old.model_copy(update={"credibility": new})
        updated.append(old)
    store[key] = retain([*updated, filed], retention_days, max_reports)
    return credibility, story_id, revisions
