"""Issue 8, bad input: decoding, cleaning and extraction never raise, whatever arrives.

Property tests (hypothesis) on each stage, and a fuzz run of 100,000 mutated messages
through the same path the worker takes (decode, then analyze): every message either
becomes an article or is rejected with a reason; nothing escapes as an exception.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitrep.codec import decode_raw
from sitrep.errors import RejectedMessage
from sitrep.models import RawArticle
from sitrep.pipeline import analyze
from sitrep.stages.clean.article import clean_article
from sitrep.stages.extract.article import extract

CAP = 200_000
SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))
SEED_TEXT = [p.read_text() for p in SEEDS]

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3000)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_decode_never_raises_on_bytes(data: bytes) -> None:
    try:
        decode_raw(data, max_body_bytes=CAP)
    except RejectedMessage as exc:
        assert exc.reason and exc.detail


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "title", "body", "source", "published", "url", "schema_version", "x"]), json_values, max_size=8))
def test_decode_never_raises_on_json_objects(record: dict) -> None:
    try:
        raw = decode_raw(orjson.dumps(record), max_body_bytes=CAP)
    except RejectedMessage as exc:
        assert exc.reason
    else:
        assert raw.body.strip()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=texts, body=texts.filter(lambda s: s.strip()), html=st.booleans())
def test_clean_and_extract_never_raise(title: str, body: str, html: bool) -> None:
    raw = RawArticle(id="p", title=title[:200], body=body, content_type="text/html" if html else "text/plain")
    clean = clean_article(raw)
    extraction = extract(clean)
    for entity in extraction.entities:
        for m in entity.mentions:
            assert clean.body[m.start : m.end] == m.text
    for claim in extraction.casualties:
        assert clean.body[claim.evidence.start : claim.evidence.end] == claim.evidence.text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_seed_text_with_random_damage_never_raises(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(SEED_TEXT))
    start = data.draw(st.integers(0, len(text)))
    junk = data.draw(texts)
    body = text[:start] + junk + text[start:]
    analyze(RawArticle(id="d", title="t", body=body if body.strip() else "x"), 0)


def mutate(rng: random.Random, base: bytes) -> bytes:
    """One random damage to a message: flips, cuts, splices, markup, odd encodings."""
    data = bytearray(base)
    kind = rng.randrange(8)
    if kind == 0 and data:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 1:
        data = data[: rng.randrange(len(data) + 1)]
    elif kind == 2:
        at = rng.randrange(len(data) + 1)
        data[at:at] = rng.choice([b"<div>", b"</p>", b"\x00", b"\\u0000", b'"', b"{", b"]", "\u202e".encode(), "\U0001f4a5".encode()])
    elif kind == 3:
        return orjson.dumps({"id": str(rng.random()), "body": "<html>" * rng.randint(1, 400), "content_type": "text/html"})
    elif kind == 4:
        return b"[" * rng.randint(1, 3000)
    elif kind == 5:
        return base.decode("utf-8", "replace").encode("utf-16")
    elif kind == 6:
        record = orjson.loads(base)
        record[rng.choice(["id", "body", "title", "schema_version", "published"])] = rng.choice([None, 7, [], {}, "", "x" * 300, 2])
        return orjson.dumps(record)
    return bytes(data)


def test_fuzz_100k_messages_without_an_unhandled_exception() -> None:
    rng = random.Random(20181020)
    bases = [orjson.dumps({"id": f"seed-{i}", "title": t.split("\n", 1)[0], "body": t}) for i, t in enumerate(SEED_TEXT)]
    # Short bodies keep the run to a few seconds per 10k cases; the seeds' full length is
    # covered by the property tests above.
    bases += [orjson.dumps({"id": f"short-{i}", "title": "t", "body": t[:600]}) for i, t in enumerate(SEED_TEXT)]
    outcomes: Counter[str] = Counter()
    for n in range(100_000):
        message = mutate(rng, rng.choice(bases))
        try:
            raw = decode_raw(message, max_body_bytes=CAP)
            analyze(raw, n, max_body_bytes=CAP)
        except RejectedMessage as exc:  # decode's reasons, and the cleaner's no_content / body_too_large
            outcomes[exc.reason] += 1
            continue
        outcomes["analyzed"] += 1
    print(dict(outcomes))
    assert sum(outcomes.values()) == 100_000
    assert outcomes["analyzed"] > 20_000 and len(outcomes) >= 8
