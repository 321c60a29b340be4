"""Dedup verdicts that depend on the input order alone: probes wait at their shard until
every article ordered before them has reached it.

An article's order is its replay time (else its broker time): the order in which one worker
over one partition, or ``sitrep process``, takes the articles. Over several ``articles.raw``
partitions analyzed by workers of different speeds, a copy's probe could reach its shard
before its original's (earlier in order, on a slower partition), and the copy be judged by
a shard that has not filed the original yet. So:

- every ``<app>.lsh`` message carries its sender's marks, input partition -> order: every
  article of that partition up to that order has had its probes sent (``Sources``, one per
  worker, on the analyze side);
- a shard keeps the highest mark of each input partition and probes, in order, the held
  probes that the lowest of them has passed (``Holding``, one per shard).

Where an input partition's own producer vouches for it, its mark is the producer's: a
producer that stamps articles (``sitrep replay``) sends every partition an empty record with
the ``ORDER_MARK`` header after what it stamped before that order, so the mark holds however
long an article sat in the producer (a starved process, a broker restart). A partition that
carried no such record is vouched for by time: caught up (everything below the highwater of
its last fetch analyzed and sent on), it vouches for the time of that fetch less
``quiet_after``: an article stamped before then and not yet on the partition is taken not to
come (one that does is probed at once, and counted late). Such marks are sent only while a shard may be
waiting, that is while an article the worker has seen is ordered after what it has
vouched for: an idle pipeline sends nothing. A probe held longer than ``max_hold`` whose
missing marks are all from partitions whose marks stopped rising that long ago (a partition
nobody consumes, a producer gone without a last mark) is released anyway, with every probe
ordered before it, and counted; one still waiting for a partition whose marks rise (a worker
catching up on a backlog after a restart) waits on. Both structures are plain values; the
worker stores each shard's ``Holding`` in a table before offsets are committed, so a restart
or a rebalance resumes with its marks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from sitrep.stream.wire import Probe

log = logging.getLogger(__name__)

# The header of an order mark on articles.raw: its value is an order (decimal microseconds
# since the epoch, as replay stamps): nothing its producer stamped at or before it comes to
# that partition after this record.
ORDER_MARK = "sitrep-order-mark"
# Held probes are stored in records of at most this many, so a long wait never makes a
# record larger than the broker takes.
PROBES_A_RECORD = 2000
NO_WAITING = 2**63  # the watermark of a shard that waits for nothing (no sources)
# Offsets analyzed past a gap that are kept, per partition, waiting for it to fill: a gap
# that outlives this many is taken to be no message (its marks go on past it).
AHEAD_MAX = 100_000


def order_mark(headers: Any) -> int | None:
    """The order an articles.raw record's ``ORDER_MARK`` header vouches for; None if it is an article."""
    if not headers:
        return None
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in pairs:
        if key == ORDER_MARK:
            try:
                return int(value)
            except (TypeError, ValueError):
                return None  # malformed: the record is handled as an article, and dead-lettered
    return None


@dataclass
class Held:
    probe: Probe
    since: float  # monotonic seconds when it arrived (or was restored)
    event: Any = None  # the message that brought it, for a dead letter; None once restored


@dataclass
class Released:
    """Probes a shard may answer now, in order, and how many of them broke the order."""

    items: list[Held]
    late: int = 0  # ordered before a probe already answered: they came after their mark
    forced: int = 0  # released past the marks, after max_hold


