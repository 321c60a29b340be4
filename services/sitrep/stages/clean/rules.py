"""The line rules of ``data/cleaning/rules.yaml``, compiled once into fast lookups.

Most rules are whole lines ("Advertisement", "Leave a Reply"): a dict lookup. Prefixes and
suffixes are one ``str.startswith``/``endswith`` with a tuple. Regular expressions are filed
under the word their matches start with ("click", "liked", "source"), so a line meets one
small alternation, compiled on first use, instead of every pattern: Python's regex engine
tries alternatives one by one, and a line of article text would otherwise pay for all of
them. Lines longer than ``max_line_chars`` are article text and are never looked at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from sitrep.stages.clean.text import EDGE, key, lead
from sitrep.stages.data import cleaning
from sitrep.stages.outlets import default_table

Kind = Literal["boilerplate", "comments", "other_articles", "markup"]
Scope = Literal["line", "until_end"]
Where = Literal["any", "head", "body", "end"]

_KINDS = {"boilerplate", "comments", "other_articles", "markup"}
_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rule: what it removes, how far, where on the page, on which sites."""

    id: str
    kind: Kind
    scope: Scope
    where: Where
    sites: tuple[str, ...]
    capturing: tuple[re.Pattern[str], ...]  # the rule's own regexes with named groups

    def captures(self, line: str) -> dict[str, str]:
        """The ``source``/``author`` named groups of this rule on ``line``."""
        for pattern in self.capturing:
            found = pattern.match(line)
            if found:
                return {k: v.strip() for k, v in found.groupdict().items() if v and v.strip()}
        return {}


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules that apply to one site, compiled for matching lines.

    Prefixes and patterns are filed under the word a match must start with ("click",
    "liked", "source"...), so a line only meets the regexes that could match it: one
    small alternation per first word, plus the few patterns that start otherwise.
    """

    exact: dict[str, tuple[Rule, ...]]
    prefixes: dict[str, tuple[str, ...]]  # first word -> prefixes starting with it
    prefix_rules: dict[str, tuple[Rule, ...]]
    suffixes: tuple[str, ...]
    suffix_rules: dict[str, tuple[Rule, ...]]
    worded: dict[str, tuple[tuple[str, str], ...]]  # first word -> (group, regex source)
    unworded: tuple[tuple[str, str], ...]  # patterns that can start with anything
    regex_rules: dict[str, Rule]
    order: dict[str, int]
    max_line_chars: int
    min_article_chars: int
    compiled: dict[str, re.Pattern[str] | None] = field(default_factory=dict)  # filled on first use

    def match(self, line: str) -> tuple[Rule, ...]:
        """Every rule matching ``line`` (a line of :func:`logical_lines`), in the order of the YAML file."""
        if len(line) > self.max_line_chars:
            return ()
        lowered = line.lower().lstrip(EDGE)
        found: list[Rule] = list(self.exact.get(lowered.rstrip(EDGE), ()))  # rstrip: the key of the line
        first = _WORD.match(lowered)
        word = first.group() if first else ""
        prefixes = self.prefixes.get(word)
        if prefixes and lowered.startswith(prefixes):
            for prefix in prefixes:
                if lowered.startswith(prefix):
                    found.extend(self.prefix_rules[prefix])
        ending = lowered.rstrip(EDGE)
        if self.suffixes and ending.endswith(self.suffixes):
            for suffix in self.suffixes:
                if ending.endswith(suffix):
                    found.extend(self.suffix_rules[suffix])
        bucket = word if word in self.worded else "\x00"  # words no pattern starts with share one regex
        regex = self.compiled.get(bucket, False)
        if regex is False:
            regex = self._alternation(bucket)
        if regex is not None:
            hit = regex.match(line)
            if hit is not None and hit.lastgroup is not None:
                found.append(self.regex_rules[hit.lastgroup])
        if len(found) > 1:
            found = sorted(set(found), key=lambda r: self.order[r.id])
        return tuple(found)

    def _alternation(self, bucket: str) -> re.Pattern[str] | None:
        """The patterns a line starting with ``bucket`` can match, in YAML order, compiled once."""
        parts = sorted((*self.unworded, *self.worded.get(bucket, ())), key=lambda p: _group_order(p[0]))
        regex = re.compile("|".join(src for _, src in parts)) if parts else None
        self.compiled[bucket] = regex  # bounded: one entry per first word in rules.yaml, plus one
        return regex


_WORD = re.compile(r"[^\W\d_]+")


def _group_order(group: str) -> tuple[int, int]:
    rule, pattern = group[1:].split("_")
    return int(rule), int(pattern)


def _first_words(pattern: str) -> set[str] | None:
    """The first words a match of ``pattern`` can start with, or None if it may start otherwise.

    A line's first word is read after the punctuation rules ignore ("(", "»", ...), and is
    "" for a line opening with a digit. Understood: a leading literal word, a leading digit,
    a leading group of alternatives (``(?:click|tap) here``), an optional one
    (``(?:file )?photo``) and leading "(" or spaces; anything else is None.
    """
    pattern = re.sub(r"^(?:\\\(\??|\\s[*+?]?|\[\$€£\]\?)+", "", pattern)
    if pattern.startswith("\\d"):
        return {""}
    opener = re.match(r"\((?:\?[a-zA-Z]*:|\?P<\w+>)?", pattern)
    if opener and not pattern.startswith(("(?<", "(?!", "(?=")):
        end = _group_end(pattern)
        if end is None or pattern[end + 1 : end + 2] in ("*", "{"):
            return None
        words: set[str] = set()
        for alternative in _top_level(pattern[opener.end() : end]):
            found = _first_words(alternative)
            if found is None:
                return None
            words |= found
        if pattern[end + 1 : end + 2] == "?":  # optional: a match may also start after it
            rest = _first_words(pattern[end + 2 :])
            return None if rest is None else words | rest
        return words
    word = re.match(r"[a-z]+", pattern)
    if word is None:
        return None
    after = pattern[word.end() : word.end() + 2]
    if after[:1] in ("?", "*", "+", "{", "[", "(") or after in ("\\w", "\\S", "\\D"):
        return None
    return {word.group()}


def _group_end(pattern: str) -> int | None:
    """Index of the ")" closing the group that opens ``pattern``."""
    depth, at = 0, 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        depth += char == "("
        depth -= char == ")"
        if depth == 0:
            return at
        at += 1
    return None


def _top_level(pattern: str) -> list[str]:
    """``pattern`` split at the "|" that are not inside brackets or groups."""
    parts, depth, start, at, in_class = [], 0, 0, 0, False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:at])
            start = at + 1
        at += 1
    parts.append(pattern[start:])
    return parts


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every rule in rules.yaml, validated (a typo in the file fails loudly at start-up)."""
    return tuple(_parse(spec) for spec in cleaning("rules")["rules"])


