"""Main text and metadata of real web pages: Sitrep's cleaner beside trafilatura, same run.

    PYTHONPATH=services .venv/bin/python ops/eval/webpages.py [--dev /work/shared/dev/webpages] [--modes default]

Input: the dev set's pages (gzipped HTML) and ``evaldata.json``: per page, ``with`` snippets
(text that must be in the main text), ``without`` snippets (navigation, footers, comments,
related links: text that must not), and where known the title, author and date.

Sitrep runs as the worker does: the page goes in as an ``articles.raw`` message (JSON,
``content_type`` text/html), through ``codec.decode_raw`` (with the default body cap) and
``pipeline.clean`` (the cleaner, and the check that rejects a page left with no content).
A page that is rejected (dead-lettered) counts as emptied, with its reason. trafilatura runs
as ``trafilatura.extract`` on the same text, in each mode asked for (``precision``,
``default``, ``recall``: favor_precision / neither / favor_recall), with its metadata.

Printed per extractor:
- with-hit: the share of ``with`` snippets found in the text; without-absent: the share of
  ``without`` snippets not in it (both over all snippets of all pages; whitespace collapsed,
  case kept).
- token precision / recall / F1 from the snippets: each snippet weighs its number of
  whitespace tokens. A ``with`` snippet found adds its tokens to the true positives, one
  missed to the false negatives; a ``without`` snippet found adds its tokens to the false
  positives. Precision = TP / (TP + FP), recall = TP / (TP + FN), summed over all pages.
- emptied: pages whose text came out empty or under 50 characters (or rejected).
- title / author / date: the share right, over the pages whose truth has that field
  (title and author compared casefolded with whitespace collapsed; an author list counts
  when the truth's names are the same set; the date as the ISO day).
- ms per page: CPU time of the extraction and metadata, the mean over pages.

``--seeds`` also times Sitrep on the plain-text seed pages (the input its line rules were
built for), µs per article, so a change for HTML can be checked not to slow plain text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sitrep.codec import decode_raw
from sitrep.errors import RejectedMessage
from sitrep.settings import Thresholds

ROOT = Path(__file__).resolve().parents[2]
DEV = Path("/work/shared/dev/webpages")
_EMPTY = 50  # characters: a text shorter than this is counted as an emptied page
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


@dataclass
class Result:
    text: str = ""
    title: str | None = None
    author: str | None = None
    date: str | None = None
    rejected: str | None = None
    seconds: float = 0.0


@dataclass
class Score:
    with_hit: int = 0
    with_all: int = 0
    without_absent: int = 0
    without_all: int = 0
    tp: int = 0
    fn: int = 0
    fp: int = 0
    emptied: list[str] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)
    meta: dict[str, list[int]] = field(default_factory=lambda: {"title": [0, 0], "author": [0, 0], "date": [0, 0]})
    seconds: list[float] = field(default_factory=list)

    def add(self, name: str, truth: dict[str, Any], got: Result) -> None:
        text = norm(got.text)
        for snippet in truth.get("with", []):
            s = norm(snippet)
            tokens = len(s.split())
            self.with_all += 1
            if s in text:
                self.with_hit += 1
                self.tp += tokens
            else:
                self.fn += tokens
        for snippet in truth.get("without", []):
            s = norm(snippet)
            self.without_all += 1
            if s in text:
                self.fp += len(s.split())
            else:
                self.without_absent += 1
        if got.rejected:
            self.rejected[got.rejected] = self.rejected.get(got.rejected, 0) + 1
        if len(text) < _EMPTY:
            self.emptied.append(name)
        for key in ("title", "author", "date"):
            want = truth.get(key)
            if want:
                self.meta[key][1] += 1
                self.meta[key][0] += same(key, want, getattr(got, key))
        self.seconds.append(got.seconds)

    def line(self, label: str) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        meta = " ".join(f"{k} {v[0] / v[1]:.3f}" if v[1] else f"{k} -" for k, v in self.meta.items())
        rejected = ", ".join(f"{k} {v}" for k, v in sorted(self.rejected.items())) or "none"
        return (f"{label:24s} with-hit {self.with_hit / self.with_all:.3f}  without-absent {self.without_absent / self.without_all:.3f}  "
                f"P {p:.3f} R {r:.3f} F1 {f1:.3f}  emptied {len(self.emptied)} (rejected: {rejected})  {meta}  "
                f"{statistics.mean(self.seconds) * 1e3:.1f} ms/page")


def same(key: str, want: Any, got: str | None) -> bool:
    if not got:
        return False
    if key == "date":
        return want[:10] == got[:10]
    if key == "author":
        return _names(want) == _names(got)
    return norm(want).casefold() == norm(got).casefold()


def _names(value: str | list[str]) -> set[str]:
    text = "; ".join(value) if isinstance(value, list) else value
    return {norm(n).casefold() for n in re.split(r";| and |\|", text) if n.strip()}


def decode_page(data: bytes) -> str:
    """The page's bytes as text: UTF-8, else Windows-1252 (what a scraper would have sent)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def sitrep_page(url: str, html: str, cap: int) -> Result:
    from sitrep.stages.clean.article import clean_article

    try:
        from sitrep.pipeline import clean as pipeline_clean  # the worker's path, with the no_content check
    except ImportError:  # before the check existed
        pipeline_clean = clean_article
    message = orjson.dumps({"id": url[-200:], "url": url, "body": html, "content_type": "text/html"})
    start = time.process_time()
    try:
        raw = decode_raw(message, max_body_bytes=cap)
        clean = pipeline_clean(raw)
    except RejectedMessage as exc:
        return Result(rejected=exc.reason, seconds=time.process_time() - start)
    seconds = time.process_time() - start
    return Result(clean.body, clean.title, clean.author, clean.published.isoformat() if clean.published else None, seconds=seconds)


