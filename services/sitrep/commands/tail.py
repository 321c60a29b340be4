"""``sitrep tail TOPIC``: pretty-print records from any topic, with simple filters.

A topic that does not exist is an error naming Sitrep's topics: reading never creates one.
"""

from __future__ import annotations

import base64
import difflib
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from sitrep.commands.where import Clause, parse
from sitrep.commands.where import matches as where_matches
from sitrep.errors import ConfigError
from sitrep.models import ROLES, TOPIC_RECORDS
from sitrep.settings import Settings
from sitrep.stream.hold import order_mark
from sitrep.stream.kafka import client_kwargs, describe_failure, preflight


class Message(NamedTuple):
    """A record with where it was read from."""

    topic: str
    partition: int
    offset: int
    timestamp: int | None  # milliseconds since the epoch
    key: bytes | None
    record: Any

    def envelope(self) -> dict[str, Any]:
        """``--json``'s line: Kafka's coordinates and key beside the record (as kcat -J does)."""
        key: str | None = None
        if self.key is not None:
            try:
                key = self.key.decode("utf-8")
            except UnicodeDecodeError:
                key = "base64:" + base64.b64encode(self.key).decode()
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset, "timestamp": self.timestamp, "key": key, "value": self.record}


def matches(record: Any, where: list[Clause], grep: str | None) -> bool:
    if not where_matches(record, where):
        return False
    return grep is None or grep.casefold() in orjson.dumps(record).decode().casefold()


def unknown_topic(settings: Settings, topic: str, existing: set[str]) -> ConfigError:
    ours = ", ".join(f"{role} ({settings.topics.name(role)})" for role in ROLES)
    close = difflib.get_close_matches(topic, sorted(existing | set(settings.topics.public())), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    return ConfigError(f"no topic {topic!r} at {settings.bootstrap_servers} (tail never creates one): {hint}Sitrep's topics are {ours}")


def role_of(settings: Settings, topic: str) -> str | None:
    return next((role for role in ROLES if settings.topics.name(role) == topic), None)


def render(record: Any, explain: bool) -> str:
    if not isinstance(record, dict):
        return repr(record)
    if "body" in record and "dedup" in record:
        cred = record.get("credibility") or {}
        lines = [
            f"● {record.get('title') or '(no title)'}",
            f"  id {record['id']}  source {record.get('source') or '?'}  published {record.get('published') or '?'}  lang {record.get('language') or '?'}",
            f"  dedup {record['dedup']['status']}  story {record['dedup']['story_id']}  credibility {cred.get('score')} ({cred.get('band')})",
        ]
        names = sorted({e["name"] for e in record.get("entities", []) if e.get("known", True)})
        if names:
            lines.append("  entities " + ", ".join(names[:12]) + (" …" if len(names) > 12 else ""))
        for claim in record.get("casualties", []):
            lines.append(
                f"  claim killed={claim.get('killed')} injured={claim.get('injured')} victims={claim.get('victims')}"
                f" cause={claim.get('cause')} by={claim.get('perpetrator')} at={claim.get('location')}"
            )
        if explain:
            lines.extend(explain_lines(cred.get("signals", [])))
        return "\n".join(lines)
    text = orjson.dumps(record, option=orjson.OPT_INDENT_2).decode()
    if explain and "signals" in record:
        text += "\n" + "\n".join(explain_lines(record["signals"]))
    return text


def explain_lines(signals: list[dict]) -> list[str]:
    lines = ["  signal            value  weight  contribution  evidence"]
    for s in sorted(signals, key=lambda s: -abs(s.get("contribution", 0))):
        evidence = "; ".join(str(e) for e in s.get("evidence", []))[:80]
        lines.append(f"  {s['name']:<16} {s['value']:>6.2f} {s['weight']:>7.2f} {s['contribution']:>+13.3f}  {evidence}")
    return lines


def records(settings: Settings, topic: str, *, from_beginning: bool, idle_seconds: float | None) -> Iterator[Message]:
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    preflight(settings, {topic: "Read"})
    try:
        consumer = KafkaConsumer(
            **client_kwargs(settings),
            allow_auto_create_topics=False,
            group_id=None,
            auto_offset_reset="earliest" if from_beginning else "latest",
            enable_auto_commit=False,
            isolation_level="read_committed",
            consumer_timeout_ms=int(idle_seconds * 1000) if idle_seconds else float("inf"),
        )
    except Exception as exc:
        raise describe_failure(exc, settings) from None
    try:
        existing = consumer.topics()
        if topic not in existing:
            raise unknown_topic(settings, topic, existing)
        consumer.subscribe([topic])
        for message in consumer:
            if order_mark(message.headers) is not None:  # on articles.raw: no record to show
                continue
            try:
                record = orjson.loads(message.value)
            except orjson.JSONDecodeError:
                record = {"undecodable": message.value[:200].decode("utf-8", "replace"), "offset": message.offset}
            yield Message(message.topic, message.partition, message.offset, message.timestamp, message.key, record)
    except KafkaError as exc:
        raise describe_failure(exc, settings, topic=topic, operation="Read") from None
    finally:
        consumer.close()


def tail(
    settings: Settings,
    topic: str,
    *,
    from_beginning: bool,
    where: list[str],
    grep: str | None,
    explain: bool,
    as_json: bool,
    limit: int | None,
    idle_seconds: float | None,
) -> int:
    role = role_of(settings, topic)
    clauses = parse(where, TOPIC_RECORDS.get(role) if role else None, topic)
    shown = 0
    for message in records(settings, topic, from_beginning=from_beginning, idle_seconds=idle_seconds):
        if not matches(message.record, clauses, grep):
            continue
        print(orjson.dumps(message.envelope()).decode() if as_json else render(message.record, explain), flush=True)
        shown += 1
        if limit is not None and shown >= limit:
            break
    print(f"{shown} records from {topic}", file=sys.stderr)
    return 0
