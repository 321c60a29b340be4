"""Casualty figures in a sentence: how many killed and injured, and who they were.

Each sentence is read with a handful of precompiled regexes (built once from lexicon.yaml):
a *figure* is a number phrase, up to four modifier words and a victim noun ("31 IS
militants", "a woman", "dozens of civilians"), or a bare number next to a casualty verb
("killing 16"). A figure counts as killed or injured by the verb after it ("were
killed", "died") or before it ("killed", "claiming the lives of"), or by its own noun ("40
dead"). Figures joined by "and" share a verb and are added up ("five civilians and three
soldiers were killed" = 8; "a commander and three of his aides"; "killing him and his
driver"). "including five children" fills ``children`` rather than adding to the toll, and
"among them 1 officer" is part of the toll. "killed them", "both of them were killed" give
the verb to the figure named before. "The death toll rose to 25" is a figure too; one victim
without an article ("killed journalist X", "He was killed") when nothing else is.

What caused the deaths, who caused them, where and when is decided in ``claims``, which has
the whole article; this module only reads figures out of one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sitrep.stages.extract.gazetteer import gazetteer
from sitrep.stages.extract.numbers import alternation, number_pattern, value
from sitrep.stages.extract.translit import Caseless

_KILL_AFTER = (r"killed|dead|died|martyred|slain|perished|massacred|executed|beheaded|shot\s+dead|neutrali[sz]ed|"
               r"assassinated|"
               r"eliminated|liquidated|"
               r"lost\s+their\s+lives|lost\s+(?:his|her)\s+life|gunned\s+down")
_INJURE_AFTER = r"wounded|injured|hurt|maimed|treated\s+for|hospitali[sz]ed"
_KILL_BEFORE = (r"killed|killing|kills|kill|claimed\s+the\s+lives\s+of|claiming\s+the\s+lives\s+of|"
                r"took\s+the\s+lives\s+of|taking\s+the\s+lives\s+of|martyrdom\s+of|deaths?\s+of|killing\s+of|"
                r"executed|executing|execution\s+of|beheaded|beheading|massacred|massacring|slaughtered|slaughtering|butchered|"
                r"butchering|shot\s+dead|neutrali[sz](?:ed|ing)|"
                r"assassinated|assassinating|assassination\s+of|"
                r"eliminated|eliminating|liquidated|liquidating|"
                r"left|leaving|resulting\s+in|resulted\s+in|bodies\s+of|recovered|pulled")
_INJURE_BEFORE = r"wounded|wounding|injured|injuring|injury\s+of|injuries\s+to|wounding\s+of|hurt|hurting"
# The words the two patterns above can end on (plus "at least", "the", "another" that may
# follow them): the before-pattern only runs when one of these precedes a figure.
# "killed or wounded", "killed, injured or captured", "killed and injured": how many were hit
# in all, not how many died; such a figure is neither a death toll nor an injury count.
_HARMED = r"(?:killed|dead|wounded|injured|hurt|captured|arrested|detained|kidnapped|abducted|missing)"
_OR_OTHERWISE = rf"(?:\s*,\s*{_HARMED})*\s*,?\s+(?:or|and|and/or)\s+{_HARMED}\b"
_MIXED_BEFORE = re.compile(r"\b(?:kill(?:ed|ing)|wound(?:ed|ing)|injur(?:ed|ing))(?:\s*,\s*\w+)*\s*,?\s+(?:or|and|and/or)\s+"
                           r"(?:kill(?:ed|ing)|wound(?:ed|ing)|injur(?:ed|ing)|captur(?:ed|ing)|kidnapp(?:ed|ing))\s+"
                           r"(?:(?:at\s+least|the|another)\s+)?$", re.IGNORECASE)
_BEFORE_WORDS = frozenset(
    "killed killing kills kill of executed executing assassinated assassinating execution beheaded beheading massacred massacring "
    "slaughtered slaughtering butchered butchering dead "
    "neutralized neutralised neutralizing neutralising eliminated eliminating liquidated liquidating left leaving "
    "in recovered pulled wounded wounding injured injuring to hurt hurting least the another".split())
# Words that may stand between a figure and its verb: "were reportedly killed".
_AUX = (r"(?:(?:were|was|have|has|had|been|being|are|is|reportedly|reported|feared|also|all|later|allegedly|confirmed|"
        r"believed|said|to|be|have\s+been|who|were\s+all|either|critically|seriously|severely|lightly|mostly|"
        # hedges on deaths that happened ("may have been killed", "are thought to have died"); not
        # "could / would have been killed", which says they were not
        r"may|might|thought|estimated|presumed|understood|known|likely|probably|possibly|"
        r"people|persons|civilians|others|been|then|"
        # "was stabbed and killed", "were captured and then executed"; not "wounded and killed",
        # which counts the hit, not the dead
        r"(?!(?:killed|wounded|injured|hurt|maimed)\b)[a-z]+ed\s+and|"
        # and the irregular participles: "was shot and killed", "were hit and killed"
        r"(?:shot|hit|struck|beaten|run\s+over|hung|hanged|caught|found)\s+and)\s+){0,4}")
# Modifier words between a number and its noun may not be verbs or prepositions: that would
# glue two clauses together ("5 were killed in Idlib and 3 soldiers").
# Case-sensitive, so that "31 IS militants" keeps its "IS".
_NOT_MOD = (r"(?-i:were|was|are|is|have|has|had|been|in|on|at|by|from|after|during|when|while|since|including|"
            # "1 soldier and 1 civilian": a new figure starts after "and"
            r"(?:and|or)\s+(?:\d+|(?:the|his|her|their|its)\s|(?:an?|one|another|two|three|four|five|six|seven|eight|nine|ten)\s)|"
            r"among|with|who|which|that|into|near|across|over|under|than|the\s+rest|"
            # "destroyed two hideouts, leaving 4 militants killed": a second number is a figure of its own
            r"left(?![\w-])|leaving|resulting|causing|\d[\d,.]*(?=\s)|"
            + _KILL_AFTER + "|" + _INJURE_AFTER + r"|kills?|killing|wounding|injuring)\b")


_FAMILY = re.compile(r"\s+of\s+(?:a|one|the|his|her|their)\s+(?:same\s+|single\s+|local\s+)?family", re.IGNORECASE)
_SUBSET_HEADS = frozenset({"children", "child", "women", "woman", "minors", "girls", "boys"})


@dataclass
class Figure:
    """One number phrase read as killed or injured."""

    start: int
    end: int
    count: int
    outcome: str  # "killed" | "injured" | "" (not decided)
    victims: str  # "civilians" | "combatants" | "unknown"
    head: str = ""
    subset: str = ""  # "children" | "women" when it only breaks down another figure
    mixed: bool = False  # "killed or wounded": people hit, with no split into dead and hurt
    head_end: int = 0  # where the victim noun phrase itself ends, before any verb
    within: bool = False  # "..., including a commander": part of a figure before it, not added to it


@dataclass
class Reading:
    """What one sentence says about casualties: summed killed/injured and who they were."""

    killed: int | None = None
    injured: int | None = None
    victims: set[str] = field(default_factory=set)
    children: int | None = None
    women: int | None = None
    cumulative: bool = False
    spans: list[tuple[int, int]] = field(default_factory=list)  # where the figures are, sentence-relative
    anchor: int = 0  # sentence-relative offset of the first killed figure
    named: bool = False  # one victim named without a number ("journalist X was killed", "he was killed")


@dataclass(frozen=True)
class _Patterns:
    figure: re.Pattern[str]
    after: re.Pattern[str]
    before: re.Pattern[str]
    toll: re.Pattern[str]
    subset: re.Pattern[str]
    cumulative: re.Pattern[str]
    starters: frozenset[str]  # first words of number phrases: where a figure can begin
    before_words: frozenset[str]  # last words of the verb-before-figure phrases ("killing", "of")
    link: re.Pattern[str]
    along: re.Pattern[str]
    active: re.Pattern[str]
    attribution: re.Pattern[str]
    passive: re.Pattern[str]
    none: Caseless
    unnumbered: re.Pattern[str]
    victim_class: dict[str, str]
    them: re.Pattern[str]
    one_named: re.Pattern[str]


@lru_cache(maxsize=1)
def patterns() -> _Patterns:
    """Compile the casualty regexes once, from the lexicon."""
    lex = gazetteer().lexicon
    number = number_pattern()
    plural = {w.lower(): cls for cls, words in lex["plural_victims"].items() for w in words}
    single = {w.lower(): cls for cls, words in lex["singular_victims"].items() for w in words}
    outcome_heads = lex["killed_heads"] + lex["injured_heads"]
    # (a comma before "his", "the" or "a" ends a list item: "the head of the council, his son")
    modifier = rf"(?:(?:\([^()]{{1,30}}\)|(?!{_NOT_MOD})[\w'’./()-]+)(?:,(?!\s+(?:his|her|their|its|the|an?)\s))?\s+){{0,6}}?"
    # After a number any victim noun heads the phrase, singular too ("3 police officer" is a
    # slip reporters make), but not one that only qualifies the next ("1 Peshmerga fighter",
    # "2 police officers"): the head is the last victim noun of a run.
    nouns = alternation([*plural, *single])
    head = rf"(?P<head>{nouns})\b(?!\s+(?:{nouns})\b)"
    # The number is matched once and then followed by an outcome noun ("40 dead"), modifiers
    # and a victim noun ("31 IS militants"), or nothing but a verb or a clause end ("killing 16").
    figure = re.compile(
        # "a refugee family of five": the family counts its members
        rf"\b(?:(?:a|an|the|one|his|her|their)\s+{modifier}famil(?:y|ies)\s+of\s+(?P<fnum>{number})"
        rf"|(?P<num>{number})(?:\s+(?P<ohead>{alternation(outcome_heads)})\b"
        rf"|\s+{modifier}{head}"
        rf"|(?=\s*(?:\(|,|\.|;|and\b|or\b|$|(?:in|on|at|near|after|when|during|while|as|across|following|"
        rf"inside|since|including|among)\b|(?:people\s+)?{_AUX}(?:{_KILL_AFTER}|{_INJURE_AFTER})\b)))"
        rf"|(?P<one>a|an|one|another|1|the|his|her|their|its)\s+{modifier}(?P<shead>{alternation(list(single))})\b(?!\s+(?:{nouns})\b)"
        # "killing him", "another was hurt": one victim, named before; only a verb makes it a toll.
        rf"|(?P<pron>him|her|another)(?=\s*(?:[,.;)]|$|(?:and|or|in|on|at|near|inside|outside|while|with|as|after|before|was|"
        rf"instantly|immediately|on\s+the\s+spot|killed|died|dead|wounded|injured|hurt)\b)))",
        re.IGNORECASE,
    )
    people = alternation([w for w, cls in plural.items() if cls != "unknown"])
    fighters = alternation([w for w, cls in plural.items() if cls == "combatants"])
    victim_class = {**{w: "unknown" for w in lex["killed_heads"] + lex["injured_heads"]}, **plural, **single}
    return _Patterns(
        figure=figure,
        # Between a figure and its verb: "(SAA)", "at the town's hospital", ", Ali Darwish,",
        # "and allied militiamen".
        after=re.compile(rf"(?:\s*\([^)]{{0,60}}\))?(?:\s+(?:at|from|in|of|with|inside|near|on|for)\s+[^,.;]{{1,50}}?)?"
                         # "2 children herding sheep were killed", "3 civilians who had rushed to help
                         # were killed": a participle or relative clause after the noun.
                         # "a guard posted at the gate was killed": a past participle too
                         rf"(?:\s+(?:(?:who|that)\s+|[a-z]+ing\s+|(?:responsible|loyal|close|subordinate)\s+(?=(?:for|to)\s)|(?!(?:{_KILL_AFTER}|{_INJURE_AFTER})\b)[a-z]+ed\s+"
                         rf"(?=(?:at|in|on|with|to|by|from|near|as|for|inside)\s))[^,.;]{{1,120}}?)?"
                         # "and allied militiamen" shares the verb; "and six others" is a figure of its own
                         rf"(?:\s*,[^,.;]{{1,70}},)?(?:\s+(?:and|or)\s+(?!{number}\b|others\b|[a-z]+ly\b)(?:[a-z][\w'’-]*\s+){{0,2}}"
                         rf"[a-z][\w'’-]*)?\s+{_AUX}"
                         # "killed or wounded" counts casualties, not deaths: neither
                         rf"(?:(?P<k>{_KILL_AFTER})|(?P<i>{_INJURE_AFTER}))\b(?P<mixed>{_OR_OTHERWISE})?",
                         re.IGNORECASE),
        before=re.compile(rf"\b(?:(?P<k>{_KILL_BEFORE})|(?P<i>{_INJURE_BEFORE}))\s+(?:(?:at\s+least|the|another)\s+)?$",
                          re.IGNORECASE),
        # "The death toll rose to 25", "the number of people who were killed by ... rose to 5";
        # not a number of "casualties" or of those "killed or injured": the hurt are counted in.
        toll=re.compile(rf"\b(?:death\s+toll|toll|number\s+of\s+(?:the\s+)?(?:[\w'’-]+\s+){{0,4}}?(?:dead|deaths|"
                        rf"victims|martyrs|fatalities|killed))\b(?!{_OR_OTHERWISE})"
                        rf"[^.;]{{0,120}}?\b(?:to|at|reached|hit|of|is|was|stands\s+at|stood\s+at)\s+(?P<num>{number})",
                        re.IGNORECASE),
        subset=re.compile(r"(?:including|among\s+them|among\s+whom|of\s+whom|of\s+them|mostly|most\s+of\s+them)\s+$",
                          re.IGNORECASE),
        cumulative=re.compile(rf"\b(?:{alternation(lex['cumulative_markers'])})\b", re.IGNORECASE),
        starters=frozenset(
            {str(w).lower().split()[0] for w in (*lex["number_words"], *lex["vague_numbers"], *lex["number_qualifiers"])}
            | {"a", "an", "one", "another", "the", "his", "her", "their", "its", "him", "between"}) - {"in"},  # "in excess of" is rare, "in" is everywhere
        before_words=_BEFORE_WORDS,
        # "a commander (name) and 2 of his aides", "the head of the council, his son and a guard"
        # "two passengers who were rebels and a civilian": a relative clause too
        link=re.compile(r"(?:\s*\([^()]{0,60}\))?(?:\s+of\s+(?:(?!and\b|or\b)[\w'’-]+\s+){0,4}?(?!and\b|or\b)[\w'’-]+)?"
                        r"(?:\s+(?:who|that)\s+(?:were|was|are|is)\s+[^,;.()]{1,50}?)?"
                        r"\s*(?:,\s*)?(?:and|as\s+well\s+as|plus|along\s+with|together\s+with|alongside|&|,)\s+"
                        r"(?:(?:his|her|their|the|its)\s+)?$", re.IGNORECASE),
        # "an employee was killed along with his daughter": the verb before the second figure
        # "3 soldiers were left dead and 1 civilian", when no verb of its own follows the civilian
        along=re.compile(rf"(?:{_KILL_AFTER}|{_INJURE_AFTER})\s+(?:along\s+with|together\s+with|alongside|as\s+well\s+as|with|"
                         rf"(?P<and>and))\s+"
                         rf"(?:(?:his|her|their|the|its)\s+)?$", re.IGNORECASE),
        active=re.compile(rf"\s+(?:{number}|a|an|the|his|her|their|its)\b", re.IGNORECASE),
        attribution=re.compile(r"\s+(?:said|says|told|added|reported|stated|claimed|confirmed|explained)\b", re.IGNORECASE),
        passive=re.compile(r"\b(?:were|was|been|are|is|being)\b", re.IGNORECASE),
        none=Caseless(r"\bno\s+(?:(?:reported|immediate|human|known|further|civilian)\s+)*"
                      r"(?:casualties|deaths|fatalities|injuries|victims|one\s+was\s+(?:killed|hurt|injured|wounded))\b|"
                      r"\bno\s+(?:immediate\s+)?reports?\s+of\s+(?:casualties|deaths|injuries)\b|"
                      r"\bwithout\s+(?:causing\s+)?(?:any\s+)?casualties\b|\bnot\s+report\s+(?:any\s+)?casualties\b"),
        victim_class=victim_class,
        # One victim without an article: "killed Iraqi activist ...", "shot dead tribal sheikh
        # Ali ...", "journalist Ali Hassan was killed", "He was shot and killed".
        one_named=re.compile(
            rf"\b(?:killed|killing|assassinated|assassinating|executed|executing|shot\s+dead|shooting\s+dead|gunned\s+down|"
            rf"beheaded|beheading)\s+(?:(?!(?:the|an?|his|her|their|its|this|that|these|those|all|some|and|or|in|on|at|"
            rf"near|by|with|during|after)\b)[\w'’-]+\s+){{0,3}}?(?P<bhead>{alternation(list(single))})\b(?!\s+(?:{nouns})\b)(?!['’]s)"
            # a named victim or "he"/"she", then the passive verb both share
            rf"|\b(?:(?P<nhead>(?:{alternation(list(single))})\s+(?-i:[A-Z][\w'’-]*\s+){{0,3}}[A-Z][\w'’-]*)|(?P<pro>(?-i:He|She|he|she)))"
            rf"\s+(?:was|has\s+been|had\s+been)\s+{_AUX}(?:killed|shot\s+dead|executed|assassinated|beheaded|gunned\s+down)\b",
            re.IGNORECASE),
        them=re.compile(
            rf"\b(?:(?:kill(?:ed|ing)|execut(?:ed|ing)|shot\s+dead|shooting\s+dead|assassinat(?:ed|ing))"
            rf"|(?P<ti>wound(?:ed|ing)|injur(?:ed|ing)))\s+(?:them|all\s+of\s+them|both\s+of\s+them|"
            rf"(?:all\s+(?:the\s+|those\s+|these\s+)?|(?P<the>the|those|these)\s+)(?:[^\W\d][\w'’-]*\s+){{0,2}}?"
            rf"(?P<them>{alternation(list(plural))}))\b"
            rf"|\b(?:all|both)(?:\s+of\s+them)?\s+(?:were|have\s+been|had\s+been)\s+(?:reportedly\s+)?"
            rf"(?:killed|(?P<ti2>wounded|injured))\b", re.IGNORECASE),
        unnumbered=re.compile(
            rf"\b(?:killed|killing|kills|executed|executing)\s+(?:all\s+)?(?:(?:the|those|its|their)\s+)?"
            rf"(?:(?!{_NOT_MOD})[\w'’-]+\s+){{0,2}}?(?P<uhead>{people}|those)\b"
            rf"|\b(?P<uhead2>{fighters})\s+(?:were|have\s+been|had\s+been)\s+"
            rf"(?:reportedly\s+|also\s+)?killed\b", re.IGNORECASE),
    )


# How far from a casualty word ("killed") its figure may start: "16 people, including five
# children, were killed" puts 40 characters between them, lists and appositives more.
_WINDOW_BEFORE = 90
_WINDOW_AFTER = 60
_LIST_REACH = 40  # past a figure, for the next one of a list ("a commander and three of his aides")


_WORD = re.compile(r"[\w'’+,.-]+")


def read(sentence: str, anchors: list[int] | None = None, cumulative: bool | None = None) -> Reading | None:
    """Casualty figures in one sentence, or None when it reports none.

    ``anchors`` are the offsets of casualty words in the sentence and ``cumulative`` whether
    it has a running-total marker, both from the gazetteer scan. The figure regex is only
    tried at words that can start a number ("16", "at", "dozens", "a") in windows around
    the anchors, which is what keeps it cheap. Without anchors the whole sentence is read.
    """
    p = patterns()
    windows = _windows(anchors, len(sentence)) if anchors is not None else [(0, len(sentence))]
    figures = []
    end = -1
    for lo, hi in windows:
        lo = max(lo, end)
        while lo < hi:
            reach = hi
            scanned = hi
            for word in _WORD.finditer(sentence, lo):
                if word.start() >= hi:
                    scanned = word.start()
                    break
                if not _may_start_number(word.group()):
                    continue
                m = p.figure.match(sentence, word.start())
                if m is not None and m.start() >= end:
                    found = _figure(p, sentence, m)
                    # A date or a source is no figure, and the words it ran over may hold one:
                    # "On 11 September 2020, 2 militants were killed".
                    end = m.end() if found is not None else word.end()
                    figures.append(found)
                    if found is not None:  # a list of victims runs on past the window
                        reach = max(reach, min(len(sentence), found.end + _LIST_REACH))
            lo, hi = max(scanned, end), reach
    figures = [f for f in figures if f is not None]
    if anchors is not None and not figures and windows and windows[0][0] > 0:
        # No figure near the casualty word: its subject may be further back ("3 civilians from
        # the village who had rushed to the scene to help ... were killed")
        return read(sentence, None, cumulative)
    figures = _without_complements(sentence, figures)
    linked = _share_outcomes(p, sentence, figures)
    them = p.them.search(sentence)
    if them is not None:
        if anchors is not None and not any(not f.outcome and f.end <= them.start() for f in figures):
            # "killing them" far from the figure it stands for: read the whole sentence
            return read(sentence, None, cumulative)
        _resolve_them(p, sentence, figures)
    lower = sentence.lower()
    toll = p.toll.search(sentence) if ("toll" in lower or "number of" in lower) else None
    if toll and not any(f.outcome == "killed" for f in figures):
        count = value(toll.group("num"))
        if count is not None:
            figures.append(Figure(toll.start("num"), toll.end("num"), count, "killed", "unknown"))
    # "An officer was shot by a sniper, killing him": the pronoun is a victim counted already;
    # "killing him and his driver" names a second one beside him.
    if any(f.head == _PRONOUN for f in figures) and sum(f.outcome == "killed" for f in figures) > 1:
        figures = [f for i, f in enumerate(figures) if f.head != _PRONOUN or i in linked]
    reading = Reading()
    for f in figures:
        if f.subset and f.outcome != "injured":
            setattr(reading, f.subset, (getattr(reading, f.subset) or 0) + f.count)
            reading.victims.add("civilians")
            continue
        if f.within and reading.killed is not None:
            # "5 soldiers were killed, among them 1 officer": the officer is one of the five
            reading.victims.add(f.victims)
            continue
        if f.outcome == "killed":
            if reading.killed is None:
                reading.anchor = f.start
            reading.killed = (reading.killed or 0) + f.count
            reading.victims.add(f.victims)
        elif f.outcome == "injured":
            reading.injured = (reading.injured or 0) + f.count
        else:
            continue
        reading.spans.append((f.start, f.end))
    if reading.killed is None and reading.injured is None:
        hit = next((f for f in figures if f.mixed), None)
        if hit is not None:
            # People killed or hurt, no split given: a claim with neither figure, so that the
            # event keeps its cause and perpetrator without a death toll it never stated.
            reading.spans.append((hit.start, hit.end))
            reading.cumulative = bool(p.cumulative.search(sentence)) if cumulative is None else cumulative
            return reading
        m = p.one_named.search(sentence)
        if m is not None:
            group = next(g for g in ("bhead", "nhead", "pro") if m.group(g))
            reading.killed, reading.anchor, reading.named = 1, m.start(group), True
            reading.spans.append(m.span(group))
            head = (m.group("bhead") or m.group("nhead") or "").split()
            reading.victims.add(p.victim_class.get(head[0].lower() if head else "", "unknown"))
            reading.cumulative = bool(p.cumulative.search(sentence)) if cumulative is None else cumulative
            return reading
        m = p.unnumbered.search(sentence)
        if m is not None:
            # "killing all those on board", "IS militants were killed": deaths without a
            # number, a claim without a toll (as for "killed or wounded").
            reading.spans.append(m.span())
            reading.victims.add(p.victim_class.get((m.group("uhead") or m.group("uhead2") or "").lower(), "unknown"))
            reading.cumulative = bool(p.cumulative.search(sentence)) if cumulative is None else cumulative
            return reading
        none = p.none.span(sentence)
        if none is None:
            return None
        # "No casualties were reported": an event with a cause and an actor but no toll. A
        # plain "did not report casualties" leaves the toll unknown rather than zero.
        reading.killed = None if sentence[none[0]:none[1]].lower().startswith("not") else 0
        reading.spans.append(none)
    reading.cumulative = bool(p.cumulative.search(sentence)) if cumulative is None else cumulative
    if not reading.victims - {"unknown"} and "civilian" in lower:
        reading.victims = {"civilians"}  # "23 people, most of them civilians, were killed"
    return reading


@lru_cache(maxsize=8192)
def _may_start_number(token: str) -> bool:
    """Whether a number phrase can begin with ``token`` ("16", "at", "dozens", "twenty-five,").

    Cached: the same few hundred words come up in every report.
    """
    return token[0].isdigit() or token.lower().rstrip(",.").split("-")[0] in patterns().starters


def _windows(anchors: list[int], size: int) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for a in sorted(anchors):
        lo, hi = max(0, a - _WINDOW_BEFORE), min(size, a + _WINDOW_AFTER)
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def _figure(p: _Patterns, sentence: str, m: re.Match[str]) -> Figure | None:
    if m.group("fnum"):
        count, head = value(m.group("fnum")) or 1, "family members"
    elif m.group("pron"):
        count, head = 1, _PRONOUN
    elif m.group("one"):
        count, head = 1, m.group("shead").lower()
        if m.group("one").lower() in _DETERMINERS and (
                (m.group("shead")[0].isupper() and _CAPITALIZED.search(sentence, m.end("one"), m.start("shead")))
                or _INNER_FIGURE.search(sentence, m.end("one"), m.start("shead"))):
            # "the Turkish General Staff": the name of a body, not a person (a title right after
            # "the" is one: "the Mayor of ..."); "the death of 1 civilian": the figure is
            # further in, and is read from there.
            return None
        if _ORDINAL.match(sentence, m.end("one")):
            return None  # "he is the first fighter killed in the operation": who he was, not another
    else:
        phrase = m.group("num")
        count = value(phrase)
        head = (m.group("ohead") or m.group("head") or "").lower()
        if count is None or _looks_like_date(sentence, m):
            return None
    if p.attribution.match(sentence, m.end()):
        return None  # "..., a commander said": the source of the figure, not part of it
    victims = p.victim_class.get(head, "unknown")
    if head in ("members", "member") and _FAMILY.match(sentence, m.end()):
        victims = "civilians"  # "11 members of a single family", not members of an armed group
    outcome = ""
    mixed = False
    after = None
    if head in ("dead", "deaths", "fatalities", "martyrs", "killed", "bodies", "corpses", "lives"):  # "claimed 16 lives"
        outcome = "killed"
    elif head in ("wounded", "injured", "injuries", "hurt"):
        outcome = "injured"
    else:
        after = p.after.match(sentence, m.end())
        last = sentence[max(0, m.start() - 25):m.start()].rsplit(None, 2)
        # The verb-before regex only when one of the two words before could end it.
        before = p.before.search(sentence, max(0, m.start() - 45), m.start()) if (
            p.before_words.intersection(w.lower() for w in last)) else None
        if after and p.active.match(sentence, after.end()) and not p.passive.search(after.group()):
            after = None  # "A suicide bomber killed eight fighters": the bomber is no victim
        if after and after.group("mixed"):
            mixed = True
        elif after:
            outcome = "killed" if after.group("k") else "injured"
        elif before and _MIXED_BEFORE.search(sentence, max(0, m.start() - 60), m.start()):
            mixed = True  # "killing and injuring 4 soldiers"
        elif before and not before.group().lower().startswith(("left", "leaving", "resulting", "resulted")):
            outcome = "killed" if before.group("k") else "injured"
    subset = ""
    if head in _SUBSET_HEADS and p.subset.search(sentence, max(0, m.start() - 30), m.start()):
        subset = "women" if head.startswith("wom") else "children"
    # The figure's extent runs to its verb, so that "Five fighters from the SDF were killed"
    # keeps the SDF inside the victims.
    end = after.start("k") if after and after.group("k") else (after.start("i") if after else m.end())
    if after:
        # "was stabbed and killed": the first verb says how, and is no part of the victims
        coordinated = _COORDINATED.search(sentence, m.end(), end)
        end = coordinated.start() if coordinated else end
    within = not subset and bool(p.subset.search(sentence, max(0, m.start() - 30), m.start()))
    return Figure(m.start(), max(end, m.end()), count, outcome, victims, head, subset, mixed, m.end(), within)


def _without_complements(sentence: str, figures: list[Figure]) -> list[Figure]:
    """Figures less those that only complement the noun before them: in "the brother of a
    journalist was killed" one man died, the journalist is who he was."""
    kept: list[Figure] = []
    for f in figures:
        if kept and _OF.fullmatch(sentence, kept[-1].head_end, f.start):
            continue
        kept.append(f)
    return kept


