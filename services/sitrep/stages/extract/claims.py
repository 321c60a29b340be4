"""Casualty claims of an article: each sentence's figures with cause, perpetrator, place and date.

The figures come from ``casualties.read``. The rest is looked for in the sentence first, then
in the sentences around it and the title, because reports often put the toll and its cause
apart ("Air strikes hit Idlib on Tuesday. At least 20 people were killed, the Observatory
said."):

- cause: the sentence's strongest cue word (chemical > car bomb/IED/mine > airstrike >
  execution > shelling > blast > shooting > clashes); a weak one like "attack" only when no
  stronger cue is near.
- perpetrator: the actor that does the killing. Named by "by" ("shelling by regime forces"),
  fused with the weapon ("Russian jets", "IS car bomb", "terrorists fired rocket shells"), or
  subject of the sentence; never an actor inside the victim phrase ("31 IS militants") or the
  target of the attack ("strikes on IS positions").
- location: the most specific place named in the sentence, else the primary location.
- date: "yesterday", "on Tuesday" counted back from the publication date, else that date.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from sitrep.stages.extract import casualties
from sitrep.stages.extract.gazetteer import Gazetteer, Hit
from sitrep.stages.extract.geo import PlaceMention
from sitrep.stages.extract.sentences import Span
from sitrep.stages.extract.translit import Caseless

_OBJECT_BEFORE = Caseless(r"\b(?:against|targeting|targeted|target|on|at|struck|hit|hitting|striking|fighting|"
                         r"battling|attacked|attacking|bombed|shelled|from|with|between|versus|vs\.?|to|into|"
                         r"(?:positions|areas|territory|territories|hideouts|headquarters|strongholds|bases|"
                         r"gatherings|fortifications|ranks|control|hands|remnants|dozens|scores|hundreds)\s+of|"
                         r"over|for|killed|killing|wounded|injured|among|including)\s+(?:the\s+|a\s+)?$")
_SUBSET_BEFORE = Caseless(r"\b(?:including|among\s+them|among\s+the\s+dead(?:\s+were)?|mostly)\s+(?:\S+\s+){0,2}$")
# The word after an actor that makes it a target or a descriptor, not the one who killed:
# "IS-held", "regime positions", "Russian-backed"; or part of an organisation's name: "the
# Syrian American Medical Society".
_NEXT_WORD = re.compile(r"(?:['’]s)?[\s-]*([A-Za-z]+)")
_OBJECT_NEXT = frozenset(
    "held controlled run besieged backed allied supported sponsored trained armed position positions post posts "
    "target targets hideout hideouts headquarters stronghold strongholds territory territories area areas base "
    "bases convoy ranks lines vehicle vehicles checkpoint checkpoints house houses home homes office offices "
    "building buildings station stations depot depots barracks facility facilities".split())
# "X backed by Y": X is no descriptor ("X-backed militias") but the side that acts.
_THEN_BY = re.compile(r"\s+by\b")
_ORG_NEXT = frozenset(
    "Medical Red Human News Press Embassy Foreign University Society Network Council Institute Observatory "
    "Ambassador Consulate Media Television Agency Command Directorate Department Headquarters Station Academy "
    "College".split())
_BY = Caseless(r"\bby\s+(?:the\s+|an?\s+)?(?:(?:suspected|alleged|unidentified|unknown)\s+)?$|"
              r"\b(?:believed|thought|suspected|said)\s+to\s+(?:be|have\s+been)\s+(?:the\s+)?$|"
              r"\b(?:aircraft|warplanes|jets|planes|helicopters|drones|artillery|forces|troops|fighters|militants|"
              r"members|snipers|gunmen)\s+(?:of|belonging\s+to|from)\s+(?:the\s+)?$|"
              r"\b(?:blamed|blaming|accused|accusing|blames|accuses)\s+(?:the\s+)?$")
# "Islamic State said it carried out the bombing": the one sentence where the subject is the
# perpetrator even two sentences away from the toll.
_CLAIMED = Caseless(r"claimed\s+(?:responsibility|the\s+(?:attack|bombing|blast|killing))|"
                   r"said\s+(?:it|they)\s+(?:had\s+)?(?:carried\s+out|was\s+behind|were\s+behind)|"
                   r"(?:took|claims?|claiming)\s+responsibility")
_ATTACK_VERB = Caseless(r"\b(?:fired|fire|targeted|target|shelled|shell|launched|struck|strike|attacked|"
                       r"opened\s+fire|detonated|dropped|bombed|pounded|stormed|carried\s+out|blew\s+up|"
                       r"raided|executed|ambushed)\b")
# Last words that the regexes above can end on (a cheap test before running them).
_BY_WORDS = frozenset("by the a an suspected alleged unidentified unknown be been of to from blamed blaming accused accusing "
                      "blames accuses".split())
_BY_ENDINGS = tuple(_BY_WORDS)
_BY_BEFORE_THE = tuple("by be been of to from blamed blaming accused accusing blames accuses".split())  # "by the"
_SUBSET_WORDS = frozenset("including them dead were mostly".split())
_OBJECT_WORDS = frozenset(
    "against targeting targeted target on at struck hit hitting striking fighting battling attacked attacking bombed "
    "shelled from with between versus vs vs. to into over for killed killing wounded injured among including the a "
    "of".split())
# "were killed in clashes with X": the other side of the fighting did the killing.
_CLASH_WITH = Caseless(r"\b(?:clash(?:es|ed)?|fighting|fights?|fought|battles?|battling|confrontations?|firefights?|"
                      r"skirmish(?:es)?|exchange\s+of\s+fire|gunfights?|gun\s+battles?|engagements?|ambush(?:ed)?|"
                      r"attacks?|attacked)\s+(?:with|against|by)\s+(?:the\s+|an?\s+)?$")
_FROM = re.compile(r"\bfrom\s+(?:the\s+)?$", re.IGNORECASE)
# A "by" whose actor did not kill: who tells of the deaths ("as reported by X"; but "claimed
# by X" is the perpetrator's claim), who backed the side that did ("forces backed by X"), or
# whose the place or thing hit was ("a tunnel used by X").
_BY_NO_AGENT = Caseless(r"\b(?:reported|announced|confirmed|stated|cited|quoted|published|documented|released|"
                        r"monitored|recorded|verified|backed|aided|supported|assisted|helped|escorted|accompanied|"
                        r"sponsored|funded|trained|equipped|advised|used|owned|operated|held|controlled|occupied|"
                        r"run|manned)\s+by\s+(?:the\s+|an?\s+)?$")
# Who tells of the deaths as a sentence's subject: "X confirmed the killing of its fighters",
# "X said 5 soldiers died" (but "X said it carried out", "X announced on Monday that its
# jets killed").
_REPORTS = re.compile(r"(?:['’]s)?(?:\s+(?:activists?|sources?|officials?|media|spokes(?:man|woman|person)|commanders?|"
                      r"monitors?|groups?|leaders?|statement|ministry|\w+\s+ministry))?(?:\s+\w+ly)?\s+(?:sa(?:id|ys|y)|"
                      r"confirm(?:ed|s)?|announce[ds]?|report(?:ed|s)?|state[ds]?|mourn(?:ed|s)?|acknowledge[ds]?|"
                      r"admit(?:ted|s)?|den(?:ied|ies|y)|told|condemn(?:ed|s)?|denounce[ds]?|deplore[ds]?|call(?:ed|s)?|"
                      r"urge[ds]?|welcome[ds]?|expresse[ds]?)\b(?!(?:[^.;]{0,30}?\s+that)?\s+(?:it|they|its|their)\b)")
# After the victims, their own side: "2 fighters from the X", "members of X".
_AFFILIATION = re.compile(r",?\s+(?:of|from|belonging\s+to|affiliated\s+with)\s+(?:the\s+)?")
_FOILED = Caseless(r"repel|thwart|foil|repuls|against")  # "repelled an attack by X"
# A war's running total, beyond the markers listed in the lexicon: "the 21-month conflict",
# "the war has so far killed".
_WAR = r"(?:civil\s+)?(?:war|conflict|uprising|insurgency|crisis|revolt|revolution)"
_WAR_TOTAL = re.compile(rf"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)"
                        rf"[- ](?:year|month|week)s?(?:[- ]old|[- ]long)?[- ]{_WAR}\b|"
                        rf"\b{_WAR}\s+(?:has|have|had)\s+(?:so\s+far\s+|already\s+|now\s+)?(?:killed|claimed|left)\b",
                        re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WHEN = re.compile(r"\b(yesterday|last\s+night|today|this\s+morning|tonight|(?:on|late|early|last)\s+("
                   + "|".join(_WEEKDAYS) + r"))\b", re.IGNORECASE)
_CUE_REACH = 120  # characters between a casualty figure and a cue word of its own sentence
# An agent of an event without a toll needs more than being the sentence's subject: an attack
# verb or weapon right after it, "by", or a claim of responsibility.
_EVENT_FLOOR = 4
_PASSIVE_ATTACK = Caseless(r"\b(?:came|come|comes|coming)\s+under\s+(?:\w+\s+)?(?:attack|fire|shelling|bombardment)|"
                          r"\b(?:was|were|been|being|is|are)\s+(?:\w+\s+)?(?:targeted|attacked|struck|hit|shelled|"
                          r"bombed|ambushed|raided|stormed|pounded)\b")
_AIR_FALLBACK = ("actor:russia", "actor:syrian-government", "actor:us-led-coalition", "actor:united-states",
                 "actor:turkey", "actor:israel", "actor:iraq")


@dataclass
class Claim:
    """A casualty claim being assembled; ``Casualty`` fields plus where it came from."""

    sentence: Span
    reading: casualties.Reading
    cause: str = "unknown"
    cause_rank: int = 0  # 3: from the sentence itself, 2: the sentences around, 1: the title, 0: the article
    perpetrator: str | None = None
    perpetrator_rank: int = 0
    location: str | None = None
    day: date | None = None


class Side(NamedTuple):
    """One text's actor mentions and cue hits in text order, with their starts for bisecting.

    The claim reader asks "which actors (cues) start between here and there" for every
    sentence; on sorted starts that is two bisections instead of a pass over the article.
    """

    text: str
    actors: list[tuple[int, int, str, bool]]  # start, end, actor id, air alias
    actor_starts: list[int]
    cues: list[Hit]
    cue_starts: list[int]


def side_of(text: str, actors: list[tuple[int, int, str, bool]], cues: list[Hit]) -> Side:
    """The ``Side`` of ``text``: its mentions sorted by start (they do not overlap)."""
    actors = sorted(actors, key=lambda a: a[0])
    cues = sorted(cues, key=lambda c: c.start)
    return Side(text, actors, [a[0] for a in actors], cues, [c.start for c in cues])


@dataclass
class Context:
    """What the claims of one article draw on."""

    body: str
    spans: list[Span]
    cues: list[Hit]
    triggers: list[int]  # offsets of casualty words, sorted
    periods: list[int]  # offsets of running-total markers ("since 2011"), sorted
    actors: list[tuple[int, int, str, bool]]  # start, end, actor id, air alias
    places: list[PlaceMention]
    gaz: Gazetteer
    title: str = ""
    title_cues: list[Hit] = field(default_factory=list)
    title_actors: list[tuple[int, int, str, bool]] = field(default_factory=list)
    published: date | None = None
    title_triggers: list[int] = field(default_factory=list)  # offsets of casualty words in the title
    votes: dict[str, Counter] = field(default_factory=dict)  # article-wide perpetrator votes per cause
    donors: list[bool] = field(default_factory=list)  # per sentence: may lend cause/perpetrator to a neighbour
    victims: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # per sentence: its victims' spans
    body_side: Side = field(init=False)
    title_side: Side = field(init=False)
    places_by_start: list[PlaceMention] = field(init=False)
    place_starts: list[int] = field(init=False)
    home: str | None = field(init=False)  # the country most places after a dateline are in
    title_victims: list[tuple[int, int]] = field(init=False)  # "2 soldiers killed by ...": never the killer

    def __post_init__(self) -> None:
        self.body_side = side_of(self.body, self.actors, self.cues)
        self.title_side = side_of(self.title, self.title_actors, self.title_cues)
        self.places_by_start = sorted(self.places, key=lambda m: m.start)
        self.place_starts = [m.start for m in self.places_by_start]
        skip = self.dateline_end
        countries = Counter(m.place.cc for m in self.places if m.start >= skip) if skip else Counter()
        self.home = countries.most_common(1)[0][0] if countries else None
        victims = casualties.read(self.title, self.title_triggers) if self.title_triggers else None
        self.title_victims = victims.spans if victims else []
    @property
    def dateline_end(self) -> int:
        """Where a wire dateline ("BEIRUT, April 12 (Reuters) -") ends; 0 when there is none."""
        m = _DATELINE.match(self.body)
        return m.end() if m else 0


def read_claims(ctx: Context) -> list[Claim]:
    """One claim per sentence that reports casualties, cause/perpetrator/date filled in."""
    readings: dict[int, casualties.Reading] = {}
    triggers = ctx.triggers
    for i in _sentences_with(ctx.spans, triggers):  # only a sentence with a casualty word can tell a toll
        span = ctx.spans[i]
        lo, hi = bisect_left(triggers, span.start), bisect_left(triggers, span.end)
        text = ctx.body[span.start:span.end]
        cumulative = bisect_left(ctx.periods, span.start) != bisect_left(ctx.periods, span.end) or bool(
            _WAR_TOTAL.search(text))
        reading = casualties.read(text, [t - span.start for t in triggers[lo:hi]], cumulative)
        if reading is not None:
            readings[i] = reading
    # Each sentence's victims, never a killer even where another sentence's claim looks for one.
    ctx.victims = {i: [(ctx.spans[i].start + a, ctx.spans[i].start + b) for a, b in r.spans]
                   for i, r in readings.items()}
    # A sentence with figures of its own lends nothing to its neighbours: "22 terrorists were
    # killed in airstrikes" says how those 22 died, not the soldier of the sentence before.
    ctx.donors = [i not in readings for i in range(len(ctx.spans))]
    claims = []
    for i, reading in readings.items():
        span = ctx.spans[i]
        claim = Claim(span, reading)
        anchor = span.start + reading.anchor
        if reading.cumulative:
            # A running total ("since 2011") has no single cause or author: only what its own
            # sentence says, never what the neighbouring event report says.
            own = _best_cue(ctx.body_side, span.start, span.end, anchor)
            claim.cause = own[0] if own and own[1] >= 3 else "unknown"
            found = _agent(ctx.body_side, span.start, span.end, anchor, claim.cause,
                           [(span.start + a, span.start + b) for a, b in reading.spans], True, ctx.gaz, floor=4)
            claim.perpetrator = found[1] if found and found[0] >= 4 else None
        else:
            victims = tuple((span.start + a, span.start + b) for a, b in reading.spans)
            claim.cause, claim.cause_rank = _cause(ctx, i, anchor, victims)
            claim.perpetrator, claim.perpetrator_rank = _perpetrator(ctx, i, anchor, claim.cause, reading)
            if claim.cause == "unknown" and claim.perpetrator and claim.perpetrator_rank >= 2:
                # Killed by a named side, and no weapon named anywhere in the article: an
                # attack by armed men, coded as ACLED codes attacks and clashes.
                claim.cause = "shooting"
        claim.location = _location(ctx, i)
        claim.day = _day(ctx.body[span.start:span.end], ctx.published)
        claims.append(claim)
    if not claims:
        event = _event_claim(ctx)
        return [event] if event is not None else []
    return _merge(claims)


def _event_claim(ctx: Context) -> Claim | None:
    """A claim without figures for a report of an attack that tells no casualties.

    "Turkish warplanes bombed PKK positions", "IS militants attacked a village": an event
    with a cause and a side that acted, but no toll. Its ``killed`` and ``injured`` stay
    unknown (None), never zero: the report does not say nobody died. Only the first
    sentence whose attack word has a plain agent (the subject of an attack verb, fused with
    the weapon, named by "by", or claiming it) makes one; a target or a bystander never does.
    """
    side = ctx.body_side
    for i, span in enumerate(ctx.spans):
        lo, hi = bisect_left(side.cue_starts, span.start), bisect_left(side.cue_starts, span.end)
        attack = _ATTACK_VERB.span(ctx.body, span.start, span.end)
        if lo == hi and attack is None:
            continue
        at = min(side.cue_starts[lo] if lo < hi else span.end, attack[0] if attack else span.end)
        cause = _best_cue(side, span.start, span.end, at)
        # "The army's checkpoint came under attack by X": what stands before a passive attack
        # verb was hit; only "by" after it names who acted.
        passive = _PASSIVE_ATTACK.span(ctx.body, span.start, span.end)
        skip = [(max(span.start, passive[0] - 40), passive[1])] if passive else []
        found = _agent(side, span.start, span.end, at, cause[0] if cause else "unknown", skip, True, ctx.gaz,
                       floor=_EVENT_FLOOR)
        if found is None or found[0] < _EVENT_FLOOR:
            continue
        claim = Claim(span, casualties.Reading(anchor=at - span.start, spans=[]))
        claim.cause = cause[0] if cause and cause[1] >= 3 else ("shooting" if cause else "unknown")
        claim.cause_rank = 3
        claim.perpetrator, claim.perpetrator_rank = found[1], 3
        claim.location = _location(ctx, i)
        claim.day = _day(ctx.body[span.start:span.end], ctx.published)
        return claim
    return None


def _sentences_with(spans: list[Span], offsets: list[int]) -> list[int]:
    """Indices of the sentences (in order, each once) that one of the sorted ``offsets`` falls in."""
    starts = [span.start for span in spans]
    found: list[int] = []
    for at in offsets:
        i = bisect_right(starts, at) - 1
        if i >= 0 and at < spans[i].end and (not found or found[-1] != i):
            found.append(i)
    return found


def _neighbours(ctx: Context, i: int) -> list[Span]:
    """The sentences just before and after sentence ``i`` that have no figures of their own.

    Paragraph ends are crossed on purpose: wire copy puts one sentence in each paragraph.
    """
    return [ctx.spans[j] for j in (i - 1, i + 1) if 0 <= j < len(ctx.spans) and ctx.donors[j]]


def _best_cue(side: Side, start: int, end: int, anchor: int, reach: int = 10**9,
              skip: tuple[tuple[int, int], ...] = ()) -> tuple[str, int] | None:
    """(cause, priority) of the strongest cue between ``start`` and ``end`` within ``reach`` of
    the figure, leaving out cues inside ``skip`` (the victims: "killed 3 suicide bombers")."""
    cues = side.cues[bisect_left(side.cue_starts, start):bisect_left(side.cue_starts, end)]
    if skip:
        cues = [c for c in cues if not any(a <= c.start < b for a, b in skip)]
    cues = [c for c in cues if not _handled(side.text, start, c.start)]
    actors = side.actors[bisect_left(side.actor_starts, start):bisect_left(side.actor_starts, end)]
    found = [(t.priority, -abs(c.start - anchor), t.ref) for c in cues
             if abs(c.start - anchor) <= reach for t in c.targets
             if t.ref != "airstrike" or not _backing(side.text, start, c.start)]
    found += [(7, -abs(s - anchor), "airstrike") for s, _, _, air in actors
              if air and abs(s - anchor) <= reach and not _backing(side.text, start, s)]
    if not found:
        return None
    priority, _, cause = max(found)
    return cause, priority


# "ground forces backed by the air force killed 4": air power named as backing the ones who
# fought is support, not how those killed died.
_BACKING = Caseless(r"\b(?:backed|supported|aided|assisted|covered)\s+by\s+(?:the\s+)?(?:[\w'’.-]+,?\s+){0,5}$|"
                    r"\bwith\s+(?:the\s+)?(?:support|backing|cover|help)\s+(?:of|from)\s+(?:the\s+)?"
                    r"(?:[\w'’.-]+,?\s+){0,5}$")


# A weapon seized, defused, found, worn or made is no cause of the deaths: "killed 3 bombers
# wearing explosive belts", "destroyed workshops used for making explosive devices".
_HANDLED = Caseless(r"\b(?:seiz(?:ed|ing|es?)|confiscat(?:ed|ing)|destroy(?:ed|ing)|defus(?:ed|ing)|dismantl(?:ed|ing)|"
                    r"disarm(?:ed|ing)|neutrali[sz](?:ed|ing)|found|finding|discover(?:ed|ing)|wearing|wore|carrying|"
                    r"making|manufactur(?:ed|ing)|caches?\s+of|stockpiles?\s+of)\s+"
                    r"(?:(?!(?:by|after|following|during|when|from|in)\b)[\w'’(),-]+\s+){0,5}$")
_HANDLED_WORDS = ("seiz", "confisc", "destroy", "defus", "dismantl", "disarm", "neutrali", "found", "finding", "discover",
                  "wear", "wore", "carrying", "making", "manufactur", "cache", "stockpile")


def _handled(text: str, start: int, at: int) -> bool:
    window = text[max(start, at - 60):at]
    low = window.lower()
    return any(w in low for w in _HANDLED_WORDS) and _HANDLED.found(window)


def _backing(text: str, start: int, at: int) -> bool:
    window = text[max(start, at - 60):at]
    return ("by" in window or "with" in window) and _BACKING.found(window)


def _cause(ctx: Context, i: int, anchor: int, victims: tuple[tuple[int, int], ...] = ()) -> tuple[str, int]:
    """The claim's cause and how close to the figure it was found (see ``Claim.cause_rank``)."""
    span = ctx.spans[i]
    # Within the sentence, only cues near the figure speak for it: "..., as the army prepared
    # a ground assault" at the end of a long sentence is not how the 100 died.
    own = _best_cue(ctx.body_side, span.start, span.end, anchor, reach=_CUE_REACH, skip=victims)
    if own and own[1] >= 3:
        return own[0], 3
    near = [c for c in (_best_cue(ctx.body_side, s.start, s.end, anchor) for s in _neighbours(ctx, i)) if c]
    title = _best_cue(ctx.title_side, 0, len(ctx.title), 0)
    for found, rank in ((near, 2), ([title] if title else [], 1)):
        strong = [c for c in found if c[1] >= 3]
        if strong:
            return max(strong, key=lambda c: c[1])[0], rank
    if own:
        return own[0], 3
    # The lead's cues, never one inside a victim phrase ("killed a suicide bomber").
    lead = [c for c in (_best_cue(ctx.body_side, s.start, s.end, s.start, skip=tuple(ctx.victims.get(j, ())))
                        for j, s in enumerate(ctx.spans[:4])) if c]
    return (max(lead, key=lambda c: c[1])[0], 0) if lead else ("unknown", 0)


