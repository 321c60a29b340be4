"""Every way a message can be unusable maps to a dead-letter reason; good ones decode."""

from __future__ import annotations

import base64
import hashlib

import orjson
import pytest

from sitrep.codec import dead_letter, decode_raw, page_cap
from sitrep.errors import RejectedMessage

CAP = 10_000


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (b'["a", "list"]', "invalid_record"),
        (b'{"id": 5, "body": ["not", "text"]}', "invalid_record"),
        (b'{"id": "a", "title": "no body"}', "missing_body"),
        (b'{"id": "a", "body": "   \\n "}', "empty_body"),
        (orjson.dumps({"id": "a", "body": "x" * (page_cap(CAP) + 1)}), "body_too_large"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "binary"),
        ("caf\u00e9 au lait".encode("latin-1"), "not_utf8"),
        (orjson.dumps({"id": "a", "body": "\x00\x01\x02\x03" * 50}), "binary"),
        (nested(5000), "too_deeply_nested"),
        (b'{"schema_version": 2, "id": "a", "body": "text"}', "unknown_schema_version"),
    ],
)
def test_bad_messages_are_rejected_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(RejectedMessage) as caught:
        decode_raw(payload, max_body_bytes=CAP)
    assert caught.value.reason == reason
    assert caught.value.detail


def test_a_good_message_decodes_with_its_fields() -> None:
    raw = decode_raw(orjson.dumps({"id": "r1", "title": "T", "body": "Body text.", "source": "SANA", "extra": 1}), max_body_bytes=CAP)
    assert (raw.id, raw.title, raw.body, raw.source) == ("r1", "T", "Body text.", "SANA")


def test_validation_detail_does_not_echo_the_input() -> None:
    secret = "do-not-echo-this-value"
    with pytest.raises(RejectedMessage) as caught:
        decode_raw(orjson.dumps({"id": {"x": secret}, "body": "text"}), max_body_bytes=CAP)
    assert secret not in caught.value.detail


def test_dead_letter_keeps_origin_and_original_bytes() -> None:
    import base64

    letter = dead_letter(b"\xff\x00raw", "binary", "not text", stage="decode", topic="articles.raw", partition=2, offset=41, key=b"k")
    assert (letter.origin_topic, letter.origin_partition, letter.origin_offset) == ("articles.raw", 2, 41)
    assert base64.b64decode(letter.original) == b"\xff\x00raw"


def test_a_tombstone_has_its_own_reason() -> None:
    with pytest.raises(RejectedMessage) as caught:
        decode_raw(None, max_body_bytes=1000)
    assert caught.value.reason == "tombstone"


def test_a_stray_nul_in_a_text_body_is_not_binary() -> None:
    raw = decode_raw(orjson.dumps({"id": "a", "body": "Three people\x00 were killed in Homs on Monday."}), max_body_bytes=1000)
    assert "\x00" in raw.body  # the cleaner strips it, as in the title


def test_a_numeric_published_is_read_as_its_digits() -> None:
    assert decode_raw(orjson.dumps({"id": "a", "body": "text", "published": 1555000000}), max_body_bytes=1000).published == "1555000000"


def test_a_dead_letter_keeps_the_head_of_a_large_original_with_its_length_and_hash() -> None:
    original = bytes(range(256)) * 1000
    letter = dead_letter(original, "binary", "not text", stage="decode", max_original_bytes=100)
    assert base64.b64decode(letter.original) == original[:100] and letter.original_truncated
    assert letter.original_bytes == len(original) and letter.original_sha256 == hashlib.sha256(original).hexdigest()
    whole = dead_letter(b"small", "binary", "not text", stage="decode", max_original_bytes=100)
    assert base64.b64decode(whole.original) == b"small" and not whole.original_truncated
