"""``sitrep process PATH... -o OUT.jsonl``: the same stages offline, in input order, no Kafka.

One EnrichedArticle line per input article, duplicates included and flagged. Scores are
final: when a later article corroborates or contradicts an earlier one, the earlier
record is written with its revised score (the revisions are also counted in the summary).
Messages that cannot be decoded go to ``--deadletter`` (if given) with their reason.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from tqdm import tqdm

from sitrep.codec import decode_raw
from sitrep.errors import ConfigError, Failure
from sitrep.models import Credibility
from sitrep.pipeline import Pipeline, order_of
from sitrep.readers import read_messages
from sitrep.settings import Settings
from sitrep.stages.credibility.sources import load_priors
from sitrep.stream.publish import Publisher


@dataclass
class Summary:
    articles: int = 0
    dead_letters: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    revisions: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        rate = self.articles / self.seconds if self.seconds > 0 else 0.0
        status = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())) or "none"
        dead = sum(self.dead_letters.values())
        return f"{self.articles} articles ({status}), {dead} dead letters, {self.revisions} score revisions, {self.seconds:.1f} s, {rate:.0f} articles/s"


def writable(path: Path, option: str) -> None:
    """Fail now, in one line, if ``path`` cannot be written: not after the whole run."""
    blocked = next((parent for parent in reversed(path.parents) if parent.exists() and not parent.is_dir()), None)
    if blocked is not None:
        raise ConfigError(f"cannot write {option} {path}: {blocked} is not a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot write {option} {path}: {exc.strerror or exc}") from None


def process(settings: Settings, paths: list[str], out: Path, deadletter: Path | None = None, progress: bool = True) -> Summary:
    writable(out, "-o")
    if deadletter is not None:
        writable(deadletter, "--deadletter")
    pipeline = Pipeline(thresholds=settings.thresholds, priors=load_priors(settings.source_priors))
    summary = Summary()
    records: list[bytes] = []
    position: dict[str, int] = {}
    letters: list[bytes] = []
    publisher = Publisher(lambda role, key, value: letters.append(value))  # only dead letters go through it here
    started = time.perf_counter()
    for n, message in enumerate(tqdm(read_messages(paths), unit="article", disable=not progress, file=sys.stderr, desc="process")):
        raw = None
        try:
            raw = decode_raw(message.value, max_body_bytes=settings.thresholds.max_body_bytes)
            outcome = pipeline.run(raw, order_of(raw, n))
        except Exception as exc:  # a rejected message, a reused id, or a stage bug: none may stop a backfill
            failure = Failure.of(exc, "decode" if raw is None else "analyze")
            publisher.reject(message.value, failure, topic=message.origin)
            summary.dead_letters[failure.reason] += 1
            continue
        for update in outcome.updates:
            at = position.get(update.article_id)
            if at is not None:
                cred = Credibility(score=update.new_score, band=update.new_band, signals=update.signals)
                records[at] = orjson.dumps({**orjson.loads(records[at]), "credibility": cred.model_dump(mode="json")})
                summary.revisions += 1
        position.setdefault(outcome.id, len(records))
        records.append(outcome.record)
        summary.statuses[outcome.verdict.status] += 1
    summary.articles = len(records)
    with out.open("wb") as handle:
        for record in records:
            handle.write(record + b"\n")
    if deadletter is not None:
        with deadletter.open("wb") as handle:
            for letter in letters:
                handle.write(letter + b"\n")
    summary.seconds = time.perf_counter() - started
    return summary
