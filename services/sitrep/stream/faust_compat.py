"""The private Faust internals Sitrep relies on, in one place.

faust-streaming 0.15 offers no public way to do any of this, so these are reached by name here
and nowhere else; a Faust upgrade that renames them breaks this module (and its tests), not the
worker at large.

- ``faust.streams._current_event``: the context variable Faust reads to decide which
  partition's changelog a table write belongs to. Agents that take batches
  (``take_events``) write tables after the batch is taken, when no event is current, so
  ``within`` sets it to the event that caused the write.
- ``Consumer._committed_offset``: each assigned partition's committed offset (read from the
  broker on assignment, then Faust's own commits). The lag metric needs it, and asking the
  broker instead would cost a request per partition every sample.
- ``Consumer._thread._ensure_consumer()``: the aiokafka consumer under Faust's, which keeps
  each partition's last fetch time (``last_poll_timestamp``): the poll-age gauge reads it
  from memory, so a broker outage cannot block it.
- ``Stream._enable_passive`` and ``Stream._processors``: ``take_waiting`` gathers a stream's
  events as ``Stream.take_events`` does (a processor on a passively consumed stream), with
  another rule for when a batch goes.
- ``Consumer._read_offset``, ``ack``, ``_new_offset``, ``_acked``, ``_acked_index`` and
  ``Message.tracked``: ``ProcessedOnly`` (below) replaces how Faust decides what to commit, so
  that a rebalance never commits past a message no stream processed.
- ``mode.Worker._schedule_shutdown``: where SIGTERM and SIGINT begin the stop; ``Worker``
  (below) starts its stop deadline there.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import os
import signal
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import faust
from faust.streams import _current_event

log = logging.getLogger(__name__)


@contextlib.contextmanager
def within(event: Any) -> Iterator[None]:
    """Make ``event`` the current one, so table writes go to its partition's changelog."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def committed_offsets(consumer: Any, tps: list[Any]) -> dict[Any, int | None]:
    """The committed offset of each of ``tps`` as the consumer knows it; None: never committed."""
    committed = consumer._committed_offset
    return {tp: committed.get(tp) for tp in tps}


def aiokafka_consumer(consumer: Any) -> Any:
    """The aiokafka consumer that Faust's consumer drives."""
    return consumer._thread._ensure_consumer()


# --- batches of what is waiting ------------------------------------------------------------------


async def take_waiting(stream: Any, cap: int, settle: float | None = None, *, within: float | None = None,
                       ack: bool = True) -> AsyncIterator[list[Any]]:
    """The stream's events in batches of what is waiting, up to ``cap``: a batch goes once no
    event has come for ``settle`` seconds, so it holds what the consumer had fetched, and no
    batch waits out a fixed window (``take_events``'s ``within``) while its first event ages.
    With ``within`` instead, a batch goes that long after its first event, as with
    ``take_events``: what other workers send comes spread over that window. Either way an idle
    stream waits for its next event without waking, where ``take_events`` wakes every
    ``within`` (a worker that holds every partition has two agents whose streams stay idle).

    Events are gathered as ``take_events`` gathers them, and so acked: after the caller is
    done with their batch. While it works, gathering pauses (the events wait in the stream's
    queue), so a rebalance finds nothing taken here that the caller has not seen. With
    ``ack=False`` the caller acks each event itself (``stream.ack``), when it has finished
    it, which may be after it took the next batch: Faust waits for those acks before it
    revokes partitions.
    """
    batch: list[Any] = []
    arrived = asyncio.Event()
    free = asyncio.Event()  # set while the caller has no batch and the batch has room
    free.set()

    async def gather(value: Any) -> Any:
        while not free.is_set():
            await free.wait()
        batch.append(stream.current_event)
        if len(batch) >= cap:
            free.clear()
        arrived.set()
        return value

    if (settle is None) == (within is None):
        raise ValueError("take_waiting needs one of settle and within")
    loop = asyncio.get_running_loop()
    acks = stream.enable_acks
    stream.enable_acks = False  # acked below, once the caller is done
    stream.add_processor(gather)
    stream._enable_passive(aiter(stream.channel))
    try:
        while not stream.should_stop:
            await stream.wait_for_stopped(arrived)
            deadline = None if within is None else loop.time() + within
            while len(batch) < cap:  # until the events already fetched are in, or the window ends
                arrived.clear()
                wait = settle if deadline is None else deadline - loop.time()
                if wait <= 0:
                    break
                await stream.wait_for_stopped(arrived, timeout=wait)
                if deadline is None and not arrived.is_set():
                    break
            arrived.clear()
            if not batch:
                continue
            taken = list(batch)
            batch.clear()
            free.clear()
            try:
                yield taken
            finally:
                if ack:
                    for event in taken:
                        await stream.ack(event)
                free.set()
    finally:
        stream.enable_acks = acks
        stream._processors.remove(gather)


