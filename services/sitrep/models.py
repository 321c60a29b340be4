"""Records on Sitrep's public topics: the single source of truth for their JSON Schemas.

The names say the state of a record: ``RawArticle`` (``articles.raw``) becomes an
``EnrichedArticle`` (``articles.enriched``); copies become ``DuplicateLink``
(``articles.duplicates``); each casualty claim is a ``CasualtyClaim``
(``claims.casualties``); revised scores are ``CredibilityUpdate``
(``credibility.updates``); what cannot be processed is a ``DeadLetter``
(``articles.deadletter``). ``schemas/`` is generated from these classes, and ``TOPICS`` at
the end is the registry of the topics themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1


class Record(BaseModel):
    """Base of every topic record: strict about unknown fields, serialised with orjson."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_none=False))


# --- articles.raw -----------------------------------------------------------------------------


class RawArticle(Record):
    """An article as scraped: the page text or HTML with whatever chrome came with it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="bumped on incompatible change")
    id: str = Field(min_length=1, max_length=256, description="given id, or a stable hash of source+title+body")
    title: str = Field("", max_length=10_000)
    body: str = Field(min_length=1, description="page text, or HTML when content_type is text/html")
    content_type: Literal["text/plain", "text/html"] = "text/plain"
    source: str | None = Field(None, max_length=500, description="outlet name or domain, when known")
    url: str | None = Field(None, max_length=4096)
    published: str | None = Field(None, max_length=200, description="publication date as given by the source")
    origin: str | None = Field(None, max_length=4096, description="file and line the replay read it from")
    replayed_at: dt.datetime | None = Field(None, description="when the producer sent it (UTC)")

    @field_validator("published", mode="before")
    @classmethod
    def _published_as_text(cls, value: object) -> object:
        """A number (epoch seconds or milliseconds, 20190412) is read as its digits: the
        cleaner parses it like any date string, or ignores it; the article is not lost."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(int(value)) if float(value).is_integer() else str(value)
        return value


# --- pieces of an enriched article ------------------------------------------------------------


class Removed(Record):
    """A block the cleaner cut from the page, kept so users can audit the cleaning."""

    kind: Literal["boilerplate", "comments", "other_articles", "markup"]
    rule: str = Field(description="name of the cleaning rule that matched")
    chars: int = Field(ge=0)
    preview: str = Field(max_length=120, description="first characters of the removed text")


class Mention(Record):
    text: str
    start: int = Field(ge=0, description="offset into body")
    end: int = Field(ge=0)


class Geo(Record):
    lat: float
    lon: float
    country_code: str | None = Field(None, description="ISO 3166 alpha-2")
    admin1_code: str | None = Field(None, description="GeoNames admin1 code, e.g. '07' for Deir ez-Zor")
    admin1_name: str | None = None
    geonameid: int | None = None


ActorCategory = Literal[
    "syrian-government",
    "russia",
    "iran-and-allied-militias",
    "islamic-state",
    "us-led-coalition",
    "syrian-opposition",
    "sdf-kurdish",
    "nusra-hts",
    "turkey",
    "iraq",
    "other",
]

EntityType = Literal["ARMED_GROUP", "STATE", "ORG", "PERSON", "PLACE", "FACILITY", "WEAPON", "DATE", "MISC"]


class Entity(Record):
    id: str = Field(description="stable canonical id, e.g. 'actor:islamic-state', 'geo:170792'")
    type: EntityType
    name: str = Field(description="canonical name")
    category: ActorCategory | None = Field(None, description="for actors")
    mentions: list[Mention] = []
    geo: Geo | None = Field(None, description="for places")
    role: str | None = Field(None, description="for people: rank, office, affiliation")
    known: bool = Field(True, description="false when found by capitalised-name heuristics, not a gazetteer")


Victims = Literal["civilians", "combatants", "mixed", "unknown"]
Cause = Literal["airstrike", "shelling", "explosion", "chemical", "shooting", "execution", "unknown"]


class Evidence(Record):
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Casualty(Record):
    """One casualty claim as the article states it, numbers coded as ACLED does."""

    killed: int | None = Field(None, ge=0)
    injured: int | None = Field(None, ge=0)
    victims: Victims = "unknown"
    children: int | None = Field(None, ge=0)
    women: int | None = Field(None, ge=0)
    cause: Cause = "unknown"
    perpetrator: str | None = Field(None, description="entity id")
    location: str | None = Field(None, description="entity id")
    date: dt.date | None = None
    cumulative: bool = Field(False, description="a running total ('since 2011'), not this event's toll")
    evidence: Evidence


class Dedup(Record):
    status: Literal["unique", "exact_duplicate", "near_duplicate"] = "unique"
    duplicate_of: str | None = Field(None, description="id of the first-seen copy")
    similarity: float | None = Field(None, ge=0, le=1)
    story_id: str = Field(description="id of the first report of the same story")


class Signal(Record):
    name: str
    value: float
    weight: float
    contribution: float
    evidence: list[str] = []


class Credibility(Record):
    score: float = Field(ge=0, le=1)
    band: Literal["high", "medium", "low"]
    signals: list[Signal] = []


# --- articles.enriched ------------------------------------------------------------------------


