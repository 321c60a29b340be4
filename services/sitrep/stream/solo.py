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
comes to hold every partition drains first, without ever holding its analyze agent: at
each batch's start it looks, from memory, where each lsh partition ends (the highwater of
the consumer's last fetch, which is from the current assignment, or past the last message
this worker sent there, once acknowledged) and whether its index agent has read that far,
and goes in memory before the first batch that finds it so. No call to the broker is made and nothing waits: an agent
held up fills Faust's input queue, whose full put stops the consumer's fetches, those of
``<app>.lsh`` too. Under a steady backlog a batch always finds the last one's probes
unread, and the worker stays on the topics until the backlog ends. A revocation goes back
to the topics at once: the commit that precedes it has stored the held probes and the
unfinished articles, as with the topics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sitrep.stream.publish import Origin

KAFKA, SOLO = "kafka", "solo"


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
    read: dict[int, int] = field(default_factory=dict)  # lsh partition -> one past the last offset the index agent took

    def took(self, partition: int, offset: int) -> None:
        if offset >= self.read.get(partition, 0):
            self.read[partition] = offset + 1

    def ends(self, highwaters: Mapping[int, int | None], sent: Mapping[int, int | None]) -> dict[int, int] | None:
        """Where each lsh partition ends, from ``highwaters`` (partition -> the highwater of the
        consumer's last fetch of it, None before the first since the assignment) and ``sent``
        (partition -> the offset of the last message this worker sent there, None while not
        acknowledged). None while a fetch or an acknowledgement is missing. Messages of other
        workers came before the rebalance that gave this one every partition, and the consumer
        keeps no fetch from before an assignment, so any fetch covers them; this worker's own
        later ones are covered by their acknowledgements."""
        if any(highwater is None for highwater in highwaters.values()) or any(offset is None for offset in sent.values()):
            return None
        ends = dict(highwaters)
        for partition, offset in sent.items():
            if partition in ends:
                ends[partition] = max(ends[partition], offset + 1)
        return ends

    def drained(self, ends: dict[int, int], committed: dict[int, int | None]) -> bool:
        """Whether every lsh partition was read (or committed) up to ``ends``."""
        return all(max(self.read.get(p, 0), committed.get(p) or 0) >= end for p, end in ends.items())


def sent_offset(future: Any) -> int | None:
    """The offset a send landed at; None while not acknowledged; -1 if it failed (nothing landed)."""
    if not future.done():
        return None
    if future.cancelled() or future.exception() is not None:
        return -1
    return future.result().offset
