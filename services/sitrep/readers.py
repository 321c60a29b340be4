"""Read article files (txt, html, jsonl, csv) into ``articles.raw`` messages.

Each input record becomes one :class:`Message`: the key, the JSON payload and where it
came from. Records that cannot be read as articles are not dropped: they become messages
whose payload is the original bytes, so the worker (or ``sitrep process``) dead-letters
them with the reason, exactly as it would any other bad message.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from sitrep.errors import SourceError

SUFFIXES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}

# Column and field names seen in real scraped datasets, in order of preference.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "unit_id", "article_id", "uid", "guid"),
    "title": ("title", "article_title", "headline"),
    "body": ("body", "content", "article_content", "text", "article_text", "html"),
    "source": ("source", "outlet", "site", "publisher", "domain"),
    "published": ("published", "date", "published_at", "publish_date", "pubdate", "datetime"),
    "url": ("url", "link", "article_url"),
}


@dataclass(frozen=True, slots=True)
class Message:
    key: bytes
    value: bytes
    origin: str
    well_formed: bool = True


def stable_id(source: str | None, title: str, body: str) -> str:
    """Same article, same id, on every machine: a hash of source, title and body."""
    digest = hashlib.sha1("\x1f".join((source or "", title, body)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:20]


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the supported files inside named directories, in sorted order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise SourceError(f"no such file or directory: {path}")
    return files


def read_messages(paths: Iterable[str | Path]) -> Iterator[Message]:
    """Every article in ``paths`` as an ``articles.raw`` message, in file order."""
    for path in expand(paths):
        kind = SUFFIXES.get(path.suffix.lower())
        if kind is None:
            raise SourceError(f"{path}: unsupported file type {path.suffix!r} (use {', '.join(sorted(SUFFIXES))})")
        yield from _READERS[kind](path)


def _message(fields: dict, origin: str, content_type: str = "text/plain") -> Message:
    title = _text(fields.get("title"))
    body = _text(fields.get("body"))
    source = _text(fields.get("source")) or None
    article_id = _text(fields.get("id")) or stable_id(source, title, body)
    record = {
        "id": article_id,
        "title": title,
        "body": fields.get("body"),
        "content_type": content_type,
        "source": source,
        "url": _text(fields.get("url")) or None,
        "published": _text(fields.get("published")) or None,
        "origin": origin,
    }
    if "schema_version" in fields:
        record["schema_version"] = fields["schema_version"]
    return Message(article_id.encode(), orjson.dumps(record), origin)


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _pick(record: dict) -> dict:
    """Map a record's own field names onto ours (first alias present wins)."""
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    picked = {field: next((lowered[a] for a in aliases if lowered.get(a) not in (None, "")), None) for field, aliases in FIELD_ALIASES.items()}
    if "schema_version" in lowered:
        picked["schema_version"] = lowered["schema_version"]
    if picked["body"] is None and any(a in lowered for a in FIELD_ALIASES["body"]):
        picked["body"] = ""
    return picked


def _read_text(path: Path) -> Iterator[Message]:
    data = path.read_bytes()
    origin = str(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield Message(stable_id(None, path.name, "").encode(), data, origin, well_formed=False)
        return
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    title = lines[first].strip() if first is not None else ""
    body = "\n".join(lines[first + 1 :]) if first is not None else ""
    yield _message({"title": title, "body": body}, origin)


def _read_html(path: Path) -> Iterator[Message]:
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    yield _message({"title": "", "body": text}, str(path), content_type="text/html")


def _read_jsonl(path: Path) -> Iterator[Message]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            origin = f"{path}:{number}"
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                record = None
            if not isinstance(record, dict):
                yield Message(hashlib.sha1(line).hexdigest()[:20].encode(), line.rstrip(b"\r\n"), origin, well_formed=False)
                continue
            fields = _pick(record)
            ctype = "text/html" if _text(fields.get("body")).lstrip().startswith("<") else "text/plain"
            yield _message(fields, origin, ctype)


def _read_csv(path: Path) -> Iterator[Message]:
    csv.field_size_limit(sys.maxsize)
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for number, row in enumerate(reader, start=2):
        yield _message(_pick(row), f"{path}:{number}")


_READERS = {"text": _read_text, "html": _read_html, "jsonl": _read_jsonl, "csv": _read_csv}
