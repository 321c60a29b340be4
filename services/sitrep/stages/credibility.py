"""Explainable credibility: a weighted sum of named signals, squashed into [0, 1].

Text signals come from the article alone (computed in the stateless stage); stream signals
(originality, corroboration, contradiction) from the other reports of the same event.
Every signal carries its value, weight, contribution and the evidence behind it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sitrep.models import Credibility, Signal
from sitrep.stages.types import CleanArticle, Extraction

if TYPE_CHECKING:
    from sitrep.stages.corroborate import Report

BIAS = 0.0


def _signal(name: str, value: float, weight: float, evidence: list[str] | None = None) -> Signal:
    return Signal(name=name, value=round(value, 4), weight=weight, contribution=round(value * weight, 4), evidence=evidence or [])


def text_signals(clean: CleanArticle, extraction: Extraction) -> list[Signal]:
    """Signals computable from the article itself."""
    specific = [bool(clean.published), bool(extraction.primary_location), any(c.killed is not None for c in extraction.casualties)]
    return [_signal("specificity", sum(specific) / len(specific), 1.0, [n for n, ok in zip(("date", "place", "numbers"), specific) if ok])]


def stream_signals(report: Report, others: list[Report]) -> list[Signal]:
    """Signals from the other reports of the same event."""
    independent = sorted({r.source or r.id for r in others if r.copy_of is None and r.source != report.source})
    signals = [_signal("originality", 0.0 if report.copy_of else 1.0, 0.5, [report.copy_of] if report.copy_of else [])]
    signals.append(_signal("corroboration", min(len(independent), 3) / 3, 1.0, [r.id for r in others if r.copy_of is None][:10]))
    return signals


def score(text: list[Signal], stream: list[Signal]) -> Credibility:
    total = BIAS + sum(s.contribution for s in (*text, *stream))
    value = 1.0 / (1.0 + math.exp(-(total - 1.0)))
    band = "high" if value >= 0.66 else "medium" if value >= 0.4 else "low"
    return Credibility(score=round(value, 4), band=band, signals=[*text, *stream])
