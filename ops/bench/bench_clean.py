"""Offline benchmark of the cleaning stage: articles per second, and what it gets right.

    .venv/bin/python ops/bench/bench_clean.py            # throughput + date accuracy
    .venv/bin/python ops/bench/bench_clean.py --html     # also: Sitrep (clean_article) vs trafilatura.extract + the same rules on HTML pages

Input: the seed pages (seeds/*.txt) and the synthetic wire reports with known dates
(tests/data/cleaning/wire_reports.yaml), repeated to about --articles articles. Prints the
cleaning throughput (articles/s, µs per article, median and 95th percentile), the share of
wire-report dates within 3 days of the truth, and with --html the word-level F1 and time
per page of both HTML extractors on tests/data/cleaning/html/ (each followed by the same
text rules). One process, one core: a worker's share. Times are CPU time of the process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from sitrep.models import RawArticle
from sitrep.stages.clean.article import clean_article
from sitrep.stages.clean.html import html_to_text

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
DATA = ROOT / "tests" / "data" / "cleaning"


def seed_articles() -> list[RawArticle]:
    """The seed pages as ``sitrep replay`` reads them (first non-empty line is the title)."""
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        out.append(RawArticle(id=path.stem, title=lines[first].strip() if lines else "", body="\n".join(lines[first + 1 :]) or " "))
    return out


def wire_reports() -> list[tuple[RawArticle, dict]]:
    reports = yaml.safe_load((DATA / "wire_reports.yaml").read_text(encoding="utf-8"))["reports"]
    out = []
    for r in reports:
        published = r.get("published")
        raw = RawArticle(id=r["id"], title=r.get("title", ""), body=r["body"], source=r.get("source"), published=None if published is None else str(published))
        out.append((raw, r["expect"]))
    return out


def trafilatura_text(markup: str) -> str:
    """The page's main text as ``trafilatura.extract`` gives it alone (the peer of the comparison)."""
    import trafilatura

    return trafilatura.extract(markup, include_comments=False, include_tables=False, deduplicate=False) or ""


def throughput(articles: list[RawArticle], target: int, rounds: int) -> None:
    """Clean ``target`` articles ``rounds`` times and report the best round.

    Times are CPU time of this process (what one worker core spends), so other programs on
    the machine do not inflate them; the wall-clock rate of the same round is shown beside.
    """
    batch = (articles * (target // len(articles) + 1))[:target]
    for raw in articles:  # warm caches: rules compiled, language model loaded
        clean_article(raw)
    results = []
    for _ in range(rounds):
        per_article = []
        wall, cpu = time.perf_counter(), time.process_time()
        for raw in batch:
            t = time.process_time()
            clean_article(raw)
            per_article.append(time.process_time() - t)
        results.append((time.process_time() - cpu, time.perf_counter() - wall, sorted(per_article)))
    cpu, wall, per_article = min(results, key=lambda r: r[0])
    sizes = [len(r.body) for r in batch]
    print(f"cleaning throughput: {len(batch) / cpu:,.0f} articles/s of CPU time ({cpu / len(batch) * 1e6:,.0f} µs/article), "
          f"{len(batch) / wall:,.0f} articles/s wall-clock; best of {rounds} rounds")
    print(f"  {len(batch)} articles, {statistics.mean(sizes):,.0f} chars mean; per article: median {statistics.median(per_article) * 1e6:,.0f} µs, "
          f"p95 {per_article[int(len(per_article) * 0.95)] * 1e6:,.0f} µs, max {per_article[-1] * 1e3:,.1f} ms")


def by_group(groups: dict[str, list[RawArticle]], repeat: int) -> None:
    for name, articles in groups.items():
        start = time.process_time()
        for _ in range(repeat):
            for raw in articles:
                clean_article(raw)
        mean = (time.process_time() - start) / (repeat * len(articles))
        size = statistics.mean(len(r.body) for r in articles)
        print(f"  {name:14s} {len(articles):3d} articles, {size:6,.0f} chars mean: {mean * 1e6:6,.0f} µs/article, {1 / mean:8,.0f} articles/s")


def date_accuracy(reports: list[tuple[RawArticle, dict]]) -> None:
    misses = []
    for raw, expect in reports:
        clean = clean_article(raw)
        if clean.published is None or abs((clean.published - expect["published"]).days) > 3:
            misses.append(f"{raw.id}: {clean.published} (true {expect['published']})")
    share = 1 - len(misses) / len(reports)
    print(f"published date within 3 days: {share:.1%} of {len(reports)} wire reports" + (f"; misses: {misses}" if misses else ""))


def word_f1(found: str, gold: str) -> float:
    got, want = Counter(found.lower().split()), Counter(gold.lower().split())
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def html_comparison(repeat: int) -> None:
    """Sitrep (clean_article) against trafilatura.extract alone followed by the same text rules."""
    pages = sorted((DATA / "html").glob("*.html"))
    try:
        trafilatura_text("<html><body><p>warm up</p></body></html>")
        have_trafilatura = True
    except ImportError as exc:  # trafilatura 2.x needs lxml_html_clean, which lxml no longer ships
        print(f"trafilatura unavailable ({exc}); showing selectolax only")
        have_trafilatura = False
    print(f"{'page':26s} {'Sitrep F1':>13s} {'ms':>6s}   {'trafilatura F1':>14s} {'ms':>6s}")
    scores: dict[str, list[tuple[float, float]]] = {"selectolax": [], "trafilatura": []}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        gold = page.with_suffix("").with_suffix(".gold.txt").read_text(encoding="utf-8")
        raw = RawArticle(id=page.stem, body=html, content_type="text/html")
        clean_article(raw)
        start = time.process_time()
        for _ in range(repeat):
            body = clean_article(raw).body
        ours = (word_f1(body, gold), (time.process_time() - start) / repeat * 1e3)
        scores["selectolax"].append(ours)
        line = f"{page.stem:26s} {ours[0]:13.3f} {ours[1]:6.2f}"
        if have_trafilatura:
            site = html_to_text(html).source  # same site rules for both: the page names its site
            start = time.process_time()
            for _ in range(repeat):
                text = trafilatura_text(html)
                body = clean_article(RawArticle(id=page.stem, body=text or " ", source=site)).body
            theirs = (word_f1(body, gold), (time.process_time() - start) / repeat * 1e3)
            scores["trafilatura"].append(theirs)
            line += f"   {theirs[0]:14.3f} {theirs[1]:6.2f}"
        print(line)
    for name, rows in scores.items():
        if rows:
            print(f"{name:12s} mean F1 {statistics.mean(f for f, _ in rows):.3f} (min {min(f for f, _ in rows):.3f}), "
                  f"{statistics.mean(ms for _, ms in rows):.2f} ms a page")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles to clean for the throughput figure")
    parser.add_argument("--rounds", type=int, default=3, help="times the batch is cleaned; the best round is reported")
    parser.add_argument("--html", action="store_true", help="also compare the HTML extractors")
    args = parser.parse_args(argv)
    seeds = seed_articles()
    reports = wire_reports()
    wire = [raw for raw, _ in reports]
    throughput(seeds + wire, args.articles, args.rounds)
    by_group({"seed pages": seeds, "wire reports": wire}, repeat=20)
    date_accuracy(reports)
    if args.html:
        html_comparison(repeat=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