def _agent(side: Side, start: int, end: int, anchor: int, cause: str, skip: list[tuple[int, int]], subject: bool,
           gaz: Gazetteer, floor: float) -> tuple[float, str] | None:
    """The actor most plainly doing the killing between ``start`` and ``end``, with its score.

    Only actors that can score ``floor`` or more are weighed (the caller has no use for the
    others), so most mentions are dismissed before any of the word-window regexes runs.
    """
    best: tuple[float, int, str] | None = None
    lo, hi = bisect_left(side.actor_starts, start), bisect_left(side.actor_starts, end)
    skip_starts, skip_ends = _merged(skip)
    for i in range(lo, hi):
        s, _, aid, _ = side.actors[i]
        # Bisected, not scanned: one sentence of thousands of figures and actors is otherwise quadratic.
        at = bisect_right(skip_starts, s) - 1
        if at >= 0 and (s < skip_ends[at] or s - skip_ends[at] <= 24 and _AFFILIATION.fullmatch(side.text, skip_ends[at], s)):
            continue  # a victim, or the victims' own side ("3 fighters from the X wing")
        score = _agent_score(side, i, start, end, anchor, cause, subject, gaz, floor)
        if score is None:
            continue
        candidate = (score, -abs(s - anchor), aid)
        if best is None or candidate > best:
            best = candidate
    return (best[0], best[2]) if best else None


