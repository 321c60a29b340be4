"""Source priors: the outlet's public track record, as a number in [0, 1].

The outlet table (``data/outlets.yaml``, matched by ``stages/outlets.py``) records, per
outlet, the public ratings it has (Media Bias/Fact Check factual reporting, Wikipedia's
perennial-sources status) and documented facts about who controls it; :func:`prior_of` turns those into a prior by the
rule written in the same file. A deployment may override or extend the table with its own
YAML file (``Settings.source_priors``); unknown outlets get the neutral prior (0.5).

A source is matched by outlet name, alias, domain or URL: "Reuters", "reuters.com",
"https://www.reuters.com/article/...", "Thomson Reuters" and "REUTERS" are one outlet.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sitrep.errors import SitrepError
from sitrep.stages import outlets
from sitrep.stages.outlets import OutletTable, compact, host_of

__all__ = ["Outlet", "SourcePriors", "SourcePriorsError", "compact", "default_priors", "host_of", "load_priors", "outlet_key"]


class SourcePriorsError(SitrepError):
    """The source prior table cannot be read."""


@dataclass(frozen=True, slots=True)
class Outlet:
    """One outlet of the table, with its prior and the ratings that gave it."""

    name: str
    prior: float
    basis: str  # the ratings and flags behind the prior, for the signal's evidence


def prior_of(entry: dict[str, Any], rule: dict[str, Any]) -> float:
    """The prior an outlet's ratings and flags give under ``rule`` (see data/outlets.yaml)."""
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
    """The outlet table with a prior for each outlet: ``lookup(source, url)`` finds one."""

    def __init__(self, entries: list[dict[str, Any]], rule: dict[str, Any], origin: str = "default", table: OutletTable | None = None) -> None:
        self.rule = rule
        self.unknown = float(rule["unknown"])
        self.origin = origin
        self.table = table or OutletTable(entries)
        self._rated = {o.name: Outlet(name=o.name, prior=prior_of(dict(o.entry), rule), basis=basis_of(dict(o.entry))) for o in self.table.outlets}
        self.outlets: list[Outlet] = list(self._rated.values())

    def lookup(self, source: str | None, url: str | None = None) -> Outlet | None:
        """The outlet ``source`` (a name, domain or URL) or, failing that, ``url`` names."""
        found = self.table.lookup(source, url)
        return None if found is None else self._rated[found.name]


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
    default = outlets.packaged()
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
    # The packaged table alone: the cleaner's index of it serves the priors too.
    return SourcePriors(list(entries.values()), rule, origin, table=None if path is not None else outlets.default_table())


def default_priors() -> SourcePriors:
    """The packaged table (``data/outlets.yaml``)."""
    return load_priors(None)
