"""The analyze pool gives the same answers as the inline stage, rejects what it cannot
decode, and survives a dead process."""

from __future__ import annotations

import asyncio
import os
import signal

import orjson

from sitrep.stream.parallel import Analyzed, AnalyzePool, Failed, analyze_batch

ARTICLES = [
    (orjson.dumps({"id": "a", "title": "Strike", "body": "A Russian airstrike killed eight civilians in Saraqib on Monday."}), 1),
    (orjson.dumps({"id": "b", "title": "Shelling", "body": "Rebel shelling wounded 14 people in Aleppo, a police source said."}), 2),
]
CAP = 1_000_000


def test_pool_matches_inline_and_handles_an_empty_batch() -> None:
    pool = AnalyzePool(1, None, CAP)
    try:
        pool.start()
        assert asyncio.run(pool.run([])) == []
        pooled = asyncio.run(pool.run(ARTICLES))
    finally:
        pool.close()
    inline = analyze_batch(ARTICLES, CAP)
    assert [r.prepared for r in pooled] == [r.prepared for r in inline]
    assert all(isinstance(r, Analyzed) for r in pooled)


def test_an_undecodable_message_comes_back_rejected_between_the_others() -> None:
    results = analyze_batch([ARTICLES[0], (b"{not json", 7), (orjson.dumps({"id": "c", "title": "t", "body": ""}), 8), ARTICLES[1]], CAP)
    assert [type(r) for r in results] == [Analyzed, Failed, Failed, Analyzed]
    assert [(r.stage, r.reason) for r in results[1:3]] == [("decode", "invalid_json"), ("decode", "empty_body")]


def test_a_killed_process_loses_no_article() -> None:
    pool = AnalyzePool(1, None, CAP)
    try:
        pool.start()
        for pid in list(pool.executor._processes):
            os.kill(pid, signal.SIGKILL)
        results = asyncio.run(pool.run(ARTICLES))
        assert [r.id for r in results] == ["a", "b"]
        assert [r.id for r in asyncio.run(pool.run(ARTICLES))] == ["a", "b"]  # the new pool works
    finally:
        pool.close()
