"""What the extraction evaluations share: the reading of an article, the run of Sitrep and a
baseline over labelled items in one process, and the table of figures they print.

``acled.py`` (event notes) and ``articles.py`` (full articles) each bring their items, their
baseline and their scoring; Sitrep runs through ``Pipeline.run``, the code path of ``sitrep
process``, and both readers are timed in CPU seconds of this process.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sitrep.models import EnrichedArticle, RawArticle


@dataclass
class Reading:
    governorate: str | None = None  # "SY.07"; in the evaluation's home country the admin1 code alone
    killed: set[int] = field(default_factory=set)
    causes: set[str] = field(default_factory=set)
    perpetrator: str | None = None  # category


class Keywords:
    """The keyword baseline's first-match reading: the first governorate name (``governorates``:
    admin1 code -> names, the code written after ``prefix``), the first cause word and the
    first actor word of a text (``causes``, ``actors``: (name, regex alternatives), in order).
    Each evaluation reads the toll its own way."""

    def __init__(self, governorates: dict[str, list[str]], causes: Sequence[tuple[str, str]],
                 actors: Sequence[tuple[str, str]], prefix: str = "") -> None:
        names = [n for listed in governorates.values() for n in listed]
        self.governorate = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.I)
        self.code = {n.lower(): prefix + code for code, listed in governorates.items() for n in listed}
        self.cause = re.compile("|".join(f"(?P<{name}>\\b(?:{words})\\b)" for name, words in causes), re.I)
        self.actor = re.compile("|".join(f"(?P<{name.replace('-', '_')}>\\b(?:{words})\\b)" for name, words in actors))

    def reading(self, text: str) -> Reading:
        """A reading with the first governorate, cause and actor of ``text`` and no toll."""
        r = Reading()
        if m := self.governorate.search(text):
            r.governorate = self.code[m.group(1).lower()]
        if m := self.cause.search(text):
            r.causes.add(m.lastgroup or "")
        if m := self.actor.search(text):
            r.perpetrator = (m.lastgroup or "").replace("_", "-")
        return r


def read_sitrep(article: EnrichedArticle, home: str | None = None) -> Reading:
    """What the scoring compares in Sitrep's output: the primary location's governorate, the
    claims' killed values and causes, and the first perpetrator's category."""
    r = Reading()
    entities = {e.id: e for e in article.entities}
    place = entities.get(article.primary_location or "")
    if place is not None and place.geo is not None and place.geo.admin1_code:
        code = place.geo.admin1_code
        r.governorate = code if place.geo.country_code == home else f"{place.geo.country_code}.{code}"
    for claim in article.casualties:
        if claim.killed:
            r.killed.add(claim.killed)
        r.causes.add(claim.cause)
    first = next((c.perpetrator for c in article.casualties if c.perpetrator), None)
    if first is not None and first in entities:
        r.perpetrator = entities[first].category
    return r


@dataclass
class Run:
    tally: dict[str, dict[str, Counter]]  # reader -> figure -> {True: right, False: missed}
    costs: dict[str, list[float]]  # reader -> CPU seconds per item
    misses: list[tuple[Any, Reading, Reading]]  # (item, Sitrep's reading, the baseline's) of ``failures``
    load_seconds: float  # the gazetteer's load


def run(items: Iterable[Any], article_of: Callable[[Any], RawArticle], baseline: Callable[[Any], Reading],
        outcomes: Callable[[Any, Reading], dict[str, bool | None]], home: str | None = None,
        failures: str | None = None) -> Run:
    """Sitrep and the baseline over ``items``; ``outcomes`` scores a reading (True right, False
    missed, None not counted; for "false-killed" True is the failure)."""
    started = time.perf_counter()
    from sitrep.stages.extract.gazetteer import gazetteer
    gazetteer()
    load_seconds = time.perf_counter() - started
    from sitrep.pipeline import Pipeline, warm_up
    warm_up()
    pipeline = Pipeline()
    tally: dict[str, dict[str, Counter]] = {"sitrep": defaultdict(Counter), "baseline": defaultdict(Counter)}
    costs: dict[str, list[float]] = {"sitrep": [], "baseline": []}
    misses: list[tuple[Any, Reading, Reading]] = []
    for order, item in enumerate(items):
        raw = article_of(item)
        # CPU time of this process: on a shared machine, wall time measures the neighbours too.
        t0 = time.process_time()
        article = pipeline.run(raw, order).article
        t1 = time.process_time()
        base = baseline(item)
        t2 = time.process_time()
        costs["sitrep"].append(t1 - t0)
        costs["baseline"].append(t2 - t1)
        mine = read_sitrep(article, home)
        for name, reading in (("sitrep", mine), ("baseline", base)):
            for figure, ok in outcomes(item, reading).items():
                if ok is not None:
                    tally[name][figure][ok] += 1
        if failures:
            ok = outcomes(item, mine)[failures]
            if ok is not None and ok is (failures == "false-killed"):
                misses.append((item, mine, base))
    return Run(tally, costs, misses, load_seconds)


def print_table(heading: str, unit: str, figures: Sequence[str], result: Run) -> None:
    """The figures, Sitrep beside the baseline, and the CPU cost per item of each."""
    def share(name: str, figure: str) -> str:
        c = result.tally[name][figure]
        n = c[True] + c[False]
        return f"{c[True] / n:6.3f}" if n else "     -"

    print(f"{heading}; gazetteer load {result.load_seconds:.2f} s")
    print(f"{'figure':<28} {unit:>7} {'sitrep':>7} {'baseline':>9}")
    for figure in figures:
        n = sum(result.tally["sitrep"][figure].values())
        label = figure + (" (lower=better)" if figure == "false-killed" else "")
        print(f"{label:<28} {n:>7} {share('sitrep', figure):>7} {share('baseline', figure):>9}")
    for name in ("sitrep", "baseline"):
        ms = [1000 * c for c in result.costs[name]]
        print(f"CPU ms/article {name:<9} mean {statistics.mean(ms):.2f}  median {statistics.median(ms):.2f}")


def describe(reading: Reading) -> str:
    """One reading on one line, for the misses."""
    return (f"gov={reading.governorate} killed={sorted(reading.killed)} causes={sorted(reading.causes)} "
            f"perp={reading.perpetrator}")
