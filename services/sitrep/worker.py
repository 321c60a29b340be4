"""The Faust worker: three short agents wiring the pure stages to Kafka.

```
articles.raw ──analyze──▶ <app>.lsh (probes: an article's index keys, by LSH band)
             └─────────▶ <app>.events (the analysis, under the article's route key)
<app>.lsh ──index──▶ <app>.events (each band shard's candidates, under the route key)
<app>.events ──corroborate──▶ articles.enriched | articles.duplicates,
                              claims.casualties, credibility.updates
anything undecodable or failing a stage ──▶ articles.deadletter
```
The route key is the article's event (place, cause, day) when it has one, else its id:
the analysis and the shards' answers meet in the partition that holds the event's state,
so an article is gathered, judged and corroborated in one step, and its analysis crosses
Kafka once. Each agent takes batches (``take_events``), runs a stage function, sends, and
counts. Tables are written inside the event that caused the write, so their changelog
partition is the event's partition and a restarted or rebalanced worker gets its state
back. The dedup index is not a table: each shard's is derived from its entries
(``dedup.rebuild``) the first time the shard is probed after a start or a rebalance.
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import faust
from faust.streams import _current_event

from sitrep import metrics
from sitrep.codec import dead_letter
from sitrep.errors import RejectedMessage
from sitrep.gather import Gatherer
from sitrep.kafka import faust_credentials
from sitrep.memory import Trimmer
from sitrep.parallel import AnalyzePool, Failed
from sitrep.pipeline import Outcome, finish
from sitrep.records import Prepared
from sitrep.settings import Settings
from sitrep.stages import dedup
from sitrep.state import EntryLog, EventStore, TableView
from sitrep.wire import Part, Probe, decode_parts, decode_probes, encode_answers, encode_probes, partition_of

log = logging.getLogger("sitrep.worker")

# Offsets are committed every second (broker_commit_interval), after the producer flush.
FORGET_AFTER_SECONDS = 10.0


@contextlib.contextmanager
def within(event: Any) -> Iterator[None]:
    """Make ``event`` the current one, so table writes go to its partition's changelog."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


