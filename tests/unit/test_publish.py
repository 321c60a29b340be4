"""The one send path: every record bounded, dead letters counted only once delivered."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import orjson
import pytest

from sitrep.errors import Failure
from sitrep.models import RawArticle
from sitrep.pipeline import Pipeline
from sitrep.stream import metrics, publish
from sitrep.stream.publish import Origin, Publisher

BODY = "Eight civilians were killed when shells hit a market in Douma on Monday, the civil defence said. " * 20


def _outcome():
    return Pipeline().run(RawArticle(id="a", title="Douma", body=BODY), 1)


def _count(counter, reason: str, stage: str) -> float:
    return metrics.child(counter, reason, stage)._value.get()


def test_a_record_over_the_bound_becomes_a_bounded_dead_letter() -> None:
    outcome = _outcome()
    sent: list[tuple[str, bytes | None, bytes]] = []
    publisher = Publisher(lambda role, key, value: sent.append((role, key, value)), max_record_bytes=len(outcome.record) - 1, max_original_bytes=100)
    before = _count(metrics.DEAD_LETTERS, "output_too_large", "corroborate")
    publisher.outcome(outcome, None, "corroborate", Origin("t.events", 2, 7, b"route"))
    assert [role for role, _, _ in sent] == ["deadletter"]  # nor its claims: the article goes whole to the dead letters
    letter = orjson.loads(sent[0][2])
    assert (letter["reason"], letter["origin_partition"], letter["origin_offset"], sent[0][1]) == ("output_too_large", 2, 7, b"route")
    assert base64.b64decode(letter["original"]) == outcome.record[:100] and letter["original_truncated"]
    assert (letter["original_bytes"], letter["original_sha256"]) == (len(outcome.record), hashlib.sha256(outcome.record).hexdigest())
    assert _count(metrics.DEAD_LETTERS, "output_too_large", "corroborate") == before + 1


def test_records_within_the_bound_go_out() -> None:
    outcome = _outcome()  # its key, the id "a", is one byte
    sent: list[str] = []
    Publisher(lambda role, key, value: sent.append(role), max_record_bytes=len(outcome.record) + 1).outcome(outcome, None, "corroborate")
    assert sent == ["enriched"] + ["casualties"] * len(outcome.claims) and outcome.claims


def test_a_refused_dead_letter_is_retried_smaller_then_counted_as_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish, "RETRY_SECONDS", 0.001)
    originals: list[int] = []

    async def run(accept_at: int | None) -> None:
        loop = asyncio.get_running_loop()

        def send(role: str, key: bytes | None, value: bytes) -> asyncio.Future:
            future = loop.create_future()
            originals.append(len(base64.b64decode(orjson.loads(value)["original"])))
            if accept_at is not None and len(originals) > accept_at:
                future.set_result(None)
            else:
                future.set_exception(RuntimeError("MessageSizeTooLargeError"))
            return future

        Publisher(send).reject(b"x" * 1000, Failure("decode", "binary", "binary data"), topic="raw")
        await asyncio.sleep(0.2)

    sent, dropped = _count(metrics.DEAD_LETTERS, "binary", "decode"), _count(metrics.DEAD_LETTERS_DROPPED, "binary", "decode")
    asyncio.run(run(None))
    assert originals == [1000, 500, 250, 0]  # half as much each time, none the last
    assert _count(metrics.DEAD_LETTERS, "binary", "decode") == sent
    assert _count(metrics.DEAD_LETTERS_DROPPED, "binary", "decode") == dropped + 1
    originals.clear()
    asyncio.run(run(1))  # refused once, then delivered: counted as sent, not dropped
    assert originals == [1000, 500]
    assert _count(metrics.DEAD_LETTERS, "binary", "decode") == sent + 1
    assert _count(metrics.DEAD_LETTERS_DROPPED, "binary", "decode") == dropped + 1
