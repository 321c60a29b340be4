"""Dedup benchmark: Sitrep's dedup stage against datasketch MinHashLSH, in one run.

    .venv/bin/python ops/bench/bench_dedup.py [--items tests/data/dedup/items.jsonl] [--near X] [--story X]

On the set ``ops/bench/make_dedup_set.py`` writes (originals and their copies, raw pages in
stream order, labelled), it prints:

1. Links. Sitrep end to end (``Pipeline``: clean, extract, sign, probe, resolve, corroborate)
   against datasketch ``MinHashLSH`` (num_perm=128) on the raw page text at its best
   threshold and shingle size over a sweep. A link "X is a copy of Y" is right when Y is in
   X's copy family (a copy of a copy linked to the first report counts); recall is over the
   items that have an earlier family member. A copy whose toll or another figure was edited
   states other facts: it is left out of these scores (``updated``) and counted apart. Also: how often the link is the first report,
   and story grouping of the originals (pairs reporting one event).
2. Throughput of the dedup stage on the cleaned bodies: Sitrep sign + probe + resolve
   against datasketch MinHash + LSH query + insert on the same texts, articles/s, best of
   three runs (``time.perf_counter``).
3. State: serialized bytes per article of the index and entries tables, on one shard and
   on four (where every shard keeps its own entry of an article it indexed); and the
   four-shard answers checked against the one-shard answers.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "services"))

from sitrep.models import RawArticle  # noqa: E402
from sitrep.pipeline import Pipeline, analyze  # noqa: E402
from sitrep.settings import Settings, Thresholds  # noqa: E402
from sitrep.stages.dedup import index as dedup  # noqa: E402

ITEMS = ROOT / "tests" / "data" / "dedup" / "items.jsonl"
NUM_PERM_DATASKETCH = 128


def load(path: Path = ITEMS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


UPDATES = ("edit:toll", "edit:number")  # edits that change a figure: the copy states other facts


def updated(item: dict) -> bool:
    """A copy whose toll or another figure was changed: one story with its source, and a copy
    only if the figure changed is not one of the main event's (so neither counted nor missed)."""
    return item["original"] is not None and any(t in UPDATES for t in item["transforms"])


def link_scores(items: Sequence[dict], links: dict[str, str | None]) -> dict[str, float]:
    """Precision, recall and F1 of the predicted links, and the share linked to the first report."""
    family = {it["id"]: it["family"] for it in items}
    tp = fp = first = 0
    for it in items:
        target = links.get(it["id"])
        if target is None:
            continue
        if family.get(target) == it["family"]:
            if updated(it):
                continue
            tp += 1
            first += target == it["family"]
        else:
            fp += 1
    positives = sum(1 for it in items if it["original"] and not updated(it))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / positives if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": positives - tp,
            "first_report": first / tp if tp else 0.0}


def story_scores(originals: Sequence[dict], stories: dict[str, str]) -> dict[str, float]:
    """Pairwise precision and recall of story grouping over the originals (one per copy family)."""
    tp = fp = fn = 0
    for a, b in combinations(originals, 2):
        same_event, same_story = a["event"] == b["event"], stories[a["id"]] == stories[b["id"]]
        tp += same_event and same_story
        fp += same_story and not same_event
        fn += same_event and not same_story
    return {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0, "pairs": tp + fn}


# --- Sitrep ----------------------------------------------------------------------------------------


def sitrep_links(items: Sequence[dict], thresholds: Thresholds) -> tuple[dict[str, str | None], dict[str, str], list[str]]:
    """Links and story ids from the whole pipeline, and the cleaned bodies dedup saw."""
    pipeline = Pipeline(thresholds=thresholds)
    links: dict[str, str | None] = {}
    stories: dict[str, str] = {}
    bodies: list[str] = []
    for order, it in enumerate(items):
        outcome = pipeline.run(RawArticle.model_validate(it), order)
        links[it["id"]] = outcome.verdict.duplicate_of
        stories[it["id"]] = outcome.verdict.story_id
        article = outcome.article
        bodies.append(article.body or article.title)
    return links, stories, bodies


def sitrep_stage(ids: Sequence[str], bodies: Sequence[str], thresholds: Thresholds, shards: int = 1,
                 batch: int = 200) -> tuple[list, list[tuple[dict, dict]]]:
    """The dedup stage alone over ``shards`` shards of state: per batch of ``batch`` articles (a
    worker's ``take_events``), sign them, route their keys, probe each shard, resolve."""
    state: list[tuple[dict, dict]] = [({}, {}) for _ in range(shards)]
    verdicts = []
    near, story = thresholds.near_duplicate, thresholds.story
    for start in range(0, len(ids), batch):
        sigs = dedup.sign_many(bodies[start : start + batch])
        if shards == 1:
            requests = [(ids[order], order, sig, dedup.keys(sig)) for order, sig in enumerate(sigs, start)]
            answers = dedup.probe_many(requests, *state[0], min_similarity=story)
            verdicts += [dedup.resolve(request[0], found, near=near) for request, found in zip(requests, answers)]
            continue
        per_shard: list[list] = [[] for _ in range(shards)]
        for order, sig in enumerate(sigs, start):
            for shard, shard_keys in dedup.route(dedup.keys(sig), shards).items():
                per_shard[shard].append((ids[order], order, sig, shard_keys))
        merged: dict[int, list] = {}
        for shard, requests in enumerate(per_shard):
            answers = dedup.probe_many(requests, *state[shard], min_similarity=story, shard=shard, shards=shards)
            for request, found in zip(requests, answers):
                merged.setdefault(request[1], []).extend(found)
        verdicts += [dedup.resolve(ids[o], merged.get(o, []), near=near) for o in range(start, start + len(sigs))]
    return verdicts, state