@dataclass
class Holding:
    """One shard's held probes and the marks of the input partitions that feed it."""

    sources: int  # input partitions (articles.raw's): a mark from each is needed
    marks: dict[int, int] = field(default_factory=dict)
    held: dict[tuple[int, str], Held] = field(default_factory=dict)
    answered: int = -1  # the order of the latest probe answered
    changed: bool = False  # since it was last stored
    # Not stored: a restart starts these clocks again.
    moved: dict[int, float] = field(default_factory=dict)  # input partition -> when its mark last rose
    started: float | None = None  # when the holding began or was restored: the clock of a partition never marked

    def add(self, probes: list[Probe], marks: dict[int, int], now: float, event: Any = None) -> None:
        if self.started is None:
            self.started = now
        for partition, order in marks.items():
            if order > self.marks.get(partition, -1):
                self.marks[partition] = order
                self.moved[partition] = now
                self.changed = True
        for probe in probes:
            # A redelivered probe is held once; its shard answers it as the first time.
            self.held.setdefault((probe.order, probe.id), Held(probe, now, event))
            self.changed = True

    def watermark(self) -> int:
        """The order up to which every input partition has sent its probes (-1: not known)."""
        if self.sources == 0:
            return NO_WAITING
        if any(p not in self.marks for p in range(self.sources)):
            return -1
        return min(self.marks[p] for p in range(self.sources))

    def release(self, now: float, max_hold: float | None) -> Released:
        """What may be probed now, in order (then id): everything the watermark passed, and,
        with ``max_hold``, everything up to the latest probe held longer than that whose
        missing marks are all from stalled partitions (no mark rose for ``max_hold``): a
        partition whose marks still rise, as a restarted worker's do while it catches up on a
        backlog, is waited for however long that takes, so its verdicts stay in input order."""
        if not self.held:
            return Released([])
        line = self.watermark()
        forced_line = -1
        if max_hold is not None:
            moving_line = self._moving_line(now, max_hold)
            overdue = [key for key, held in self.held.items() if now - held.since >= max_hold and key[0] <= moving_line]
            forced_line = max(overdue)[0] if overdue else -1
        ready = sorted(key for key in self.held if key[0] <= max(line, forced_line))
        if not ready:
            return Released([])
        items = [self.held.pop(key) for key in ready]
        late = sum(1 for key in ready if key[0] < self.answered)
        forced = sum(1 for key in ready if key[0] > line)
        self.answered = max(self.answered, ready[-1][0])
        self.changed = True
        return Released(items, late, forced)

    def _moving_line(self, now: float, max_hold: float) -> int:
        """The lowest mark of the input partitions whose marks still rise: a probe ordered
        above it still waits for one of them (NO_WAITING when none does)."""
        started = now if self.started is None else self.started
        moving = [self.marks.get(p, -1) for p in range(self.sources) if now - self.moved.get(p, started) < max_hold]
        return min(moving, default=NO_WAITING)

    def oldest(self) -> float | None:
        return min((held.since for held in self.held.values()), default=None)

    def store(self, table: MutableMapping[bytes, bytes], shard: int) -> None:
        """Write the shard's state to ``table``: a head record (marks, how many records) and
        the held probes in records of ``PROBES_A_RECORD``; records no longer needed deleted."""
        rows = [h.probe.row() for h in self.held.values()]
        chunks = [rows[at : at + PROBES_A_RECORD] for at in range(0, len(rows), PROBES_A_RECORD)]
        before = orjson.loads(table.get(_key(shard, 0)) or b'{"records": 1}')["records"]
        head = {"marks": sorted(self.marks.items()), "answered": self.answered, "records": 1 + max(0, len(chunks) - 1), "held": chunks[0] if chunks else []}
        table[_key(shard, 0)] = orjson.dumps(head)
        for n, chunk in enumerate(chunks[1:], start=1):
            table[_key(shard, n)] = orjson.dumps(chunk)
        for n in range(head["records"], before):
            if table.get(_key(shard, n)) is not None:
                del table[_key(shard, n)]
        self.changed = False

    @classmethod
    def restored(cls, table: MutableMapping[bytes, bytes], shard: int, sources: int, now: float) -> Holding:
        """The shard's state as ``store`` left it (a new one if never stored); hold times start at ``now``."""
        data = table.get(_key(shard, 0))
        if data is None:
            return cls(sources, started=now)
        head = orjson.loads(data)
        holding = cls(sources, {int(p): int(order) for p, order in head["marks"]}, answered=int(head["answered"]), started=now)
        rows = list(head["held"])
        for n in range(1, head["records"]):
            rows.extend(orjson.loads(table.get(_key(shard, n)) or b"[]"))
        for row in rows:
            probe = Probe.from_row(row)
            holding.held[(probe.order, probe.id)] = Held(probe, now)
        return holding


@dataclass(frozen=True)
class Position:
    """What the consumer knows of an input partition: its highwater as of its last fetch,
    the time of that fetch (ms), and the committed offset (where analysis resumes)."""

    highwater: int | None
    fetched_ms: int | None
    committed: int | None


