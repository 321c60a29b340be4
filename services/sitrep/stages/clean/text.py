"""Text hygiene for the cleaner: any string in, tidy lines out, in time linear in its length.

Scraped text carries control characters, lone surrogates (from bad decoding upstream), odd
spaces, stray tags and hard-wrapped lines. Every later step works on the logical lines this
module returns, so it alone has to cope with whatever bytes arrived.
"""

from __future__ import annotations

import html
import re

# C0 controls except tab and newline, DEL, zero-width characters, non-characters, and the
# bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): an
# override makes text display in another order than it reads ("Trojan Source"), and
# Arabic or Hebrew text needs none of them to display right.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff\ufffe\uffff\u202a-\u202e\u2066-\u2069]+")
_BREAKS = re.compile(r"\r\n?|[\x0c\x85\u2028\u2029]")
# As UTF-8 bytes, C0 controls never occur inside a multi-byte character, so one C-speed
# bytes.translate tells whether the slow regex pass is needed at all.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10)) + b"\x7f"
# Looking for single characters with ``in`` is C-speed on str (not so on UTF-8 bytes, where
# curly quotes share the lead bytes of the odd spaces).
_ODD_SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_RARE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufffe", "\uffff", "\x85", "\u2028", "\u2029",
         "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069")
# Only known tag names count as markup, so "a < b" and "<3" in prose survive.
_TAG = re.compile(
    r"</?(?:p|br|div|span|a|b|i|u|em|strong|img|iframe|ul|ol|li|h[1-6]|blockquote|figure|figcaption|"
    r"table|tr|td|th|tbody|thead|section|article|header|footer|nav|aside|small|sup|sub|font|center|hr|"
    r"input|button|form|label|meta|link|source|video|audio|picture|noscript|ins|del|abbr|cite|q|s|"
    r"html|body|head|title|main|time|figure|svg|path)\b[^<>]{0,500}>",
    re.IGNORECASE,
)
_BLOCK_TAG = re.compile(r"<(?:/?(?:p|div|li|h[1-6]|blockquote|tr|section|article)\b[^<>]{0,500}|br\s*/?)>", re.IGNORECASE)
_TAGGISH = re.compile(r"</?[a-zA-Z]")  # a cheap look before the tag-name alternation
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});", re.IGNORECASE)
_HTML_START = re.compile(r"\s*(?:<!doctype html|<html|<head|<body|<(?:div|article|p|section|main|table|span|meta|!--)\b)", re.IGNORECASE)
_TERMINAL = ".!?:;\"”’)»]…"


def sanitize(text: str) -> str:
    """Text that every later step can trust: valid UTF-8, plain newlines, single plain spaces."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates cannot be serialised on the output topic; replace them.
        text = text.encode("utf-8", "replace").decode("utf-8")
        data = text.encode("utf-8")
    # A regex pass costs ~7 ns a character; most text needs none, so look before scanning.
    ascii_only = len(data) == len(text)
    if len(data.translate(None, _CONTROL_BYTES)) != len(data) or (not ascii_only and any(c in text for c in _RARE)):
        text = _INVISIBLE.sub("", _BREAKS.sub("\n", text))
    for odd in "\t" if ascii_only else _ODD_SPACES:
        if odd in text:
            text = text.replace(odd, " ")
    while "  " in text:  # C-speed, and scraped text is full of double spaces
        text = text.replace("  ", " ")
    return text


def looks_like_html(text: str) -> bool:
    """True for a plain-text body that is really a page of markup (a CSV column of HTML)."""
    return bool(_HTML_START.match(text[:200])) and text.count("<") > 3 and "</" in text


def strip_markup(text: str) -> tuple[str, str]:
    """``text`` without tags, comments and entities, and the markup that was removed."""
    if "<" not in text and "&" not in text:
        return text, ""
    removed: list[str] = []
    if "<!--" in text:
        text = _drop_comments(text, removed)
    if "<" in text and _TAGGISH.search(text):
        removed.extend(m.group(0) for m in _TAG.finditer(text))
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub("", text)
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    return text, " ".join(removed)


def _drop_comments(text: str, removed: list[str]) -> str:
    # A find loop rather than a regex: an unclosed "<!--" must not cost a rescan per position.
    parts: list[str] = []
    at = 0
    while True:
        start = text.find("<!--", at)
        if start < 0:
            break
        end = text.find("-->", start + 4)
        if end < 0:
            break
        parts.append(text[at:start])
        removed.append(text[start : end + 3])
        at = end + 3
    parts.append(text[at:])
    return "".join(parts)


def logical_lines(text: str) -> list[str]:
    """Non-empty lines, stripped, with hard-wrapped paragraphs joined back into one line.

    A line is joined to the one before when nothing but a line break separates them, the
    one before is long and ends mid-sentence, and this one starts in lower case: what a
    72-column wrap looks like, and what a list of headings or names never does.
    """
    lines: list[str] = []
    blank = True
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            blank = True
            continue
        if not blank and lines and _continues(lines[-1], line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
        blank = False
    return lines


def _continues(previous: str, line: str) -> bool:
    return len(previous) >= 40 and previous[-1] not in _TERMINAL and line[0].islower()


def key(line: str) -> str:
    """A line as rules compare it: lower case, single spaces, no punctuation at either end."""
    return " ".join(line.lower().split()).strip(EDGE)


def lead(line: str) -> str:
    """A line as prefix rules compare it: like :func:`key` but keeping the end."""
    return " ".join(line.lower().split()).lstrip(EDGE)


# Punctuation that rules ignore at the ends of a line ("Share:", "» Related").
EDGE = " .:;,!?|/\\-–—•·*#»«›‹>()[]_=~+"