def _share_outcomes(p: _Patterns, sentence: str, figures: list[Figure]) -> set[int]:
    """Figures joined by "and" take the verb of their neighbour: "a woman and her three children".

    Returns the indices of the figures joined to a neighbour.
    """
    linked: set[int] = set()
    for _ in range(2):  # forwards, then backwards ("five civilians and three soldiers were killed")
        for i, (left, right) in enumerate(zip(figures, figures[1:])):
            if not p.link.match(sentence, left.end, right.start):
                along = p.along.match(sentence, left.end, right.start) if left.outcome else None
                if along is None or (along.group("and") and _OWN_VERB.match(sentence, right.head_end)):
                    continue
            linked.update((i, i + 1))
            if left.within and not right.within:  # "including a commander and 2 of his aides"
                right.within = True
            if left.subset and right.head in _SUBSET_HEADS:  # "including five children and three women"
                right.subset = "women" if right.head.startswith("wom") else "children"
                continue
            if left.mixed or right.mixed:
                continue
            if left.outcome and not right.outcome:
                right.outcome = left.outcome
            elif right.outcome and not left.outcome and not left.subset:
                left.outcome = right.outcome
    return linked


def _resolve_them(p: _Patterns, sentence: str, figures: list[Figure]) -> None:
    """"Gunmen stopped a car carrying 4 men and killed them": the pronoun ("them", "all of
    them", "both", "all the militants") stands for the last figure before it that had no
    verb of its own, and gives it this one."""
    for m in p.them.finditer(sentence):
        before = [f for f in figures if f.end <= m.start()]
        if not before or before[-1].outcome or before[-1].mixed or before[-1].within:
            continue
        if m.group("the") and m.group("them").lower() != before[-1].head:
            continue  # "the militants" stands for "5 militants", not for "5 soldiers"
        # "them" is two or more: one figure of several, or the last ones named one by one
        # ("fired at a fighter and his wife, killing them")
        named = [before[-1]]
        if before[-1].count < 2 and not m.group("the"):
            for f, after in zip(reversed(before[:-1]), reversed(before[1:]), strict=True):
                if f.outcome or f.mixed or f.within or f.head == _PRONOUN or _ACTS.match(sentence, f.end, after.start):
                    break  # "a sniper fired at a man and his son, killing them": the sniper acted
                named.append(f)
        if sum(f.count for f in named) < 2:
            continue
        for f in named:
            f.outcome = "injured" if m.group("ti") or m.group("ti2") else "killed"


