"""Explainable credibility: a weighted sum of named signals, squashed into [0, 1].

    score = 1 / (1 + exp(-(BIAS + sum(weight_i * value_i))))

Text signals come from the article alone and are computed in the stateless stage
(``text_signals``); stream signals (originality, corroboration, contradiction) from the other
reports of the same event (``stream_signals``, called by ``stages.corroborate``). Every signal
carries its value, weight, contribution (value x weight) and the evidence behind it; a signal
at 0 says nothing, so an unknown outlet with a plain text scores 0.5. docs/credibility.md
documents each signal's range and weight and why the weights are what they are.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sitrep.models import Credibility, Signal
from sitrep.stages.credibility import stream, text
from sitrep.stages.credibility.sources import SourcePriors, default_priors
from sitrep.stages.types import CleanArticle, Extraction

if TYPE_CHECKING:
    from sitrep.stages.types import Report

# Hand-set, not learned: see docs/credibility.md for the reasoning behind each.
WEIGHTS: dict[str, float] = {
    "source_prior": 2.5,  # value 2*prior-1: Reuters +0.75, unknown 0, SANA -0.30, RT -0.60
    "attribution": 1.0,
    "hedging": 0.3,
    "loaded_language": 1.2,
    "clickbait": 0.6,
    "page_pollution": 0.4,
    "specificity": 0.6,
    "originality": 0.3,
    "corroboration": 1.5,
    "contradiction": 1.5,
}
BIAS = 0.0  # signals are centred: nothing known about an article is a score of 0.5
HIGH = 0.65  # score at or above: band "high"
MEDIUM = 0.40  # score at or above (and below HIGH): band "medium"; below: "low"
EVIDENCE_ITEMS = 8
EVIDENCE_CHARS = 120


def signal(name: str, value: float, evidence: list[str] | None = None) -> Signal:
    """A named signal with its weight from ``WEIGHTS`` and its contribution."""
    weight = WEIGHTS[name]
    value = round(value, 4) + 0.0  # no "-0.0" in the records
    items = [e if len(e) <= EVIDENCE_CHARS else e[: EVIDENCE_CHARS - 1] + "…" for e in (evidence or [])[:EVIDENCE_ITEMS]]
    return Signal(name=name, value=value, weight=weight, contribution=round(value * weight, 4) + 0.0, evidence=items)


def source_prior(clean: CleanArticle, priors: SourcePriors) -> Signal:
    """[-1, 1]: 2*prior-1, the outlet's prior from the source table (neutral when unknown)."""
    outlet = priors.lookup(clean.source, clean.url)
    if outlet is None:
        named = clean.source or clean.url or "none given"
        return signal("source_prior", 2 * priors.unknown - 1, [f"unknown source ({named[:60]}): prior {priors.unknown:.2f}"])
    return signal("source_prior", 2 * outlet.prior - 1, [f"{outlet.name}: prior {outlet.prior:.2f}", outlet.basis])


def text_signals(clean: CleanArticle, extraction: Extraction, priors: SourcePriors | None = None) -> list[Signal]:
    """Signals computable from the article itself (the stateless stage)."""
    lex = text.lexicon()
    body = clean.body or ""
    lower = body.lower()
    hits = lex.scan(lower)
    return [
        source_prior(clean, priors or default_priors()),
        signal("attribution", *text.attribution(hits, extraction, body)),
        signal("hedging", *text.hedging(hits)),
        signal("loaded_language", *text.loaded_language(hits, len(body))),
        signal("clickbait", *text.clickbait(clean.title, lower, extraction, lex)),
        signal("page_pollution", *text.page_pollution(hits, clean.removed, lex)),
        signal("specificity", *text.specificity(clean, extraction, hits)),
    ]


def stream_signals(report: Report, others: list[Report]) -> list[Signal]:
    """Signals from the other reports of the same event (copies and the same outlet excluded)."""
    voices = stream.peers(report, others)
    return [
        signal("originality", *stream.originality(report)),
        signal("corroboration", *stream.corroboration(report, voices)),
        signal("contradiction", *stream.contradiction(report, voices)),
    ]


def band_of(value: float) -> str:
    return "high" if value >= HIGH else "medium" if value >= MEDIUM else "low"


def score(text_part: list[Signal], stream_part: list[Signal]) -> Credibility:
    """The logistic of BIAS plus the signals' contributions, with its band and signals."""
    total = BIAS + sum(s.contribution for s in (*text_part, *stream_part))
    value = 1.0 / (1.0 + math.exp(-total))
    return Credibility(score=round(value, 4), band=band_of(value), signals=[*text_part, *stream_part])
