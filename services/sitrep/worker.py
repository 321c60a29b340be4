"""The Faust worker: four short agents wiring the pure stages to Kafka.

```
articles.raw ──analyze──▶ <app>.lsh (probes, partitioned by LSH band)
             └─────────▶ <app>.gather (the analysis, keyed by article id)
<app>.lsh ──index──▶ <app>.gather (candidates from that band shard)
<app>.gather ──gather──▶ <app>.events (keyed by event) or straight to the outputs
<app>.events ──corroborate──▶ articles.enriched | articles.duplicates,
                              claims.casualties, credibility.updates
anything undecodable or failing a stage ──▶ articles.deadletter
```
Each agent takes batches (``take_events``), runs a stage function, sends, and counts.
Tables are written inside the event that caused the write, so their changelog partition is
the event's partition and a restarted or rebalanced worker gets its state back.
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import faust
import orjson
from faust.streams import _current_event
from pydantic import BaseModel, Field

from sitrep import metrics
from sitrep.codec import dead_letter, decode_raw
from sitrep.errors import RejectedMessage
from sitrep.kafka import faust_credentials
from sitrep.models import Dedup
from sitrep.parallel import AnalyzePool, Failed
from sitrep.pipeline import Analysis, Outcome, finish, order_of
from sitrep.settings import Settings
from sitrep.stages import dedup
from sitrep.state import EventStore, TableView

log = logging.getLogger("sitrep.worker")

# Eviction scans a shard's whole state: often enough to hold the bounds, rarely enough to
# cost nothing on the hot path (probes already ignore articles outside the window).
EVICT_EVERY_SECONDS = 30.0
# Offsets are committed every second (broker_commit_interval), after the producer flush.
FORGET_AFTER_SECONDS = 10.0


class Probe(BaseModel):
    """One band shard's share of an article's index keys."""

    id: str
    order: int
    exact: int
    minhash: bytes
    size: int
    keys: list[int]
    model_config = {"ser_json_bytes": "base64", "val_json_bytes": "base64"}


class Reply(BaseModel):
    """A shard's candidates, or the analysis itself, on their way to the gather agent."""

    id: str
    order: int = Field(description="arrival order: two messages with one id are two articles")
    shard: int | None = Field(None, description="partition that answered; None for the analysis")
    shards: list[int] = Field([], description="with the analysis: every shard that will answer")
    candidates: list[tuple[str, int, float, bool]] = []
    analysis: str | None = Field(None, description="with the analysis: the Analysis as JSON, passed on unparsed")
    event_key: str | None = None


