"""Dedup on real published text: Sitrep against datasketch MinHashLSH, in one run.

    .venv/bin/python ops/bench/bench_dedup_real.py [--ecb DIR] [--wikinews DIR] [--near X] [--story X]

The set (``dedup_real_set.py``: ECB+ and Wikinews articles, published on ten outlets with
their shared chrome, copied by other outlets with the edits sites make, and later versions
with another toll) goes through the whole pipeline (clean, extract, sign, probe, resolve,
corroborate) in stream order. It prints:

1. Copies: a link "X is a copy of Y" is right when Y is in X's copy family, or when the two
   families' articles share at least half their word 5-grams (two outlets that ran one wire
   story: a natural copy). Precision over all links; recall over the labelled copies; false
   links with how much of its words the pair shares; the natural copy pairs (80 % or more of
   the shorter text's 5-grams in the other) that were linked; the later versions with another
   toll that were kept apart (unique, in the story of their first version).
2. Stories: pairwise precision and recall of story ids over the distinct articles, against
   ECB+'s events (the reports of one event by different outlets); the same-event pairs left
   apart by class (no names, no shared top name, names alike below the bar, facts telling
   another event, shared names common, each grouped with another report), and the wrong pairs (the other event of
   the same ECB+ topic, or unrelated).
3. datasketch ``MinHashLSH`` (128 permutations) on the same cleaned bodies, best F1 over a
   sweep of thresholds and shingle sizes, scored the same way (its stories: linked groups).
4. Cost of the dedup stage alone on the cleaned bodies: µs an article for Sitrep (sign, probe,
   resolve, batches of 200) and datasketch (MinHash, query, insert), best of five; state
   bytes an article (Sitrep: its tables' keys and values, one shard and four; datasketch:
   its pickled index).
"""

from __future__ import annotations

import argparse
import pickle
import re
import sys
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "services"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_dedup as generated  # noqa: E402
import dedup_real_set as realset  # noqa: E402

from sitrep.models import RawArticle  # noqa: E402
from sitrep.pipeline import Pipeline, analyze  # noqa: E402
from sitrep.settings import Settings, Thresholds  # noqa: E402
from sitrep.stages.dedup import index as dedup  # noqa: E402

NATURAL = 0.8  # a pair of distinct articles sharing this much is a copy the dedup should link
ALLOWED = 0.5  # a link between texts sharing less than this is a false link


def _grams(text: str, size: int = 5) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))}


def family_overlaps(items: Sequence[dict]) -> dict[tuple[str, str], float]:
    """Share of the shorter article's word 5-grams found in the other, for every two families
    that share any (the first reports' own text, without pages)."""
    grams = {it["family"]: _grams(it["text"]) for it in items if it["kind"] == "original"}
    df = Counter(g for gs in grams.values() for g in gs)
    posting: dict[str, list[str]] = {}
    for fam, gs in grams.items():
        for g in gs:
            if df[g] <= 50:  # a 5-gram in more than 50 articles is a stock phrase
                posting.setdefault(g, []).append(fam)
    shared: Counter = Counter()
    for fams in posting.values():
        for a, b in combinations(sorted(fams), 2):
            shared[a, b] += 1
    return {(a, b): n / min(len(grams[a]), len(grams[b])) for (a, b), n in shared.items()}


def overlap(overlaps: dict[tuple[str, str], float], a: str, b: str) -> float:
    return 1.0 if a == b else overlaps.get((min(a, b), max(a, b)), 0.0)


def link_scores(items: Sequence[dict], links: dict[str, str | None], overlaps: dict[tuple[str, str], float]) -> dict:
    family = {it["id"]: it["family"] for it in items}
    right = wrong = found = 0
    false_overlaps: list[float] = []
    for it in items:
        target = links.get(it["id"])
        if target is None:
            continue
        share = overlap(overlaps, it["family"], family[target])
        if share >= ALLOWED:
            right += 1
            found += it["kind"] == "copy"
        else:
            wrong += 1
            false_overlaps.append(share)
    copies = sum(1 for it in items if it["kind"] == "copy")
    precision = right / (right + wrong) if right + wrong else 1.0
    recall = found / copies if copies else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # natural copies: a later distinct article sharing NATURAL of its words with an earlier one
    first_seen = {it["id"]: i for i, it in enumerate(items)}
    natural = [(a, b) for (a, b), v in overlaps.items() if v >= NATURAL]
    later = [max(a, b, key=first_seen.__getitem__) for a, b in natural]
    linked = sum(1 for x in later if links.get(x) is not None and overlap(overlaps, x, family[links[x] or x]) >= ALLOWED)
    updates = [it for it in items if it["kind"] == "update"]
    return {"precision": precision, "recall": recall, "f1": f1, "links": right + wrong, "false": wrong,
            "false_overlaps": sorted(false_overlaps), "natural": len(natural), "natural_linked": linked,
            "updates": len(updates), "updates_apart": sum(1 for it in updates if links.get(it["id"]) is None)}


