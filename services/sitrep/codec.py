"""Decode and validate at the edge: message bytes in, a ``RawArticle`` or a rejection out.

Every way a message can be unusable maps to one bounded reason code, so the dead-letter
topic and its counter say *why* without carrying free text in metric labels.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import orjson
from pydantic import ValidationError

from sitrep.errors import RejectedMessage
from sitrep.models import SCHEMA_VERSION, DeadLetter, RawArticle

# A text body is "binary" when control characters other than whitespace make up more
# than this share of it: scraped pages carry the odd stray \x0c, images carry thousands.
_BINARY_CONTROL_SHARE = 0.05
_CONTROL = frozenset(range(0, 32)) - {9, 10, 13, 12}
_CONTROL_BYTES = bytes(sorted(_CONTROL))  # for bytes.translate, which counts them in C


def looks_binary(data: bytes | str) -> bool:
    """True for payloads that are not text: many control characters (NUL among them).

    A stray NUL in a text body is one control character like any other: the cleaner strips
    it, as it does in the title, rather than the whole article being dead-lettered.
    """
    sample = data[:4096]
    if isinstance(sample, str):
        sample = sample.encode("utf-8", "surrogatepass")
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return bool(sample) and controls / len(sample) > _BINARY_CONTROL_SHARE


# The cap on an article (``max_body_bytes``) is on its clean text; the page as sent may be this
# many times larger, since an ordinary news page is mostly markup and inline scripts.
PAGE_FACTOR = 8


def page_cap(max_body_bytes: int) -> int:
    """The largest body a message may carry: ``PAGE_FACTOR`` times the cap on its clean text."""
    return max_body_bytes * PAGE_FACTOR


def decode_raw(data: bytes | None, *, max_body_bytes: int) -> RawArticle:
    """Parse one ``articles.raw`` message; raise :class:`RejectedMessage` with a reason code.

    ``max_body_bytes`` caps the clean text (``pipeline.clean`` checks it); here the body is
    held to :func:`page_cap` of it.
    """
    max_page = page_cap(max_body_bytes)
    if data is None:
        raise RejectedMessage("tombstone", "message has no value (a tombstone): nothing to process")
    if not data:
        raise RejectedMessage("invalid_json", "empty message")
    # JSON adds a little to the body, so allow for it before parsing anything huge.
    if len(data) > max_page * 2 + 65_536:
        raise RejectedMessage("body_too_large", f"message is {len(data)} bytes, cap is {max_page} bytes of body")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = "binary" if looks_binary(data) else "not_utf8"
        raise RejectedMessage(reason, f"message is not UTF-8 text (byte {exc.start})") from None
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc).lower() or "recursion" in str(exc).lower():
            raise RejectedMessage("too_deeply_nested", "JSON nested deeper than 1024 levels") from None
        raise RejectedMessage("invalid_json", f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise RejectedMessage("invalid_record", f"expected a JSON object, got {type(obj).__name__}")
    version = obj.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise RejectedMessage("unknown_schema_version", f"schema_version {version!r} is not supported (expected {SCHEMA_VERSION})")
    body = obj.get("body")
    if body is None:
        raise RejectedMessage("missing_body", "record has no 'body' field")
    if isinstance(body, str):
        if not body.strip():
            raise RejectedMessage("empty_body", "body is empty or whitespace only")
        if len(body.encode("utf-8", "surrogatepass")) > max_page:
            raise RejectedMessage("body_too_large", f"body exceeds the page cap of {max_page} bytes ({PAGE_FACTOR} times the text cap)")
        if looks_binary(body):
            raise RejectedMessage("binary", "body holds binary data, not text")
    try:
        return RawArticle.model_validate(obj)
    except ValidationError as exc:
        raise RejectedMessage("invalid_record", _summarise(exc)) from None


def _summarise(exc: ValidationError) -> str:
    """Field names and error types only: never echo the input values (they may be huge or secret)."""
    parts = [f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['type']}" for err in exc.errors()[:5]]
    more = exc.error_count() - len(parts)
    return "invalid record: " + "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def dead_letter(
    original: bytes | None,
    reason: str,
    detail: str,
    *,
    stage: str,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    key: bytes | None = None,
    max_original_bytes: int | None = None,
) -> DeadLetter:
    """Wrap a rejected message with its reason and origin for ``articles.deadletter``.

    With ``max_original_bytes`` only that many bytes of the original are kept (its length and
    SHA-256 always are): a dead letter must fit on its topic whatever the message was, or a
    5 MB message compressed to nothing on the way in would come back as one that cannot.
    """
    data = original or b""
    kept = data if max_original_bytes is None else data[:max_original_bytes]
    return DeadLetter(
        reason=reason,
        detail=detail[:2000],
        stage=stage,
        origin_topic=topic,
        origin_partition=partition,
        origin_offset=offset,
        key=base64.b64encode(key[:1024]).decode() if key else None,
        original=base64.b64encode(kept).decode(),
        original_bytes=len(data),
        original_sha256=hashlib.sha256(data).hexdigest(),
        original_truncated=len(kept) < len(data),
        failed_at=datetime.now(UTC),
    )
