"""Dates as written in news pages: found, read and labelled, in time linear in the text.

Pages date themselves in header lines ("Tue 05 Jul 2016", "Published June 4 2016",
"Date of publication 26 November 2017", "10:45 05.07.2016 (updated 12:30 06.07.2016)"), in
datelines ("DEIR EZ-ZOR GOVERNORATE (OCTOBER 20, 2018) –") and in the story ("on July 3,
2016"). This module finds each full date with the words that label it ("Published",
"Updated", "on"); ``clean_published`` decides which one dates the article.

Every full date contains a four-digit year, so the scan looks for years (a fast literal
search) and reads backwards from each, instead of trying a month-name alternation at
every position of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from sitrep.stages.data import cleaning

Label = Literal["published", "updated"]


@dataclass(frozen=True, slots=True)
class Found:
    """A date written in the text, with the words that label it."""

    day: date
    start: int
    end: int
    label: Label | None = None
    event: bool = False  # introduced by "on", "since", ... : a day in the story
    alternatives: tuple[date, ...] = ()  # other readings of an ambiguous 05/07/2016


@dataclass(frozen=True, slots=True)
class _Grammar:
    months: dict[str, int]
    weekdays: frozenset[str]
    iso: re.Pattern[str]
    month_word: re.Pattern[str]
    year: re.Pattern[str]
    published: re.Pattern[str]
    updated: re.Pattern[str]
    event: re.Pattern[str]
    clock: re.Pattern[str]
    trailer: re.Pattern[str]
    min_year: int
    max_year: int
    text_order: str
    record_order: str


@lru_cache(maxsize=1)
def grammar() -> _Grammar:
    """The date patterns, built once from dates.yaml."""
    data = cleaning("dates")
    months = {str(k).lower(): int(v) for k, v in data["months"].items()}
    tz = "|".join(re.escape(t) for t in sorted(data["timezones"], key=len, reverse=True))
    def alternation(words: Iterable[str]) -> str:
        return "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True))

    clock = rf"(?:\d{{1,2}}[:.]\d{{2}}(?::\d{{2}})?\s*(?:[ap]\.?\s?m\.?)?|\b(?:{tz})\b(?:\s*[+-]\s*\d{{1,2}}(?::?\d{{2}})?)?)"
    return _Grammar(
        months=months,
        weekdays=frozenset(w.lower() for w in data["weekdays"]),
        iso=re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d.]\d)"),
        month_word=re.compile("(?:" + "|".join(sorted({m[:3].capitalize() for m in months} | {m[:3].upper() for m in months})) + r")[^\W\d_]*"),
        year=re.compile(r"(?:19|20)\d\d"),
        published=re.compile(rf"(?:^|[^a-z])(?:{alternation(data['labels']['published'])})$"),
        updated=re.compile(rf"(?:^|[^a-z])(?:{alternation(data['labels']['updated'])})$"),
        event=re.compile(rf"(?:^|[^a-z])(?:{alternation(data['event_words'])})$"),
        clock=re.compile(clock, re.I),
        trailer=re.compile(rf"(?:\s*(?:[,|–—/-]|\bat\b|{clock}|{_AGE}))*\s*", re.I),
        min_year=int(data["years"]["min"]),
        max_year=int(data["years"]["max"]),
        text_order=data["numeric_order"]["text"],
        record_order=data["numeric_order"]["record"],
    )


# "a year ago", "2 hours ago": the page's age, printed next to its date by many sites.
_AGE = r"(?:about\s+)?(?:an?|\d+)\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago\b"
_BYLINE_LEAD = re.compile(r"(?i:written by|posted by|by)\s+(.{1,40}?)\s*[,|–—-]*$")
_BYLINE_TAIL = re.compile(r"\s*(?i:by)\s+(.{1,40}?)\s*$")


def find_dates(text: str, *, order: str | None = None) -> list[Found]:
    """Every full date (day, month, year) in ``text``, in order, labelled by the words before it.

    ``order`` ("dmy" or "mdy") is the preferred reading of ambiguous numeric dates.
    """
    g = grammar()
    order = order or g.text_order
    found: list[Found] = []
    taken_until = -1
    for hit in g.year.finditer(text):
        ys, ye = hit.span()
        if (ys and text[ys - 1].isdigit()) or (ye < len(text) and text[ye].isdigit()) or ys < taken_until:
            continue
        if not g.min_year <= int(hit.group()) <= g.max_year:
            continue
        item = _date_at(text, ys, ye, order)
        if item is not None and item.start >= taken_until:
            found.append(item)
            taken_until = item.end
    return found


# Read backwards from a year, a few characters at a time: "$" anchors each pattern at the
# end of a short window, so no pattern is tried at every position of the text. Month and
# weekday slots take any word, checked against dates.yaml afterwards (an alternation of
# eighty month names is what makes date regexes slow).
_NUMERIC_TAIL = re.compile(r"(?<![\w.:/-])(\d{1,2})([./-])(\d{1,2})\2$")
_DAY_TAIL = re.compile(r"(?<![\w.:/])(\d{1,2})(?:st|nd|rd|th)?(?:\s*[,،.]\s*|\s+)$")  # "July 5, " before 2016
_MONTH_TAIL = re.compile(r"(?<!\w)([^\W\d_]{3,9})\.?(?:\s+de)?[\s./,،-]*$")  # "5 July ", "5 de julio de " before 2016
_MONTH_BEFORE_DAY = re.compile(r"(?<!\w)([^\W\d_]{3,9})\.?\s*$")
_MONTH_DAY_DASH = re.compile(r"(?<!\w)([^\W\d_]{3,9})\.?\s*\d{1,2}\s*[-–—]\s*$")  # "Jan. 7 – " before "13, 2019"
_DAY_BEFORE_MONTH = re.compile(r"(?<![\w.:/])(\d{1,2})(?:st|nd|rd|th)?(?:\s+of|\s+de)?[\s./-]*$")
_WEEKDAY_TAIL = re.compile(r"(?<!\w)([^\W\d_]{2,9})\.?,?\s+$")


def _date_at(text: str, ys: int, ye: int, order: str) -> Found | None:
    """The date whose year is ``text[ys:ye]``, if the year belongs to one."""
    g = grammar()
    m = _NUMERIC_TAIL.search(text, max(0, ys - 7), ys) if ys and text[ys - 1] in "./-" else None
    if m is not None:
        weekday = _weekday_before(text, m.start())
        readings = _numeric_readings(int(text[ys:ye]), int(m[1]), int(m[3]), m[2], order, weekday)
        return _labelled(text, readings[0], weekday[0] if weekday else m.start(), ye, readings[1:]) if readings else None
    iso = g.iso.match(text, ys)
    if iso:
        day = valid_date(int(iso["y"]), int(iso["m"]), int(iso["d"]))
        return _labelled(text, day, ys, iso.end(), ()) if day else None
    year = int(text[ys:ye])
    day_m = _DAY_TAIL.search(text, max(0, ys - 8), ys)
    if day_m is not None:  # month day, year; or a range, month day - day, year (its last day)
        month_m = _MONTH_BEFORE_DAY.search(text, max(0, day_m.start() - 11), day_m.start())
        if month_m is None or not g.months.get(month_m[1].lower()):
            month_m = _MONTH_DAY_DASH.search(text, max(0, day_m.start() - 18), day_m.start())
        month = g.months.get(month_m[1].lower()) if month_m else None
        if month_m is not None and month:
            day = valid_date(year, month, int(day_m[1]))
            if day:
                weekday = _weekday_before(text, month_m.start())
                return _labelled(text, day, weekday[0] if weekday else month_m.start(), ye, ())
    month_m = _MONTH_TAIL.search(text, max(0, ys - 14), ys)
    month = g.months.get(month_m[1].lower()) if month_m else None
    if month_m is not None and month:  # day month year
        day_m = _DAY_BEFORE_MONTH.search(text, max(0, month_m.start() - 10), month_m.start())
        day = valid_date(year, month, int(day_m[1])) if day_m else None
        if day_m is not None and day:
            weekday = _weekday_before(text, day_m.start())
            return _labelled(text, day, weekday[0] if weekday else day_m.start(), ye, ())
    return None


def _weekday_before(text: str, start: int) -> tuple[int, int] | None:
    """(offset, weekday number) of a weekday name just before ``start`` ("Tue 05 Jul 2016")."""
    m = _WEEKDAY_TAIL.search(text, max(0, start - 12), start)
    if m is None or m[1].lower() not in grammar().weekdays:
        return None
    return m.start(), ["mo", "tu", "we", "th", "fr", "sa", "su"].index(m[1][:2].lower())


def _numeric_readings(year: int, a: int, b: int, sep: str, order: str, weekday: tuple[int, int] | None) -> tuple[date, ...]:
    """The valid dates "a/b/year" can mean, the preferred first."""
    dmy, mdy = valid_date(year, b, a), valid_date(year, a, b)
    if sep == "." or mdy is None:
        return (dmy,) if dmy else ()
    if dmy is None or dmy == mdy:
        return (mdy,)
    readings = (mdy, dmy) if order == "mdy" else (dmy, mdy)
    if weekday is not None:
        # "Tue 05/07/2016": the weekday settles which reading is meant.
        readings = tuple(sorted(readings, key=lambda d: d.weekday() != weekday[1]))
    return readings


def _labelled(text: str, day: date, start: int, end: int, alternatives: tuple[date, ...]) -> Found:
    label, event = label_before(text, start)
    return Found(day=day, start=start, end=end, label=label, event=event, alternatives=alternatives)


def label_before(text: str, start: int) -> tuple[Label | None, bool]:
    """What the words just before ``start`` say: a published/updated label, or an event word."""
    g = grammar()
    before = text[max(0, start - 60) : start]
    before = before[before.rfind("\n") + 1 :].lower()
    before = g.clock.sub(" ", before).rstrip(" \t,:;|([/–—-")
    if not before:
        return None, False
    if g.updated.search(before):
        return "updated", False
    if g.published.search(before):
        return "published", False
    return None, bool(g.event.search(before))


def valid_date(year: int, month: int, day: int) -> date | None:
    """The date, if it exists and its year is one dates.yaml allows."""
    g = grammar()
    if not g.min_year <= year <= g.max_year:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


_HEADER_MAX = 300  # no date header is longer


def header_length(line: str) -> tuple[int, str | None]:
    """How many leading characters of ``line`` only date the page, and a "By X" before them.

    ``"Published: Tuesday, 5 July 2016 - 12:45 KSA Syrian army..."`` gives the offset of
    "Syrian"; ``"By AFP - Jul 05,2016 - Last updated at Jul 05,2016"`` gives the whole line
    and ``"AFP"``. A line where the date is not first gives 0.
    """
    end, byline = _header_length(line[:_HEADER_MAX])
    if len(line) > _HEADER_MAX and end >= _HEADER_MAX:
        return 0, None
    return end, byline


def _header_length(line: str) -> tuple[int, str | None]:
    g = grammar()
    dates = find_dates(line)
    if not dates or dates[0].start > 60:
        return 0, None
    lead = line[: dates[0].start].strip()
    byline = None
    by = _BYLINE_LEAD.match(lead)
    if by:
        byline = by.group(1).strip()
    else:
        lead = g.clock.sub(" ", lead.lower()).strip(" ,:;|()–—-")
        if len(lead) > 40 or (lead and not (g.published.search(lead) or g.updated.search(lead))):
            return 0, None
    end = dates[0].end
    for nxt in dates[1:]:
        gap = line[end : nxt.start].lower()
        gap = g.clock.sub(" ", gap).strip(" \t,:;|()[]/–—-")
        if gap and not (g.updated.search(gap) or g.published.search(gap)):
            break
        end = nxt.end
    end = g.trailer.match(line, end).end()
    if end < len(line) and line[end] == ")" and "(" in line[:end]:
        end = g.trailer.match(line, end + 1).end()
    by = _BYLINE_TAIL.match(line, end) if byline is None else None
    if by is not None:  # "Posted on 5th July 2016 by admin"
        byline, end = by.group(1), len(line)
    return end, byline


def yearless(text: str) -> list[tuple[int, int, int, int]]:
    """Dates written without a year ("July 5", "5 July"): (month, day, start, end).

    Only capitalised month names count, so "you may 5" is not a date. The scan looks for
    the first three letters of a capitalised month (a search Python's regex engine does
    quickly) and reads the number before or after it.
    """
    g = grammar()
    out: list[tuple[int, int, int, int]] = []
    for m in g.month_word.finditer(text):
        month = g.months.get(m.group().lower())
        if not month:
            continue
        after = _DAY_AFTER.match(text, m.end())
        if after:
            day, start, end = int(after[1]), m.start(), after.end()
        else:
            before = _DAY_BEFORE.search(text, max(0, m.start() - 12), m.start())
            if not before:
                continue
            day, start, end = int(before[1]), before.start(), m.end()
        if 1 <= day <= 31:
            out.append((month, day, start, end))
    return out


def event_days(text: str) -> list[tuple[int, int]]:
    """(month, day) of the dates ``text`` writes as the day of something ("on 5 March", "since
    July 3"), not those that head a page or open a dateline, which a republication changes."""
    return [(month, day) for month, day, start, _ in yearless(text) if label_before(text, start)[1]]


_DAY_AFTER = re.compile(r"\.? (\d{1,2})(?:st|nd|rd|th)?(?![\d:])")
_DAY_BEFORE = re.compile(r"(?<![\d.:/])(\d{1,2})(?:st|nd|rd|th)? (?:of )?$")
