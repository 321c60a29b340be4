"""The order of Faust's commit that the gather step's crash safety rests on (``worker.BeforeCommit``).

Incomplete articles are written to the pending table from ``on_commit_initiated``. That is
safe only while Faust calls the sensors before it chooses the offsets to commit, and
flushes the producer (the table's changelog writes among what it sends) before it
commits them. These tests run Faust's own commit methods on stand-ins and fail if an
upgrade changes that order.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from faust.transport.consumer import Consumer

from sitrep.stream.app import BeforeCommit


class StandIn:
    """What ``Consumer.force_commit`` and ``_commit_offsets`` touch, recording the order of the steps."""

    def __init__(self) -> None:
        self.steps: list[str] = []
        sensor = BeforeCommit(lambda: self.steps.append("sensor writes the unfinished articles"))
        self.app = SimpleNamespace(
            sensors=SimpleNamespace(on_commit_initiated=sensor.on_commit_initiated, on_commit_completed=lambda *_: None),
            producer=SimpleNamespace(flush=self._flush),
            tables=SimpleNamespace(on_commit=lambda offsets: None),
            monitor=SimpleNamespace(on_tp_commit=lambda offsets: None),
        )
        self.diag = SimpleNamespace(set_flag=lambda flag: None, unset_flag=lambda flag: None)
        self.log = SimpleNamespace(dev=lambda *a, **k: None, info=lambda *a, **k: None)
        self.in_transaction = False
        self._committed_offset: dict[Any, int] = {}

    def _filter_tps_with_pending_acks(self, topics: Any) -> list[str]:
        self.steps.append("offsets chosen")
        return ["tp"]

    async def _commit_tps(self, tps: list[str], start_new_transaction: bool) -> bool:
        return await Consumer._commit_offsets(self, {"tp": 10})  # type: ignore[arg-type]

    def assignment(self) -> set[str]:
        return {"tp"}

    async def _flush(self) -> None:
        self.steps.append("producer flushed")

    async def _commit(self, offsets: Any) -> bool:
        self.steps.append("offsets committed")
        return True


def test_the_sensor_runs_before_the_offsets_are_chosen_and_the_flush_before_the_commit() -> None:
    consumer = StandIn()
    asyncio.run(Consumer.force_commit(consumer))  # type: ignore[arg-type]
    assert consumer.steps == ["sensor writes the unfinished articles", "offsets chosen", "producer flushed", "offsets committed"]
