"""Broker connectivity and poll age: sampled so that a broker that is gone, or one that
accepts connections and never answers, cannot freeze the sampler.

The probe is checked here against sockets that refuse, hang or answer (a real Kafka broker
answers it in tests/integration/test_broker_outage.py)."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY, generate_latest

from sitrep.stream import liveness, metrics


@pytest.fixture
def server() -> Iterator[tuple[socket.socket, int]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    yield sock, sock.getsockname()[1]
    sock.close()


def answer_with(sock: socket.socket, reply: callable) -> None:
    """Accept one connection, read one request frame, send ``reply(correlation_id)``."""

    def run() -> None:
        conn, _ = sock.accept()
        with conn:
            (size,) = struct.unpack(">i", conn.recv(4))
            request = conn.recv(size)
            api_key, version, correlation_id = struct.unpack(">hhi", request[:8])
            assert (api_key, version) == (18, 0)
            data = reply(correlation_id)
            if data is not None:
                conn.sendall(data)
            else:
                conn.recv(16)  # hold the connection, say nothing

    threading.Thread(target=run, daemon=True).start()


def frame(correlation_id: int, error: int) -> bytes:
    body = struct.pack(">ih", correlation_id, error) + struct.pack(">i", 0)
    return struct.pack(">i", len(body)) + body


def test_the_request_is_an_api_versions_v0_frame() -> None:
    data = liveness.api_versions_request(7, b"x")
    (size,) = struct.unpack(">i", data[:4])
    assert size == len(data) - 4
    assert struct.unpack(">hhih", data[4:14]) == (18, 0, 7, 1) and data[14:] == b"x"


def test_a_broker_that_answers_is_up(server: tuple[socket.socket, int]) -> None:
    sock, port = server
    answer_with(sock, lambda cid: frame(cid, 0))
    assert liveness.probe("127.0.0.1", port, timeout=5)


@pytest.mark.parametrize("reply", [lambda cid: frame(cid, 35), lambda cid: frame(cid + 1, 0), lambda cid: b"\x00\x00", lambda cid: None])
def test_an_error_a_wrong_answer_or_silence_is_down(server: tuple[socket.socket, int], reply: callable) -> None:
    sock, port = server
    answer_with(sock, reply)
    assert not liveness.probe("127.0.0.1", port, timeout=0.5)


def test_nothing_listening_is_down() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert not liveness.probe("127.0.0.1", port, timeout=0.5)


def scraped(name: str) -> list[float]:
    text = generate_latest(REGISTRY).decode()
    return [float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ") or line.startswith(name + "{")]


def test_broker_up_is_absent_before_the_first_round_then_follows_the_probe(server: tuple[socket.socket, int]) -> None:
    probe = liveness.BrokerProbe()
    assert list(probe.collect())[0].samples == []
    sock, port = server
    answer_with(sock, lambda cid: frame(cid, 0))
    probe.round([("127.0.0.1", port)], None, timeout=5)
    assert [s.value for s in list(probe.collect())[0].samples] == [1.0]
    probe.round([("127.0.0.1", 1)], None, timeout=0.5)
    assert [s.value for s in list(probe.collect())[0].samples] == [0.0]


def test_a_probe_thread_that_stopped_reporting_reads_as_down() -> None:
    probe = liveness.BrokerProbe()
    probe.up, probe.finished, probe.interval = 1.0, 0.0, 5.0  # last round long ago
    assert [s.value for s in list(probe.collect())[0].samples] == [0.0]


def test_the_worker_registry_exports_both_gauges() -> None:
    liveness.POLL.note(True, [1000.0], now=1030.0)
    liveness.BROKER.up, liveness.BROKER.finished = 1.0, __import__("time").monotonic()
    assert scraped("sitrep_broker_up") == [1.0]
    assert len(scraped("sitrep_last_poll_age_seconds")) == 1


def test_poll_age_counts_from_the_newest_fetch_response() -> None:
    age = liveness.PollAge()
    age.note(False, [], now=100.0)
    assert age.age(now=100.0) is None  # nothing assigned: no series
    age.note(True, [], now=100.0)
    assert age.age(now=130.0) == 30.0  # assigned, never fetched: since it was assigned
    age.note(True, [120.0, 125.0], now=126.0)
    assert age.age(now=200.0) == 75.0
    age.note(True, [110.0], now=201.0)  # an older stamp (after a rebalance) does not go back
    assert age.age(now=201.0) == 76.0


class HangingConsumer:
    """Faust's consumer with a broker that never answers a network request."""

    def __init__(self) -> None:
        self.tp = type("TP", (), {"topic": "app.raw", "partition": 0, "__hash__": lambda s: 1, "__eq__": lambda s, o: True})()
        self._committed_offset = {}

    def assignment(self) -> set:
        return {self.tp}

    def highwater(self, tp: object) -> int:
        return 50

    async def earliest_offsets(self, *tps: object) -> dict:
        await asyncio.sleep(3600)
        return {}


def test_the_lag_sampler_gives_up_on_a_broker_that_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "OFFSETS_TIMEOUT", 0.2)
    metrics.OFFSETS.lag, metrics.OFFSETS.end = {("raw", 0): 7}, {}
    asyncio.run(asyncio.wait_for(metrics.sample_offsets(HangingConsumer(), {"app.raw": "raw"}), 10))
    assert metrics.OFFSETS.lag == {("raw", 0): 7}  # kept from the last round, not blocked


def test_the_lag_sampler_reads_end_offsets_from_memory() -> None:
    consumer = HangingConsumer()
    consumer._committed_offset = {consumer.tp: 20}
    asyncio.run(asyncio.wait_for(metrics.sample_offsets(consumer, {"app.raw": "raw"}), 10))
    assert metrics.OFFSETS.lag == {("raw", 0): 30} and metrics.OFFSETS.end == {("raw", 0): 50}