def sitrep_one_by_one(ids: Sequence[str], bodies: Sequence[str], thresholds: Thresholds) -> None:
    """The same stage an article at a time: ``sign``, ``probe``, ``resolve``."""
    index: dict = {}
    entries: dict = {}
    for order, (article_id, body) in enumerate(zip(ids, bodies)):
        sig = dedup.sign(body)
        found = dedup.probe(article_id, order, sig, dedup.keys(sig), index, entries, min_similarity=thresholds.story)
        dedup.resolve(article_id, found, near=thresholds.near_duplicate)


# --- datasketch ------------------------------------------------------------------------------------


def _shingles(text: str, size: int) -> list[bytes]:
    words = text.lower().split()
    if size == 1 or len(words) < size:
        return [w.encode() for w in set(words)] or [b""]
    return list({" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)})


def datasketch_links(ids: Sequence[str], texts: Sequence[str], threshold: float, size: int) -> dict[str, str | None]:
    """MinHashLSH at ``threshold``: link to the earliest candidate whose estimated Jaccard passes it."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM_DATASKETCH)
    sketches: dict[str, MinHash] = {}
    position = {article_id: i for i, article_id in enumerate(ids)}
    links: dict[str, str | None] = {}
    for article_id, text in zip(ids, texts):
        m = MinHash(num_perm=NUM_PERM_DATASKETCH)
        m.update_batch(_shingles(text, size))
        hits = [c for c in lsh.query(m) if m.jaccard(sketches[c]) >= threshold]
        links[article_id] = min(hits, key=position.__getitem__) if hits else None
        if article_id not in sketches:
            lsh.insert(article_id, m)
            sketches[article_id] = m
    return links


_TAG = re.compile(r"<[^>]*>")


def page_text(item: dict) -> str:
    """The raw page as text: markup removed, chrome and comments kept (what datasketch sees)."""
    return html.unescape(_TAG.sub(" ", item["body"])) if item["content_type"] == "text/html" else item["body"]


def datasketch_best(items: Sequence[dict]) -> tuple[dict, float, int]:
    ids, texts = [it["id"] for it in items], [page_text(it) for it in items]
    best: tuple[dict, float, int] | None = None
    for size in (1, 2, 3):
        for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            scores = link_scores(items, datasketch_links(ids, texts, threshold, size))
            if best is None or scores["f1"] > best[0]["f1"]:
                best = (scores, threshold, size)
    assert best is not None
    return best


# --- throughput ------------------------------------------------------------------------------------


def best_times(rounds: int, jobs: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Each job's best time over ``rounds`` rounds, the jobs taking turns within a round, so a
    busy machine slows them alike."""
    best = {name: float("inf") for name in jobs}
    for _ in range(rounds):
        for name, job in jobs.items():
            started = time.perf_counter()
            job()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def datasketch_stage(ids: Sequence[str], texts: Sequence[str], threshold: float, size: int) -> None:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM_DATASKETCH)
    for article_id, text in zip(ids, texts):
        m = MinHash(num_perm=NUM_PERM_DATASKETCH)
        m.update_batch(_shingles(text, size))
        lsh.query(m)
        lsh.insert(article_id, m)


def json_index_bytes(index: dict[int, bytes], entries: dict[int, bytes]) -> int:
    """What the same index costs as JSON lists of id strings (the worker's first encoding)."""
    ids = {key: dedup.unpack(value)[3] for key, value in entries.items()}
    return sum(8 + len(orjson.dumps([ids[m] for m in dedup.members(v) if m in ids])) for v in index.values())


def main(argv: list[str] | None = None) -> None:
    defaults = Settings().thresholds
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=Path, default=ITEMS)
    parser.add_argument("--near", type=float, default=defaults.near_duplicate, help="near-duplicate threshold (default: settings)")
    parser.add_argument("--story", type=float, default=defaults.story, help="story threshold (default: settings)")
    parser.add_argument("--summary", action="store_true", help="print only the one-line summary (for ops/bench/run)")
    args = parser.parse_args(argv)
    say = (lambda *_: None) if args.summary else print
    thresholds = defaults.model_copy(update={"near_duplicate": args.near, "story": args.story})
    items = load(args.items)
    ids = [it["id"] for it in items]
    transforms = Counter(t.split(":")[0] for it in items for t in it["transforms"])
    say(f"{len(items)} items: {sum(1 for it in items if it['original'] is None)} originals, "
          f"{sum(1 for it in items if it['original'])} copies ({', '.join(f'{k} {v}' for k, v in sorted(transforms.items()))})")
    say(f"Sitrep: NUM_PERM={dedup.NUM_PERM} BITS={dedup.BITS} BANDS={dedup.BANDS} SHINGLE={dedup.SHINGLE} "
          f"EXTRA_WEIGHT={dedup.EXTRA_WEIGHT} near={thresholds.near_duplicate} story={thresholds.story}")

    analyze(RawArticle(id="warm-up", body="warm up the gazetteer"), 0)
    links, stories, bodies = sitrep_links(items, thresholds)
    ours = link_scores(items, links)
    story = story_scores([it for it in items if it["original"] is None], stories)
    theirs, ds_threshold, ds_size = datasketch_best(items)

    say("\nLinks                                precision  recall     F1   fp   fn  first report")
    say(
        f"  Sitrep (pipeline, cleaned body)      {ours['precision']:.4f}  {ours['recall']:.4f}  {ours['f1']:.4f}"
        f" {ours['fp']:4d} {ours['fn']:4d}  {ours['first_report']:.3f}"
    )
    say(
        f"  datasketch LSH (page text, t={ds_threshold}, {ds_size}-gram) "
        f"{theirs['precision']:.4f}  {theirs['recall']:.4f}  {theirs['f1']:.4f} {theirs['fp']:4d} {theirs['fn']:4d}  {theirs['first_report']:.3f}"
    )
    say(f"  Sitrep stories over originals: precision {story['precision']:.3f}, recall {story['recall']:.3f} ({story['pairs']} same-event pairs)")
    family = {it["id"]: it["family"] for it in items}
    changed = [it for it in items if updated(it)]
    say(f"  copies with a figure changed: {sum(links[it['id']] is None for it in changed)} of {len(changed)} kept apart, "
        f"{sum(stories[it['id']] in family and family[stories[it['id']]] == it['family'] for it in changed)} in their source's story")

    n = len(items)
    raw_texts = [page_text(it) for it in items]
    times = best_times(
        7,
        {
            "ours": lambda: sitrep_stage(ids, bodies, thresholds),
            "ours_single": lambda: sitrep_one_by_one(ids, bodies, thresholds),
            "theirs_fast": lambda: datasketch_stage(ids, bodies, ds_threshold, 1),
            "theirs": lambda: datasketch_stage(ids, bodies, ds_threshold, ds_size),
            "theirs_raw": lambda: datasketch_stage(ids, raw_texts, ds_threshold, ds_size),
        },
    )
    say("\nThroughput (best of 7, taking turns)                articles/s   µs/article   time vs Sitrep")
    rows = [
        ("Sitrep, batches of 200 (cleaned bodies)", "ours"),
        ("Sitrep, one article at a time", "ours_single"),
        ("datasketch, same bodies, words (its fastest)", "theirs_fast"),
        (f"datasketch, same bodies, {ds_size}-grams (its best)", "theirs"),
        (f"datasketch, page text, {ds_size}-grams", "theirs_raw"),
    ]
    for label, name in rows:
        say(f"  {label:48s} {n / times[name]:8.0f}   {times[name] / n * 1e6:9.1f}   {times[name] / times['ours']:6.1f}x")
    say(
        f"  On the same texts Sitrep (sign + probe + resolve) is {times['theirs_fast'] / times['ours']:.1f}x datasketch "
        f"(MinHash + query + insert) with word shingles, {times['theirs'] / times['ours']:.1f}x with its best ones"
    )

    one, one_state = sitrep_stage(ids, bodies, thresholds, shards=1)
    four, four_state = sitrep_stage(ids, bodies, thresholds, shards=4)
    index, entries = one_state[0]
    one_bytes = dedup.state_bytes(index, entries)
    four_bytes = sum(dedup.state_bytes(i, e) for i, e in four_state)
    index_bytes = sum(8 + len(v) for v in index.values())
    say("\nState (serialized keys + values)     bytes/article")
    say(f"  one shard                            {one_bytes / n:8.0f}  (index {index_bytes / n:.0f}, entries {(one_bytes - index_bytes) / n:.0f})")
    say(f"  four shards                          {four_bytes / n:8.0f}")
    say(f"  index as JSON lists of ids           {json_index_bytes(index, entries) / n:8.0f}  (for comparison)")
    say(f"  four-shard verdicts equal one-shard  {one == four}")
    print(
        f"dedup: P {ours['precision']:.3f} R {ours['recall']:.3f} (datasketch best P {theirs['precision']:.3f} R {theirs['recall']:.3f}); "
        f"{times['theirs_fast'] / times['ours']:.1f}x datasketch on the same texts ({n / times['ours']:.0f} vs {n / times['theirs_fast']:.0f} articles/s); "
        f"{one_bytes / n:.0f} B of state per article ({four_bytes / n:.0f} over 4 shards)"
    )


if __name__ == "__main__":
    main()
