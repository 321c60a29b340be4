"""Faust tables seen as the plain mappings the pure stages take as their state.

``TableView`` encodes and decodes values; ``WriteBehind`` holds a step's writes and stores
each key once at the end (a table write is a changelog message); ``EventStore`` gives the
corroboration stage its
``event key -> [Report]`` mapping while storing each report under its own key, so filing
one report (or rescoring a few) writes those reports and a short id list, not the whole
event, to the changelog.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import orjson

from sitrep.stages.corroborate import Report


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


_GONE = object()  # a delete waiting in a WriteBehind


class WriteBehind(MutableMapping):
    """A mapping whose writes and deletes wait in memory until ``flush``: a key written twice
    in one step (an entry, then the entry with its answer) reaches the table, and its
    changelog, once."""

    def __init__(self, store: MutableMapping) -> None:
        self.store = store
        self.pending: dict[Any, Any] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        found = self.pending.get(key)
        if found is None:
            return self.store.get(key, default)
        return default if found is _GONE else found

    def __getitem__(self, key: Any) -> Any:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: Any, value: Any) -> None:
        self.pending[key] = value

    def __delitem__(self, key: Any) -> None:
        if self.get(key) is None:
            raise KeyError(key)
        self.pending[key] = _GONE

    def __iter__(self) -> Iterator[Any]:
        yield from (key for key in self.store if key not in self.pending)
        yield from (key for key, value in self.pending.items() if value is not _GONE)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def flush(self) -> None:
        for key, value in self.pending.items():
            if value is not _GONE:
                self.store[key] = value
            elif self.store.get(key) is not None:
                del self.store[key]
        self.pending.clear()


class EventStore(MutableMapping):
    """``event key -> list[Report]`` over a table holding ``key`` (ids) and ``key#id`` (a report).

    Decoded reports are cached by their stored bytes, so an event's reports are parsed
    once, not on every article of the event; a write stores only the reports that changed.
    """

    def __init__(self, table: Any) -> None:
        self.table = table
        self._parsed: dict[bytes, tuple[bytes, Report]] = {}

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

    def __getitem__(self, key: str) -> list[Report]:
        ids = self.table.get(key.encode())
        if ids is None:
            raise KeyError(key)
        return [r for i in orjson.loads(ids) if (r := self._report(f"{key}#{i}".encode())) is not None]

    def __setitem__(self, key: str, reports: list[Report]) -> None:
        before = set(orjson.loads(self.table.get(key.encode()) or b"[]"))
        for report in reports:
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
        self.table[key.encode()] = orjson.dumps([r.id for r in reports])

    def __delitem__(self, key: str) -> None:
        self[key] = []
        del self.table[key.encode()]

    def __iter__(self) -> Iterator[str]:
        return (k.decode() for k in self.table.keys() if b"#" not in k)

    def __len__(self) -> int:
        return sum(1 for _ in self)
