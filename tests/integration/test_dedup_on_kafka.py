"""Issues 5 and 24 on the real broker: partitioned dedup state gives the same answers as one
shard, whichever worker runs faster, and survives SIGKILL."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer

from sitrep.commands.replay import Clock, OrderMarks
from tests.integration.kafka_helpers import ROOT, Worker, consume, isolated_env, run_sitrep, topic

sys.path.insert(0, str(ROOT / "ops/bench"))
import corpus  # noqa: E402

pytestmark = pytest.mark.integration


def originals() -> list[dict]:
    """The seeds as records: real pages, varied lengths."""
    records = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        title, _, body = path.read_text().strip().partition("\n")
        records.append({"id": path.stem, "title": title.strip(), "body": body, "source": "seed"})
    for line in (ROOT / "seeds/wire_reports.jsonl").read_bytes().splitlines():
        r = orjson.loads(line)
        records.append({"id": r["id"], "title": r["title"], "body": r["content"], "source": r["source"]})
    return records


# In seeds/, one wire report is itself a republished copy of another: copies of it link to
# the first report, the root of the family.
ROOT_OF = {"wire-2017-0412-idlib-copy": "wire-2017-0412-idlib"}


def root(article_id: str) -> str:
    return ROOT_OF.get(article_id, article_id)


def copies(records: list[dict]) -> list[dict]:
    """Republished copies: syndicated with a prefix, cut to 70 %, wrapped in comments."""
    out = []
    for r in records:
        paragraphs = [p for p in r["body"].split("\n\n") if p.strip()]
        cut = "\n\n".join(paragraphs[: max(1, int(len(paragraphs) * 0.7))])
        out.append({"id": f"{r['id']}-syndicated", "title": r["title"], "body": f"Authored by Al Masdar News:\n\n{r['body']}", "source": "mirror-a"})
        out.append({"id": f"{r['id']}-cut", "title": r["title"], "body": cut, "source": "mirror-b"})
        out.append(
            {
                "id": f"{r['id']}-comments",
                "title": r["title"],
                "body": r["body"] + "\n\nLeave a Reply\n\nRob G\nThis is all lies as usual.\n\nReply",
                "source": "mirror-c",
            }
        )
    return out


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def links(broker: str, env: dict[str, str], expected: int) -> dict[str, tuple[str, str | None]]:
    out = consume(broker, [topic(env, "enriched"), topic(env, "duplicates")], until=expected, timeout=120)
    verdicts = {r["id"]: ("unique", None) for r in out[topic(env, "enriched")]}
    verdicts.update({r["id"]: (r["kind"], r["duplicate_of"]) for r in out[topic(env, "duplicates")]})
    return verdicts


def run_pipeline(broker: str, tmp_path: Path, first: Path, then: Path, *, partitions: int, workers: int, expected: int) -> dict:
    env = isolated_env(broker, tmp_path / f"p{partitions}w{workers}", partitions=partitions)
    run_sitrep(env, "topics", "create")
    running = []
    for n in range(workers):
        worker_env = {**env, "SITREP_STATE_DIR": str(tmp_path / f"p{partitions}w{workers}-state{n}"), "SITREP_METRICS_PORT": "0"}
        running.append(Worker(worker_env, tmp_path / f"p{partitions}-worker{n}.log").start())
    try:
        # Originals, then (once they are through) their copies, as in real feeds where a
        # copy follows its original by minutes or hours: the links must not depend on the
        # number of partitions or workers. (Copies right behind their originals, analyzed
        # by a faster worker, are the forced race below.)
        run_sitrep(env, "replay", "--no-progress", str(first))
        consume(broker, [topic(env, "enriched"), topic(env, "duplicates")], until=expected - sum(1 for _ in then.open()), timeout=90)
        run_sitrep(env, "replay", "--no-progress", str(then))
        return links(broker, env, expected)
    finally:
        for w in running:
            w.stop()


def test_one_worker_one_partition_equals_two_workers_four_partitions(broker: str, tmp_path: Path) -> None:
    base = originals()
    records = base + copies(base)
    first = write_jsonl(tmp_path / "originals.jsonl", base)
    then = write_jsonl(tmp_path / "copies.jsonl", copies(base))
    single = run_pipeline(broker, tmp_path, first, then, partitions=1, workers=1, expected=len(records))
    sharded = run_pipeline(broker, tmp_path, first, then, partitions=4, workers=2, expected=len(records))
    assert len(single) == len(records)
    assert sharded == single
    for r in base:
        for suffix in ("syndicated", "cut", "comments"):
            kind, original = single[f"{r['id']}-{suffix}"]
            assert kind in ("near", "exact") and original == root(r["id"]), (r["id"], suffix, kind, original)


@pytest.mark.parametrize("store", ["memory", "rocksdb"])
def test_copy_of_an_article_seen_before_sigkill_is_still_caught(broker: str, tmp_path: Path, store: str) -> None:
    env = isolated_env(broker, tmp_path, partitions=4, SITREP_STORE=store)
    run_sitrep(env, "topics", "create")
    base = originals()
    worker = Worker(env, tmp_path / "worker.log").start()
    try:  # a failed check must not leave the worker running
        run_sitrep(env, "replay", "--no-progress", str(write_jsonl(tmp_path / "originals.jsonl", base)))
        first = consume(broker, [topic(env, "enriched"), topic(env, "duplicates")], until=len(base), timeout=90)
        assert sum(len(records) for records in first.values()) == len(base)
        time.sleep(2)  # let the changelog writes of the last batch reach the broker
        worker.kill()

        started = time.monotonic()
        worker.start()
        resumed = time.monotonic() - started
        print(f"worker ready {resumed:.1f} s after restart (tables restored from the changelog)")
        assert resumed < 30

        later = copies(base)
        run_sitrep(env, "replay", "--no-progress", str(write_jsonl(tmp_path / "copies.jsonl", later)))
        out = consume(broker, [topic(env, "duplicates")], until=len(later), timeout=90)
    finally:
        worker.stop()
    copy_ids = {c["id"] for c in later}
    found = {r["id"]: r["duplicate_of"] for r in out[topic(env, "duplicates")] if r["id"] in copy_ids}
    assert found == {c["id"]: root(c["id"].rsplit("-", 1)[0]) for c in later}


# --- issue 24: the race forced ------------------------------------------------------------------

ROUND_ORIGINALS = 8
SLOW_SECONDS = 1.5  # the slow worker waits this long before each batch it analyzes


def race_round(n: int) -> list[tuple[int, dict]]:
    """Round ``n``'s messages in input order, each with the articles.raw partition (of four)
    it goes to: distinct generated articles, each followed at once by its three copies, each
    copy on one of the three other partitions. Whichever two partitions the slow worker holds,
    every round has copies on the fast worker's partitions of originals on the slow one's."""
    originals = [dict(a, id=f"r{n}-{a['id']}") for a in corpus.articles(ROUND_ORIGINALS, seed=2400 + n)]
    out: list[tuple[int, dict]] = [(i % 4, r) for i, r in enumerate(originals)]
    for i, r in enumerate(originals):
        out += [((i + k) % 4, c) for k, c in enumerate(copies([r]), start=1)]
    return out


def send(broker: str, env: dict[str, str], messages: list[tuple[int, dict]], clock: Clock, *, partitions: int, stall: float = 0.0) -> None:
    """Produce as ``sitrep replay`` does (replay stamps, then order marks), each to its
    partition (all to 0 over one). With ``stall``, every message is stamped first, then the
    last partition's messages are sent, one every ``stall`` seconds, then the one before's,
    and so on, and marked once all are sent: a producer whose messages were held up after
    stamping, some partitions' longer than others'."""
    producer = KafkaProducer(bootstrap_servers=broker, acks="all", enable_idempotence=True, linger_ms=5)
    marks = OrderMarks(producer, topic(env, "raw"), clock)
    values = [(partition, record, orjson.dumps({**record, "replayed_at": clock.stamp()})) for partition, record in messages]
    if stall:  # a partition's messages keep their order (one producer), the partitions do not
        time.sleep(stall)
        values.sort(key=lambda v: -(v[0] % partitions))
    for partition, record, value in values:
        producer.send(topic(env, "raw"), key=record["id"].encode(), value=value, partition=partition % partitions)
        if stall:  # each reaches its partition, and its worker, alone; no mark may pass the held ones
            producer.flush()
            time.sleep(stall)
        else:
            marks.stamped()
    marks.close()
    producer.flush()
    producer.close()


class Verdicts:
    """Each id's verdict, (kind, duplicate_of), read as the outputs come."""

    def __init__(self, broker: str, env: dict[str, str]) -> None:
        self.env, self.found = env, {}
        self.consumer = KafkaConsumer(
            topic(env, "enriched"), topic(env, "duplicates"), bootstrap_servers=broker, auto_offset_reset="earliest",
            enable_auto_commit=False, group_id=None, isolation_level="read_committed",
        )

    def until(self, ids: set[str], timeout: float = 120) -> dict[str, tuple[str, str | None]]:
        deadline = time.monotonic() + timeout
        while not ids <= self.found.keys() and time.monotonic() < deadline:
            for records in self.consumer.poll(timeout_ms=500).values():
                for record in records:
                    value = orjson.loads(record.value)
                    if record.topic == topic(self.env, "enriched"):
                        self.found.setdefault(value["id"], ("unique", None))
                    else:
                        self.found[value["id"]] = (value["kind"], value["duplicate_of"])
        return {i: self.found[i] for i in ids if i in self.found}

    def close(self) -> None:
        self.consumer.close()


