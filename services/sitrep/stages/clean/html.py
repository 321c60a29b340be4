"""The article of an HTML page, as text the line rules can read, plus the page's metadata.

The main text comes from trafilatura (``bare_extraction``: its tree rules with its
readability and jusText fallbacks), chosen over our own selectors by ``ops/eval/webpages.py``
on real pages of many sites (docs/cleaning.md has the figures). Comment sections and related
lists it kept lose their lines by our class words; its text has found the article already,
so the line rules that follow end it only where no prose follows (``extracted``). The page's
metadata (title, author, site) is read by selectolax from meta tags, JSON-LD and the markup,
else taken from trafilatura; the date is trafilatura's (htmldate) when it finds one, else the
markup's.

When trafilatura finds nothing (a page it rejects as too small or odd), the selectolax rules
run: the article is the first element that a main-content selector finds
(``itemprop=articleBody``, ``.entry-content``, the longest ``<article>``...), else the parent
of the most paragraph text. Scripts, menus, share bars, comment sections and related-article
lists inside it are dropped by tag and by the words of their class or id (text.yaml,
``html``), and each drop is reported. Block elements become line breaks so the text keeps
its paragraphs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import accumulate
from typing import Any

import orjson
import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from selectolax.lexbor import LexborHTMLParser, LexborNode
from trafilatura import external as trafilatura_fallbacks
from trafilatura.metadata import examine_meta, extract_author, extract_meta_json, extract_title, extract_url
from trafilatura.settings import DEFAULT_CONFIG, Document
from trafilatura.utils import load_html

from sitrep.stages.clean.text import strip_markup
from sitrep.stages.data import cleaning

_log = logging.getLogger(__name__)
_SPLIT = re.compile(r"[\s_-]+")
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+([^|–—-]{2,60})$")
# Tags that name the publication time itself; a page that has one is dated by it.
_PUBLISHED_META = (
    'meta[property="article:published_time"]', 'meta[property="og:article:published_time"]', 'meta[property="og:published_time"]',
    'meta[itemprop="datePublished"]', 'meta[name="parsely-pub-date"]', 'meta[name="DC.date.issued"]',
)
# Looser date tags (a page's date, a mailing tool's): after what trafilatura's htmldate finds.
_DATE_META = (
    'meta[name="pubdate"]', 'meta[name="publishdate"]', 'meta[name="publish-date"]', 'meta[name="date"]',
    'meta[name="dc.date"]', 'meta[name="sailthru.date"]',
)


def warm_up() -> None:
    """Load the jusText stop words of every language now: trafilatura reads them the first time
    its jusText fallback runs, which would be some page's time."""
    if trafilatura_fallbacks.JT_STOPLIST is None:
        trafilatura_fallbacks.jt_stoplist_init()


