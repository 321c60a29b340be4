"""The worker's table views behave as the plain mappings the stages expect."""

from __future__ import annotations

import random

import orjson

from sitrep.stages import dedup
from sitrep.stages.credibility.corroborate import Report
from sitrep.stream.tables import EntryLog, EventStore, TableView


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


class CountingReads(dict):
    """A dict standing in for a Faust table, counting lookups."""

    reads = 0

    def get(self, key, default=None):
        type(self).reads += 1
        return super().get(key, default)


def test_an_unchanged_event_is_read_with_one_lookup_and_a_changed_one_afresh() -> None:
    table = CountingReads()
    store = EventStore(table)
    store["k"] = [report(str(n), n) for n in range(40)]
    CountingReads.reads = 0
    assert len(store["k"]) == 40
    assert CountingReads.reads == 1  # the id list, still the object written
    # What changelog recovery does: the report, then the id list, written past the store.
    table[b"k#7"] = report("7", 99).model_dump_json().encode()
    table[b"k"] = orjson.dumps([str(n) for n in range(40)])
    assert [r.killed for r in store["k"] if r.id == "7"] == [99]


def test_a_report_rescored_in_a_copy_is_written_and_the_rest_are_not() -> None:
    table = CountingTable()
    store = EventStore(table)
    store["k"] = [report(str(n), n) for n in range(10)]
    held = store["k"]
    CountingTable.writes = 0
    held[3] = held[3].model_copy(update={"killed": 30})
    store["k"] = held
    assert CountingTable.writes == 2  # the rescored report and the id list
    assert [r.killed for r in EventStore(table)["k"]][3] == 30  # a fresh store reads what was written


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


def signed(count: int, seed: int = 3) -> list[tuple[str, dedup.Signature]]:
    """Article-like texts, one in four a copy of an earlier one with a changed sentence."""
    rng = random.Random(seed)
    words = "shelling killed civilians in Aleppo Idlib Raqqa on Monday said the observatory forces army rebels town".split()
    texts: list[str] = []
    for n in range(count):
        if texts and n % 4 == 0:
            texts.append(rng.choice(texts) + f" Updated {n}.")
        else:
            texts.append(" ".join(rng.choice(words) for _ in range(80)) + f" Report {n}.")
    return [(f"a{n}", sig) for n, sig in enumerate(dedup.sign_many(texts))]


def file_batches(log: EntryLog, articles: list[tuple[str, dedup.Signature]], *, shard: int, shards: int, cap: int,
                 index: dict, ages: list, start: int = 0) -> list:
    """Probe ``articles`` in batches of 25 as the index agent does: probe, save, evict."""
    answers = []
    for at in range(0, len(articles), 25):
        batch = articles[at : at + 25]
        requests = [(i, start + at + n, sig, dedup.route(dedup.keys(sig), shards).get(shard, [])) for n, (i, sig) in enumerate(batch)]
        requests = [r for r in requests if r[3]]
        answers += dedup.probe_many(requests, index, log, min_similarity=0.3, shard=shard, shards=shards, ages=ages)
        log.save(shard)
        dedup.evict_oldest(index, log, ages, now_order=start + at + len(batch), max_entries=cap)
    return answers


def test_a_batch_of_entries_is_one_record_and_a_restart_reads_them_back() -> None:
    table = CountingTable()
    log = EntryLog(table, shards=2)
    index: dict = {}
    ages: list = []
    CountingTable.writes = 0
    file_batches(log, signed(200), shard=1, shards=2, cap=10_000, index=index, ages=ages)
    assert CountingTable.writes == len(table) == 8  # 200 articles in batches of 25: one record each
    assert len(log) > 150 and all(key % 2 == 1 for key in log)

    restarted = EntryLog(table, shards=2)
    restarted.load(1)
    assert dict(restarted) == dict(log)
    assert dedup.rebuild(restarted, shard=1, shards=2) == dedup.rebuild(log, shard=1, shards=2)


def test_evicted_entries_leave_with_their_record_and_a_reload_evicts_the_rest_again() -> None:
    table = CountingTable()
    log = EntryLog(table, shards=1)
    index: dict = {}
    ages: list = []
    articles = signed(300)
    first = file_batches(log, articles[:250], shard=0, shards=1, cap=60, index=index, ages=ages)
    assert len(log) == 60 and len(table) <= 4  # the oldest records went with their entries

    restarted = EntryLog(CountingTable(table), shards=1)  # a new worker, the table restored
    restarted.load(0)  # a record half evicted brings back its evicted entries...
    index2, ages2 = dedup.rebuild(restarted, shard=0, shards=1), dedup.ages_of(restarted, shard=0, shards=1)
    dedup.evict_oldest(index2, restarted, ages2, now_order=250, max_entries=60)
    assert dict(restarted) == dict(log)  # ...and the first eviction takes them again
    # From here on the restarted shard answers as the one that never stopped: the same
    # candidates and verdicts. (A bucket the live shard had filled, then half emptied by
    # eviction, is rebuilt from its survivors and may hold one it had dropped: the band keys a
    # candidate is counted sharing there may differ by one.)
    later = file_batches(restarted, articles[250:], shard=0, shards=1, cap=60, index=index2, ages=ages2, start=250)
    live = file_batches(log, articles[250:], shard=0, shards=1, cap=60, index=index, ages=ages, start=250)
    assert [[c[:4] + c[5:7] for c in found] for found in later] == [[c[:4] + c[5:7] for c in found] for found in live]
    assert [dedup.resolve("a", found, near=0.35) for found in later] == [dedup.resolve("a", found, near=0.35) for found in live]
    assert first and any(later)


def test_a_revoked_shard_is_forgotten_here_and_kept_in_the_table() -> None:
    table = CountingTable()
    log = EntryLog(table, shards=2)
    for shard in (0, 1):
        file_batches(log, signed(50, seed=shard), shard=shard, shards=2, cap=1000, index={}, ages=[])
    kept = {k: v for k, v in log.items() if k % 2 == 0}
    before = dict(table)
    log.drop(1)
    assert dict(log) == kept and table == before
    log.load(1)
    assert len(log) > len(kept)


def test_entries_stored_one_by_one_by_an_earlier_version_still_load() -> None:
    table = {(6).to_bytes(8, "little"): b"six", (7).to_bytes(8, "little"): b"seven"}
    log = EntryLog(table, shards=2)
    log.load(0)
    assert dict(log) == {6: b"six"}
    del log[6]
    assert (6).to_bytes(8, "little") not in table
