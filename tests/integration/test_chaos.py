"""Issue 8 chaos test: 20,000 articles, three SIGKILLs of the worker, one broker restart.

At-least-once with outputs keyed by article id: at the end every input id must be on
`articles.enriched` or `articles.duplicates` (read_committed), none missing, and any repeat
must be the same verdict under the same key, so that a consumer dropping repeats by key
(docs/processing.md) sees each id exactly once; and every verdict must be the one a single
worker over one partition gives the same input, uninterrupted (issue 24: crashes, restarts
and four partitions change no verdict). Prints sent, received, missing, repeated and
differing, and how long each restarted worker took to resume (its first new output).
Two poison messages go first (issue 21): an article of one name 199,000 times, which must
come out, and a megabyte of random bytes, which must be on the dead-letter topic.
Runs with `ops/test --chaos` (about five minutes on two cores).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer

from tests.conftest import ROOT, Broker
from tests.integration.kafka_helpers import SITREP, Worker, consume, isolated_env, run_sitrep, topic
from tests.integration.test_poison import POISON, _produce

sys.path.insert(0, str(ROOT / "ops/bench"))
import corpus  # noqa: E402
from bench import end_offsets  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
ARTICLES = int(os.environ.get("SITREP_CHAOS_ARTICLES", "20000"))


def restart_broker(kafka: Broker) -> None:
    kafka.stop()
    kafka.start()


def single_worker_verdicts(broker: str, tmp_path: Path, inputs: Path, poison: dict[bytes, bytes]) -> dict[str, tuple[str, str | None]]:
    """Each id's verdict (kind, duplicate_of) from one worker over one partition, the same input in the same order."""
    env = isolated_env(broker, tmp_path / "single", partitions=1)
    run_sitrep(env, "topics", "create")
    worker = Worker({**env, "SITREP_METRICS_PORT": "0"}, tmp_path / "single-worker.log").start()
    try:
        _produce(broker, topic(env, "raw"), list(poison.items()))
        run_sitrep(env, "replay", "--no-progress", str(inputs), timeout=900)
        out = consume(broker, [topic(env, "enriched"), topic(env, "duplicates")], until=ARTICLES + 1, timeout=900)
    finally:
        worker.stop()
    verdicts: dict[str, tuple[str, str | None]] = {r["id"]: ("unique", None) for r in out[topic(env, "enriched")]}
    verdicts.update({r["id"]: (r["kind"], r["duplicate_of"]) for r in out[topic(env, "duplicates")]})
    return verdicts


def test_nothing_lost_or_doubled_under_crashes(kafka: Broker, broker: str, tmp_path: Path) -> None:
    rng = random.Random(8)
    env = isolated_env(broker, tmp_path, partitions=4)
    outputs = [topic(env, "enriched"), topic(env, "duplicates")]
    inputs = corpus.write(tmp_path / "articles.jsonl", ARTICLES)
    run_sitrep(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    poison = {key: value for key, value, _ in POISON if key in ("homs", "random")}
    poison_messages = {f"poison-{key}".encode(): value for key, value in poison.items()}
    _produce(broker, topic(env, "raw"), list(poison_messages.items()))
    replay = subprocess.Popen([SITREP, "replay", "--no-progress", str(inputs)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)

    try:
        # Kill points spread over the run; the broker restart sits between the second and third.
        kills = sorted(rng.uniform(0.1, 0.9) * ARTICLES for _ in range(3))
        broker_restart = (kills[1] + kills[2]) / 2
        events = [(k, "kill") for k in kills] + [(broker_restart, "broker")]
        deadline = time.monotonic() + 1800
        resumed: list[tuple[int, float]] = []
        for at, what in sorted(events):
            while end_offsets(outputs, broker) < at:
                assert time.monotonic() < deadline, "pipeline stalled"
                if worker.proc.poll() is not None:
                    worker.start()  # a worker that died on its own is restarted, and counted
                time.sleep(0.5)
            if what == "kill":
                worker.kill()
                before = end_offsets(outputs, broker)
                started = time.monotonic()
                worker.start()
                while end_offsets(outputs, broker) == before and time.monotonic() - started < 300:
                    time.sleep(0.2)
                resumed.append((before, time.monotonic() - started))
            else:
                restart_broker(kafka)
                if worker.proc.poll() is not None:
                    worker.start()
        assert replay.wait(600) == 0, replay.stdout.read().decode()
    finally:
        if replay.poll() is None:  # the test failed first: nothing replays into the next one
            replay.kill()

    seen: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    consumer = KafkaConsumer(
        *outputs, bootstrap_servers=broker, auto_offset_reset="earliest", group_id=None, isolation_level="read_committed", consumer_timeout_ms=10_000
    )
    idle_until = time.monotonic() + 600
    while len(seen) < ARTICLES + 1 and time.monotonic() < idle_until:  # + the poison article that comes out
        for record in consumer:
            value = orjson.loads(record.value)
            verdict = value["dedup"]["status"] if "dedup" in value else value["kind"]
            seen[value["id"]].append((record.topic, verdict, value.get("duplicate_of") or value.get("dedup", {}).get("duplicate_of")))
        if worker.proc.poll() is not None:
            worker.start()
    consumer.close()
    worker.stop()

    letters = consume(broker, [topic(env, "deadletter")], until=1, timeout=60)[topic(env, "deadletter")]
    sent = ARTICLES
    missing = sent - len([k for k in seen if not k.startswith("poison-")])
    repeated = sum(len(v) - 1 for v in seen.values())
    inconsistent = [k for k, v in seen.items() if len(set(v)) > 1]
    single = single_worker_verdicts(broker, tmp_path, inputs, poison_messages)
    differing = {k: (v[0][1:], single.get(k)) for k, v in seen.items() if v[0][1:] != single.get(k)}
    print("chaos: resumed " + ", ".join(f"{s:.1f} s after a kill at {n} outputs" for n, s in resumed))
    print(
        f"chaos: sent {sent}, received {sum(len(v) for v in seen.values())} records for {len(seen)} ids,"
        f" missing {missing}, repeated {repeated}, inconsistent {len(inconsistent)},"
        f" differing from one worker over one partition {len(differing)}"
    )
    assert missing == 0
    assert "poison-homs" in seen
    assert any(letter["reason"] == "binary" and letter["original_bytes"] == len(poison["random"]) for letter in letters)
    assert not inconsistent, {k: seen[k] for k in inconsistent[:5]}
    assert len(single) == len(seen)
    assert not differing, dict(list(differing.items())[:5])
