"""Source priors: the outlet's public track record, as a number in [0, 1].

The table (``data/credibility/sources.yaml``) records, per outlet, the public ratings it has
(Media Bias/Fact Check factual reporting, Wikipedia's perennial-sources status) and
documented facts about who controls it; :func:`prior_of` turns those into a prior by the
rule written in the same file. A deployment may override or extend the table with its own
YAML file (``Settings.source_priors``); unknown outlets get the neutral prior (0.5).

A source is matched by outlet name, alias, domain or URL: "Reuters", "reuters.com",
"https://www.reuters.com/article/...", "Thomson Reuters" and "REUTERS" are one outlet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from sitrep.errors import SitrepError
from sitrep.stages import data

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?([^/\s:?#]+\.[a-z]{2,})(?:[:/?#]|$)")
_HOST_PREFIXES = ("www.", "m.", "en.", "english.", "amp.", "mobile.")
_CACHE_SIZE = 4096  # distinct source strings remembered per table (a stream repeats a few)


class SourcePriorsError(SitrepError):
    """The source prior table cannot be read."""


@dataclass(frozen=True, slots=True)
class Outlet:
    """One outlet of the table, with its prior and the ratings that gave it."""

    name: str
    prior: float
    basis: str  # the ratings and flags behind the prior, for the signal's evidence


def compact(text: str) -> str:
    """Lower-case ASCII letters and digits only: the key names and aliases are matched on."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    key = _NOT_ALNUM.sub("", folded)
    return key[3:] if key.startswith("the") and len(key) > 6 else key


def host_of(text: str | None) -> str | None:
    """The host name in a URL or a bare domain (``www.`` and language prefixes dropped)."""
    if not text:
        return None
    value = text.strip().lower()
    match = _HOST.match(value)
    if match is None:
        return None
    host = urlsplit(value if "://" in value else f"//{value}").hostname or match.group(1)
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix):]
    return host


def prior_of(entry: dict[str, Any], rule: dict[str, Any]) -> float:
    """The prior an outlet's ratings and flags give under ``rule`` (see sources.yaml)."""
    if entry.get("prior") is not None:
        return float(entry["prior"])
    implied = rule["implied"]
    values = []
    for rating in entry.get("ratings") or []:
        scale = implied.get(rating["rater"])
        if scale is None or str(rating["rating"]).lower() not in scale:
            raise SourcePriorsError(f"{entry['name']}: unknown rating {rating['rater']}={rating['rating']!r}")
        values.append(float(scale[str(rating["rating"]).lower()]))
    prior = sum(values) / len(values) if values else float(rule["unknown"])
    for flag in entry.get("flags") or []:
        cap = rule["caps"].get(flag["flag"])
        if cap is None:
            raise SourcePriorsError(f"{entry['name']}: unknown flag {flag['flag']!r}")
        prior = min(prior, float(cap))
    return round(prior, 3)


def basis_of(entry: dict[str, Any]) -> str:
    """A one-line account of the prior: "MBFC factual: very high; WP:RSP: generally reliable"."""
    if entry.get("prior") is not None and not entry.get("ratings") and not entry.get("flags"):
        return entry.get("basis") or "set by the deployment's source table"
    raters = {"mbfc_factual": "MBFC factual", "wikipedia_rsp": "WP:RSP"}
    parts = [f"{raters.get(r['rater'], r['rater'])}: {r['rating']}" for r in entry.get("ratings") or []]
    parts += [f.get("flag", "") for f in entry.get("flags") or []]
    return "; ".join(parts) or "no public rating found"


class SourcePriors:
    """The outlet table: ``lookup(source, url)`` finds an outlet by name, alias, domain or URL."""

    def __init__(self, entries: list[dict[str, Any]], rule: dict[str, Any], origin: str = "default") -> None:
        self.rule = rule
        self.unknown = float(rule["unknown"])
        self.origin = origin
        self.outlets: list[Outlet] = []
        self._by_key: dict[str, Outlet] = {}
        self._by_domain: dict[str, Outlet] = {}
        for entry in entries:
            outlet = Outlet(name=str(entry["name"]), prior=prior_of(entry, rule), basis=basis_of(entry))
            self.outlets.append(outlet)
            for alias in [entry["name"], *(entry.get("aliases") or [])]:
                key = compact(str(alias))
                if key:
                    self._by_key[key] = outlet
            for domain in entry.get("domains") or []:
                self._by_domain[str(domain).lower()] = outlet
        self._cache: dict[tuple[str | None, str | None], Outlet | None] = {}

    def lookup(self, source: str | None, url: str | None = None) -> Outlet | None:
        """The outlet ``source`` (a name, domain or URL) or, failing that, ``url`` names."""
        cache_key = (source, url)
        if cache_key in self._cache:
            return self._cache[cache_key]
        found = self._match(source) or self._by_host(host_of(url))
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[cache_key] = found
        return found

    def _match(self, source: str | None) -> Outlet | None:
        if not source or not source.strip():
            return None
        by_host = self._by_host(host_of(source))
        if by_host is not None:
            return by_host
        key = compact(source)
        if key in self._by_key:
            return self._by_key[key]
        # "Reuters via Yahoo News", "SANA - Syrian Arab News Agency": the longest run of words
        # that is a known name wins.
        words = [compact(w) for w in source.split()]
        best: Outlet | None = None
        best_len = 0
        for size in (4, 3, 2, 1):
            for start in range(0, max(0, len(words) - size + 1)):
                candidate = "".join(words[start:start + size])
                if len(candidate) > best_len and candidate in self._by_key and len(candidate) >= 2:
                    best, best_len = self._by_key[candidate], len(candidate)
            if best is not None:
                return best
        return None

    def _by_host(self, host: str | None) -> Outlet | None:
        if not host:
            return None
        parts = host.split(".")
        for i in range(len(parts) - 1):
            outlet = self._by_domain.get(".".join(parts[i:]))
            if outlet is not None:
                return outlet
        # an unlisted domain of a listed name: "presstv.tv", "almanar.com.lb/english"
        label = parts[0] if len(parts) > 1 else host
        return self._by_key.get(compact(label)) if len(label) >= 4 else None


def outlet_key(source: str | None, url: str | None = None) -> str | None:
    """A stable name for "the same outlet" (independence of reports): table name, else compact."""
    outlet = default_priors().lookup(source, url)
    if outlet is not None:
        return outlet.name
    host = host_of(source) or host_of(url)
    return host or (compact(source) if source else None) or None


def _read(text: str, origin: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcePriorsError(f"{origin}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("outlets", []), list):
        raise SourcePriorsError(f"{origin}: expected a mapping with an 'outlets' list")
    for entry in data.get("outlets", []):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise SourcePriorsError(f"{origin}: every outlet needs a name: {entry!r}")
    return data


@lru_cache(maxsize=8)
def load_priors(path: Path | None = None) -> SourcePriors:
    """The default table, with the entries of the YAML file at ``path`` (if any) on top."""
    default = _read(data.text("credibility", "sources.yaml"), "sources.yaml")
    rule = default["rule"]
    entries = {compact(e["name"]): e for e in default["outlets"]}
    origin = "default"
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SourcePriorsError(f"source priors file {path}: {exc.strerror or exc}") from None
        extra = _read(text, str(path))
        rule = {**rule, **(extra.get("rule") or {})}
        for entry in extra.get("outlets", []):
            entries[compact(entry["name"])] = entry
        origin = str(path)
    return SourcePriors(list(entries.values()), rule, origin)


def default_priors() -> SourcePriors:
    """The packaged table (``data/credibility/sources.yaml``)."""
    return load_priors(None)
