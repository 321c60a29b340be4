"""Credibility measures read off one article: attribution, hedging, loaded language,
clickbait, page pollution, specificity.

Each measure returns ``(value, evidence)``: the value in the range docs/credibility.md documents
for its signal, the evidence the phrases (or facts) behind it. The phrase lists live in
``data/credibility/lexicon.yaml`` and are matched in one Aho-Corasick pass over the
lower-cased article (word boundaries checked, longest match wins), because the stateless
stage has about a hundred microseconds per article for all of this.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from functools import lru_cache
from typing import NamedTuple

import ahocorasick

from sitrep.models import Casualty, Entity, Removed
from sitrep.stages import data as curated
from sitrep.stages.credibility.sources import compact
from sitrep.stages.types import CleanArticle, Extraction

Measure = tuple[float, list[str]]

_FINE_ID = re.compile(r"^geo:\d+$")
_TITLE_NUMBER = re.compile(r"\b\d{1,5}\b")
_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
_CAPS_WORD = re.compile(r"\b[A-Z]{5,}\b")
_STOPWORDS = frozenset(
    "that this with from have were their they been into after over about says said will amid near "
    "more than least also what when which where while would could your".split()
)
# Upper-case words in titles that are names, not shouting.
_ACRONYMS = frozenset({"SYRIA", "ALEPPO", "IDLIB", "RAQQA", "DAESH", "ISIL", "ISIS", "NATO", "UNICEF", "OPCW", "UNHCR", "SOHR", "SNHR"})


class Hit(NamedTuple):
    phrase: str
    weight: float


class Lexicon:
    """All phrase lists in one automaton; ``scan`` returns the non-overlapping hits by category."""

    def __init__(self, categories: dict[str, dict[str, float]], removed: dict[str, float]) -> None:
        self.removed = removed
        self.categories = categories
        self.automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for category, phrases in categories.items():
            for phrase, weight in phrases.items():
                entries[phrase.lower()].append((category, weight))
        for phrase, found in entries.items():
            hits = tuple((category, Hit(phrase, weight)) for category, weight in found)
            self.automaton.add_word(phrase, (phrase, len(phrase), phrase[0].isalnum(), phrase[-1].isalnum(), hits))
        self.automaton.make_automaton()

    def scan(self, text: str) -> dict[str, list[Hit]]:
        """Hits in ``text`` (already lower-cased), longest first where phrases overlap."""
        raw = []
        size = len(text)
        for end, (phrase, length, bounded_start, bounded_end, found) in self.automaton.iter(text):
            start = end - length + 1
            if bounded_start and start > 0 and text[start - 1].isalnum():
                continue
            if bounded_end and end + 1 < size and text[end + 1].isalnum():
                continue
            raw.append((start, -length, phrase, found))
        raw.sort()
        hits: dict[str, list[Hit]] = defaultdict(list)
        reach = -1
        for start, negative_length, _phrase, found in raw:
            if start < reach:
                continue
            reach = start - negative_length
            for category, hit in found:
                hits[category].append(hit)
        return hits


def _weights(value: object, name: str) -> dict[str, float]:
    if isinstance(value, list):
        return {str(p): 1.0 for p in value}
    if isinstance(value, dict):
        return {str(p): float(w if w is not None else 1.0) for p, w in value.items()}
    raise ValueError(f"lexicon.yaml: category {name} must be a list or a mapping")


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The packaged lexicon (``data/credibility/lexicon.yaml``), built once per process."""
    data = dict(curated.mapping("credibility", "lexicon.yaml"))
    removed = _weights(data.pop("removed", {}), "removed")
    return Lexicon({name: _weights(value, name) for name, value in data.items()}, removed)


# --- the claim and its place, shared with the corroboration stage -----------------------------


def main_claim(extraction: Extraction) -> Casualty | None:
    """The article's event: its first casualty claim with a toll that is not a running total."""
    return next((c for c in extraction.casualties if not c.cumulative and (c.killed or c.injured)), None)


