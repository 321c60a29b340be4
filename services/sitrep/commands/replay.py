"""``sitrep replay PATH...``: put article files onto ``articles.raw``.

The producer is idempotent with ``acks=all``, so a retried send never lands twice. Each
message is stamped with ``replayed_at`` (strictly increasing), which the worker uses as
arrival order when it decides which copy of a story came first. Every 20 ms while it sends,
and once at the end, it also sends each partition an order mark (``OrderMarks``): an empty
record saying that nothing stamped before it follows, which is what lets the workers'
dedup shards answer in that order without guessing how long a message may take to arrive
(docs/dedup.md, "Order, whatever the workers").
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import orjson
from tqdm import tqdm

from sitrep.readers import Message, read_messages
from sitrep.settings import Settings
from sitrep.stream.hold import ORDER_MARK
from sitrep.stream.kafka import client_kwargs, describe_failure, is_refusal, preflight


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    malformed: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    def line(self) -> str:
        rate = self.sent / self.seconds if self.seconds > 0 else 0.0
        stopped = "interrupted: " if self.interrupted else ""
        return (
            f"{stopped}sent {self.sent}, failed {self.failed}, malformed {self.malformed} (sent on for dead-lettering), "
            f"{self.seconds:.1f} s, {rate:.0f} articles/s"
        )


class Clock:
    """Strictly increasing UTC timestamps, so arrival order is total."""

    def __init__(self) -> None:
        self.last = 0

    def tick(self) -> int:
        """The next order: microseconds since the epoch, above every earlier one."""
        self.last = max(time.time_ns() // 1000, self.last + 1)
        return self.last

    def stamp(self) -> str:
        return datetime.fromtimestamp(self.tick() / 1_000_000, UTC).isoformat()


MARK_EVERY = 0.02  # seconds between order marks while articles go out: about a shard's wait for them


class OrderMarks:
    """Order marks for every partition of ``topic``, sent by the producer of the stamped articles.

    A mark is sent after everything stamped before it, by the same idempotent producer, so on
    each partition it lands after them whatever holds them up on the way.
    """

    def __init__(self, producer: Any, topic: str, clock: Clock, every: float = MARK_EVERY) -> None:
        self.producer, self.topic, self.clock, self.every = producer, topic, clock, every
        self.partitions = sorted(producer.partitions_for(topic) or ())
        self.sent_at = time.monotonic()
        self.owed = False  # an article was stamped since the last mark

    def stamped(self) -> None:
        """An article was just sent: mark it if the last mark is ``every`` old."""
        self.owed = True
        if time.monotonic() - self.sent_at >= self.every:
            self.send()

    def send(self) -> None:
        header = [(ORDER_MARK, str(self.clock.tick()).encode())]
        for partition in self.partitions:
            # A lost mark only delays answers until the next one (or the workers' max hold).
            self.producer.send(self.topic, value=b"", partition=partition, headers=header)
        self.sent_at, self.owed = time.monotonic(), False

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, marking what was stamped once the last mark is ``every`` old."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            if self.owed:
                due = self.sent_at + self.every - time.monotonic()
                if due <= 0:
                    self.send()
                    continue
                left = min(left, due)
            time.sleep(left)

    def close(self) -> None:
        if self.owed:
            self.send()


def stamped(message: Message, clock: Clock) -> bytes:
    if not message.well_formed:
        return message.value
    record = orjson.loads(message.value)
    record["replayed_at"] = clock.stamp()
    return orjson.dumps(record)


def messages(paths: list[str], loop: bool) -> Iterator[Message]:
    while True:
        yield from read_messages(paths)
        if not loop:
            return


def replay(settings: Settings, paths: list[str], *, rate: float | None, limit: int | None, loop: bool, progress: bool = True) -> Summary:
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    raw = settings.topics.raw
    preflight(settings, {raw: "Write"})
    try:
        producer = KafkaProducer(
            **client_kwargs(settings),
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            batch_size=262_144,
            compression_type="lz4",
            max_request_size=settings.topic_max_message_bytes,  # what the topics Sitrep creates accept
            # send() waits at most this long for the topic's metadata (default 60 s).
            max_block_ms=15_000,
        )
    except Exception as exc:
        raise describe_failure(exc, settings) from None
    summary = Summary()
    clock = Clock()
    try:
        marks = OrderMarks(producer, raw, clock)
    except Exception as exc:
        producer.close(timeout=5)
        raise describe_failure(exc, settings, topic=raw, operation="Write") from None
    total = limit if limit is not None else (None if loop else sum(1 for _ in read_messages(paths)))
    bar = tqdm(total=total, unit="article", disable=not progress, file=sys.stderr, desc="replay")
    started = time.perf_counter()

    refusals: list[BaseException] = []

    def failed(exc: BaseException) -> None:
        summary.failed += 1
        if is_refusal(exc):
            refusals.append(exc)  # every later send would be refused too: stop, say it once
        else:
            print(f"send failed: {describe_failure(exc, settings)}", file=sys.stderr)

    try:
        for n, message in enumerate(islice(messages(paths, loop), limit)):
            if refusals:
                break
            if rate:
                # Pace against the start time, not the previous send: no drift over long runs.
                delay = started + n / rate - time.perf_counter()
                if delay > 0:
                    marks.sleep(delay)
            future = producer.send(raw, key=message.key, value=stamped(message, clock))
            future.add_errback(failed)
            marks.stamped()
            summary.malformed += not message.well_formed
            summary.sent += 1
            bar.update(1)
        marks.close()
        producer.flush()
    except KeyboardInterrupt:
        # Ctrl-C: what was handed to the producer is still delivered (or counted as failed)
        # and the summary printed; a second Ctrl-C during the flush gives up at once.
        summary.interrupted = True
        try:
            marks.close()
            producer.flush(timeout=10)
        except KafkaError as exc:
            print(f"not all sends confirmed: {describe_failure(exc, settings)}", file=sys.stderr)
    except KafkaError as exc:
        raise describe_failure(exc, settings, topic=raw, operation="Write") from None
    finally:
        producer.close(timeout=5)
        bar.close()
    if refusals:
        raise describe_failure(refusals[0], settings, topic=raw, operation="Write")
    summary.sent -= summary.failed
    summary.seconds = time.perf_counter() - started
    return summary