@lru_cache(maxsize=1)
def detector_ids() -> dict[str, Kind]:
    """The structural detectors' rule ids and the kind each reports (text.yaml)."""
    return {d["id"]: d["kind"] for d in cleaning("text")["detectors"]}


def ruleset_for(source: str | None, url: str | None) -> RuleSet:
    """The compiled rules for a page of this outlet: the general ones plus its site rules."""
    host = ""
    if url:
        try:
            host = (urlsplit(url.strip()).hostname or "").removeprefix("www.")
        except ValueError:
            host = ""
    return _ruleset((source or "").strip().lower()[:200], host[:200])


@lru_cache(maxsize=1024)
def _ruleset(source: str, host: str) -> RuleSet:
    names = _site_names(source, host)
    return _compile(frozenset(s for rule in all_rules() for s in rule.sites if s in names))


def _site_names(source: str, host: str) -> set[str]:
    names = {source} if source else set()
    parts = host.split(".")
    names.update(".".join(parts[i:]) for i in range(len(parts) - 1))
    outlet = default_table().lookup(source, exact=True) if source else None
    outlet = outlet or (default_table().lookup(None, host) if host else None)
    if outlet is not None:
        names.update(s.lower() for s in outlet.spellings)
        names.update(outlet.domains)
    return names