def place_of(extraction: Extraction, claim: Casualty | None, dateline: str | None = None) -> Entity | None:
    """The place entity of ``claim``, or of the article when the claim names none.

    A dateline says where the reporter filed from ("BEIRUT (Reuters) -"), not where the
    strike was: a claim placed in the dateline city, or in another country than the
    article's main place, is placed at the article's main place instead.
    """
    by_id = {e.id: e for e in extraction.entities}
    primary = by_id.get(extraction.primary_location or "")
    place = by_id.get(claim.location or "") if claim and claim.location else None
    if place is None:
        return primary
    if primary is not None and place.id != primary.id:
        filed_from = dateline is not None and compact(dateline) == compact(place.name)
        abroad = place.geo is not None and primary.geo is not None and place.geo.country_code != primary.geo.country_code
        if filed_from or abroad:
            return primary
    return place


def is_fine(place: Entity | None) -> bool:
    """True for a town, village or neighbourhood; False for a governorate, region or country."""
    return place is not None and bool(_FINE_ID.match(place.id)) and place.geo is not None and place.geo.admin1_code is not None


# --- measures ----------------------------------------------------------------------------------


def _distinct(hits: list[Hit]) -> dict[str, float]:
    found: dict[str, float] = {}
    for hit in hits:
        found[hit.phrase] = max(found.get(hit.phrase, 0.0), hit.weight)
    return found


