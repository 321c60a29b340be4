"""The publication date of an article: the record's when it parses, else the page's best.

Candidates found by ``clean_dates`` are scored by what labels them and where they stand:
a labelled publication date beats a dateline, which beats an unlabelled date at the top
of the page, which beats an "Updated" label; days named inside the story are the last
resort (a report comes on or after the events it tells). Relative words ("yesterday",
"on Monday") never move the publication date. A record's string is read in any common
format: ISO 8601, RFC 2822, Unix time, "7/5/2016", "July 5, 2016".
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sitrep.stages.clean.dates import Found, find_dates, grammar, valid_date, yearless

# How much text is searched: dates that matter are near the top or in a sign-off.
_SCAN_HEAD = 6000
_SCAN_TAIL = 1500


def infer_year(month: int, day: int, references: Sequence[date]) -> date | None:
    """A year-less date placed in the year of the nearest full date the page gives; None without one."""
    for ref in references:
        best = None
        for year in (ref.year - 1, ref.year, ref.year + 1):
            candidate = valid_date(year, month, day)
            if candidate and (best is None or abs(candidate - ref) < abs(best - ref)):
                best = candidate
        if best:
            return best
    return None


def parse_record(value: str | None, *, hints: Sequence[date] = (), order: str | None = None) -> date | None:
    """A record's ``published`` string as a date, whatever its format; None if it is not one.

    An ambiguous "05/07/2016" is read the way that lands nearest a date the text gives
    (``hints``), else in the record order of dates.yaml.
    """
    g = grammar()
    text = (value or "").strip()[:200]
    if not text or text.lower() in {"nan", "none", "null", "n/a", "na", "-", "unknown", "0", "undefined"}:
        return None
    day = _parse_machine(text)
    if day is None:
        found = find_dates(text, order=order or g.record_order)
        if found:
            day = _closest(found[0], hints)
        else:
            short = re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2})(?:\s.*)?", text)
            if short:
                a, b, year = int(short[1]), int(short[3]), 2000 + int(short[4])
                first, second = (b, a) if (order or g.record_order) == "dmy" or short[2] == "." else (a, b)
                day = valid_date(year, first, second) or valid_date(year, second, first)
    return day if day and g.min_year <= day.year <= g.max_year else None


def _parse_machine(text: str) -> date | None:
    """ISO 8601, RFC 2822 and Unix-epoch forms: what feeds and databases write."""
    if text.isdigit():
        if len(text) == 8:
            return valid_date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if len(text) in (9, 10, 12, 13):
            seconds = int(text) / (1000 if len(text) > 10 else 1)
            return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)).date()
        return None
    if text[:4].isdigit() and len(text) >= 8:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    if "," in text[:5] or re.match(r"\d{1,2} \w{3} \d{4} \d", text):
        try:
            return email.utils.parsedate_to_datetime(text).date()
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    return None


def _closest(found: Found, hints: Sequence[date]) -> date:
    if not found.alternatives or not hints:
        return found.day
    readings = (found.day, *found.alternatives)
    return min(readings, key=lambda d: min(abs((d - h).days) for h in hints))


def scan_window(text: str) -> str:
    """The part of a long text worth searching for dates: its head and its tail."""
    if len(text) <= _SCAN_HEAD + _SCAN_TAIL:
        return text
    return text[:_SCAN_HEAD] + "\n" + text[-_SCAN_TAIL:]


# Scores of the places a date can stand in: a labelled publication date beats a dateline,
# which beats an unlabelled date at the top of the page, which beats an "Updated" label;
# days named inside the story are a last resort.
_SCORES = {"published": 100, "dateline": 95, "top": 80, "updated": 60, "dateline_yearless": 55, "title": 30, "story": 25, "event": 20}


def text_date(text: str, *, top_end: int, title: str = "", dateline: str | None = None, order: str | None = None) -> tuple[date | None, list[date]]:
    """The page's publication date, and every full date the page gives (best first).

    ``top_end`` is the offset in ``text`` up to which an unlabelled date counts as the
    page's own (its head and the start of the first paragraph); ``dateline`` is the date
    part of the article's dateline, if it has one.
    """
    window = scan_window(text)
    scored: list[tuple[int, int, Found]] = []
    for found in find_dates(window, order=order):
        kind = found.label or ("event" if found.event else "top" if found.start < top_end else "story")
        scored.append((_SCORES[kind], -found.start, found))
    for found in find_dates(title[:300], order=order):
        scored.append((_SCORES["title"], 1, found))
    line_date = find_dates(dateline, order=order) if dateline else []
    for found in line_date:
        scored.append((_SCORES["dateline"], 0, found))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    resolved = _resolve([f for _, _, f in scored])
    days = [f.day for f in resolved]
    best = scored[0][0] if scored else 0
    if best >= _SCORES["dateline_yearless"]:
        return days[0], days
    undated = yearless(dateline)[:1] if dateline and not line_date else []  # "BEIRUT, July 5 (Reuters)"
    # Else nothing dates the page itself: the latest day the story names (a report follows its events).
    story = yearless(window[:3000])
    if not undated and not story:
        return (max(days) if days else None), days
    # A year-less date takes its year from a full date the page gives, never from a year
    # named in another phrase ("dating to 2007" and "the Nov. 9 loss" are not one date).
    if undated:
        day = infer_year(undated[0][0], undated[0][1], days)
        if day:
            return day, days
    named = list(days)
    for month, day_of_month, _, _ in story:
        day = infer_year(month, day_of_month, days)
        if day:
            named.append(day)
    return (max(named) if named else None), days


def _resolve(found: list[Found]) -> list[Found]:
    """Ambiguous numeric dates read the way nearest the best unambiguous date."""
    anchor = next((f.day for f in found if not f.alternatives), None)
    if anchor is None:
        return found
    out = []
    for f in found:
        if f.alternatives:
            best = min((f.day, *f.alternatives), key=lambda d: abs((d - anchor).days))
            f = Found(best, f.start, f.end, f.label, f.event)
        out.append(f)
    return out
