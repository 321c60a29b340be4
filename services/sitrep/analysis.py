"""What the stateless part of the pipeline learns about one article (``pipeline.analyze``).

A module of its own so that both the pipeline, which makes it, and ``render``, which turns
it into half-rendered output records, can import it without importing each other.
"""

from __future__ import annotations

from pydantic import ConfigDict

from sitrep.models import Signal
from sitrep.stages import dedup
from sitrep.stages.types import CleanArticle, Extraction, Stage


class Analysis(Stage):
    """Everything the stateless stage learns about one article."""

    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

    order: int
    clean: CleanArticle
    extraction: Extraction
    text_signals: list[Signal]
    event_key: str | None
    exact: int
    minhash: bytes
    size: int
    bands: list[int]
    facts: bytes = b""
    terms: list[int] = []

    @property
    def signature(self) -> dedup.Signature:
        return dedup.Signature(self.exact, self.minhash, self.size, tuple(self.bands), self.facts, tuple(self.terms))