def _counted(hits: list[Hit]) -> tuple[float, list[str]]:
    counts: dict[str, int] = defaultdict(int)
    total = 0.0
    for hit in hits:
        counts[hit.phrase] += 1
        total += hit.weight
    return total, [f"{p} ×{n}" if n > 1 else p for p, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def attribution(hits: dict[str, list[Hit]], extraction: Extraction, body: str) -> Measure:
    """[-1, 1]: named monitors, on-record officials and quotes, minus unnamed and party sources."""
    monitors = _distinct(hits.get("monitors", []))
    on_record = _distinct(hits.get("on_record", []))
    anonymous, anon_ev = _counted(hits.get("anonymous", []))
    party, party_ev = _counted(hits.get("party_claims", []))
    officials = [e for e in extraction.entities if e.type == "PERSON" and e.role and e.known]
    quotes = body.count("\u201c") + body.count('"') // 2
    value = 0.45 * min(2.0, sum(monitors.values())) + 0.25 * min(2.0, sum(on_record.values()))
    value += 0.15 * min(2, len(officials)) + 0.1 * min(2, quotes)
    value -= 0.35 * min(2.0, anonymous) + 0.35 * min(2.0, party)
    evidence = [f"+ {p}" for p in monitors] + [f"+ {p}" for p in on_record]
    evidence += [f"+ {e.name} ({e.role})" for e in officials[:2]]
    if quotes:
        evidence.append(f"+ direct quotes ×{min(quotes, 9)}")
    evidence += [f"- {p}" for p in anon_ev] + [f"- {p}" for p in party_ev]
    claim = main_claim(extraction)
    if claim is not None and claim.victims == "combatants" and not monitors:
        # An enemy's losses on a fighting party's word: the kind of toll no one can check.
        value -= 0.3
        evidence.append("- combatant toll with no independent source")
    return max(-1.0, min(1.0, value)), evidence


def hedging(hits: dict[str, list[Hit]]) -> Measure:
    """[-1, 0]: the report flags its own claims as unverified or uncertain."""
    total, evidence = _counted(hits.get("hedges", []))
    return -min(1.0, total / 2.5), evidence


def loaded_language(hits: dict[str, list[Hit]], chars: int) -> Measure:
    """[-1, 0]: weighted loaded terms per square root of thousand characters, saturating."""
    total, evidence = _counted(hits.get("loaded", []))
    density = total / math.sqrt(max(1.0, chars / 1000))
    return -(1.0 - math.exp(-density / 2.0)), evidence


def clickbait(title: str, body_lower: str, extraction: Extraction, lex: Lexicon) -> Measure:
    """[-1, 0]: a title built to be clicked, or one the body does not bear out."""
    if not title:
        return 0.0, []
    total, evidence = 0.0, []
    for phrase, weight in _distinct(lex.scan(title.lower()).get("clickbait", [])).items():
        total += weight
        evidence.append(phrase)
    if "!" in title:
        total += 0.7
        evidence.append("exclamation mark")
    if title.rstrip().endswith("?"):
        total += 0.4
        evidence.append("question headline")
    shouting = [w for w in _CAPS_WORD.findall(title) if w not in _ACRONYMS]
    if shouting:
        total += min(1.0, 0.5 * len(shouting))
        evidence.append("capitals: " + " ".join(shouting[:3]))
    figures = {str(n) for c in extraction.casualties for n in (c.killed, c.injured) if n is not None}
    # Years ("Syria 2017: ...") are not tolls; 0 and 1 are too often words in the body.
    missing = [n for n in _TITLE_NUMBER.findall(title) if 1 < int(n) < 1900 and n not in figures and n not in body_lower]
    if missing:
        total += 0.8
        evidence.append(f"title figure {missing[0]} not in the body")
    words = [w.lower() for w in _TITLE_WORD.findall(title) if w.lower() not in _STOPWORDS]
    if len(words) >= 4:
        found = sum(1 for w in words if w.rstrip("s") in body_lower)
        if found / len(words) < 0.34:
            total += 0.6
            evidence.append(f"title and body share {found} of {len(words)} words")
    return -min(1.0, total / 2.0), evidence


def page_pollution(hits: dict[str, list[Hit]], removed: list[Removed], lex: Lexicon) -> Measure:
    """[-1, 0]: reader comments, donation prompts and other furniture on the page."""
    weights: dict[str, float] = {}
    chars: dict[str, int] = defaultdict(int)
    for block in removed:
        key = block.rule if block.rule in lex.removed else block.kind
        if key in lex.removed:
            weights[key] = lex.removed[key]
            chars[key] += block.chars
    total, left = _counted(hits.get("chrome", []))
    evidence = [f"cut {key} ({chars[key]} chars)" for key in weights] + [f"left in text: {p}" for p in left]
    return -min(1.0, sum(weights.values()) + total), evidence


def specificity(clean: CleanArticle, extraction: Extraction, hits: dict[str, list[Hit]]) -> Measure:
    """[-1, 1]: when, where, how many and what was hit, to the day, town and body count."""
    evidence: list[str] = []
    when = 0.0
    if clean.published is not None:
        when += 0.5
        evidence.append(f"date {clean.published.isoformat()}")
    days = _distinct(hits.get("days", []))
    if days:
        when += 0.5
        evidence.append("day: " + ", ".join(list(days)[:2]))
    claim = main_claim(extraction)
    place = place_of(extraction, claim, clean.dateline)
    where = 1.0 if is_fine(place) else 0.5 if place is not None else 0.0
    if place is not None:
        evidence.append(f"place {place.name}")
    vague = _distinct(hits.get("vague_counts", []))
    if claim is None:
        count = -0.5 if vague else 0.0
    else:
        said = claim.evidence.text.lower()
        fuzzy = [p for p in vague if p in said]
        count = 0.3 if fuzzy else 1.0
        figure = f"{claim.killed} killed" if claim.killed is not None else f"{claim.injured} injured"
        evidence.append(f"figure {figure}" + (f" (vague: {fuzzy[0]})" if fuzzy else ""))
    if claim is None and vague:
        evidence.append("vague: " + ", ".join(list(vague)[:2]))
    what = 0.0
    sites = _distinct(hits.get("sites", []))
    if sites:
        what += 0.5
        evidence.append("site: " + ", ".join(list(sites)[:2]))
    if claim is not None and claim.perpetrator:
        what += 0.5
        actor = next((e.name for e in extraction.entities if e.id == claim.perpetrator), claim.perpetrator)
        evidence.append(f"by {actor}")
    total = min(1.0, when) + where + count + what
    return max(-1.0, min(1.0, (total - 2.0) / 2.0)), evidence