@contextlib.contextmanager
def pipeline(broker: str, tmp_path: Path, name: str, *, partitions: int, slow: bool) -> Iterator[tuple[dict[str, str], Verdicts]]:
    """A pipeline over ``partitions``: one worker, or two with the first slowed."""
    env = isolated_env(broker, tmp_path / name, partitions=partitions)
    run_sitrep(env, "topics", "create")
    delays = {"SITREP_DEBUG_DELAY_PARTITIONS": orjson.dumps({str(p): SLOW_SECONDS for p in range(partitions)}).decode()}
    running = []
    for n in range(2 if slow else 1):
        worker_env = {**env, "SITREP_STATE_DIR": str(tmp_path / f"{name}-state{n}"), "SITREP_METRICS_PORT": "0", **(delays if n == 0 and slow else {})}
        running.append(Worker(worker_env, tmp_path / f"{name}-worker{n}.log").start())
    verdicts = Verdicts(broker, env)
    try:
        yield env, verdicts
    finally:
        verdicts.close()
        for w in running:
            w.stop()


def forced_race(broker: str, tmp_path: Path, rounds: int) -> None:
    """``rounds`` rounds through two workers over four partitions, one of them slowed, each
    round's verdicts against one worker over one partition given the same input in the same order."""
    messages = [race_round(n) for n in range(rounds)]
    every = {r["id"] for round_messages in messages for _, r in round_messages}
    with pipeline(broker, tmp_path, "single", partitions=1, slow=False) as (env, verdicts):
        send(broker, env, [m for round_messages in messages for m in round_messages], Clock(), partitions=1)
        single = verdicts.until(every)
    assert len(single) == len(every)
    copied = [c["id"] for round_messages in messages for _, c in round_messages if c["id"].endswith(("-syndicated", "-cut", "-comments"))]
    # The race needs copies to get wrong: most must be found. Whether every cut copy of these
    # generated texts is found is the dedup benchmarks' question, not this test's.
    missed = [(c, single[c]) for c in copied if single[c][0] == "unique"]
    assert len(missed) <= len(copied) // 10, missed

    passed = 0
    clock = Clock()
    with pipeline(broker, tmp_path, "raced", partitions=4, slow=True) as (env, verdicts):
        for n, round_messages in enumerate(messages):
            ids = {r["id"] for _, r in round_messages}
            send(broker, env, round_messages, clock, partitions=4)
            raced = verdicts.until(ids)
            expected = {i: single[i] for i in ids}
            differing = {i: (raced.get(i), expected[i]) for i in ids if raced.get(i) != expected[i]}
            print(f"forced race round {n + 1}/{rounds}: {len(ids) - len(differing)} of {len(ids)} verdicts as one worker gave")
            assert not differing, f"round {n + 1}: (two workers, one worker) {differing}"
            passed += 1
    print(f"forced race: {passed} of {rounds} rounds passed")


