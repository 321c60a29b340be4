"""Entities of an article: gazetteer actors and places, people with their roles, weapons, and
capitalised names the gazetteers do not know (reported with ``known=False`` and a type guess).

Generic words for armed groups ("terrorists", "militants", "jihadists") name no one side;
they are counted as mentions of the non-state group the article names most (Islamic State
in a Deir ez-Zor report, Nusra in an Idlib one), or of an unspecified-armed-groups entity
when it names none. That keeps "Daesh terrorists" and "the terrorists" one entity.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain

from sitrep.stages.extract.gazetteer import Gazetteer, Hit, Target, gazetteer
from sitrep.stages.extract.geo import PlaceMention, geo_model
from sitrep.stages.extract.numbers import alternation
from sitrep.stages.extract.translit import normalize_key

# Sides that "terrorists"/"militants"/"jihadists" stand for. Kurdish forces are left out: the
# outlets that call them terrorists name them ("YPG terrorists"), and they match as such.
_NON_STATE = ("islamic-state", "nusra-hts", "syrian-opposition")
_PARTICLE = r"(?:al|el|as|ash|ad|ar|az|at|an|abu|bin|ibn|bani|ben|de|van|von|der|la|le|of|the|and)"
_WORD = r"[A-Z][\w'’]*(?:-[A-Za-z][\w'’]*)*"
# Starts with a capital so the regex engine can skip to candidates; a lower-case particle in
# front ("al-Jehev") is picked up by hand.
_NAME_RUN = re.compile(rf"{_WORD}(?:[ \t]+(?:{_PARTICLE}[-\s]+){{0,2}}{_WORD})*")
_LEADING_PARTICLE = re.compile(rf"(?<![\w'’-]){_PARTICLE}[-\s]$")
_KIND_AFTER = {"village": "PLACE", "town": "PLACE", "city": "PLACE", "hill": "PLACE", "hills": "PLACE",
               "area": "PLACE", "district": "PLACE", "neighbourhood": "PLACE", "neighborhood": "PLACE",
               "camp": "PLACE", "mountain": "PLACE", "mountains": "PLACE", "region": "PLACE", "river": "PLACE",
               "countryside": "PLACE", "province": "PLACE", "farms": "PLACE", "valley": "PLACE", "plain": "PLACE",
               "crossing": "FACILITY", "checkpoint": "FACILITY", "base": "FACILITY", "airport": "FACILITY",
               "airbase": "FACILITY", "field": "FACILITY", "dam": "FACILITY", "bridge": "FACILITY",
               "hospital": "FACILITY", "prison": "FACILITY", "brigade": "ARMED_GROUP", "battalion": "ARMED_GROUP",
               "militia": "ARMED_GROUP", "group": "ARMED_GROUP", "faction": "ARMED_GROUP", "movement": "ARMED_GROUP",
               "news": "ORG", "agency": "ORG", "said": "PERSON", "told": "PERSON", "says": "PERSON", "added": "PERSON"}


def country_of(places: list[PlaceMention], actors: list[tuple[Hit, Target]], gaz: Gazetteer) -> str | None:
    """The country most of an article's place mentions are in; without places, the home
    country most of the sides it names fight in (None: neither)."""
    counts = Counter(m.place.cc for m in places)
    if not counts:
        counts = Counter(c for _, t in actors if (c := gaz.actors[t.ref].country))
    return counts.most_common(1)[0][0] if counts else None


def localise(actors: list[tuple[Hit, Target]], country: str | None, gaz: Gazetteer) -> list[tuple[Hit, Target]]:
    """Actor mentions with the words whose side depends on the country ("the army", "police")
    read as that country's actor (``in_country`` in actors.yaml), and a generic word fused to
    a named side ("PKK-YJA Star militants") read as that side."""
    out: list[tuple[Hit, Target]] = []
    for hit, target in sorted(actors, key=lambda a: a[0].start):
        actor = gaz.actors[target.ref]
        if actor.in_country:
            mapping = dict(actor.in_country)
            target = _with_ref(target, mapping.get(country or "*", mapping.get("*", target.ref)))
        if actor.generic and out and hit.start - out[-1][0].end <= 1 and not gaz.actors[out[-1][1].ref].generic:
            target = _with_ref(target, out[-1][1].ref)
        out.append((hit, target))
    return out


@lru_cache(maxsize=1024)
def _with_ref(target: Target, ref: str) -> Target:
    """``target`` standing for actor ``ref`` (cached: ``replace`` is slow, and the same few
    words, "the army", "police", are relabelled in report after report)."""
    return replace(target, ref=ref)


@dataclass
class Found:
    """Entities being assembled, and the actor mentions casualty claims look at."""

    entities: dict[str, dict] = field(default_factory=dict)
    actor_mentions: list[tuple[int, int, str, bool]] = field(default_factory=list)  # start, end, actor id, air
    consumed: list[tuple[int, int]] = field(default_factory=list)  # text read as a role, not a name

    def mention(self, eid: str, start: int, end: int, **fields: object) -> None:
        row = self.entities.get(eid)
        if row is None:
            row = self.entities[eid] = {"id": eid, "mentions": [], **fields}
        row["mentions"].append((start, end))

    def covered(self) -> list[tuple[int, int]]:
        """Every mention's span, in no particular order."""
        return list(chain.from_iterable(row["mentions"] for row in self.entities.values()))


