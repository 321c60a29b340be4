"""A broker restart logs one line when the connection is lost and one when it is back."""

from __future__ import annotations

import logging

import pytest

from sitrep.stream.reconnect import MAX_BACKOFF_SECONDS, QUIET_SECONDS, Backoff, ConnectionLog


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_state_change(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    connection = ConnectionLog(clock)
    client = logging.getLogger("test.aiokafka.client")
    client.addFilter(connection)
    with caplog.at_level(logging.INFO):
        for _ in range(5_000):
            clock.now += 0.001
            client.error("Unable connect to node with id %s: [Errno 111] Connect call failed", 1)
            connection.tick()
        client.error("Offset commit failed for an unrelated reason")  # not a connection error: logged
        clock.now += QUIET_SECONDS + 1
        connection.tick()
        connection.tick()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3, messages
    assert messages[0].startswith("Kafka connection lost (Unable connect to node with id 1")
    assert messages[1] == "Offset commit failed for an unrelated reason"
    assert messages[2].startswith("Kafka connection back after") and "4999 connection errors not logged" in messages[2]
    client.removeFilter(connection)


def test_trouble_is_remembered_for_the_asked_seconds_after_its_last_error() -> None:
    clock = Clock()
    connection = ConnectionLog(clock)
    client = logging.getLogger("test.aiokafka.trouble")
    client.addFilter(connection)
    assert not connection.troubled_within(30)  # never failed
    client.error("Unable connect to node with id %s: [Errno 111] Connect call failed", 1)
    clock.now += 40  # failing all along, though no error came for a while
    assert connection.troubled_within(30)
    clock.now += QUIET_SECONDS + 1
    connection.tick()  # back
    assert connection.troubled_within(50) and not connection.troubled_within(30)
    client.removeFilter(connection)


class Retrier:
    """Stands for an aiokafka class: it sets its wait in __init__ and reads it before each retry."""

    def __init__(self) -> None:
        self._retry_backoff = 0.1


def test_retries_back_off_with_jitter_while_the_connection_is_lost_only() -> None:
    connection = ConnectionLog(Clock())
    Retrier._retry_backoff = Backoff(connection)  # type: ignore[assignment]
    Retrier._retry_backoff.__set_name__(Retrier, "_retry_backoff")  # type: ignore[attr-defined]
    try:
        a, b = Retrier(), Retrier()
        assert [a._retry_backoff for _ in range(3)] == [0.1] * 3  # connected: the configured wait
        connection.since = 100.0  # lost
        waits = [a._retry_backoff for _ in range(8)]
        for n, wait in enumerate(waits):
            full = min(MAX_BACKOFF_SECONDS, 0.1 * 2**n)
            assert full / 2 <= wait <= full
        assert waits[-1] >= MAX_BACKOFF_SECONDS / 2 and b._retry_backoff <= 0.1  # each object backs off on its own
        assert len({round(w, 6) for w in (a._retry_backoff for _ in range(5))}) > 1  # jitter: not in step
        connection.since = None  # back
        assert a._retry_backoff == 0.1
    finally:
        del Retrier._retry_backoff
