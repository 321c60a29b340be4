"""Every Prometheus metric Sitrep exports, in one place.

Names follow Prometheus conventions: base units (seconds, bytes), ``_total`` on counters,
and labels drawn from small fixed sets (stage names, reason codes, topic roles, actor
categories, governorates, the outlets of the source prior table
``data/outlets.yaml``). Never an article id, a title or any other free text:
``source_label`` and ``governorate_label`` fold what is not on their list into ``other``.

Topic labels are roles (``raw``, ``lsh``, ``events``, ``enriched``, ...), not
topic names, so the dashboards and alerts work whatever ``SITREP_APP_ID`` and
``SITREP_TOPICS__*`` say.

Every label value known in advance is created at zero by ``prepare`` (called by ``serve``):
a series that first appears with the value 1 makes ``increase()`` miss that first event,
and the content dashboards are built on ``increase()`` over the dashboard's time range.

Faust's own sensors (``faust_*``) go to the same registry and port. Faust measures its
latencies in milliseconds (``faust_events_runtime_ms``, ``faust_producer_send_latency``...),
not seconds; the dashboards say so on every such panel.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, get_args
from wsgiref.simple_server import WSGIRequestHandler, make_server

import prometheus_client
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector

from sitrep.errors import ConfigError
from sitrep.models import ARTICLE_ROLES, OUTPUT_ROLES, ActorCategory, Cause, DeadLetterReason, Dedup, EntityType
from sitrep.pipeline import STAGES
from sitrep.stages import data
from sitrep.stages.credibility.sources import default_priors
from sitrep.stages.types import Extraction

if TYPE_CHECKING:
    from faust.sensors.prometheus import PrometheusMonitor

    from sitrep.render import Facts

log = logging.getLogger("sitrep.metrics")

# The _created series would double every counter and histogram for no dashboard's benefit.
prometheus_client.disable_created_metrics()

# Stage work on a 2-core box ranges from ~10 µs (sign) to tens of ms (big HTML pages).
_STAGE_BUCKETS = (0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)
# End to end includes Kafka hops and batching windows: milliseconds to seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)

# The agents (consumers) and the timed pure stages (named once, in pipeline.STAGES).
AGENTS = ("analyze", "index", "corroborate")
TIMED_STAGES = STAGES
# (stage, topic role) pairs that produce: internal hops, outputs, dead letters.
PRODUCERS = (
    ("analyze", "lsh"),
    ("analyze", "events"),
    ("index", "events"),
    *(("corroborate", role) for role in OUTPUT_ROLES if role != "deadletter"),
    ("decode", "deadletter"),
    ("analyze", "deadletter"),
)
TABLES = ("dedup-index", "dedup-entries", "gather-pending", "corroboration-events")
UNKNOWN, OTHER, NONE = "unknown", "other", "none"
UNIQUE, DUPLICATE = "unique", "duplicate"

MESSAGES_CONSUMED = Counter("sitrep_messages_consumed_total", "Messages an agent took from its topic", ["stage"])
MESSAGES_PRODUCED = Counter("sitrep_messages_produced_total", "Messages produced, by producing stage and topic role", ["stage", "topic"])
STAGE_DURATION = Histogram("sitrep_stage_duration_seconds", "Time spent in one stage for one article", ["stage"], buckets=_STAGE_BUCKETS)
END_TO_END = Histogram("sitrep_end_to_end_latency_seconds", "From replay (replayed_at) to the output record", ["topic"], buckets=_LATENCY_BUCKETS)
DEAD_LETTERS = Counter(
    "sitrep_dead_letters_total", "Dead letters the broker acknowledged on the dead-letter topic, by reason and rejecting stage", ["reason", "stage"]
)
DEAD_LETTERS_DROPPED = Counter(
    "sitrep_dead_letters_dropped_total",
    "Dead letters the broker refused after every retry (logged with their origin), by reason and stage",
    ["reason", "stage"],
)
ERRORS = Counter("sitrep_errors_total", "Exceptions caught while processing, by stage and exception class", ["stage", "error"])
DEDUP_DECISIONS = Counter("sitrep_dedup_decisions_total", "Dedup verdicts, by kind (unique, exact_duplicate, near_duplicate) and outlet", ["kind", "source"])
DEDUP_HOLD = Histogram(
    "sitrep_dedup_hold_seconds", "How long a probe waited at its shard for the marks of every input partition", buckets=_LATENCY_BUCKETS
)
DEDUP_UNORDERED = Counter(
    "sitrep_dedup_unordered_total",
    "Probes answered out of input order: late (after their partition's mark passed them) or forced (held past SITREP_DEDUP_MAX_HOLD)",
    ["reason"],
)
UNORDERED_REASONS = ("late", "forced")
ROUTE_IN_MEMORY = Gauge("sitrep_route_in_memory", "1 while this worker holds every partition and hands its internal messages over in memory (SITREP_SOLO)")
STATE_ENTRIES = Gauge("sitrep_state_entries", "Entries held in a state table on this worker (active and standby partitions)", ["table"])
STATE_BYTES = Gauge("sitrep_state_bytes", "Approximate bytes of keys and values in a state table on this worker", ["table"])
SOURCE_ARTICLES = Counter("sitrep_source_articles_total", "Articles processed, by outlet (known outlets; other; unknown)", ["source"])
CREDIBILITY = Histogram(
    "sitrep_credibility_score", "Credibility score (0 to 1) of each article when first published, by outlet", ["source"], buckets=_SCORE_BUCKETS
)
ENTITIES = Counter(
    "sitrep_entities_total",
    "Entities found in articles, by type, actor category (none: not an actor) and whether the article was unique or a duplicate",
    ["type", "category", "dedup"],
)
CASUALTY_CLAIMS = Counter(
    "sitrep_casualty_claims_total",
    "Casualty claims published, by cause, governorate of the claim's place and whether the article was unique or a duplicate",
    ["cause", "governorate", "dedup"],
)
EXTRACTION_CAPPED = Counter("sitrep_extraction_capped_total", "Articles whose extraction reached a limit of stages.extract.Limits, by limit", ["kind"])
GOVERNORATE_INFO = Gauge(
    "sitrep_governorate_info", "Always 1: a governorate's country and map position, to join with claims", ["governorate", "country", "lat", "lon"]
)


@lru_cache(maxsize=4096)
def child(metric: Any, *values: str) -> Any:
    """``metric.labels(*values)``, remembered: ``labels`` checks and locks on every call, and
    the hot path counts several times per article. Label values come from small fixed sets."""
    return metric.labels(*values)


class _Offsets(Collector):
    """Consumer lag and topic end offsets of the partitions this worker consumes.

    A collector rather than gauges: a partition handed to another worker by a rebalance
    must disappear from this worker's scrape, not linger with its last value.
    """

    def __init__(self) -> None:
        self.lag: dict[tuple[str, int], int] = {}
        self.end: dict[tuple[str, int], int] = {}

    def describe(self) -> Iterator[Metric]:
        return self._families({}, {})

    def collect(self) -> Iterator[Metric]:
        return self._families(self.lag, self.end)

    @staticmethod
    def _families(lag: Mapping[tuple[str, int], int], end: Mapping[tuple[str, int], int]) -> Iterator[Metric]:
        lag_family = GaugeMetricFamily(
            "sitrep_consumer_lag_messages", "Messages on the topic partition not yet committed by this worker's consumer", labels=["topic", "partition"]
        )
        end_family = CounterMetricFamily(
            "sitrep_topic_messages",
            "Messages ever written to the topic partition (its end offset): the input rate on raw is the replay rate",
            labels=["topic", "partition"],
        )
        for (role, partition), value in sorted(lag.items()):
            lag_family.add_metric([role, str(partition)], value)
        for (role, partition), value in sorted(end.items()):
            end_family.add_metric([role, str(partition)], value)
        yield lag_family
        yield end_family


OFFSETS = _Offsets()
REGISTRY.register(OFFSETS)


# --- bounded label values ---------------------------------------------------------------------


def _data(*path: str) -> Any:
    return data.mapping(*path)


@lru_cache(maxsize=1)
def governorates() -> dict[str, tuple[str, float, float]]:
    """Governorate name -> (country code, lat, lon), from the gazetteer's admin1 table."""
    table = _data("gazetteer", "admin1.yaml")
    return {row["name"]: (country, float(row["lat"]), float(row["lon"])) for country, rows in table.items() for row in rows.values()}