def linked_groups(ids: Sequence[str], links: dict[str, str | None]) -> dict[str, str]:
    """A story per linked group (what a link-only dedup can say of stories)."""
    root: dict[str, str] = {}
    for article_id in ids:
        target = links.get(article_id)
        root[article_id] = root.get(target, target) if target is not None else article_id
    return root


def sitrep_run(items: Sequence[dict], thresholds: Thresholds) -> tuple[dict, dict, list[str]]:
    pipeline = Pipeline(thresholds=thresholds)
    links: dict[str, str | None] = {}
    stories: dict[str, str] = {}
    bodies: list[str] = []
    for order, it in enumerate(items):
        raw = RawArticle(id=it["id"], title=it["title"], body=it["body"], content_type=it["content_type"], source=it["source"])
        outcome = pipeline.run(raw, order)
        links[it["id"]] = outcome.verdict.duplicate_of
        stories[it["id"]] = outcome.verdict.story_id
        article = outcome.article
        bodies.append(article.body or article.title)
    return links, stories, bodies


def story_misses(originals: Sequence[dict], stories: dict[str, str], bodies: dict[str, str], facts: dict[str, bytes]
                 ) -> tuple[Counter, Counter]:
    """Why same-event pairs of distinct articles have different story ids, and what the pairs
    wrongly given one story are, by class (pairs). ``facts``: each article's packed facts."""
    from sitrep.stages.dedup import facts as event_facts
    from sitrep.stages.dedup import terms as story_terms

    sigs = {it["id"]: dedup.sign(bodies[it["id"]]) for it in originals}
    short = {k: story_terms.short(s.terms) for k, s in sigs.items()}
    keyed = {k: set(dedup.term_keys(s.terms)) for k, s in sigs.items()}
    grouped = Counter(stories[it["id"]] for it in originals)
    misses: Counter = Counter()
    wrong: Counter = Counter()
    for a, b in combinations(originals, 2):
        same_event, same_story = a["event"] == b["event"], stories[a["id"]] == stories[b["id"]]
        if same_story and not same_event:
            kind = "same kind of event (ECB+ topic)" if a["event"].removesuffix("plus") == b["event"].removesuffix("plus") else "unrelated"
            wrong[kind] += 1
        if not same_event or same_story:
            continue
        x, y = a["id"], b["id"]
        if not sigs[x].terms or not sigs[y].terms:
            misses["an article without names in its prose"] += 1
        elif keyed[x].isdisjoint(keyed[y]):
            misses["no shared top name (term key)"] += 1
        elif story_terms.similarity(short[x], short[y]) < (
                dedup.STORY_TERMS_DAY if event_facts.same_day(facts[x], facts[y]) else dedup.STORY_TERMS):
            misses["names alike below the bar (lower for one day)"] += 1
        elif event_facts.other_event(facts[x], facts[y]):
            misses["facts tell another event (day, toll or event key)"] += 1
        elif grouped[stories[x]] > 1 and grouped[stories[y]] > 1:
            misses["each in a group of its own of the story (links are not transitive)"] += 1
        else:
            misses["shared names common, or the earlier one outside the bucket"] += 1
    return misses, wrong


def datasketch_best(items: Sequence[dict], bodies: Sequence[str], overlaps: dict) -> tuple[dict, float, int, dict]:
    ids = [it["id"] for it in items]
    best = None
    for size in (1, 2, 3, 5):
        for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            links = generated.datasketch_links(ids, bodies, threshold, size)
            scores = link_scores(items, links, overlaps)
            if best is None or scores["f1"] > best[0]["f1"]:
                best = (scores, threshold, size, links)
    assert best is not None
    return best


