"""Sentence and paragraph spans of an article body, as offsets (no copies of the text).

A casualty claim's evidence is one sentence, so the split must not break at "U.S." or
"Col." and must break at a paragraph end even without a full stop (headlines, captions).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A full stop (or ! ?) and optional closing quote/bracket, then space and a capital, digit
# or opening quote; or a line break.
# (Written to start with one character class, so the regex engine can skip ahead to it.)
_BOUNDARY = re.compile(r"[.!?\n](?:(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|(?<=\n)\s*)")
_ABBREVIATIONS = frozenset(
    "u.s u.k u.n mr mrs ms dr gen col lt maj capt sgt brig adm st no jan feb mar apr jun jul aug sep sept oct "
    "nov dec a.m p.m approx vs etc inc co corp rep sen gov prof jr sr".split()
)


class Span(NamedTuple):
    start: int
    end: int
    paragraph: int


def split(body: str) -> list[Span]:
    """Sentences of ``body`` as (start, end, paragraph index), whitespace trimmed."""
    spans: list[Span] = []
    start = 0
    paragraph = 0
    for match in _BOUNDARY.finditer(body):
        gap = match.group()
        at = match.start()
        if gap[0] == ".":
            before = body[max(0, at - 6):at].rsplit(None, 1)
            word = before[-1].lstrip("(\"'“") if before else ""
            if word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
                continue  # "U.S. forces", "Col. Dillon", a middle initial
        punctuation = len(gap) - len(gap.lstrip(".!?\"'”’)]"))
        _add(spans, body, start, at + punctuation, paragraph)
        if "\n" in gap:
            paragraph += 1
        start = match.end()
    _add(spans, body, start, len(body), paragraph)
    return spans


def _add(spans: list[Span], body: str, start: int, end: int, paragraph: int) -> None:
    text = body[start:end]
    stripped = text.strip()
    if stripped:
        start += len(text) - len(text.lstrip())
        spans.append(Span(start, start + len(stripped), paragraph))
