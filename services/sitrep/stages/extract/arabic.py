"""Casualty claims of an article in Arabic: tolls, cause and perpetrator from the common phrasings.

Arabic news writes a toll after its verbal noun ("مقتل 5 جنود", "استشهاد ثلاثة مدنيين",
"أسفر عن مقتل ما لا يقل عن 10 أشخاص"), before a noun of the dead ("5 قتلى", "سقوط ثلاثة
شهداء"), or as a bare victim noun for one person and its dual for two ("مقتل جندي", "مقتل
جنديين"). Words carry joined clitics (wa-, fa-, bi-, li-, al-), and spelling varies in hamza,
ta marbuta and alif maqsura, so the text and the word lists (``data/gazetteer/arabic.yaml``,
the actors' Arabic aliases in ``actors.yaml``) are folded alike before matching, keeping a map
back to the original offsets. A "killed and injured" figure (مقتل وإصابة) gives a claim
without a toll, as in English; a number before a month name is a date.

The result is the English reader's ``claims.Claim``, so the rest of the pipeline is shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import yaml

from sitrep.stages import data
from sitrep.stages.extract import casualties, numbers
from sitrep.stages.extract.claims import Claim, _merge
from sitrep.stages.extract.gazetteer import Gazetteer
from sitrep.stages.extract.geo import PlaceMention
from sitrep.stages.extract.sentences import Span

_ARABIC = re.compile(r"[\u0621-\u064a]")
_LATIN = re.compile(r"[A-Za-z]")
# Short vowels, shadda, sukun, dagger alif and tatweel: dropped. Hamza seats, ta marbuta and
# alif maqsura: one letter each.
_DROP = {chr(c) for c in range(0x064B, 0x0653)} | {"\u0670", "\u0640"}
_FOLD = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
                       "\u0629": "\u0647", "\u0649": "\u064a", **{chr(0x0660 + i): str(i) for i in range(10)},
                       **{chr(0x06F0 + i): str(i) for i in range(10)}})
_L = r"\u0621-\u064a"  # an Arabic letter, for word edges
_CLITIC = r"(?:[وفبل]{1,2})?(?:ال|لل)?"
_BY = r"(?:من\s+قبل|على\s+(?:يد|ايدي)|بنيران|برصاص|بقصف|بغاره|بغارات|بقذائف|نفذها|نفذه|شنها|شنه)\s+"
_TARGET = r"(?:استهدف\w*|ضد|على|مع|هاجم\w*|مواقع|مقرات|عناصر\s+من|من\s+عناصر|من)\s+"


def is_arabic(text: str) -> bool:
    """Whether most letters of ``text`` are Arabic."""
    sample = text[:2000]
    arabic = len(_ARABIC.findall(sample))
    return arabic > 20 and arabic > 2 * len(_LATIN.findall(sample))


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` folded for matching, with each folded character's offset in ``text``."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch in _DROP:
            continue
        out.append(ch)
        index.append(i)
    index.append(len(text))
    return "".join(out).translate(_FOLD), index


def _words(items: object) -> str:
    """A regex alternation of folded words or phrases, longest first, spaces as any whitespace."""
    folded = {fold(str(w))[0] for w in items}  # type: ignore[attr-defined]
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(folded, key=len, reverse=True))


def _edge(alternation: str) -> str:
    """``alternation`` as whole words, allowing joined clitics in front."""
    return rf"(?<![{_L}]){_CLITIC}(?:{alternation})(?![{_L}])"


@dataclass(frozen=True)
class _Lexicon:
    numbers: dict[str, int]
    vague: dict[str, int]
    number: str
    kill_before: re.Pattern[str]
    kill_after: re.Pattern[str]
    injure_before: re.Pattern[str]
    injure_after: re.Pattern[str]
    mixed: re.Pattern[str]
    single: re.Pattern[str]
    dual: re.Pattern[str]
    victim_class: dict[str, str]
    causes: list[tuple[str, re.Pattern[str]]]
    month: re.Pattern[str]
    actors: re.Pattern[str]
    actor_ids: dict[str, str]
    actor_keys: list[str]  # the aliases, longest first
    by: re.Pattern[str]
    target: re.Pattern[str]


@lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    lex = data.mapping("gazetteer", "arabic.yaml")
    numbers = {fold(str(k))[0]: int(v) for k, v in lex["number_words"].items()}
    vague = {fold(str(k))[0]: int(v) for k, v in lex["vague_numbers"].items()}
    word = rf"(?:{_words(numbers)})"
    number = (rf"(?:(?:{_words(lex['number_qualifiers'])})\s+)?"
              rf"(?P<num>\d+|{word}(?:\s+و\s*{word})*(?:\s+{word})?|{_words(vague)})(?![{_L}\d])")
    victims = lex["victims"]
    single = {fold(w)[0]: cls for cls, forms in victims.items() for w in forms["singular"]}
    # The accusative of one person, "جنديا", "ناشطا" (a word ending in ta marbuta takes no alif).
    accusative = {w + "ا": cls for w, cls in single.items() if not w.endswith("ه")}
    dual = {fold(w)[0]: cls for cls, forms in victims.items() for w in forms["dual"]}
    plural = {fold(w)[0]: cls for cls, forms in victims.items() for w in forms["plural"]}
    actor_ids: dict[str, str] = {}
    for row in yaml.safe_load(data.text("gazetteer", "actors.yaml")):
        for alias in (*row.get("aliases", []), *row.get("air_aliases", [])):
            if _ARABIC.search(str(alias)):
                actor_ids[" ".join(fold(str(alias))[0].split())] = row["id"]
    kill_before = _edge(_words(lex["killed_before"]))
    injure_before = _edge(_words(lex["injured_before"]))
    return _Lexicon(
        numbers=numbers, vague=vague, number=number,
        kill_before=re.compile(rf"{kill_before}\s+(?:عن\s+)?(?:{number})"),
        kill_after=re.compile(rf"(?<![{_L}\d])(?:و\s*)?{number}\s+(?:{_edge(_words(plural))}\s+)?{_edge(_words(lex['killed_after']))}"),
        injure_before=re.compile(rf"{injure_before}\s+(?:{number})"),
        injure_after=re.compile(rf"(?<![{_L}\d])(?:و\s*)?{number}\s+(?:{_edge(_words(plural))}\s+)?{_edge(_words(lex['injured_after']))}"),
        # "مقتل وإصابة 5", "قتل وجرح 5": people hit, no split
        mixed=re.compile(rf"{kill_before}\s+{injure_before}|{injure_before}\s+{kill_before}"),
        # "مقتل جندي"; "قتل مسلحون مجهولون ناشطا": the victim as object after the killers
        single=re.compile(rf"{kill_before}\s+(?:(?P<noun>{_words(single)})(?![{_L}])|(?:[{_L}]+\s+){{0,3}}?"
                          rf"(?P<object>{_words(accusative)})(?![{_L}]))"),
        dual=re.compile(rf"{kill_before}\s+(?P<noun>{_words(dual)})(?![{_L}])"),
        victim_class={**plural, **single, **dual, **accusative},
        causes=[(cause, re.compile(_edge(_words(words)))) for cause, words in lex["causes"].items()],
        month=re.compile(rf"\s+(?:شهر\s+)?{_edge(_words(lex['months']))}"),
        actors=re.compile(_edge(_words(actor_ids))),
        actor_ids=actor_ids,
        actor_keys=sorted(actor_ids, key=len, reverse=True),
        by=re.compile(rf"{_BY}(?:ال)?$"),
        target=re.compile(rf"(?<![{_L}]){_TARGET}$"),
    )


def value(phrase: str) -> int | None:
    """The number a folded Arabic number phrase states ("خمسه وعشرين" = 25, "عشرات" = 10)."""
    lex = lexicon()
    digits = re.search(r"\d+", phrase)
    if digits:
        return int(digits.group())
    if phrase in lex.vague:
        return lex.vague[phrase]
    # "وعشرين": the joined "and" of compound numbers.
    tokens = (t[1:] if t.startswith("و") and t[1:] in lex.numbers else t for t in re.findall(rf"[{_L}]+", phrase))
    return numbers.add_up(lex.numbers[t] for t in tokens if t in lex.numbers)


_SENTENCE = re.compile(r"[^.!?؟\n؛]+[.!?؟؛]?")


def read_claims(body: str, places: list[PlaceMention], gaz: Gazetteer, country: str | None, title: str = "",
                published: date | None = None) -> list[Claim]:
    """One claim per sentence of ``body`` that gives a toll, a "killed and injured" count or none."""
    lex = lexicon()
    folded, index = fold(body)
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(folded) if m.group().strip()]
    title_folded = fold(title)[0]
    claims = []
    for n, (start, end) in enumerate(sentences):
        text = folded[start:end]
        reading = _read(lex, text)
        if reading is None:
            continue
        victims = [(a, b) for a, b in reading.spans]
        neighbours = [folded[a:b] for a, b in sentences[max(0, n - 1):n + 2]] + [title_folded]
        cause = _cause(lex, text) or next((c for c in map(lambda t: _cause(lex, t), neighbours) if c), "unknown")
        perpetrator = _agent(lex, text, victims) or next(
            (p for p in (_agent(lex, t, []) for t in neighbours) if p), None)
        perpetrator = _localised(gaz, perpetrator, country)
        if cause == "unknown" and perpetrator is not None:
            cause = "shooting"  # killed by a named side, no weapon named: an attack (as in claims.py)
        # Offsets back into the body: the sentence, and the figures relative to it.
        o_start, o_end = index[start], index[end]
        reading.spans = [(index[start + a] - o_start, index[start + b] - o_start) for a, b in reading.spans]
        reading.anchor = reading.spans[0][0] if reading.spans else 0
        place = next((m.place.id for m in places if o_start <= m.start < o_end), None)
        claims.append(Claim(Span(o_start, o_end, 0), reading, cause, 3, perpetrator, 3, place, published))
    return _merge(claims)


def _read(lex: _Lexicon, text: str) -> casualties.Reading | None:
    """The toll of one folded sentence."""
    reading = casualties.Reading()
    killed = _figure(lex, text, (lex.kill_before, lex.kill_after))
    injured = _figure(lex, text, (lex.injure_before, lex.injure_after))
    if killed is None:
        m = lex.dual.search(text) or lex.single.search(text)
        if m is not None and not lex.mixed.match(text, m.start()):
            count = 2 if m.re is lex.dual else 1
            noun = "object" if m.re is lex.single and m.group("object") else "noun"
            killed = (count, m.start(noun), m.end(noun), lex.victim_class.get(m.group(noun), "unknown"))
    mixed = lex.mixed.search(text)
    if mixed is not None and (killed is None or mixed.start() <= killed[1] <= mixed.end() + 20):
        # "مقتل وإصابة 5 جنود": hit, not a split into dead and hurt
        reading.spans.append((mixed.start(), mixed.end()))
        return reading
    if killed is not None:
        reading.killed, reading.victims = killed[0], {killed[3]}
        reading.spans.append((killed[1], killed[2]))
    if injured is not None:
        reading.injured = injured[0]
        reading.spans.append((injured[1], injured[2]))
    return reading if reading.spans else None


def _figure(lex: _Lexicon, text: str, patterns: tuple[re.Pattern[str], ...]) -> tuple[int, int, int, str] | None:
    """(count, start, end, victim class) of the first figure any of ``patterns`` finds."""
    best = None
    for pattern in patterns:
        for m in pattern.finditer(text):
            if lex.month.match(text, m.end("num")) or re.fullmatch(r"(?:19|20)\d\d", m.group("num")):
                continue  # "في 11 أيلول", "عام 2019"
            count = value(m.group("num"))
            if count is None:
                continue
            noun = re.match(rf"\s+(?:من\s+)?{_CLITIC}([{_L}]+)", text[m.end("num"):])
            victims = lex.victim_class.get(noun.group(1), "unknown") if noun else "unknown"
            if best is None or m.start("num") < best[1]:
                best = (count, m.start("num"), m.end(), victims)
            break
    return best


def _cause(lex: _Lexicon, text: str) -> str | None:
    return next((cause for cause, pattern in lex.causes if pattern.search(text)), None)


def _agent(lex: _Lexicon, text: str, victims: list[tuple[int, int]]) -> str | None:
    """The actor doing the killing: one named after "by" (من قبل، بنيران، بقصف...), else the
    first one that is neither in the victims' phrase nor the target of the attack."""
    found = []
    for m in lex.actors.finditer(text):
        if any(a <= m.start() <= b + 12 for a, b in victims):
            continue  # "مقتل 5 عناصر من داعش": the dead, not the killers
        before = text[max(0, m.start() - 25):m.start()]
        said = " ".join(m.group().split())
        # The longest alias the mention ends with, what comes before it being a clitic.
        aid = next((lex.actor_ids[k] for k in lex.actor_keys if said.endswith(k) and len(said) - len(k) <= 4), None)
        if aid is None:
            continue
        if lex.by.search(before):
            return aid
        if not lex.target.search(before):
            found.append(aid)
    return found[0] if found else None


def _localised(gaz: Gazetteer, actor: str | None, country: str | None) -> str | None:
    """A country-neutral actor ("الجيش", "الشرطة") as the forces of the story's country."""
    if actor is None or actor not in gaz.actors:
        return actor
    table = dict(gaz.actors[actor].in_country)
    return table.get(country or "*", table.get("*", actor)) if table else actor
