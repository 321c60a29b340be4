"""Entities and casualty claims (first version: none extracted yet; issue 4 fills this in)."""

from __future__ import annotations

from sitrep.stages.types import CleanArticle, Extraction


def extract(clean: CleanArticle) -> Extraction:
    return Extraction()