@dataclass
class Sources:
    """The marks one worker's analyze agent can give for the input partitions it holds.

    A partition's mark vouches only for the offsets analyzed without a gap from where its
    commits start: around a rebalance a later message can be analyzed before an earlier one
    is delivered again (faust_compat), and a mark that passed the earlier one would let a
    shard answer a copy before its original's probe came."""

    quiet_after: float  # seconds: how late an article may reach its partition after its stamp
    last: dict[int, int] = field(default_factory=dict)  # partition -> latest order analyzed (below next)
    next: dict[int, int] = field(default_factory=dict)  # partition -> first offset not analyzed yet
    sent: dict[int, int] = field(default_factory=dict)  # partition -> highest mark sent
    vouched: dict[int, int] = field(default_factory=dict)  # partition -> its producer's latest order mark
    newest: int = -1  # the latest order of an article seen in flight (here, or at a shard here)
    # partition -> offset -> (order analyzed, order vouched by a producer's mark), past a gap
    ahead: dict[int, dict[int, tuple[int | None, int | None]]] = field(default_factory=dict)

    def begin(self, starts: Mapping[int, int]) -> None:
        """Where each partition held here counts its offsets from, if not begun yet: where its
        commits start (the committed offset), which its consumer fetches first. Offsets of a
        partition not begun count for nothing."""
        for partition, start in starts.items():
            self.next.setdefault(partition, start)

    def analyzed(self, partition: int, offset: int, order: int | None) -> None:
        """A message is analyzed and its probes handed to the producer (``order``: None if dead-lettered)."""
        self._consumed(partition, offset, (order, None))
        self.seen(order)

    def marked(self, partition: int, offset: int, order: int) -> None:
        """An order mark from the partition's producer is read: from now on its marks alone vouch for it."""
        self._consumed(partition, offset, (None, order))

    def _consumed(self, partition: int, offset: int, orders: tuple[int | None, int | None]) -> None:
        start = self.next.get(partition)
        if start is None or offset < start:
            return  # not begun (not held here: a batch that outlived its partition), or counted already
        ahead = self.ahead.setdefault(partition, {})
        ahead[offset] = orders
        if len(ahead) > AHEAD_MAX:
            log.warning("input partition %d: no message at offset %d after %d later ones; its marks go on from %d", partition, start, len(ahead), min(ahead))
            start = min(ahead)
        while start in ahead:
            order, vouch = ahead.pop(start)
            if order is not None:
                self.last[partition] = max(self.last.get(partition, -1), order)
            if vouch is not None:
                self.vouched[partition] = max(self.vouched.get(partition, -1), vouch)
            start += 1
        self.next[partition] = start

    def gaps(self) -> dict[int, tuple[int, int]]:
        """Partitions whose marks wait for an offset not analyzed yet: that offset, and how many later ones are."""
        return {partition: (self.next[partition], len(ahead)) for partition, ahead in self.ahead.items() if ahead}

    def seen(self, order: int | None) -> None:
        if order is not None:
            self.newest = max(self.newest, order)

    def marks(self, positions: dict[int, Position]) -> dict[int, int]:
        """Each held partition's mark: its latest order or its producer's mark, or, for a partition
        whose producer sends no marks, caught up, its last fetch less ``quiet_after``."""
        quiet_us = int(self.quiet_after * 1_000_000)
        marks = {}
        for partition, at in positions.items():
            mark = max(self.last.get(partition, -1), self.vouched.get(partition, -1))
            start = self.next.get(partition, at.committed or 0)
            by_time = partition not in self.vouched
            if by_time and at.highwater is not None and at.fetched_ms is not None and start >= at.highwater:
                mark = max(mark, at.fetched_ms * 1000 - quiet_us)
            if mark >= 0:
                marks[partition] = mark
        return marks

    def wanted(self, marks: dict[int, int]) -> bool:
        """Whether these marks may let a waiting probe go: they pass what was sent, which is behind an article seen."""
        return any(mark > self.sent.get(p, -1) and self.sent.get(p, -1) < self.newest for p, mark in marks.items())

    def sending(self, marks: dict[int, int]) -> None:
        for partition, mark in marks.items():
            self.sent[partition] = max(self.sent.get(partition, -1), mark)

    def forget(self, partitions: set[int]) -> None:
        """Partitions revoked: their new owner resumes from the committed offsets."""
        for table in (self.last, self.next, self.sent, self.vouched, self.ahead):
            for partition in partitions:
                table.pop(partition, None)


def _key(shard: int, record: int) -> bytes:
    return shard.to_bytes(2, "big") + record.to_bytes(4, "big")