def test_a_slowed_worker_changes_no_verdict(broker: str, tmp_path: Path) -> None:
    forced_race(broker, tmp_path, rounds=3)


@pytest.mark.slow
def test_a_slowed_worker_changes_no_verdict_in_twenty_rounds(broker: str, tmp_path: Path) -> None:
    forced_race(broker, tmp_path, rounds=20)


def test_a_stalled_producer_changes_no_verdict(broker: str, tmp_path: Path) -> None:
    """Originals and copies stamped, then held by their producer well past the quiet-after
    and sent copies first, while one worker over four partitions has caught up with all of
    them: a copy must still wait for its original (the order marks vouch for the partitions,
    not the time), so every copy links to it as one worker over one partition says."""
    messages = race_round(99)
    ids = {r["id"] for _, r in messages}
    with pipeline(broker, tmp_path, "single", partitions=1, slow=False) as (env, verdicts):
        send(broker, env, messages, Clock(), partitions=1)
        single = verdicts.until(ids)
    with pipeline(broker, tmp_path, "stalled", partitions=4, slow=False) as (env, verdicts):
        warm = [(p, dict(r, id=f"warm-{p}-{r['id']}")) for p, r in race_round(98)[:4]]
        send(broker, env, warm, Clock(), partitions=4)  # every partition has carried marks
        verdicts.until({r["id"] for _, r in warm})
        send(broker, env, messages, Clock(), partitions=4, stall=0.25)
        stalled = verdicts.until(ids)
    differing = {i: (stalled.get(i), single[i]) for i in ids if stalled.get(i) != single[i]}
    assert not differing, f"(stalled producer, one worker over one partition) {differing}"


