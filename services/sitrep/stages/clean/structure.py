"""Where the article is on a page of text: the head above it, and the tail after it.

A scraped page reads top to bottom as: menus, a headline and byline, the article, then
whatever the site hangs below it (share and donate widgets, reader comments, teasers of
other articles). Each line gets a label: kept, or removed with a kind and a rule name.

* The head ends at the first paragraph-sized line; a "Title / Author / Published / on"
  block near it is the article's own byline, and menu lines above it are navigation.
* The article ends at the first ``until_end`` rule (after some article text), at another
  article's headline + byline block (a teaser), or where a comment thread starts.
* A comment thread is recognised by its shape, not by site: short name lines ("Pave Way IV",
  "Rob G") between paragraphs that read like readers, not reporters.
* In the tail every line takes its own rule's label, else the kind of the last marker.

All passes are linear in the number of lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sitrep.stages.clean.dates import header_length
from sitrep.stages.clean.rules import Rule, RuleSet
from sitrep.stages.clean.text import key
from sitrep.stages.data import cleaning

Label = tuple[str, str]  # (kind, rule)

_HEAD_LINES = 40  # menus and bylines sit in the first lines; never scan a 1 MB page for them
_PARAGRAPH = 80  # a line this long is article text, not a menu item or headline
_DATE_LINE = 160  # the longest line that can be only a date header
_NAME = re.compile(r"[^\W\d_][\w'’.\-]*(?: [\w'’.\-&]+){0,4}(?: \.)?")
_PRONOUN = re.compile(r"\b(?:I|I'm|I’m|me|my|[Yy]ou|[Yy]our|[Yy]ou're|[Yy]ou’re|u)\b")
_INFORMAL_PUNCT = re.compile(r"\?\?|!!|\?!|\s[?!.](?:\s|$)|…|\.\.")
_WORDS = re.compile(r"[a-z]+")
_TERMINAL = ".!?…\"”"
_PROSE = 150  # a sentence-ending line this long is a paragraph of prose, not a teaser or a widget
_REPEATED_TITLE: Label = ("boilerplate", "repeated_title")


@dataclass(slots=True)
class Page:
    """A page's lines with the label of each, and what the structure said about the article."""

    lines: list[str]
    labels: list[Label | None]
    start: int = 0  # first line of the article text
    end: int = 0  # first line after it
    title: str | None = None  # headline found on the page
    author: str | None = None  # from a "Title / Author / Published" block
    byline: str | None = None  # from a "By AFP - Jul 05,2016" date line
    captures: dict[str, str] = field(default_factory=dict)  # source/author named by rules
    cut: Label = ("boilerplate", "")  # what ended the article: the label the tail starts with
    headers: dict[int, tuple[int, str | None]] = field(default_factory=dict)

    def header(self, i: int) -> tuple[int, str | None]:
        """:func:`header_length` of line ``i``, worked out once: the lead line is asked about thrice."""
        found = self.headers.get(i)
        if found is None:
            found = self.headers[i] = header_length(self.lines[i])
        return found


@dataclass(frozen=True, slots=True)
class _Settings:
    min_names: int  # commenter name lines that make a thread
    min_informal_share: float  # share of the paragraphs after them that read like comments
    min_thread_article_chars: int  # article text needed above a thread
    informal_words: frozenset[str]
    anchors: frozenset[str]  # "Published", "Posted": the line that opens a byline block
    particles: frozenset[str]  # lower-case words inside names ("van", "al")


@lru_cache(maxsize=1)
def _config() -> _Settings:
    """The detectors' settings and word lists, from text.yaml."""
    text = cleaning("text")
    thread = text["comment_thread"]
    return _Settings(
        min_names=int(thread["min_names"]),
        min_informal_share=float(thread["min_informal_share"]),
        min_thread_article_chars=int(thread["min_article_chars"]),
        informal_words=frozenset(thread["informal_words"]),
        anchors=frozenset(text["byline_anchors"]),
        particles=frozenset(text["name_particles"]),
    )


