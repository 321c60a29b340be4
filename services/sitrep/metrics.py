"""Every Prometheus metric Sitrep exports, in one place.

Names follow Prometheus conventions: base units (seconds, bytes), ``_total`` on counters,
and labels drawn from small fixed sets (stage names, reason codes, topic roles, actor
categories, governorates). Never an article id, a title or any other free text.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from sitrep.errors import ConfigError

# Stage work on a 2-core box ranges from ~10 µs (sign) to tens of ms (big HTML pages).
_STAGE_BUCKETS = (0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)
# End to end includes Kafka hops and batching windows: milliseconds to seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

ARTICLES_CONSUMED = Counter("sitrep_articles_consumed_total", "Messages consumed, by stage", ["stage"])
ARTICLES_PRODUCED = Counter("sitrep_articles_produced_total", "Records produced, by output topic role", ["topic"])
STAGE_DURATION = Histogram("sitrep_stage_duration_seconds", "Time spent in one stage for one article", ["stage"], buckets=_STAGE_BUCKETS)
END_TO_END = Histogram("sitrep_end_to_end_latency_seconds", "From replay to the output record", ["topic"], buckets=_LATENCY_BUCKETS)
DEAD_LETTERS = Counter("sitrep_dead_letters_total", "Messages sent to the dead-letter topic, by reason", ["reason", "stage"])
ERRORS = Counter("sitrep_errors_total", "Errors caught while processing, by stage", ["stage"])
DEDUP_DECISIONS = Counter("sitrep_dedup_decisions_total", "Dedup verdicts, by status", ["status"])
STATE_ENTRIES = Gauge("sitrep_state_entries", "Entries held in a state table on this worker", ["table"])
STATE_BYTES = Gauge("sitrep_state_bytes", "Approximate bytes held in a state table on this worker", ["table"])
REPLAYED = Counter("sitrep_replay_messages_total", "Messages the replay producer sent, by outcome", ["outcome"])


def serve(port: int) -> None:
    """Expose /metrics on ``port`` (0: do nothing)."""
    if port:
        try:
            start_http_server(port)
        except OSError as exc:
            raise ConfigError(f"cannot serve metrics on port {port} ({exc.strerror}): set SITREP_METRICS_PORT to a free port, or 0 to disable") from None
