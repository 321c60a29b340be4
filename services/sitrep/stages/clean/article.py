"""Clean a scraped page into its main article, its metadata and an audit of what was cut.

The input is the page as scraped: menus, bylines, share and donate widgets, reader
comments and teasers of other articles around the article, as text or HTML. The steps:

1. HTML is reduced to the article's text (``clean_html``); stray tags and entities in
   plain text are stripped (``clean_text``).
2. Every line is labelled by the rules of ``data/cleaning/rules.yaml`` and the structural
   detectors (``clean_structure``): the head above the article, the article, and the tail
   after it (comments, other articles, widgets). What is removed is kept as ``Removed``
   records (kind, rule, size, preview) so users can audit the cut.
3. Metadata: the date from the record when it parses, else from the page
   (``clean_dates`` finds dates, ``clean_published`` picks one); dateline place, author,
   outlet and language (``clean_meta``).

HTML: trafilatura's main text, sifted by our class words and the line rules, with the
selectolax rules as the fallback (``clean.html``); docs/cleaning.md gives the figures behind
the choice (``ops/eval/webpages.py``).

``clean_article`` never raises: whatever the input, a ``CleanArticle`` comes back (at worst
the text as given, tidied), because one odd page must not stop a partition. Work is linear
in the length of the page: a 1 MB body costs tens to hundreds of milliseconds whatever it
holds (HTML nested too deep to parse in linear time is stripped, not parsed, and a page of
more elements than trafilatura takes in linear time goes to the selectolax rules); a 2-3 KB
article costs 150-250 µs of CPU and a short wire report about 130 µs, measured with
``ops/bench/bench_clean.py`` on a shared machine under load (less on an idle core).
"""

from __future__ import annotations

import logging
import re
from datetime import date

from sitrep.models import RawArticle, Removed
from sitrep.stages.clean.dates import header_length
from sitrep.stages.clean.html import HtmlPage, html_to_text
from sitrep.stages.clean.html import warm_up as html_warm_up
from sitrep.stages.clean.meta import Dateline, byline_parts, language, numeric_order, outlet_name, parse_dateline
from sitrep.stages.clean.published import parse_record, text_date
from sitrep.stages.clean.rules import RuleSet, ruleset_for
from sitrep.stages.clean.structure import Page, segment
from sitrep.stages.clean.text import key, logical_lines, looks_like_html, sanitize, strip_markup
from sitrep.stages.types import CleanArticle

_log = logging.getLogger(__name__)

_BY = re.compile(r"^\s*(?:written by|posted by|by)\s*:?\s*", re.IGNORECASE)
_LEAD_TITLE = 250  # a "title" longer than this is the first paragraph, split wrongly
_MAX_RUNS = 200  # removed blocks reported one by one; beyond this, one entry per rule


def clean_article(raw: RawArticle) -> CleanArticle:
    """The main article of a scraped page, with its metadata and what was removed."""
    try:
        return _clean(raw)
    except Exception:  # a bug on one odd page must not stop the stream: keep the text as given
        _log.exception("cleaning %s failed; passing its text through", getattr(raw, "id", "?"))
        return _fallback(raw)


def warm_up() -> None:
    """Load the rules and the language model now, not on the first article a worker sees.

    The language model takes about half a second to load; a worker can call this at start.
    """
    ruleset_for(None, None)
    html_warm_up()
    language("Der Bericht wurde am Dienstag in Damaskus veröffentlicht, sagte ein Sprecher.")


def _clean(raw: RawArticle) -> CleanArticle:
    removed: list[Removed] = []
    body = raw.body or ""
    html = None
    if raw.content_type == "text/html" or looks_like_html(body):
        html = html_to_text(body, raw.url)
        body = html.text
        removed.extend(_record(kind, rule, chars, preview) for kind, rule, chars, preview in html.removed)
    body, markup = strip_markup(sanitize(body))
    if markup:
        removed.append(_removed("markup", "inline_markup", markup))
    rules = ruleset_for(raw.source or (html.source if html else None), raw.url)
    lines = logical_lines(body)
    title = " ".join(sanitize(raw.title or "").split())
    title, lead = _check_title(title, rules, removed)
    lines[:0] = lead
    if not title and html is not None and html.title:
        title = " ".join(sanitize(html.title).split())
    page = segment(lines, rules, title=title, want_title=not title, extracted=html is not None and html.extracted)
    title = title or page.title or ""
    first = _first_paragraph(page)
    dated_text = "\n".join(page.lines[: page.end])  # before the lead loses its date header
    _strip_lead(page, first, title, removed)
    dateline = None
    for i in (first, _next_kept(page, first)):
        if i is not None:
            dateline = parse_dateline(page.lines[i])
            if dateline is not None:
                break
    published, published_from = _published(raw, html.published if html else None, page, dated_text, title, dateline)
    author, source = _people(raw, html, page, dateline)
    kept = [line for line, label in zip(page.lines, page.labels) if label is None]
    removed.extend(_runs(page))
    text = "\n\n".join(kept)
    return CleanArticle(
        id=raw.id,
        source=source,
        url=raw.url,
        title=title,
        author=author,
        published=published,
        published_from=published_from,
        dateline=dateline.place if dateline else None,
        language=language(text),
        body=text,
        removed=removed,
        replayed_at=raw.replayed_at,
    )


