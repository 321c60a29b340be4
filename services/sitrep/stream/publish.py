"""The one way anything leaves Sitrep for a public topic: outputs and dead letters alike.

``Publisher`` is given a ``send(role, key, value)`` (the worker's sends each to its Faust
topic; ``sitrep process`` collects dead letters for its ``--deadletter`` file) and counts
what it sends in ``sitrep_messages_produced_total`` and ``sitrep_dead_letters_total``. Roles
are the topic registry's (``sitrep.topics``), so a topic renamed in the settings changes no
code here.

Every record is bounded (docs/processing.md, 'Dead letters'): one over ``max_record_bytes``
is dead-lettered instead (``output_too_large``), and a dead letter keeps only the head of
its original (its length and SHA-256 always), so nothing sent here can be refused for its
size and no message can stop a partition. A ``send`` that returns a future (Faust's
``send_soon``) is watched: a dead letter counts as sent once the broker has it; one the
broker refuses is sent again with less of its original, then logged with its origin and
counted in ``sitrep_dead_letters_dropped_total``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sitrep.codec import dead_letter
from sitrep.errors import Failure
from sitrep.models import DeadLetter
from sitrep.pipeline import Outcome
from sitrep.render import claim_key
from sitrep.stream import metrics

Send = Callable[[str, bytes | None, bytes], Any]  # topic role, key, value; may return a future

log = logging.getLogger("sitrep.publish")

# A dead letter the broker refuses is sent again this many times, each with half as much
# of its original (none the last time), 0.5 s, 1 s, 2 s apart; then logged and dropped.
DEAD_LETTER_RETRIES = 3
RETRY_SECONDS = 0.5  # the first wait, doubled each time
KEY_BYTES = 1024  # of a rejected message's key, on its dead letter


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the message that caused a send came from, for dead letters."""

    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: bytes | None = None


class Publisher:
    def __init__(self, send: Send, *, max_record_bytes: int | None = None, max_original_bytes: int | None = None) -> None:
        self.send = send
        self.max_record_bytes = max_record_bytes
        self.max_original_bytes = max_original_bytes

    def fits(self, value: bytes, key: bytes | None = None) -> bool:
        """Whether a record is within ``max_record_bytes`` (the size guard before each send)."""
        return self.max_record_bytes is None or len(value) + (len(key) if key else 0) <= self.max_record_bytes

    def outcome(self, outcome: Outcome, replayed_at: str | None, stage: str, origin: Origin = Origin()) -> None:
        """An article's records: enriched or a duplicate link, its claims and the score revisions it caused."""
        key = outcome.id.encode()
        produced = "duplicates" if outcome.link is not None else "enriched"
        record = outcome.link if outcome.link is not None else outcome.record
        if not self.fits(record, key):  # the article's record (and so its claims) cannot go out: all of it to the dead letters
            self.too_large(f"the {produced} record of {outcome.id!r}", record, stage, origin, key)
            return
        self.send(produced, key, record)
        metrics.child(metrics.MESSAGES_PRODUCED, stage, produced).inc()
        metrics.record_outcome(outcome.facts, outcome.verdict.status, outcome.credibility.score)
        if replayed_at is not None:
            seconds = max(0.0, (datetime.now(UTC) - datetime.fromisoformat(replayed_at)).total_seconds())
            metrics.child(metrics.END_TO_END, produced).observe(seconds)
        claims = [(claim_key(outcome.id, index), claim) for index, claim in enumerate(outcome.claims)]  # in claim_index order (render.claim_records)
        claims = [(k, claim) for k, claim in claims if self._guarded(f"a claim of {outcome.id!r}", claim, k, stage, origin)]
        for claim_id, claim in claims:
            self.send("casualties", claim_id, claim)
        updates = [(u.article_id.encode(), u.to_json()) for u in outcome.updates]
        updates = [(k, v) for k, v in updates if self._guarded(f"a credibility update of {k.decode()!r}", v, k, stage, origin)]
        for update_key, value in updates:
            self.send("credibility", update_key, value)
        metrics.child(metrics.MESSAGES_PRODUCED, stage, "casualties").inc(len(claims))
        metrics.child(metrics.MESSAGES_PRODUCED, stage, "credibility").inc(len(updates))

    def _guarded(self, what: str, value: bytes, key: bytes | None, stage: str, origin: Origin) -> bool:
        if self.fits(value, key):
            return True
        self.too_large(what, value, stage, origin, key)
        return False

    def too_large(self, what: str, value: bytes, stage: str, origin: Origin, key: bytes | None = None) -> DeadLetter:
        """Dead-letter an output over the bound: its head, length and hash, and where it came from."""
        detail = f"{what} is {len(value) + len(key or b'')} bytes with its key, over SITREP_MAX_RECORD_BYTES={self.max_record_bytes}"
        log.warning("%s from %s[%s]@%s: dead-lettered", detail, origin.topic, origin.partition, origin.offset)
        failure = Failure(stage, "output_too_large", detail)
        return self.reject(value, failure, topic=origin.topic, partition=origin.partition, offset=origin.offset, key=origin.key)

    def reject(
        self,
        original: bytes | None,
        failure: Failure,
        *,
        topic: str | None,
        partition: int | None = None,
        offset: int | None = None,
        key: bytes | None = None,
    ) -> DeadLetter:
        """Dead-letter a message (or one article of a batch message) with its reason and origin."""
        letter = dead_letter(
            original,
            failure.reason,
            failure.detail,
            stage=failure.stage,
            topic=topic,
            partition=partition,
            offset=offset,
            key=key,
            max_original_bytes=self.max_original_bytes,
        )
        self.send_letter(letter, key[:KEY_BYTES] if key else None)
        return letter

    def send_letter(self, letter: DeadLetter, key: bytes | None, attempt: int = 0) -> None:
        """Send a dead letter, counted in ``sitrep_dead_letters_total`` once it is delivered."""
        future = self.send("deadletter", key, letter.to_json())
        if not isinstance(future, asyncio.Future):  # a synchronous send: delivered when it returns
            self._delivered(letter)
            return

        def sent(done: asyncio.Future) -> None:
            error = None if done.cancelled() else done.exception()
            if not done.cancelled() and error is None:
                self._delivered(letter)
                return
            origin = f"{letter.origin_topic}[{letter.origin_partition}]@{letter.origin_offset}"
            if attempt < DEAD_LETTER_RETRIES:
                kept = base64.b64decode(letter.original)
                kept = kept[: len(kept) // 2] if attempt + 1 < DEAD_LETTER_RETRIES else b""
                smaller = letter.model_copy(update={"original": base64.b64encode(kept).decode(), "original_truncated": len(kept) < letter.original_bytes})
                log.warning("dead letter for %s (%s) not delivered (%s); retrying with %d bytes of its original", origin, letter.reason, error, len(kept))
                asyncio.get_running_loop().call_later(RETRY_SECONDS * 2**attempt, self.send_letter, smaller, key, attempt + 1)
                return
            log.error("dead letter for %s (%s, %s) dropped after %d attempts: %s", origin, letter.reason, letter.detail[:200], attempt + 1, error)
            metrics.child(metrics.DEAD_LETTERS_DROPPED, letter.reason, letter.stage).inc()

        future.add_done_callback(sent)

    @staticmethod
    def _delivered(letter: DeadLetter) -> None:
        metrics.child(metrics.DEAD_LETTERS, letter.reason, letter.stage).inc()
        metrics.child(metrics.MESSAGES_PRODUCED, letter.stage, "deadletter").inc()
