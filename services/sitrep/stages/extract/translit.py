"""Text normalisation shared by the gazetteer keys and the text they are matched in.

Arabic place names reach English reports in many romanisations: Deir ez-Zor, Deir Ezzor,
Deir ar Zour, Dier Ezzor, Dayr az Zawr. Instead of listing each one, ``variants`` derives
them from a name by rule (article forms, vowel spellings, doubled letters), and ``normalize``
folds case and diacritics, and turns punctuation (hyphens, quote marks) into spaces, the
same way on both sides, so that "Deir ez-Zor", "DEIR EZ-ZOR" and "Deir Ez Zor" are one key.

``normalize`` keeps the text's length, character for character, so that an offset found in
the normalised text is the same offset in the original body.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

# One character in, one character out: letters and digits lose case and diacritics, and
# everything else (spaces, hyphens, quotes, the marks for 'ayn and hamza) becomes a space.
# Matching then happens word by word: "Deir ez-Zor", "DEIR EZ ZOR" and "Dar‘a"/"Dar'a" are
# the same words, and a name can only match whole words.
_ASCII_FOLD = {c: " " for c in range(128) if not chr(c).isalnum()}


_ARABIC_FOLD = {"\u0629": "\u0647", "\u0649": "\u064a"}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """The lower-case base letter (or digit) of one character, or a space."""
    if ch in "\u0130\u0131":  # Turkish dotted capital I lower-cases to two characters
        return "i"
    if ch in _ARABIC_FOLD:  # spelled either way in Arabic text: ta marbuta/ha, alif maqsura/ya
        return _ARABIC_FOLD[ch]
    low = ch.lower()
    if len(low) != 1:
        low = ch
    base = unicodedata.normalize("NFKD", low)[0]  # "ā" -> "a", "ḩ" -> "h"
    if base.isalnum():
        return base
    return low if low.isalnum() else " "


_NON_ASCII = re.compile(r"([^\x00-\x7f])")  # captured, so that ``split`` keeps the characters
# ``_ASCII_FOLD`` after lower-casing, as one byte table: for ASCII text (nearly every article
# once its quote marks and dashes are folded) both are a single bytes.translate.
_ASCII_LOWER_FOLD = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)) + bytes(range(128, 256))


def normalize(text: str) -> str:
    """Lower-cased, diacritic-free, punctuation-free copy of ``text``, same length and offsets."""
    if text.isascii():
        return _fold_ascii(text)
    # str.lower works one character at a time except for a final sigma and the Turkish
    # capital I (two characters), so elsewhere each non-ASCII character folds on its own.
    if "\u03a3" not in text and "\u0130" not in text:
        parts = _NON_ASCII.split(text)  # text, character, text, character, ..., text
        folded = [_fold_char(ch.lower()) for ch in parts[1::2]]
        if all(ch.isascii() and not ch.isupper() for ch in folded):  # else lower-casing would touch them
            parts[1::2] = folded
            return _fold_ascii("".join(parts))
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer (Turkish capital I)
        low = "".join(_fold_char(ch) for ch in text)
    else:
        parts = _NON_ASCII.split(low)
        parts[1::2] = [_fold_char(ch) for ch in parts[1::2]]
        low = "".join(parts)
    return low.translate(_ASCII_FOLD)


def _fold_ascii(text: str) -> str:
    return text.encode("ascii").translate(_ASCII_LOWER_FOLD).decode("ascii")


def normalize_key(name: str) -> str:
    """The key a name is stored under: normalised and trimmed (inner spacing kept, as in text)."""
    return normalize(name).strip()


_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bb\u02bc\u02bf\u02be`\u00b4]")


ARTICLES = frozenset("al el il ul as ash ad adh ar az at ath an es esh ed edh er ez et eth en us ush ud ur uz ut un".split())
# Before these "sun letters" the Arabic article assimilates: al-Shaddadah is ash-Shaddadah.
_SUN = ("th", "dh", "sh", "t", "d", "r", "z", "s", "n", "l")

# Spelling alternations seen across outlets; each applies to one word at a time.
_RULES = (
    (re.compile(r"iyyah$"), ("iya", "iyah")),  # al-Kāżimiyyah, Kadhimiya
    (re.compile(r"ay"), ("ei", "ai", "ey")),
    (re.compile(r"ei"), ("ay", "ie", "ai", "ey")),
    (re.compile(r"aw"), ("ou", "o", "au")),
    (re.compile(r"ou"), ("u", "o")),
    (re.compile(r"oo"), ("u",)),
    (re.compile(r"(?<=[^aeiou])u(?=[^aeiou])"), ("ou", "o")),
    (re.compile(r"(?<=[^aeiou])o(?=[^aeiou]|$)"), ("ou", "u")),
    (re.compile(r"(?<=[^aeiou])u$"), ("o",)),  # a final u written o: Khurmatu, Khurmato
    (re.compile(r"ee"), ("i",)),
    (re.compile(r"(?<=[^aeiou])i(?=[^aeiou])"), ("ee", "e")),
    (re.compile(r"q"), ("k",)),
    (re.compile(r"^dh"), ("th", "z")),  # dhal: Dhi Qar, Thi Qar, Zi Qar
    (re.compile(r"^th"), ("dh",)),
    (re.compile(r"(?<=[^aeiou])a(?=w)"), ("e",)),  # fatha before waw written e: Ninawa, Ninewa
    (re.compile(r"([bcdfghjklmnpqrstvwxz])\1"), (r"\1",)),
    (re.compile(r"ah$"), ("a", "eh", "e")),
    (re.compile(r"eh$"), ("a", "ah", "e")),
    (re.compile(r"iyah$"), ("iya", "iyeh", "ieh", "ia")),
    (re.compile(r"iyeh$"), ("iyah", "iya", "ieh")),
)
_WHOLE = {
    "tall": ("tal", "tell", "tel"), "tal": ("tall", "tell", "tel"), "tell": ("tal", "tall", "tel"),
    "ayn": ("ain", "ein"), "ain": ("ayn", "ein"), "ein": ("ain", "ayn"),
    "abu": ("abou",), "bu": ("bou",), "kafr": ("kfar", "kafar", "kfr"), "jabal": ("jebel", "jabel"),
    "jebel": ("jabal",), "shaykh": ("sheikh", "sheik", "cheikh"), "sheikh": ("shaykh", "sheik"),
    "dayr": ("deir", "dier", "deyr", "dair"), "deir": ("dayr", "dier", "deyr", "dair"),
    "khirbat": ("khirbet", "kherbet"), "khirbet": ("khirbat",), "mazraah": ("mazraa", "mazraat"),
}
_MAX_WORD_VARIANTS = 10
_MAX_VARIANTS = 240


def _word_variants(word: str) -> list[str]:
    """Spellings of one word, the word itself first, breadth-first over at most two rules."""
    seen = [word]
    frontier = [word]
    for _ in range(2):
        nxt = []
        for w in frontier:
            for alt in _WHOLE.get(w, ()):
                nxt.append(alt)
            for pattern, reps in _RULES:
                if pattern.search(w):
                    nxt.extend(pattern.sub(rep, w, count=1) for rep in reps)
        for w in nxt:
            if w and w not in seen:
                seen.append(w)
                if len(seen) >= _MAX_WORD_VARIANTS:
                    return seen
        frontier = nxt
    return seen


def _article_forms(next_word: str) -> list[tuple[str, str]]:
    """(article, joiner) pairs for an article before ``next_word``: al-X, el X, ash-Sh..., ez+Zor.

    "ar" and "az" come whatever the next letter, because writers use them loosely
    ("Deir ar Zour" for Deir ez-Zor).
    """
    forms = [("al", " "), ("el", " "), ("ar", " "), ("az", " ")]
    sun = next((s for s in _SUN if next_word.startswith(s)), None)
    if sun:
        forms += [("a" + sun, " "), ("e" + sun, " "), ("a" + sun[0], ""), ("e" + sun[0], ""), ("a" + sun, "")]
    return list(dict.fromkeys(forms))


_ARABIC_LETTERS = re.compile(r"[\u0621-\u064a]")
# One-letter words Arabic writes joined to the next: wa- (and), bi- (in, by), fa- (then),
# li- (to, for), and two of them together. Before the article al-, li- drops its alif: lil-.
_ARABIC_CLITICS = ("\u0648", "\u0628", "\u0641", "\u0644", "\u0648\u0628", "\u0648\u0644")


def _arabic_variants(key: str) -> set[str]:
    """An Arabic-script name as written alone and with a joined clitic ("وحلب", "بالموصل")."""
    out = {key}
    for clitic in _ARABIC_CLITICS:
        if clitic.endswith("\u0644") and key.startswith("\u0627\u0644"):
            out.add(clitic + key[1:])  # li- + al-Mawsil = lil-Mawsil
        else:
            out.add(clitic + key)
    return out


# The emphatic consonants zah and dad, romanised with a dot or cedilla (ẓ, ż, z̧; ḍ, ḑ), are
# written "dh" in Iraqi and Gulf English: al-Kāẓimīyah is Kadhimiya, al-A‘ẓamīyah Adhamiya.
_EMPHATIC = re.compile("[zZdD][\u0323\u0307\u0327]")  # decomposed: a dot below or above, or a cedilla
# Names that begin with "Tall" (a mound) are often written as one word: Tall ‘Afar, Telafar.
_FUSED_FIRST = ("tall", "tal", "tell", "tel")


def _dh(name: str) -> str:
    """``name`` with its emphatic z and d written "dh" (or "" when it has none)."""
    decomposed = unicodedata.normalize("NFD", name)
    if not _EMPHATIC.search(decomposed):
        return ""
    return unicodedata.normalize("NFC", _EMPHATIC.sub(lambda m: "Dh" if m.group()[0].isupper() else "dh", decomposed))


@lru_cache(maxsize=16384)
def variants(name: str) -> frozenset[str]:
    """Normalised spellings of a place name, e.g. every common form of "Deir ez-Zor".

    Cached: the gazetteer asks for a place's own name's spellings twice (to match it and to
    tell its own spellings from other names').
    """
    key = normalize_key(name)
    if _ARABIC_LETTERS.search(key):
        return frozenset(_arabic_variants(key))
    # "Dar'a" is written "Dar'a" (two words once folded) and "Daraa"/"Dara" (one): the rules
    # run on the name with its apostrophes dropped, the as-written key is kept as it is.
    words = normalize_key(_APOSTROPHES.sub("", name)).split()
    if not words or not key:
        return frozenset()
    slots: list[list[str]] = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in ARTICLES and nxt:
            forms = [art + join for art, join in _article_forms(nxt)]
            if i == 0 and len(" ".join(words[1:])) >= 4:
                forms.append("")  # "Raqqa" for "Ar Raqqah": only when enough of a name is left
            slots.append(forms)
        else:
            slots.append([w + " " for w in _word_variants(word)])
    out = {key}
    for combo in itertools.islice(itertools.product(*slots), _MAX_VARIANTS):
        out.add(re.sub(r" {2,}", " ", "".join(combo)).strip())
    if len(words) == 2 and words[0] in _FUSED_FIRST and len(words[1]) >= 4:
        out.update(first + w for first in _FUSED_FIRST for w in _word_variants(words[1])[:3])
    dh = _dh(name)
    if dh:
        out |= variants(dh)
    return frozenset(v for v in out if len(v) >= 3)


_VILLAGE_MAX_VARIANTS = 24
_VILLAGE_RESPELLINGS = (
    (re.compile(r"ay"), "ei"),
    (re.compile(r"([bcdfghjklmnpqrstvwxz])\1"), r"\1"),
    (re.compile(r"(?:ah|eh)\b"), "a"),
)


@lru_cache(maxsize=4096)
def village_variants(name: str) -> frozenset[str]:
    """A few normalised spellings of a village's name: its article forms ("al-", "el-", "ash-"
    before a sun letter, none before the rest of the name) and the common word swaps
    ("Tall"/"Tal"/"Tell").

    ``variants`` gives every place of the first tier up to 240 spellings; for the tens of
    thousands of villages that would be millions of keys, and GeoNames already lists most of a
    village's romanisations as alternate names.
    """
    key = normalize_key(name)
    if _ARABIC_LETTERS.search(key):
        return frozenset(_arabic_variants(key))
    words = normalize_key(_APOSTROPHES.sub("", name)).split()
    if not words:
        return frozenset()
    slots: list[list[str]] = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in ARTICLES and nxt:
            sun = next((s for s in _SUN if nxt.startswith(s)), None)
            forms = ["al ", "el ", *((f"a{sun} ",) if sun else ())]
            if i == 0 and len(words) > 2:  # "Jazirah" alone is a word; "Tall Ahmar" a name
                forms.append("")
            slots.append(forms)
        else:
            slots.append([w + " " for w in (word, *_WHOLE.get(word, ()))])
    out = {key}
    for combo in itertools.islice(itertools.product(*slots), _VILLAGE_MAX_VARIANTS):
        out.add(re.sub(r" {2,}", " ", "".join(combo)).strip())
    # Each common respelling once over the whole name (not in every combination, as
    # ``variants`` does): "Mukhaysah" is also written "Mukheisa", "Tall Jabbar" "Tal Jabar".
    for pattern, rep in _VILLAGE_RESPELLINGS:
        out |= {pattern.sub(rep, v) for v in tuple(out)}
    if _AYN_AFTER_A.search(name):
        out |= village_variants(ayn_as_vowel(name))
    return frozenset(v for v in out if len(v) >= 3)


# The 'ayn after a short a is often written as a second a: "Ma‘lūlā" as "Maalula". GeoNames
# writes the 'ayn ‘ and the hamza ’ ("Ra’s"), which is no vowel; a plain ' may be either.
_AYN_AFTER_A = re.compile(r"([aA])[\u2018\u02bf](?=[^\W\d_])")


def ayn_as_vowel(name: str) -> str:
    """The name with each 'ayn after an a written as a second a: "Ma‘lūlā" -> "Maalūlā"."""
    return _AYN_AFTER_A.sub(r"\1a", name)


