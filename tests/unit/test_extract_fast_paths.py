"""The extractor's shortcuts give the answers of the plain code they stand in for.

Each shortcut (a case-insensitive regex run on lower-cased text, a window cut down to the
one line a byline can be on, a perpetrator search that drops actors below the caller's
threshold, ...) is checked against the straightforward version on random and real text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitrep.stages.extract import claims, entities, geo, sentences
from sitrep.stages.extract import gazetteer as gazetteer_
from sitrep.stages.extract.article import extract
from sitrep.stages.extract.gazetteer import gazetteer
from sitrep.stages.extract.geo import resolve
from sitrep.stages.extract.translit import Caseless, normalize
from sitrep.stages.types import CleanArticle

ROOT = Path(__file__).resolve().parents[2]
# Letters that case-insensitive matching pairs with ASCII ones while lower() does not, or
# that lower-case to two characters; and the whitespace and punctuation the patterns use.
TRICKY = "İıſKkKsSiI\n\t  .,'’-(" + "ΣσςΆ"
WORDS = ["by", "By", "BY", "the", "The", "of", "to", "from", "be", "been", "suspected", "blamed", "accused", "forces",
         "fired", "FIRED", "opened fire", "against", "positions of", "including", "among them", "no casualties",
         "province of", "rural", "eastern", "countryside of", "standby", "bathe", "said to have been"]
texts = st.lists(st.one_of(st.sampled_from(WORDS), st.text(alphabet=TRICKY, max_size=3)), max_size=12).map(" ".join)


def _article_texts() -> list[str]:
    out = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    for path in sorted((ROOT / "tests" / "data" / "extract").glob("*.jsonl")):
        out += [json.loads(line)["body"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


ARTICLES = _article_texts()
PATTERNS = [claims._BY.regex.pattern, claims._OBJECT_BEFORE.regex.pattern, claims._ATTACK_VERB.regex.pattern,
            claims._CLAIMED.regex.pattern, geo._PLACE_CUE.regex.pattern, geo._KIND_CUE.regex.pattern,
            r"\bno\s+one\b|^by\s+$|\bat\s*$|(?:a|ab)+c?"]


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=300, deadline=None)
@given(text=texts, data=st.data())
def test_caseless_finds_what_the_case_insensitive_regex_finds(pattern, text, data):
    pos = data.draw(st.integers(0, len(text)))
    endpos = data.draw(st.one_of(st.none(), st.integers(0, len(text))))
    expected = re.compile(pattern, re.IGNORECASE).search(text, pos, len(text) if endpos is None else endpos)
    caseless = Caseless(pattern)
    assert caseless.span(text, pos, endpos) == (expected.span() if expected else None)
    assert caseless.found(text, pos, endpos) is (expected is not None)


@pytest.mark.parametrize("pattern", [r"\bBy\s+$", r"(?<=\s)by", r"(?-i:IS)\s+fighters"])
def test_caseless_refuses_patterns_it_would_get_wrong(pattern):
    with pytest.raises(ValueError):
        Caseless(pattern)


def _normalize_plainly(text: str) -> str:
    """``normalize`` as first written: one character at a time after lower-casing (and with
    Arabic ta marbuta and alif maqsura folded to ha and ya, as names are spelled both ways)."""
    def fold(ch: str) -> str:
        if ch in "\u0130\u0131":
            return "i"
        if ch in "\u0629\u0649":
            return {"\u0629": "\u0647", "\u0649": "\u064a"}[ch]
        low = ch.lower()
        low = ch if len(low) != 1 else low
        base = unicodedata.normalize("NFKD", low)[0]
        return base if base.isalnum() else (low if low.isalnum() else " ")

    low = text.lower()
    if len(low) != len(text):
        low = "".join(fold(ch) for ch in text)
    else:
        low = "".join(ch if ch.isascii() else fold(ch) for ch in low)
    return "".join(ch if not ch.isascii() or ch.isalnum() else " " for ch in low)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60) | texts)
def test_normalize_keeps_offsets_and_folds_as_before(text):
    assert normalize(text) == _normalize_plainly(text)
    assert len(normalize(text)) == len(text)


@pytest.mark.parametrize("text", ["Deir ez-Zor’s “rural” areas — DEIR EZ-ZOR", "ΟΔΟΣ Σ σ", "İstanbul and Iğdır",
                                  "ℌello ϓ Ǆ ﬀ Ⅻ", "Kelvin K and ſ", "Dar‘a, Dayr az Zawr", "", "محافظة ديالى"])
def test_normalize_on_awkward_letters(text):
    assert normalize(text) == _normalize_plainly(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["By", "by", "BY", " ", "\t", "\n", ":", "Tom", " Perry", "x", "b", "y"]),
                max_size=10))
def test_a_byline_is_looked_for_on_its_own_line_only(parts):
    body = "".join(parts)
    for start in range(len(body) + 1):
        assert entities._after_byline(body, start) is (entities._BYLINE.search(body, 0, start) is not None)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_the_by_precheck_never_rules_out_a_match(before):
    words = before.lower().split()[-3:]
    if claims._BY.regex.search(before):
        assert words and claims._may_end_in_by(words)


def test_sentences_with_offsets_are_the_ones_that_contain_them():
    for body in ARTICLES[:20]:
        spans = sentences.split(body)
        offsets = sorted({m.start() for m in re.finditer(r"\b(?:killed|the|and)\b", body)})
        expected = [i for i, s in enumerate(spans) if bisect_left(offsets, s.start) != bisect_left(offsets, s.end)]
        assert claims._sentences_with(spans, offsets) == expected


def _agent_plainly(side, start, end, anchor, cause, skip, subject, gaz):
    """The perpetrator search as first written: every actor of the window scored in full."""
    text, best = side.text, None
    for s, e, aid, air in side.actors:
        if not start <= s < end or any(a <= s < b or 0 <= s - b <= 24 and claims._AFFILIATION.fullmatch(text, b, s)
                                          for a, b in skip):
            continue
        nxt = claims._NEXT_WORD.match(text, e, min(len(text), e + 24))
        if nxt and (nxt.group(1).lower() in claims._OBJECT_NEXT and not claims._THEN_BY.match(text, nxt.end())
                    or nxt.group(1) in claims._ORG_NEXT):
            continue
        before = text[max(start, s - 40):s]
        tail = set(before.lower().split()[-3:])
        by = bool(tail & claims._BY_WORDS) and bool(claims._BY.regex.search(before))
        clash = s > anchor and bool(tail & {"with", "against"}) and bool(claims._CLASH_WITH.regex.search(before))
        if by and not clash and claims._BY_NO_AGENT.regex.search(before):
            continue
        by = by or clash
        if (tail & claims._SUBSET_WORDS and claims._SUBSET_BEFORE.regex.search(before)) or (
                not by and tail & claims._OBJECT_WORDS and claims._OBJECT_BEFORE.regex.search(before)):
            continue
        score = 0.0
        if by and not claims._FOILED.regex.search(text[max(start, s - 60):s]):
            score += 5
        if air and cause in ("airstrike", "unknown"):
            score += 4
        after = text[e:min(end, e + 80)]
        told = bool(claims._REPORTS.match(after))
        linked = [t.ref for c in side.cues if e <= c.start <= min(end, e + 40) for t in c.targets]
        if linked and not told:
            score += 4 if cause in linked or cause == "unknown" else 1
        if claims._ATTACK_VERB.regex.search(text, e, min(end, e + 60)):
            score += 3
        if subject and e <= anchor and not told:
            score += 2.2 if not any(start <= a < s for a, _, _, _ in side.actors) else 2
        if ("respons" in after or "claim" in after or " it " in after) and claims._CLAIMED.regex.search(after):
            score += 4
        if gaz.actors[aid].generic:
            score -= 0.5
        candidate = (score, -abs(s - anchor), aid)
        if best is None or candidate > best:
            best = candidate
    return (best[0], best[2]) if best else None


def test_the_perpetrator_search_only_drops_actors_below_the_floor():
    gaz = gazetteer()
    checked = 0
    for body in ARTICLES:
        scan = gaz.scan(body)
        places, actors = resolve(body, scan.names, gaz)
        titles = [h for h in scan.names if h.targets[0].kind == "title"]
        found = entities.collect(body, places, actors, scan.cues, titles, gaz)
        side = claims.side_of(body, found.actor_mentions, scan.cues)
        for span in sentences.split(body):
            for cause in ("airstrike", "shelling", "unknown"):
                for subject, anchor in ((False, span.end), (True, (span.start + span.end) // 2)):
                    plain = _agent_plainly(side, span.start, span.end, anchor, cause, [], subject, gaz)
                    for floor in (2, 4):
                        fast = claims._agent(side, span.start, span.end, anchor, cause, [], subject, gaz, floor)
                        if plain is not None and plain[0] >= floor:
                            assert fast == plain
                        else:
                            assert fast is None or fast[0] < floor
                        checked += 1
    assert checked > 1000


def test_a_place_shares_its_geo_across_articles():
    body = "Air strikes hit Aleppo on Monday."
    a, b = extract(CleanArticle(id="a", body=body)), extract(CleanArticle(id="b", body=body + " More later."))
    geo_a = next(e.geo for e in a.entities if e.geo)
    assert geo_a is next(e.geo for e in b.entities if e.geo)


# Text for the name finders: capitals, articles, digits, the characters words are made of and
# the ones case folding pairs with ASCII letters.
NAME_PARTS = ["al", "Al", "el", "El", "al-", "ash ", "Tall", "Mosul", "the", "The", "at least", "one", "twenty-five,",
              "A", "an", "AN", "3", "١٢", "²", "ſeven", "K", "İ", "é", "É", "ب", "_", "'", "’", "+", ",", ".", "-", " ", "\n"]
name_texts = st.lists(st.sampled_from(NAME_PARTS) | st.text(alphabet="aeAEltT1 -_'.,", max_size=3), max_size=16).map("".join)


@settings(max_examples=500, deadline=None)
@given(name_texts)
def test_name_start_patterns_find_what_a_leading_look_behind_finds(text):
    plain_start = re.compile(r"(?<![^\W_])[A-Z\u00c0-\u00de\u0621-\u064a]")
    plain_name = re.compile(r"(?<![^\W_])(?:(?:al|el|Al|El)[- ])?[A-Z][a-z']{3,}")
    plain_article = re.compile(r"(?<![^ ])(?:" + "|".join(sorted(gazetteer_.ARTICLES, key=len, reverse=True)) + r") ")
    assert [m.start() for m in gazetteer_._NAME_START.finditer(text)] == [m.start() for m in plain_start.finditer(text)]
    assert [m.span() for m in gazetteer_._LATIN_NAME.finditer(text)] == [m.span() for m in plain_name.finditer(text)]
    norm = normalize(text)
    assert ([m.start() for m in gazetteer_._ARTICLE_START.finditer(f" {norm}")]
            == [m.start() for m in plain_article.finditer(norm)])


def _village_hits_plainly(gaz, text: str, norm: str) -> list:
    """The village lookup as first written: every word run from a start tried, up to the most words a name has."""
    trie, size, hits = gaz._village_trie, len(norm), []
    starts = {m.start() for m in re.finditer(r"(?<![^\W_])[A-Z\u00c0-\u00de\u0621-\u064a]", text)}
    starts |= {m.start() for m in re.finditer(r"(?<![^ ])(?:" + "|".join(gazetteer_.ARTICLES) + r") ", norm)}
    for start in sorted(starts):
        stop = norm.find(" ", start)
        stop = size if stop < 0 else stop
        if not trie.match(norm[start:stop]):
            continue
        for _ in range(gaz._village_words):
            code = trie.get(norm[start:stop], 0)
            if code and not text[start:stop].islower():
                codes = (code,) if code > 0 else gaz._village_shared[-code - 1]
                hits.append((start, -stop, tuple(map(gazetteer_._village_target, codes))))
            if stop + 1 >= size or norm[stop] != " " or norm[stop + 1] == " ":
                break
            nxt = norm.find(" ", stop + 1)
            stop = size if nxt < 0 else nxt
    return hits


def test_the_village_lookup_stops_where_the_trie_does():
    gaz = gazetteer()
    texts_ = [*ARTICLES, "Clashes in the village of Tall al Hawa and in al-Rashad, Kirkuk.", "QARYAT AL ABBAS  Al  Rashad"]
    found = 0
    for text in texts_:
        norm = normalize(text)
        plain = _village_hits_plainly(gaz, text, norm)
        assert gaz._village_hits(text, norm) == plain
        found += len(plain)
    assert found > 0
