"""Logging set-up for every command: the usual text lines, or JSON lines for log shippers.

``--log-format json`` (or ``SITREP_LOG_FORMAT=json``) writes one JSON object a line: time
(UTC, ISO 8601), level, logger, message, the process's ``worker_id`` (host and pid: what
tells two replicas of the worker apart) and the app id, and the traceback of an exception
as one string, so a multi-line traceback stays one event.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def worker_id() -> str:
    """``host:pid``: in a container the host name is the container's, so replicas differ."""
    return f"{socket.gethostname()}:{os.getpid()}"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def __init__(self, app_id: str) -> None:
        super().__init__()
        self.fixed = {"worker_id": worker_id(), "app_id": app_id}

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **self.fixed,
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            event["exception"] = record.exc_text
        if record.stack_info:
            event["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(event, default=str).decode()


def setup(log_format: str, app_id: str, level: int = logging.INFO) -> None:
    """Root logging to stderr in ``log_format`` (``text`` or ``json``); the Kafka clients
    narrate every connection at INFO, so only their warnings are kept."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(app_id) if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("kafka", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