def source_label(source: str | None, url: str | None = None) -> str:
    """The outlet's name when the source prior table knows it (by name, alias, domain or
    URL), other for any other outlet, unknown when there is none."""
    outlet = default_priors().lookup(source, url)
    if outlet is not None:
        return outlet.name
    return OTHER if (source and source.strip()) or url else UNKNOWN


def governorate_label(admin1_name: str | None) -> str:
    """The governorate's name when the gazetteer lists it, else other (unknown: no place)."""
    if not admin1_name:
        return UNKNOWN
    return admin1_name if admin1_name in governorates() else OTHER


def error_label(exc: BaseException) -> str:
    """The exception's class name: the program's classes are a bounded set."""
    name = type(exc).__name__
    return name if name.isidentifier() and len(name) <= 40 else OTHER


# --- recording --------------------------------------------------------------------------------


def count_error(stage: str, exc: BaseException) -> None:
    ERRORS.labels(stage=stage, error=error_label(exc)).inc()


def count_unordered(late: int, forced: int) -> None:
    if late:
        child(DEDUP_UNORDERED, "late").inc(late)
    if forced:
        child(DEDUP_UNORDERED, "forced").inc(forced)


def record_outcome(facts: Facts, status: str, score: float) -> None:
    """Count what one published article says: source, score, dedup kind, entities, claims."""
    source = source_label(facts.source, facts.url)
    child(SOURCE_ARTICLES, source).inc()
    child(CREDIBILITY, source).observe(score)
    child(DEDUP_DECISIONS, status, source).inc()
    for limit in facts.capped:
        child(EXTRACTION_CAPPED, limit).inc()
    # Copies are counted too, apart (dedup="duplicate"): a panel of what the news said counts
    # every report, one of distinct stories keeps dedup="unique"; and after a restart, a
    # replay of known articles (all copies then) still shows on the content panels.
    dedup = UNIQUE if status == "unique" else DUPLICATE
    for kind, category in facts.entities:
        child(ENTITIES, kind, category or NONE, dedup).inc()
    for cause, governorate in facts.claims:
        child(CASUALTY_CLAIMS, cause, governorate_label(governorate), dedup).inc()


