"""The real-text dedup benchmark set: published news articles, their copies and the hard negatives.

    .venv/bin/python ops/bench/dedup_real_set.py [--ecb DIR] [--wikinews DIR] [--out PATH]

Nothing of the corpora is committed: the set is built from two public repositories brought in
with the search tool's ``fetch`` (read with ``git show``, as the snapshots have no work tree):

- **ECB+** (``github.com/cltl/ECB-parser``, the ``ECB+/`` folder; corpus by Cybulska and Vossen,
  LREC 2014, licence CC BY 3.0 as stated in ``github.com/cltl/ecbPlus/LICENSEDATA.TXT``): 982
  news articles found through Google News, in 43 topics of two seminal events each (two
  earthquakes, two bombings of refugee camps, two office shootings...). The articles of one
  event come from different outlets: one *story*, many reports; the two events of a topic are
  the same kind of event at another place and time: the hard negatives of a fact check.
- **Wikinews** 2019 and 2020 (``github.com/vanatteveldt/wikinews``, ``data/*.csv``, licence CC
  BY 2.5 as its README states): 295 articles of one outlet, each its own story.

What the set adds, as sites do (``dedup_pages`` holds the edits and page parts):

- every original is published on one of ten outlets, whose pages carry the same chrome: a
  navigation bar, a "Related News" list of the outlet's latest other headlines (it rotates as
  the outlet publishes), a "Category News" list that changes every few dozen articles, the
  footer; some outlets end half their articles with one agency or monitor paragraph (a real
  paragraph of a held-out article). Different events of one outlet share all of that.
- copies by other outlets: wrapped in their own chrome with reader comments, lightly edited
  (synonyms, reordered or dropped sentences and paragraphs, a "READ MORE" line, the dateline,
  spelling), cut to 50-85 %, syndicated with a credit line, combinations, copies of copies.
- updated reports: a later version of an article that states a toll, the toll raised: one
  story, not a copy.

Labels: ``original`` (None for a distinct article, else the first report of the copy's family),
``family``, ``event`` (the story), ``kind`` (original, copy, update), ``transforms``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dedup_pages as pages  # noqa: E402

MIRRORS = Path("/work/.mirror")
ECB = MIRRORS / "cltl+ECB-parser" / "repo" / ".git"
WIKINEWS = MIRRORS / "vanatteveldt+wikinews" / "repo"
DEFAULT_SEED = 20141201
OUTLETS = pages.SITES[:10]
CATEGORIES = ["World", "Middle East", "Africa", "Asia", "Americas", "Europe", "Politics", "Security", "Disasters", "Crime"]


@dataclass
class Item:
    id: str
    title: str
    paras: list[str]
    event: str
    family: str
    outlet: str
    position: float  # stream position
    kind: str = "original"
    original: str | None = None
    transforms: list[str] = field(default_factory=list)
    body: str = ""
    content_type: str = "text/plain"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=True).stdout


_ATTACH = re.compile(r" ([.,;:!?%)\]}]|'s|n't|'re|'ve|'ll|'d|'m)(?=\s|$)")


def _detokenize(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = _ATTACH.sub(r"\1", text)
    text = re.sub(r"([(\[{$]) ", r"\1", text)
    text = re.sub(r'" (.*?) "', r'"\1"', text)
    return re.sub(r"(\d) ([.:,]) (\d)", r"\1\2\3", text)


def ecb_articles(repo: Path = ECB) -> list[tuple[str, str, list[str], str]]:
    """(id, title, paragraphs, event) of every ECB+ document."""
    out = []
    names = [n for n in _git(repo, "ls-tree", "-r", "--name-only", "HEAD").splitlines() if n.endswith(".xml")]
    for name in sorted(names):
        root = ET.fromstring(_git(repo, "show", f"HEAD:{name}"))
        sentences: dict[int, list[str]] = {}
        for token in root.iter("token"):
            sentences.setdefault(int(token.get("sentence", 0)), []).append(token.text or "")
        lines = [_detokenize(sentences[k]) for k in sorted(sentences)]
        lines = [s for s in lines if s and "http" not in s and "www." not in s]
        if len(lines) < 3:
            continue
        doc = Path(name).stem  # e.g. 41_1ecbplus
        topic = doc.split("_")[0]
        event = f"ecb{topic}{'plus' if doc.endswith('plus') else ''}"
        title, rest = lines[0], lines[1:]
        paras = [" ".join(rest[i : i + 3]) for i in range(0, len(rest), 3)]
        out.append((f"ecb-{doc}", title, paras, event))
    return out


def wikinews_articles(repo: Path = WIKINEWS) -> list[tuple[str, str, list[str], str]]:
    out = []
    for year in (2019, 2020):
        for row in csv.DictReader(io.StringIO(_git(repo / ".git" if (repo / ".git").exists() else repo, "show", f"HEAD:data/wikinews_{year}.csv"))):
            paras = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", row["text"])]
            paras = [p for p in paras if len(p.split()) >= 4]
            if len(paras) < 2:
                continue
            key = "wn-" + hashlib.sha1(row["url"].encode()).hexdigest()[:10]
            out.append((key, row["title"], paras, key))
    return out


class Outlet:
    """One site: its fixed chrome, and the headlines it shows beside each new article."""

    def __init__(self, name: str, rng: random.Random, boilerplate: str | None) -> None:
        self.name = name
        self.nav = " | ".join(rng.sample(pages.NAV, rng.randint(6, 10)))
        self.category = rng.choice(CATEGORIES)
        self.boilerplate = boilerplate
        self.footer = f"© {self.name}. All rights reserved. | About us | Contact | Privacy policy | Terms of use"
        self.latest: list[str] = []  # the outlet's headlines, newest last
        self.category_news: list[str] = []
        self.published = 0

    def page(self, item: Item, rng: random.Random, comments: bool) -> str:
        """The article on this outlet's page; chrome as the outlet shows it at that moment."""
        if self.published % 40 == 0 or not self.category_news:
            self.category_news = list(self.latest[-8:-3]) or list(self.latest[-5:])
        related = [t for t in self.latest[-6:] if t != item.title][-5:]
        head = [self.name, self.nav, item.title, f"{self.category} News"]
        body = list(item.paras)
        if self.boilerplate is not None and rng.random() < 0.5:
            body.append(self.boilerplate)
        tail = []
        if related:
            tail += ["Related News", *related]
        if self.category_news:
            tail += [f"{self.category} News", *self.category_news]
        if comments:
            for name, when, text in pages._comments(rng, item.paras, rng.randint(1, 7)):
                tail += [name, when, text, "Reply"]
        tail.append(self.footer)
        self.latest.append(item.title)
        self.published += 1
        return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n\n" + "\n".join(tail) + "\n"


