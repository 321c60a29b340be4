"""The one way anything leaves Sitrep for a public topic: outputs and dead letters alike.

``Publisher`` is given a ``send(role, key, value)`` (the worker's sends each to its Faust
topic; ``sitrep process`` collects dead letters for its ``--deadletter`` file) and counts
what it sends in ``sitrep_messages_produced_total`` and ``sitrep_dead_letters_total``. Roles
are the topic registry's (``sitrep.topics``), so a topic renamed in the settings changes no
code here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sitrep.codec import dead_letter
from sitrep.errors import Failure
from sitrep.models import DeadLetter
from sitrep.pipeline import Outcome
from sitrep.render import claim_key
from sitrep.stream import metrics

Send = Callable[[str, bytes | None, bytes], None]  # topic role, key, value


class Publisher:
    def __init__(self, send: Send) -> None:
        self.send = send

    def outcome(self, outcome: Outcome, replayed_at: str | None, stage: str) -> None:
        """An article's records: enriched or a duplicate link, its claims and the score revisions it caused."""
        key = outcome.id.encode()
        produced = "duplicates" if outcome.link is not None else "enriched"
        self.send(produced, key, outcome.link if outcome.link is not None else outcome.record)
        metrics.child(metrics.MESSAGES_PRODUCED, stage, produced).inc()
        metrics.record_outcome(outcome.facts, outcome.verdict.status, outcome.credibility.score)
        if replayed_at is not None:
            seconds = max(0.0, (datetime.now(UTC) - datetime.fromisoformat(replayed_at)).total_seconds())
            metrics.child(metrics.END_TO_END, produced).observe(seconds)
        for index, claim in enumerate(outcome.claims):  # in claim_index order (render.claim_records)
            self.send("casualties", claim_key(outcome.id, index), claim)
        for update in outcome.updates:
            self.send("credibility", update.article_id.encode(), update.to_json())
        metrics.child(metrics.MESSAGES_PRODUCED, stage, "casualties").inc(len(outcome.claims))
        metrics.child(metrics.MESSAGES_PRODUCED, stage, "credibility").inc(len(outcome.updates))

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
        letter = dead_letter(original, failure.reason, failure.detail, stage=failure.stage, topic=topic, partition=partition, offset=offset, key=key)
        self.send("deadletter", key, letter.to_json())
        metrics.child(metrics.DEAD_LETTERS, failure.reason, failure.stage).inc()
        metrics.child(metrics.MESSAGES_PRODUCED, failure.stage, "deadletter").inc()
        return letter
