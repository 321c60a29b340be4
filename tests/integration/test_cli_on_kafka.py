"""CLI habits on the real broker: tail never creates a topic, --json keeps Kafka's
coordinates, --where finds names by alias, Ctrl-C on replay keeps the summary, and the
worker's JSON-lines logs carry its id."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import orjson
import pytest
from kafka import KafkaAdminClient

from tests.integration.kafka_helpers import ROOT, SITREP, Worker, articles_on, end_offsets, isolated_env, produce, run_sitrep, topic

pytestmark = pytest.mark.integration


def sitrep(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([SITREP, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def broker_topics(broker: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=broker)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def test_tailing_a_misspelt_topic_is_an_error_and_creates_nothing(broker: str, tmp_path: Path) -> None:
    env = isolated_env(broker, tmp_path)
    run_sitrep(env, "topics", "create")
    typo = topic(env, "enriched").replace("enriched", "enrichd")
    result = sitrep(env, "tail", typo, "--idle", "2")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"sitrep tail: no topic '{typo}' at {broker} (tail never creates one): did you mean {topic(env, 'enriched')}?"), line
    assert f"enriched ({topic(env, 'enriched')})" in line
    assert typo not in broker_topics(broker)


def test_tail_json_keeps_key_partition_offset_and_where_finds_aliases(broker: str, tmp_path: Path) -> None:
    env = isolated_env(broker, tmp_path)
    run_sitrep(env, "topics", "create")
    # Records as the worker writes them: the offline pipeline's, keyed by article id.
    out = tmp_path / "enriched.jsonl"
    run_sitrep(env, "process", str(ROOT / "seeds"), "-o", str(out), "--no-progress")
    records = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    produce(broker, topic(env, "enriched"), [(r["id"].encode(), orjson.dumps(r)) for r in records])

    tailed = run_sitrep(env, "tail", "enriched", "--from-beginning", "--json", "--idle", "5", "--where", "entities.name=raqqa")
    lines = [orjson.loads(line) for line in tailed.stdout.splitlines()]
    raqqa = [r for r in records if any(e["name"] == "Ar Raqqah" for e in r["entities"])]
    assert raqqa and sorted(line["value"]["id"] for line in lines) == sorted(r["id"] for r in raqqa)
    for line in lines:
        assert set(line) == {"topic", "partition", "offset", "timestamp", "key", "value"}
        assert line["topic"] == topic(env, "enriched") and line["key"] == line["value"]["id"]
        assert 0 <= line["partition"] < 4 and line["offset"] >= 0 and line["timestamp"] > 0

    bad = sitrep(env, "tail", "enriched", "--from-beginning", "--idle", "2", "--where", "entity.name=Raqqa")
    assert bad.returncode == 2
    [line] = bad.stderr.strip().splitlines()
    assert "unknown --where field 'entity.name'" in line and "did you mean entities.name?" in line


def test_ctrl_c_on_replay_still_prints_the_summary(broker: str, tmp_path: Path) -> None:
    env = isolated_env(broker, tmp_path)
    run_sitrep(env, "topics", "create")
    # A runner started in the background (nohup, `cmd &` in a script) ignores SIGINT, and the
    # child would inherit that: give replay the default a terminal user has.
    replay = subprocess.Popen([SITREP, "replay", "--no-progress", "--loop", "--rate", "20", str(ROOT / "seeds")], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # Interrupt once it is sending: a fixed sleep raced the start-up on a busy host.
    deadline = time.monotonic() + 60
    while sum(end_offsets(broker, topic(env, "raw")).values()) == 0:
        assert replay.poll() is None and time.monotonic() < deadline, "replay sent nothing"
        time.sleep(0.5)
    replay.send_signal(signal.SIGINT)
    stdout, stderr = replay.communicate(timeout=60)
    assert replay.returncode == 130, stderr
    assert "Traceback" not in stderr
    [line] = stdout.strip().splitlines()
    assert line.startswith("interrupted: sent "), line
    sent = int(line.split("sent ")[1].split(",")[0])
    assert sent > 0 and ", failed 0," in line
    # What the summary says was sent is on the topic (beside the order marks).
    assert articles_on(broker, topic(env, "raw")) == sent


def test_the_worker_logs_json_lines_with_its_id(broker: str, tmp_path: Path) -> None:
    env = isolated_env(broker, tmp_path, SITREP_LOG_FORMAT="json")
    run_sitrep(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        produce(broker, topic(env, "raw"), [(b"bad", b"{not json")])
        time.sleep(3)
    finally:
        worker.stop()
    lines = [line for line in worker.log.read_text(errors="replace").splitlines() if line.strip()]
    events = [orjson.loads(line) for line in lines]  # every line is one JSON object
    assert len({e["worker_id"] for e in events}) == 1
    assert next(iter(events))["worker_id"].endswith(f":{worker.proc.pid}")
    assert all(e["app_id"] == env["SITREP_APP_ID"] and e["level"] in ("debug", "info", "warning", "error", "critical") for e in events)
    assert any("Ready" in e["message"] for e in events)
