"""Typed values passed between the pure stages (not public topic records).

``RawArticle -> CleanArticle -> Extraction``; the dedup and credibility stages add their
own types in their modules. These are pydantic models so the worker can carry them across
its internal topics with the same validation as the public records.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from sitrep.models import Casualty, Entity, Removed


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CleanArticle(Stage):
    """The main article of a scraped page, with its metadata and an audit of what was cut."""

    id: str
    source: str | None = None
    url: str | None = None
    title: str = ""
    author: str | None = None
    published: date | None = None
    published_from: str | None = Field(None, description="'record' or 'text'")
    dateline: str | None = None
    language: str | None = None
    body: str = ""
    removed: list[Removed] = []
    replayed_at: datetime | None = None


class Extraction(Stage):
    """Who, where and what happened in one clean article."""

    entities: list[Entity] = []
    primary_location: str | None = None
    casualties: list[Casualty] = []
