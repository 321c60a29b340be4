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
    """A regex alternation of phrases, longest first, spaces matching any whitespace."""
    ordered = sorted({w.lower() for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


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