class EnrichedArticle(Record):
    """One clean, structured article: who, where, what happened, seen before?, how far to trust it."""

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str
    source: str | None = Field(None, description="outlet, given or found in the text")
    url: str | None = None
    title: str
    author: str | None = None
    published: dt.date | None = None
    published_from: Literal["record", "text"] | None = Field(None, description="where the date was found")
    dateline: str | None = Field(None, description="place named in the dateline")
    language: str | None = Field(None, description="ISO 639-1 code")
    body: str = Field(description="main article text, paragraphs separated by blank lines")
    removed: list[Removed] = []
    entities: list[Entity] = []
    primary_location: str | None = Field(None, description="entity id of the place the article is mainly about")
    casualties: list[Casualty] = []
    dedup: Dedup
    credibility: Credibility
    replayed_at: dt.datetime | None = None
    processed_at: dt.datetime | None = None


# --- articles.duplicates ----------------------------------------------------------------------


class DuplicateLink(Record):
    schema_version: Literal[1] = SCHEMA_VERSION
    id: str
    duplicate_of: str
    similarity: float = Field(ge=0, le=1)
    kind: Literal["exact", "near"]
    story_id: str
    source: str | None = None
    title: str = ""
    processed_at: dt.datetime | None = None


# --- claims.casualties ------------------------------------------------------------------------


class CasualtyClaim(Casualty):
    """A casualty claim with the article it came from, keyed article_id:claim_index (compaction or an upsert sink keeps every claim)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    article_id: str
    claim_index: int = Field(ge=0, description="position of the claim in its article's casualties; the record's key is article_id:claim_index")
    source: str | None = None
    published: dt.date | None = None
    location_name: str | None = None
    admin1_name: str | None = None
    country_code: str | None = None
    perpetrator_category: ActorCategory | None = None
    story_id: str


# --- credibility.updates ----------------------------------------------------------------------


class CredibilityUpdate(Record):
    schema_version: Literal[1] = SCHEMA_VERSION
    article_id: str
    old_score: float = Field(ge=0, le=1)
    new_score: float = Field(ge=0, le=1)
    old_band: Literal["high", "medium", "low"]
    new_band: Literal["high", "medium", "low"]
    reason: Literal["corroborated", "contradicted"]
    caused_by: str = Field(description="id of the later article that changed the score")
    story_id: str | None = None
    signals: list[Signal] = Field([], description="the revised score's signals")
    updated_at: dt.datetime | None = None


# --- articles.deadletter ----------------------------------------------------------------------

DeadLetterReason = Literal[
    "invalid_json",
    "invalid_record",
    "missing_body",
    "empty_body",
    "body_too_large",
    "not_utf8",
    "binary",
    "too_deeply_nested",
    "unknown_schema_version",
    "stage_error",
    "too_costly",
    "output_too_large",
    "tombstone",
    "id_conflict",
    "no_content",
]


class DeadLetter(Record):
    """A message Sitrep could not process, with why and where it came from."""

    schema_version: Literal[1] = SCHEMA_VERSION
    reason: DeadLetterReason
    detail: str = Field(max_length=2000, description="human-readable explanation")
    stage: str = Field(description="stage that rejected it: decode, clean, extract, ...")
    origin_topic: str | None = None
    origin_partition: int | None = None
    origin_offset: int | None = None
    key: str | None = Field(None, description="message key, base64")
    original: str = Field(description="the original message bytes, base64; only their first SITREP_DEADLETTER_ORIGINAL_BYTES")
    original_bytes: int = Field(0, ge=0, description="length of the whole original message")
    original_sha256: str = Field("", description="SHA-256 of the whole original message, hex")
    original_truncated: bool = Field(False, description="true when original holds only the first bytes")
    failed_at: dt.datetime


# --- the topic registry: the one list of public topics --------------------------------------
# Settings (``Topics``), the metrics' topic labels, ``sitrep schemas export``, the CLI's help
# and the worker's outputs all read this; ``tests/unit/test_topic_registry.py`` checks that
# they agree with it and with ``schemas/``.


@dataclass(frozen=True)
class TopicSpec:
    """One public topic: its role (settings field, metric label), default name, record and key."""

    role: str
    default: str
    record: type[Record]
    key: str  # what the message key holds
    output: bool  # written by Sitrep (else read by it)


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("raw", "articles.raw", RawArticle, "the article id (any key is accepted)", output=False),
    TopicSpec("enriched", "articles.enriched", EnrichedArticle, "the article id", output=True),
    TopicSpec("duplicates", "articles.duplicates", DuplicateLink, "the copy's article id", output=True),
    TopicSpec("casualties", "claims.casualties", CasualtyClaim, "article_id:claim_index (one key per claim, so compaction keeps them all)", output=True),
    TopicSpec("credibility", "credibility.updates", CredibilityUpdate, "the id of the article rescored", output=True),
    TopicSpec("deadletter", "articles.deadletter", DeadLetter, "the rejected message's own key", output=True),
)
TOPIC_BY_ROLE: dict[str, TopicSpec] = {t.role: t for t in TOPICS}
ROLES: tuple[str, ...] = tuple(t.role for t in TOPICS)
OUTPUT_ROLES: tuple[str, ...] = tuple(t.role for t in TOPICS if t.output)
ARTICLE_ROLES: tuple[str, ...] = ("enriched", "duplicates")  # one of these per article (end-to-end latency)
TOPIC_RECORDS: dict[str, type[Record]] = {t.role: t.record for t in TOPICS}