def sample_tables(stores: Mapping[str, Iterable[Mapping[Any, Any]]]) -> None:
    """Entries and approximate bytes of each table (its stores: one, or one per shard),
    bytes estimated from a sample of entries."""
    for name, parts in stores.items():
        parts = list(parts)
        entries = sum(len(part) for part in parts)
        sample = list(itertools.islice(itertools.chain.from_iterable(part.items() for part in parts), 256))
        size = sum(_size(key) + _size(value) for key, value in sample)
        STATE_ENTRIES.labels(table=name).set(entries)
        STATE_BYTES.labels(table=name).set(round(entries * size / len(sample)) if sample else 0)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, bytes | bytearray | str) else 0


# Longest the lag sampler waits for the broker (the earliest offsets of never-committed
# partitions): with the broker gone, a 5 s timer must not hang on it.
OFFSETS_TIMEOUT = 2.0


async def sample_offsets(consumer: Any, roles: Mapping[str, str]) -> None:
    """Lag (end offset - committed offset) of the assigned partitions of the topics in ``roles``.

    ``roles`` maps topic name -> role; other assigned partitions (the tables' changelogs,
    read only to restore state) are left out. The end offsets are the highwaters of the
    consumer's last fetch responses (kept in memory; their age is
    ``sitrep_last_poll_age_seconds``), not a request: an unreachable broker cannot stop
    the sampler. Only partitions never committed ask the broker where they start, within
    ``OFFSETS_TIMEOUT``.
    """
    try:
        tps = [tp for tp in consumer.assignment() if tp.topic in roles]
        ends = {tp: consumer.highwater(tp) for tp in tps}
        from sitrep.stream.faust_compat import committed_offsets  # here: `sitrep process` counts without Faust

        # None means never committed: the consumer then starts from the earliest offset.
        committed = committed_offsets(consumer, tps)
        never = [tp for tp, offset in committed.items() if offset is None and ends.get(tp) is not None]
        earliest = await asyncio.wait_for(consumer.earliest_offsets(*never), OFFSETS_TIMEOUT) if never else {}
    except Exception as exc:  # a rebalance can revoke a partition mid-call, the broker can be gone: next round
        log.debug("offsets not sampled this round: %s", exc)
        return
    lag, end = {}, {}
    for tp in tps:
        if ends.get(tp) is None:
            continue
        start = committed[tp] if committed[tp] is not None else earliest.get(tp) or 0
        key = (roles[tp.topic], tp.partition)
        end[key] = ends[tp]
        lag[key] = max(0, ends[tp] - start)
    OFFSETS.lag, OFFSETS.end = lag, end


