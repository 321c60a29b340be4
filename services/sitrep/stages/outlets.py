"""The outlet table and its one matcher: which news outlet a name, domain or URL means.

Every outlet Sitrep knows is one entry of ``data/outlets.yaml``: its name, other spellings,
web sites, whether it is a wire service, how it writes numeric dates, and the public ratings
its credibility prior comes from. The cleaner names an article's source and picks site rules
with :meth:`OutletTable.lookup`; credibility takes the prior of the outlet it finds; metrics
label articles by the name. A deployment may extend the table (``Settings.source_priors``).

Matching: a source given as a domain or URL is matched by its host (``www.`` and language
prefixes dropped, then each parent domain); a name by its compact key (lower-case letters and
digits only: "Al-Masdar News", "al masdar news" and "almasdarnews" are one key). A free-form
source ("Reuters via Yahoo News") may also be matched by its longest run of words that is a
known name; a dateline or byline value must be the outlet's spelling as a whole (``exact``),
so a person named like an alias is not taken for an outlet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlsplit

from sitrep.stages import data

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?([^/\s:?#]+\.[a-z]{2,})(?:[:/?#]|$)")
_HOST_PREFIXES = ("www.", "m.", "en.", "english.", "amp.", "mobile.")
_CACHE_SIZE = 4096  # distinct source strings remembered (a stream repeats a few)


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


@dataclass(frozen=True, slots=True)
class Outlet:
    """One entry of the table."""

    name: str
    spellings: tuple[str, ...]  # the name and its aliases, as written
    domains: tuple[str, ...]
    agency: bool  # a wire service: in a byline, a source, never an author
    month_first: bool  # writes numeric dates month first
    entry: Mapping[str, Any]  # the whole entry (ratings, flags, prior) for the credibility prior


class OutletTable:
    """The outlets, indexed by compact key and by domain."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.outlets: list[Outlet] = []
        self._by_key: dict[str, Outlet] = {}
        self._by_domain: dict[str, Outlet] = {}
        for entry in entries:
            outlet = Outlet(
                name=str(entry["name"]),
                spellings=tuple(str(s) for s in [entry["name"], *(entry.get("aliases") or [])]),
                domains=tuple(str(d).lower() for d in entry.get("domains") or []),
                agency=bool(entry.get("agency")),
                month_first=entry.get("dates") == "mdy",
                entry=entry,
            )
            self.outlets.append(outlet)
            for spelling in outlet.spellings:
                key = compact(spelling)
                if key:
                    self._by_key[key] = outlet
            for domain in outlet.domains:
                self._by_domain[domain] = outlet
        self._cache: dict[tuple[str | None, str | None, bool], Outlet | None] = {}

    def lookup(self, source: str | None, url: str | None = None, *, exact: bool = False) -> Outlet | None:
        """The outlet ``source`` (a name, domain or URL) or, failing that, ``url`` names.

        ``exact``: ``source`` must be a whole spelling or domain (datelines, bylines), not a
        longer text with a name in it.
        """
        cache_key = (source, url, exact)
        if cache_key in self._cache:
            return self._cache[cache_key]
        found = self._match(source, exact) or self._by_host(host_of(url))
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[cache_key] = found
        return found

    @cached_property
    def alternation(self) -> str:
        """A regex alternation of every spelling, longest first (for datelines and sign-offs)."""
        spellings = {s.lower() for outlet in self.outlets for s in outlet.spellings if "." not in s}
        return "|".join(re.escape(s) for s in sorted(spellings, key=lambda s: (-len(s), s)))

    def _match(self, source: str | None, exact: bool) -> Outlet | None:
        if not source or not source.strip():
            return None
        by_host = self._by_host(host_of(source))
        if by_host is not None:
            return by_host
        key = compact(source)
        if key in self._by_key:
            return self._by_key[key]
        if exact:
            return None
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


def packaged() -> dict[str, Any]:
    """The packaged table (``data/outlets.yaml``): its ``rule`` and ``outlets``."""
    return data.mapping("outlets.yaml")


@lru_cache(maxsize=1)
def default_table() -> OutletTable:
    """The packaged table, built once per process."""
    return OutletTable(list(packaged()["outlets"]))
