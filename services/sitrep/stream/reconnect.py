"""One log line per change of the broker connection's state, not one per retry.

While a broker restarts, the Kafka client (aiokafka under Faust) logs an error on every
attempt of every connection, metadata refresh, fetch and coordinator lookup: thousands of
lines in a few seconds, which bury everything else and fill disks. ``ConnectionLog`` is a
logging filter on the client's loggers: the first such error is logged as "connection
lost", the rest are counted, not logged; ``tick`` (called every few seconds by the worker's
timer) logs "connection back" once none has come for ``QUIET_SECONDS``, and a reminder
every ``REMIND_SECONDS`` while the trouble lasts.

While it lasts, the client's retries also back off: aiokafka waits a fixed
``retry_backoff_ms`` (100 ms) between attempts and Faust passes no other, so ``Backoff``
replaces that attribute on the client's classes with one that doubles with each retry of
one client object, up to ``MAX_BACKOFF_SECONDS``, with jitter (so the worker's many loops do
not retry in step), and is the configured wait again once the connection is back.
"""

from __future__ import annotations

import logging
import random
import re
import time
from typing import Any

QUIET_SECONDS = 5.0
REMIND_SECONDS = 60.0
# Below QUIET_SECONDS, so a failing loop still logs within the quiet period and the outage
# is not declared over while it lasts; short, so a worker resumes soon after the broker.
MAX_BACKOFF_SECONDS = 2.0
# What aiokafka logs when a broker cannot be reached or is not ready yet.
_TROUBLE = re.compile(
    r"Unable connect to node|Unable to update metadata|NodeNotReadyError|not found in cluster metadata|"
    r"Marking the coordinator dead|Connect call failed|Connection.*(?:refused|reset|closed)|KafkaConnectionError|"
    r"Coordinator.*(?:not available|dead)|CoordinatorNotAvailable|unknown topic or partition|RequestTimedOutError"
)

log = logging.getLogger("sitrep.kafka")


class ConnectionLog(logging.Filter):
    """Let the first connection error through, count the rest, report when it is over."""

    def __init__(self, clock: object = time.monotonic) -> None:
        super().__init__()
        self.clock = clock
        self.since: float | None = None  # when the trouble began; None: connected
        self.last = float("-inf")  # the latest connection error
        self.reminded = 0.0
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not _TROUBLE.search(record.getMessage()):
            return True
        now = self.clock()  # type: ignore[operator]
        self.last = now
        if self.since is None:
            self.since, self.reminded, self.suppressed = now, now, 0
            record.msg, record.args = "Kafka connection lost (%s); retrying; further connection errors are counted, not logged", (record.getMessage(),)
            return True
        self.suppressed += 1
        return False

    def troubled_within(self, seconds: float) -> bool:
        """Whether the connection is failing, or failed less than ``seconds`` ago."""
        return self.since is not None or self.clock() - self.last < seconds  # type: ignore[operator]

    def tick(self) -> None:
        """Log the end of the trouble (no error for QUIET_SECONDS), or a reminder while it lasts."""
        if self.since is None:
            return
        now = self.clock()  # type: ignore[operator]
        if now - self.last >= QUIET_SECONDS:
            log.warning("Kafka connection back after %.1f s (%d connection errors not logged)", self.last - self.since, self.suppressed)
            self.since = None
        elif now - self.reminded >= REMIND_SECONDS:
            log.warning("Kafka connection still failing after %.0f s (%d connection errors not logged)", now - self.since, self.suppressed)
            self.reminded = now


class Backoff:
    """A retry wait attribute of a client class (``_retry_backoff`` in seconds, or
    ``_retry_backoff_ms``): what the client set while ``connection`` is fine; while it is
    lost, the n-th read by one object is ``min(MAX, set * 2**n)``, of which a random half is
    waived (equal jitter)."""

    def __init__(self, connection: ConnectionLog, unit: float = 1.0) -> None:
        self.connection, self.unit = connection, unit  # unit: 1 for seconds, 1000 for milliseconds

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        state = obj.__dict__.setdefault("_sitrep_backoff", {})
        base = state.get(self.name, 0.1 * self.unit)
        if self.connection.since is None:
            state[self.name, "n"] = 0
            return base
        n = state.get((self.name, "n"), 0)
        state[self.name, "n"] = n + 1
        wait = min(MAX_BACKOFF_SECONDS * self.unit, base * 2 ** min(n, 30))
        return wait / 2 + random.uniform(0, wait / 2)

    def __set__(self, obj: Any, value: float) -> None:
        obj.__dict__.setdefault("_sitrep_backoff", {})[self.name] = value


def install() -> ConnectionLog:
    """Put one ``ConnectionLog`` on every aiokafka logger (a filter on a logger does not
    apply to its children's records, so each module's logger gets it), and a ``Backoff`` on
    the retry wait of each aiokafka class that retries. Once per process: every app made
    in it (tests make several) shares the one ``ConnectionLog``."""
    global _installed
    if _installed is not None:
        return _installed
    import aiokafka  # noqa: F401 - its modules create their loggers on import
    import aiokafka.consumer.fetcher
    import aiokafka.consumer.group_coordinator
    import aiokafka.producer.sender

    connection = ConnectionLog()
    names = [name for name in logging.root.manager.loggerDict if name == "aiokafka" or name.startswith("aiokafka.")]
    for name in names:
        logging.getLogger(name).addFilter(connection)
    coordinator = aiokafka.consumer.group_coordinator
    waits = [(aiokafka.AIOKafkaClient, "_retry_backoff", 1.0), (aiokafka.consumer.fetcher.Fetcher, "_retry_backoff", 1.0),
             (aiokafka.producer.sender.Sender, "_retry_backoff", 1.0), (coordinator.BaseCoordinator, "_retry_backoff_ms", 1000.0),
             (coordinator.CoordinatorGroupRebalance, "_retry_backoff_ms", 1000.0)]
    for cls, name, unit in waits:
        if not isinstance(cls.__dict__.get(name), Backoff):
            backoff = Backoff(connection, unit)
            backoff.__set_name__(cls, name)
            setattr(cls, name, backoff)
    _installed = connection
    return connection


_installed: ConnectionLog | None = None