# --- set-up -----------------------------------------------------------------------------------


def prepare() -> None:
    """Create every known label combination at zero, and the governorate positions."""
    for stage in AGENTS:
        MESSAGES_CONSUMED.labels(stage=stage)
    for stage, role in PRODUCERS:
        MESSAGES_PRODUCED.labels(stage=stage, topic=role)
    for stage in TIMED_STAGES:
        STAGE_DURATION.labels(stage=stage)
    for role in ARTICLE_ROLES:
        END_TO_END.labels(topic=role)
    for reason in get_args(DeadLetterReason):
        stage = "analyze" if reason in ("stage_error", "too_costly", "output_too_large") else "corroborate" if reason == "id_conflict" else "decode"
        DEAD_LETTERS.labels(reason=reason, stage=stage)
        DEAD_LETTERS_DROPPED.labels(reason=reason, stage=stage)
    sources = {*(outlet.name for outlet in default_priors().outlets), OTHER, UNKNOWN}
    for kind, source in itertools.product(get_args(Dedup.model_fields["status"].annotation), sources):
        DEDUP_DECISIONS.labels(kind=kind, source=source)
    for limit in get_args(get_args(Extraction.model_fields["capped"].annotation)[0]):
        EXTRACTION_CAPPED.labels(kind=limit)
    for reason in UNORDERED_REASONS:
        DEDUP_UNORDERED.labels(reason=reason)
    for table in TABLES:
        STATE_ENTRIES.labels(table=table)
        STATE_BYTES.labels(table=table)
    for source in sources:
        SOURCE_ARTICLES.labels(source=source)
        CREDIBILITY.labels(source=source)
    for kind, category, dedup in itertools.product(get_args(EntityType), (*get_args(ActorCategory), NONE), (UNIQUE, DUPLICATE)):
        ENTITIES.labels(type=kind, category=category, dedup=dedup)
    for cause, governorate, dedup in itertools.product(get_args(Cause), (*governorates(), OTHER, UNKNOWN), (UNIQUE, DUPLICATE)):
        CASUALTY_CLAIMS.labels(cause=cause, governorate=governorate, dedup=dedup)
    for name, (country, lat, lon) in governorates().items():
        GOVERNORATE_INFO.labels(governorate=name, country=country, lat=f"{lat:.2f}", lon=f"{lon:.2f}").set(1)


