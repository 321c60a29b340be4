"""Credibility: an explainable score from the article's text, its outlet and other outlets' reports.

``text`` holds the signals read from the article alone, ``sources`` the outlet table and its
priors, ``stream`` the signals from other reports of the same event, ``corroborate`` the
per-event state they are computed from, and ``scoring`` combines signals into a score.
"""

from sitrep.stages.credibility.scoring import (
    BIAS,
    HIGH,
    MEDIUM,
    WEIGHTS,
    band_of,
    score,
    signal,
    source_prior,
    stream_signals,
    text_signals,
)

__all__ = ["BIAS", "HIGH", "MEDIUM", "WEIGHTS", "band_of", "score", "signal", "source_prior", "stream_signals", "text_signals"]
