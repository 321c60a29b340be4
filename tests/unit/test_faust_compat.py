"""Commits only past what a stream processed, on a real Faust consumer, and batches of what is
waiting, on a real Faust stream (stream/faust_compat.py)."""

from __future__ import annotations

import asyncio

import faust
import pytest
from faust.types import TP
from faust.types.tuples import ConsumerMessage

from sitrep.stream.faust_compat import ProcessedOnly, take_waiting

RAW = TP("raw", 0)


@pytest.fixture
def processed() -> ProcessedOnly:
    app = faust.App("compat-test", broker="kafka://localhost:1", web_enabled=False)
    consumer = app.consumer  # created, never started: no broker is asked
    app.topics._acking_topics.add(RAW.topic)  # what subscribing an agent to it does
    found = ProcessedOnly(consumer)
    found.install()
    return found


def message(offset: int, taken: bool = True) -> ConsumerMessage:
    found = ConsumerMessage(RAW.topic, RAW.partition, offset, 0.0, 0, [], b"k", b"v", None, tp=RAW)
    found.tracked = taken  # what a stream does to each message it takes
    return found


def ack(processed: ProcessedOnly, *offsets: int) -> None:
    for offset in offsets:
        processed.consumer.ack(message(offset))


def committable(processed: ProcessedOnly) -> int | None:
    # Faust's own path from acks to the offset it would commit.
    return processed.consumer._filter_committable_offsets([RAW]).get(RAW)


def test_an_ack_of_a_message_no_stream_took_is_ignored(processed: ProcessedOnly) -> None:
    processed.consumer._committed_offset[RAW] = 19
    assert processed.consumer.ack(message(19, taken=False)) is False
    assert processed.consumer.ack(message(20)) is True
    assert committable(processed) is None  # 19 was skipped by a stream: nothing passes it
    processed.consumer.ack(message(18, taken=False))
    assert processed.skipped == {RAW: 18}  # where the rebalance's end fetches it again from


def test_a_commit_covers_only_the_run_from_the_committed_offset(processed: ProcessedOnly) -> None:
    processed.consumer._committed_offset[RAW] = 10
    ack(processed, 11, 12)
    assert committable(processed) is None  # Faust itself would commit 13 here, past 10
    ack(processed, 10, 14)
    assert committable(processed) == 13
    processed.consumer._committed_offset[RAW] = 13
    assert committable(processed) is None  # 13 is not acked: 14 waits
    ack(processed, 13)
    assert committable(processed) == 15


def test_acks_below_the_committed_offset_are_dropped(processed: ProcessedOnly) -> None:
    processed.consumer._committed_offset[RAW] = 10
    processed.consumer._acked[RAW].extend([7, 8])  # acked before a commit moved past them
    processed.consumer._acked_index[RAW].update([7, 8])
    ack(processed, 10)
    assert committable(processed) == 11
    assert processed.consumer._acked[RAW] == [] and not processed.consumer._acked_index[RAW]


def test_without_a_commit_the_run_starts_at_the_first_offset_of_the_log(processed: ProcessedOnly) -> None:
    ack(processed, 5, 6)
    assert committable(processed) is None  # where the log starts is not known yet
    processed.floors[RAW] = 5
    assert committable(processed) == 7


def test_a_log_that_starts_past_the_committed_offset_starts_the_run_there(processed: ProcessedOnly) -> None:
    # Retention deleted what a worker down for long never committed.
    processed.consumer._committed_offset[RAW] = 3
    processed.floors[RAW] = 8
    ack(processed, 8, 9)
    assert committable(processed) == 10


def test_the_fetch_loop_reads_no_offset_on_acked_topics_and_keeps_it_on_others(processed: ProcessedOnly) -> None:
    reads = processed.consumer._read_offset
    other = TP("changelog", 0)
    reads[RAW], reads[other] = 40, 41
    # Faust would drop a message of RAW below 40 (fetched again after a rebalance) and count
    # the offsets between two deliveries as acked; an unknown read offset does neither.
    assert reads[RAW] is None
    assert reads[other] == 41


def test_installing_twice_changes_nothing(processed: ProcessedOnly) -> None:
    consumer = processed.consumer
    ack_before, reads = consumer.ack, consumer._read_offset
    processed.install()
    assert consumer.ack is ack_before and consumer._read_offset is reads


# --- batches of what is waiting (take_waiting) ---------------------------------------------------


