"""Places: which place each name means, and which place an article is mainly about.

Three kinds of ambiguity are settled here, with the text around the name:

- City or governorate. "Homs" is the city; "Homs province", "the Homs countryside", "rural
  Homs", "northern Homs", "the eastern countryside of Homs" are the governorate (SY.11).
  The countryside of Damascus is Rif Dimashq, not Damascus.
- Same name, several places. GeoNames has more than one Suran or Mansoura; the one in a
  governorate the article names elsewhere wins, then Syrian over foreign, then larger.
- Place or person. A GeoNames village named like a given name ("Hasan", "Tall Omar") is
  only a place after a place cue ("the village of", "in"); otherwise the name is left to
  the actor gazetteer or the unknown-name heuristic.

``primary_location`` scores places by where they are named (title, dateline, lead, the
sentences that report casualties), how often, and how specific they are, sums the
scores per governorate (the level the reports agree on), and returns the best place of
the best governorate.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from sitrep.models import Geo
from sitrep.stages.extract.gazetteer import Gazetteer, Hit, Place, Target
from sitrep.stages.extract.translit import Caseless

_DIRECTION = r"(?:north|south|east|west)(?:ern)?(?:[- ]?(?:north|south|east|west)(?:ern)?)?"
_GOV_AFTER = re.compile(rf"(?:['’]s?)?\s+(?:{_DIRECTION}\s+)?(?:provinces?|governorates?|countrysides?|"
                        r"country\s+side|rural\s+areas?|suburbs|desert|region)\b", re.IGNORECASE)
_GOV_LIST = re.compile(r"\s*(?:,|and|&)\s+[A-Z][\w'’-]+(?:\s+[A-Za-z][\w'’-]+)?\s+(?:provinces|governorates|countrysides)\b")
# Arabic: rif (countryside) and muhafazat (governorate) before the name: "ريف إدلب", "محافظة حمص".
_ARABIC_GOV = "\u0631\u064a\u0641|\u0645\u062d\u0627\u0641\u0638\u0629"
_GOV_BEFORE = Caseless(rf"(?:\b(?:province|governorate|countryside|suburbs|outskirts)\s+of\s+(?:the\s+)?|\brural\s+|"
                       rf"\b{_DIRECTION}\s+(?:countryside\s+of\s+)?|(?:{_ARABIC_GOV})\s+)$")
_COUNTRYSIDE_WORD = re.compile(rf"province|governorate|countryside|country\s+side|rural|suburbs|outskirts|{_ARABIC_GOV}",
                               re.IGNORECASE)
# Words before a name that make it a place; "(" too: a name glossed in brackets after another
# ("Sinjar (Shingal)", "Zakho (Duhok)", "the X valley (near Y)") is another name or the area of it.
_PLACE_CUE = Caseless(r"(?:\b(?:in|near|at|outside|from|to|towards?|around|into|across|of|village|town|city|hamlet|"
                       rf"district|sub-?district|area|neighbou?rhood|nahiyat?|qada'?)\s+(?:the\s+)?(?:(?:central|{_DIRECTION})\s+)?(?:[ae]l[- ])?|"
                       r"\w\s*\(\s*(?:[a-z]+\s+){0,3}|"
                       r"\b(?:village|town|city|district|area|region|province|governorate)\s*,\s*)$")
# A place-kind word after the name: "Hawija district", "Bashir village".
_PLACE_CUE_AFTER = re.compile(r"\s+(?:village|town|city|hamlet|district|sub-?district|area|region|neighbou?rhood|camp|"
                              r"province|governorate|countryside|outskirts|subdistrict|nahiya|qada)s?\b", re.IGNORECASE)
# The place-kind word a one-word village name needs before it ("the village of Sadri"; "Bashir
# village" is _PLACE_CUE_AFTER) unless the text names its governorate or country: after a
# bare preposition alone ("in Rust") it is as often a word.
_KIND_CUE = Caseless(r"\b(?:(?:villages?|towns?|hamlets?|areas?|regions?|districts?|sub-?districts?|neighbou?rhoods?|"
                      rf"nahiyat?|qada'?|camp)\s+(?:of\s+)?|(?:outskirts|edges?|vicinity|{_DIRECTION})\s+of\s+)(?:the\s+)?$")
_FROM = re.compile(r"\bfrom\s+(?:the\s+)?$", re.IGNORECASE)
# "north of Baghdad": a bearing from a place, which the event was outside of.
_BEARING = re.compile(rf"\b{_DIRECTION}\s+of\s+(?:the\s+)?(?:(?:city|town|village)\s+of\s+)?$", re.IGNORECASE)
# A country named as a state's: "the Military Forces of Turkey", "Turkey's army", "the Turkey
# Defense Ministry".
_STATE_NOUNS = (r"(?:armed\s+)?forces|army|armies|military|troops|soldiers|government|ministry|ministries|president|"
                r"prime\s+minister|navy|air\s+force|jets|warplanes|aircraft|drones|police|intelligence|embassy|consulate|"
                r"ambassador|defen[cs]e\s+ministry|defen[cs]e|offensive|operation")
_STATE_OF = re.compile(rf"\b(?:{_STATE_NOUNS})\s+of\s+(?:the\s+)?$", re.IGNORECASE)
_STATE_AFTER = re.compile(rf"(?:['’]s)?\s+(?:(?:ongoing|new|latest|military|armed|cross-border)\s+)?(?:{_STATE_NOUNS})\b",
                          re.IGNORECASE)
# Dateline at the head of the body: "DAMASCUS, (SANA) -", "Idlib, Syria (Reuters) -".
_DATELINE_TAIL = re.compile(r"\s*(?:,|\(|–|—|-|:)")


def _dateline(text: str, start: int, end: int) -> bool:
    """Whether the name at ``start:end`` opens the text as a wire dateline ("BEIRUT, ...")."""
    return start <= 3 and _DATELINE_TAIL.match(text, end) is not None

_SPECIFICITY = {"admin1": 0.7, "district": 0.85, "subdistrict": 0.9, "region": 0.8, "river": 0.3, "lake": 0.4, "country": 0.1}
_COUNTRY_WEIGHT = {"SY": 1.0, "IQ": 0.6, "LB": 0.5, "JO": 0.5, "TR": 0.5}


class PlaceMention(NamedTuple):
    start: int
    end: int
    place: Place


def resolve(text: str, hits: list[Hit], gaz: Gazetteer, context: Iterable[PlaceMention] = (),
            elsewhere: set[str] | None = None) -> tuple[list[PlaceMention], list[tuple[Hit, Target]]]:
    """Split name hits into place mentions and actor mentions, settling ambiguous names.

    ``context``: places already resolved in the same article (the body's, for its title and
    dateline), which count with the text's own when a name has namesakes. ``elsewhere``, when
    given, receives the ids of the namesakes the text itself places in another governorate
    ("X village in Diyala province" when the gazetteer's X is elsewhere).
    """
    ctx: _Context | None = None
    places: list[PlaceMention] = []
    actors: list[tuple[Hit, Target]] = []
    for hit in hits:
        start, end, targets = hit
        first = targets[0]
        if len(targets) == 1:  # the common case: one meaning, no choice to make
            kind = first.kind
            if kind == "actor":
                actors.append((hit, first))
                continue
            if kind == "place" and not first.guarded and not first.weak:
                place = gaz.places[first.ref]
                if place.geonameid is not None and place.population < _FOREIGN_KEPT:
                    ctx = ctx or _context(text, hits, gaz, context)
                    if ctx.foreign(place):
                        continue  # a small namesake abroad ("Abu Saida" in Lebanon in an Iraqi report)
                places.append(_governorate(text, PlaceMention(start, end, place), gaz))
                continue
            if kind != "place":
                continue
        ctx = ctx or _context(text, hits, gaz, context)
        actor = next((t for t in hit.targets if t.kind == "actor"), None)
        candidates = [t for t in hit.targets if t.kind == "place"]
        if candidates and (actor is not None or any(t.guarded or t.weak for t in candidates)):
            # Only a name that could be a person, a word or an actor needs the place cue looked up.
            cue = bool(_PLACE_CUE.found(text, max(0, hit.start - 40), hit.start)
                       or _PLACE_CUE_AFTER.match(text, hit.end))
            candidates = [t for t in candidates if cue or not (t.guarded or (
                t.weak and ctx.countries.get(gaz.places[t.ref].cc, 0.0) < 1.0))]
        else:
            cue = False
        if any(t.fuzzy for t in candidates):
            # A spelling only the skeleton matched also needs a place word after it ("Missan
            # province") or its country in the rest of the text: "in Mason" is no Maysan.
            after = bool(_PLACE_CUE_AFTER.match(text, hit.end))
            candidates = [t for t in candidates if not t.fuzzy or after
                          or ctx.choosing.get(gaz.places[t.ref].cc, 0.0) >= 1.0]
        if actor is not None and not (candidates and cue):
            actors.append((hit, actor))
            continue
        # A village (the gazetteer's second tier) must fit what the rest of the text says: in a
        # governorate it names, when it names one, and never in a country it leaves out. Its
        # name is often another village's, a word or a person's, so it gives way, not the text.
        candidates = [t for t in candidates if gaz.places[t.ref].kind != "village" or ctx.fits(gaz.places[t.ref])]
        if candidates and " " not in text[hit.start:hit.end] and any(gaz.places[t.ref].kind == "village" for t in candidates):
            kind_cue = bool(_KIND_CUE.found(text, max(0, hit.start - 40), hit.start) or _PLACE_CUE_AFTER.match(text, hit.end))
            titled = text[max(0, hit.start - 4):hit.start] == "The "  # "The Mail": a title, not a village
            candidates = [t for t in candidates if gaz.places[t.ref].kind != "village"
                          or (kind_cue or ctx.agrees(gaz.places[t.ref])) and not titled]
        candidates = [t for t in candidates if not ctx.foreign(gaz.places[t.ref])]
        if not candidates:
            continue
        place = max((gaz.places[t.ref] for t in candidates), key=ctx.prior)
        places.append(_governorate(text, PlaceMention(hit.start, hit.end, place), gaz))
    if places:
        acting = {h.start for h, _ in actors} | {h.end for h, _ in actors}
        places = [m for m in places if not _fragment(text, m, gaz, acting)]
    return _placed_in(text, places, elsewhere), actors


# A small place's name glued to another capitalised word is a piece of a longer name the
# gazetteer lacks ("Amuda Kelmo", "Umm Saraqib"): that place, not the one matched.
_FRAGMENT_MAX = 100_000
_NEXT_WORD = re.compile(r" (?:(?:al|el|an|ar|as|ash|ad|at|az)[- ])?([A-Z][\w'’]*)")
_PREV_WORD = re.compile(r"(?:^|(?<=[\s(\[\"“]))([A-Z][\w'’]*) $")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;]\s*)$")
_WORD = re.compile(r"[^\W\d_]+")


def _fragment(text: str, m: PlaceMention, gaz: Gazetteer, acting: set[int]) -> bool:
    """Whether a small place's mention is part of a longer capitalised name: the word right
    after or right before it (one space apart) is capitalised, is no actor's name, and is
    neither a common word ("On", "Syrian") nor a kind of name ("Province", "Airport"); before
    it, a word that begins settlement names ("Tal", "Umm") is one of a longer name. Such a
    word before a governorate's name is one too ("Tal X" is a village, not the governorate X)."""
    place = m.place
    if place.kind == "admin1":
        prev = _PREV_WORD.search(text, max(0, m.start - 30), m.start)
        return bool(prev and prev.group(1).lower() in gaz.name_prefixes) and not _headline(text, m)
    if place.population >= _FRAGMENT_MAX or place.kind == "country" or (
            place.geonameid is None and place.kind != "subdistrict"):
        return False
    nxt = _NEXT_WORD.match(text, m.end)
    if nxt and nxt.start(1) not in acting and nxt.group(1).lower() not in gaz.plain_words:
        return not _headline(text, m)
    before = text[max(0, m.start - 30):m.start]
    prev = _PREV_WORD.search(before)
    if (prev and m.start - len(before) + prev.end(1) not in acting and prev.group(1).lower() not in gaz.plain_before
            and not _SENTENCE_END.search(before, 0, prev.start(1))):
        return not _headline(text, m)
    return False


def _headline(text: str, m: PlaceMention) -> bool:
    """Whether the words around a mention are mostly capitalised (a headline): no evidence there."""
    words = _WORD.findall(text, max(0, m.start - 60), m.end + 60)
    return sum(w[0].isupper() for w in words) * 2 > len(words)


# "<place> (village) in <governorate>", "<place>, <governorate> province", "<village> of <district>",
# "<village>, west of <town>": the text says where the place is; a gazetteer namesake in another
# governorate is another place of that name (the one meant is one the gazetteer lacks).
_GLOSS = r"(?:\([^()]{1,30}\)\s*)?"
_KIND_WORD = r"(?:(?:village|town|city|area|district|sub-?district|region|neighbou?rhood|camp|road|highway)s?\s*)?"
_CONTAINER_TAIL = rf"\s+(?:the\s+)?(?:(?:central|{_DIRECTION})\s+)?(?:(?:city|town|district)\s+of\s+)?$"
_IN_BETWEEN = re.compile(rf"\s*{_GLOSS}{_KIND_WORD}{_GLOSS}(?:,|\bin|\bof){_CONTAINER_TAIL}", re.IGNORECASE)
# Near a place only says as much for a village or an area: a town "north of Baghdad" is not in it.
_NEAR_BETWEEN = re.compile(rf"\s*{_GLOSS}{_KIND_WORD}{_GLOSS},?\s*(?:\bnear|\boutside|\b(?:on|in)\s+the\s+"
                           rf"(?:outskirts|edges?)\s+of|\b{_DIRECTION}\s+of){_CONTAINER_TAIL}", re.IGNORECASE)
# What can hold a place: a governorate, a district, a town (not a village: many share a name).
_CONTAINERS = frozenset({"admin1", "district", "subdistrict", "city", "town"})
_NEAR_ONLY = 20_000  # a place this small is where "near <town>" says it is
# "X, southwest of Baghdad": near a town says nothing of the governorate (a town's outskirts
# cross into the next one), only that X is close; a namesake this close is the place meant.
_NEAR_KM = 80.0
_CENTROID_KM = 60.0  # a subdistrict's position is its district's or governorate's: allow for the error


def _km(a: Place, b: Place) -> float:
    """Great-circle distance between two places, in kilometres."""
    la1, la2 = math.radians(a.lat), math.radians(b.lat)
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    return 12_742.0 * math.asin(min(1.0, math.sqrt(h)))


def _placed_in(text: str, mentions: list[PlaceMention], elsewhere: set[str] | None = None) -> list[PlaceMention]:
    kept = []
    for i, m in enumerate(mentions):
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        if (nxt is not None and nxt.place.kind in _CONTAINERS and nxt.place.admin1_id
                and m.place.kind != "admin1" and (m.place.geonameid is not None or m.place.kind == "subdistrict")
                and m.place.admin1_id != nxt.place.admin1_id and nxt.start - m.end <= 48
                and (_IN_BETWEEN.fullmatch(text, m.end, nxt.start)
                     or m.place.population < _NEAR_ONLY and _NEAR_BETWEEN.fullmatch(text, m.end, nxt.start)
                     and _km(m.place, nxt.place) > _NEAR_KM + (_CENTROID_KM if m.place.kind == "subdistrict" else 0.0))):
            if elsewhere is not None:
                elsewhere.add(m.place.id)
            continue
        kept.append(m)
    return kept


# A place abroad this large is meant even in a report about another country (Beirut, Ankara);
# a smaller one is then a namesake of a place the gazetteer may not hold.
_FOREIGN_KEPT = 500_000


def _never_foreign(place: Place) -> bool:
    """A place meant wherever the rest of the text is: large, a governorate, a country."""
    return place.population >= _FOREIGN_KEPT or place.kind in ("admin1", "country")


# How much each kind of mention says about which country a report is about.
_COUNTRY_EVIDENCE = {"admin1": 3.0, "country": 2.0}


class _Context:
    """Which governorates and countries the rest of an article names."""

    def __init__(self, admin1: set[str], countries: dict[str, float], own: dict[str, float],
                 named: set[str] | None = None, placed: set[str] | None = None, sides: Iterable[str] = (),
                 stated: dict[str, float] | None = None, towns: Iterable[Place] = (),
                 anchored: dict[str, float] | None = None) -> None:
        self.admin1 = admin1
        # Governorates of every first-tier place the text may mean, namesakes included ("Mosul"
        # the city and the district): what a village must agree with.
        self.named = admin1 | (named or set())
        self.placed = placed or set()  # countries of the places found, countries named (not demonyms)
        self.countries = countries
        self.own = own  # what each place's own mentions added to its country's evidence
        # For choosing among namesakes only: the countries, plus the home countries of the sides.
        self.choosing = dict(countries)
        for cc in sides:
            self.choosing[cc] = self.choosing.get(cc, 0.0) + 1.0
        self.top = max(self.choosing.values(), default=0.0)
        # Places and country names only: a demonym or a side says who acted ("Turkish jets"),
        # not where, so neither makes the place it acted in a namesake abroad.
        self.stated = countries if stated is None else stated
        self.towns = tuple(towns)  # first-tier places the text names, with their own positions
        # Evidence by country of the places never taken for namesakes abroad (a large city, a
        # governorate, a country's name), even as one of several meanings of a name: a
        # country so named cannot be dropped in turn.
        self.anchored = anchored or {}
        self._evidence = max(self.top, max(self.anchored.values(), default=0.0)) >= 1.0
        self._abroad: dict[str, tuple[float, float]] = {}  # by country: see _elsewhere

    def _elsewhere(self, cc: str) -> tuple[float, float]:
        """The evidence for other countries than ``cc``: of places never foreign, and of any
        place or country name. Kept per country: an article asks it for each of its places."""
        found = self._abroad.get(cc)
        if found is None:
            anchored = max((v for c, v in self.anchored.items() if c != cc), default=0.0)
            found = self._abroad[cc] = (anchored, max(anchored, max((v for c, v in self.stated.items() if c != cc), default=0.0)))
        return found

    def foreign(self, place: Place) -> bool:
        """A small place in a country the rest of the article does not name, when it names another."""
        if not self._evidence or _never_foreign(place):
            return False
        anchored, elsewhere = self._elsewhere(place.cc)
        own = self.own.get(place.id, 0.0)
        here = self.choosing.get(place.cc, 0.0) - own
        # Elsewhere must outweigh the place's own mention too: two lone small places in two
        # countries would otherwise each make the other a namesake abroad, and both be dropped.
        # Against a place that is never dropped so, matching it is enough.
        return elsewhere >= 1.0 and (elsewhere > own or anchored >= own) and here * 3 < elsewhere

    def fits(self, place: Place) -> bool:
        """Whether a lesser place agrees with the governorates and the countries whose places
        the text names: a demonym alone says who acted ("Turkish jets"), not where."""
        if self.named:
            # or close to a town the text names: "the village of X, south of <town>" may lie
            # across the governorate line
            return place.admin1_id in self.named or any(
                t.cc == place.cc and _km(place, t) <= _NEAR_KM for t in self.towns)
        return all(cc == place.cc for cc in self.placed)

    def agrees(self, place: Place) -> bool:
        """Whether the rest of the text names the place's governorate, or its country (by name or
        demonym) and no place elsewhere."""
        return place.admin1_id in self.named or (
            self.countries.get(place.cc, 0.0) >= 1.0 and all(cc == place.cc for cc in self.placed))

    def prior(self, place: Place) -> float:
        """How likely a namesake is meant: its governorate or country named, then its size; among
        unpeopled villages, the one GeoNames lists under more names (a better-known place)."""
        share = self.choosing.get(place.cc, 0.0) / self.top if self.top else _DEFAULT_COUNTRY.get(place.cc, 0.0)
        return ((3.0 if place.admin1_id in self.admin1 else 0.0) + 1.5 * share
                + (0.5 if place.geonameid is None and place.kind != "subdistrict" else 0.0)
                + (0.2 if place.kind not in ("district", "subdistrict") else 0.0)
                + math.log10(place.population + 1) / 10 + min(place.names, 10) / 100)


# Without any clue in the text, the countries the reports are mostly about.
_DEFAULT_COUNTRY = {"SY": 0.6, "IQ": 0.5}


# A country named as what lies across a border ("near the border with Syria") says where the
# place is not: no evidence that the report is about it.
_ACROSS = re.compile(r"\bborders?\s+(?:with|of)\s+(?:the\s+)?$", re.IGNORECASE)


def _context(text: str, hits: list[Hit], gaz: Gazetteer, extra: Iterable[PlaceMention]) -> _Context:
    admin1: set[str] = set()
    countries: dict[str, float] = defaultdict(float)
    found: list[tuple[Place, list[Place]]] = []  # a place the text names, and every place its name may be
    anchored: dict[str, float] = defaultdict(float)  # evidence by country of places never foreign
    for h in hits:
        if _dateline(text, h.start, h.end):
            continue  # a dateline says where the reporter is, not the event
        if len(h.targets) == 1:
            t = h.targets[0]
            if t.kind == "place" and not t.guarded and not t.weak and not _ACROSS.search(text, max(0, h.start - 30), h.start):
                found.append((gaz.places[t.ref], [gaz.places[t.ref]]))
        elif all(t.kind == "place" and not t.guarded for t in h.targets) and any(not t.weak for t in h.targets):
            # Namesakes in one governorate ("Erbil" the city and the district) say which
            # governorate as clearly as one place does; as country evidence they stay out, with
            # the other ambiguous names ("Derek" is a Syrian town's Kurdish name and a man's).
            same = [gaz.places[t.ref] for t in h.targets]
            if len({p.admin1_id for p in same}) == 1 and same[0].admin1_id:
                admin1.add(same[0].admin1_id)
                # A large city among them ("Baghdad" the city and the district) still makes a
                # small namesake abroad unlikely (``_Context.foreign``).
                large = max(same, key=lambda p: p.population)
                if large.population >= _FOREIGN_KEPT:
                    anchored[large.cc] += 1.0
    found += [(m.place, [m.place]) for m in extra]
    own: dict[str, float] = defaultdict(float)
    for place, each in found:
        if place.admin1_id:
            admin1.add(place.admin1_id)
        evidence = _COUNTRY_EVIDENCE.get(place.kind, 1.0)
        countries[place.cc] += evidence
        if _never_foreign(place):
            anchored[place.cc] += evidence
        for one in each:  # its own mention, whichever of the namesakes it turns out to be
            own[one.id] += evidence
    stated = dict(countries)
    for cc, count in gaz.demonym_counts(text).items():
        countries[cc] += count
    # A side that fights in one country only (the PMF, the SDF: "home" in actors.yaml) tells
    # namesakes apart as a country name would, once per side; it licenses no doubtful name.
    sides: set[str] = set()
    named: set[str] = set()  # governorates of the places named, villages aside
    towns: dict[str, Place] = {}  # first-tier towns named, by id
    for h in hits:  # one pass for the three
        for t in h.targets:
            if t.kind == "actor":
                if country := gaz.actors[t.ref].country:
                    sides.add(country)
            elif t.kind == "place" and not t.guarded:
                place = gaz.places[t.ref]
                if place.admin1_id and place.kind != "village":
                    named.add(place.admin1_id)
                if not t.weak and place.geonameid is not None and place.kind in ("city", "town"):
                    towns[place.id] = place
    named.update(m.place.admin1_id for m in extra if m.place.admin1_id)
    placed = {place.cc for place, _ in found}
    return _Context(admin1, dict(countries), dict(own), named, placed, sides, stated, towns.values(), anchored)


def _governorate(text: str, mention: PlaceMention, gaz: Gazetteer) -> PlaceMention:
    """The governorate instead of its seat city when the words around say so ("Homs province")."""
    place = mention.place
    if place.governorate is None and place.kind != "admin1":
        return mention
    own = place.governorate or place.id
    after = _GOV_AFTER.match(text, mention.end)
    if after:
        target = gaz.countryside[own] if _COUNTRYSIDE_WORD.search(after.group()) else own
        return PlaceMention(mention.start, after.end(), gaz.places[target])
    window = text[max(0, mention.start - 40):mention.start].lower()
    if ("of " in window or "rural" in window or "ern " in window or "th " in window or "st " in window
            or not window.isascii()):
        before = _GOV_BEFORE.span(text, max(0, mention.start - 40), mention.start)
        if before:
            start, end = before
            target = gaz.countryside[own] if _COUNTRYSIDE_WORD.search(text[start:end]) else own
            return PlaceMention(start, mention.end, gaz.places[target])
    if _GOV_LIST.match(text, mention.end):
        return PlaceMention(mention.start, mention.end, gaz.places[own])
    return mention


def geo_of(place: Place) -> dict:
    """The output contract's ``Geo`` for a place, as the dict it is validated from."""
    return {"lat": place.lat, "lon": place.lon, "country_code": place.cc, "admin1_code": place.admin1,
            "admin1_name": place.admin1_name, "geonameid": place.geonameid}


@lru_cache(maxsize=4096)
def geo_model(place: Place) -> Geo:
    """``geo_of`` validated, once per place: models are frozen, so articles can share it."""
    return Geo.model_validate(geo_of(place))


def primary_location(
    mentions: list[PlaceMention],
    title: list[Place],
    dateline: list[Place],
    lead_end: int,
    evidence: list[tuple[int, int]],
    body: str,
) -> Place | None:
    """The place the article is mainly about, or None when it names no place."""
    scores: dict[str, float] = defaultdict(float)
    first: dict[str, int] = {}
    places: dict[str, Place] = {}
    weighted: list[tuple[Place, float, int]] = []
    # The claims' sentences as sorted disjoint spans, bisected for each mention: a scan of
    # every claim for every mention is quadratic on an article of thousands of claims.
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(evidence):
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    for m in mentions:
        weight = 1.0
        if _dateline(body, m.start, m.end):
            weight = 0.5  # a dateline says where the reporter was, not always where it happened
        elif m.start < lead_end:
            weight += 1.0
        at = bisect_right(starts, m.start) - 1
        if at >= 0 and m.start < ends[at]:
            weight += 1.5
        if "from" in body[max(0, m.start - 12):m.start] and _FROM.search(body, max(0, m.start - 12), m.start):
            weight *= 0.4  # where fire or people came from, not where it happened
        elif (m.place.kind != "admin1" and " of " in body[max(0, m.start - 30):m.start]
              and _BEARING.search(body, max(0, m.start - 30), m.start)):
            weight *= 0.5  # a town the event is placed from, not the place itself ("west of" a province is in it)
        if m.place.kind == "country" and (_STATE_OF.search(body, max(0, m.start - 40), m.start)
                                          or _STATE_AFTER.match(body, m.end)):
            weight *= 0.2  # "the Military Forces of Turkey", "Turkey's army": who acted, not where
        weighted.append((m.place, weight, m.start))
    weighted += [(place, 3.0, -1) for place in title]
    weighted += [(place, 1.0, len(body)) for place in dateline]
    if not weighted:
        return None
    # The country the article names most (its governorates and country names count more)
    # weighs its places fully; elsewhere a fixed preference for the region's countries.
    mass: dict[str, float] = defaultdict(float)
    for place, _, _ in weighted:
        mass[place.cc] += _COUNTRY_EVIDENCE.get(place.kind, 1.0)
    top = max(mass.values())
    for place, weight, at in weighted:
        pid = place.id
        country = 0.4 + 0.6 * mass[place.cc] / top if len(mass) > 1 else _COUNTRY_WEIGHT.get(place.cc, 0.2)
        scores[pid] += weight * _SPECIFICITY.get(place.kind, 1.0) * country
        places[pid] = place
        if pid not in first or at < first[pid]:
            first[pid] = at
    group_of = {pid: places[pid].admin1_id or pid for pid in scores}
    groups: dict[str, float] = defaultdict(float)
    group_first: dict[str, int] = {}
    for pid, score in scores.items():
        g = group_of[pid]
        groups[g] += score
        group_first[g] = min(group_first.get(g, first[pid]), first[pid])
    best_group = max(groups, key=lambda g: (groups[g], -group_first[g]))
    members = [p for p in scores if group_of[p] == best_group]
    # Within the governorate the most named specific place wins; the governorate itself only
    # when nothing more specific is named in it.
    return places[max(members, key=lambda p: (places[p].kind != "admin1", scores[p], -first[p]))]
