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
from faust.streams import _current_event
from pydantic import BaseModel, Field, TypeAdapter

from sitrep import metrics
from sitrep.codec import dead_letter, decode_raw
from sitrep.errors import RejectedMessage
from sitrep.kafka import faust_credentials
from sitrep.pipeline import Analysis, Outcome, analyze, finish, order_of
from sitrep.settings import Settings
from sitrep.stages import dedup
from sitrep.stages.corroborate import Report

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
    entries = TableView(entries_table, bytes, bytes)
    pending = TableView(pending_table, orjson.dumps, orjson.loads)
    events = TableView(events_table, _reports.dump_json, _reports.validate_json)
    thresholds = settings.thresholds

    async def reject(event: Any, exc: RejectedMessage | Exception, stage: str) -> None:
        reason = exc.reason if isinstance(exc, RejectedMessage) else "stage_error"
        detail = exc.detail if isinstance(exc, RejectedMessage) else f"{type(exc).__name__}: {exc}"
        msg = event.message
        letter = dead_letter(msg.value, reason, detail, stage=stage, topic=msg.topic, partition=msg.partition, offset=msg.offset, key=msg.key)
        await out["deadletter"].send(key=msg.key, value=letter.to_json())
        metrics.DEAD_LETTERS.labels(reason=reason, stage=stage).inc()
        metrics.ARTICLES_PRODUCED.labels(topic="deadletter").inc()

    async def publish(outcome: Outcome) -> None:
        article = outcome.article
        key = article.id.encode()
        if outcome.link is not None:
            await out["duplicates"].send(key=key, value=outcome.link.to_json())
            produced = "duplicates"
        else:
            await out["enriched"].send(key=key, value=article.to_json())
            produced = "enriched"
        metrics.ARTICLES_PRODUCED.labels(topic=produced).inc()
        metrics.DEDUP_DECISIONS.labels(status=article.dedup.status).inc()
        if article.replayed_at is not None:
            metrics.END_TO_END.labels(topic=produced).observe(max(0.0, (datetime.now(UTC) - article.replayed_at).total_seconds()))
        for claim in outcome.claims:
            await out["casualties"].send(key=key, value=claim.to_json())
        for update in outcome.updates:
            await out["credibility"].send(key=update.article_id.encode(), value=update.to_json())
        metrics.ARTICLES_PRODUCED.labels(topic="casualties").inc(len(outcome.claims))
        metrics.ARTICLES_PRODUCED.labels(topic="credibility").inc(len(outcome.updates))

    @app.agent(raw_topic, name="analyze")
    async def analyze_agent(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            for event in batch:
                metrics.ARTICLES_CONSUMED.labels(stage="analyze").inc()
                msg = event.message
                try:
                    raw = decode_raw(msg.value, max_body_bytes=thresholds.max_body_bytes)
                except RejectedMessage as exc:
                    await reject(event, exc, "decode")
                    continue
                try:
                    timings: dict[str, float] = {}
                    analysis = analyze(raw, order_of(raw, int(msg.timestamp * 1_000_000)), timings)
                except Exception as exc:  # a stage bug must not stop the stream
                    log.exception("analyze failed for %s", raw.id)
                    metrics.ERRORS.labels(stage="analyze").inc()
                    await reject(event, exc, "analyze")
                    continue
                for stage, seconds in timings.items():
                    metrics.STAGE_DURATION.labels(stage=stage).observe(seconds)
                routed = dedup.route(dedup.keys(analysis.signature), settings.partitions)
                key = raw.id.encode()
                reply = Reply(id=raw.id, shards=sorted(routed), analysis=analysis)
                await gather_topic.send(key=key, value=reply.model_dump_json().encode())
                for partition, shard_keys in routed.items():
                    probe = Probe(id=raw.id, order=analysis.order, exact=analysis.exact, minhash=analysis.minhash, size=analysis.size, keys=shard_keys)
                    await lsh_topic.send(key=key, value=probe.model_dump_json().encode(), partition=partition)

    @app.agent(lsh_topic, name="index")
    async def index_agent(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            for event in batch:
                metrics.ARTICLES_CONSUMED.labels(stage="index").inc()
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
                reply = Reply(id=probe.id, shard=shard, candidates=[(c.id, c.order, c.similarity, c.exact) for c in found])
                await gather_topic.send(key=probe.id.encode(), value=reply.model_dump_json().encode())

    @app.agent(gather_topic, name="gather")
    async def gather_agent(stream: faust.StreamT) -> None:
        # Replies are filed by shard, so a redelivered reply (at-least-once) overwrites
        # itself instead of being counted twice.
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            for event in batch:
                reply = Reply.model_validate_json(event.value)
                with within(event):
                    state = pending.get(reply.id) or {"analysis": None, "shards": None, "replies": {}}
                    if reply.analysis is not None:
                        state["analysis"] = reply.analysis.model_dump_json()
                        state["shards"] = reply.shards
                    else:
                        state["replies"][str(reply.shard)] = reply.candidates
                    if state["analysis"] is None or any(str(s) not in state["replies"] for s in state["shards"]):
                        pending[reply.id] = state
                        continue
                    del pending[reply.id]
                analysis = Analysis.model_validate_json(state["analysis"])
                candidates = [dedup.Candidate(*c) for found in state["replies"].values() for c in found]
                verdict = dedup.resolve(reply.id, candidates, near=thresholds.near_duplicate)
                if analysis.event_key is None:
                    await publish(finish(analysis, verdict, None))
                    continue
                message = {"analysis": state["analysis"], "verdict": verdict.model_dump_json()}
                await events_topic.send(key=analysis.event_key.encode(), value=orjson.dumps(message))

    @app.agent(events_topic, name="corroborate")
    async def corroborate_agent(stream: faust.StreamT) -> None:
        from sitrep.models import Dedup

        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            for event in batch:
                message = orjson.loads(event.value)
                analysis = Analysis.model_validate_json(message["analysis"])
                verdict = Dedup.model_validate_json(message["verdict"])
                started = time.perf_counter()
                with within(event):
                    outcome = finish(analysis, verdict, events)
                metrics.STAGE_DURATION.labels(stage="corroborate").observe(time.perf_counter() - started)
                await publish(outcome)

    @app.timer(interval=10.0)
    async def report_state() -> None:
        for name, tbl in (("dedup-index", index_table), ("dedup-entries", entries_table), ("gather-pending", pending_table), ("corroboration-events", events_table)):
            metrics.STATE_ENTRIES.labels(table=name).set(len(tbl))

    app.sitrep_settings = settings  # type: ignore[attr-defined]
    return app