def datasketch_state(ids: Sequence[str], texts: Sequence[str], threshold: float, size: int) -> int:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=generated.NUM_PERM_DATASKETCH)
    for article_id, text in zip(ids, texts):
        m = MinHash(num_perm=generated.NUM_PERM_DATASKETCH)
        m.update_batch(generated._shingles(text, size))
        lsh.insert(article_id, m)
    return len(pickle.dumps(lsh))


def formulaic(path: Path, thresholds: Thresholds, ds_t: float | None, ds_size: int | None) -> None:
    """Links among distinct events reported in one formulaic style (the ACLED dev notes, one
    event each, in date order, published on their event's day): every copy link is a report
    hidden, every story link two events made one. Identical notes (a monitor splitting one
    incident's toll across events) are copies and are not counted."""
    import csv

    rows = sorted((r for r in csv.DictReader(path.open(encoding="utf-8")) if r["notes"].strip()), key=lambda r: (r["event_date"], r["event_id_cnty"]))
    notes = {r["event_id_cnty"]: r["notes"].strip() for r in rows}
    pipeline = Pipeline(thresholds=thresholds)
    copies = stories = 0
    for order, r in enumerate(rows):
        note = notes[r["event_id_cnty"]]
        raw = RawArticle(id=r["event_id_cnty"], title=" ".join(note.split()[:8]), body=note, published=r["event_date"])
        verdict = pipeline.run(raw, order).verdict
        if verdict.duplicate_of is not None and notes[verdict.duplicate_of] != note:
            copies += 1
        elif verdict.duplicate_of is None and verdict.story_id != raw.id:
            stories += 1
    print(f"\nDistinct events in one formulaic style ({path.name}: {len(rows)} events)   linked as copies   one story with another event")
    print(f"  Sitrep                                       {copies:5d}              {stories:5d}")
    if ds_t is not None and ds_size is not None:
        from datasketch import MinHash, MinHashLSH

        lsh, linked = MinHashLSH(threshold=ds_t, num_perm=generated.NUM_PERM_DATASKETCH), 0
        for article_id, note in notes.items():
            m = MinHash(num_perm=generated.NUM_PERM_DATASKETCH)
            m.update_batch(generated._shingles(note, ds_size))
            linked += any(notes[other] != note for other in lsh.query(m))
            lsh.insert(article_id, m)
        print(f"  datasketch LSH (t={ds_t}, {ds_size}-grams)                  {linked:5d}")


def _row(label: str, s: dict) -> str:
    worst = f"{s['false_overlaps'][-1]:.2f}" if s["false_overlaps"] else "-"
    return (f"  {label:44s} {s['precision']:.4f}  {s['recall']:.4f}  {s['f1']:.4f} {s['links']:5d} {s['false']:5d}   {worst:>5s}"
            f"   {s['natural_linked']:3d}/{s['natural']:<3d}  {s['updates_apart']:3d}/{s['updates']}")


