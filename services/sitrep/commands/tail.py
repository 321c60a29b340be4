"""``sitrep tail TOPIC``: pretty-print records from any topic, with simple filters."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import orjson

from sitrep.settings import Settings
from sitrep.stream.kafka import client_kwargs, describe_failure, preflight


def field_of(record: Any, path: str) -> Any:
    """Value at a dotted path; lists are searched element-wise (``entities.name``)."""
    value = record
    for part in path.split("."):
        if isinstance(value, list):
            value = [v.get(part) if isinstance(v, dict) else None for v in value]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def matches(record: Any, where: list[str], grep: str | None) -> bool:
    for clause in where:
        path, _, wanted = clause.partition("=")
        value = field_of(record, path)
        values = value if isinstance(value, list) else [value]
        if not any(str(v) == wanted for v in values):
            return False
    return grep is None or grep.casefold() in orjson.dumps(record).decode().casefold()


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


def records(settings: Settings, topic: str, *, from_beginning: bool, idle_seconds: float | None) -> Iterator[Any]:
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    preflight(settings, {topic: "Read"})
    try:
        consumer = KafkaConsumer(
            topic,
            **client_kwargs(settings),
            group_id=None,
            auto_offset_reset="earliest" if from_beginning else "latest",
            enable_auto_commit=False,
            isolation_level="read_committed",
            consumer_timeout_ms=int(idle_seconds * 1000) if idle_seconds else float("inf"),
        )
    except Exception as exc:
        raise describe_failure(exc, settings) from None
    try:
        for message in consumer:
            try:
                yield orjson.loads(message.value)
            except orjson.JSONDecodeError:
                yield {"undecodable": message.value[:200].decode("utf-8", "replace"), "offset": message.offset}
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
    shown = 0
    for record in records(settings, topic, from_beginning=from_beginning, idle_seconds=idle_seconds):
        if not matches(record, where, grep):
            continue
        print(orjson.dumps(record).decode() if as_json else render(record, explain), flush=True)
        shown += 1
        if limit is not None and shown >= limit:
            break
    print(f"{shown} records from {topic}", file=sys.stderr)
    return 0