@pytest.mark.slow
def test_a_worker_joining_and_leaving_changes_no_verdict(broker: str, tmp_path: Path) -> None:
    """One worker over four partitions; a second, slowed, joins mid-stream (a rebalance hands it
    half the partitions, their shards and their state), then leaves (the first takes all back):
    nothing is lost, and every round's verdicts are the ones one worker over one partition
    gives the same input. Messages that reach a stream during the rebalance must not be
    committed unprocessed, nor a mark vouch for them (faust_compat.ProcessedOnly, hold.Sources).
    Run with --slow: a stalled table recovery still fails it now and then (docs/processing.md)."""
    rounds = [race_round(50 + n) for n in range(6)]
    every = {r["id"] for messages in rounds for _, r in messages}
    with pipeline(broker, tmp_path, "single", partitions=1, slow=False) as (env, verdicts):
        send(broker, env, [m for messages in rounds for m in messages], Clock(), partitions=1)
        single = verdicts.until(every)
    assert len(single) == len(every)

    env = isolated_env(broker, tmp_path / "moving", partitions=4)
    run_sitrep(env, "topics", "create")
    # The second is slowed, as in the forced race: while both run, copies race their originals.
    slowed = {"SITREP_DEBUG_DELAY_PARTITIONS": orjson.dumps({str(p): SLOW_SECONDS for p in range(4)}).decode()}
    first, second = (Worker({**env, "SITREP_STATE_DIR": str(tmp_path / f"state-{name}"), "SITREP_METRICS_PORT": "0", **extra}, tmp_path / f"{name}.log")
                     for name, extra in (("first", {}), ("second", slowed)))
    first.start()
    verdicts, clock = Verdicts(broker, env), Clock()

    def run_round(n: int) -> None:
        ids = {r["id"] for _, r in rounds[n]}
        send(broker, env, rounds[n], clock, partitions=4)
        got = verdicts.until(ids)
        differing = {i: (got.get(i), single[i]) for i in ids if got.get(i) != single[i]}
        assert not differing, f"round {n + 1}: (moving workers, one worker over one partition) {differing}"

    def rebalanced(since: int) -> None:
        deadline = time.monotonic() + 60
        while "Executing _on_partitions_assigned" not in first.log.read_bytes()[since:].decode(errors="replace"):
            assert time.monotonic() < deadline, "the first worker was never assigned partitions again"
            time.sleep(0.2)

    try:
        run_round(0)
        run_round(1)
        since = first.log.stat().st_size
        second.start()
        rebalanced(since)
        run_round(2)
        run_round(3)
        since = first.log.stat().st_size
        second.stop()
        rebalanced(since)
        run_round(4)
        run_round(5)
    finally:
        verdicts.close()
        for worker in (first, second):
            worker.stop()