_SKELETON_PAIRS = (("q", "k"), ("th", "t"), ("dh", "d"), ("ou", "u"))
_DOUBLED = re.compile(r"([a-z])\1+")
_VOWELS = re.compile(r"[aeiouyw]*[aeiou][aeiouyw]*|y")
_FINAL_H = re.compile(r"(?<=V)h$")


def compact(key: str) -> str:
    """A normalised name without its leading article and spaces: "al muqdadiyah" -> "muqdadiyah"."""
    words = key.split()
    return "".join(words[1:] if len(words) > 1 and words[0] in ARTICLES else words)


@lru_cache(maxsize=65536)
def skeleton(key: str) -> str:
    """A normalised name reduced to its consonants, each run of vowels one ``V`` ("Missan" and
    "Maysan" are both "mVsVn", "Telafar" and "Tall Afar" "tVlVfVr"): the part of an Arabic name
    that romanisations agree on. A leading article and a final h after a vowel are dropped,
    doubled letters written once, q/k, th/t, dh/d taken as one; y and w next to a vowel are
    part of it ("Nassiriyah", "Nasiriya": "nVsVrV")."""
    s = compact(key)
    for a, b in _SKELETON_PAIRS:
        s = s.replace(a, b)
    s = _VOWELS.sub("V", _DOUBLED.sub(r"\1", s))
    return _FINAL_H.sub("", s.replace("VV", "V"))