class BeforeCommit(faust.Sensor):
    """Calls ``callback`` when the consumer is about to commit offsets.

    Faust calls ``on_commit_initiated`` synchronously, before it works out which offsets to
    commit and before the producer flush that precedes the commit: table writes made here
    reach the changelog before the offsets they protect are committed.
    """

    def __init__(self, callback: Callable[[], None]) -> None:
        super().__init__()
        self.callback = callback

    def on_commit_initiated(self, consumer: Any) -> Any:
        self.callback()
        return None


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
        # zstd at its default level compresses our JSON better than lz4 at aiokafka's
        # level 9, at several times the speed (ops/bench).
        producer_compression_type=None if settings.compression == "none" else settings.compression,
        producer_max_batch_size=1_048_576,
        # An article's prepared records travel as one message: room for the largest body
        # allowed, its removed chrome and its entities (aiokafka's default is 1 MB).
        producer_max_request_size=4 * settings.thresholds.max_body_bytes + 1_048_576,
        stream_buffer_maxsize=4096,
        # A commit every 1,000 acks runs inside Faust's message loop and holds it while the
        # producer flushes, but keeps what a crash replays short: with commits by the
        # second only, the 8,000-article chaos test repeated 11,546 records instead of
        # 1,683, at the same latency (p99 386 vs 303 ms at 175 articles/s).
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
    events_topic = app.topic(f"{settings.app_id}.events", partitions=settings.partitions, internal=True, **raw_codec)

    # key_type/value_type bytes make Faust use the raw codec for the changelog too (a
    # Schema argument would leave the changelog on JSON, and recovery would fail).
    table = {"partitions": settings.partitions, "key_type": bytes, "value_type": bytes}
    # Pending entries live for milliseconds and event reports are rewritten as they are
    # rescored: changelogs compacted within a minute keep recovery after a crash short (by
    # default Kafka compacts only closed 1 GB segments).
    short_lived = {"segment.ms": "60000", "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "60000"}
    entries_table = app.Table("dedup-entries", default=None, **table)
    pending_table = app.Table("gather-pending", default=None, extra_topic_configs=short_lived, **table)
    events_table = app.Table("corroboration-events", default=None, extra_topic_configs=short_lived, **table)

    # Dedup entries are packed bytes under shard-specific keys (dedup.entry_key), so each
    # partition's state is its own; they live in memory and reach the table as one record
    # per batch and shard. The index of each shard is derived from them, in memory.
    entries = EntryLog(entries_table, settings.partitions)
    indexes: dict[int, tuple[dict[int, bytes], dedup.Ages]] = {}  # per shard: its index, its entries by age
    thresholds = settings.thresholds
    window = thresholds.window
    # An article files an entry in every shard one of its 17 index keys reaches: nearly
    # all of them. Each shard keeps the cap, as one shard offline does, so the index
    # remembers as many articles whatever the partitions (not a quarter as many over four).
    per_shard = thresholds.max_index_articles
    pool = AnalyzePool(settings.analyze_processes, settings.source_priors, thresholds.max_body_bytes)
    pending = TableView(pending_table, bytes, bytes)
    gatherer = Gatherer(pending)
    events = EventStore(events_table)

    async def reject(event: Any, exc: RejectedMessage | Exception, stage: str, value: bytes | None = None) -> None:
        """Dead-letter a message (or, with ``value``, the one article of a batch message that failed)."""
        reason = exc.reason if isinstance(exc, RejectedMessage) else "stage_error"
        detail = exc.detail if isinstance(exc, RejectedMessage) else f"{type(exc).__name__}: {exc}"
        msg = event.message
        original = msg.value if value is None else value
        letter = dead_letter(original, reason, detail, stage=stage, topic=msg.topic, partition=msg.partition, offset=msg.offset, key=msg.key)
        out["deadletter"].send_soon(key=msg.key, value=letter.to_json())
        metrics.child(metrics.DEAD_LETTERS, reason, stage).inc()
        metrics.child(metrics.MESSAGES_PRODUCED, stage, "deadletter").inc()

    async def publish(outcome: Outcome, replayed_at: str | None, stage: str) -> None:
        key = outcome.id.encode()
        if outcome.link is not None:
            out["duplicates"].send_soon(key=key, value=outcome.link)
            produced = "duplicates"
        else:
            out["enriched"].send_soon(key=key, value=outcome.record)
            produced = "enriched"
        metrics.child(metrics.MESSAGES_PRODUCED, stage, produced).inc()
        metrics.record_outcome(outcome.facts, outcome.verdict.status, outcome.credibility.score)
        if replayed_at is not None:
            seconds = max(0.0, (datetime.now(UTC) - datetime.fromisoformat(replayed_at)).total_seconds())
            metrics.child(metrics.END_TO_END, produced).observe(seconds)
        for claim in outcome.claims:
            out["casualties"].send_soon(key=key, value=claim)
        for update in outcome.updates:
            out["credibility"].send_soon(key=update.article_id.encode(), value=update.to_json())
        metrics.child(metrics.MESSAGES_PRODUCED, stage, "casualties").inc(len(outcome.claims))
        metrics.child(metrics.MESSAGES_PRODUCED, stage, "credibility").inc(len(outcome.updates))

    async def guarded(handle: Any, event: Any, stage: str, part: Part | None = None) -> None:
        """Run one event's step (or one part's, of a batch message); a failure dead-letters
        that event (or part) and the batch goes on.

        Faust acks a batch's events even when the agent raises, so an exception escaping
        here would lose the whole batch instead of one message.
        """
        try:
            await (handle(event) if part is None else handle(event, part))
        except Exception as exc:
            log.exception("%s failed on %s[%s]@%s", stage, event.message.topic, event.message.partition, event.message.offset)
            metrics.count_error(stage, exc)
            await reject(event, exc, stage, None if part is None else part.encode())

    async def decoded(event: Any, decode: Any, stage: str) -> list[Any]:
        """What an internal message carries; nothing once it is dead-lettered as undecodable."""
        try:
            return decode(event.value)
        except Exception as exc:
            metrics.count_error(stage, exc)
            await reject(event, exc, stage)
            return []

    @app.agent(raw_topic, name="analyze")
    async def analyze_agent(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(settings.batch_size, within=settings.analyze_batch_seconds or settings.batch_seconds):
            metrics.child(metrics.MESSAGES_CONSUMED, "analyze").inc(len(batch))
            # Without a replay stamp, broker time and offset order a message: a redelivery
            # gets the same order (harmless), a second message with the same id a new one.
            messages = [(e.message.value, int(e.message.timestamp * 1000) * 1000 + e.message.offset % 1000) for e in batch]
            probes: dict[int, list[Probe]] = {}
            for event, result in zip(batch, await pool.run(messages)):
                if isinstance(result, Failed):
                    if result.stage == "analyze":
                        log.error("analyze failed for %s: %s", result.id, result.detail)
                        metrics.count_error("analyze", RuntimeError(result.detail))
                    await reject(event, RejectedMessage(result.reason, result.detail), result.stage)
                    continue
                for stage, seconds in result.timings.items():
                    metrics.child(metrics.STAGE_DURATION, stage).observe(seconds)
                sig = dedup.Signature(result.exact, result.minhash, result.size, result.bands)
                routed = dedup.route(dedup.keys(sig), settings.partitions)
                route = result.event_key or result.id
                part = Part(result.id, result.order, shards=sorted(routed), event_key=result.event_key, analysis=result.prepared)
                events_topic.send_soon(key=route.encode(), value=part.encode(), partition=partition_of(route, settings.partitions))
                for partition, shard_keys in routed.items():
                    probes.setdefault(partition, []).append(Probe(result.id, result.order, result.exact, result.minhash, result.size, shard_keys, route))
                metrics.child(metrics.MESSAGES_PRODUCED, "analyze", "events").inc()
            for partition, shard_probes in probes.items():  # one message per shard per batch
                lsh_topic.send_soon(key=None, value=encode_probes(shard_probes), partition=partition)
            metrics.child(metrics.MESSAGES_PRODUCED, "analyze", "lsh").inc(len(probes))

    def index_of(shard: int) -> tuple[dict[int, bytes], dedup.Ages]:
        """The shard's dedup index and ages, derived from its entries the first time they are asked for."""
        derived = indexes.get(shard)
        if derived is None:
            started = time.perf_counter()
            entries.load(shard)
            derived = indexes[shard] = (dedup.rebuild(entries, shard=shard, shards=settings.partitions),
                                        dedup.ages_of(entries, shard=shard, shards=settings.partitions))
            log.info("dedup index of shard %d rebuilt from its %d entries: %d keys in %.2f s", shard, len(derived[1]), len(derived[0]), time.perf_counter() - started)
        return derived

    @app.on_partitions_revoked.connect
    async def forget_indexes(sender: Any, revoked: set[Any], **kwargs: Any) -> None:
        # A shard that comes back is rebuilt from its entries as they are then.
        for tp in revoked:
            if tp.topic == lsh_topic.get_topic_name() and indexes.pop(tp.partition, None) is not None:
                entries.drop(tp.partition)
        # Faust committed (and so stored what was unfinished) before telling us.
        gatherer.forget({tp.partition for tp in revoked if tp.topic == events_topic.get_topic_name()})

    @app.agent(lsh_topic, name="index")
    async def index_agent(stream: faust.StreamT) -> None:
        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            metrics.child(metrics.MESSAGES_CONSUMED, "index").inc(len(batch))
            by_shard: dict[int, list[tuple[Any, Probe]]] = {}
            for event in batch:
                probes = await decoded(event, decode_probes, "index")
                by_shard.setdefault(event.message.partition, []).extend((event, probe) for probe in probes)
            answers: dict[int, list[Part]] = {}  # by destination partition, from every shard of the batch
            for shard, items in by_shard.items():
                try:
                    probe_shard(shard, items, answers)
                except Exception as exc:  # dead-letter this shard's share of the batch, go on
                    log.exception("index failed on shard %s", shard)
                    metrics.count_error("index", exc)
                    for event in {id(e): e for e, _ in items}.values():
                        await reject(event, exc, "index")
            # One message per destination per batch: the answers of all four shards travel
            # together (one message per shard and destination was up to 16 a batch).
            for partition, group in answers.items():
                events_topic.send_soon(key=None, value=encode_answers(group), partition=partition)
            metrics.child(metrics.MESSAGES_PRODUCED, "index", "events").inc(len(answers))

    def probe_shard(shard: int, items: list[tuple[Any, Probe]], answers: dict[int, list[Part]]) -> None:
        """Probe one shard with its share of a batch; its candidates join ``answers``."""
        started = time.perf_counter()
        requests = [(p.id, p.order, dedup.Signature(p.exact, p.minhash, p.size), p.keys) for _, p in items]
        index, ages = index_of(shard)
        # One event of the shard's partition stands for the batch: every table
        # write below belongs to that partition's changelog.
        with within(items[-1][0]):
            try:
                found = dedup.probe_many(requests, index, entries, min_similarity=thresholds.story, window=window, shard=shard, shards=settings.partitions, ages=ages)
            finally:  # what was filed, even by a probe that failed half-way, is the shard's record
                entries.save(shard)
            dedup.evict_oldest(index, entries, ages, now_order=max(p.order for _, p in items), window=window, max_entries=per_shard)
        metrics.child(metrics.STAGE_DURATION, "dedup").observe((time.perf_counter() - started) / len(items))
        for (_, probe), candidates in zip(items, found):
            rows = [(c.id, c.order, c.similarity, c.exact) for c in candidates]
            answers.setdefault(partition_of(probe.route, settings.partitions), []).append(Part(probe.id, probe.order, shard=shard, candidates=rows))

    # A finished article's stored parts are deleted only once its output is surely
    # committed: deleting them at once, a crash between the delete reaching the changelog
    # and the output reaching its topic would leave the redelivered last answer waiting
    # for an analysis that is gone, and the article lost.
    done: deque[tuple[float, int, str]] = deque()  # (finished at, partition, slot)
    latest: dict[int, Any] = {}  # per partition: an event of it, for the deletes' changelog

    def forget_finished() -> None:
        while done and time.monotonic() - done[0][0] > FORGET_AFTER_SECONDS:
            _, partition, slot = done.popleft()
            with within(latest[partition]):
                pending.pop("a:" + slot, None)
                pending.pop("r:" + slot, None)

    @app.agent(events_topic, name="corroborate")
    async def corroborate_agent(stream: faust.StreamT) -> None:
        async def corroborate_one(event: Any, part: Part) -> None:
            gathered = gatherer.add(part, event.value, event, event.message.partition)
            if gathered is None:
                return
            if gathered.stored:
                done.append((time.monotonic(), event.message.partition, part.slot))
                latest[event.message.partition] = event
            candidates = [dedup.Candidate(*c) for found in gathered.answers.values() for c in found]
            verdict = dedup.resolve(part.id, candidates, near=thresholds.near_duplicate)
            prepared = Prepared.decode(gathered.head.analysis or b"")
            started = time.perf_counter()
            with within(event):
                outcome = finish(prepared, verdict, events)
            metrics.child(metrics.STAGE_DURATION, "corroborate").observe(time.perf_counter() - started)
            await publish(outcome, prepared.replayed_at, "corroborate")

        async for batch in stream.take_events(settings.batch_size, within=settings.batch_seconds):
            forget_finished()
            metrics.child(metrics.MESSAGES_CONSUMED, "corroborate").inc(len(batch))
            for event in batch:
                for part in await decoded(event, decode_parts, "corroborate"):
                    await guarded(corroborate_one, event, "corroborate", part)

    def store_unfinished() -> None:
        # What is still incomplete waits in the table, written before any offset is committed.
        for event, key, value in gatherer.unfinished():
            with within(event):
                pending[key] = value

    app.sensors.add(BeforeCommit(store_unfinished))

    roles = {raw_topic.get_topic_name(): "raw", lsh_topic.get_topic_name(): "lsh", events_topic.get_topic_name(): "events"}

    trimmer = Trimmer()

    @app.timer(interval=5.0)
    async def report_state() -> None:
        forget_finished()  # also when no batch comes: an idle worker lets go of what it finished
        trimmer.maybe()
        tables = {"dedup-entries": [entries], "gather-pending": [pending_table.data], "corroboration-events": [events_table.data]}
        metrics.sample_tables({"dedup-index": [index for index, _ in indexes.values()], **tables})
        await metrics.sample_offsets(app.consumer, roles)

    # Table writes and send_soon go through Faust's producer buffer, which by default the
    # conductor drains (with a warning) every 100 messages: far too often for our batches.
    app.producer.buffer.max_messages = 20 * settings.batch_size
    app.sitrep_settings = settings  # type: ignore[attr-defined]
    app.sitrep_pool = pool  # type: ignore[attr-defined]
    return app