@lru_cache(maxsize=1)
def _faust_metrics() -> Any:
    from faust.sensors.prometheus import FaustMetrics

    # A fixed prefix: Faust's default is the app id, which would rename every series per deployment.
    return FaustMetrics.create(REGISTRY, "faust")


def faust_monitor() -> PrometheusMonitor:
    """A Faust monitor that records Faust's own sensors into this registry (in milliseconds).

    Faust calls six hooks for every message it reads or sends. The stock monitor keeps, next
    to its Prometheus series, deques, per-partition dicts and a stream label normalised
    afresh for every event: 21 µs a message read and sent (``ops/bench/bench_monitor.py``),
    some twenty times an article. Here those hooks only count what the dashboards read
    (messages in and out by topic, send latency) and the time Faust's stall detector needs;
    commits, rebalances and errors keep the stock hooks. Table reads and writes are not
    counted: Faust would increment a labelled counter on every state access (several per
    article, a tenth of a worker's time); state size is sampled into
    ``sitrep_state_entries`` instead.
    """
    from faust.sensors.prometheus import PrometheusMonitor

    class Monitor(PrometheusMonitor):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._received: dict[str, Any] = {}
            self._sent: dict[str, Any] = {}

        def on_message_in(self, tp: Any, offset: int, message: Any) -> None:
            self._metrics.messages_received.inc()
            child = self._received.get(tp.topic)
            if child is None:
                child = self._received[tp.topic] = self._metrics.messages_received_per_topics.labels(topic=tp.topic)
            child.inc()

        def on_stream_event_in(self, tp: Any, offset: int, stream: Any, event: Any) -> None:
            self.stream_inbound_time[tp] = time.monotonic()  # read by Faust's stall detector
            return None

        def on_stream_event_out(self, tp: Any, offset: int, stream: Any, event: Any, state: Any = None) -> None:
            pass

        def on_message_out(self, tp: Any, offset: int, message: Any) -> None:
            pass

        def on_send_initiated(self, producer: Any, topic: str, message: Any, keysize: int, valsize: int) -> float:
            child = self._sent.get(topic)
            if child is None:
                child = self._sent[topic] = self._metrics.topic_messages_sent.labels(topic=f"topic.{topic}")
            child.inc()
            return time.monotonic()

        def on_send_completed(self, producer: Any, state: Any, metadata: Any) -> None:
            self._metrics.total_sent_messages.inc()
            self._metrics.producer_send_latency.observe((time.monotonic() - state) * 1000)

        def on_table_get(self, table: Any, key: Any) -> None:
            pass

        def on_table_set(self, table: Any, key: Any, value: Any) -> None:
            pass

        def on_table_del(self, table: Any, key: Any) -> None:
            pass

    return Monitor(metrics=_faust_metrics())


class _Server(ThreadingWSGIServer):
    # The listen backlog: the standard library's 5 made 200 concurrent scrapes queue for
    # seconds behind refused connections; 1,024 holds a normal scrape load and a burst.
    request_queue_size = 1024


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Expose /metrics on ``host``:``port`` (port 0: do nothing), in a daemon thread."""
    if port:
        prepare()
        server_class = type("Server", (_Server,), {"address_family": socket.AF_INET6 if ":" in host else socket.AF_INET})
        try:
            httpd = make_server(host, port, make_wsgi_app(), server_class, handler_class=_Quiet)
        except OSError as exc:
            hint = "set SITREP_METRICS_HOST and SITREP_METRICS_PORT (a free port, or 0 to disable)"
            raise ConfigError(f"cannot serve metrics on {host}:{port} ({exc.strerror}): {hint}") from None
        threading.Thread(target=httpd.serve_forever, name="sitrep-metrics", daemon=True).start()
