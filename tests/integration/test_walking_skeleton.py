"""Issue 2 on the real broker: replay -> worker -> output topics, dead letters, offline parity."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import orjson
import pytest

from tests.integration.kafka_helpers import ROOT, Worker, consume, isolated_env, produce, run_sitrep, topic

SEED_TEXTS = sorted((ROOT / "seeds").glob("*.txt"))
SCHEMAS = {p.name.removesuffix(".schema.json"): json.loads(p.read_text()) for p in (ROOT / "schemas").glob("*.schema.json")}

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(broker: str, tmp_path: Path):
    env = isolated_env(broker, tmp_path)
    run_sitrep(env, "topics", "create")
    w = Worker(env, tmp_path / "worker.log").start()
    yield w
    w.stop()


def validate(record: dict, schema_name: str) -> None:
    jsonschema.validate(record, SCHEMAS[schema_name])


def test_five_seeds_come_back_as_five_valid_records(broker: str, worker: Worker) -> None:
    env = worker.env
    result = run_sitrep(env, "replay", "--no-progress", *map(str, SEED_TEXTS))
    assert "sent 5, failed 0" in result.stdout

    out = consume(broker, [topic(env, "enriched"), topic(env, "duplicates")], until=5)
    enriched, duplicates = out[topic(env, "enriched")], out[topic(env, "duplicates")]
    assert len(enriched) + len(duplicates) == 5
    ids = {r["id"] for r in enriched} | {r["id"] for r in duplicates}
    assert len(ids) == 5
    for record in enriched:
        validate(record, "articles.enriched")
        assert record["body"] and record["dedup"]["status"] == "unique"
    for record in duplicates:
        validate(record, "articles.duplicates")


def test_malformed_message_is_dead_lettered_and_the_next_is_processed(broker: str, worker: Worker) -> None:
    env = worker.env
    good = orjson.dumps({"id": "good-after-bad", "title": "Shelling in Aleppo", "body": "Eight people were killed in Aleppo on Tuesday."})
    produce(broker, topic(env, "raw"), [(b"bad-1", b"{not json"), (b"bad-2", b'{"id": "x", "title": "no body"}'), (b"good-after-bad", good)])

    out = consume(broker, [topic(env, "deadletter"), topic(env, "enriched")], until=3)
    letters = sorted(out[topic(env, "deadletter")], key=lambda r: r["origin_offset"])
    assert [letter["reason"] for letter in letters] == ["invalid_json", "missing_body"]
    for letter in letters:
        validate(letter, "articles.deadletter")
        assert letter["origin_topic"] == topic(env, "raw")
        assert letter["origin_partition"] is not None and letter["origin_offset"] is not None
    import base64

    assert base64.b64decode(letters[0]["original"]) == b"{not json"
    assert [r["id"] for r in out[topic(env, "enriched")]] == ["good-after-bad"]


def _comparable(record: dict) -> dict:
    """A record without the fields that legitimately differ between runs."""
    return {k: v for k, v in record.items() if k not in ("processed_at", "replayed_at")}


def test_process_gives_the_same_records_as_the_kafka_path(broker: str, worker: Worker, tmp_path: Path) -> None:
    env = worker.env
    # Sequential replay (each article through before the next), the case in which the
    # stream and the batch must agree; a consumer applies credibility.updates to get the
    # final scores that `process` writes.
    run_sitrep(env, "replay", "--no-progress", "--rate", "3", str(ROOT / "seeds"))
    offline = tmp_path / "offline.jsonl"
    run_sitrep(env, "process", "--no-progress", str(ROOT / "seeds"), "-o", str(offline))
    expected = [orjson.loads(line) for line in offline.read_bytes().splitlines()]

    out = consume(broker, [topic(env, "enriched"), topic(env, "duplicates"), topic(env, "credibility")], until=len(expected))
    by_id = {r["id"]: r for r in out[topic(env, "enriched")]}
    for update in out[topic(env, "credibility")]:
        if update["article_id"] in by_id:
            final = {"score": update["new_score"], "band": update["new_band"], "signals": update["signals"]}
            by_id[update["article_id"]]["credibility"] = final
    links = {r["id"]: r for r in out[topic(env, "duplicates")]}
    assert set(by_id) | set(links) == {r["id"] for r in expected}
    for record in expected:
        if record["dedup"]["status"] == "unique":
            assert _comparable(by_id[record["id"]]) == _comparable(record)
        else:
            link = links[record["id"]]
            assert (link["duplicate_of"], link["similarity"]) == (record["dedup"]["duplicate_of"], record["dedup"]["similarity"])


def test_each_casualty_claim_has_its_own_key(broker: str, worker: Worker, tmp_path: Path) -> None:
    """claims.casualties is keyed article_id:claim_index: a compacted topic keeps every claim."""
    from kafka import KafkaConsumer

    env = worker.env
    out = tmp_path / "offline.jsonl"
    run_sitrep(env, "process", str(ROOT / "seeds"), "-o", str(out), "--no-progress")
    offline = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    expected = {f"{r['id']}:{i}" for r in offline if r["dedup"]["status"] == "unique" for i in range(len(r["casualties"]))}
    assert any(sum(1 for k in expected if k.startswith(r["id"] + ":")) > 1 for r in offline), "the seeds have articles with several claims"
    run_sitrep(env, "replay", "--no-progress", str(ROOT / "seeds"))
    consume(broker, [topic(env, "casualties")], until=len(expected))

    consumer = KafkaConsumer(topic(env, "casualties"), bootstrap_servers=broker, auto_offset_reset="earliest", group_id=None, consumer_timeout_ms=3000)
    keyed = {}
    for message in consumer:
        record = orjson.loads(message.value)
        validate(record, "claims.casualties")
        key = message.key.decode()
        assert key == f"{record['article_id']}:{record['claim_index']}"
        keyed.setdefault(key, record)
    consumer.close()
    assert set(keyed) == expected