@dataclass(frozen=True)
class _Lexicon:
    name_after: re.Pattern[str]
    office_after: re.Pattern[str]
    office_before: re.Pattern[str]
    stop: frozenset[str]
    kinds: dict[str, str]
    given_names: frozenset[str]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    lex = gazetteer().lexicon
    offices = alternation(lex["offices"])
    return _Lexicon(
        name_after=re.compile(rf"\.?\s+(?P<name>{_WORD}(?:\s+(?:{_PARTICLE}[-\s]+)?{_WORD}){{0,3}})"),
        office_after=re.compile(rf",\s+(?:the\s+|a\s+|an\s+)?(?P<office>(?:[\w.-]+\s+){{0,3}}?(?i:{offices})"
                                rf"(?:\s+(?:of|for|at|in|to)\s+(?:the\s+)?[^,.;:\"“”]{{2,60}}?)?)"
                                rf"(?=\s*(?:[,.;:\"”]|said|told|says|was|who|$))"),
        office_before=re.compile(rf"(?P<office>(?:[A-Z][\w.-]*\s+){{0,3}}(?i:{offices})"
                                 rf"(?:\s+(?:of|for)\s+(?:[A-Z][\w-]*\s*){{1,4}})?),\s+(?:[A-Z][\w.]*\s+)?$"),
        stop=frozenset(w.lower() for w in lex["not_names"]),
        kinds={w.lower(): kind for kind, words in lex["name_kinds"].items() for w in words},
        given_names=frozenset(w.lower() for w in lex["person_names"]),
    )


@lru_cache(maxsize=1)
def _weapons() -> dict[str, str]:
    return {normalize_key(a): name for name, aliases in gazetteer().lexicon["weapons"].items() for a in aliases}


def collect(body: str, places: list[PlaceMention], actors: list[tuple[Hit, Target]], cues: list[Hit],
            titles: list[Hit], gaz: Gazetteer, heuristics: bool = True) -> Found:
    """Gather every entity mention in ``body``; ``heuristics`` adds people and unknown names."""
    found = Found()
    entities = found.entities
    for m in places:
        place = m.place
        row = entities.get(place.id)
        if row is None:
            kind = "FACILITY" if place.kind == "facility" else "PLACE"
            row = entities[place.id] = {"id": place.id, "mentions": [], "type": kind, "name": place.name, "geo": place}
        row["mentions"].append((m.start, m.end))
    specific = Counter(t.ref for _, t in actors
                       if gaz.actors[t.ref].category in _NON_STATE and not gaz.actors[t.ref].generic)
    stand_in = specific.most_common(1)[0][0] if specific else None
    for hit, target in actors:
        actor = gaz.actors[target.ref]
        if actor.generic and stand_in:
            actor = gaz.actors[stand_in]
        row = entities.get(actor.id)
        if row is None:
            row = entities[actor.id] = {"id": actor.id, "mentions": [], "type": actor.type, "name": actor.name,
                                        "category": actor.category, "role": actor.role}
        row["mentions"].append((hit.start, hit.end))
        if actor.type in ("STATE", "ARMED_GROUP") or (actor.type == "PERSON" and actor.category not in (None, "other")):
            found.actor_mentions.append((hit.start, hit.end, actor.id, target.air))
    weapons = _weapons()
    for cue in cues:
        name = weapons.get(body[cue.start:cue.end].lower().replace("-", " "))
        if name:
            found.mention(f"weapon:{normalize_key(name).replace(' ', '-')}", cue.start, cue.end, type="WEAPON", name=name)
    if heuristics:
        known = _Spans(found.covered(), len(body))
        _people(body, titles, found, known)
        _unknown_names(body, found, known)
    return found


