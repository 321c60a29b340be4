"""Issue 8 on the real broker: every kind of bad message is dead-lettered and the worker goes on."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest

from tests.integration.kafka_helpers import Worker, consume, isolated_env, produce, run_sitrep, topic

pytestmark = pytest.mark.integration

# Distinct reports (similar ones would rightly be linked as copies of each other).
GOOD = [
    "Eight civilians were killed when shells hit a market in Douma on Monday, the civil defence said.",
    "A car bomb exploded near a checkpoint in Azaz, wounding 14 people, Turkish media reported.",
    "Russian jets struck the town of Saraqib overnight; the Observatory said five fighters died.",
    "Government forces retook two villages east of Hama after a week of fighting, state media said.",
    "The SDF said it had cleared mines from the road between Raqqa and Tabqa on Thursday.",
    "An IED hit a bus carrying workers near Palmyra, killing three, according to SANA.",
    "Rebels shelled the Hamdaniyeh district of Aleppo; a police source reported two dead.",
    "Coalition aircraft destroyed an Islamic State boat on the Euphrates near Mayadin.",
    "Turkish artillery hit YPG positions near Tal Rifaat, the Kurdish Hawar agency said.",
    "Floods closed the road between Qamishli and Hasakah after two days of heavy rain.",
]
BAD = {
    "invalid_json": b'{"id": "a", "body": ',
    "invalid_record": orjson.dumps({"id": "b", "body": "text", "title": ["not", "a", "string"]}),
    "missing_body": orjson.dumps({"id": "c", "title": "no body"}),
    "empty_body": orjson.dumps({"id": "d", "body": "   "}),
    "body_too_large": orjson.dumps({"id": "e", "body": "war " * 3000}),
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    "not_utf8": '{"id": "f", "body": "café"}'.encode("latin-1"),
    "too_deeply_nested": b'{"id": "g", "body": "x", "extra": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "unknown_schema_version": orjson.dumps({"schema_version": 99, "id": "h", "body": "text"}),
    # A page of chrome only: nothing is left to analyse once it is cleaned.
    "no_content": orjson.dumps({"id": "i", "content_type": "text/html",
                                "body": "<html><body><nav><a>Home</a> <a>News</a></nav><footer>About us</footer></body></html>"}),
}


def test_each_kind_of_bad_message_is_dead_lettered_with_reason_and_origin(broker: str, tmp_path: Path) -> None:
    env = isolated_env(broker, tmp_path, SITREP_THRESHOLDS__MAX_BODY_BYTES="5000")
    run_sitrep(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        messages = []
        for n, (reason, payload) in enumerate(BAD.items()):
            messages.append((reason.encode(), payload))
            good = orjson.dumps({"id": f"good-{n}", "title": f"Report {n}", "body": GOOD[n]})
            messages.append((f"good-{n}".encode(), good))
        # A repeated id is not an error: the second one is a duplicate of the first.
        messages.append((b"good-0", orjson.dumps({"id": "good-0", "title": "Report 0", "body": GOOD[0]})))
        produce(broker, topic(env, "raw"), messages)

        out = consume(broker, [topic(env, "deadletter"), topic(env, "enriched"), topic(env, "duplicates")], until=2 * len(BAD) + 1, timeout=90)
    finally:
        worker.stop()
    letters = {letter["reason"]: letter for letter in out[topic(env, "deadletter")]}
    assert set(letters) == set(BAD)
    for reason, letter in letters.items():
        assert letter["origin_topic"] == topic(env, "raw")
        assert letter["origin_partition"] is not None and letter["origin_offset"] is not None
        assert base64.b64decode(letter["original"]) == BAD[reason], reason
        assert letter["detail"]
    assert sorted(r["id"] for r in out[topic(env, "enriched")]) == sorted(f"good-{n}" for n in range(len(BAD)))
    (repeat,) = out[topic(env, "duplicates")]
    assert (repeat["id"], repeat["duplicate_of"], repeat["kind"]) == ("good-0", "good-0", "exact")


def test_an_article_at_the_body_cap_is_enriched_and_the_worker_goes_on(broker: str, tmp_path: Path) -> None:
    # Its enriched record (body, removed chrome, entities) is over a megabyte: more than a
    # Kafka client sends by default, which once crashed the worker's producer.
    env = isolated_env(broker, tmp_path)
    run_sitrep(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        paragraphs = [f"Report {n}: {GOOD[n % len(GOOD)]}" for n in range(9_000)]
        body = "\n\n".join(paragraphs)[:990_000]
        messages = [(b"huge", orjson.dumps({"id": "huge", "title": "Many reports", "body": body})),
                    (b"after", orjson.dumps({"id": "after", "title": "After", "body": GOOD[1]}))]
        produce(broker, topic(env, "raw"), messages)
        out = consume(broker, [topic(env, "enriched"), topic(env, "duplicates"), topic(env, "deadletter")], until=2, timeout=120)
    finally:
        worker.stop()
    enriched = {r["id"]: r for r in out[topic(env, "enriched")]}
    assert set(enriched) == {"huge", "after"} and not out[topic(env, "deadletter")]
    assert len(orjson.dumps(enriched["huge"])) > 1_048_576
