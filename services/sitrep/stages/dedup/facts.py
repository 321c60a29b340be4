"""The facts of an article's main event, packed small, and whether two articles' facts disagree.

A copy repeats its source's facts: two reports whose toll, or place and day, of the main
event differ are not copies, however alike their wording (a later version with an updated toll,
the same strike told for another town, a monitor's daily report). They can still be one
story. The facts come from extraction (``pipeline.analyze``); a fact the article does not
state (0 here) agrees with anything, so a copy cut before its toll stays a copy.
"""

from __future__ import annotations

import hashlib
import struct
from datetime import date

_FACTS = struct.Struct("<HHHH")  # killed, injured, place, day: each + 1, 0 when not stated
FACTS_BYTES = _FACTS.size
_EPOCH = date(2000, 1, 1).toordinal()


def _count(value: int | None) -> int:
    return 0 if value is None else min(value, 0xFFFE) + 1


def event_facts(killed: int | None, injured: int | None, place: str | None, day: date | None) -> bytes:
    """The main event's toll, place (an entity id) and day, packed."""
    where = 0 if place is None else int.from_bytes(hashlib.blake2b(place.encode(), digest_size=2).digest(), "little") or 1
    when = 0 if day is None else (day.toordinal() - _EPOCH) % 0xFFFF + 1
    return _FACTS.pack(_count(killed), _count(injured), where, when)


def conflict(a: bytes, b: bytes) -> bool:
    """Whether two packed facts disagree: a toll both state differs, or both the place and the
    day do (either alone is too often read from a page's chrome or from another day's
    context to outweigh the wording)."""
    if len(a) < FACTS_BYTES or len(b) < FACTS_BYTES:
        return False
    (killed_a, injured_a, place_a, day_a), (killed_b, injured_b, place_b, day_b) = _FACTS.unpack_from(a), _FACTS.unpack_from(b)
    differ = [x != y for x, y in ((killed_a, killed_b), (injured_a, injured_b), (place_a, place_b), (day_a, day_b)) if x and y]
    tolls = [x != y for x, y in ((killed_a, killed_b), (injured_a, injured_b)) if x and y]
    return any(tolls) or (len(differ) - len(tolls) == 2 and all(differ[len(tolls):]))
