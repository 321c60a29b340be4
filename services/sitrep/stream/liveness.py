"""Whether the worker can reach Kafka, and how long ago its consumer last heard from it.

An outage must show on /metrics even when every Kafka call of the worker is stuck waiting
for the broker, so neither gauge depends on a Kafka client call that can block:

- ``sitrep_broker_up`` (1 or 0) comes from a daemon thread that sends each bootstrap server
  an ApiVersions request over its own socket (TLS when the settings say so) every
  ``interval`` seconds, with a timeout. The event loop is not involved, and a probe that
  itself hangs past three rounds reads as 0 at scrape time.
- ``sitrep_last_poll_age_seconds`` is computed at scrape time from the newest fetch
  response the consumer got for any assigned partition (aiokafka keeps that time per
  partition; reading it is a memory read, done by the worker's 5 s timer). If the timer
  stops (a blocked event loop), the age keeps growing, as it should.

No labels: one series each per worker, told apart by Prometheus's instance label.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sitrep.stream.faust_compat import aiokafka_consumer

PROBE_SECONDS = 5.0  # between probes
PROBE_TIMEOUT = 3.0  # connect + answer, per server
_API_VERSIONS = 18


def api_versions_request(correlation_id: int, client_id: bytes = b"sitrep-probe") -> bytes:
    """A Kafka ApiVersions v0 request frame (brokers answer it before any SASL login)."""
    body = struct.pack(">hhih", _API_VERSIONS, 0, correlation_id, len(client_id)) + client_id
    return struct.pack(">i", len(body)) + body


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed by the broker")
        data += chunk
    return data


def probe(host: str, port: int, *, timeout: float = PROBE_TIMEOUT, context: ssl.SSLContext | None = None) -> bool:
    """True when a Kafka broker at host:port answers ApiVersions without error within ``timeout``."""
    correlation_id = int(time.monotonic() * 1000) & 0x7FFFFFFF
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            sock: socket.socket = context.wrap_socket(raw, server_hostname=host) if context is not None else raw
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            sock.sendall(api_versions_request(correlation_id))
            (size,) = struct.unpack(">i", _read_exactly(sock, 4))
            if size < 6:
                return False
            answered, error = struct.unpack(">ih", _read_exactly(sock, 6))
            return answered == correlation_id and error == 0
    except (OSError, ssl.SSLError, struct.error, ValueError):
        return False


def servers(bootstrap: str) -> list[tuple[str, int]]:
    found = []
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        found.append((host.strip("[]"), int(port)))
    return found


class BrokerProbe(Collector):
    """``sitrep_broker_up``: the last probe round found a broker that answers."""

    def __init__(self) -> None:
        self.up: float | None = None
        self.finished = 0.0  # monotonic time of the last finished round
        self.interval = PROBE_SECONDS
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def round(self, targets: list[tuple[str, int]], context: ssl.SSLContext | None, timeout: float) -> None:
        self.up = 1.0 if any(probe(host, port, timeout=timeout, context=context) for host, port in targets) else 0.0
        self.finished = time.monotonic()

    def start(self, bootstrap: str, context: ssl.SSLContext | None = None, *, interval: float = PROBE_SECONDS, timeout: float = PROBE_TIMEOUT) -> None:
        targets = servers(bootstrap)
        self.interval = interval

        def run() -> None:
            while not self._stop.is_set():
                self.round(targets, context, timeout)
                self._stop.wait(interval)

        self._stop.clear()
        self._thread = threading.Thread(target=run, name="sitrep-broker-probe", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        if self.up is not None:
            # A round can take len(servers) * timeout; a probe silent for far longer is stuck.
            stale = time.monotonic() - self.finished > 3 * self.interval + PROBE_TIMEOUT * 4
            family.add_metric([], 0.0 if stale else self.up)
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "sitrep_broker_up", "1 when a bootstrap server answered this worker's last Kafka ApiVersions probe (every 5 s, 3 s timeout), else 0"
        )


class PollAge(Collector):
    """``sitrep_last_poll_age_seconds``: seconds since the consumer's newest fetch response."""

    def __init__(self) -> None:
        self.last_poll: float | None = None  # wall-clock seconds of the newest fetch response
        self.since: float | None = None  # when partitions were first seen assigned without any poll
        self.assigned = False

    def sample(self, consumer: Any, now: float | None = None) -> None:
        """Read the per-partition fetch times aiokafka keeps (memory only, never the network)."""
        now = time.time() if now is None else now
        try:
            client = aiokafka_consumer(consumer)
            assigned = list(client.assignment())
            stamps = [client.last_poll_timestamp(tp) for tp in assigned]
        except Exception:  # not started yet, or mid-rebalance: next round
            return
        self.note(len(assigned) > 0, [s / 1000 for s in stamps if s], now)

    def note(self, assigned: bool, polls: list[float], now: float) -> None:
        self.assigned = assigned
        if not assigned:
            self.since = None
            return
        if polls:
            self.last_poll = max(max(polls), self.last_poll or 0.0)
        elif self.since is None:
            self.since = now

    def age(self, now: float | None = None) -> float | None:
        if not self.assigned:
            return None
        now = time.time() if now is None else now
        start = self.last_poll if self.last_poll is not None else self.since
        return None if start is None else max(0.0, now - start)

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        age = self.age()
        if age is not None:
            family.add_metric([], age)
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "sitrep_last_poll_age_seconds",
            "Seconds since this worker's consumer last got a fetch response from the broker for any assigned partition (absent while nothing is assigned)",
        )


BROKER = BrokerProbe()
POLL = PollAge()
REGISTRY.register(BROKER)
REGISTRY.register(POLL)