class Caseless:
    """A case-insensitive regex, run as a case-sensitive one on lower-cased ASCII text.

    Python's regex engine cannot skip ahead to where a case-insensitive pattern may start, so
    a search tries the whole pattern at every position of its window. The same pattern,
    case-sensitive, on the lower-cased window can, and is two to four times faster. For ASCII
    text the two agree: lower-casing keeps every offset, and ASCII letters are equal ignoring
    case exactly when their lower cases are equal. Other text gets the case-insensitive regex.

    For patterns written in lower case, without look-behinds or ``(?-i:...)``. It answers
    where ``pattern.search(text, pos, endpos)`` would match (the same match: both walk the
    pattern alike, character by character), not with a match object, whose text would be
    the lower-cased copy's.
    """

    def __init__(self, pattern: str) -> None:
        letters = re.sub(r"\\.", "", pattern)  # escapes such as \S and \b are not letters
        if letters != letters.lower() or "(?<" in pattern or "(?-i" in pattern:
            raise ValueError(f"not a lower-case pattern without look-behinds: {pattern!r}")
        self.regex = re.compile(pattern, re.IGNORECASE)
        self._lower = re.compile(pattern)

    def found(self, text: str, pos: int = 0, endpos: int | None = None) -> bool:
        """Whether the pattern occurs in ``text[pos:endpos]``, with ``search``'s semantics."""
        start = max(pos - 1, 0)  # one character of context, which a \b at ``pos`` looks at
        window = text[start:endpos]
        if window.isascii():
            return self._lower.search(window.lower(), pos - start) is not None
        return self.regex.search(text, pos, len(text) if endpos is None else endpos) is not None

    def span(self, text: str, pos: int = 0, endpos: int | None = None) -> tuple[int, int] | None:
        """Where ``pattern.search(text, pos, endpos)`` would match, as offsets into ``text``."""
        start = max(pos - 1, 0)  # one character of context, which a \b at ``pos`` looks at
        window = text[start:endpos]
        if window.isascii():
            m = self._lower.search(window.lower(), pos - start)
            return (m.start() + start, m.end() + start) if m else None
        m = self.regex.search(text, pos, len(text) if endpos is None else endpos)
        return m.span() if m else None
