"""The toll of an article's main event, packed small, and whether two articles' tolls disagree.

A copy repeats its source's figures: two reports whose killed or injured figure of the main
event differs are not copies, however alike their wording (a later version with an updated
toll, a monitor's report of another strike at the same place). They can still be one story.
The figures come from extraction (``pipeline.analyze``); a figure an article does not state
(0 here) agrees with anything, so a copy cut before its toll stays a copy.

The place and the day of the event are not compared: a republication resolves "on
Wednesday" against its own date and can read a place from its own page's chrome, so they
differ between copies too often to outweigh the wording.
"""

from __future__ import annotations

import struct

_FACTS = struct.Struct("<HH")  # killed, injured: each + 1, 0 when not stated
FACTS_BYTES = _FACTS.size


def _count(value: int | None) -> int:
    return 0 if value is None else min(value, 0xFFFE) + 1


def event_facts(killed: int | None, injured: int | None) -> bytes:
    """The main event's killed and injured figures, packed."""
    return _FACTS.pack(_count(killed), _count(injured))


def conflict(a: bytes, b: bytes) -> bool:
    """Whether two packed tolls disagree on a figure both state."""
    if len(a) < FACTS_BYTES or len(b) < FACTS_BYTES:
        return False
    return any(x and y and x != y for x, y in zip(_FACTS.unpack_from(a), _FACTS.unpack_from(b)))
