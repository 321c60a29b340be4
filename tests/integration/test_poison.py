"""Issue 21 on the real broker: no message can stop the pipeline or vanish.

An independent client (kafka-python's producer, raw bytes, zstd compression) writes each
poison message straight to ``articles.raw``, each followed by a good article. The worker
must never exit; each poison message is either on the dead-letter topic with its reason
(the original bounded, its length and SHA-256 kept) or, where processing it is right,
comes out correctly; and every good article sent after one comes out.
"""

from __future__ import annotations

import base64
import hashlib
import random
from pathlib import Path

import orjson
import pytest
from kafka import KafkaProducer

from tests.integration.kafka_helpers import Worker, consume, isolated_env, run_sitrep, topic
from tests.integration.test_bad_input import GOOD

pytestmark = pytest.mark.integration

_RANDOM = random.Random(21).randbytes(1_000_000)  # incompressible: its dead letter cannot hide in compression


def _article(article_id: str, body: str, **fields: object) -> bytes:
    return orjson.dumps({"id": article_id, "title": fields.pop("title", "Poison"), "body": body, **fields})


# (key, value, what must happen): a dead-letter reason, or "enriched".
POISON: list[tuple[str, bytes | None, str]] = [
    # One name 199,000 times: under the body cap, 199,000 mentions uncapped (a 9.7 MB record).
    ("homs", _article("poison-homs", "Homs " * 199_000), "enriched"),
    # 5 MB, compressed to almost nothing on the wire: rightly too large, and its dead letter
    # must not carry the 5 MB back.
    ("huge", _article("poison-huge", "war " * 1_250_000), "body_too_large"),
    ("random", _RANDOM, "binary"),
    ("nul", _article("poison-nul", "Three people were killed\x00 in Homs on Monday, a monitor said."), "enriched"),
    ("published", _article("poison-published", "Two soldiers died in Deir ez-Zor, state media said.", published=1555000000), "enriched"),
    ("tombstone", None, "tombstone"),
    ("rtl", _article("poison-rtl", "Shelling \u202ekilled four\u202c in Daraa, activists said."), "enriched"),
    # The id of an earlier, different article (FIRST_OF_ID, sent before it to the same partition).
    ("idconflict", _article("poison-idconflict", "Clashes broke out near Manbij overnight; no casualties were reported by either side."), "id_conflict"),
]
FIRST_OF_ID = _article("poison-idconflict", "A drone struck a vehicle on the road to Qamishli, killing two men, a local monitor said.")
SAME_PARTITION = {b"first-idconflict", b"poison-idconflict"}  # in order: the first use of the id comes first


def _produce(broker: str, name: str, messages: list[tuple[bytes, bytes | None]]) -> None:
    producer = KafkaProducer(bootstrap_servers=broker, acks="all", compression_type="zstd", max_request_size=16 * 1_048_576)
    for key, value in messages:
        producer.send(name, key=key, value=value, partition=0 if key in SAME_PARTITION else None)
    producer.flush()
    producer.close()


def _check_letter(letter: dict, original: bytes | None) -> None:
    """The dead letter names its origin and keeps the original, or its head with its length and hash."""
    assert letter["origin_topic"] and letter["origin_offset"] is not None
    data = original or b""
    kept = base64.b64decode(letter["original"])
    assert letter["original_bytes"] == len(data)
    assert letter["original_sha256"] == hashlib.sha256(data).hexdigest()
    assert data.startswith(kept) and (kept == data) == (not letter["original_truncated"])


def test_no_poison_message_stops_the_worker_or_vanishes(broker: str, tmp_path: Path) -> None:
    env = isolated_env(broker, tmp_path, SITREP_ANALYZE_PROCESSES="1")
    run_sitrep(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        messages: list[tuple[bytes, bytes | None]] = [(b"first-idconflict", FIRST_OF_ID)]
        for n, (key, value, _) in enumerate(POISON):
            messages.append((f"poison-{key}".encode(), value))
            messages.append((f"good-{n}".encode(), _article(f"good-{n}", GOOD[n], title=f"Report {n}")))
        _produce(broker, topic(env, "raw"), messages)
        out = consume(broker, [topic(env, "deadletter"), topic(env, "enriched")], until=2 * len(POISON) + 1, timeout=240)
        assert worker.proc is not None and worker.proc.poll() is None, "the worker exited"
    finally:
        worker.stop()
    letters = {base64.b64decode(letter["key"]).decode(): letter for letter in out[topic(env, "deadletter")]}
    enriched = {record["id"]: record for record in out[topic(env, "enriched")]}
    assert {f"good-{n}" for n in range(len(POISON))} <= set(enriched)
    for key, value, expected in POISON:
        if expected == "enriched":
            assert f"poison-{key}" not in letters, letters.get(f"poison-{key}")
            assert f"poison-{key}" in enriched, key
        elif expected == "id_conflict":  # rejected after analysis: its letter holds the analysis, not the message
            assert (letters[f"poison-{key}"]["reason"], letters[f"poison-{key}"]["stage"]) == (expected, "corroborate")
        else:
            assert letters[f"poison-{key}"]["reason"] == expected, key
            _check_letter(letters[f"poison-{key}"], value)
    assert [r["body"] for r in out[topic(env, "enriched")] if r["id"] == "poison-idconflict"] == [orjson.loads(FIRST_OF_ID)["body"]]
    homs = enriched["poison-homs"]
    assert max(len(e["mentions"]) for e in homs["entities"]) <= 500
    assert "\x00" not in enriched["poison-nul"]["body"] and "killed in Homs" in enriched["poison-nul"]["body"]
    assert enriched["poison-published"]["published"] == "2019-04-11"
    assert "\u202e" not in enriched["poison-rtl"]["body"] and "\u202c" not in enriched["poison-rtl"]["body"]


def test_an_article_over_the_time_budget_is_dead_lettered_and_the_partition_goes_on(broker: str, tmp_path: Path) -> None:
    # One partition: the good article waits behind the slow one unless the budget frees it.
    env = isolated_env(broker, tmp_path, partitions=1, SITREP_ANALYZE_PROCESSES="1", SITREP_ANALYZE_BUDGET_SECONDS="0.5")
    run_sitrep(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    slow = " ".join(f"{n % 90 + 2} people were killed in Aleppo on Monday." for n in range(23_000))
    value = _article("poison-slow", slow)
    try:
        _produce(broker, topic(env, "raw"), [(b"poison-slow", value), (b"good", _article("good", GOOD[0]))])
        out = consume(broker, [topic(env, "deadletter"), topic(env, "enriched")], until=2, timeout=120)
        assert worker.proc is not None and worker.proc.poll() is None, "the worker exited"
    finally:
        worker.stop()
    (letter,) = out[topic(env, "deadletter")]
    assert (letter["reason"], letter["stage"]) == ("too_costly", "analyze")
    _check_letter(letter, value)
    assert [record["id"] for record in out[topic(env, "enriched")]] == ["good"]