def record_acks(stream: faust.StreamT, acked: list[int]) -> None:
    """The stream acks as before, and notes the value of each event it acks in ``acked``."""
    ack = stream.ack

    async def recorded(event: object) -> bool:
        acked.append(event.value)  # type: ignore[attr-defined]
        return await ack(event)

    stream.ack = recorded  # type: ignore[method-assign]


def test_a_batch_is_what_waited_while_the_last_was_handled_and_is_acked_after_it() -> None:
    app = faust.App("take-test", broker="kafka://localhost:1", web_enabled=False)
    batches: list[list[int]] = []
    acked_when_taken: list[list[int]] = []
    acked: list[int] = []
    release = asyncio.Event()

    @app.agent()
    async def taker(stream: faust.StreamT) -> None:
        record_acks(stream, acked)
        async for events in take_waiting(stream, cap=3, settle=0.05):
            batches.append([e.value for e in events])
            acked_when_taken.append(list(acked))
            await release.wait()  # the first batch is held while more come

    async def run() -> None:
        async with taker.test_context() as agent:  # the stream's own machinery, no broker
            await agent.put(0)
            while not batches:
                await asyncio.sleep(0.01)
            for value in range(1, 6):  # they wait while batch [0] is being handled (so put must not wait for them)
                await agent.put(value, wait=False)
            release.set()
            while sum(map(len, batches)) < 6:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # idle: no batch comes, not even an empty one

    asyncio.run(asyncio.wait_for(run(), 30))  # a batch that never comes fails, not hangs
    assert batches == [[0], [1, 2, 3], [4, 5]]  # what waited, up to the cap
    assert acked_when_taken == [[], [0], [0, 1, 2, 3]]  # a batch is acked once the caller is done with it


def test_with_ack_false_a_batch_is_acked_by_the_caller_and_the_next_is_taken_before() -> None:
    app = faust.App("take-ahead-test", broker="kafka://localhost:1", web_enabled=False)
    batches: list[list[int]] = []
    acked: list[int] = []
    acked_when_taken: list[list[int]] = []

    @app.agent()
    async def taker(stream: faust.StreamT) -> None:
        record_acks(stream, acked)
        held: list[object] = []
        async for events in take_waiting(stream, cap=3, settle=0.05, ack=False):
            batches.append([e.value for e in events])
            acked_when_taken.append(list(acked))
            for event in held:  # the batch before, finished only now
                await stream.ack(event)
            held = list(events)

    async def run() -> None:
        async with taker.test_context() as agent:
            await agent.put(0, wait=False)
            while not batches:
                await asyncio.sleep(0.01)
            for value in (1, 2):
                await agent.put(value, wait=False)
            while sum(map(len, batches)) < 3:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)

    asyncio.run(asyncio.wait_for(run(), 30))
    assert batches == [[0], [1, 2]]
    # Nothing is acked by taking: [0] only once the caller acked it, after it took [1, 2];
    # [1, 2] is never acked, so it would be read again.
    assert acked_when_taken == [[], []]
    assert acked == [0]


def test_with_within_a_batch_is_what_came_in_the_window_after_its_first_event_and_idle_never_wakes() -> None:
    app = faust.App("take-within-test", broker="kafka://localhost:1", web_enabled=False)
    batches: list[list[int]] = []
    waits: list[float | None] = []

    @app.agent()
    async def taker(stream: faust.StreamT) -> None:
        wait = stream.wait_for_stopped

        async def counted(*events: object, timeout: float | None = None) -> object:
            waits.append(timeout)
            return await wait(*events, timeout=timeout)

        stream.wait_for_stopped = counted  # type: ignore[method-assign]
        async for events in take_waiting(stream, cap=10, within=0.3):
            batches.append([e.value for e in events])

    async def run() -> None:
        async with taker.test_context() as agent:
            await asyncio.sleep(0.5)  # idle
            idle_waits = len(waits)
            for value in (0, 1, 2):  # within the window of the first
                await agent.put(value, wait=False)
                await asyncio.sleep(0.05)
            while not batches:
                await asyncio.sleep(0.01)
            await agent.put(3, wait=False)
            while len(batches) < 2:
                await asyncio.sleep(0.01)
            assert idle_waits == 1  # one wait for the first event, none by the clock

    asyncio.run(asyncio.wait_for(run(), 30))
    assert batches == [[0, 1, 2], [3]]
