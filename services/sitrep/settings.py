"""The one place configuration is read: environment variables prefixed ``SITREP_``.

Every other module receives a :class:`Settings` instance (or values taken from it);
nothing else calls ``os.getenv``. Nested groups use a double underscore, e.g.
``SITREP_TOPICS__ENRICHED=my.enriched``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sitrep.models import OUTPUT_ROLES, ROLES, TOPIC_BY_ROLE


def _default(role: str) -> str:
    return TOPIC_BY_ROLE[role].default


class Topics(BaseModel):
    """Names of the public topics, one field per role of ``models.TOPICS`` (defaults from
    there too). Internal repartition topics are prefixed by the app id."""

    model_config = ConfigDict(frozen=True)

    raw: str = _default("raw")
    enriched: str = _default("enriched")
    duplicates: str = _default("duplicates")
    casualties: str = _default("casualties")
    credibility: str = _default("credibility")
    deadletter: str = _default("deadletter")

    def name(self, role: str) -> str:
        return str(getattr(self, role))

    def outputs(self) -> dict[str, str]:
        """Output topic names by role, the ones a user subscribes to."""
        return {role: self.name(role) for role in OUTPUT_ROLES}

    def public(self) -> list[str]:
        return [self.name(role) for role in ROLES]


class Thresholds(BaseModel):
    """Decision thresholds of the stages; see docs/configuration.md."""

    model_config = ConfigDict(frozen=True)

    near_duplicate: float = Field(0.35, ge=0, le=1, description="similarity (see stages/dedup.py) from which an article is a near copy")
    story: float = Field(0.3, ge=0, le=1, description="similarity from which two reports are one story")
    max_body_bytes: int = Field(1_000_000, gt=0, description="clean text over this (UTF-8 bytes) is dead-lettered; the page as sent may be 8 times larger")
    retention_days: float = Field(30.0, gt=0, description="how long dedup and corroboration state remembers an article")
    max_index_articles: int = Field(1_000_000, gt=0, description="size cap of the dedup index, in articles")

    @property
    def window(self) -> int:
        """The retention window in the unit of arrival orders: microseconds."""
        return int(self.retention_days * 86_400 * 1_000_000)


class Settings(BaseSettings):
    """Sitrep settings; every field can be set as ``SITREP_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="SITREP_", env_nested_delimiter="__", frozen=True, extra="ignore")

    bootstrap_servers: str = Field("127.0.0.1:9092", description="comma-separated host:port list")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_check_hostname: bool = True

    app_id: str = "sitrep"
    topics: Topics = Topics()
    partitions: int = Field(4, ge=1)
    replication_factor: int = Field(1, ge=1)
    # at-least-once, with outputs keyed by article id and redelivery made harmless
    # (docs/processing.md): faust-streaming 0.15's exactly_once left partition 0 of an
    # internal topic unconsumed on a real broker here, so it is not offered.
    processing_guarantee: Literal["at_least_once"] = "at_least_once"

    metrics_port: int = Field(9108, ge=0, le=65535, description="0 disables the metrics endpoint")
    metrics_host: str = Field("127.0.0.1", description="address the metrics endpoint binds (0.0.0.0: every interface, as in docker-compose.yml)")
    max_record_bytes: int = Field(4 * 1_048_576, ge=65_536, description="largest record the worker sends; a larger one is dead-lettered (output_too_large)")
    deadletter_original_bytes: int = Field(65_536, ge=0, description="how much of the original message a dead letter keeps (its length and SHA-256 always)")
    web_port: int = Field(6066, ge=0, le=65535, description="Faust's own web server (0 picks a free port)")
    state_dir: Path = Path(".state")
    store: Literal["memory", "rocksdb"] = "memory"
    batch_size: int = Field(200, ge=1)
    analyze_processes: int = Field(
        default_factory=lambda: max(1, (os.cpu_count() or 2) - 1), ge=0, description="processes for the stateless stage (0: in the worker's own process)"
    )
    analyze_budget_seconds: float = Field(
        10.0, ge=0, description="CPU seconds one article's analysis may take in an analyze process before it is dead-lettered as too_costly (0: no limit)"
    )
    batch_seconds: float = Field(0.01, gt=0)
    analyze_batch_seconds: float = Field(
        0.001,
        gt=0,
        description="the analyze agent takes what is waiting (up to batch_size): a batch goes once no article came for this long;"
        " its batches set how many probes, answers and dedup records an article costs downstream",
    )
    dedup_quiet_after: float = Field(
        0.1,
        ge=0,
        description="for articles.raw partitions whose producer sends no order marks: seconds an article may take from its"
        " stamp to its partition; a caught-up partition vouches for every order older than its last fetch less this (docs/dedup.md)",
    )
    dedup_max_hold: float = Field(
        30.0,
        ge=0,
        description="seconds a probe may wait at its shard for an input partition whose marks stopped rising before it is answered"
        " anyway (0: no waiting, and verdicts may depend on which worker runs faster)",
    )
    debug_delay_partitions: dict[int, float] = Field(
        default_factory=dict,
        description="test hook: seconds the analyze agent waits before a batch holding a message of these articles.raw"
        ' partitions (JSON, e.g. {"0": 2}); forces the race of docs/dedup.md; never set in production',
    )
    solo: bool = Field(
        True,
        description="a worker that holds every partition hands its internal messages (probes, analyses, answers) over in memory"
        " instead of through <app>.lsh and <app>.events (false: always through the topics)",
    )
    compression: Literal["none", "zstd", "lz4", "gzip", "snappy"] = Field("zstd", description="compression of every batch the worker produces")
    stop_timeout: float = Field(
        15.0,
        gt=0,
        description="seconds a worker may take to stop after SIGTERM or SIGINT before it exits anyway (exit code 1); what it had"
        " not committed is read again by whichever worker takes its partitions",
    )

    thresholds: Thresholds = Thresholds()
    source_priors: Path | None = Field(None, description="YAML file overriding the default source prior table")
    log_format: Literal["text", "json"] = Field("text", description="json: one JSON object a line, with the worker's id, for log shippers")

    @field_validator("bootstrap_servers")
    @classmethod
    def _servers_have_ports(cls, value: str) -> str:
        servers = [server.strip() for server in value.split(",")]
        for server in servers:
            check_server(server)
        return ",".join(servers)

    @property
    def topic_max_message_bytes(self) -> int:
        """``max.message.bytes`` of the topics Sitrep creates, and the producer's request
        limit: the largest record plus room for its batch's overhead, so that every record
        the size guard lets through is accepted by the broker."""
        return self.max_record_bytes + 65_536

    @property
    def kafka_uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL")

    @property
    def kafka_uses_ssl(self) -> bool:
        return self.security_protocol.endswith("SSL")