def trafilatura_page(url: str, html: str, mode: str) -> Result:
    import trafilatura

    start = time.process_time()
    out = trafilatura.extract(html, url=url, output_format="json", with_metadata=True, include_comments=False,
                              favor_precision=mode == "precision", favor_recall=mode == "recall")
    seconds = time.process_time() - start
    if not out:
        return Result(seconds=seconds)
    data = json.loads(out)
    return Result(data.get("text") or "", data.get("title"), data.get("author"), data.get("date"), seconds=seconds)


def seed_timing(repeat: int) -> str:
    sys.path.insert(0, str(ROOT / "ops" / "bench"))
    from bench_clean import seed_articles

    from sitrep.stages.clean.article import clean_article

    seeds = seed_articles()
    for raw in seeds:
        clean_article(raw)
    best = []
    for _ in range(repeat):
        start = time.process_time()
        for raw in seeds:
            clean_article(raw)
        best.append((time.process_time() - start) / len(seeds))
    return f"plain-text seed pages: {len(seeds)} articles, {min(best) * 1e6:,.0f} µs/article (best of {repeat} rounds)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("Printed per extractor:")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", type=Path, default=DEV, help="folder with evaldata.json and the gzipped pages")
    parser.add_argument("--modes", default="precision,default,recall", help="trafilatura modes to run, comma-separated")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages (0: all)")
    parser.add_argument("--show", action="store_true", help="list the pages each extractor emptied")
    parser.add_argument("--seeds", action="store_true", help="also time Sitrep on the plain-text seed pages")
    args = parser.parse_args(argv)
    truth = json.loads((args.dev / "evaldata.json").read_text(encoding="utf-8"))
    items = sorted(truth.items(), key=lambda kv: kv[1]["file"])
    if args.limit:
        items = items[: args.limit]
    cap = Thresholds().max_body_bytes
    modes = [m for m in args.modes.split(",") if m]
    scores = {"sitrep": Score(), **{f"trafilatura {m}": Score() for m in modes}}
    sitrep_page("warm-up", "<html><body><p>warm up</p></body></html>", cap)
    for url, item in items:
        html = decode_page(gzip.decompress((args.dev / item["file"]).read_bytes()))
        scores["sitrep"].add(item["file"], item, sitrep_page(url, html, cap))
        for m in modes:
            scores[f"trafilatura {m}"].add(item["file"], item, trafilatura_page(url, html, m))
    print(f"{len(items)} pages, {sum(len(i.get('with', [])) for _, i in items)} with-snippets, "
          f"{sum(len(i.get('without', [])) for _, i in items)} without-snippets")
    for name, score in scores.items():
        print(score.line(name))
        if args.show and score.emptied:
            print("   emptied:", ", ".join(score.emptied))
    if args.seeds:
        print(seed_timing(20))
    return 0


if __name__ == "__main__":
    sys.exit(main())