# --- commits only past what a stream processed -------------------------------------------------


class _Reads(dict):
    """``Consumer._read_offset`` that reads as unknown on acked topics.

    Faust's fetch loop drops a message below the last offset it delivered and counts offsets
    it jumped over as acked (a gap). After a rebalance a delivery of the old generation can
    complete late and set that offset past messages the new generation fetches again, which
    were then dropped and counted as done: articles lost. On acked topics every fetched
    message is delivered instead (a repeat is harmless: at-least-once), and nothing is
    counted as acked that no stream acked.
    """

    def __init__(self, acked_topic: Callable[[str], bool], items: Mapping[Any, Any]) -> None:
        super().__init__(items)
        self.acked_topic = acked_topic

    def __getitem__(self, tp: Any) -> int | None:
        return None if self.acked_topic(tp.topic) else self.get(tp)


@dataclass
class ProcessedOnly:
    """What makes ``consumer`` commit an offset only once every message below it was processed
    (``install``), and fetch again, when a rebalance ends, what a stream skipped (``refetch``).

    faust-streaming 0.15 commits past messages nobody processed in three ways around a
    rebalance: its streams skip a message of the old generation, or one that arrives while
    flow is suspended, and ack it; its fetch loop drops and counts as acked the messages a late
    delivery jumped over (``_Reads``); and it commits a run of acked offsets that starts one past
    the committed offset. A worker joining or leaving lost articles each way
    (tests/integration/test_dedup_on_kafka.py). Here an ack of a message no stream took is
    ignored, a commit covers only a run that starts at the committed offset (or the log's
    start, if that is later), and the rebalance's end seeks a partition back to the message a
    stream skipped. (A message of the old generation comes again anyway: the new generation
    fetches from the committed offset, and nothing is dropped now.)
    Offsets of an input topic must then be contiguous, as they are on Sitrep's topics (not
    compacted, no transactions): a hole would hold its partition's commits back.
    """

    consumer: Any
    floors: dict[Any, int] = field(default_factory=dict)  # partition -> the log's first offset
    skipped: dict[Any, int] = field(default_factory=dict)  # partition -> lowest offset a stream skipped since the last refetch

    def install(self) -> None:
        """Before the fetch loop first starts: it reads ``_read_offset`` once, when it starts."""
        consumer = self.consumer
        if isinstance(consumer._read_offset, _Reads):
            return
        consumer._read_offset = _Reads(consumer.app.topics.acks_enabled_for, consumer._read_offset)
        ack = consumer.ack

        def ack_taken(message: Any) -> bool:
            # A stream marks ``tracked`` every message it takes; one it skipped is not done.
            if message.tracked:
                return ack(message)
            if consumer.app.topics.acks_enabled_for(message.topic):
                self.skipped[message.tp] = min(message.offset, self.skipped.get(message.tp, message.offset))
            return False

        consumer.ack = ack_taken
        consumer._new_offset = self.new_offset

    def start(self, tp: Any) -> int | None:
        """Where the run of processed offsets must start: the committed offset, or the log's
        first if that is later (or if nothing was committed); None while neither is known."""
        committed, floor = self.consumer._committed_offset.get(tp), self.floors.get(tp)
        if committed is None or floor is None:
            return floor if committed is None else committed
        return max(committed, floor)

    def new_offset(self, tp: Any) -> int | None:
        """The offset to commit: one past the run of acked offsets from ``start``; None if the
        first offset there is not acked yet."""
        acked, index = self.consumer._acked[tp], self.consumer._acked_index[tp]
        start = self.start(tp)
        if not acked or start is None:
            return None
        acked.sort()
        below = bisect.bisect_left(acked, start)
        if below:  # acked again below the start: committed already
            index.difference_update(acked[:below])
            del acked[:below]
        end = start
        for offset in acked:
            if offset != end:
                break
            end += 1
        if end == start:
            return None
        index.difference_update(acked[: end - start])
        del acked[: end - start]
        return end

    async def refetch(self) -> None:
        """Learn where each assigned partition's log starts, and seek a partition a stream skipped
        a message of back to it, so it is delivered again (a rebalance's end)."""
        consumer = self.consumer
        tps = [tp for tp in consumer.assignment() if consumer.app.topics.acks_enabled_for(tp.topic)]
        if tps:
            self.floors.update(await consumer.earliest_offsets(*tps))
        skipped, self.skipped = self.skipped, {}
        seeks = {}
        for tp, offset in skipped.items():
            start = self.start(tp)
            if tp in tps and start is not None and offset >= start:
                seeks[tp] = offset
        if seeks:
            # In the consumer's thread, as its fetches run there (a seek from here raced one).
            await consumer.seek_wait(seeks)
            log.info("rebalance done: %d partitions fetched again from a message a stream skipped", len(seeks))


