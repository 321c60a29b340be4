"""The worker's table views behave as the plain mappings the stages expect."""

from __future__ import annotations

import pytest

from sitrep.state import EventStore, TableView, WriteBehind
from sitrep.stages.corroborate import Report


def report(rid: str, killed: int) -> Report:
    return Report(id=rid, source="SANA", order=1, killed=killed, story_id=rid)


class CountingTable(dict):
    """A dict standing in for a Faust table, counting the writes a changelog would get."""

    writes = 0

    def __setitem__(self, key, value):
        type(self).writes += 1
        super().__setitem__(key, value)


def test_event_store_round_trips_reports_by_event() -> None:
    store = EventStore(CountingTable())
    store["SY-07|airstrike"] = [report("a", 5), report("b", 7)]
    assert [r.id for r in store["SY-07|airstrike"]] == ["a", "b"]
    assert store.get("SY-02|shelling") is None
    assert list(store) == ["SY-07|airstrike"]


def test_filing_one_report_writes_only_that_report_and_the_id_list() -> None:
    table = CountingTable()
    store = EventStore(table)
    store["k"] = [report(str(n), n) for n in range(40)]
    CountingTable.writes = 0
    store["k"] = [*store["k"], report("new", 3)]
    assert CountingTable.writes == 2  # the new report and the id list


def test_dropped_reports_leave_the_table() -> None:
    table = CountingTable()
    store = EventStore(table)
    store["k"] = [report("old", 1), report("kept", 2)]
    store["k"] = [report("kept", 2)]
    assert b"k#old" not in table and [r.id for r in store["k"]] == ["kept"]


def test_table_view_encodes_int_and_str_keys() -> None:
    table: dict = {}
    view = TableView(table, bytes, bytes)
    view[7] = b"x"
    view["a"] = b"y"
    assert table == {(7).to_bytes(8, "little"): b"x", b"a": b"y"}
    assert view.get(7) == b"x" and view.pop("a", None) == b"y" and view.pop("a", None) is None


def test_write_behind_stores_each_key_once_at_the_end() -> None:
    writes: list[tuple[str, bytes]] = []

    class Counting(dict):
        def __setitem__(self, key: str, value: bytes) -> None:
            writes.append((key, value))
            super().__setitem__(key, value)

    store = Counting(old=b"1")
    staged = WriteBehind(store)
    staged["new"] = b"entry"
    staged["new"] += b"+answer"
    assert staged.get("new") == b"entry+answer" and staged["old"] == b"1" and writes == []
    staged.flush()
    assert writes == [("new", b"entry+answer")] and store["new"] == b"entry+answer"


def test_write_behind_holds_deletes_too() -> None:
    store = {"old": b"1", "other": b"2"}
    staged = WriteBehind(store)
    del staged["old"]
    staged["new"] = b"3"
    assert staged.get("old") is None and "old" not in staged and sorted(staged) == ["new", "other"]
    assert store == {"old": b"1", "other": b"2"}
    with pytest.raises(KeyError):
        del staged["never"]
    staged.flush()
    assert store == {"other": b"2", "new": b"3"}