def segment(lines: list[str], rules: RuleSet, *, title: str, want_title: bool, extracted: bool = False) -> Page:
    """Label every line of a page: its head, its article, and the tail after the article.

    ``title`` is the record's headline (to find it repeated); with ``want_title`` the
    page's own headline is looked for, because the record's is missing or is page chrome.
    With ``extracted`` the lines are an extractor's main text (an HTML page's): the article
    was found already, so rules drop their own lines and nothing ends the article early
    (an in-article "Read more" or "Related" box must not cost the paragraphs after it).
    """
    page = Page(lines=lines, labels=[None] * len(lines), end=len(lines))
    hits = [rules.match(line) for line in lines]
    _head(page, hits, key(title) if title else "", want_title)
    _body(page, hits, rules, extracted)
    _tail(page, hits)
    return page


def _head(page: Page, hits: list[tuple[Rule, ...]], title_key: str, want_title: bool) -> None:
    lines, labels = page.lines, page.labels
    anchors = _config().anchors
    start = len(lines)
    for i in range(min(len(lines), _HEAD_LINES)):
        line = lines[i]
        if title_key and abs(len(line) - len(title_key)) < 12 and key(line) == title_key:
            labels[i] = _REPEATED_TITLE
            continue
        rule = _applicable(hits[i], head=True)
        if rule is not None:
            labels[i] = (rule.kind, rule.id)
            _capture(page, rule, line)
            continue
        end, byline = page.header(i) if len(line) <= _DATE_LINE else (0, None)
        # Above the article, a line that opens with the page's date is chrome, even with a
        # section name after it ("05 Jul 2016 12:45 GMT | Syria's Civil War, Aleppo").
        if end >= len(line) or (end and len(line) - end <= 60 and "|" in line[end - 2 : end + 2]):
            labels[i] = ("boilerplate", "date_line")
            page.byline = page.byline or byline
            continue
        if len(line) >= _PARAGRAPH:
            start = i
            break
    else:
        # No paragraph-sized line near the top: the article starts at the first kept line.
        start = next((i for i in range(min(len(lines), _HEAD_LINES)) if labels[i] is None), min(len(lines), _HEAD_LINES))
    # A "Title / [standfirst] / Author / Published / on" block above the article, or right
    # below its standfirst, is the article's own; one further down is another article's.
    block = next((i for i in range(min(start + 3, len(lines))) if _is_anchor(lines[i], anchors)), None)
    if block is not None and block > 0 and labels[block - 1] is None and _person_like(lines[block - 1]):
        start = _own_block(page, hits, block)
    elif want_title:
        first = next((i for i in range(min(start, len(lines))) if labels[i] is None and lines[i][-1] not in _TERMINAL), None)
        if first is not None and len(lines[first].split()) >= 3:
            page.title = lines[first]
            labels[first] = _REPEATED_TITLE
    page.start = min(start, len(lines))


def _own_block(page: Page, hits: list[tuple[Rule, ...]], block: int) -> int:
    """Take the article's own "Headline / [standfirst] / Author / Published" block, whose
    anchor line is ``block``: author and title from it, the lines above it chrome. Returns
    where the article text starts, past the anchor lines."""
    lines, labels = page.lines, page.labels
    page.author = lines[block - 1]
    labels[block - 1] = ("boilerplate", "byline_author")
    headline = _headline_index(page, block - 1, floor=0)
    if headline is not None:
        page.title = lines[headline]
        labels[headline] = _REPEATED_TITLE
        for i in range(headline):
            labels[i] = labels[i] or ("boilerplate", "head_navigation")
    start = block
    while start < len(lines) and (labels[start] is not None or _applicable(hits[start], head=True)):
        rule = _applicable(hits[start], head=True)
        if rule is not None:
            labels[start] = (rule.kind, rule.id)
        start += 1
    return start


