"""Article metadata found in the text: dateline, outlet, author, language.

Datelines come in a handful of house styles::

    DEIR EZ-ZOR GOVERNORATE (OCTOBER 20, 2018) – ...      place (date)
    BEIRUT, July 5 (Reuters) - ...                          place, date (agency)
    MOSCOW, July 5. /TASS/. ...                             place, date. /agency/.
    DAMASCUS, SYRIA (7:45 A.M.) – ...                       place, region (time)
    Damascus, SANA – ...                                    Place, agency
    NNA - ...                                               agency
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sitrep.stages.clean.dates import find_dates, grammar
from sitrep.stages.data import cleaning
from sitrep.stages.outlets import default_table

_UPPER_WORD = r"[A-Z\u00C0-\u00DE][A-Z\u00C0-\u00DE'’.\-]*"
_TITLE_WORD = r"[A-Z][A-Za-z'’.\-]+"
_ASCII_WORD = re.compile(r"[a-z]+")
_LETTER = re.compile(r"[^\W\d_]")
_AGENCY = re.compile(r"[A-Z][A-Za-z&-]{1,15}")
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,8}$", re.I)


@dataclass(frozen=True, slots=True)
class Dateline:
    """What a dateline says: where, maybe when, maybe through which agency."""

    place: str | None
    date_text: str | None = None
    agency: str | None = None


def outlet_name(text: str | None) -> str | None:
    """The outlet's name for a whole spelling, alias or domain ("al-masdar news" -> "Al Masdar News")."""
    if not text:
        return None
    outlet = default_table().lookup(text.strip(), exact=True)
    return outlet.name if outlet is not None else None


def numeric_order(source: str | None) -> str | None:
    """"mdy" for outlets that write numeric dates month first, else None (the default)."""
    outlet = default_table().lookup(source.strip(), exact=True) if source else None
    return "mdy" if outlet is not None and outlet.month_first else None


def byline_parts(value: str) -> tuple[str | None, str | None]:
    """(author, source) of a byline value: "sdf-press.com" and "AFP" are outlets, not people."""
    value = value.strip().strip(":,;-– ")
    if not value or len(value) > 80:
        return None, None
    via = re.split(r"\s+via\s+", value, maxsplit=1, flags=re.I)
    if len(via) == 2:
        author, source = byline_parts(via[0])[0], via[1].strip().rstrip(",.:")
        return author, outlet_name(source) or source
    known = outlet_name(value)
    if known:
        return None, known
    if _DOMAIN.match(value):
        return None, value.lower()
    return value, None


@lru_cache(maxsize=1)
def _dateline_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    mon = "|".join(re.escape(m) for m in sorted(grammar().months, key=len, reverse=True))
    when = rf"(?:(?i:{mon})\.?\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+(?i:{mon})(?:,?\s+\d{{4}})?)"
    agency = rf"(?i:{default_table().alternation})"
    upper = re.compile(
        rf"(?P<place>{_UPPER_WORD}(?:[ -]{_UPPER_WORD}){{0,4}})"
        rf"(?:,\s*(?P<region>{_TITLE_WORD}(?: {_TITLE_WORD}){{0,2}}))?"
        rf"(?:,?\s*(?P<date>{when})\.?)?"
        r"(?:\s*\((?P<paren>[^()\n]{1,40})\)|\s*/(?P<slash>[A-Za-z-]{2,20})/\.?)?"
        r"(?:\s*[-–—]{1,2}\s*|:\s+|(?<=/)\s+|(?<=/\.)\s+)"
    )
    mixed = re.compile(
        rf"(?P<place>{_TITLE_WORD}(?:[ -]{_TITLE_WORD}){{0,2}}),\s*(?:(?P<date>{when}),?\s*)?"
        rf"(?:(?P<agency>{agency})|\((?P<paren>{agency})\))\s*(?:[-–—]{{1,2}}|:)\s*"
    )
    bare = re.compile(rf"\(?(?P<agency>{agency})\)?\s*[-–—]{{1,2}}\s+")
    return upper, mixed, bare


def parse_dateline(line: str) -> Dateline | None:
    """The dateline opening ``line``, if it has one."""
    upper, mixed, bare = _dateline_patterns()
    m = upper.match(line)
    if m and m.end() < len(line):
        place = m["place"].strip(" .-")
        if place.lower() not in _not_places() and any(c.isalpha() for c in place):
            paren = m["paren"] or ""
            date_text = m["date"] or (paren if find_dates(paren) or _is_day(paren) else None)
            # "(Reuters)", "/TASS/", or an unknown one-word agency such as "(FNA)".
            agency = m["slash"] or (paren if outlet_name(paren) or (not date_text and _AGENCY.fullmatch(paren)) else None)
            where = place_case(place) + (f", {place_case(m['region'])}" if m["region"] else "")
            return Dateline(where, date_text, outlet_name(agency) or agency)
    m = mixed.match(line)
    if m:
        return Dateline(m["place"], m["date"], outlet_name(m["agency"] or m["paren"]))
    m = bare.match(line)
    outlet = default_table().lookup(m["agency"].strip(), exact=True) if m else None
    if outlet is not None and outlet.agency:
        return Dateline(None, None, outlet.name)
    return None


def _is_day(text: str) -> bool:
    """"July 5" or "5 July": a year-less date in a dateline's brackets."""
    m = re.fullmatch(r"([^\W\d_]{3,9})\.?\s+\d{1,2}|\d{1,2}\s+([^\W\d_]{3,9})", text.strip())
    return bool(m) and (m[1] or m[2]).lower() in grammar().months


@lru_cache(maxsize=1)
def _not_places() -> frozenset[str]:
    return frozenset(str(w).lower() for w in cleaning("text")["dateline"]["not_places"])


@lru_cache(maxsize=1)
def _casing() -> tuple[frozenset[str], frozenset[str]]:
    words = cleaning("text")["dateline"]
    return frozenset(words["particles"]), frozenset(words["generic"])


def place_case(place: str) -> str:
    """An upper-case place re-cased as it is usually written: "DEIR EZ-ZOR GOVERNORATE" -> "Deir ez-Zor governorate"."""
    if not place.isupper():
        return place
    particles, generic = _casing()
    words = []
    for n, word in enumerate(place.split()):
        parts = []
        for k, part in enumerate(word.split("-")):
            low = part.lower()
            first = n == 0 and k == 0
            if not first and (low in particles or (k == 0 and low in generic)):
                parts.append(low)
            else:
                parts.append(low[:1].upper() + low[1:])
        words.append("-".join(parts))
    return " ".join(words)


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    return frozenset(cleaning("text")["english_words"])


@lru_cache(maxsize=1)
def _identifier():  # noqa: ANN202 - py3langid has no type hints
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language(body: str) -> str | None:
    """ISO 639-1 code of the body's language; None when there is too little text to tell.

    English function words settle most articles in microseconds; the rest go to py3langid,
    on the first 600 characters.
    """
    sample = body[:600]
    if sample.count(" ") < 5 or not _LETTER.search(sample, 0, 200):
        return None
    words = _ASCII_WORD.findall(sample.lower())
    if words and sum(map(_english().__contains__, words)) >= 0.2 * len(words):
        return "en"
    code, confidence = _identifier().classify(sample[:600])
    return code if confidence >= 0.5 else None
