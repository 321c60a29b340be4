"""Numbers in casualty reports, read the way ACLED codes them.

"at least 16" is 16 and "more than 100" is 100 (the stated figure, qualifiers dropped);
"40+" is 40; words count ("eight", "twenty-five", "a dozen"); vague amounts get ACLED's
fixed values ("dozens" = 12, "scores" = 20, "hundreds" = 100); a range keeps its lower end
("20 to 30" = 20, "between 20 and 30" too). ``NUMBER`` is the regex fragment the casualty patterns embed, and
``value`` turns what it matched into an integer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from sitrep.stages.extract.gazetteer import gazetteer


def alternation(words: list[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any whitespace.

    Written as a trie ("kill(?:ing|ed)" for "killing|killed"): Python's engine tries the
    branches of a case-blind alternation one by one at every position, so a list of a few
    hundred nouns is tried a few hundred times where a trie tries one branch per letter.
    The trie matches what the flat list matches, with the same preference (``_trie_safe``, ``_rest``).
    """
    ordered = sorted({w.lower() for w in words}, key=len, reverse=True)
    if not all(_trie_safe(w) for w in ordered):
        return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)
    return "|".join(_branches([list(w) for w in ordered]))  # top-level "|" as the flat list has it


def _trie_safe(phrase: str) -> bool:
    """Whether the trie of ``phrase`` keeps the flat alternation's matches.

    Two branches of a trie node start with different characters, so at most one can match
    at a place, and preference among them cannot change anything, only with ASCII (outside
    it, a case-blind match can take one character for two: "K" and the Kelvin sign). A space
    (any whitespace in the text) must stand between two other characters, so that the
    whitespace run is always taken whole. (No backslash: the flat list's escaping of one
    before a space differs.)
    """
    return (phrase.isascii() and phrase == phrase.strip() and "  " not in phrase and "\\" not in phrase
            and not any(c.isspace() and c != " " for c in phrase) and phrase != "")


def _branches(phrases: list[list[str]]) -> list[str]:
    """The branches of a trie of ``phrases`` (as characters, in preference order), one per
    first character, shared beginnings written once."""
    rests: dict[str, list[list[str]]] = {}
    for phrase in phrases:
        rests.setdefault(phrase[0], []).append(phrase[1:])
    return [(r"\s+" if first == " " else re.escape(first)) + _rest(after) for first, after in rests.items()]


def _rest(phrases: list[list[str]]) -> str:
    """What may follow a trie node. A phrase that ends there comes after the longer ones, as
    in the longest-first order: an optional group tries its content first."""
    ends = [] in phrases
    parts = _branches([p for p in phrases if p])
    if not parts:
        return ""
    if len(parts) == 1 and not ends:
        return parts[0]
    return "(?:" + "|".join(parts) + ")" + ("?" if ends else "")


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, int], list[tuple[str, int]], str]:
    lex = gazetteer().lexicon
    words = {str(k).lower(): int(v) for k, v in lex["number_words"].items()}
    vague = {str(k).lower(): int(v) for k, v in lex["vague_numbers"].items()}
    word = alternation(list(words))
    qualifier = alternation(lex["number_qualifiers"])
    digits = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?"
    # "twenty-five", "two hundred", "one hundred and twenty"; "two dozen" counts too.
    spelled = rf"(?:{word})(?:(?:\s+and\s+|[\s-]+)(?:{word}))*(?:\s+dozens?)?"
    pattern = (
        rf"(?:(?:{qualifier})\s+)?"
        # "between 10 and 15": a range, read as its lower end like "10 to 15"
        rf"(?:between\s+(?:{digits}|{spelled})\s+and\s+(?:{digits}|{spelled})|(?:{digits})\+?(?:\s*(?:-|–|to)\s*(?:{digits}))?|{spelled}|{alternation(list(vague))})"
        r"[\"”’']?(?:\s+of(?:\s+the)?)?"
    )
    return words, sorted(vague.items(), key=lambda kv: -len(kv[0])), pattern


def number_pattern() -> str:
    """The regex fragment for one number phrase ("at least 16", "dozens of", "twenty-five")."""
    return _tables()[2]


_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+")
_TOKEN = re.compile(r"[a-z]+")


@lru_cache(maxsize=4096)  # the same phrases ("at least 16", "two") come up again and again
def value(phrase: str) -> int | None:
    """The ACLED value of a number phrase, or None when it holds no number.

    >>> value("at least 16"), value("40+"), value("dozens of"), value("twenty-five"), value("20 to 30")
    (16, 40, 12, 25, 20)
    """
    words, vague, _ = _tables()
    text = " ".join(phrase.lower().replace("-", " ").strip("\"”’' ").split())
    text = text.replace("”", "").replace('"', "")
    if text.startswith("between ") and " and " in text:
        text = text[len("between "):].split(" and ")[0]  # a range's lower end
    for qualifier in ("of the", "of"):
        if text.endswith(" " + qualifier):
            text = text[: -len(qualifier) - 1]
    digits = _DIGITS.search(text)
    if digits:
        return int(digits.group().replace(",", ""))
    for phrase_, number in vague:
        if text.endswith(phrase_) and not any(w in words for w in text[: -len(phrase_)].split()):
            return number
    return add_up(DOZEN if token == "dozen" else words[token] for token in _TOKEN.findall(text) if token == "dozen" or token in words)


DOZEN = -12  # a multiplier, not an amount: "two dozen" is 24


def add_up(values: Iterable[int]) -> int | None:
    """The number a run of number words states, from their values in order ("two hundred
    and five" = 2, 100, 5 = 205); None for no values. Shared by the English and Arabic readers."""
    total = current = 0
    found = False
    for n in values:
        found = True
        if n == 100 or n == DOZEN:
            current = (current or 1) * abs(n)
        elif n == 1000:
            total += (current or 1) * 1000
            current = 0
        else:
            current += n
    return total + current if found else None