class _Spans:
    """Text already taken by a mention, as a byte mask: overlap tests are one C-level find."""

    def __init__(self, spans: list[tuple[int, int]], size: int) -> None:
        self.spans: list[tuple[int, int]] = []
        self.mask = bytearray(size + 1)
        self.add(spans)

    def add(self, spans: list[tuple[int, int]]) -> None:
        self.spans += spans
        mask = self.mask
        for s, e in spans:
            mask[s:e] = b"\x01" * (e - s)

    def overlaps(self, start: int, end: int) -> bool:
        return self.mask.find(1, start, end) != -1


def _people(body: str, titles: list[Hit], found: Found, known: _Spans) -> None:
    """People introduced by a title ("Army Colonel Thomas Veale"), with rank and office.

    ``known`` is the text the gazetteer names take; the people and the offices read as their
    roles are added to it at the end.
    """
    lex = _lexicon()
    people: dict[str, dict] = {}
    for hit in titles:
        m = lex.name_after.match(body, hit.end)
        if m is None:
            continue
        name = m.group("name")
        if known.overlaps(m.start("name"), m.end("name")) or name.split()[0].lower() in lex.stop:
            continue
        title = body[hit.start:hit.end]
        rank = " ".join(w.capitalize() if w.islower() else w for w in title.split())
        role = [rank]
        office = lex.office_after.match(body, m.end())
        if office is None and ", " in body[max(0, hit.start - 14):hit.start]:
            # "Coalition Director of Public Affairs, Army Colonel Thomas Veale"
            office = lex.office_before.search(body, max(0, hit.start - 80), hit.start)
        category = None
        if office:
            role.append(office.group("office").strip())
            category = next((found.entities[a]["category"] for s, _, a, _ in found.actor_mentions
                             if office.start("office") <= s < office.end("office")), None)
        pid = "person:" + normalize_key(name).replace(" ", "-").replace("'", "")
        row = people.setdefault(pid, {"name": name, "role": ", ".join(role), "category": category, "spans": []})
        row["spans"].append((m.start("name"), m.end("name")))
        if office:
            found.consumed.append((office.start("office"), office.end("office")))
    for pid, row in people.items():
        surname = row["name"].split()[-1]
        at = body.find(surname)
        while at >= 0:  # later "Veale said": str.find, because a regex per name costs more
            end = at + len(surname)
            whole = (at == 0 or not (body[at - 1].isalnum() or body[at - 1] == "-")) and (
                end == len(body) or not (body[end].isalnum() or body[end] == "-"))
            if whole and not any(s <= at < e for s, e in row["spans"]) and not known.overlaps(at, end):
                row["spans"].append((at, end))
            at = body.find(surname, end)
        for start, end in sorted(row["spans"]):
            # Found by the title heuristic, not in the gazetteer: known=False, as the contract says.
            found.mention(pid, start, end, type="PERSON", name=row["name"], role=row["role"],
                          category=row["category"], known=False)
    known.add([span for row in people.values() for span in row["spans"]] + found.consumed)


_SENTENCE_START = re.compile(r"(?:[.!?]['\"”’]?\s+|\n\s*|[“\"]\s*)$")
_LOWER_WORD = re.compile(r"\s+([a-z]+)")
_BYLINE = re.compile(r"(?:^|\n)[ \t]*(?:by|By|BY)[: \t]+$")
_PLACE_BEFORE = re.compile(r"\b(?:village|town|city|of|in|near|outside)\s+$")