@contextlib.contextmanager
def within(event: Any) -> Iterator[None]:
    """Make ``event`` the current one, so table writes go to its partition's changelog."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def create_app(settings: Settings) -> faust.App:
    """The Faust app with its topics, tables and agents, configured from ``settings``."""
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server}" for server in settings.bootstrap_servers.split(",")],
        broker_credentials=faust_credentials(settings),
        store="rocksdb://" if settings.store == "rocksdb" else "memory://",
        datadir=str(settings.state_dir / settings.app_id),
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        processing_guarantee=settings.processing_guarantee,
        web_enabled=False,
        producer_linger=0.005,
        producer_compression_type="lz4",
        producer_max_batch_size=1_048_576,
        stream_buffer_maxsize=4096,
        broker_commit_every=1000,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        table_cleanup_interval=60.0,
        # A SIGKILLed worker's partitions are reassigned once its session expires: 10 s
        # (not Faust's 60 s) lets a restarted worker resume well within 30 s.
        broker_session_timeout=10.0,
        broker_heartbeat_interval=2.0,
        monitor=metrics.faust_monitor(),
    )
    raw_codec = {"key_serializer": "raw", "value_serializer": "raw"}
    topics = settings.topics
    raw_topic = app.topic(topics.raw, partitions=settings.partitions, **raw_codec)
    out = {role: app.topic(name, partitions=settings.partitions, **raw_codec) for role, name in topics.outputs().items()}
    lsh_topic = app.topic(f"{settings.app_id}.lsh", partitions=settings.partitions, internal=True, **raw_codec)
    gather_topic = app.topic(f"{settings.app_id}.gather", partitions=settings.partitions, internal=True, **raw_codec)
    events_topic = app.topic(f"{settings.app_id}.events", partitions=settings.partitions, internal=True, **raw_codec)

    # key_type/value_type bytes make Faust use the raw codec for the changelog too (a
    # Schema argument would leave the changelog on JSON, and recovery would fail).
    table = {"partitions": settings.partitions, "key_type": bytes, "value_type": bytes}
    # Pending entries live for milliseconds and event reports are rewritten as they are
    # rescored: changelogs compacted within a minute keep recovery after a crash short (by
    # default Kafka compacts only closed 1 GB segments).
    short_lived = {"segment.ms": "60000", "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "60000"}
    index_table = app.Table("dedup-index", default=None, **table)
    entries_table = app.Table("dedup-entries", default=None, **table)
    pending_table = app.Table("gather-pending", default=None, extra_topic_configs=short_lived, **table)
    events_table = app.Table("corroboration-events", default=None, extra_topic_configs=short_lived, **table)

    # Both dedup tables hold packed bytes under 8-byte keys; entry keys are shard-specific
    # (dedup.entry_key), so each partition's state is its own.
    index = TableView(index_table, bytes, bytes)
    entries = TableView(entries_table, bytes, bytes)
    thresholds = settings.thresholds
    window = thresholds.window
    per_shard = max(1, thresholds.max_index_articles // settings.partitions)
    last_evicted: dict[int, float] = {}
    pool = AnalyzePool(settings.analyze_processes, settings.source_priors)
    pending = TableView(pending_table, orjson.dumps, orjson.loads)
    events = EventStore(events_table)

    async def reject(event: Any, exc: RejectedMessage | Exception, stage: str) -> None:
        reason = exc.reason if isinstance(exc, RejectedMessage) else "stage_error"
        detail = exc.detail if isinstance(exc, RejectedMessage) else f"{type(exc).__name__}: {exc}"
        msg = event.message
        letter = dead_letter(msg.value, reason, detail, stage=stage, topic=msg.topic, partition=msg.partition, offset=msg.offset, key=msg.key)
        out["deadletter"].send_soon(key=msg.key, value=letter.to_json())
        metrics.DEAD_LETTERS.labels(reason=reason, stage=stage).inc()
        metrics.MESSAGES_PRODUCED.labels(stage=stage, topic="deadletter").inc()

    async def publish(outcome: Outcome, stage: str) -> None:
        article = outcome.article
        key = article.id.encode()
        if outcome.link is not None:
            out["duplicates"].send_soon(key=key, value=outcome.link.to_json())
            produced = "duplicates"
        else:
            out["enriched"].send_soon(key=key, value=article.to_json())
            produced = "enriched"
        metrics.MESSAGES_PRODUCED.labels(stage=stage, topic=produced).inc()
        metrics.record_outcome(article, outcome.claims)
        if article.replayed_at is not None:
            metrics.END_TO_END.labels(topic=produced).observe(max(0.0, (datetime.now(UTC) - article.replayed_at).total_seconds()))
        for claim in outcome.claims:
            out["casualties"].send_soon(key=key, value=claim.to_json())
        for update in outcome.updates:
            out["credibility"].send_soon(key=update.article_id.encode(), value=update.to_json())
        metrics.MESSAGES_PRODUCED.labels(stage=stage, topic="casualties").inc(len(outcome.claims))
        metrics.MESSAGES_PRODUCED.labels(stage=stage, topic="credibility").inc(len(outcome.updates))

    async def guarded(handle: Any, event: Any, stage: str) -> None:
        """Run one event's step; a failure dead-letters that event and the batch goes on.

        Faust acks a batch's events even when the agent raises, so an exception escaping
        here would lose the whole batch instead of one message.
        """
        try:
            await handle(event)
        except Exception as exc:
            log.exception("%s failed on %s[%s]@%s", stage, event.message.topic, event.message.partition, event.message.offset)
            metrics.count_error(stage, exc)
            await reject(event, exc, stage)

    @app.agent(raw_topic, name="analyze")
    async def analyze_agent(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            metrics.MESSAGES_CONSUMED.labels(stage="analyze").inc(len(batch))
            decoded = []
            for event in batch:
                msg = event.message
                try:
                    raw = decode_raw(msg.value, max_body_bytes=thresholds.max_body_bytes)
                except RejectedMessage as exc:
                    await reject(event, exc, "decode")
                    continue
                # Without a replay stamp, broker time and offset order the message: a redelivery
                # gets the same order (harmless), a second message with the same id a new one.
                decoded.append((event, raw, order_of(raw, int(msg.timestamp * 1000) * 1000 + msg.offset % 1000)))
            results = await pool.run([(raw, order) for _, raw, order in decoded])
            for (event, raw, _), result in zip(decoded, results):
                if isinstance(result, Failed):
                    log.error("analyze failed for %s: %s", raw.id, result.error)
                    metrics.count_error("analyze", RuntimeError(result.error))
                    await reject(event, RejectedMessage("stage_error", result.error), "analyze")
                    continue
                for stage, seconds in result.timings.items():
                    metrics.STAGE_DURATION.labels(stage=stage).observe(seconds)
                sig = dedup.Signature(result.exact, result.minhash, result.size, result.bands)
                routed = dedup.route(dedup.keys(sig), settings.partitions)
                key = raw.id.encode()
                reply = Reply(id=raw.id, order=result.order, shards=sorted(routed), analysis=result.analysis_json.decode(), event_key=result.event_key)
                gather_topic.send_soon(key=key, value=reply.model_dump_json().encode())
                for partition, shard_keys in routed.items():
                    probe = Probe(id=raw.id, order=result.order, exact=result.exact, minhash=result.minhash, size=result.size, keys=shard_keys)
                    lsh_topic.send_soon(key=key, value=probe.model_dump_json().encode(), partition=partition)
                metrics.MESSAGES_PRODUCED.labels(stage="analyze", topic="gather").inc()
                metrics.MESSAGES_PRODUCED.labels(stage="analyze", topic="lsh").inc(len(routed))

    @app.agent(lsh_topic, name="index")
    async def index_agent(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            metrics.MESSAGES_CONSUMED.labels(stage="index").inc(len(batch))
            by_shard: dict[int, list[tuple[Any, Probe]]] = {}
            for event in batch:
                try:
                    by_shard.setdefault(event.message.partition, []).append((event, Probe.model_validate_json(event.value)))
                except Exception as exc:
                    metrics.count_error("index", exc)
                    await reject(event, exc, "index")
            for shard, items in by_shard.items():
                try:
                    await probe_shard(shard, items)
                except Exception as exc:  # dead-letter this shard's share of the batch, go on
                    log.exception("index failed on shard %s", shard)
                    metrics.count_error("index", exc)
                    for event, _ in items:
                        await reject(event, exc, "index")

    async def probe_shard(shard: int, items: list[tuple[Any, Probe]]) -> None:
        """Probe one shard with its share of a batch and send the candidates to the gather stage."""
        started = time.perf_counter()
        requests = [(p.id, p.order, dedup.Signature(p.exact, p.minhash, p.size), p.keys) for _, p in items]
        # One event of the shard's partition stands for the batch: every table
        # write below belongs to that partition's changelog.
        with within(items[-1][0]):
            found = dedup.probe_many(requests, index, entries, min_similarity=thresholds.story, window=window, shard=shard, shards=settings.partitions)
            if time.monotonic() - last_evicted.get(shard, 0.0) > EVICT_EVERY_SECONDS:
                last_evicted[shard] = time.monotonic()
                dedup.evict(index, entries, now_order=max(p.order for _, p in items), window=window, max_entries=per_shard, shard=shard, shards=settings.partitions)
        metrics.STAGE_DURATION.labels(stage="dedup").observe((time.perf_counter() - started) / len(items))
        for (_, probe), candidates in zip(items, found):
            reply = Reply(id=probe.id, order=probe.order, shard=shard, candidates=[(c.id, c.order, c.similarity, c.exact) for c in candidates])
            gather_topic.send_soon(key=probe.id.encode(), value=reply.model_dump_json().encode())
        metrics.MESSAGES_PRODUCED.labels(stage="index", topic="gather").inc(len(items))

    @app.agent(gather_topic, name="gather")
    async def gather_agent(stream: faust.StreamT) -> None:
        # The analysis (large, written once) and the shards' replies (small, one per shard)
        # wait under two keys; replies are filed by shard, so a redelivered one (at-least-
        # once) overwrites itself instead of counting twice. Both go when the article does.
        # A finished article's entries are deleted only once its output is surely
        # committed: deleting them at once, a crash between the delete reaching the
        # changelog and the output reaching its topic would leave the redelivered last
        # reply waiting for an analysis that is gone, and the article lost.
        done: deque[tuple[float, int, str]] = deque()
        latest: dict[int, Any] = {}

        async def gather_one(event: Any) -> None:
            reply = Reply.model_validate_json(event.value)
            slot = f"{reply.id}@{reply.order}"
            with within(event):
                replies = dict(pending.get("r:" + slot) or {})
                if reply.analysis is not None:
                    head = {"analysis": reply.analysis, "shards": reply.shards, "event_key": reply.event_key}
                else:
                    head = pending.get("a:" + slot)
                    replies[str(reply.shard)] = reply.candidates
                if head is None or any(str(s) not in replies for s in head["shards"]):
                    if reply.analysis is not None:
                        pending["a:" + slot] = head
                    else:
                        pending["r:" + slot] = replies
                    return
                done.append((time.monotonic(), event.message.partition, slot))
                latest[event.message.partition] = event
            state = {**head, "replies": replies}
            candidates = [dedup.Candidate(*c) for found in state["replies"].values() for c in found]
            verdict = dedup.resolve(reply.id, candidates, near=thresholds.near_duplicate)
            if state["event_key"] is None:
                await publish(finish(Analysis.model_validate_json(state["analysis"]), verdict, None), "gather")
                return
            message = {"analysis": state["analysis"], "verdict": verdict.model_dump_json()}
            events_topic.send_soon(key=state["event_key"].encode(), value=orjson.dumps(message))
            metrics.MESSAGES_PRODUCED.labels(stage="gather", topic="events").inc()

        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            while done and time.monotonic() - done[0][0] > FORGET_AFTER_SECONDS:
                _, partition, slot = done.popleft()
                with within(latest[partition]):
                    pending.pop("a:" + slot, None)
                    pending.pop("r:" + slot, None)
            for event in batch:
                metrics.MESSAGES_CONSUMED.labels(stage="gather").inc()
                await guarded(gather_one, event, "gather")

    async def corroborate_one(event: Any) -> None:
        message = orjson.loads(event.value)
        analysis = Analysis.model_validate_json(message["analysis"])
        verdict = Dedup.model_validate_json(message["verdict"])
        started = time.perf_counter()
        with within(event):
            outcome = finish(analysis, verdict, events)
        metrics.STAGE_DURATION.labels(stage="corroborate").observe(time.perf_counter() - started)
        await publish(outcome, "corroborate")

    @app.agent(events_topic, name="corroborate")
    async def corroborate_agent(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            for event in batch:
                metrics.MESSAGES_CONSUMED.labels(stage="corroborate").inc()
                await guarded(corroborate_one, event, "corroborate")

    roles = {raw_topic.get_topic_name(): "raw", lsh_topic.get_topic_name(): "lsh", gather_topic.get_topic_name(): "gather", events_topic.get_topic_name(): "events"}

    @app.timer(interval=5.0)
    async def report_state() -> None:
        metrics.sample_tables({"dedup-index": index_table.data, "dedup-entries": entries_table.data, "gather-pending": pending_table.data, "corroboration-events": events_table.data})
        await metrics.sample_offsets(app.consumer, roles)

    # Table writes and send_soon go through Faust's producer buffer, which by default the
    # conductor drains (with a warning) every 100 messages: far too often for our batches.
    app.producer.buffer.max_messages = 20 * settings.batch_size
    app.sitrep_settings = settings  # type: ignore[attr-defined]
    app.sitrep_pool = pool  # type: ignore[attr-defined]
    return app