def _merged(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Non-overlapping ``spans`` (their union) as sorted starts and their ends."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(spans):
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def _agent_score(side: Side, i: int, start: int, end: int, anchor: int, cause: str, subject: bool, gaz: Gazetteer,
                 floor: float) -> float | None:
    """How plainly actor mention ``i`` does the killing; None when it is a target or victim,
    or cannot reach ``floor``.

    The clues are weighed cheapest first, each regex not yet run assumed to agree; a mention
    that cannot reach ``floor`` even so is dropped there, before the costlier checks.
    """
    text = side.text
    s, e, aid, air = side.actors[i]
    before = text[max(start, s - 40):s]
    # The word-window regexes only run when a word they end on is there: most mentions
    # have none, and these checks are the hot loop of claim reading.
    tail = before.lower().split()[-3:]
    by = not _BY_WORDS.isdisjoint(tail)
    # The victims named first, then "in clashes with" the side that killed them.
    clash = s > anchor and ("with" in tail or "against" in tail) and _CLASH_WITH.found(before)
    linked_bonus = 0
    cue, reach = bisect_left(side.cue_starts, e), min(end, e + 40)
    if cue < len(side.cue_starts) and side.cue_starts[cue] <= reach:  # a cue word right after the actor
        linked = [t.ref for c in side.cues[cue:bisect_right(side.cue_starts, reach)] for t in c.targets]
        linked_bonus = 4 if cause in linked or cause == "unknown" else 1
    air_bonus = 4 if air and cause in ("airstrike", "unknown") else 0
    # The first actor of the sentence is its subject: "The army and Hezbollah killed..."
    after = text[e:min(end, e + 80)]
    # A side that tells of the attack ("X said", "X condemns the bombing") is neither the
    # sentence's acting subject nor fused with the weapon it names.
    told = (linked_bonus or (subject and e <= anchor)) and _REPORTS.match(after)
    if told:
        linked_bonus = 0
    subject_bonus = (2.2 if side.actor_starts[bisect_left(side.actor_starts, start)] >= s else 2) if (
        subject and e <= anchor and not told) else 0
    claimed = "respons" in after or "claim" in after or " it " in after
    generic = gaz.actors[aid].generic
    # The most the mention can score, "by" (5) and an attack verb (3) assumed. Summed in any
    # order: a score with 2.2 in it is never within rounding of the whole-number floors.
    others = air_bonus + linked_bonus + subject_bonus + (4 if claimed else 0) - (0.5 if generic else 0)
    if (8 if by or clash else 3) + others < floor:
        return None
    by = clash or (by and _may_end_in_by(tail) and _BY.found(before))
    if by and not clash and _BY_NO_AGENT.found(before):
        return None  # "as reported by X", "backed by X": a source or a supporter, not the one who killed
    if (8 if by else 3) + others < floor:
        return None
    nxt = _NEXT_WORD.match(text, e, min(len(text), e + 24))
    if nxt and (nxt.group(1).lower() in _OBJECT_NEXT and not _THEN_BY.match(text, nxt.end()) or nxt.group(1) in _ORG_NEXT):
        return None
    if (not _SUBSET_WORDS.isdisjoint(tail) and _SUBSET_BEFORE.found(before)) or (
            not by and not _OBJECT_WORDS.isdisjoint(tail) and _OBJECT_BEFORE.found(before)):
        return None
    by = by and not _FOILED.found(text[max(start, s - 60):s])
    # "as terrorists positioned in Yarmouk fired mortar shells"
    attack = _ATTACK_VERB.found(text, e, min(end, e + 60))
    claimed = claimed and _CLAIMED.found(after)
    return _total(by, air_bonus, linked_bonus, attack, subject_bonus, claimed, generic)


def _may_end_in_by(words: list[str]) -> bool:
    """Whether ``_BY`` can match text whose last lower-cased words are ``words``: a cheap
    necessary condition, so that the regex runs on a few windows rather than every one.

    Every ``_BY`` phrase ends with one of ``_BY_WORDS`` and a space, so the last word ends
    with it ("(by" too); a final "the", "a" or "an" follows one of ``_BY_BEFORE_THE``. A word with
    characters outside ASCII is let through: case-insensitive matching pairs some of them
    with ASCII letters ("ſ" with "s") that ``lower`` keeps apart.
    """
    last = words[-1]
    if last in ("the", "a", "an"):
        return len(words) > 1 and (words[-2].endswith(_BY_BEFORE_THE) or not words[-2].isascii())
    return last.endswith(_BY_ENDINGS) or not last.isascii()


def _total(by: bool, air: int, linked: int, attack: bool, subject: float, claimed: bool, generic: bool) -> float:
    """An agent's score from its clues, always summed in this order (floats: 2.2 is inexact)."""
    score = 0.0
    if by:
        score += 5
    if air:
        score += air
    if linked:
        score += linked
    if attack:
        score += 3
    if subject:
        score += subject
    if claimed:
        score += 4
    if generic:
        score -= 0.5
    return score


def _perpetrator(ctx: Context, i: int, anchor: int, cause: str,
                 reading: casualties.Reading) -> tuple[str | None, int]:
    """Who did the killing, and how close to the figure that was found (ranks as for causes)."""
    span = ctx.spans[i]
    skip = [(span.start + a, span.start + b) for a, b in reading.spans]  # the victims: "31 IS militants"
    own = _agent(ctx.body_side, span.start, span.end, anchor, cause, skip, True, ctx.gaz, floor=2)
    if own and own[0] >= 2:
        return own[1], 3
    near = [c for s in _neighbours(ctx, i)
            if (c := _agent(ctx.body_side, s.start, s.end, anchor, cause, [], False, ctx.gaz, floor=4))
            and c[0] >= 4 and _same_attack(ctx.body_side, s, cause)]
    title = _agent(ctx.title_side, 0, len(ctx.title), len(ctx.title), cause, ctx.title_victims, True, ctx.gaz, floor=2)
    for found, rank in ((near, 2), ([title], 1)):
        linked = [c for c in found if c and c[0] >= 4]
        if linked:
            return max(linked)[1], rank
    if title and title[0] >= 2:
        return title[1], 1
    # Article-wide: the actor most often fused with this kind of attack anywhere in the text.
    votes = ctx.votes.get(cause)
    if votes is None:
        votes = ctx.votes[cause] = Counter()
        for j in _sentences_with(ctx.spans, ctx.body_side.actor_starts):  # those that name an actor
            s = ctx.spans[j]
            hit = _agent(ctx.body_side, s.start, s.end, s.end, cause, ctx.victims.get(j, []), False, ctx.gaz,
                         floor=4)
            if hit and hit[0] >= 4 and _same_attack(ctx.body_side, s, cause):
                votes[hit[1]] += 1
    if votes:
        return votes.most_common(1)[0][0], 0
    if cause == "airstrike":
        # Unattributed "warplanes": the air force the article names most, but not as the one
        # who tells of it ("the United States condemns the bombing").
        named = Counter(aid for _, e, aid, _ in ctx.actors if aid in _AIR_FALLBACK
                        and not _REPORTS.match(ctx.body, e, min(len(ctx.body), e + 80)))
        named.update(aid for _, _, aid, _ in ctx.title_actors if aid in _AIR_FALLBACK)
        if named:
            return max(named, key=lambda a: (named[a], -_AIR_FALLBACK.index(a))), 0
    return None, 0


def _same_attack(side: Side, span: Span, cause: str) -> bool:
    """Whether a sentence may name who carried out an attack of this kind: it names no other
    kind plainly ("shelling by X was also reported" says nothing of who set off a bomb; "X
    claimed the attack" may)."""
    if cause == "unknown":
        return True
    told = _best_cue(side, span.start, span.end, span.end)
    return told is None or told[0] == cause or told[1] < 3


def _location(ctx: Context, i: int) -> str | None:
    """The most specific place of the claim's sentence (or the one before): where it happened.

    A place the attack came *from* ("rockets fired from Afrin hit Reyhanli") is the last resort.
    A dateline in another country than the places the story names (Beirut, Amman, Moscow
    over a Syrian story) is where the reporter filed from, not where it happened.
    """
    order = [ctx.spans[i], *(s for s in _neighbours(ctx, i) if s.start < ctx.spans[i].start)]
    skip = ctx.dateline_end
    home = ctx.home
    for span in order:
        # The sentence's places by bisection: a scan of every place for every claim made an
        # article of many short casualty sentences quadratic.
        lo, hi = bisect_left(ctx.place_starts, span.start), bisect_left(ctx.place_starts, span.end)
        here = [m for m in ctx.places_by_start[lo:hi]
                if not (m.start < skip and home is not None and m.place.cc != home)
                and m.place.kind not in ("country", "river", "lake")]
        if here:
            return max(here, key=lambda m: (not _is_origin(ctx.body, m.start), m.place.kind != "admin1",
                                            -m.start)).place.id
    return None


# "BEIRUT, April 12 (Reuters) -", "DAMASCUS (SANA) –", "Idlib, SANA -": a place (and maybe a
# date and an agency) at the very start of the body, closed by a dash.
_DATELINE = re.compile(r"\s*[A-Z][A-Za-z'.-]+(?:[ -][A-Z][A-Za-z'.-]+){0,2}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
                       r"(?:,?\s*\(?[A-Z][A-Za-z ]{1,30}\)?)?\s*[-–—]\s")


def _is_origin(text: str, start: int) -> bool:
    return bool(_FROM.search(text, max(0, start - 12), start))


def _day(text: str, published: date | None) -> date | None:
    if published is None:
        return None
    m = _WHEN.search(text)
    if not m:
        return published
    word = m.group(1).lower()
    if word.startswith(("yesterday", "last night")):
        return published - timedelta(days=1)
    if m.group(2):
        return published - timedelta(days=(published.weekday() - _WEEKDAYS.index(m.group(2).lower())) % 7)
    return published


def _merge(claims: list[Claim]) -> list[Claim]:
    """One claim per distinct toll: a figure repeated later in the text adds detail, not a claim."""
    kept: list[Claim] = []
    # The first claim of each toll, by what makes two tolls one: a lookup, not a scan of
    # every claim kept (quadratic on an article of thousands of distinct figures).
    first: dict[tuple, Claim] = {}
    for claim in claims:
        r = claim.reading
        toll = (r.killed, r.cumulative, None if r.killed is not None else r.injured)
        twin = first.get(toll)
        if r.named and twin is None:
            # "Two car bombs killed 26 people ... Sheikh X was killed in the first blast": a victim
            # named after a toll is one of its dead, not a toll of his own.
            twin = next((c for c in kept if (c.reading.killed or 0) > 1), None)
        if twin is None:
            first[toll] = claim
            kept.append(claim)
            continue
        if claim.cause_rank > twin.cause_rank or twin.cause == "unknown":
            twin.cause, twin.cause_rank = claim.cause, claim.cause_rank
        if claim.perpetrator and (claim.perpetrator_rank > twin.perpetrator_rank or not twin.perpetrator):
            twin.perpetrator, twin.perpetrator_rank = claim.perpetrator, claim.perpetrator_rank
        twin.location = twin.location or claim.location
        twin.reading.injured = twin.reading.injured or r.injured
        twin.reading.children = twin.reading.children or r.children
        twin.reading.women = twin.reading.women or r.women
    return kept
