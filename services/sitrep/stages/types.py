"""Typed values passed between the pure stages (not public topic records).

``RawArticle -> CleanArticle -> Extraction``; the dedup and credibility stages add their
own types in their modules, but for the corroboration ``Report`` (shared by the credibility
signals and corroboration). These are pydantic models so the worker can carry them across
its internal topics with the same validation as the public records.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sitrep.models import Casualty, Credibility, Entity, Removed, Signal


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
    capped: list[Literal["entities", "mentions", "claims", "evidence"]] = Field(
        [], description="the limits of stages.extract.Limits this article reached")


class Report(Stage):
    """What the corroboration state remembers of one article (no body: state stays small)."""

    id: str
    source: str | None = None
    outlet: str | None = Field(None, description="the outlet as the source table names it: one voice per outlet")
    order: int = Field(description="arrival: replay or broker time in microseconds, else input position")
    published: date | None = None
    day: date | None = Field(None, description="the event's day: the claim's date, else the publication date")
    place: str | None = None
    fine: bool = Field(False, description="place is a town or neighbourhood, not a governorate or region")
    cause: str = "unknown"
    killed: int | None = None
    injured: int | None = None
    victims: str = Field("unknown", description="civilians, combatants, mixed or unknown, as the claim says")
    copy_of: str | None = Field(None, description="set for duplicates: copies are not independent")
    story_id: str
    text_signals: list[Signal] = []
    credibility: Credibility | None = None


class Revision(Stage):
    """An earlier report whose score a later one changed."""

    report: Report
    old: Credibility
    new: Credibility
    reason: str
    caused_by: str