class RefetchAfterRebalance(faust.Sensor):
    """Installs ``ProcessedOnly`` on the app's consumer when the first rebalance starts (before
    the fetch loop first runs) and refetches when each rebalance ends."""

    def __init__(self) -> None:
        super().__init__()
        self.processed: ProcessedOnly | None = None
        self.task: asyncio.Task | None = None  # held: the loop keeps only weak references

    def on_rebalance_start(self, app: Any) -> dict:
        if self.processed is None:
            self.processed = ProcessedOnly(app.consumer)
            self.processed.install()
        return super().on_rebalance_start(app)

    def on_rebalance_end(self, app: Any, state: dict) -> None:
        if self.processed is not None:
            self.task = app.loop.create_task(self._refetch(app, app.consumer_generation_id))

    async def _refetch(self, app: Any, generation: int) -> None:
        for attempt in range(1, 4):
            if app.consumer_generation_id != generation or self.processed is None:
                return  # rebalancing again: its end refetches
            try:
                await self.processed.refetch()
                return
            except Exception as exc:  # a broker hiccup; until it works a skipped message holds commits back
                log.warning("refetch after the rebalance failed (attempt %d of 3): %s", attempt, exc)
                await asyncio.sleep(1.0)


class Worker(faust.Worker):
    """Faust's worker with a deadline on stopping.

    Stopping waits for each service in turn, and Faust's consumer thread waits up to a
    minute for a broker that is gone; a process manager or an operator at a terminal should
    not. Past ``stop_timeout`` the process exits at once (code 1): nothing is lost, as what
    it had not committed is read again by whichever worker takes its partitions.
    """

    def __init__(self, app: faust.App, *, stop_timeout: float, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.stop_timeout = stop_timeout
        self.deadline: threading.Timer | None = None

    def _schedule_shutdown(self, sig: signal.Signals) -> None:
        if self.deadline is None:
            self.deadline = threading.Timer(self.stop_timeout, _stop_now, args=(sig.name, self.stop_timeout))
            self.deadline.daemon = True
            self.deadline.start()
        super()._schedule_shutdown(sig)


def _stop_now(name: str, seconds: float) -> None:
    log.error("worker did not stop within %g s of %s (SITREP_STOP_TIMEOUT; is the broker reachable?): exiting now;"
              " its uncommitted input will be read again", seconds, name)
    logging.shutdown()
    os._exit(1)
