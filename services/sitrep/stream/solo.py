"""A worker that holds every partition hands its internal messages over in memory (``SITREP_SOLO``).

Workers pass an article's probes to its dedup shards on ``<app>.lsh``, and its analysis and
the shards' answers to where it is gathered on ``<app>.events``. A worker assigned every
partition of those topics and of articles.raw would only send them to itself: instead it
hands them over in memory, which saves two trips through the broker and most of the
messages its process and the broker handle for an article. The state is the same and goes
to the same tables, under the changelog of the partition the message would have taken
(``LocalEvent``), so a rebalance goes back to the topics with nothing to convert.

Dedup verdicts depend on the input order (stream/hold.py): a probe already on ``<app>.lsh``
must reach its shard before the marks of anything handed over in memory. So a worker that
comes to hold every partition drains first, in its analyze agent before the next batch
(which then waits, unacknowledged): what it sent to ``<app>.lsh`` is acknowledged, its
index agent reads every lsh partition up to its end, and only then does the batch go in
memory. A drain that takes longer than ``DRAIN_SECONDS`` (a backlog on the topic) leaves
the worker on the topics for ``RETRY_SECONDS``. A revocation goes back to the topics at
once: the commit that precedes it has stored the held probes and the unfinished articles,
as with the topics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sitrep.stream.publish import Origin

KAFKA, DRAINING, SOLO = "kafka", "draining", "solo"
DRAIN_SECONDS = 5.0  # longest a drain may hold the analyze agent
RETRY_SECONDS = 30.0  # after a drain that took too long


@dataclass(eq=False)
class LocalMessage:
    topic: str
    partition: int
    offset: int = -1  # never on a topic
    key: bytes | None = None
    timestamp: float = 0.0
    headers: tuple = ()


@dataclass(eq=False)
class LocalEvent:
    """A message handed over in memory, standing for one on ``topic``'s ``partition``: table
    writes made within it go to that partition's changelog, and a dead letter names
    ``origin``, the article's place on articles.raw."""

    message: LocalMessage
    value: bytes
    origin: Origin


@dataclass
class Route:
    """How this worker's internal messages travel now."""

    enabled: bool
    state: str = KAFKA
    retry_at: float = 0.0  # monotonic seconds: no drain before then (the last one took too long)
    read: dict[int, int] = field(default_factory=dict)  # lsh partition -> one past the last offset the index agent took

    def took(self, partition: int, offset: int) -> None:
        if offset >= self.read.get(partition, 0):
            self.read[partition] = offset + 1

    def may_drain(self, now: float) -> bool:
        return self.enabled and self.state == KAFKA and now >= self.retry_at

    def drained(self, ends: dict[int, int], committed: dict[int, int | None]) -> bool:
        """Whether every lsh partition was read (or committed) up to ``ends``."""
        return all(max(self.read.get(p, 0), committed.get(p) or 0) >= end for p, end in ends.items())
