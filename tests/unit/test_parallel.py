"""The analyze pool gives the same answers as the inline stage, rejects what it cannot
decode, and survives a dead process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

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


def test_an_article_over_the_time_budget_is_too_costly_and_the_next_comes_through() -> None:
    # Tens of thousands of casualty sentences: linear, but far over a budget of 0.2 s.
    slow = " ".join(f"{n + 2} people were killed in Aleppo on Monday." for n in range(20_000))
    batch = [(orjson.dumps({"id": "slow", "title": "Many", "body": slow}), 1), ARTICLES[0]]
    pool = AnalyzePool(1, None, 2 * CAP, budget=0.2)
    try:
        results = asyncio.run(pool.run(batch))
    finally:
        pool.close()
    assert isinstance(results[0], Failed) and (results[0].id, results[0].reason) == ("slow", "too_costly")
    assert isinstance(results[1], Analyzed) and results[1].id == "a"


def test_the_pool_processes_die_with_their_parent() -> None:
    # A parent that starts a pool, prints its processes' pids and is SIGKILLed: none may outlive it.
    code = (
        "import os, sys; from sitrep.stream.parallel import AnalyzePool\n"
        "pool = AnalyzePool(2, None, 1000, budget=5)\n"
        "pool.start()\n"
        "print(' '.join(map(str, pool.executor._processes)), flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    parent.kill()
    parent.wait(10)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if _alive(pid)]


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped by init, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