def _headline_index(page: Page, author: int, floor: int) -> int | None:
    """The headline above an author line: skip one standfirst (a sentence) if there is one."""
    at = author - 1
    if at >= floor and page.labels[at] == _REPEATED_TITLE:
        return at
    if at < floor or page.labels[at] is not None:
        return None
    if page.lines[at][-1] == "." and at - 1 >= floor and page.labels[at - 1] is None and page.lines[at - 1][-1] != ".":
        return at - 1
    return at


def _is_anchor(line: str, anchors: frozenset[str]) -> bool:
    return len(line) <= 24 and line[0].lower() in _initials(anchors) and key(line) in anchors


@lru_cache(maxsize=4)
def _initials(words: frozenset[str]) -> frozenset[str]:
    return frozenset(w[0] for w in words if w)


def _teaser_start(page: Page, author: int, floor: int) -> int:
    headline = _headline_index(page, author, floor)
    return author if headline is None else headline


def _body(page: Page, hits: list[tuple[Rule, ...]], rules: RuleSet, extracted: bool) -> None:
    lines, labels = page.lines, page.labels
    anchors = _config().anchors
    chars = 0
    # In an extractor's text, a marker with article prose after it is inside the article (an
    # in-article "Read more" or "Related" box): it drops its own line and the article goes on.
    prose_after = next((i for i in range(len(lines) - 1, -1, -1) if _prose(lines[i])), -1) if extracted else -1
    for i in range(page.start, len(lines)):
        if i < page.start:  # inside the article's own byline block, taken below
            continue
        line = lines[i]
        enough = chars >= rules.min_article_chars
        if enough and _is_anchor(line, anchors) and i > page.start and labels[i - 1] is None and _person_like(lines[i - 1]):
            teaser = _teaser_start(page, i - 1, floor=page.start)
            if any(_prose(lines[j]) for j in range(page.start, teaser) if labels[j] is None):
                page.end = teaser
                page.cut = ("other_articles", "teaser_article")
                break
            # With no paragraph above it, the block is the article's own, under a headline or
            # a menu line long enough to pass for prose: take it, and the article follows it.
            page.start, chars = _own_block(page, hits, i), 0
            continue
        rule = _applicable(hits[i], head=False)
        if rule is not None and rule.scope == "until_end" and enough and not (extracted and prose_after > i):
            page.end = i
            page.cut = (rule.kind, rule.id)
            _capture(page, rule, line)
            break
        if rule is not None:
            labels[i] = (rule.kind, rule.id)
            _capture(page, rule, line)
            continue
        if i < page.start + 5 and len(line) <= _DATE_LINE and page.header(i)[0] >= len(line):
            labels[i] = ("boilerplate", "date_line")
            continue
        chars += len(line)
    thread = None if extracted else _comment_thread(page, hits)
    if thread is not None:
        page.end = thread
        page.cut = ("comments", "comment_thread")
    # Sign-offs ("Source: SANA", a translator's name) are only chrome as the last lines.
    kept = [i for i in range(page.start, page.end) if labels[i] is None][-3:]
    for i in kept:
        rule = next((r for r in hits[i] if r.where == "end"), None)
        if rule is not None:
            labels[i] = (rule.kind, rule.id)
            _capture(page, rule, lines[i])
        elif len(kept) > 1 and len(lines[i]) <= _DATE_LINE and page.header(i)[0] >= len(lines[i]):
            labels[i] = ("boilerplate", "date_line")  # "Published on 14 March 2017" as a sign-off


def _prose(line: str) -> bool:
    """A paragraph of article prose: long, ending as a sentence ends."""
    return len(line) >= _PROSE and line[-1] in _TERMINAL


