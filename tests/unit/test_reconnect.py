"""A broker restart logs one line when the connection is lost and one when it is back."""

from __future__ import annotations

import logging

import pytest

from sitrep.stream.reconnect import QUIET_SECONDS, ConnectionLog


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
