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
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any

import faust
import orjson
from faust.streams import _current_event, current_event
from pydantic import BaseModel, Field, TypeAdapter

from sitrep import metrics
from sitrep.codec import dead_letter, decode_raw
from sitrep.errors import RejectedMessage
from sitrep.kafka import faust_credentials
from sitrep.pipeline import Analysis, Outcome, analyze, finish, order_of
from sitrep.settings import Settings
from sitrep.stages import dedup
from sitrep.stages.corroborate import Report
from sitrep.stages.credibility_sources import load_priors

log = logging.getLogger("sitrep.worker")


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
    analysis: Analysis | None = None


class TableView(MutableMapping):
    """A Faust table seen through an encoder/decoder, so stages get plain Python values."""

    def __init__(self, table: Any, encode: Any, decode: Any) -> None:
        self.table, self.encode, self.decode = table, encode, decode

    def __getitem__(self, key: Any) -> Any:
        raw = self.table[self._key(key)]
        if raw is None:
            raise KeyError(key)
        return self.decode(raw)

    def get(self, key: Any, default: Any = None) -> Any:
        raw = self.table.get(self._key(key))
        return default if raw is None else self.decode(raw)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.table[self._key(key)] = self.encode(value)

    def __delitem__(self, key: Any) -> None:
        del self.table[self._key(key)]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.table.keys())

    def __len__(self) -> int:
        return len(self.table)

    @staticmethod
    def _key(key: Any) -> bytes:
        return key.to_bytes(8, "little") if isinstance(key, int) else str(key).encode()


class ShardView(TableView):
    """A table whose keys are scoped to the partition of the event being processed.

    Each dedup shard keeps its own copy of the signatures its bands refer to. Faust's
    stores file every key under one partition, so the same article id written from two
    shards must be two keys, or a rebalance would drop one shard's copy with the other's.
    """

    def _key(self, key: Any) -> bytes:
        event = current_event()
        if event is None:
            raise RuntimeError("shard state used outside of an event")
        return event.message.partition.to_bytes(2, "little") + super()._key(key)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError("a shard view cannot be iterated")