def _applicable(found: tuple[Rule, ...], *, head: bool) -> Rule | None:
    """The first rule that may act at this place on the page.

    ``head`` rules act only above the article. Before enough article text an ``until_end``
    rule drops its own line only; the caller decides whether it ends the article.
    """
    for rule in found:
        if rule.where in ("any", "body") or (rule.where == "head" and head):
            return rule
    return None


def _capture(page: Page, rule: Rule, line: str) -> None:
    if rule.capturing:
        for name, value in rule.captures(line).items():
            page.captures.setdefault(name, value)


def _tail(page: Page, hits: list[tuple[Rule, ...]]) -> None:
    lines, labels = page.lines, page.labels
    if page.end >= len(lines):
        return
    anchors = _config().anchors
    teasers = set()
    for i in range(page.end + 1, len(lines)):
        if _is_anchor(lines[i], anchors) and _person_like(lines[i - 1]) and not hits[i - 1]:
            teasers.add(_teaser_start(page, i - 1, floor=page.end))
    current: Label = page.cut
    for i in range(page.end, len(lines)):
        if i in teasers:
            current = ("other_articles", "teaser_article")
        found = hits[i]
        switch = next((r for r in found if r.scope == "until_end"), None)
        if switch is not None:
            if i == page.end or switch.kind != current[0]:
                current = (switch.kind, switch.id)
            labels[i] = current
        elif found:
            labels[i] = (found[0].kind, found[0].id)
        else:
            labels[i] = current


def _name_like(line: str) -> bool:
    """A short line that could be a person's or commenter's name ("Rob G", "Alexander Mercouris")."""
    return len(line) <= 40 and bool(_NAME.fullmatch(line)) and not line[0].isdigit()


def _person_like(line: str) -> bool:
    """A name line of a byline block: every word capitalised but particles ("Wladimir van Wilgenburg")."""
    if not _name_like(line):
        return False
    particles = _config().particles
    return all(w[0].isupper() or w in particles for w in line.split()) and not line.isupper()


def _informal(line: str, informal_words: frozenset[str]) -> bool:
    """Reads like a reader's comment rather than news copy."""
    if line[0].islower() or _INFORMAL_PUNCT.search(line):
        return True
    if '"' not in line and "“" not in line and _PRONOUN.search(line):
        return True
    return any(w in informal_words for w in _WORDS.findall(line.lower()))


def _comment_thread(page: Page, hits: list[tuple[Rule, ...]]) -> int | None:
    """The first line of a reader-comment thread inside the article span, if there is one.

    Cheap checks first: most articles have no name-like lines at all, and only the lines
    after the first candidate are read for how informal they are.
    """
    config = _config()
    lines, labels = page.lines, page.labels
    lo, hi = page.start, page.end
    chars = 0
    first = cue = None
    for i in range(lo, hi):
        if chars >= config.min_thread_article_chars:
            if any(r.kind == "comments" for r in hits[i]):
                # A comment widget line ("Reply", "2 years ago"): the thread starts at its name line.
                named = i - 1 > lo and labels[i - 1] is None and _name_like(lines[i - 1])
                cue = i - 1 if named else i
                break
            if first is None and labels[i] is None and i + 1 < hi and _name_like(lines[i]):
                first = i
        if labels[i] is None:
            chars += len(lines[i])
    if first is None:
        return cue
    names, texts, informal = 0, 0, 0
    candidates: list[tuple[int, int, int, int]] = []  # (line, names, texts, informal) counted from the end
    for i in range(hi - 1, first - 1, -1):
        if labels[i] is not None:
            continue
        if i + 1 < hi and _name_like(lines[i]):
            names += 1
            candidates.append((i, names, texts, informal))
        else:
            texts += 1
            informal += _informal(lines[i], config.informal_words)
    for i, n_names, n_texts, n_informal in reversed(candidates):
        if cue is not None and i >= cue:
            break
        if n_names >= config.min_names and n_texts and n_informal >= config.min_informal_share * n_texts:
            return i
    return cue
