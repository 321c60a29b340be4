"""CPU of Faust's sensor hooks per message, the stock Prometheus monitor against Sitrep's.

    .venv/bin/python ops/bench/bench_monitor.py [--messages N]

Faust calls these hooks for every message a worker reads (in, event in, event out, out)
and every message it sends (initiated, completed); a worker handles some twenty of each
an article. Prints microseconds of CPU for one message read and one sent.
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from faust.types import TP
from prometheus_client import CollectorRegistry

from sitrep.stream import metrics


class _Task:
    """The agent task owning a stream (the stock monitor keys a weak dict by it)."""


class _Stream:
    shortlabel = "Stream: Topic: bench.events"

    def __init__(self) -> None:
        self.task_owner = _Task()

    def __str__(self) -> str:
        return "Stream: Topic: bench.events"


def per_message(monitor: PrometheusMonitor, count: int) -> float:
    tp, stream = TP("bench.events", 2), _Stream()
    started = time.process_time()
    for offset in range(count):
        message = SimpleNamespace(time_in=None)
        monitor.on_message_in(tp, offset, message)
        state = monitor.on_stream_event_in(tp, offset, stream, None)
        monitor.on_stream_event_out(tp, offset, stream, None, state)
        monitor.on_message_out(tp, offset, message)
        monitor.on_send_completed(None, monitor.on_send_initiated(None, "bench.enriched", None, 10, 1000), None)
    return (time.process_time() - started) / count * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    args = parser.parse_args()
    stock = PrometheusMonitor(metrics=FaustMetrics.create(CollectorRegistry(), "stock"))
    lean = metrics.faust_monitor()
    for name, monitor in (("stock", stock), ("sitrep", lean), ("stock", stock), ("sitrep", lean)):
        print(f"{name:>6}: {per_message(monitor, args.messages):.1f} µs of CPU a message read and sent")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
