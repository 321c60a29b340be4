"""Gathering an article's parts (its analysis, its shards' answers) on ``<app>.events``.

The analysis (large, sent once) and the answers (small, one per shard) of an article
arrive within milliseconds of each other, usually in different batches: they are collected
here in memory, and only an article still incomplete when the consumer is about to commit
offsets is written to the pending table (``unfinished``, called by the worker just before
every commit), whose changelog carries it over a crash. Faust flushes the producer before
it commits, so every part whose offset a commit covers is either finished (its output
flushed) or in the changelog: as safe as writing every part as it comes. Commits come every
second (or every 1,000 acks), so almost no article is ever written (writing what a batch
left incomplete, as before, wrote nearly every analysis: it waits one hop for its answers).

Stored, the analysis and the answers wait under two keys (``a:`` and ``r:`` + the slot),
so an answer does not rewrite the analysis; answers are filed by shard, so a redelivered
one (at-least-once) overwrites itself instead of counting twice.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from sitrep.stream.wire import Part, decode_parts

CandidateRows = list[tuple[str, int, float, bool]]


@dataclass
class Waiting:
    """An article gathered so far."""

    head: Part | None = None  # the part with the analysis
    head_raw: bytes | None = None  # its message, as stored
    answers: dict[str, CandidateRows] = field(default_factory=dict)  # by shard
    stored: bool = False  # some of it is in the pending table
    changed: set[str] = field(default_factory=set)  # "a", "r": what the table lacks
    event: Any = None  # the last event that brought a part: its partition's changelog
    partition: int | None = None  # the partition the parts came from

    @property
    def complete(self) -> bool:
        return self.head is not None and all(str(s) in self.answers for s in self.head.shards)


@dataclass(frozen=True)
class Gathered:
    """A complete article: its analysis part, every shard's answers, and whether to forget stored parts."""

    head: Part
    answers: dict[str, CandidateRows]
    stored: bool


class Gatherer:
    """Parts in, complete articles out, over a ``slot -> bytes`` pending mapping."""

    def __init__(self, pending: MutableMapping[str, bytes]) -> None:
        self.pending = pending
        self.waiting: dict[str, Waiting] = {}

    def add(self, part: Part, raw: bytes, event: Any = None, partition: int | None = None) -> Gathered | None:
        """File one part (``raw``: its message, kept for an analysis); the article when complete."""
        slot = part.slot
        waiting = self.waiting.get(slot) or self._load(slot)
        waiting.event, waiting.partition = event, partition
        if part.analysis is not None:
            waiting.head, waiting.head_raw = part, raw
            waiting.changed.add("a")
        else:
            waiting.answers[str(part.shard)] = part.candidates
            waiting.changed.add("r")
        if not waiting.complete:
            self.waiting[slot] = waiting
            return None
        self.waiting.pop(slot, None)
        assert waiting.head is not None
        return Gathered(waiting.head, waiting.answers, waiting.stored)

    def unfinished(self) -> list[tuple[Any, str, bytes]]:
        """The writes that keep the articles still incomplete (event, key, value), and forget them here.

        Called just before offsets are committed: what is not complete by then waits in the
        table, and is read back from it when its next part comes.
        """
        writes = []
        for slot, waiting in self.waiting.items():
            if "a" in waiting.changed and waiting.head_raw is not None:
                writes.append((waiting.event, "a:" + slot, waiting.head_raw))
            if "r" in waiting.changed:
                writes.append((waiting.event, "r:" + slot, orjson.dumps(waiting.answers)))
        self.waiting.clear()
        return writes

    def forget(self, partitions: set[int]) -> None:
        """Drop what came from ``partitions`` (revoked: their new owner reads them again)."""
        self.waiting = {slot: w for slot, w in self.waiting.items() if w.partition not in partitions}

    def _load(self, slot: str) -> Waiting:
        head_raw = self.pending.get("a:" + slot)
        answers = self.pending.get("r:" + slot)
        waiting = Waiting(stored=head_raw is not None or answers is not None)
        if head_raw is not None:
            waiting.head, waiting.head_raw = decode_parts(head_raw)[0], head_raw
        if answers is not None:
            waiting.answers = {shard: [tuple(c) for c in rows] for shard, rows in orjson.loads(answers).items()}
        return waiting
