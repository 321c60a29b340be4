"""The main event's toll and day, the days the text writes, packed small; whether two
articles' facts disagree.

A copy repeats its source's figures and its dates: two reports whose killed or injured
figure of the main event differs are not copies, however alike their wording (a later
version with an updated toll, a monitor's report of another strike at the same place), nor
are two reports whose written dates ("On June 7", "5 March") have none in common (a
monitor's or an agency's formulaic reports of one kind of event on other days). They can
still be one story. The figures come from extraction (``pipeline.analyze``); a figure or a
date an article does not state (0 here) agrees with anything, so a copy cut before its
toll stays a copy. Written dates are compared as sets, so a copy wrapped in a page that
adds dates of its own still shares its source's; they are kept as a 16-bit mask (a date
sets one bit), where two sets that share a date always share a bit, and two that do not
may too (then no veto: never a false one).

The day and the event key (governorate and cause, as corroboration files reports) are not
compared for copies: a republication resolves "on Wednesday" against its own date and can
read a place from its page's chrome, so they differ between copies too often to outweigh the
wording. They do tell events apart when only names are shared (``other_event``): two reports
that name the same monitor, groups and towns but whose days are more than ``DAY_WINDOW``
apart, whose event keys differ, whose tolls differ or whose written dates differ are two
events, not one story. And a day both state and agree on is evidence for one event
(``same_day``): two reports of one day that name the same things, however differently they
word or rank them, are one story at a lower bar of names than two reports of which one
states no day.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np

# killed, injured: each + 1; the day (days since 1970 + 1); 16 bits of the event key's hash; the
# written dates' mask; 0 when not stated
_FACTS = struct.Struct("<HHHHH")
FACTS_BYTES = _FACTS.size
DAY_WINDOW = 1  # days between two reports' days of one event (the event's day, or the publication's)
_EPOCH = date(1970, 1, 1).toordinal()
_SPREAD = 0x9E3779B1  # odd: the top bits of a 32-bit product depend on every bit of the date


def _count(value: int | None) -> int:
    return 0 if value is None else min(value, 0xFFFE) + 1


def written_mask(dates: Iterable[tuple[int, int]]) -> int:
    """The 16-bit mask of dates written as (month, day): one bit each, spread by a multiplicative hash."""
    mask = 0
    for month, day in dates:
        mask |= 1 << ((((month * 32 + day) * _SPREAD) & 0xFFFFFFFF) >> 28)
    return mask


def event_facts(killed: int | None, injured: int | None, day: date | None = None, key: str | None = None, written: int = 0) -> bytes:
    """The main event's killed and injured figures, its day, its event key (governorate and
    cause, ``corroborate.event_key``) and the mask of the dates the text writes, packed."""
    days = 0 if day is None else min(max(day.toordinal() - _EPOCH + 1, 1), 0xFFFF)
    where = 0 if key is None else (zlib.crc32(key.encode()) & 0xFFFF) or 1
    return _FACTS.pack(_count(killed), _count(injured), days, where, written)


Fields = tuple[int, int, int, int, int]


def _unpack(packed: bytes) -> Fields | None:
    return _FACTS.unpack_from(packed.ljust(FACTS_BYTES, b"\0")) if packed else None


def stated(packed: bytes) -> Fields | None:
    """The five fields of packed facts, or None when they state nothing (all 0, or none): facts
    that state nothing conflict with nothing and tell no other event, so a caller comparing one
    article with many reads its own once (``conflict_stated``, ``other_event_stated``)."""
    x = _unpack(packed)
    return x if x is not None and any(x) else None


def _dates_apart(mine: int, theirs: int) -> bool:
    return bool(mine and theirs and not mine & theirs)


def conflict(a: bytes, b: bytes) -> bool:
    """Whether two reports' facts say they are no copies: tolls that disagree on a figure both
    state, or written dates with none in common."""
    return conflict_stated(_unpack(a), _unpack(b))


def conflict_stated(x: Fields | None, y: Fields | None) -> bool:
    """``conflict(a, b)`` with both read already (``stated``)."""
    return x is not None and y is not None and (any(p and q and p != q for p, q in zip(x[:2], y[:2])) or _dates_apart(x[4], y[4]))


def other_event(a: bytes, b: bytes) -> bool:
    """Whether two reports' facts tell two events apart: tolls that disagree, days more than
    DAY_WINDOW apart, or other event keys (each as both state it; no facts: none). One pair
    at a time, without numpy (``other_events`` does many)."""
    return other_event_stated(_unpack(a), _unpack(b))


def other_event_stated(x: Fields | None, y: Fields | None) -> bool:
    """``other_event(a, b)`` with both read already (``stated``)."""
    if x is None or y is None:
        return False
    (killed, injured, day, key, written), (their_killed, their_injured, their_day, their_key, their_written) = x, y
    differ = [(killed, their_killed), (injured, their_injured), (key, their_key)]
    return (any(p and q and p != q for p, q in differ) or bool(day and their_day and abs(day - their_day) > DAY_WINDOW)
            or _dates_apart(written, their_written))


def other_events(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """``other_event`` of pairs of packed facts, as rows of their five 16-bit fields (0: not stated)."""
    both = (mine != 0) & (theirs != 0)
    differ = both & (mine != theirs)
    apart = both[:, 2] & (np.abs(mine[:, 2].astype(np.int32) - theirs[:, 2].astype(np.int32)) > DAY_WINDOW)
    written_apart = both[:, 4] & ((mine[:, 4] & theirs[:, 4]) == 0)
    return differ[:, 0] | differ[:, 1] | differ[:, 3] | apart | written_apart


def fields(packed: Sequence[bytes]) -> np.ndarray:
    """Packed facts (empty: none stated) as rows of their five 16-bit fields."""
    joined = b"".join(p[:FACTS_BYTES].ljust(FACTS_BYTES, b"\0") for p in packed)
    return np.frombuffer(joined, dtype="<u2").reshape(len(packed), FACTS_BYTES // 2)


def same_day(a: bytes, b: bytes) -> bool:
    """Whether both reports state a day and the days are within DAY_WINDOW (one pair, without numpy)."""
    return same_day_stated(_unpack(a), _unpack(b))


def same_day_stated(x: Fields | None, y: Fields | None) -> bool:
    """``same_day(a, b)`` with both read already (``stated``)."""
    return x is not None and y is not None and bool(x[2] and y[2] and abs(x[2] - y[2]) <= DAY_WINDOW)


def same_days(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """``same_day`` of pairs of packed facts, as rows of their five 16-bit fields."""
    stated = (mine[:, 2] != 0) & (theirs[:, 2] != 0)
    return stated & (np.abs(mine[:, 2].astype(np.int32) - theirs[:, 2].astype(np.int32)) <= DAY_WINDOW)
