"""The three private Faust internals Sitrep relies on, in one place.

faust-streaming 0.15 offers no public way to do either, so both are reached by name here and
nowhere else; a Faust upgrade that renames them breaks this module (and its tests), not the
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
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import Any

from faust.streams import _current_event


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