@lru_cache(maxsize=64)
def _compile(sites: frozenset[str]) -> RuleSet:
    settings = cleaning("rules").get("settings", {})
    spec_by_id = {spec["id"]: spec for spec in cleaning("rules")["rules"]}
    rules = [r for r in all_rules() if not r.sites or sites.intersection(r.sites)]
    exact: dict[str, list[Rule]] = {}
    prefix_rules: dict[str, list[Rule]] = {}
    suffix_rules: dict[str, list[Rule]] = {}
    worded: dict[str, list[tuple[str, str]]] = {}
    unworded: list[tuple[str, str]] = []
    regex_rules: dict[str, Rule] = {}
    for n, rule in enumerate(rules):
        spec = spec_by_id[rule.id]
        for line in spec.get("lines", []):
            exact.setdefault(key(line), []).append(rule)
        for prefix in spec.get("prefixes", []):
            prefix_rules.setdefault(lead(prefix), []).append(rule)
        for suffix in spec.get("suffixes", []):
            suffix_rules.setdefault(key(suffix), []).append(rule)
        for m, pattern in enumerate(spec.get("patterns", [])):
            group = f"r{n}_{m}"
            body = _NAMED_GROUP.sub("(?:", pattern)  # names repeat across rules; the rule's own regex reads them
            source = f"(?P<{group}>{body})" if spec.get("case_sensitive") else f"(?P<{group}>(?i:{body}))"
            words = _first_words(pattern)
            if words is None:
                unworded.append((group, source))
            for word in words or ():
                worded.setdefault(word, []).append((group, source))
            regex_rules[group] = rule
    by_word: dict[str, list[str]] = {}
    for prefix in prefix_rules:
        first = _WORD.match(prefix)
        by_word.setdefault(first.group() if first else "", []).append(prefix)
    return RuleSet(
        exact={k: tuple(v) for k, v in exact.items()},
        prefixes={w: tuple(sorted(p, key=len, reverse=True)) for w, p in by_word.items()},
        prefix_rules={k: tuple(v) for k, v in prefix_rules.items()},
        suffixes=tuple(sorted(suffix_rules, key=len, reverse=True)),
        suffix_rules={k: tuple(v) for k, v in suffix_rules.items()},
        worded={k: tuple(v) for k, v in worded.items()},
        unworded=tuple(unworded),
        regex_rules=regex_rules,
        order={r.id: i for i, r in enumerate(all_rules())},
        max_line_chars=int(settings.get("max_line_chars", 200)),
        min_article_chars=int(settings.get("min_article_chars", 200)),
    )


def _parse(spec: dict) -> Rule:
    rule_id = spec.get("id")
    if not rule_id or spec.get("kind") not in _KINDS:
        raise ValueError(f"rules.yaml: rule {rule_id!r} needs an id and a kind in {sorted(_KINDS)}")
    scope = spec.get("scope", "line")
    where = spec.get("where", "body" if scope == "until_end" else "any")
    if scope not in ("line", "until_end") or where not in ("any", "head", "body", "end"):
        raise ValueError(f"rules.yaml: rule {rule_id!r} has an unknown scope or where")
    if not (spec.get("lines") or spec.get("prefixes") or spec.get("suffixes") or spec.get("patterns")):
        raise ValueError(f"rules.yaml: rule {rule_id!r} matches nothing (give lines, prefixes, suffixes or patterns)")
    for value in (*spec.get("lines", []), *spec.get("prefixes", []), *spec.get("suffixes", []), *spec.get("patterns", [])):
        if not isinstance(value, str):
            raise ValueError(f"rules.yaml: rule {rule_id!r} has {value!r}, not a string: quote it (YAML reads on/no/yes as booleans)")
    patterns = spec.get("patterns", [])
    flags = 0 if spec.get("case_sensitive") else re.IGNORECASE
    capturing = tuple(re.compile(p, flags) for p in patterns if "(?P<" in p)
    return Rule(
        id=rule_id,
        kind=spec["kind"],
        scope=scope,
        where=where,
        sites=tuple(str(s).lower() for s in spec.get("sites", [])),
        capturing=capturing,
    )