# A verb after a figure, before any "who", "which" or "that": the figure is the one who acted.
_ACTS = re.compile(r"(?:(?!\b(?:who|which|that|whom)\b).)*?\b(?:[a-z]+ed|shot|hit|struck|was|were|had|has|have)\b", re.IGNORECASE)
_OWN_VERB = re.compile(r"\s+(?:were|was|are|is|have|has|had|been|[a-z]+ed\b)", re.IGNORECASE)
_OF = re.compile(r"\s+of\s+")
_COORDINATED = re.compile(r"\b(?:[a-z]+ed|shot|hit|struck|beaten|run\s+over|hung|hanged|caught|found)\s+and\s+(?:then\s+)?$")
_ORDINAL = re.compile(r"\s+(?:first|second|third|fourth|fifth|last|latest|only|sole)\b", re.IGNORECASE)
_CAPITALIZED = re.compile(r"\b[A-Z]")
_INNER_FIGURE = re.compile(r"\b(?:of|a|an|one|\d+)\b", re.IGNORECASE)
_PRONOUN = "(pronoun)"  # the head of "killing him": one victim, maybe named before in the sentence
_DETERMINERS = frozenset({"the", "his", "her", "their", "its"})
_FIRST_DIGITS = re.compile(r"\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")
# A day of the month: "11 September", "11 Sept.", "11th of May", "11/09", "11 09 2019".
# A month's name or its abbreviation, whole: "aug" in "slaughtered", "jun" in "junior" are none.
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_MONTH_AFTER = re.compile(rf"(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}\b\.?"
                          r"|[/.-]\d{1,2}\b|\s+\d{1,2}\s+(?:19|20)\d\d\b", re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"(?<![a-z]){_MONTH}\.?\s+$|:\s*$", re.IGNORECASE)


def _looks_like_date(sentence: str, m: re.Match[str]) -> bool:
    """Years, days of the month and clock times are not casualty figures."""
    text = m.group()
    digits = _FIRST_DIGITS.search(text)
    if digits is None:
        return False
    if _MONTH_AFTER.match(sentence, m.start() + digits.end()):
        return True  # "On 11 September 2020, 2 militants were killed": 11 is the day
    if not text[0].isdigit():
        return False
    if _YEAR.fullmatch(text.strip()):
        return True
    return bool(_MONTH_BEFORE.search(sentence, max(0, m.start() - 12), m.start()))
