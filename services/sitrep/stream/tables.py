"""Faust tables seen as the plain mappings the pure stages take as their state.

``TableView`` encodes and decodes values; ``EntryLog`` keeps the dedup entries in memory
and stores each batch's new ones as one table record (a table write is a changelog
message); ``EventStore`` gives the
corroboration stage its
``event key -> [Report]`` mapping while storing each report under its own key, so filing
one report (or rescoring a few) writes those reports and a short id list, not the whole
event, to the changelog.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator, MutableMapping
from typing import Any

import orjson

from sitrep.stages.types import Report


class TableView(MutableMapping):
    """A Faust table seen through an encoder/decoder, so stages get plain Python values."""

    def __init__(self, table: Any, encode: Any, decode: Any) -> None:
        self.table, self.encode, self.decode = table, encode, decode

    def __getitem__(self, key: Any) -> Any:
        raw = self.table[self._key(key)]
        if raw is None:
            raise KeyError(key)
        return self.decode(raw)

    def get(self, key: Any, default: Any = None) -> Any:
        raw = self.table.get(self._key(key))
        return default if raw is None else self.decode(raw)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.table[self._key(key)] = self.encode(value)

    def __delitem__(self, key: Any) -> None:
        del self.table[self._key(key)]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.table.keys())

    def __len__(self) -> int:
        return len(self.table)

    @staticmethod
    def _key(key: Any) -> bytes:
        return key.to_bytes(8, "little") if isinstance(key, int) else str(key).encode()


class EventStore(MutableMapping):
    """``event key -> list[Report]`` over a table holding ``key`` (ids) and ``key#id`` (a report).

    Decoded reports are cached by their stored bytes, so an event's reports are parsed
    once, not on every article of the event; a write stores only the reports that changed.
    An event's list is cached too, with the id list it was read from: every write of an
    event stores a new id list, the last of its records (in the changelog as well), so
    while the table holds the very same id list object no report of the event changed, and
    reading it costs one table lookup instead of one a report. (A store that hands out
    fresh bytes on every read, as RocksDB does, never hits the caches: it reads and parses.)
    """

    def __init__(self, table: Any) -> None:
        self.table = table
        self._parsed: dict[bytes, tuple[bytes, Report]] = {}
        self._events: dict[str, tuple[bytes, list[Report]]] = {}  # event key -> (its stored id list, its reports)

    def _report(self, key: bytes) -> Report | None:
        raw = self.table.get(key)
        if raw is None:
            return None
        cached = self._parsed.get(key)
        if cached is not None and cached[0] is raw:
            return cached[1]
        report = Report.model_validate_json(raw)
        self._parsed[key] = (raw, report)
        return report

    def _cached(self, key: str, ids: bytes | None) -> list[Report] | None:
        cached = self._events.get(key)
        return cached[1] if cached is not None and ids is not None and cached[0] is ids else None

    def __getitem__(self, key: str) -> list[Report]:
        ids = self.table.get(key.encode())
        if ids is None:
            raise KeyError(key)
        reports = self._cached(key, ids)
        if reports is None:
            reports = [r for i in orjson.loads(ids) if (r := self._report(f"{key}#{i}".encode())) is not None]
            self._events[key] = (ids, reports)
        return list(reports)

    def __setitem__(self, key: str, reports: list[Report]) -> None:
        stored = self.table.get(key.encode())
        # Reports are frozen: one that is the very object read from this event is unchanged.
        unchanged = {id(r) for r in self._cached(key, stored) or ()}
        before = set(orjson.loads(stored or b"[]"))
        for report in reports:
            if id(report) in unchanged:
                continue
            slot = f"{key}#{report.id}".encode()
            if self._report(slot) != report:
                raw = report.model_dump_json().encode()
                self.table[slot] = raw
                self._parsed[slot] = (raw, report)
        for gone in before - {r.id for r in reports}:
            slot = f"{key}#{gone}".encode()
            self._parsed.pop(slot, None)
            if self.table.get(slot) is not None:
                del self.table[slot]
        ids = orjson.dumps([r.id for r in reports])
        self.table[key.encode()] = ids
        self._events[key] = (ids, list(reports))

    def __delitem__(self, key: str) -> None:
        self[key] = []
        del self.table[key.encode()]
        self._events.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return (k.decode() for k in self.table.keys() if b"#" not in k)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_ENTRY = struct.Struct("<QI")  # an entry in a record: its key, its length
_RECORD = struct.Struct(">HQ")  # a record's table key: its shard, its sequence number


class EntryLog(dict):
    """The dedup entries of every shard a worker holds, in memory, and kept in a table as one
    record per batch and shard: the entries that batch filed.

    A batch files one entry an article in each shard its keys reach, about four for each
    article: written one by one, they were a third of all the messages a worker sent.
    Entries are written once (with their answer) and deleted when evicted; a record goes
    from the table when its last entry does. After a restart or a rebalance ``load`` reads
    a shard's records back. An entry evicted from a record still holding others comes back
    with it, and the next ``dedup.evict_oldest`` evicts it again (it is the oldest).

    A ``dict``, so the stages' many reads cost what a dict's do; only ``[]=`` and ``del``
    (all the dedup stage uses to write) are logged. ``save`` and the deletes write the
    table: call them within an event of the shard's partition.
    """

    def __init__(self, table: MutableMapping[bytes, bytes], shards: int) -> None:
        super().__init__()
        self.table, self.shards = table, shards
        self.home: dict[int, bytes] = {}  # entry key -> the record holding it
        self.held: dict[bytes, int] = {}  # record -> how many of its entries are live
        self.filed: dict[int, bytes] = {}  # written since the last save
        self.last: dict[int, int] = {}  # per shard: the last record's sequence number

    def __setitem__(self, key: int, value: bytes) -> None:
        super().__setitem__(key, value)
        self.filed[key] = value

    def __delitem__(self, key: int) -> None:
        super().__delitem__(key)
        self.filed.pop(key, None)
        self._release(key)

    def _release(self, key: int, *, keep_record: bool = False) -> None:
        """The entry leaves its record; a record left empty leaves the table (unless ``keep_record``)."""
        record = self.home.pop(key, None)
        if record is not None:
            self.held[record] -= 1
            if self.held[record] == 0:
                del self.held[record]
                if not keep_record and self.table.get(record) is not None:
                    del self.table[record]

    def save(self, shard: int) -> None:
        """Store what was filed since the last save (all of it ``shard``'s) as one record."""
        if not self.filed:
            return
        sequence = self.last[shard] = max(time.time_ns(), self.last.get(shard, 0) + 1)
        record = _RECORD.pack(shard, sequence)
        self.table[record] = b"".join(_ENTRY.pack(key, len(value)) + value for key, value in self.filed.items())
        for key in self.filed:
            self._release(key)  # a rewrite moves an entry to the new record
            self.home[key] = record
        self.held[record] = len(self.filed)
        self.filed.clear()

    def load(self, shard: int) -> None:
        """Read ``shard``'s records from the table (as restored), oldest first."""
        records = sorted((key, value) for key, value in list(self.table.items()) if self._shard_of(key) == shard and value is not None)
        for record, value in records:
            for key, entry in self._unpacked(record, value):
                self._release(key)
                super().__setitem__(key, entry)
                self.home[key] = record
                self.held[record] = self.held.get(record, 0) + 1
            if len(record) == _RECORD.size:
                self.last[shard] = max(self.last.get(shard, 0), _RECORD.unpack(record)[1])

    def drop(self, shard: int) -> None:
        """Forget ``shard``'s entries here (its partition went to another worker); the table keeps them."""
        for key in [k for k in self if k % self.shards == shard]:
            super().__delitem__(key)
            self.filed.pop(key, None)
            self._release(key, keep_record=True)

    def _shard_of(self, record: bytes) -> int:
        if len(record) == _RECORD.size:
            return _RECORD.unpack(record)[0]
        return int.from_bytes(record, "little") % self.shards  # an entry of its own (before records)

    @staticmethod
    def _unpacked(record: bytes, value: bytes) -> Iterator[tuple[int, bytes]]:
        if len(record) != _RECORD.size:
            yield int.from_bytes(record, "little"), value
            return
        at = 0
        while at < len(value):
            key, length = _ENTRY.unpack_from(value, at)
            at += _ENTRY.size
            yield key, value[at : at + length]
            at += length