@dataclass(slots=True)
class HtmlPage:
    """The article text of a page, what the page says about it, and what was dropped."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    source: str | None = None
    byline: str | None = None  # text of a byline element ("by Wladimir van Wilgenburg")
    extracted: bool = False  # the text is trafilatura's main text: line rules may drop lines, not end it
    stamped: bool = False  # published comes from a tag that names the publication time
    removed: list[tuple[str, str, int, str]] = field(default_factory=list)  # (kind, rule, chars, preview)


@dataclass(frozen=True, slots=True)
class _Config:
    markup: str
    chrome: frozenset[str]
    words: dict[str, str]  # class/id word -> kind
    main: tuple[str, ...]
    blocks: str


@lru_cache(maxsize=1)
def _config() -> _Config:
    html = cleaning("text")["html"]
    words = {w: kind for kind, ws in html["class_words"].items() for w in ws}
    return _Config(",".join(html["markup_tags"]), frozenset(html["chrome_tags"]), words, tuple(html["main_selectors"]), ",".join(html["block_tags"]))


def html_to_text(markup: str, url: str | None = None) -> HtmlPage:
    """The main article of an HTML page as text with one paragraph per line."""
    if _too_deep(markup):
        text, tags = strip_markup(markup)
        page = HtmlPage(text=text)
        _drop(page, "markup", "html_markup", f"elements nested deeper than {_MAX_DEPTH}: tags stripped without parsing. {tags}")
        return page
    tree = LexborHTMLParser(markup)
    page = HtmlPage(text="")
    _metadata(tree, page)
    # trafilatura's metadata (a third of its cost) only fills what the page's own tags leave
    # open: a title, an author, or a publication day (also against a UTC tag, _publication).
    stamp = page.published if page.stamped else None
    dated = bool(stamp and _ISO_DAY.match(stamp) and not _UTC.search(stamp.strip()))
    wanted = _Wanted(title=not page.title, author=not page.author, date=not dated)
    found = _trafilatura(markup, url, wanted) if len(tree.css("*")) <= _MAX_ELEMENTS else None
    if found is not None and len(found.text) >= _MIN_EXTRACTED:
        page.text, page.extracted = found.text, True
        page.published = _publication(stamp, found.date) or page.published
        page.title = page.title or found.title
        root = tree.body or tree.root
        comments = _sift_extract(root, page) if root is not None else ""
        # trafilatura's author where the page names none, unless a reader comment carries
        # the name (it takes commenters' names on pages heavy with comments).
        if not page.author and found.author and len(found.author) <= 120 and not any(
                name.strip() in comments for name in found.author.split(";")):
            page.author = found.author
        return page
    return _selectolax_text(tree, page)


# trafilatura's work grows faster than the page (a second for 24,000 elements, ten for
# 96,000); real article pages have a few thousand. Larger ones go to the selectolax rules,
# which stay linear.
_MAX_ELEMENTS = 20_000
# trafilatura's own floor is 250 characters; a shorter text it returns is a fragment, and the
# selectolax rules get their turn.
_MIN_EXTRACTED = 100


@dataclass(frozen=True, slots=True)
class _Extract:
    text: str
    title: str | None
    author: str | None
    date: str | None


_MODE = "recall"  # docs/cleaning.md: the same F1 as the default mode, at less cost
# A date from the page's markup or a date expression in it, as published (not updated); no
# guess from the text at large (a copyright year is not a publication day).
_DATES = {"extensive_search": False, "original_date": True}


_ISO_DAY = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_UTC = re.compile(r"(?:Z|[+-]00:?00)$")


def _publication(stamp: str | None, found: str | None) -> str | None:
    """The page's publication date: its publication tag, else trafilatura's (htmldate's) date.

    A tag in UTC ("...T02:25:54Z") may be a day past the page's own date, which htmldate
    reads from the page: a day before the tag's, htmldate's date is the local one (a day
    after, it is more likely the page's update).
    """
    day = _ISO_DAY.match(stamp) if stamp else None
    if day is None:
        return found or stamp
    if found and _UTC.search(stamp.strip()) and (found_day := _ISO_DAY.match(found)):
        try:
            gap = (date(*map(int, day.groups())) - date(*map(int, found_day.groups()))).days
        except ValueError:
            return stamp
        if gap == 1:
            return found
    return stamp


@dataclass(frozen=True, slots=True)
class _Wanted:
    """The fields of trafilatura's metadata that the page's own tags left open."""

    title: bool = True
    author: bool = True
    date: bool = True

    def any(self) -> bool:
        return self.title or self.author or self.date


def _trafilatura(markup: str, url: str | None, wanted: _Wanted = _Wanted()) -> _Extract | None:
    """trafilatura's main text and the ``wanted`` fields of its metadata; None when it finds
    no article or fails."""
    try:
        if not wanted.any():
            doc = _bare_extraction(markup, url)
            return _Extract(doc.text, None, None, None) if doc is not None and doc.text else None
        # One lxml parse for the metadata and the text: bare_extraction works on a copy of a
        # tree it is given, and the metadata's readers leave the tree as they found it.
        tree = load_html(markup, DEFAULT_CONFIG.getint("DEFAULT", "MAX_FILE_SIZE"))
        if tree is None:
            return None
        meta = _trafilatura_metadata(tree, url, wanted)
        doc = _bare_extraction(tree, url)
    except Exception:  # its parser or fallbacks on a page they cannot take: the selectolax rules read it
        _log.debug("trafilatura failed on a page", exc_info=True)
        return None
    if doc is None or not doc.text:
        return None
    return _Extract(doc.text, meta.title, meta.author, meta.date)


def _bare_extraction(page: str | HtmlElement, url: str | None) -> Document | None:
    """trafilatura's main text of a page (markup, or a parsed tree that it copies), without metadata.

    The url only reaches link and image handling, which these options leave off, so the text
    is the same as with metadata (where trafilatura would pass the page's canonical url instead).
    """
    return trafilatura.bare_extraction(page, url=url, with_metadata=False, include_comments=False, include_tables=True,
                                       deduplicate=False, favor_recall=_MODE == "recall", favor_precision=_MODE == "precision",
                                       date_extraction_params=_DATES)


def _trafilatura_metadata(tree: HtmlElement, url: str | None, wanted: _Wanted) -> Document:
    """The ``wanted`` fields of ``trafilatura.metadata.extract_metadata``, read the same way in
    the same order, without the fields Sitrep never reads (categories, tags, license,
    site name, hostname): those cost as much again on pages with many links.

    Fields not wanted are left as the meta tags and JSON-LD give them; the caller ignores them.
    Raises what trafilatura's readers raise (the caller then treats the page as trafilatura's
    failure, as it would the whole extraction's).
    """
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # as extract_metadata: a single word is no author
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # as extract_metadata: a JSON-LD reader's bug leaves the meta tags' fields
        _log.debug("trafilatura's JSON-LD reader failed on a page", exc_info=True)
    if wanted.title and not meta.title:
        meta.title = extract_title(tree)
    if wanted.author and not meta.author:
        meta.author = extract_author(tree)
    if wanted.date:
        meta.url = meta.url or extract_url(tree, url)
        meta.date = find_date(tree, **_DATES, url=meta.url)  # htmldate works on a copy of the tree
    meta.clean_and_trim()
    return meta


def _sift_extract(root: LexborNode, page: HtmlPage) -> str:
    """Drop from trafilatura's text the lines of comment sections and related lists it kept,
    and report what the page had outside the text. Returns the text of the comment sections.

    The blocks are found by our class words, outermost first; a block whose text holds the
    start of the article's longest paragraph wraps the article (a "content-with-sidebar"
    or "widget" wrapper) and is not one: its children are looked at instead.
    """
    config = _config()
    for node in _outermost(root.css(config.markup)):
        _drop(page, "markup", "html_markup", node.text(deep=True))
        node.decompose()
    lines = [" ".join(line.split()) for line in page.text.splitlines()]
    probe = max(lines, key=len)[:60]
    where = {line: n for n, line in enumerate(lines) if line}
    words = set(" ".join(lines).split())
    cut: dict[int, tuple[str, str]] = {}
    outside: list[str] = []
    comments: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_text_node:
            text = " ".join((node.text_content or "").split())
            if len(text) > 2 and not words.issuperset(text.split()):
                outside.append(text)
            continue
        kind = _noise_kind(node) if node is not root else None
        if kind is None or probe in " ".join(node.text(deep=True, separator=" ").split()):
            stack.extend(reversed(list(node.iter(include_text=True))))
            continue
        rule = {"boilerplate": "html_chrome", "comments": "html_comments", "other_articles": "html_related"}[kind]
        if kind == "comments":
            comments.append(node.text(deep=True, separator=" "))
        inside = [where[t] for t in (" ".join(s.split()) for s in node.text(deep=True, separator="\n").splitlines()) if t in where]
        if not inside:
            _drop(page, kind, rule, node.text(deep=True, separator=" "))
        elif kind != "boilerplate":  # chrome words are too loose to cut what trafilatura took as text
            for n in inside:
                cut[n] = (kind, rule)
    _drop(page, "boilerplate", "html_outside_article", " ".join(outside))
    for n, (kind, rule) in sorted(cut.items()):
        _drop(page, kind, rule, lines[n])
    if cut:
        page.text = "\n".join(line for n, line in enumerate(lines) if n not in cut)
    return " ".join(comments)


def _selectolax_text(tree: LexborHTMLParser, page: HtmlPage) -> HtmlPage:
    """The article by our selectors and class words (when trafilatura found none)."""
    config = _config()
    root = tree.body or tree.root
    if root is None:
        return page
    for node in _outermost(root.css(config.markup)):
        _drop(page, "markup", "html_markup", node.text(deep=True))
        node.decompose()
    main = _main(root)
    protected = {n.mem_id for n in _ancestors(main)} | {main.mem_id}
    # A <header> inside the article holds its headline and standfirst: the text rules deal with it.
    noisy = [
        (n, kind)
        for n in root.traverse()
        if n.mem_id not in protected and (kind := _noise_kind(n)) is not None and not (n.tag == "header" and _is_inside(n, main))
    ]
    outside_noise: set[int] = set()
    for node, kind in _outermost_pairs(noisy):
        rule = {"boilerplate": "html_chrome", "comments": "html_comments", "other_articles": "html_related"}[kind]
        _drop(page, kind, rule, node.text(deep=True, separator=" "))
        if _is_inside(node, main):
            node.decompose()
        else:
            outside_noise.add(node.mem_id)
    if main is not root:
        _drop(page, "boilerplate", "html_outside_article", " ".join(_outside_text(root, main, outside_noise)))
    for node in main.css(config.blocks):
        node.insert_before("\n")
        node.insert_after("\n")
    for node in main.css("br"):
        node.insert_after("\n")
    page.text = main.text(deep=True)
    return page


# An HTML parser's work grows with the square of the nesting depth (every start tag checks
# the open elements): 20,000 nested <div>s take a second, 100,000 take half a minute. Real
# pages nest under a hundred deep, so deeper ones are not parsed.
_MAX_DEPTH = 1000
_OPEN_OR_CLOSE = re.compile(r"<(/?)(?!(?:area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr|p|li|option|td|th|tr|dt|dd)\b)[a-zA-Z]")
_STEP = {"": 1, "/": -1}


def _too_deep(markup: str) -> bool:
    """Whether elements nest deeper than the parser can take in linear time."""
    if markup.count("<") <= _MAX_DEPTH:
        return False  # cannot nest deeper than its number of tags: skip the scan
    steps = map(_STEP.__getitem__, _OPEN_OR_CLOSE.findall(markup))
    return max(accumulate(steps), default=0) > _MAX_DEPTH


def _main(root: LexborNode) -> LexborNode:
    """The element holding the article: a known selector, else the parent of most paragraph text."""
    for selector in _config().main:
        found = [n for n in root.css(selector) if not _in_comments(n)]
        if not found:
            continue
        best = max(found, key=_paragraph_chars)
        if _paragraph_chars(best) >= 200 or len(found) == 1 and len(best.text(deep=True)) >= 200:
            return best
    totals: dict[int, tuple[int, LexborNode]] = {}
    for p in root.css("p"):
        parent = p.parent
        if parent is not None and not _in_comments(parent):
            chars, _ = totals.get(parent.mem_id, (0, parent))
            totals[parent.mem_id] = (chars + len(p.text(deep=True)), parent)
    if totals:
        chars, parent = max(totals.values(), key=lambda t: t[0])
        if chars >= 200:
            return parent
    return root


def _in_comments(node: LexborNode) -> bool:
    """A reader comment (an ``<article class="comment-body">``, a comment list's item) is not the article."""
    return _noise_kind(node) == "comments" or any(_noise_kind(a) == "comments" for a in _ancestors(node))


def _paragraph_chars(node: LexborNode) -> int:
    return sum(len(p.text(deep=True)) for p in node.css("p"))


def _noise_kind(node: LexborNode) -> str | None:
    config = _config()
    if node.tag in config.chrome:
        return "boilerplate"
    attrs = node.attributes
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower().strip()
    if not names:
        return None
    for token in names.split():
        for word in (token, *_SPLIT.split(token)):
            kind = config.words.get(word)
            if kind is not None:
                return kind
    return None


def _ancestors(node: LexborNode) -> Iterator[LexborNode]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _is_inside(node: LexborNode, container: LexborNode) -> bool:
    return any(a.mem_id == container.mem_id for a in _ancestors(node))


def _outermost(nodes: list[LexborNode]) -> list[LexborNode]:
    """Nodes that are not inside another of the list (decomposing those frees the rest)."""
    return [n for n, _ in _outermost_pairs([(n, "") for n in nodes])]


def _outermost_pairs(pairs: list[tuple[LexborNode, str]]) -> list[tuple[LexborNode, str]]:
    ids = {n.mem_id for n, _ in pairs}
    return [(n, k) for n, k in pairs if not any(a.mem_id in ids for a in _ancestors(n))]


def _outside_text(root: LexborNode, main: LexborNode, skip: set[int]) -> Iterator[str]:
    """Text of the page outside the article and outside the blocks already reported.

    A walk that skips whole subtrees, rather than an ancestor check per text node, so a
    page of deeply nested elements stays linear.
    """
    skip = skip | {main.mem_id}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.mem_id in skip:
            continue
        if node.is_text_node:
            text = (node.text_content or "").strip()
            if text:
                yield text
            continue
        stack.extend(reversed(list(node.iter(include_text=True))))


def _drop(page: HtmlPage, kind: str, rule: str, text: str) -> None:
    """Report a dropped block; blocks cut by one rule add up into one entry (a page can have thousands)."""
    text = " ".join(text.split())
    if not text:
        return
    for n, (k, r, chars, preview) in enumerate(page.removed):
        if (k, r) == (kind, rule):
            page.removed[n] = (k, r, chars + 1 + len(text), preview)
            return
    page.removed.append((kind, rule, len(text), text[:120]))


def _metadata(tree: LexborHTMLParser, page: HtmlPage) -> None:
    """Title, author, date and site name from meta tags, JSON-LD and the markup."""
    ld = _json_ld(tree)
    page.title = _meta(tree, 'meta[property="og:title"]', 'meta[name="twitter:title"]') or _text(tree, "h1") or _title(tree)
    page.source = _meta(tree, 'meta[property="og:site_name"]', 'meta[name="application-name"]') or _ld_name(ld.get("publisher"))
    author = _meta(tree, 'meta[name="author"]', 'meta[property="article:author"]', 'meta[name="byl"]')
    if author and author.startswith("http"):
        author = None
    page.author = author or _text(tree, '[rel="author"]') or _text(tree, '[itemprop="author"]') or _ld_name(ld.get("author"))
    page.byline = _byline(tree)
    page.published = _meta(tree, *_PUBLISHED_META) or _attr(tree, 'time[itemprop="datePublished"]', "datetime")
    page.published = page.published or (ld.get("datePublished")[:200] if isinstance(ld.get("datePublished"), str) else None)
    page.stamped = page.published is not None
    page.published = page.published or _meta(tree, *_DATE_META) or _attr(tree, "time[datetime]", "datetime")
    if page.title and page.source:
        suffix = _SITE_SUFFIX.search(page.title)
        if suffix and suffix.group(1).strip().lower() == page.source.lower():
            page.title = page.title[: suffix.start()]


def _byline(tree: LexborHTMLParser) -> str | None:
    """The text of the page's byline element, not a commenter's name."""
    for node in tree.css(".byline, .by-line, .author-name, .post-author, .entry-author, .post-meta, .entry-meta")[:10]:
        if any(_noise_kind(a) == "comments" for a in _ancestors(node)):
            continue
        text = " ".join(node.text(deep=True, separator=" ").split())
        if 0 < len(text) <= 120:
            return text
    return None


def _meta(tree: LexborHTMLParser, *selectors: str) -> str | None:
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            value = (node.attributes.get("content") or "").strip()
            if value:
                return value[:500]
    return None


def _attr(tree: LexborHTMLParser, selector: str, name: str) -> str | None:
    node = tree.css_first(selector)
    value = (node.attributes.get(name) or "").strip() if node is not None else ""
    return value[:200] or None


def _text(tree: LexborHTMLParser, selector: str) -> str | None:
    node = tree.css_first(selector)
    value = " ".join(node.text(deep=True).split()) if node is not None else ""
    return value[:500] or None


def _title(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("title")
    value = " ".join(node.text().split()) if node is not None else ""
    return value[:500] or None


def _json_ld(tree: LexborHTMLParser) -> dict[str, Any]:
    """The first JSON-LD object describing an article (NewsArticle, Article, ...)."""
    for node in tree.css('script[type="application/ld+json"]')[:5]:
        raw = node.text()
        if len(raw) > 200_000:
            continue
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        for item in _ld_items(data):
            if "datePublished" in item or "headline" in item:
                return item
    return {}


def _ld_items(data: Any) -> Iterator[dict[str, Any]]:
    items = data if isinstance(data, list) else [data]
    for item in items[:20]:
        if isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                yield from (g for g in graph[:20] if isinstance(g, dict))


def _ld_name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip()[:200] or None if isinstance(value, str) else None
