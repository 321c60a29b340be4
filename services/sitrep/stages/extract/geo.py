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
from functools import lru_cache
from typing import NamedTuple

from sitrep.models import Geo
from sitrep.stages.extract.gazetteer import Gazetteer, Hit, Place, Target
from sitrep.stages.extract.translit import Caseless

_DIRECTION = r"(?:north|south|east|west)(?:ern)?(?:[- ]?(?:north|south|east|west)(?:ern)?)?"
_GOV_AFTER = re.compile(rf"(?:['’]s?)?\s+(?:{_DIRECTION}\s+)?(?:provinces?|governorates?|countrysides?|"
                        r"country\s+side|rural\s+areas?|suburbs|desert|region)\b", re.IGNORECASE)
_GOV_LIST = re.compile(r"\s*(?:,|and|&)\s+[A-Z][\w'’-]+(?:\s+[A-Za-z][\w'’-]+)?\s+(?:provinces|governorates|countrysides)\b")
_GOV_BEFORE = Caseless(rf"(?:\b(?:province|governorate|countryside|suburbs|outskirts)\s+of\s+(?:the\s+)?|\brural\s+|"
                       rf"\b{_DIRECTION}\s+(?:countryside\s+of\s+)?)$")
_COUNTRYSIDE_WORD = re.compile(r"province|governorate|countryside|country\s+side|rural|suburbs|outskirts", re.IGNORECASE)
_PLACE_CUE = re.compile(r"\b(?:in|near|at|outside|from|to|towards?|around|into|across|of|village|town|city|hamlet|"
                        r"district|area|neighbou?rhood)\s+(?:the\s+)?$", re.IGNORECASE)
_FROM = re.compile(r"\bfrom\s+(?:the\s+)?$", re.IGNORECASE)
# Dateline at the head of the body: "DAMASCUS, (SANA) -", "Idlib, Syria (Reuters) -".
_DATELINE_TAIL = re.compile(r"\s*(?:,|\(|–|—|-|:)")

_SPECIFICITY = {"admin1": 0.7, "region": 0.8, "river": 0.3, "lake": 0.4, "country": 0.1}
_COUNTRY_WEIGHT = {"SY": 1.0, "IQ": 0.6, "LB": 0.5, "JO": 0.5, "TR": 0.5}


class PlaceMention(NamedTuple):
    start: int
    end: int
    place: Place


def resolve(text: str, hits: list[Hit], gaz: Gazetteer) -> tuple[list[PlaceMention], list[tuple[Hit, Target]]]:
    """Split name hits into place mentions and actor mentions, settling ambiguous names."""
    context_admin1: set[str | None] | None = None
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
            if kind == "place" and not first.guarded:
                places.append(_governorate(text, PlaceMention(start, end, gaz.places[first.ref]), gaz))
                continue
            if kind != "place":
                continue
        if context_admin1 is None:
            context = {t.ref for h in hits if len(h.targets) == 1 for t in h.targets if t.kind == "place"}
            context_admin1 = {gaz.places[r].admin1_id for r in context if gaz.places[r].admin1}
        actor = next((t for t in hit.targets if t.kind == "actor"), None)
        candidates = [t for t in hit.targets if t.kind == "place"]
        if candidates and (actor is not None or any(t.guarded for t in candidates)):
            # Only a name that could be a person or an actor needs the place cue looked up.
            cue = bool(_PLACE_CUE.search(text, max(0, hit.start - 40), hit.start))
            candidates = [t for t in candidates if cue or not t.guarded]
        else:
            cue = False
        if actor is not None and not (candidates and cue):
            actors.append((hit, actor))
            continue
        if not candidates:
            continue
        place = max((gaz.places[t.ref] for t in candidates), key=lambda p: _prior(p, context_admin1))
        places.append(_governorate(text, PlaceMention(hit.start, hit.end, place), gaz))
    return places, actors


def _prior(place: Place, context_admin1: set[str | None]) -> float:
    return ((2.0 if place.admin1_id in context_admin1 else 0.0) + (1.0 if place.cc == "SY" else 0.0)
            + (0.5 if place.geonameid is None else 0.0) + math.log10(place.population + 1) / 10)


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
    if "of " in window or "rural" in window or "ern " in window or "th " in window or "st " in window:
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
        if m.start <= 3 and _DATELINE_TAIL.match(body, m.end):
            weight = 0.5  # a dateline says where the reporter was, not always where it happened
        elif m.start < lead_end:
            weight += 1.0
        at = bisect_right(starts, m.start) - 1
        if at >= 0 and m.start < ends[at]:
            weight += 1.5
        if "from" in body[max(0, m.start - 12):m.start] and _FROM.search(body, max(0, m.start - 12), m.start):
            weight *= 0.4  # where fire or people came from, not where it happened
        weighted.append((m.place, weight, m.start))
    weighted += [(place, 3.0, -1) for place in title]
    weighted += [(place, 1.0, len(body)) for place in dateline]
    for place, weight, at in weighted:
        pid = place.id
        scores[pid] += weight * _SPECIFICITY.get(place.kind, 1.0) * _COUNTRY_WEIGHT.get(place.cc, 0.2)
        places[pid] = place
        if pid not in first or at < first[pid]:
            first[pid] = at
    if not scores:
        return None
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
