"""Bounds of one article's analysis: what real articles yield against the extraction limits,
and how the cost grows on pathological articles up to the body cap.

    .venv/bin/python ops/eval/bounds.py [--dev /work/shared/dev] [--sizes 0.25,0.5,1]

Part 1 runs ``pipeline.analyze`` on the dev sets (the web pages as HTML, the ACLED notes as
articles) and prints the largest entity, mention, claim and evidence counts beside the
limits of ``stages.extract.Limits``, how many articles reached one, and the cost per article.
Part 2 builds articles of a quarter, a half and all of the body cap from one repeated
shape (casualty sentences, one name, one endless sentence, many actors) and prints the
analysis time beside a baseline that is linear by construction (one regex pass over the same
text): time over baseline stays flat when the analysis is linear.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
import statistics
import time
from pathlib import Path

from sitrep.models import RawArticle
from sitrep.pipeline import analyze, warm_up
from sitrep.records import prepare
from sitrep.stages.extract.article import LIMITS

_PLACES = ["Aleppo", "Homs", "Idlib", "Raqqa", "Douma", "Hama", "Mosul", "Tikrit", "Kirkuk", "Daraa"]
_ACTORS = ["Russian jets", "regime forces", "Islamic State", "the SDF", "Turkish artillery", "Hezbollah"]
_BASELINE = re.compile(r"\d+|[A-Z][a-z]+")


def dev_articles(dev: Path) -> dict[str, list[RawArticle]]:
    pages = [RawArticle(id=p.name, body=gzip.decompress(p.read_bytes()).decode("utf-8", "replace"), content_type="text/html")
             for p in sorted((dev / "webpages").glob("*.html.gz"))]
    with (dev / "acled_iraq_2019.csv").open(encoding="utf-8") as handle:
        notes = [RawArticle(id=row["event_id_cnty"], title=" ".join(row["notes"].split()[:8]), body=row["notes"])
                 for row in csv.DictReader(handle) if row["notes"].strip()]
    return {"webpages": pages, "acled notes": notes}


def part_one(dev: Path) -> None:
    print(f"limits: entities {LIMITS.entities}, mentions/entity {LIMITS.mentions}, mentions {LIMITS.mentions_total}, "
          f"claims {LIMITS.claims}, evidence {LIMITS.evidence_chars} chars")
    print(f"{'set':<12} {'articles':>8} {'entities':>9} {'ment/ent':>9} {'mentions':>9} {'claims':>7} {'evidence':>9} {'capped':>7} {'ms/article':>11}")
    for name, raws in dev_articles(dev).items():
        rows, costs = [], []
        for order, raw in enumerate(raws):
            started = time.perf_counter()
            ext = analyze(raw, order).extraction
            costs.append(time.perf_counter() - started)
            mentions = [len(e.mentions) for e in ext.entities]
            rows.append((len(ext.entities), max(mentions, default=0), sum(mentions), len(ext.casualties),
                         max((c.evidence.end - c.evidence.start for c in ext.casualties), default=0), bool(ext.capped)))
        top = [max(r[i] for r in rows) for i in range(5)]
        print(f"{name:<12} {len(rows):>8} {top[0]:>9} {top[1]:>9} {top[2]:>9} {top[3]:>7} {top[4]:>9} "
              f"{sum(r[5] for r in rows):>7} {1000 * statistics.mean(costs):>11.2f}")


def shapes(size: int) -> dict[str, str]:
    def fill(make: object) -> str:
        parts, total, n = [], 0, 0
        while total < size:
            part = make(n)  # type: ignore[operator]
            parts.append(part)
            total += len(part) + 1
            n += 1
        return " ".join(parts)[:size]
    return {
        "casualty sentences": fill(lambda n: f"{n + 2} people were killed in {_PLACES[n % 10]} on Monday."),
        "one name": fill(lambda n: "Homs"),
        "one sentence": fill(lambda n: f"{n + 2} killed by {_ACTORS[n % 6]} in {_PLACES[n % 10]},"),
        "actor sentences": fill(lambda n: f"{_ACTORS[n % 6]} killed {n + 2} civilians in {_PLACES[n % 10]}."),
    }


def part_two(cap: int, fractions: list[float]) -> None:
    print(f"\n{'shape':<20} {'KB':>6} {'analysis s':>11} {'baseline s':>11} {'ratio':>7} {'record KB':>10} capped")
    for fraction in fractions:
        for name, body in shapes(int(cap * fraction)).items():
            raw = RawArticle(id=name, title="Pathological", body=body)
            started = time.perf_counter()
            a = analyze(raw, 0)
            seconds = time.perf_counter() - started
            started = time.perf_counter()
            _BASELINE.findall(body)
            base = time.perf_counter() - started
            size = len(prepare(a).encode()) // 1000
            print(f"{name:<20} {len(body) // 1000:>6} {seconds:>11.2f} {base:>11.3f} {seconds / base:>7.0f} {size:>10} {','.join(a.extraction.capped) or '-'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=Path("/work/shared/dev"), help="the development sets (default /work/shared/dev)")
    parser.add_argument("--sizes", default="0.25,0.5,1", help="fractions of the body cap for part 2 (default 0.25,0.5,1)")
    parser.add_argument("--cap", type=int, default=1_000_000, help="body cap in bytes (default 1000000)")
    args = parser.parse_args()
    warm_up()
    part_one(args.dev)
    part_two(args.cap, [float(x) for x in args.sizes.split(",")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