def check_server(server: str) -> None:
    """Raise ValueError unless ``server`` is ``host:port`` (``[v6 address]:port`` for IPv6)."""
    host, colon, port = server.rpartition(":")
    if ":" in host and not host.startswith("["):
        raise ValueError(f"{server!r}: write an IPv6 address in brackets with its port, e.g. [::1]:9092")
    if not colon:
        raise ValueError(f"{server!r} has no port: write host:port, e.g. {server or 'localhost'}:9092")
    if not host:
        raise ValueError(f"{server!r} has no host: write host:port, e.g. localhost{server}")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{server!r}: the port must be a number from 1 to 65535")


# Variables the ops scripts and tests read (ops/kafka/kafka.sh, ops/setup.sh, tests/): not
# settings, and not misspellings of one.
TOOL_VARIABLES = ("SITREP_KAFKA_", "SITREP_TEST_", "SITREP_BENCH_", "SITREP_CHAOS_", "SITREP_SETUP_", "SITREP_VENV", "SITREP_PYTHON")


def setting_names() -> set[str]:
    """Every ``SITREP_*`` variable the settings read, nested groups spelled out."""
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(f"SITREP_{name.upper()}")
        if isinstance(field.default, BaseModel):
            names |= {f"SITREP_{name.upper()}__{inner.upper()}" for inner in type(field.default).model_fields}
    return names


def unknown_variables(environ: dict[str, str] | os._Environ) -> list[tuple[str, str | None]]:
    """``SITREP_*`` variables no setting reads, each with the closest known name (or None)."""
    import difflib

    known = setting_names()
    unknown = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith("SITREP_") or upper in known or upper.startswith(TOOL_VARIABLES):
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.75)
        unknown.append((name, close[0] if close else None))
    return unknown


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
