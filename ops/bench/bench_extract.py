"""Offline throughput of the extract stage on the seeds and the extraction test corpus.

    .venv/bin/python ops/bench/bench_extract.py [--rounds N]

Prints articles/s and microseconds per article overall, per kilobyte of body, and for the
3 KB-or-so articles the stage is sized for. The gazetteer is built before timing starts (it
is built once per worker process), so the figures are the steady-state cost per article.
Both wall-clock and process CPU time are shown: on a shared machine the wall clock also
counts time the process spent waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sitrep.stages.extract.article import extract
from sitrep.stages.extract.gazetteer import gazetteer
from sitrep.stages.types import CleanArticle

ROOT = Path(__file__).resolve().parents[2]


def articles() -> list[CleanArticle]:
    """Seeds (first line title, rest body) and every report of tests/data/extract/*.jsonl."""
    out = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        out.append(CleanArticle(id=path.stem, title=title, body=body))
    for path in sorted((ROOT / "tests" / "data" / "extract").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            out.append(CleanArticle(id=row["id"], title=row["title"], body=row["body"], dateline=row.get("dateline"),
                                    published=date.fromisoformat(row["published"]) if row.get("published") else None))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the whole set (default 20)")
    args = parser.parse_args()
    started = time.perf_counter()
    gazetteer()
    build = time.perf_counter() - started
    docs = articles()
    for doc in docs:  # warm caches (compiled regexes, lexicon tables)
        extract(doc)
    per_doc = {doc.id: [] for doc in docs}
    started = time.perf_counter()
    cpu_started = time.process_time()
    for _ in range(args.rounds):
        for doc in docs:
            t0 = time.perf_counter()
            extract(doc)
            per_doc[doc.id].append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    count = args.rounds * len(docs)
    kb = sum(len(doc.body) for doc in docs) * args.rounds / 1024
    medians = {doc.id: statistics.median(per_doc[doc.id]) for doc in docs}
    sized = [medians[d.id] for d in docs if 2048 <= len(d.body) <= 4096]
    print(f"gazetteer build: {build * 1000:.0f} ms ({gazetteer().key_count} keys)")
    print(f"articles: {len(docs)} x {args.rounds} rounds, {kb / args.rounds:.1f} KB per round")
    print(f"throughput (wall): {count / elapsed:,.0f} articles/s, {elapsed / count * 1e6:,.0f} us/article, "
          f"{elapsed / kb * 1e6:,.0f} us/KB")
    print(f"throughput (cpu):  {count / cpu:,.0f} articles/s, {cpu / count * 1e6:,.0f} us/article, "
          f"{cpu / kb * 1e6:,.0f} us/KB")
    if sized:
        print(f"2-4 KB articles ({len(sized)}): median {statistics.median(sized) * 1e6:,.0f} us/article")
    print(f"median article: {statistics.median(medians.values()) * 1e6:,.0f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