def _unknown_names(body: str, found: Found, known: _Spans) -> None:
    """Capitalised names no gazetteer knows, kept with a guessed type rather than dropped.

    ``known`` is the text already taken: every mention so far, and the offices of people.
    """
    lex = _lexicon()
    known_texts = {body[s:e].lower() for s, e in known.spans}
    # Known names are blanked out first, so the regex only yields what is left; a run that
    # continues a known name ("Hajin Military Council", "Army Colonel Thomas Veale") is part
    # of that name, not a new one.
    blank = _blank(body, known.spans)
    mask = known.mask
    for m in _NAME_RUN.finditer(blank):
        first = m.group()
        if " " not in first and first.lower() in lex.stop:
            continue  # the commonest case: "The", "In", "Monday"
        start, end = m.start(), m.end()
        if (start >= 2 and mask[start - 2] and body[start - 1] in " -") or (
                end + 1 < len(body) and mask[end + 1] and body[end] in " -"):
            continue
        if start and (body[start - 1].isalnum() or body[start - 1] in "'’-_"):
            lead = _LEADING_PARTICLE.search(body, max(0, start - 5), start)
            if lead is None or known.overlaps(lead.start(), start):
                continue  # the middle of a word ("McDonald", "al-Qaeda-linked")
            start = lead.start()
        words = body[start:m.end()].split()
        while words and words[0].lower().rstrip(".,") in lex.stop:  # "The", "According", "Moreover"
            start = body.index(words[1], start + len(words[0])) if len(words) > 1 else m.end()
            words = words[1:]
        text = body[start:m.end()]
        if not words or len(text) < 2 or all(w.lower() in _PARTICLES for w in words):
            continue
        if text.isupper() and (len(text) > 6 or " " in text):
            continue  # an all-capitals headline or dateline line
        if text.lower().rstrip("s’'") in known_texts:
            continue  # "SDFs", "Russia's": a known name with an ending
        nxt = _LOWER_WORD.match(body, m.end(), m.end() + 20)
        kind = lex.kinds.get(words[-1].lower()) or lex.kinds.get(words[0].lower())
        kind = kind or (_KIND_AFTER.get(nxt.group(1)) if nxt else None)
        if kind is None and len(words) >= 2 and (words[0].lower() in lex.given_names or _after_byline(body, start)):
            kind = "PERSON"
        if kind is None and len(words) == 1 and (start == 0 or _SENTENCE_START.search(body, max(0, start - 4), start)):
            continue  # a capitalised first word is usually just a first word
        if kind is None and _PLACE_BEFORE.search(body, max(0, start - 12), start):
            kind = "PLACE"
        found.mention(_unknown_id(text), start, m.end(), type=kind or "MISC", name=text, known=False)


@lru_cache(maxsize=4096)
def _unknown_id(name: str) -> str:
    """The entity id of a name no gazetteer knows (cached: names recur within and across reports)."""
    return "unk:" + normalize_key(name).replace(" ", "-").replace("'", "")


def _after_byline(body: str, start: int) -> bool:
    """Whether ``start`` follows a byline's "By " at the head of its line ("By Tom Perry").

    A match can only begin at the line break before ``start`` (or at the very start), so the
    regex is tried there alone (searching the whole body before every name made this quadratic).
    """
    line = max(0, body.rfind("\n", 0, max(0, start - 1)))
    return _BYLINE.match(body, line, start) is not None


def _blank(body: str, spans: list[tuple[int, int]]) -> str:
    """``body`` with the given spans overwritten by NULs (same length, same offsets).

    NUL rather than space, so that a run of capitalised words cannot bridge a blanked name.
    """
    parts = []
    pos = 0
    for s, e in sorted(spans):
        if e <= pos:
            continue
        s = max(s, pos)
        parts.append(body[pos:s])
        parts.append("\x00" * (e - s))
        pos = e
    parts.append(body[pos:])
    return "".join(parts)


_PARTICLES = frozenset("al el as ash ad ar az at an abu bin ibn bani ben de van von der la le of the and".split())


def to_models(found: Found, body: str) -> list[dict]:
    """The collected entities as ``Entity``-shaped dicts, in order of first mention.

    Dicts, not models: the caller validates the whole extraction in one pydantic call, which
    costs a fraction of building each Mention on its own. A place's ``Geo`` is the exception:
    it is the same for every article, so it is validated once and shared (``geo_model``).
    """
    rows = [(sorted(set(row["mentions"])), row) for row in found.entities.values()]
    rows.sort(key=lambda r: r[0][0] if r[0] else (10**9, 0))  # stable: ties keep their order
    out = []
    for spans, row in rows:
        place = row.get("geo")
        out.append({
            "id": row["id"], "type": row["type"], "name": row["name"], "category": row.get("category"),
            "mentions": [{"text": body[s:e], "start": s, "end": e} for s, e in spans],
            "geo": geo_model(place) if place is not None else None, "role": row.get("role"),
            "known": row.get("known", True),
        })
    return out
