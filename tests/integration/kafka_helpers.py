"""Helpers for tests on the real broker: isolated topic names, a worker process, consumers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from sitrep.stream.hold import order_mark

ROOT = Path(__file__).resolve().parents[2]
SITREP = str(Path(sys.executable).with_name("sitrep"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(broker: str, tmp_path: Path, partitions: int = 4, **extra: str) -> dict[str, str]:
    """Environment for a sitrep process whose app id and topics no other test uses."""
    tag = f"t{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITREP_")}
    env.update(
        SITREP_BOOTSTRAP_SERVERS=broker,
        SITREP_APP_ID=tag,
        SITREP_PARTITIONS=str(partitions),
        SITREP_STATE_DIR=str(tmp_path / "state"),
        SITREP_METRICS_PORT=str(free_port()),
        **{f"SITREP_TOPICS__{role.upper()}": f"{tag}.{name}" for role, name in TOPICS.items()},
    )
    env.update(extra)
    return env


TOPICS = {
    "raw": "articles.raw",
    "enriched": "articles.enriched",
    "duplicates": "articles.duplicates",
    "casualties": "claims.casualties",
    "credibility": "credibility.updates",
    "deadletter": "articles.deadletter",
}


def topic(env: dict[str, str], role: str) -> str:
    return env[f"SITREP_TOPICS__{role.upper()}"]


class Worker:
    """A ``sitrep worker`` subprocess; ``start`` returns once Faust says it is ready. Every one
    started is killed after its test (``kill_left_over``), failed or not: one left running
    against a stopped broker keeps a core busy and slows the next tests."""

    started: list[Worker] = []

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen | None = None

    @classmethod
    def kill_left_over(cls) -> None:
        for worker in cls.started:
            worker.kill()
        cls.started.clear()

    def start(self, timeout: float = 90.0) -> Worker:
        offset = self.log.stat().st_size if self.log.exists() else 0
        handle = self.log.open("ab")
        self.proc = subprocess.Popen([SITREP, "worker"], env=self.env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
        Worker.started.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_bytes()[offset:].decode(errors="replace")
            if "[^Worker]: Ready" in text:
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited with {self.proc.returncode}:\n{text[-4000:]}")
            time.sleep(0.2)
        raise AssertionError(f"worker not ready after {timeout} s:\n{self.log.read_text(errors='replace')[-4000:]}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def run_sitrep(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([SITREP, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert result.returncode == 0, f"sitrep {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def produce(broker: str, topic_name: str, messages: Iterable[tuple[bytes | None, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=broker, acks="all")
    for key, value in messages:
        producer.send(topic_name, key=key, value=value)
    producer.flush()
    producer.close()


def consume(broker: str, topics: list[str], *, until: int, timeout: float = 60.0) -> dict[str, list[dict]]:
    """Records (decoded JSON) from ``topics`` until ``until`` have arrived or ``timeout`` passes.

    After the count is reached it keeps reading for a moment, so an extra record (a repeat,
    a record that should not exist) is seen rather than missed.
    """
    consumer = KafkaConsumer(bootstrap_servers=broker, auto_offset_reset="earliest", enable_auto_commit=False, group_id=None, isolation_level="read_committed")
    consumer.subscribe(topics)
    found: dict[str, list[dict]] = {t: [] for t in topics}
    deadline = time.monotonic() + timeout
    settle: float | None = None
    while time.monotonic() < deadline:
        for tp, records in consumer.poll(timeout_ms=500).items():
            for record in records:
                found[tp.topic].append(orjson.loads(record.value))
        if sum(len(v) for v in found.values()) >= until:
            settle = settle or time.monotonic() + 3.0
            if time.monotonic() >= settle:
                break
    consumer.close()
    return found


def end_offsets(broker: str, name: str) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=broker)
    try:
        parts = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name)]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(parts).items()}
    finally:
        consumer.close()


def articles_on(broker: str, name: str) -> int:
    """The records on a topic that are no order marks."""
    consumer = KafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False)
    try:
        parts = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end, count = consumer.end_offsets(parts), 0
        while any(consumer.position(tp) < end[tp] for tp in parts):
            for records in consumer.poll(timeout_ms=500).values():
                count += sum(order_mark(r.headers) is None for r in records)
        return count
    finally:
        consumer.close()