_reports = TypeAdapter(list[Report])


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
        monitor=metrics.faust_monitor(),
    )
    raw_codec = {"key_serializer": "raw", "value_serializer": "raw"}
    topics = settings.topics
    raw_topic = app.topic(topics.raw, partitions=settings.partitions, **raw_codec)
    out = {role: app.topic(name, partitions=settings.partitions, **raw_codec) for role, name in topics.outputs().items()}
    lsh_topic = app.topic(f"{settings.app_id}.lsh", partitions=settings.partitions, internal=True, **raw_codec)
    gather_topic = app.topic(f"{settings.app_id}.gather", partitions=settings.partitions, internal=True, **raw_codec)
    events_topic = app.topic(f"{settings.app_id}.events", partitions=settings.partitions, internal=True, **raw_codec)

    table = {"partitions": settings.partitions, "schema": faust.Schema(key_type=bytes, value_type=bytes, **raw_codec)}
    index_table = app.Table("dedup-index", default=None, **table)
    entries_table = app.Table("dedup-entries", default=None, **table)
    pending_table = app.Table("gather-pending", default=None, **table)
    events_table = app.Table("corroboration-events", default=None, **table)

    index = TableView(index_table, orjson.dumps, orjson.loads)
    entries = ShardView(entries_table, bytes, bytes)
    pending = TableView(pending_table, orjson.dumps, orjson.loads)
    events = TableView(events_table, _reports.dump_json, _reports.validate_json)
    thresholds = settings.thresholds
    priors = load_priors(settings.source_priors)

    async def reject(event: Any, exc: RejectedMessage | Exception, stage: str) -> None:
        reason = exc.reason if isinstance(exc, RejectedMessage) else "stage_error"
        detail = exc.detail if isinstance(exc, RejectedMessage) else f"{type(exc).__name__}: {exc}"
        msg = event.message
        letter = dead_letter(msg.value, reason, detail, stage=stage, topic=msg.topic, partition=msg.partition, offset=msg.offset, key=msg.key)
        await out["deadletter"].send(key=msg.key, value=letter.to_json())
        metrics.DEAD_LETTERS.labels(reason=reason, stage=stage).inc()
        metrics.MESSAGES_PRODUCED.labels(stage=stage, topic="deadletter").inc()

    async def publish(outcome: Outcome, stage: str) -> None:
        article = outcome.article
        key = article.id.encode()
        if outcome.link is not None:
            await out["duplicates"].send(key=key, value=outcome.link.to_json())
            produced = "duplicates"
        else:
            await out["enriched"].send(key=key, value=article.to_json())
            produced = "enriched"
        metrics.MESSAGES_PRODUCED.labels(stage=stage, topic=produced).inc()
        metrics.record_outcome(article, outcome.claims)
        if article.replayed_at is not None:
            metrics.END_TO_END.labels(topic=produced).observe(max(0.0, (datetime.now(UTC) - article.replayed_at).total_seconds()))
        for claim in outcome.claims:
            await out["casualties"].send(key=key, value=claim.to_json())
        for update in outcome.updates:
            await out["credibility"].send(key=update.article_id.encode(), value=update.to_json())
        metrics.MESSAGES_PRODUCED.labels(stage=stage, topic="casualties").inc(len(outcome.claims))
        metrics.MESSAGES_PRODUCED.labels(stage=stage, topic="credibility").inc(len(outcome.updates))

    @app.agent(raw_topic, name="analyze")
    async def analyze_agent(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            for event in batch:
                metrics.MESSAGES_CONSUMED.labels(stage="analyze").inc()
                msg = event.message
                try:
                    raw = decode_raw(msg.value, max_body_bytes=thresholds.max_body_bytes)
                except RejectedMessage as exc:
                    await reject(event, exc, "decode")
                    continue
                try:
                    timings: dict[str, float] = {}
                    # Without a replay stamp, broker time and offset order the message: a redelivery
                    # gets the same order (harmless), a second message with the same id a new one.
                    analysis = analyze(raw, order_of(raw, int(msg.timestamp * 1000) * 1000 + msg.offset % 1000), timings, priors)
                except Exception as exc:  # a stage bug must not stop the stream
                    log.exception("analyze failed for %s", raw.id)
                    metrics.count_error("analyze", exc)
                    await reject(event, exc, "analyze")
                    continue
                for stage, seconds in timings.items():
                    metrics.STAGE_DURATION.labels(stage=stage).observe(seconds)
                routed = dedup.route(dedup.keys(analysis.signature), settings.partitions)
                key = raw.id.encode()
                reply = Reply(id=raw.id, order=analysis.order, shards=sorted(routed), analysis=analysis)
                await gather_topic.send(key=key, value=reply.model_dump_json().encode())
                for partition, shard_keys in routed.items():
                    probe = Probe(id=raw.id, order=analysis.order, exact=analysis.exact, minhash=analysis.minhash, size=analysis.size, keys=shard_keys)
                    await lsh_topic.send(key=key, value=probe.model_dump_json().encode(), partition=partition)
                metrics.MESSAGES_PRODUCED.labels(stage="analyze", topic="gather").inc()
                metrics.MESSAGES_PRODUCED.labels(stage="analyze", topic="lsh").inc(len(routed))

    @app.agent(lsh_topic, name="index")
    async def index_agent(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            for event in batch:
                metrics.MESSAGES_CONSUMED.labels(stage="index").inc()
                probe = Probe.model_validate_json(event.value)
                started = time.perf_counter()
                with within(event):
                    found = dedup.probe(
                        probe.id,
                        probe.order,
                        dedup.Signature(probe.exact, probe.minhash, probe.size),
                        probe.keys,
                        index,
                        entries,
                        min_similarity=thresholds.story,
                    )
                metrics.STAGE_DURATION.labels(stage="dedup").observe(time.perf_counter() - started)
                shard = event.message.partition
                reply = Reply(id=probe.id, order=probe.order, shard=shard, candidates=[(c.id, c.order, c.similarity, c.exact) for c in found])
                await gather_topic.send(key=probe.id.encode(), value=reply.model_dump_json().encode())
                metrics.MESSAGES_PRODUCED.labels(stage="index", topic="gather").inc()

    @app.agent(gather_topic, name="gather")
    async def gather_agent(stream: faust.StreamT) -> None:
        # Replies are filed by shard, so a redelivered reply (at-least-once) overwrites
        # itself instead of being counted twice.
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            for event in batch:
                metrics.MESSAGES_CONSUMED.labels(stage="gather").inc()
                reply = Reply.model_validate_json(event.value)
                with within(event):
                    slot = f"{reply.id}@{reply.order}"
                    state = pending.get(slot) or {"analysis": None, "shards": None, "replies": {}}
                    if reply.analysis is not None:
                        state["analysis"] = reply.analysis.model_dump_json()
                        state["shards"] = reply.shards
                    else:
                        state["replies"][str(reply.shard)] = reply.candidates
                    if state["analysis"] is None or any(str(s) not in state["replies"] for s in state["shards"]):
                        pending[slot] = state
                        continue
                    del pending[slot]
                analysis = Analysis.model_validate_json(state["analysis"])
                candidates = [dedup.Candidate(*c) for found in state["replies"].values() for c in found]
                verdict = dedup.resolve(reply.id, candidates, near=thresholds.near_duplicate)
                if analysis.event_key is None:
                    await publish(finish(analysis, verdict, None), "gather")
                    continue
                message = {"analysis": state["analysis"], "verdict": verdict.model_dump_json()}
                await events_topic.send(key=analysis.event_key.encode(), value=orjson.dumps(message))
                metrics.MESSAGES_PRODUCED.labels(stage="gather", topic="events").inc()

    @app.agent(events_topic, name="corroborate")
    async def corroborate_agent(stream: faust.StreamT) -> None:
        from sitrep.models import Dedup

        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            for event in batch:
                metrics.MESSAGES_CONSUMED.labels(stage="corroborate").inc()
                message = orjson.loads(event.value)
                analysis = Analysis.model_validate_json(message["analysis"])
                verdict = Dedup.model_validate_json(message["verdict"])
                started = time.perf_counter()
                with within(event):
                    outcome = finish(analysis, verdict, events)
                metrics.STAGE_DURATION.labels(stage="corroborate").observe(time.perf_counter() - started)
                await publish(outcome, "corroborate")

    roles = {raw_topic.get_topic_name(): "raw", lsh_topic.get_topic_name(): "lsh", gather_topic.get_topic_name(): "gather", events_topic.get_topic_name(): "events"}

    @app.timer(interval=5.0)
    async def report_state() -> None:
        metrics.sample_tables({"dedup-index": index_table.data, "dedup-entries": entries_table.data, "gather-pending": pending_table.data, "corroboration-events": events_table.data})
        await metrics.sample_offsets(app.consumer, roles)

    app.sitrep_settings = settings  # type: ignore[attr-defined]
    return app
