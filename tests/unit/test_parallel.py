"""The analyze pool gives the same answers as the inline stage, and survives a dead process."""

from __future__ import annotations

import asyncio
import os
import signal

from sitrep.models import RawArticle
from sitrep.parallel import Analyzed, AnalyzePool, analyze_batch

ARTICLES = [
    (RawArticle(id="a", title="Strike", body="A Russian airstrike killed eight civilians in Saraqib on Monday."), 1),
    (RawArticle(id="b", title="Shelling", body="Rebel shelling wounded 14 people in Aleppo, a police source said."), 2),
]


def test_pool_matches_inline_and_handles_an_empty_batch() -> None:
    pool = AnalyzePool(1, None)
    try:
        pool.start()
        assert asyncio.run(pool.run([])) == []
        pooled = asyncio.run(pool.run(ARTICLES))
    finally:
        pool.close()
    inline = analyze_batch(ARTICLES)
    assert [r.analysis_json for r in pooled] == [r.analysis_json for r in inline]
    assert all(isinstance(r, Analyzed) for r in pooled)


def test_a_killed_process_loses_no_article() -> None:
    pool = AnalyzePool(1, None)
    try:
        pool.start()
        for pid in list(pool.executor._processes):
            os.kill(pid, signal.SIGKILL)
        results = asyncio.run(pool.run(ARTICLES))
        assert [r.id for r in results] == ["a", "b"]
        assert [r.id for r in asyncio.run(pool.run(ARTICLES))] == ["a", "b"]  # the new pool works
    finally:
        pool.close()