_TOLL = re.compile(r"\b(\d{1,4}) (?:\w+ ){0,3}?(?:were |have been |are |was )?(?:killed|dead|died|injured|wounded|hurt)\b")


def _update_toll(paras: list[str], rng: random.Random) -> list[str] | None:
    """The article with its first stated toll raised wherever that number stands, or None
    when it states none."""
    match = next((m for p in paras for m in _TOLL.finditer(p)), None)
    if match is None:
        return None
    old = match.group(1)
    new = str(int(old) + rng.randint(1, max(2, int(old) // 3)))
    updated = [re.sub(rf"\b{old}\b", new, p) for p in paras]
    return updated + [rng.choice(["The toll was later raised.", "This story has been updated with a new toll."])]


def _copy(parent: Item, base: Item, rng: random.Random, outlet: str, teasers: list[str], n: int) -> Item:
    item = Item(f"{base.id}~{n}", parent.title, list(parent.paras), base.event, base.family, outlet,
                parent.position + rng.expovariate(1 / 30), kind="copy", original=base.id)
    plan = rng.choices(["wrap", "edit", "truncate", "syndicate", "combo"], [0.25, 0.2, 0.17, 0.13, 0.25])[0]
    steps = {"wrap": [], "combo": rng.sample(["edit", "truncate", "syndicate"], rng.randint(2, 3))}.get(plan, [plan])
    for step in ("edit", "truncate", "syndicate"):
        if step not in steps:
            continue
        if step == "edit":
            ops = ["synonyms", "reorder", "drop_paragraph", "insert_line", "dateline", "spelling"]
            for name in rng.sample(ops, rng.choice([1, 2, 2, 3])):
                item.paras = {
                    "synonyms": lambda p: pages._swap_words(p, rng, rng.randint(2, 8)),
                    "reorder": lambda p: pages._reorder(p, rng),
                    "drop_paragraph": lambda p: pages._drop_paragraph(p, rng),
                    "insert_line": lambda p: pages._insert_line(p, rng, teasers),
                    "dateline": lambda p: pages._drop_dateline(p, rng),
                    "spelling": lambda p: pages._spelling(p, rng),
                }[name](item.paras)
                item.transforms.append(f"edit:{name}")
        elif step == "truncate":
            share = rng.uniform(0.5, 0.85)
            item.paras = pages.truncate(item.paras, rng, share)
            item.transforms.append(f"truncate{round(share * 100)}")
        else:
            item.paras = pages.syndicate(item.paras, rng, parent.outlet)
            item.transforms.append("syndicate")
    if rng.random() < 0.3:
        item.title = rng.choice([f"{item.title} | {outlet}", item.title.upper(), item.title.rstrip(".") + " - report"])
    return item


def build(seed: int = DEFAULT_SEED, ecb: Path = ECB, wikinews: Path = WIKINEWS) -> list[Item]:
    """The whole set in stream order."""
    rng = random.Random(seed)
    docs = ecb_articles(ecb) + wikinews_articles(wikinews)
    rng.shuffle(docs)
    held_out, docs = docs[:4], docs[4:]  # their paragraphs are the outlets' boilerplate
    boiler = [max(d[2], key=len) for d in held_out]
    outlets = {name: Outlet(name, rng, boiler[i] if i < len(boiler) else None) for i, name in enumerate(OUTLETS)}
    bases = [Item(key, title, paras, event, key, rng.choice(OUTLETS), float(i)) for i, (key, title, paras, event) in enumerate(docs)]
    teasers = [b.title for b in bases]
    items = list(bases)
    for base in bases:
        r = rng.random()
        count = 0 if r < 0.55 else 1 if r < 0.8 else 2 if r < 0.92 else rng.randint(3, 6)
        family = [base]
        for n in range(count):
            parent = family[-1] if len(family) > 1 and rng.random() < 0.15 else base
            outlet = rng.choice([o for o in OUTLETS if o != base.outlet])
            copy = _copy(parent, base, rng, outlet, teasers, n)
            if parent is not base:
                copy.transforms.insert(0, "copy_of_copy")
            family.append(copy)
            items.append(copy)
        updated = _update_toll(base.paras, rng)
        if updated is not None and rng.random() < 0.5:  # a later version with another toll: the same story, not a copy
            items.append(Item(f"{base.id}~update", base.title, updated, base.event, base.family, base.outlet,
                              base.position + rng.uniform(2, 40), kind="update", transforms=["update"]))
    items.sort(key=lambda it: (it.position, it.id))
    for item in items:
        item.body = outlets[item.outlet].page(item, rng, comments=item.kind == "copy" and rng.random() < 0.6)
    return items


def record(item: Item) -> dict:
    return {"id": item.id, "title": item.title, "body": item.body, "content_type": item.content_type, "source": item.outlet,
            "original": item.original, "family": item.family, "event": item.event, "kind": item.kind,
            "transforms": item.transforms, "text": "\n\n".join([item.title, *item.paras])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ecb", type=Path, default=ECB)
    parser.add_argument("--wikinews", type=Path, default=WIKINEWS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("dedup_real_items.jsonl"))
    args = parser.parse_args(argv)
    items = build(args.seed, args.ecb, args.wikinews)
    with args.out.open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(record(item), ensure_ascii=False) + "\n")
    print(f"{len(items)} items written to {args.out}")


if __name__ == "__main__":
    main()
