"""Who, where and what happened in one clean article: entities, primary location, casualties.

A thin composition of the extraction modules:

    gazetteer.scan      one Aho-Corasick pass: actor, place and cue-word hits
    geo.resolve         which place each name means; city or governorate
    entities.collect    entities with mentions, people and roles, unknown names
    claims.read_claims  casualty figures per sentence, with cause, perpetrator, place, date
    geo.primary_location

It never raises: an article that trips an unexpected case is extracted again with names and
places only (or, failing that, yields an empty ``Extraction``), with a logged warning,
because one odd article must not stop a partition. Articles not in English get the same
names-and-places extraction: the name lists hold for any Latin-script text, the casualty
grammar and the capitalised-name guesses do not. Arabic has a casualty reader of its own
(``arabic.read_claims``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import islice

from sitrep.stages.extract import arabic, geo, sentences
from sitrep.stages.extract import claims as claims_
from sitrep.stages.extract import entities as entities_
from sitrep.stages.extract.gazetteer import gazetteer
from sitrep.stages.types import CleanArticle, Extraction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """The most one article yields (docs/processing.md, 'Bounds').

    Every record the worker sends must fit a Kafka message: an article of one name
    repeated 200,000 times would otherwise carry 200,000 mentions. A real report is far
    inside these (``ops/eval/bounds.py`` prints the largest on the dev sets); an article
    beyond one keeps the first in text order, and ``Extraction.capped`` says which limit it hit.
    """

    entities: int = 500  # entities of an article; those a claim or the primary location names are kept too
    mentions: int = 500  # mentions of one entity
    mentions_total: int = 5_000  # mentions of all the entities of an article
    claims: int = 200  # casualty claims of an article
    evidence_chars: int = 2_000  # a claim's evidence: a window of its sentence around the figure


LIMITS = Limits()


def extract(clean: CleanArticle, limits: Limits = LIMITS) -> Extraction:
    """Entities, primary location and casualty claims of ``clean``, within ``limits``; never raises."""
    try:
        return _extract(clean, full=True, limits=limits)
    except Exception:  # the contract is "never raises": log it, then return what is safe
        log.warning("extract failed on article %s; retrying with names only", clean.id, exc_info=True)
    try:
        return _extract(clean, full=False, limits=limits)
    except Exception:
        log.warning("extract failed on article %s with names only", clean.id, exc_info=True)
        return Extraction()


def _extract(clean: CleanArticle, full: bool, limits: Limits = LIMITS) -> Extraction:
    """The extraction; ``full=False`` keeps to gazetteer names and places (the fallback)."""
    gaz = gazetteer()
    body = clean.body or ""
    # The casualty grammar and the capitalised-name guesses are English; the name lists are not.
    full_arabic = full and (clean.language or "").lower().startswith("ar")
    # Nigerian Pidgin ("pcm") is English-lexified: a short English report of many names can be
    # classified so, and the English grammar reads it.
    full = full and (clean.language is None or clean.language.lower().startswith(("en", "pcm")))
    hits, cues, triggers, periods = gaz.scan(body)
    # A name the body places in another governorate than the gazetteer's namesake is not that
    # namesake in the title or dateline either ("Attack on al-X" over "al-X village in Diyala").
    elsewhere: set[str] = set()
    places, actors = geo.resolve(body, hits, gaz, elsewhere=elsewhere)
    titles = [h for h in hits if h.targets[0].kind == "title"]
    title = clean.title or ""
    title_hits, title_cues, title_triggers, _ = gaz.scan(title)
    title_places, title_actors = geo.resolve(title, title_hits, gaz, context=places)
    dateline = geo.resolve(clean.dateline, gaz.scan(clean.dateline).names, gaz, context=places)[0] if clean.dateline else []
    if elsewhere:
        title_places = [m for m in title_places if m.place.id not in elsewhere]
        dateline = [m for m in dateline if m.place.id not in elsewhere]
    # "The army", "police": the forces of the country the story is in.
    country = entities_.country_of(places or [*title_places, *dateline], [*actors, *title_actors], gaz)
    actors = entities_.localise(actors, country, gaz)
    title_actors = entities_.localise(title_actors, country, gaz)
    found = entities_.collect(body, places, actors, cues, titles, gaz, heuristics=full)

    spans = sentences.split(body)
    found_claims: list[claims_.Claim] = []
    if full_arabic and arabic.is_arabic(body):
        found_claims = arabic.read_claims(body, places, gaz, country, title, clean.published)
    elif full:
        ctx = claims_.Context(
            body=body, spans=spans, cues=cues, triggers=triggers, periods=periods, actors=found.actor_mentions,
            places=places, gaz=gaz, title=title, title_cues=title_cues,
            title_actors=[(h.start, h.end, t.ref, t.air) for h, t in title_actors], published=clean.published,
            title_triggers=title_triggers,
        )
        found_claims = claims_.read_claims(ctx)
    lead = list(islice((s for s in spans if len(body[s.start:s.end].split()) >= 6), 2))  # the first two
    primary = geo.primary_location(
        places, [m.place for m in title_places], [m.place for m in dateline], lead[-1].end if lead else 0,
        [(c.sentence.start, c.sentence.end) for c in found_claims], body,
    )
    # Named only in the title or dateline: entities without body mentions, so that the
    # primary location and every perpetrator id point at an entity of the article.
    if primary is not None and primary.id not in found.entities:
        found.entities[primary.id] = {"id": primary.id, "mentions": [], "type": "PLACE", "name": primary.name,
                                      "geo": primary}
    for claim in found_claims:
        actor = gaz.actors.get(claim.perpetrator or "")
        if actor is not None and actor.id not in found.entities:
            found.entities[actor.id] = {"id": actor.id, "mentions": [], "type": actor.type, "name": actor.name,
                                        "category": actor.category, "role": actor.role}
    primary_id = primary.id if primary else None
    capped: list[str] = []
    if len(found_claims) > limits.claims:
        found_claims = found_claims[:limits.claims]
        capped.append("claims")
    casualties = [_casualty(c, body, primary_id, limits.evidence_chars) for c in found_claims]
    if any(c["evidence"]["end"] - c["evidence"]["start"] < c.pop("sentence_chars") for c in casualties):
        capped.append("evidence")
    entities = _bounded(entities_.to_models(found, body), casualties, primary_id, limits, capped)
    # One validation of the whole result: pydantic checks the nested dicts in one pass.
    return Extraction.model_validate({
        "entities": entities,
        "primary_location": primary_id,
        "casualties": casualties,
        "capped": capped,
    })


def _bounded(entities: list[dict], casualties: list[dict], primary: str | None, limits: Limits,
             capped: list[str]) -> list[dict]:
    """``entities`` within ``limits`` (first ones in text order), keeping every entity a
    claim or the primary location points at; the limits hit are added to ``capped``."""
    if len(entities) > limits.entities:
        named = {primary, *(c["perpetrator"] for c in casualties), *(c["location"] for c in casualties)}
        entities = [e for n, e in enumerate(entities) if n < limits.entities or e["id"] in named]
        capped.append("entities")
    over = False
    room = limits.mentions_total
    for entity in entities:  # in order of first mention: a late entity keeps fewer
        keep = min(limits.mentions, room)
        if len(entity["mentions"]) > keep:
            entity["mentions"] = entity["mentions"][:keep]
            over = True
        room -= len(entity["mentions"])
    if over:
        capped.append("mentions")
    return entities


def _casualty(claim: claims_.Claim, body: str, primary: str | None, evidence_chars: int) -> dict:
    r = claim.reading
    kinds = r.victims - {"unknown"}
    victims = "mixed" if len(kinds) > 1 else (next(iter(kinds)) if kinds else "unknown")
    span = claim.sentence
    start, end = span.start, span.end
    if end - start > evidence_chars:  # a "sentence" of a whole page: the window around the figure
        anchor = span.start + r.anchor
        start = max(span.start, min(anchor - evidence_chars // 2, span.end - evidence_chars))
        end = start + evidence_chars
    return {
        "killed": r.killed, "injured": r.injured, "victims": victims, "children": r.children, "women": r.women,
        "cause": claim.cause, "perpetrator": claim.perpetrator,
        "location": claim.location or primary, "date": claim.day, "cumulative": r.cumulative,
        "evidence": {"text": body[start:end], "start": start, "end": end},
        "sentence_chars": span.end - span.start,  # taken out before validation
    }


