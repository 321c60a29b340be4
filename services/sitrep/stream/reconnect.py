"""One log line per change of the broker connection's state, not one per retry.

While a broker restarts, the Kafka client (aiokafka under Faust) logs an error on every
attempt of every connection, metadata refresh, fetch and coordinator lookup: thousands of
lines in a few seconds, which bury everything else and fill disks. ``ConnectionLog`` is a
logging filter on the client's loggers: the first such error is logged as "connection
lost", the rest are counted, not logged; ``tick`` (called every few seconds by the worker's
timer) logs "connection back" once none has come for ``QUIET_SECONDS``, and a reminder
every ``REMIND_SECONDS`` while the trouble lasts.
"""

from __future__ import annotations

import logging
import re
import time

QUIET_SECONDS = 5.0
REMIND_SECONDS = 60.0
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
        self.last = 0.0  # the latest connection error
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


def install() -> ConnectionLog:
    """Put one ``ConnectionLog`` on every aiokafka logger (a filter on a logger does not
    apply to its children's records, so each module's logger gets it)."""
    import aiokafka  # noqa: F401 - its modules create their loggers on import
    import aiokafka.consumer.fetcher  # noqa: F401
    import aiokafka.consumer.group_coordinator  # noqa: F401

    connection = ConnectionLog()
    names = [name for name in logging.root.manager.loggerDict if name == "aiokafka" or name.startswith("aiokafka.")]
    for name in names:
        logging.getLogger(name).addFilter(connection)
    return connection