def main(argv: list[str] | None = None) -> None:
    defaults = Settings().thresholds
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ecb", type=Path, default=realset.ECB)
    parser.add_argument("--wikinews", type=Path, default=realset.WIKINEWS)
    parser.add_argument("--near", type=float, default=defaults.near_duplicate)
    parser.add_argument("--story", type=float, default=defaults.story)
    parser.add_argument("--no-datasketch", action="store_true", help="Sitrep only (quicker)")
    parser.add_argument("--formulaic", type=Path, default=Path("/work/shared/dev/acled_iraq_2019.csv"),
                        help="distinct events in one formulaic style, an ACLED export (default: the dev set; skipped if absent)")
    args = parser.parse_args(argv)
    thresholds = defaults.model_copy(update={"near_duplicate": args.near, "story": args.story})
    built = realset.build(realset.DEFAULT_SEED, args.ecb, args.wikinews)
    items = [realset.record(it) for it in built]
    ids = [it["id"] for it in items]
    kinds = Counter(it["kind"] for it in items)
    transforms = Counter(t.split(":")[0] for it in items for t in it["transforms"] if not t.startswith("truncate")) + Counter(
        "truncate" for it in items for t in it["transforms"] if t.startswith("truncate"))
    print(f"{len(items)} items: {kinds['original']} distinct articles ({len({it['event'] for it in items})} stories), "
          f"{kinds['copy']} copies, {kinds['update']} later versions with another toll")
    print(f"  transforms: {', '.join(f'{k} {v}' for k, v in sorted(transforms.items()))}")
    overlaps = family_overlaps(items)
    print(f"  pairs of distinct articles sharing >= {ALLOWED:.0%} of their 5-grams: {sum(v >= ALLOWED for v in overlaps.values())}, "
          f">= {NATURAL:.0%}: {sum(v >= NATURAL for v in overlaps.values())}")
    print(f"Sitrep: near={thresholds.near_duplicate} story={thresholds.story}")

    analyze(RawArticle(id="warm-up", body="warm up the gazetteer"), 0)
    links, stories, bodies = sitrep_run(items, thresholds)
    ours = link_scores(items, links, overlaps)
    originals = [it for it in items if it["kind"] == "original"]
    our_story = generated.story_scores(originals, stories)
    header = ("Copies                                        precision  recall     F1 links false  worst  natural  updates"
              "\n                                                                               share  linked   apart")
    print("\n" + header)
    print(_row("Sitrep (pipeline)", ours))
    if not args.no_datasketch:
        theirs, ds_t, ds_size, ds_links = datasketch_best(items, bodies, overlaps)
        print(_row(f"datasketch LSH, best (t={ds_t}, {ds_size}-grams)", theirs))
    print("\nStories over the distinct articles         precision  recall  (same-event pairs)")
    print(f"  Sitrep story ids                             {our_story['precision']:.4f}  {our_story['recall']:.4f}  ({our_story['pairs']})")
    if not args.no_datasketch:
        ds_story = generated.story_scores(originals, linked_groups(ids, ds_links))
        print(f"  datasketch linked groups                     {ds_story['precision']:.4f}  {ds_story['recall']:.4f}")
    facts = {it["id"]: analyze(RawArticle(id=it["id"], title=it["title"], body=it["body"], content_type=it["content_type"],
                                          source=it["source"]), 0).facts for it in originals}
    misses, wrong = story_misses(originals, stories, dict(zip(ids, bodies)), facts)
    print("  same-event pairs apart, by class: " + "; ".join(f"{k} {v}" for k, v in misses.most_common()))
    print("  pairs wrongly in one story: " + "; ".join(f"{k} {v}" for k, v in wrong.most_common()))
    if ours["false_overlaps"]:
        print(f"  Sitrep's false links share {', '.join(f'{v:.2f}' for v in ours['false_overlaps'][:20])}"
              f"{' ...' if len(ours['false_overlaps']) > 20 else ''} of their 5-grams")

    if args.formulaic.exists():
        formulaic(args.formulaic, thresholds, None if args.no_datasketch else ds_t, None if args.no_datasketch else ds_size)

    n = len(items)
    jobs = {"ours": lambda: generated.sitrep_stage(ids, bodies, thresholds)}
    if not args.no_datasketch:
        jobs["theirs"] = lambda: generated.datasketch_stage(ids, bodies, ds_t, ds_size)
    times = generated.best_times(5, jobs)
    _, one_state = generated.sitrep_stage(ids, bodies, thresholds, shards=1)
    _, four_state = generated.sitrep_stage(ids, bodies, thresholds, shards=4)
    one_bytes = dedup.state_bytes(*one_state[0])
    four_bytes = sum(dedup.state_bytes(i, e) for i, e in four_state)
    print("\nCost of the dedup stage (cleaned bodies)     µs/article   state bytes/article")
    print(f"  Sitrep, batches of 200                       {times['ours'] / n * 1e6:8.1f}     {one_bytes / n:6.0f} (four shards {four_bytes / n:.0f})")
    if not args.no_datasketch:
        ds_bytes = datasketch_state(ids, bodies, ds_t, ds_size)
        print(f"  datasketch ({ds_size}-grams, t={ds_t})                   {times['theirs'] / n * 1e6:8.1f}     {ds_bytes / n:6.0f} (pickled)")
    print(f"dedup_real: P {ours['precision']:.3f} R {ours['recall']:.3f}, {ours['false']} false links, natural {ours['natural_linked']}/{ours['natural']}, "
          f"stories P {our_story['precision']:.3f} R {our_story['recall']:.3f}; {times['ours'] / n * 1e6:.0f} µs and {one_bytes / n:.0f} B an article")


if __name__ == "__main__":
    main()
