"""The Faust worker: three short agents wiring the pure stages to Kafka (``sitrep worker``).

```
articles.raw ──analyze──▶ <app>.lsh (probes: an article's index keys, by LSH band)
             └─────────▶ <app>.events (the analysis, under the article's route key)
<app>.lsh ──index──▶ <app>.events (each band shard's candidates, under the route key)
<app>.events ──corroborate──▶ articles.enriched | articles.duplicates,
                              claims.casualties, credibility.updates
anything undecodable or failing a stage ──▶ articles.deadletter
```
Every record sent is bounded: one over ``max_record_bytes`` is dead-lettered instead
(``output_too_large``, by the ``Publisher``), and a dead letter keeps only the head of its
original, so nothing the worker sends can be refused for its size.
The route key is the article's event (place, cause, day) when it has one, else its id:
the analysis and the shards' answers meet in the partition that holds the event's state,
so an article is gathered, judged and corroborated in one step, and its analysis crosses
Kafka once. Each agent (a method of ``Worker``) takes batches (``take_waiting``: the analyze
agent what is waiting, the others what came within a window), runs a
stage function, sends through the one ``Publisher``, and counts. Tables are written inside the event that caused the write, so their changelog
partition is the event's partition and a restarted or rebalanced worker gets its state
back. The dedup index is not a table: each shard's is derived from its entries
(``dedup.rebuild``) the first time the shard is probed after a start or a rebalance.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import faust

from sitrep.errors import Failure, RejectedMessage
from sitrep.pipeline import dedup_shard, finish, judge
from sitrep.render import Prepared
from sitrep.settings import Settings
from sitrep.stages import dedup
from sitrep.stream import liveness, metrics
from sitrep.stream.faust_compat import RefetchAfterRebalance, aiokafka_consumer, committed_offsets, take_waiting, within
from sitrep.stream.gather import Gatherer
from sitrep.stream.hold import Holding, Position, Sources, order_mark
from sitrep.stream.kafka import faust_credentials
from sitrep.stream.memory import Trimmer
from sitrep.stream.parallel import Analyzed, AnalyzePool
from sitrep.stream.publish import Origin, Publisher
from sitrep.stream.reconnect import install as install_connection_log
from sitrep.stream.solo import KAFKA, SOLO, LocalEvent, LocalMessage, Route, sent_offset
from sitrep.stream.tables import EntryLog, EventStore, TableView
from sitrep.stream.wire import Part, Probe, decode_lsh, decode_parts, encode_answers, encode_probes, partition_of

log = logging.getLogger("sitrep.worker")

# Offsets are committed every second (broker_commit_interval), after the producer flush.
FORGET_AFTER_SECONDS = 10.0
# How often a worker may send marks alone, while a shard may be waiting for them.
MARK_INTERVAL = 0.05
# How long in-memory answering waits for the analyze agent to hand a waiting batch to its processes.
HAND_OFF_SECONDS = 0.002


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


def origin_of(event: Any) -> Origin:
    if isinstance(event, LocalEvent):
        return event.origin
    msg = event.message
    return Origin(msg.topic, msg.partition, msg.offset, msg.key)


def new_app(settings: Settings) -> faust.App:
    """The bare Faust app (no topics, tables or agents yet), configured from ``settings``."""
    return faust.App(
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
        # An article's prepared records travel as one message: room for the largest record
        # the size guard lets through (aiokafka's default is 1 MB); the topics Sitrep
        # creates take as much (max.message.bytes).
        producer_max_request_size=settings.topic_max_message_bytes,
        stream_buffer_maxsize=4096,
        # A commit every 1,000 acks runs inside Faust's message loop and holds it while the
        # producer flushes, but keeps what a crash replays short: with commits by the second
        # only, the chaos test repeated several times as many records, at the same latency.
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


def create_app(settings: Settings) -> faust.App:
    """The Faust app with its topics, tables and agents, configured from ``settings``."""
    app = new_app(settings)
    worker = Worker(app, settings)
    app.sitrep_settings = settings  # type: ignore[attr-defined]
    app.sitrep_pool = worker.pool  # type: ignore[attr-defined]
    app.sitrep_worker = worker  # type: ignore[attr-defined]
    return app


class Worker:
    """The agents and the state they share, registered on ``app``."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.app, self.settings = app, settings
        raw_codec = {"key_serializer": "raw", "value_serializer": "raw"}
        topics, partitions = settings.topics, settings.partitions
        self.raw_topic = app.topic(topics.raw, partitions=partitions, **raw_codec)
        out = {role: app.topic(name, partitions=partitions, **raw_codec) for role, name in topics.outputs().items()}
        self.lsh_topic = app.topic(f"{settings.app_id}.lsh", partitions=partitions, internal=True, **raw_codec)
        self.events_topic = app.topic(f"{settings.app_id}.events", partitions=partitions, internal=True, **raw_codec)
        self.publisher = Publisher(
            lambda role, key, value: out[role].send_soon(key=key, value=value),
            max_record_bytes=settings.max_record_bytes,
            max_original_bytes=settings.deadletter_original_bytes,
        )

        # key_type/value_type bytes make Faust use the raw codec for the changelog too (a
        # Schema argument would leave the changelog on JSON, and recovery would fail).
        table = {"partitions": partitions, "key_type": bytes, "value_type": bytes}
        # Pending entries live for milliseconds and event reports are rewritten as they are
        # rescored: changelogs compacted within a minute keep recovery after a crash short (by
        # default Kafka compacts only closed 1 GB segments).
        sized = {"max.message.bytes": str(settings.topic_max_message_bytes)}
        short_lived = {"segment.ms": "60000", "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "60000", **sized}
        # The name carries the entry layout's version (dedup.ENTRY_LAYOUT): a worker never reads
        # entries packed another way; after an upgrade that changes it, dedup starts afresh.
        self.entries_table = app.Table(f"dedup-entries-v{dedup.ENTRY_LAYOUT}", default=None, extra_topic_configs=sized, **table)
        self.pending_table = app.Table("gather-pending", default=None, extra_topic_configs=short_lived, **table)
        self.events_table = app.Table("corroboration-events", default=None, extra_topic_configs=short_lived, **table)
        self.held_table = app.Table("dedup-held", default=None, extra_topic_configs=short_lived, **table)

        # Dedup entries are packed bytes under shard-specific keys (dedup.entry_key), so each
        # partition's state is its own; they live in memory and reach the table as one record
        # per batch and shard. The index of each shard is derived from them, in memory.
        self.entries = EntryLog(self.entries_table, partitions)
        self.shards: dict[int, dedup.DedupShard] = {}  # per shard: its index and ages, derived from its entries
        # Probes wait at their shard until every input partition's mark has passed them
        # (stream/hold.py): verdicts then depend on the input order alone.
        self.max_hold = settings.dedup_max_hold or None
        self.holdings: dict[int, Holding] = {}  # per shard
        self.sources = Sources(settings.dedup_quiet_after)
        self.gaps: dict[int, int] = {}  # input partition -> the offset its marks waited for at the last report
        self.lsh_latest: dict[int, Any] = {}  # per shard: an event of it, for its table writes
        self.thresholds = settings.thresholds
        self.pool = AnalyzePool(settings.analyze_processes, settings.source_priors, self.thresholds.max_body_bytes, settings.analyze_budget_seconds)
        self.pending = TableView(self.pending_table, bytes, bytes)
        self.gatherer = Gatherer(self.pending)
        self.events = EventStore(self.events_table)
        # A finished article's stored parts are deleted only once its output is surely
        # committed: deleting them at once, a crash between the delete reaching the changelog
        # and the output reaching its topic would leave the redelivered last answer waiting
        # for an analysis that is gone, and the article lost.
        self.done: deque[tuple[float, int, str]] = deque()  # (finished at, partition, slot)
        self.latest: dict[int, Any] = {}  # per partition: an event of it, for the deletes' changelog
        self.roles = {self.raw_topic.get_topic_name(): "raw", self.lsh_topic.get_topic_name(): "lsh", self.events_topic.get_topic_name(): "events"}
        self.trimmer = Trimmer()
        self.connection_log = install_connection_log()
        # In memory instead of through <app>.lsh and <app>.events while this worker holds
        # every partition (stream/solo.py); ``wake`` tells the answering task probes came.
        self.route = Route(settings.solo)
        self.lsh_sent: dict[int, Any] = {}  # lsh partition -> the last message sent to it, while not acknowledged
        self.wake = asyncio.Event()

        app.agent(self.raw_topic, name="analyze")(self.analyze)
        app.agent(self.lsh_topic, name="index")(self.index)
        app.agent(self.events_topic, name="corroborate")(self.corroborate)
        app.on_partitions_revoked.connect(self.forget_indexes)
        app.sensors.add(BeforeCommit(self.store_unfinished))
        # Commits only past what a stream processed, around rebalances too (faust_compat).
        self.refetch = RefetchAfterRebalance()
        app.sensors.add(self.refetch)
        app.timer(interval=5.0)(self.report_state)
        app.timer(interval=MARK_INTERVAL)(self.keep_marks_going)
        app.task(self.answer_in_memory)
        # Table writes and send_soon go through Faust's producer buffer, which by default the
        # conductor drains (with a warning) every 100 messages: far too often for our batches.
        app.producer.buffer.max_messages = 20 * settings.batch_size

    # --- dead letters ------------------------------------------------------------------------

    def reject(self, event: Any, failure: Failure, value: bytes | None = None) -> None:
        """Dead-letter a message (or, with ``value``, the one article of a batch message that failed)."""
        origin = origin_of(event)
        original = event.value if value is None else value
        self.publisher.reject(original, failure, topic=origin.topic, partition=origin.partition, offset=origin.offset, key=origin.key)

    def guarded(self, handle: Any, event: Any, stage: str, part: Part | None = None) -> None:
        """Run one event's step (or one part's, of a batch message); a failure dead-letters
        that event (or part) and the batch goes on.

        Faust acks a batch's events even when the agent raises, so an exception escaping
        here would lose the whole batch instead of one message.
        """
        try:
            handle(event) if part is None else handle(event, part)
        except Exception as exc:
            log.exception("%s failed on %s[%s]@%s", stage, event.message.topic, event.message.partition, event.message.offset)
            metrics.count_error(stage, exc)
            self.reject(event, Failure.of(exc, stage), None if part is None else part.encode())

    def decoded(self, event: Any, decode: Any, stage: str) -> list[Any]:
        """What an internal message carries; nothing once it is dead-lettered as undecodable."""
        try:
            return decode(event.value)
        except Exception as exc:
            metrics.count_error(stage, exc)
            self.reject(event, Failure.of(exc, stage))
            return []

    # --- analyze: articles.raw -> lsh probes + the analysis -----------------------------------

    async def analyze(self, stream: faust.StreamT) -> None:
        settings = self.settings
        finishing: asyncio.Future | None = None  # the batch before, its results being handled
        # What is waiting, at once: a fixed window only ages the first article of a live stream,
        # while its analysis, which sets the pace, waits for the window to end.
        try:
            async for events in take_waiting(stream, settings.batch_size, settings.analyze_batch_seconds, ack=False):
                if self.route.enabled and self.route.state != SOLO:
                    self.go_solo()
                # Order marks from the producer are no articles: they vouch for their partition once
                # the articles before them are analyzed (``Sources`` keeps a mark until then; the
                # marks timer runs while a batch waits).
                batch, vouching = [], False
                self.sources.begin(self.starts(events))
                for event in events:
                    order = order_mark(event.message.headers)
                    if order is None:
                        batch.append(event)
                    else:
                        self.sources.marked(event.message.partition, event.message.offset, order)
                        vouching = True
                if vouching and self.route.state == SOLO:  # in memory a mark costs nothing: it frees what waits for it during the analysis
                    self.send_wanted_marks()
                analyzing = await self.submit(batch) if batch else None
                # The processes take this batch as soon as they finish the one before, whose
                # results are handled meanwhile: they never wait for the agent between batches.
                # Batches are finished one after another, in the order they were taken.
                if finishing is not None:
                    await finishing
                finishing = asyncio.ensure_future(self.finish(stream, events, batch, analyzing))
        finally:
            if finishing is not None and not finishing.done():
                finishing.cancel()  # its events are not acked: read again after a restart

    async def submit(self, batch: list[Any]) -> Awaitable[list[Analyzed | Failure]]:
        """Hand a batch's articles to the analyze processes; what awaits their results."""
        settings = self.settings
        metrics.child(metrics.MESSAGES_CONSUMED, "analyze").inc(len(batch))
        delay = max((settings.debug_delay_partitions.get(e.message.partition, 0.0) for e in batch), default=0.0)
        if delay:  # a test hook (docs/configuration.md): this worker falls behind the others
            await asyncio.sleep(delay)
        # Without a replay stamp, broker time and offset order a message: a redelivery
        # gets the same order (harmless), a second message with the same id a new one.
        return self.pool.submit([(e.message.value, int(e.message.timestamp * 1000) * 1000 + e.message.offset % 1000) for e in batch])

    async def finish(self, stream: faust.StreamT, events: list[Any], batch: list[Any], analyzing: Awaitable[list[Analyzed | Failure]] | None) -> None:
        """A taken batch's results sent on, its marks with them; then its events acked (a batch
        that raised too, as Faust's own batches are: it is not taken again and again)."""
        try:
            if analyzing is not None:
                probes, top = await self.analyze_articles(batch, analyzing)
                # One message per shard per batch, to every shard: its probes, and the marks
                # that let it answer what it holds.
                self.send_marks(self.sources.marks(self.positions()), probes, top)
            else:
                self.send_wanted_marks()
        except asyncio.CancelledError:
            raise  # the worker stops: not acked, so read again after a restart
        except BaseException:
            await self.ack(stream, events)
            raise
        await self.ack(stream, events)

    @staticmethod
    async def ack(stream: faust.StreamT, events: list[Any]) -> None:
        for event in events:
            await stream.ack(event)

    async def analyze_articles(self, batch: list[Any], analyzing: Awaitable[list[Analyzed | Failure]]) -> tuple[dict[int, list[tuple[Probe, Any]]], int | None]:
        """The analysis of a batch: each article's sent on; its probes by shard and the latest
        order among them handed back."""
        settings = self.settings
        probes: dict[int, list[tuple[Probe, Any]]] = {}  # by shard: (probe, the article's event)
        done: list[tuple[int, int, int | None]] = []  # (partition, offset, order: None when dead-lettered)
        if self.route.state == SOLO:  # the shards answer the last batch's probes while the processes analyze this one
            self.answer_held()
        for event, result in zip(batch, await analyzing, strict=True):
            done.append((event.message.partition, event.message.offset, None))
            if isinstance(result, Failure):
                if result.stage == "analyze":
                    log.error("analyze failed for %s: %s", result.id, result.detail)
                    metrics.count_error("analyze", RuntimeError(result.detail))
                self.reject(event, result)
                continue
            for stage, seconds in result.timings.items():
                metrics.child(metrics.STAGE_DURATION, stage).observe(seconds)
            routed = dedup.route(dedup.keys(result.signature, result.id), settings.partitions)
            route = result.event_key or result.id
            part = Part(result.id, result.order, shards=sorted(routed), event_key=result.event_key, analysis=result.prepared)
            encoded = part.encode()
            if not self.publisher.fits(encoded, route.encode()):  # before its probes go out: nothing waits for an analysis that never comes
                self.publisher.too_large(f"the analysis of {result.id!r}", encoded, "analyze", origin_of(event), route.encode())
                continue
            self.pass_on("analysis", (route, encoded, part, event))
            for partition, shard_keys in routed.items():
                probes.setdefault(partition, []).append((Probe(result.id, result.order, result.signature, shard_keys, route), event))
            done[-1] = (event.message.partition, event.message.offset, result.order)
        for partition, offset, order in done:
            self.sources.analyzed(partition, offset, order)
        orders = [order for _, _, order in done if order is not None]
        return probes, max(orders) if orders else None

    def starts(self, events: list[Any]) -> dict[int, int]:
        """Where the commits of each articles.raw partition held here start (faust_compat); for
        one never committed whose log start is not learned yet (a new group's first batches),
        the first offset of ``events``. None during a rebalance, while Faust has dropped the
        committed offsets."""
        processed, raw = self.refetch.processed, self.raw_topic.get_topic_name()
        if processed is None:
            return {}
        try:
            tps = [tp for tp in self.app.consumer.assignment() if tp.topic == raw]
        except Exception as exc:  # not assigned yet
            log.debug("assignment not read: %s", exc)
            return {}
        first: dict[int, int] = {}
        for event in events:
            partition, offset = event.message.partition, event.message.offset
            first[partition] = min(offset, first.get(partition, offset))
        committed = committed_offsets(self.app.consumer, tps)
        found = {}
        for tp in tps:
            if committed[tp] is None and self.app.rebalancing:
                continue  # dropped until Faust reads it again for the new assignment
            start = processed.start(tp)
            if start is None:
                start = first.get(tp.partition)
            if start is not None:
                found[tp.partition] = start
        return found

    def positions(self) -> dict[int, Position]:
        """Where the consumer stands on each articles.raw partition this worker holds (memory reads only)."""
        consumer, raw = self.app.consumer, self.raw_topic.get_topic_name()
        try:
            tps = [tp for tp in consumer.assignment() if tp.topic == raw]
            inner = aiokafka_consumer(consumer)
            committed = committed_offsets(consumer, tps)
            return {tp.partition: Position(inner.highwater(tp), inner.last_poll_timestamp(tp), committed[tp]) for tp in tps}
        except Exception as exc:  # a partition revoked mid-call: no marks from here this time
            log.debug("positions not read: %s", exc)
            return {}

    def send_marks(self, marks: dict[int, int], probes: dict[int, list[tuple[Probe, Any]]], top: int | None) -> None:
        self.pass_on("probes", (marks, probes, top))
        self.sources.sending(marks)

    # --- the internal hops: through Kafka, or in memory (stream/solo.py) ----------------------

    def pass_on(self, kind: str, what: tuple) -> None:
        """Send an article's analysis (``"analysis"``) or a batch's probes and marks (``"probes"``)
        on its internal topic, or hand it over in memory."""
        if self.route.state == SOLO:
            self.hand_over(kind, what)
        else:
            self.send(kind, what)

    def send(self, kind: str, what: tuple) -> None:
        partitions = self.settings.partitions
        if kind == "analysis":
            route, encoded, _, _ = what
            self.events_topic.send_soon(key=route.encode(), value=encoded, partition=partition_of(route, partitions))
            metrics.child(metrics.MESSAGES_PRODUCED, "analyze", "events").inc()
            return
        marks, probes, top = what
        for shard in range(partitions):
            rows = [probe for probe, _ in probes.get(shard, ())]
            self.lsh_sent[shard] = self.lsh_topic.send_soon(key=None, value=encode_probes(rows, marks, top), partition=shard)
        metrics.child(metrics.MESSAGES_PRODUCED, "analyze", "lsh").inc(partitions)

    def hand_over(self, kind: str, what: tuple) -> None:
        """What ``send`` would send, filed as its consumer would file it: the analysis where its
        article is gathered, the probes and marks at their shards (answered by ``answer_held``: from the analyze agent, or from ``answer_in_memory``)."""
        partitions = self.settings.partitions
        if kind == "analysis":
            route, encoded, part, event = what
            here = LocalEvent(LocalMessage(self.events_topic.get_topic_name(), partition_of(route, partitions)), encoded, origin_of(event))
            self.guarded(self.corroborate_one, here, "corroborate", part)
            return
        marks, probes, top = what
        now = time.monotonic()
        self.sources.seen(top)
        for shard in range(partitions):
            holding = self.holding_of(shard)
            for probe, event in probes.get(shard, ()):
                holding.add([probe], {}, now, event)
            holding.add([], marks, now)
            if shard not in self.lsh_latest:
                self.lsh_latest[shard] = LocalEvent(LocalMessage(self.lsh_topic.get_topic_name(), shard), b"", Origin())
        self.wake.set()

    async def answer_in_memory(self) -> None:
        """Answer what the shards may answer whenever probes or marks were handed over, between
        the analyze agent's batches. It first lets the agent hand its next batch, if one is
        waiting, to the analyze processes (``analyze_articles`` then answers, while they work):
        answering first would leave them idle meanwhile."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            await asyncio.sleep(HAND_OFF_SECONDS)
            self.answer_held()

    def answer_held(self) -> None:
        """Answer and deliver in memory what the shards hold and may answer; a failure is logged
        and counted (what fails to deliver is dead-lettered), and never ends the caller."""
        if self.route.state != SOLO:
            return
        try:
            self.deliver(self.answer({shard for shard, holding in self.holdings.items() if holding.held}, time.monotonic()))
        except Exception as exc:
            log.exception("answering in memory failed")
            metrics.count_error("index", exc)

    def deliver(self, answers: dict[int, list[tuple[Part, Any]]]) -> None:
        """The shards' answers, by the partition where their articles are gathered: one message
        per partition, or handed over in memory."""
        if self.route.state != SOLO:
            for partition, group in answers.items():
                self.events_topic.send_soon(key=None, value=encode_answers([part for part, _ in group]), partition=partition)
            metrics.child(metrics.MESSAGES_PRODUCED, "index", "events").inc(len(answers))
            return
        topic = self.events_topic.get_topic_name()
        for partition, group in answers.items():
            for part, event in group:
                origin = Origin() if event is None else origin_of(event)
                self.guarded(self.corroborate_one, LocalEvent(LocalMessage(topic, partition), b"", origin), "corroborate", part)

    def holds_everything(self) -> bool:
        """Whether this worker is assigned every partition of articles.raw and the internal topics."""
        try:
            assigned = self.app.consumer.assignment()
        except Exception:  # not assigned yet
            return False
        held: dict[str, set[int]] = {}
        for tp in assigned:
            held.setdefault(tp.topic, set()).add(tp.partition)
        wanted = {self.raw_topic.get_topic_name(): self.input_partitions(), self.lsh_topic.get_topic_name(): self.settings.partitions,
                  self.events_topic.get_topic_name(): self.settings.partitions}
        return all(held.get(topic, set()) >= set(range(n)) for topic, n in wanted.items())

    def go_solo(self) -> None:
        """Hand the internal messages over in memory once ``<app>.lsh`` is drained, while this
        worker holds every partition (stream/solo.py); nothing waits for the drain."""
        if not self.app.rebalancing and self.holds_everything() and self.lsh_drained():
            self.route.state = SOLO
            metrics.ROUTE_IN_MEMORY.set(1)
            log.info("this worker holds every partition: its internal messages go in memory")

    def lsh_drained(self) -> bool:
        """Whether the index agent read every lsh partition to its end, as far as this worker
        can tell from memory (``Route.ends``)."""
        lsh = self.lsh_topic.get_topic_name()
        try:
            tps = [tp for tp in self.app.consumer.assignment() if tp.topic == lsh]
            inner = aiokafka_consumer(self.app.consumer)
            highwaters = {tp.partition: inner.highwater(tp) for tp in tps}
        except Exception as exc:  # a partition revoked mid-call
            log.debug("lsh positions not read: %s", exc)
            return False
        ends = self.route.ends(highwaters, {partition: sent_offset(future) for partition, future in self.lsh_sent.items()})
        if ends is None:
            return False
        committed = {tp.partition: offset for tp, offset in committed_offsets(self.app.consumer, tps).items()}
        return self.route.drained(ends, committed)

    async def keep_marks_going(self) -> None:
        """Marks alone, while a shard may wait for them; and what waited past ``max_hold``, answered."""
        if self.max_hold is None:
            return
        now, limit = time.monotonic(), self.hold_limit()
        if limit is not None:
            overdue = {shard for shard, holding in self.holdings.items() if (oldest := holding.oldest()) is not None and now - oldest >= limit}
            if overdue:
                self.deliver(self.answer(overdue, now))
        self.send_wanted_marks()

    def hold_limit(self) -> float | None:
        """How long a probe may wait for stalled marks before it is answered anyway (None: as
        long as it takes): ``max_hold``, but not while the broker is unreachable nor for
        ``max_hold`` after: no producer could send a mark then, so their stall says nothing."""
        if self.max_hold is None or self.connection_log.troubled_within(self.max_hold):
            return None
        return self.max_hold

    def send_wanted_marks(self) -> None:
        """Marks alone, if they may let a waiting probe go."""
        if self.max_hold is None:
            return
        marks = self.sources.marks(self.positions())
        if self.sources.wanted(marks):
            self.send_marks(marks, {}, None)

    # --- index: lsh probes -> each shard's candidates ----------------------------------------

    def shard_of(self, shard: int) -> dedup.DedupShard:
        """The dedup shard, its index and ages derived from its entries the first time it is asked for."""
        found = self.shards.get(shard)
        if found is None:
            started = time.perf_counter()
            self.entries.load(shard)
            found = self.shards[shard] = dedup_shard(self.thresholds, self.entries, shard=shard, shards=self.settings.partitions)
            seconds = time.perf_counter() - started
            log.info("dedup index of shard %d rebuilt from its %d entries: %d keys in %.2f s", shard, len(found.ages), len(found.index), seconds)
        return found

    async def forget_indexes(self, sender: Any, revoked: set[Any], **kwargs: Any) -> None:
        # A shard that comes back is rebuilt from its entries as they are then.
        if self.route.state != KAFKA:  # back to the topics; the commit before this stored what was held
            self.route.state = KAFKA
            metrics.ROUTE_IN_MEMORY.set(0)
            log.info("partitions revoked: internal messages go through the topics")
        for tp in revoked:
            if tp.topic == self.lsh_topic.get_topic_name():
                self.holdings.pop(tp.partition, None)  # stored at the commit before the revocation
                self.lsh_latest.pop(tp.partition, None)
                if self.shards.pop(tp.partition, None) is not None:
                    self.entries.drop(tp.partition)
        self.sources.forget({tp.partition for tp in revoked if tp.topic == self.raw_topic.get_topic_name()})
        # Faust committed (and so stored what was unfinished) before telling us.
        self.gatherer.forget({tp.partition for tp in revoked if tp.topic == self.events_topic.get_topic_name()})

    def input_partitions(self) -> int:
        """The partitions of articles.raw, as the broker says (a topic made elsewhere may not have ``partitions``)."""
        try:
            found = self.app.consumer.topic_partitions(self.raw_topic.get_topic_name())
        except Exception:  # no metadata yet
            found = None
        return found or self.settings.partitions

    def holding_of(self, shard: int) -> Holding:
        """The shard's held probes and marks, as last stored the first time it is asked for."""
        found = self.holdings.get(shard)
        if found is None:
            sources = self.input_partitions() if self.max_hold is not None else 0
            found = self.holdings[shard] = Holding.restored(self.held_table, shard, sources, time.monotonic())
        return found

    async def index(self, stream: faust.StreamT) -> None:
        settings = self.settings
        async for batch in take_waiting(stream, settings.batch_size, within=settings.batch_seconds):
            metrics.child(metrics.MESSAGES_CONSUMED, "index").inc(len(batch))
            now, shards = time.monotonic(), set()
            for event in batch:
                self.route.took(event.message.partition, event.message.offset)
                for message in self.decoded(event, lambda data: [decode_lsh(data)], "index"):
                    shard = event.message.partition
                    self.sources.seen(message.top)
                    self.holding_of(shard).add(message.probes, message.marks, now, event)
                    self.lsh_latest[shard] = event
                    shards.add(shard)
            self.deliver(self.answer(shards, now))

    def answer(self, shards: set[int], now: float) -> dict[int, list[tuple[Part, Any]]]:
        """Probe each shard with what it may answer now, in order: the candidates by the partition
        where their articles are gathered, each with the message that brought its probe."""
        answers: dict[int, list[tuple[Part, Any]]] = {}  # by destination partition, from every shard
        for shard in sorted(shards):
            released = self.holding_of(shard).release(now, self.hold_limit())
            if not released.items:
                continue
            metrics.count_unordered(released.late, released.forced)
            if released.forced:
                log.warning("dedup shard %d answered %d probes without the marks of a stalled input partition (held past"
                            " SITREP_DEDUP_MAX_HOLD; marks by input partition: %s): their verdicts may differ from one worker's",
                            shard, released.forced, self.holding_of(shard).marks)
            if released.late:  # mostly probes redelivered after a restart, answered as the first time
                log.info("dedup shard %d answered %d probes ordered before one it had answered", shard, released.late)
            for held in released.items:
                metrics.DEDUP_HOLD.observe(now - held.since)
            try:
                self.probe_shard(shard, released.items, answers)
            except Exception as exc:  # dead-letter this shard's share, go on
                log.exception("index failed on shard %s", shard)
                metrics.count_error("index", exc)
                for event in {id(h.event): h.event for h in released.items if h.event is not None}.values():
                    self.reject(event, Failure.of(exc, "index"))
        # One message per destination (``deliver``): the answers of all four shards travel
        # together (one message per shard and destination was up to 16 a batch).
        return answers

    def probe_shard(self, shard: int, items: list[Any], answers: dict[int, list[tuple[Part, Any]]]) -> None:
        """Probe one shard with the held probes it may answer, in order; their candidates join ``answers``."""
        started = time.perf_counter()
        probes = [held.probe for held in items]
        requests = [(p.id, p.order, p.signature, p.keys) for p in probes]
        target = self.shard_of(shard)
        # One event of the shard's partition stands for them all: every table write below
        # belongs to that partition's changelog. What was filed, even by a probe that failed
        # half-way, is the shard's record: stored before anything is evicted.
        with within(self.lsh_latest[shard]):
            found = target.probe(requests, filed=lambda: self.entries.save(shard))
        metrics.child(metrics.STAGE_DURATION, "dedup").observe((time.perf_counter() - started) / len(probes))
        for held, candidates in zip(items, found, strict=True):
            probe, rows = held.probe, [tuple(c) for c in candidates]
            answer = Part(probe.id, probe.order, shard=shard, candidates=rows)
            answers.setdefault(partition_of(probe.route, self.settings.partitions), []).append((answer, held.event))

    # --- corroborate: the analysis and its shards' answers -> the outputs -------------------

    def forget_finished(self) -> None:
        while self.done and time.monotonic() - self.done[0][0] > FORGET_AFTER_SECONDS:
            _, partition, slot = self.done.popleft()
            with within(self.latest[partition]):
                self.pending.pop("a:" + slot, None)
                self.pending.pop("r:" + slot, None)

    def corroborate_one(self, event: Any, part: Part) -> None:
        gathered = self.gatherer.add(part, event.value, event, event.message.partition)
        if gathered is None:
            return
        if gathered.stored:
            self.done.append((time.monotonic(), event.message.partition, part.slot))
            self.latest[event.message.partition] = event
        candidates = [dedup.Candidate(*c) for found in gathered.answers.values() for c in found]
        try:
            verdict = judge(part.id, candidates, self.thresholds)
        except RejectedMessage as exc:  # the id of an earlier, different article: its analysis to the dead letters, under its id
            msg = event.message
            failure = Failure.of(exc, "corroborate", part.id)
            self.publisher.reject(gathered.head.analysis, failure, topic=msg.topic, partition=msg.partition, offset=msg.offset, key=part.id.encode())
            return
        prepared = Prepared.decode(gathered.head.analysis or b"")
        started = time.perf_counter()
        with within(event):
            outcome = finish(prepared, verdict, self.events)
        metrics.child(metrics.STAGE_DURATION, "corroborate").observe(time.perf_counter() - started)
        self.publisher.outcome(outcome, prepared.replayed_at, "corroborate", origin_of(event))

    async def corroborate(self, stream: faust.StreamT) -> None:
        async for batch in take_waiting(stream, self.settings.batch_size, within=self.settings.batch_seconds):
            self.forget_finished()
            metrics.child(metrics.MESSAGES_CONSUMED, "corroborate").inc(len(batch))
            for event in batch:
                for part in self.decoded(event, decode_parts, "corroborate"):
                    self.guarded(self.corroborate_one, event, "corroborate", part)

    def store_unfinished(self) -> None:
        # What is still incomplete waits in the table, written before any offset is committed.
        for event, key, value in self.gatherer.unfinished():
            with within(event):
                self.pending[key] = value
        # And each shard's held probes and marks, so a restart resumes where the commit is.
        for shard, holding in self.holdings.items():
            if holding.changed and shard in self.lsh_latest:
                with within(self.lsh_latest[shard]):
                    holding.store(self.held_table, shard)

    async def report_state(self) -> None:
        self.connection_log.tick()
        gaps = self.sources.gaps()
        for partition, (offset, later) in gaps.items():
            if self.gaps.get(partition) == offset:
                log.warning("input partition %d: offset %d not analyzed for 5 s or more, %d later ones are; its marks wait", partition, offset, later)
        self.gaps = {partition: offset for partition, (offset, _) in gaps.items()}
        self.forget_finished()  # also when no batch comes: an idle worker lets go of what it finished
        self.trimmer.maybe()
        tables = {"dedup-entries": [self.entries], "gather-pending": [self.pending_table.data], "corroboration-events": [self.events_table.data]}
        metrics.sample_tables({"dedup-index": [s.index for s in self.shards.values()], **tables})
        liveness.POLL.sample(self.app.consumer)  # memory reads only, whatever the broker does
        await metrics.sample_offsets(self.app.consumer, self.roles)