def _check_title(title: str, rules: RuleSet, removed: list[Removed]) -> tuple[str, list[str]]:
    """The record's title if it is one, and lines that belong at the top of the body.

    Scrapes put odd things in the title slot: a menu item ("Connect with us"), the page's
    date ("Tue 05 Jul 2016 Army advances"), or the whole lead paragraph with its date and
    dateline. Menus go; a date goes back to the body, where it dates the page; a lead
    paragraph goes back to the body as its first line.
    """
    if not title:
        return "", []
    lines = []
    end, _ = header_length(title)
    if 0 < end:
        lines.append(title[:end].strip())
        title = title[end:].strip()
    if len(title) > _LEAD_TITLE or (lines and parse_dateline(title) is not None):
        return "", [*lines, title]
    chrome = rules.exact.get(key(title)) or [r for r in rules.match(title) if r.where == "head"]
    if chrome:
        removed.append(_removed(chrome[0].kind, chrome[0].id, title))
        return "", lines
    return title, lines


def _first_paragraph(page: Page) -> int | None:
    return next((i for i in range(page.start, page.end) if page.labels[i] is None), None)


def _next_kept(page: Page, after: int | None) -> int | None:
    if after is None:
        return None
    return next((i for i in range(after + 1, min(after + 3, page.end)) if page.labels[i] is None), None)


def _strip_lead(page: Page, first: int | None, title: str, removed: list[Removed]) -> None:
    """Cut a date header and a repeated headline from the start of the first paragraph."""
    if first is None:
        return
    line = page.lines[first]
    end, byline = page.header(first)
    if 0 < end < len(line):
        removed.append(_removed("boilerplate", "date_line", line[:end]))
        page.byline = page.byline or byline
        line = line[end:].lstrip(" ,|–—-")
    if title and len(title) >= 20 and len(line) > len(title) and line[: len(title)].lower() == title.lower() and _headline_run_in(line, len(title)):
        removed.append(_removed("boilerplate", "repeated_title", line[: len(title)]))
        line = line[len(title) :].lstrip(" .,|–—-")
    page.lines[first] = line or page.lines[first]


_HEADLINE_BREAK = re.compile(r"\s*[|–—]\s*|\s+-\s+|\s{2,}")


def _headline_run_in(line: str, end: int) -> bool:
    """Whether the title at the start of ``line`` is a headline run into the article, not its
    first words: scrapers store the body's first characters as the title, so a title that is a
    prefix of the body is only cut where a separator ("|", " - ", a wide gap) or a dateline
    follows it."""
    rest = line[end:]
    if _HEADLINE_BREAK.match(rest):
        return True
    return rest[:1].isspace() and parse_dateline(rest.lstrip()) is not None


def _published(
    raw: RawArticle, html_date: str | None, page: Page, text: str, title: str, dateline: Dateline | None
) -> tuple[date | None, str | None]:
    """The record's date when it parses, else the best the page gives (``text``: the page above its end)."""
    order = numeric_order(raw.source)
    start_offset = sum(len(line) + 1 for line in page.lines[: page.start])
    found, days = text_date(text, top_end=start_offset + 150, title=title, dateline=dateline.date_text if dateline else None, order=order)
    if html_date:
        found = parse_record(html_date, hints=days, order="dmy") or found
    if raw.published:
        recorded = parse_record(raw.published, hints=days)
        if recorded is not None:
            return recorded, "record"
    return found, ("text" if found else None)


def _people(raw: RawArticle, html: HtmlPage | None, page: Page, dateline: Dateline | None) -> tuple[str | None, str | None]:
    """(author, source): given by the record or page metadata, else found in the text."""
    author = (html.author if html else None) or page.author
    source = raw.source or (html.source if html else None)
    html_byline = _BY.sub("", html.byline) if html and html.byline else None
    for value in (page.captures.get("author"), page.byline, html_byline):
        if value:
            who, outlet = byline_parts(value)
            author = author or who
            source = source or outlet
    if not source and page.captures.get("source"):
        found = page.captures["source"]
        source = outlet_name(found) or found
    if not source and dateline is not None and dateline.agency:
        source = dateline.agency
    return author, source


def _runs(page: Page) -> list[Removed]:
    """One ``Removed`` per run of consecutive lines cut by the same rule."""
    out: list[Removed] = []
    run: list[str] = []
    label = None
    for line, current in zip(page.lines, page.labels):
        if current != label and run and label is not None:
            out.append(_removed(label[0], label[1], "\n".join(run)))
            run = []
        label = current
        if current is not None:
            run.append(line)
    if run and label is not None:
        out.append(_removed(label[0], label[1], "\n".join(run)))
    if len(out) > _MAX_RUNS:  # a pathological page: one entry per rule keeps the record small
        merged: dict[tuple[str, str], Removed] = {}
        for r in out:
            first = merged.setdefault((r.kind, r.rule), r)
            if first is not r:
                merged[(r.kind, r.rule)] = first.model_copy(update={"chars": first.chars + 1 + r.chars})
        out = list(merged.values())
    return out


def _removed(kind: str, rule: str, text: str) -> Removed:
    return Removed(kind=kind, rule=rule, chars=len(text), preview=text[:120])


def _record(kind: str, rule: str, chars: int, preview: str) -> Removed:
    return Removed(kind=kind, rule=rule, chars=chars, preview=preview[:120])


def _fallback(raw: RawArticle) -> CleanArticle:
    """The text as given, tidied: what a page gets when cleaning it failed."""
    try:
        body = sanitize(str(raw.body or ""))
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        return CleanArticle(
            id=str(raw.id), source=raw.source, url=raw.url, title=" ".join(sanitize(str(raw.title or "")).split()),
            body="\n\n".join(paragraphs), replayed_at=raw.replayed_at,
        )
    except Exception:  # the last resort must not raise either
        return CleanArticle(id=str(getattr(raw, "id", "") or "unknown"))
